// Export menu and the figure preview. Every format downloads through /api/export/{format}
// with the current style and theme, under a file name made from the design's name.

import { api } from "../api.js";

export const EXTENSIONS = {
  svg: "svg",
  pdf: "pdf",
  png: "png",
  onnx: "onnx",
  prototxt: "prototxt",
  yaml: "yaml",
  json: "json",
  pytorch: "py",
  keras: "py",
};

export function fileName(name, format) {
  const stem = (name || "network").trim().replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "network";
  const suffix = format === "pytorch" ? "_pytorch" : format === "keras" ? "_keras" : "";
  return `${stem}${suffix}.${EXTENSIONS[format] ?? format}`;
}

export function figureParams(style, theme) {
  return { style, theme };
}

const FIGURES = new Set(["svg", "pdf", "png"]);

/**
 * The document a figure is drawn from. Canvas positions are the editor's own boxes; the figure
 * renderer lays out its boxes itself, so it gets the document without them.
 */
export function figureDocument(doc) {
  const out = structuredClone(doc);
  if (out.view) delete out.view.positions;
  return out;
}

export async function download(format, doc, params, notify) {
  try {
    const body = FIGURES.has(format) ? figureDocument(doc) : doc;
    const { blob } = await api.export(format, body, params);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName(doc.name, format);
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    notify(`Exported ${a.download}`);
  } catch (error) {
    notify(`Export as ${format} failed: ${error.message}`, "error");
  }
}

/** A live preview of the exported figure for the chosen style/theme. */
export class FigurePreview {
  constructor(root, { store, params }) {
    this.root = root;
    this.store = store;
    this.params = params;
    this.img = root.querySelector("img");
    this.status = root.querySelector(".preview-status");
    this.timer = null;
    this.url = null;
    this.sequence = 0;
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
    try {
      const { blob } = await api.export("svg", figureDocument(this.store.doc), this.params());
      if (mine !== this.sequence) return;
      if (this.url) URL.revokeObjectURL(this.url);
      this.url = URL.createObjectURL(blob);
      this.img.src = this.url;
      this.status.textContent = "";
    } catch (error) {
      if (mine !== this.sequence) return;
      this.status.textContent = `Preview unavailable: ${error.message}`;
    }
  }
}
