// Downloads, copies to the clipboard and the figure preview. Every format downloads through /api/export/{format}
// with the figure settings in force, under a file name made from the design's name and the
// format's extension in the formats catalogue.

import { api } from "../api.js";
import { fileName, isFigureFormat } from "../model/formats.js";
import { PreviewZoom } from "./previewzoom.js";

/**
 * The document a figure is drawn from. Canvas positions are the editor's own boxes; the figure
 * renderer lays out its boxes itself, so it gets the document without them.
 */
export function figureDocument(doc) {
  const out = structuredClone(doc);
  if (out.view) delete out.view.positions;
  return out;
}

/** Download the document as `format` (a name from /api/formats), with figure `params`. */
export async function download(format, doc, params, notify, formats) {
  try {
    const figure = isFigureFormat(formats, format);
    const { blob } = await api.export(format, figure ? figureDocument(doc) : doc, figure ? params : {});
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName(doc.name, format, formats);
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    notify(`Exported ${a.download}`);
  } catch (error) {
    notify(`Export as ${format} failed: ${error.message}`, "error");
  }
}

/**
 * Copy the figure (`format` "svg" or "png") to the clipboard, to paste into slides or a
 * document. The ClipboardItem is made at once with a promise of the data: the browser
 * allows a write only close to the click, and drawing a big figure takes longer than that.
 * SVG goes as `image/svg+xml` where the browser takes it, always also as text (its markup).
 */
export function copyFigure(format, doc, params, notify) {
  const drawn = api.export(format, figureDocument(doc), params).then(({ blob }) => blob);
  let item;
  try {
    if (format === "png") {
      item = new ClipboardItem({ "image/png": drawn.then((b) => new Blob([b], { type: "image/png" })) });
    } else {
      const text = drawn.then((b) => b.text());
      const items = { "text/plain": text.then((t) => new Blob([t], { type: "text/plain" })) };
      if (ClipboardItem.supports?.("image/svg+xml")) {
        items["image/svg+xml"] = text.then((t) => new Blob([t], { type: "image/svg+xml" }));
      }
      item = new ClipboardItem(items);
    }
  } catch (error) {
    notify(`This browser cannot copy a figure: ${error.message}. Use Export instead.`, "error");
    return Promise.resolve(false);
  }
  return navigator.clipboard.write([item]).then(
    () => {
      notify(`Copied the figure as ${format.toUpperCase()}`);
      return true;
    },
    (error) => {
      notify(`Copy failed (${error.message}): the browser refused the clipboard. Use Export instead.`, "error");
      return false;
    },
  );
}

/** A live preview of the exported figure for the chosen style/theme. */
export class FigurePreview {
  constructor(root, { store, params }) {
    this.root = root;
    this.store = store;
    this.params = params;
    this.img = root.querySelector("img");
    this.zoom = new PreviewZoom(root);
    this.status = root.querySelector(".preview-status");
    this.timer = null;
    this.url = null;
    this.sequence = 0;
    this.angles = null; // view angles while a 3-D figure is being turned (panels/turn.js)
    this.busy = false;
    this.again = false;
  }

  /**
   * Draw with these view angles (null: the document's own) while the mouse turns the
   * figure: one drawing in flight at a time, and when it lands the latest angles are drawn.
   */
  turnTo(angles, { draw = true } = {}) {
    this.angles = angles;
    if (!draw) return;
    if (this.busy) this.again = true;
    else this.refresh();
  }

  get open() {
    return !this.root.hidden;
  }

  setOpen(open) {
    this.root.hidden = !open;
    if (open) this.schedule(0);
  }

  schedule(delay = 400) {
    if (!this.open) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), delay);
  }

  async refresh() {
    const mine = ++this.sequence;
    this.status.textContent = "Rendering…";
    this.busy = true;
    try {
      const params = this.angles ? { ...this.params(), ...this.angles } : this.params();
      const { blob } = await api.export("svg", figureDocument(this.store.doc), params);
      if (mine !== this.sequence) return;
      if (this.url) URL.revokeObjectURL(this.url);
      this.url = URL.createObjectURL(blob);
      this.img.src = this.url;
      this.status.textContent = "";
    } catch (error) {
      if (mine !== this.sequence) return;
      this.status.textContent = `Preview unavailable: ${error.message}`;
    } finally {
      if (mine === this.sequence) this.busy = false;
      if (mine === this.sequence && this.again) {
        this.again = false;
        this.refresh();
      }
    }
  }
}
