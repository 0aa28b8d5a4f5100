// Wires the editor together: store -> views, tools and commands -> store, live analysis.

import { api } from "./api.js";
import { commandForKey, createCommands, runCommand } from "./commands/index.js";
import { Analyzer } from "./model/analyzer.js";
import { moveLayers, normalize } from "./model/document.js";
import { Store } from "./model/store.js";
import { FigurePreview, download } from "./panels/exporter.js";
import { Inspector } from "./panels/inspector.js";
import { renderPalette } from "./panels/palette.js";
import { ScaleControls } from "./panels/scale.js";
import { Persistence, autosave, loadAutosave, sharedId } from "./panels/persist.js";
import { SourcePanel } from "./panels/source.js";
import { StatsPanel } from "./panels/stats.js";
import { PointerTools } from "./tools/pointer.js";
import { CanvasView } from "./view/canvas.js";
import { NODE_H, NODE_W, layeredLayout, withPositions } from "./view/layout.js";
import { stackingOn } from "./view/stacks.js";

const $ = (selector) => document.querySelector(selector);
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

const STARTER = {
  netcanvas: 1,
  name: "untitled",
  layers: [{ name: "data", type: "Input", shape: [1, 3, 224, 224], inputs: [] }],
  view: { positions: { data: [0, 0] } },
};

/** More new layers than this in one change are drawn with their analysis (see shouldDefer). */
const DEFER_NEW_NODES = 150;
const DEFER_MAX_MS = 800;

const FORMAT_BY_EXTENSION = {
  prototxt: "prototxt", pt: "prototxt", txt: "prototxt",
  yaml: "yaml", yml: "yaml", json: "json", onnx: "onnx",
};

/**
 * The service lays out its own (narrower) figure boxes; stretch its positions so the editor's
 * boxes keep the same arrangement without overlapping.
 */
function fitToBoxes(positions) {
  const points = Object.values(positions);
  let sx = 1;
  let sy = 1;
  for (const [x1, y1] of points) {
    for (const [x2, y2] of points) {
      const dx = Math.abs(x2 - x1);
      const dy = Math.abs(y2 - y1);
      if (dy < NODE_H && dx > 0) sx = Math.max(sx, (NODE_W + 24) / dx);
      if (dx < NODE_W && dy > 0) sy = Math.max(sy, (NODE_H + 40) / dy);
    }
  }
  return Object.fromEntries(
    Object.entries(positions).map(([n, [x, y]]) => [n, [x * Math.min(sx, 4), y * Math.min(sy, 4)]]),
  );
}

class Editor {
  /**
   * catalogue: the Map every view reads layer types from; empty until /api/layers answers
   * (setCatalogue fills it in place), so the chrome is live from the first paint.
   */
  constructor(catalogue) {
    this.catalogue = catalogue;
    this.sources = new Set();
    /** Document loads asked for before the catalogue and the first document are in. */
    this.waiting = [];
    this.ready = false;
    this.store = new Store();
    this.clip = null;
    this.toastTimer = null;
    this.wrap = byTestId("canvas-wrap");
    this.svg = byTestId("canvas");
    this.view = new CanvasView(this.svg, this.store, catalogue);
    this.tools = new PointerTools(this.svg, {
      store: this.store,
      view: this.view,
      catalogue,
      notify: (m, k) => this.notify(m, k),
    });
    this.inspector = new Inspector(byTestId("inspector"), {
      store: this.store,
      catalogue,
      notify: (m, k) => this.notify(m, k),
    });
    this.stats = new StatsPanel($(".stats"), { onPick: (name) => this.reveal(name) });
    this.source = new SourcePanel($("#panel-source"), {
      store: this.store,
      loadDocument: (doc, label, options) => this.loadDocument(doc, label, options),
      isVisible: () => !$("#panel-source").hidden,
    });
    this.preview = new FigurePreview(byTestId("figure-preview"), {
      store: this.store,
      params: () => this.figureParams(),
    });
    this.persistence = new Persistence({
      store: this.store,
      notify: (m, k) => this.notify(m, k),
      shareLink: byTestId("share-link"),
    });
    this.analyzer = new Analyzer({
      request: (doc, signal) => api.analyze(doc, signal),
      onResult: (result) => this.analysed(result),
      onError: (error) => this.analysisFailed(error),
    });
    this.commands = createCommands({
      store: this.store,
      clipboard: { get: () => this.clip, set: (clip) => (this.clip = clip) },
      view: { zoomToFit: () => this.zoomToFit(), autoLayout: () => this.autoLayout() },
      ui: { rename: () => this.rename(), notify: (m, k) => this.notify(m, k) },
    });
    this.scale = new ScaleControls({
      store: this.store,
      view: this.view,
      stackButton: byTestId("stack-toggle"),
      foldButton: byTestId("fold-toggle"),
      zoomToFit: () => this.zoomToFit(),
      notify: (m, k) => this.notify(m, k),
    });
    this.store.subscribe((event) => this.changed(event));
  }

  // ---- documents ----

  /** Bring a document in (open, template, source edit) as one undoable step, once the
   * editor is ready for it. */
  loadDocument(doc, label, options) {
    this.whenReady(() => this.applyDocument(doc, label, options));
  }

  applyDocument(doc, label, { source = null, merge = undefined, keepPositions = false, fresh = false, analysis = null } = {}) {
    let next = normalize(doc, this.sources);
    // An import may carry its analysis; otherwise the service starts on it while this
    // thread stores and places the layers.
    if (!this.store.readOnly) {
      if (analysis) this.analyzer.expect(next);
      else this.analyzer.prime(next);
    }
    if (keepPositions) {
      const old = this.store.doc.view?.positions ?? {};
      const names = new Set(next.layers.map((l) => l.name));
      const kept = Object.entries({ ...old, ...next.view.positions }).filter(([n]) => names.has(n));
      // A pasted network that shares only its input's name with the old one is a new
      // network: lay it all out rather than hang every layer under the one old position.
      if (kept.length * 2 >= names.size) next.view.positions = Object.fromEntries(kept);
    }
    if (!next.view.style && this.store.doc.view?.style) next.view.style = { ...this.store.doc.view.style };
    const unplaced = next.layers.filter((l) => !next.view.positions[l.name]).length;
    next = withPositions(next);
    // The view draws the new layers with their shapes in the commit's one render; deliver()
    // then finds that analysis already shown and only fills in the panels.
    if (analysis && !this.store.readOnly) this.view.setAnalysis(analysis, { draw: false });
    this.store.replace(label, next, { source, merge });
    if (analysis && !this.store.readOnly) this.analyzer.deliver(analysis, next);
    if (fresh) this.store.clearHistory();
    this.syncFigureSelects();
    if (unplaced === next.layers.length || fresh) this.zoomToFit();
  }

  changed(event) {
    if (event.kind === "document") {
      // Ask for the analysis first: the server works on it while this thread draws.
      this.analyzer.schedule(this.store.doc);
      if (this.shouldDefer()) this.deferRender();
      else this.view.render();
      this.inspector.update();
      this.source.documentChanged(event);
      this.preview.schedule();
      if (!this.store.readOnly) autosave(this.store.doc, this.persistence.design);
      this.scale.documentChanged();
      const name = $("#doc-name");
      if (document.activeElement !== name) name.value = this.store.doc.name ?? "";
      byTestId("canvas-hint").hidden = this.store.doc.layers.length > 1;
    } else if (event.label === "viewport") {
      this.view.setViewport(this.store.session.viewport);
    } else if (event.label === "selection" || event.label === "hover") {
      this.view.renderSelection();
      if (event.label === "selection") this.inspector.update();
    }
    this.updateButtons();
  }

  analysed(result) {
    this.analysis = result;
    const held = Boolean(this.renderTimer);
    if (held) {
      clearTimeout(this.renderTimer);
      this.renderTimer = null;
    }
    this.view.setAnalysis(result);
    this.view.release();
    if (held && this.fitPending) {
      this.fitPending = false;
      this.zoomToFit();
    }
    this.inspector.setAnalysis(new Map(result.nodes.map((n) => [n.name, n])));
    this.stats.set(result);
    this.svg.dataset.analysed = String(Date.now());
  }

  /**
   * A big document arriving at once (paste, open, template) is built off-screen while the
   * service analyses it, and shown when the analysis is back, in one pass with every shape:
   * showing it first with "…" labels costs a second full SVG layout when ~700 labels change,
   * and competes for the CPU with the analysis.
   */
  shouldDefer() {
    if (this.renderTimer) return true;
    return this.store.doc.layers.length - this.view.nodes.size > DEFER_NEW_NODES;
  }

  deferRender() {
    if (!this.renderTimer) this.renderTimer = setTimeout(() => this.flushRender(), DEFER_MAX_MS);
    this.view.hold();
    this.view.render();
  }

  /** Draw now if a render was held back (the analysis came, failed, or took too long). */
  flushRender() {
    if (!this.renderTimer) return;
    clearTimeout(this.renderTimer);
    this.renderTimer = null;
    this.view.render();
    this.view.release();
    if (this.fitPending) {
      this.fitPending = false;
      this.zoomToFit();
    }
  }

  analysisFailed(error) {
    this.flushRender();
    const problems = byTestId("stats-errors");
    problems.textContent = `analysis failed: ${error.message}`;
    problems.classList.add("bad");
  }

  updateButtons() {
    for (const button of document.querySelectorAll("[data-command]")) {
      const command = this.commands.get(button.dataset.command);
      if (command) button.disabled = !command.isEnabled();
    }
  }

  // ---- view actions ----

  zoomToFit() {
    if (this.renderTimer) {
      this.fitPending = true; // nothing to measure until the held-back render
      return;
    }
    const box = this.view.bounds();
    // The size the ResizeObserver saw: asking the element would force a layout of the scene.
    const rect = this.svgSize ?? this.svg.getBoundingClientRect();
    if (!box || rect.width === 0) return;
    const pad = 40;
    const zoom = Math.min(
      1,
      Math.max(0.02, Math.min((rect.width - 2 * pad) / (box.x1 - box.x0), (rect.height - 2 * pad) / (box.y1 - box.y0))),
    );
    this.store.setViewport({
      zoom,
      x: rect.width / 2 - ((box.x0 + box.x1) / 2) * zoom,
      y: Math.max(pad - box.y0 * zoom, rect.height / 2 - ((box.y0 + box.y1) / 2) * zoom),
    });
  }

  async autoLayout() {
    let positions = null;
    if (this.view.folded) this.view.setFolded(false);
    try {
      const answer = await api.layout(this.store.doc);
      positions = answer.positions;
    } catch {
      positions = null; // the service cannot lay out (yet): use the quick layered layout
    }
    const names = this.store.doc.layers.map((l) => l.name);
    if (stackingOn(this.store.doc) || !positions || !names.every((n) => Array.isArray(positions[n]))) {
      positions = layeredLayout(this.store.doc);
    } else {
      positions = fitToBoxes(positions);
    }
    this.store.transact("Auto-layout", (tx) => moveLayers(tx, positions));
    this.zoomToFit();
  }

  rename() {
    this.showTab("palette");
    this.inspector.update();
    this.inspector.focusName();
  }

  reveal(name) {
    this.store.select([name]);
    const [x, y] = this.view.position(name);
    const rect = this.svg.getBoundingClientRect();
    const { zoom } = this.store.session.viewport;
    this.store.setViewport({ x: rect.width / 2 - (x + 86) * zoom, y: rect.height / 2 - (y + 29) * zoom });
  }

  notify(message, kind = "info") {
    const toast = byTestId("toast");
    toast.textContent = message;
    toast.className = `toast ${kind}`;
    toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (toast.hidden = true), kind === "error" ? 6000 : 3000);
  }

  // ---- figure settings ----

  figureParams() {
    return { style: byTestId("style-select").value, theme: byTestId("theme-select").value };
  }

  syncFigureSelects() {
    const style = this.store.doc.view?.style ?? {};
    if (style.name) byTestId("style-select").value = style.name;
    if (style.theme) byTestId("theme-select").value = style.theme;
    this.applyTheme();
  }

  applyTheme() {
    const { style, theme } = this.figureParams();
    this.wrap.className = `canvas-wrap theme-${theme}`;
    if (style !== "graph" && !this.preview.open) this.setPreview(true);
  }

  setPreview(open) {
    this.preview.setOpen(open);
    byTestId("preview-toggle").setAttribute("aria-pressed", String(open));
  }

  figureChanged() {
    const { style, theme } = this.figureParams();
    const old = this.store.doc.view?.style ?? {};
    this.store.transact("Figure style", (tx) => {
      if (!tx.doc.view) tx.set(["view"], {});
      tx.set(["view", "style"], { ...old, name: style, theme });
    });
    this.applyTheme();
    this.preview.schedule(0);
  }

  // ---- files ----

  async openFile(file) {
    const extension = file.name.split(".").pop().toLowerCase();
    const format = FORMAT_BY_EXTENSION[extension];
    if (!format) {
      this.notify(`Cannot open ${file.name}: use .prototxt, .yaml, .json or .onnx`, "error");
      return;
    }
    try {
      const body = format === "onnx" ? await file.arrayBuffer() : await file.text();
      const params = format === "prototxt" ? { phase: byTestId("phase-select").value } : {};
      const { document: doc, warnings, analysis } = await api.import(format, body, { ...params, analysis: true });
      this.loadDocument(doc, `Open ${file.name}`, { analysis });
      if (format === "onnx") this.source.documentChanged({});
      else this.source.showText(format, body);
      this.notify(warnings?.length ? `Opened ${file.name} (${warnings.length} warning(s))` : `Opened ${file.name}`);
    } catch (error) {
      this.notify(`Cannot open ${file.name}: ${error.located ?? error.message}`, "error");
    }
  }

  async openTemplates() {
    const dialog = byTestId("templates-dialog");
    const list = dialog.querySelector(".template-list");
    list.replaceChildren(document.createTextNode("Loading…"));
    dialog.showModal();
    try {
      const templates = await api.templates();
      list.replaceChildren();
      for (const t of templates) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "template";
        button.setAttribute("data-testid", `template-${t.slug}`);
        const title = document.createElement("strong");
        title.textContent = t.name ?? t.slug;
        const about = document.createElement("span");
        about.className = "muted";
        about.textContent = t.description ?? "";
        button.append(title, about);
        button.addEventListener("click", () => this.openTemplate(t.slug));
        list.appendChild(button);
      }
    } catch (error) {
      list.textContent = `Templates are unavailable: ${error.message}`;
    }
  }

  async openTemplate(slug) {
    try {
      const answer = await api.template(slug);
      const doc = answer.document ?? answer;
      this.persistence.design = null;
      this.persistence.showLink();
      this.loadDocument(doc, `Template ${slug}`);
      this.zoomToFit();
      byTestId("templates-dialog").close();
    } catch (error) {
      this.notify(`Cannot open template ${slug}: ${error.message}`, "error");
    }
  }

  async openShared(id) {
    try {
      const answer = await api.design(id);
      this.applyDocument(answer.document, "Open shared design", { fresh: true });
      this.store.readOnly = true;
      this.persistence.design = { id: answer.id ?? id, revision: answer.revision };
      document.body.classList.add("readonly");
      byTestId("readonly-banner").hidden = false;
      this.inspector.current = null;
      this.inspector.update();
      this.updateButtons();
      return true;
    } catch (error) {
      this.notify(`Cannot open shared design ${id}: ${error.message}`, "error");
      return false;
    }
  }

  makeCopy() {
    this.store.readOnly = false;
    document.body.classList.remove("readonly");
    byTestId("readonly-banner").hidden = true;
    this.persistence.design = null;
    this.persistence.showLink();
    history.replaceState(null, "", "/");
    this.store.transact("Make a copy", (tx) => tx.set(["name"], `${this.store.doc.name} (copy)`));
    this.inspector.current = null;
    this.inspector.update();
    this.notify("This copy is yours: edits are saved in this browser.");
  }

  // ---- chrome ----

  showTab(which) {
    const source = which === "source";
    $("#panel-design").hidden = source;
    $("#panel-source").hidden = !source;
    for (const id of ["palette", "inspector", "source"]) {
      byTestId(`tab-${id}`).setAttribute("aria-selected", String(id === which));
    }
    if (source) this.source.shown();
    if (which === "inspector") byTestId("inspector").scrollIntoView({ block: "nearest" });
  }

  bind() {
    for (const button of document.querySelectorAll("[data-command]")) {
      if (button.dataset.command === "templates") continue;
      button.addEventListener("click", () => runCommand(this.commands, button.dataset.command));
    }
    byTestId("templates").addEventListener("click", () => this.openTemplates());
    for (const id of ["palette", "inspector", "source"]) {
      byTestId(`tab-${id}`).addEventListener("click", () => this.showTab(id));
    }
    document.addEventListener("keydown", (event) => this.keydown(event));
    byTestId("style-select").addEventListener("change", () => this.figureChanged());
    byTestId("theme-select").addEventListener("change", () => this.figureChanged());
    byTestId("preview-toggle").addEventListener("click", () => this.setPreview(!this.preview.open));
    for (const item of document.querySelectorAll("[data-export]")) {
      item.addEventListener("click", () => {
        item.closest("details").open = false;
        download(item.dataset.export, this.store.doc, this.figureParams(), (m, k) => this.notify(m, k));
      });
    }
    byTestId("save").addEventListener("click", () => this.persistence.save());
    byTestId("make-copy").addEventListener("click", () => this.makeCopy());
    const fileInput = byTestId("open-file");
    byTestId("open").addEventListener("click", () => fileInput.click());
    fileInput.addEventListener("change", () => {
      if (fileInput.files[0]) this.openFile(fileInput.files[0]);
      fileInput.value = "";
    });
    window.addEventListener("dragover", (event) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    });
    window.addEventListener("drop", (event) => {
      const file = event.dataTransfer?.files?.[0];
      if (!file) return;
      event.preventDefault();
      this.openFile(file);
    });
    const name = $("#doc-name");
    name.addEventListener("change", () => {
      const value = name.value.trim() || "network";
      this.store.transact("Rename design", (tx) => tx.set(["name"], value));
    });
    const uiTheme = byTestId("ui-theme");
    const dark = localStorage.getItem("netcanvas:ui") ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    const applyUi = (mode) => {
      document.body.classList.toggle("dark", mode === "dark");
      uiTheme.setAttribute("aria-pressed", String(mode === "dark"));
    };
    applyUi(dark);
    uiTheme.addEventListener("click", () => {
      const mode = document.body.classList.contains("dark") ? "light" : "dark";
      localStorage.setItem("netcanvas:ui", mode);
      applyUi(mode);
    });
    new ResizeObserver(([entry]) => {
      this.svgSize = { width: entry.contentRect.width, height: entry.contentRect.height };
      this.view.setViewport(this.store.session.viewport);
    }).observe(this.svg);
  }

  keydown(event) {
    const target = event.target;
    const typing =
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      target?.isContentEditable;
    if (typing || byTestId("templates-dialog").open) return;
    if (event.key === "Escape") {
      this.store.select([]);
      return;
    }
    const command = commandForKey(this.commands, event);
    if (!command) return;
    event.preventDefault();
    if (command.isEnabled()) command.run();
  }

  add(type) {
    const rect = this.svg.getBoundingClientRect();
    const selected = [...this.store.session.selection];
    let x = rect.left + rect.width / 2;
    let y = rect.top + rect.height / 2;
    let [cx, cy] = this.view.toCanvas(x, y);
    if (selected.length === 1) {
      const [px, py] = this.view.position(selected[0]);
      [cx, cy] = [px + 86, py + 29 + 102];
    }
    this.tools.addAt(type, cx, cy, { wire: true });
  }

  /** Run now, or once the catalogue and the first document are in (a paste in the first
   * moments after the page opens must not be lost, nor read without the layer types). */
  whenReady(action) {
    if (this.ready) action();
    else this.waiting.push(action);
  }

  setCatalogue(layers) {
    for (const spec of layers) this.catalogue.set(spec.type, spec);
    this.sources = new Set(layers.filter((s) => s.max_inputs === 0).map((s) => s.type));
    renderPalette(byTestId("palette"), this.catalogue, { onAdd: (type) => this.add(type) });
  }

  async start() {
    await this.openFirst();
    this.ready = true;
    for (const action of this.waiting.splice(0)) action();
  }

  async openFirst() {
    const id = sharedId();
    if (id && (await this.openShared(id))) return;
    const saved = loadAutosave();
    if (saved) {
      this.applyDocument(saved.document, "Restore", { fresh: true });
      if (saved.design?.id) {
        this.persistence.design = saved.design;
        this.persistence.showLink();
      }
    } else {
      this.applyDocument(STARTER, "New design", { fresh: true });
    }
  }
}

async function main() {
  // Tabs, toolbar and keys work from the first paint; only what needs the layer types
  // (the palette, reading a document) waits for the catalogue, and says so.
  const editor = new Editor(new Map());
  editor.bind();
  window.netcanvas = editor; // for the console and benchmarks
  let layers = [];
  try {
    layers = await api.layers();
  } catch (error) {
    document.body.classList.add("offline");
    byTestId("toast").textContent = `The layer catalogue is unavailable: ${error.message}`;
    byTestId("toast").hidden = false;
  }
  editor.setCatalogue(layers);
  await editor.start();
  document.body.dataset.ready = "true";
}

main();
