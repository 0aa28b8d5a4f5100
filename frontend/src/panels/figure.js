// Figure settings in the toolbar: the style and theme selects and the Export menu, built from
// the service's catalogues (GET /api/figures, GET /api/formats), so a style, theme or format
// added to the service needs no change here. They run commands; what they show follows the
// store. Both work before the catalogues arrive: the selects hold the settings in force and
// say they are loading the rest.

import { CANVAS_STYLE, figureQuery, figureSettings, styleInfo } from "../model/figures.js";
import { exportFormats, exportLabel } from "../model/formats.js";

const LOADING = "loading";

function option(value, text, { title = "", disabled = false } = {}) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = text;
  if (title) el.title = title;
  el.disabled = disabled;
  return el;
}

/** Select `value`, adding an option for it when the list does not have it (yet). */
function choose(select, value) {
  if (![...select.options].some((o) => o.value === value)) {
    select.insertBefore(option(value, value), select.querySelector(`option[value="${LOADING}"]`));
  }
  select.value = value;
}

export class FigurePanel {
  /**
   * root: holds the toolbar's style-select, theme-select, export-menu and preview-toggle, and
   * the canvas-wrap (whose class carries the theme); host: {store, preview, run(id, argument)}
   */
  constructor(root, host) {
    const byTestId = (id) => root.querySelector(`[data-testid="${id}"]`);
    const els = {
      style: byTestId("style-select"),
      theme: byTestId("theme-select"),
      menu: byTestId("export-menu"),
      wrap: byTestId("canvas-wrap"),
      previewToggle: byTestId("preview-toggle"),
    };
    this.els = els;
    this.host = host;
    this.figures = null;
    this.shown = null; // the settings last shown, to act on a change only
    this.items = els.menu.querySelector(".menu-items");
    for (const [select, what] of [[els.style, "styles"], [els.theme, "themes"]]) {
      select.replaceChildren(option(LOADING, `Loading ${what}…`, { disabled: true }));
    }
    this.items.replaceChildren(this.note("Loading formats…"));
    els.style.addEventListener("change", () => host.run("set-figure", { style: els.style.value }));
    els.theme.addEventListener("change", () => host.run("set-figure", { theme: els.theme.value }));
    els.previewToggle.addEventListener("click", () => this.setPreview(!host.preview.open));
  }

  note(text) {
    const p = document.createElement("p");
    p.className = "muted menu-note";
    p.textContent = text;
    return p;
  }

  /** Show what is in force now, and fill in the choices as the catalogues come (promises). */
  follow(formats, figures) {
    this.sync();
    formats.then(
      (list) => this.setFormats(list),
      (error) => this.setFormats(null, error),
    );
    return figures.then(
      (catalogue) => this.setFigures(catalogue),
      (error) => this.setFigures(null, error),
    );
  }

  /** The figure catalogue arrived (or `error` says why not). */
  setFigures(figures, error = null) {
    this.figures = figures;
    const fill = (select, entries, what) => {
      if (!entries) {
        select.querySelector(`option[value="${LOADING}"]`).textContent = `${what} unavailable: ${error?.message ?? "?"}`;
        return;
      }
      select.replaceChildren(...entries.map((e) => option(e.name, e.label ?? e.name, { title: e.description })));
    };
    fill(this.els.style, figures?.styles, "Styles");
    fill(this.els.theme, figures?.themes, "Themes");
    this.sync();
  }

  /** The formats catalogue arrived (or `error` says why not): one menu item per export. */
  setFormats(formats, error = null) {
    if (!formats) {
      this.items.replaceChildren(this.note(`Export formats are unavailable: ${error?.message ?? "?"}`));
      return;
    }
    const { figures, models } = exportFormats(formats);
    const item = (format) => {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "menuitem");
      button.dataset.export = format.name;
      button.setAttribute("data-testid", `export-${format.name}`);
      button.textContent = exportLabel(format);
      button.title = `${format.extensions.join(" ")} (${format.media_type})`;
      button.addEventListener("click", () => {
        this.els.menu.open = false;
        this.host.run("export", format.name);
      });
      return button;
    };
    const copy = (format) => {
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "menuitem");
      button.setAttribute("data-testid", `copy-${format}`);
      button.textContent = `Copy figure as ${format.toUpperCase()}`;
      button.title = "To the clipboard, to paste into slides or a document";
      button.addEventListener("click", () => {
        this.els.menu.open = false;
        this.host.run("copy-figure", format);
      });
      return button;
    };
    const copies = ["svg", "png"].filter((f) => figures.some((format) => format.name === f)).map(copy);
    const groups = [figures.map(item), copies, models.map(item)].filter((g) => g.length);
    this.items.replaceChildren(...groups.flatMap((g, i) => (i ? [document.createElement("hr"), ...g] : g)));
  }

  /** Show the settings in force; when they change, draw the preview again (and open it for
   * a style the canvas does not draw itself). */
  sync() {
    const { store, preview } = this.host;
    const { style, theme } = figureSettings(store.doc, store.session);
    choose(this.els.style, style);
    choose(this.els.theme, theme);
    this.els.style.title = styleInfo(this.figures, style)?.description ?? "";
    this.els.wrap.className = `canvas-wrap theme-${theme}`;
    const key = JSON.stringify(figureQuery(store.doc, store.session));
    if (this.shown?.key === key) return;
    const before = this.shown;
    this.shown = { key, style, theme };
    const restyled = !before || before.style !== style || before.theme !== theme;
    if (restyled && style !== CANVAS_STYLE && !preview.open) this.setPreview(true);
    else if (before) preview.schedule(0);
  }

  setPreview(open) {
    this.host.preview.setOpen(open);
    this.els.previewToggle.setAttribute("aria-pressed", String(open));
  }
}
