// Annotations on the canvas: regions under the layers, notes, arrows and labels over them,
// drawn from the document's view.annotations after every render with the same geometry as
// the exported figure (model/annotations.js). Each element names its annotation
// (data-annotation), so a double-click or the context menu can edit or delete it.

import { annotationShapes, annotationsOf } from "../model/annotations.js";
import { NODE_H, NODE_W } from "./metrics.js";
import { svgEl } from "./svg.js";

const HIGHLIGHT = "#F28E2B";

export class AnnotationLayer {
  /** Two groups in the canvas's viewport: one before the edges, one after the nodes. */
  constructor(svg, viewport, before) {
    this.under = svgEl("g", { class: "notes-under" });
    viewport.insertBefore(this.under, before);
    this.over = svgEl("g", { class: "notes-over" }, viewport);
    const defs = svgEl("defs", {}, svg);
    const marker = svgEl(
      "marker",
      { id: "note-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
      defs,
    );
    svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: HIGHLIGHT }, marker);
  }

  /** Draw the document's annotations for the layers the canvas shows now. */
  render(view) {
    const notes = annotationsOf(view.store.doc);
    this.under.replaceChildren();
    this.over.replaceChildren();
    if (notes.length === 0) return;
    const drawn = new Map(view.drawn());
    const box = (name) => {
      const entry = drawn.get(name);
      if (!entry) return null;
      const [x, y] = view.position(name);
      return { x, y, w: NODE_W, h: entry.h ?? NODE_H };
    };
    for (const shape of annotationShapes(notes, box)) {
      const note = notes[shape.index];
      const colour = typeof note.color === "string" && /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(note.color) ? note.color : HIGHLIGHT;
      const tag = { "data-annotation": String(shape.index) };
      let main = null;
      if (shape.region) {
        const { x, y, w, h } = shape.region;
        main = svgEl("rect", {
          ...tag, class: `note-region note-${shape.kind}`, x, y, width: w, height: h, rx: 8,
          stroke: colour, fill: shape.kind === "highlight" ? colour : "none",
        }, this.under); // prettier-ignore
      }
      if (shape.path) {
        main = svgEl("polyline", {
          ...tag, class: "note-arrow", points: shape.path.map((p) => p.join(",")).join(" "), stroke: colour,
          "marker-end": "url(#note-arrow)",
        }, this.over); // prettier-ignore
      }
      if (shape.label) {
        const text = svgEl("text", { ...tag, class: "note-text", x: shape.label.x, y: shape.label.y }, this.over);
        text.textContent = shape.label.text;
        if (shape.kind === "text") main = text;
        else text.setAttribute("fill", colour);
      }
      main?.setAttribute("data-testid", `annotation-${shape.index}`);
    }
  }
}
