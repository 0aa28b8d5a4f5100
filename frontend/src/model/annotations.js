// Annotations: notes, arrows, boxes and highlighted regions a person puts on the drawing for
// a slide or a paper, kept in the document's `view.annotations` and drawn in every exported
// figure by the service (render/annotate.py). They are anchored to layers, not to canvas
// points, so they follow the network however it is laid out; the geometry here is the
// service's, so the canvas shows what the figure will. DOM-free.
//
//   {type: "text", text, near: layer, dx, dy}
//   {type: "highlight" | "rect", layers: [layer, ...], label?, color?}
//   {type: "arrow", from: layer, to: layer, text?}

export const PAD = 10;
export const KINDS = ["text", "arrow", "rect", "highlight"];

/** The annotations of a document (a list, whatever was stored). */
export function annotationsOf(doc) {
  const notes = doc.view?.annotations;
  return Array.isArray(notes) ? notes : [];
}

/** The note for `kind` made from the selected layers (in selection order), or an error. */
export function makeAnnotation(kind, selected, text = "") {
  if (kind === "text") {
    if (selected.length < 1) return { error: "select the layer the note is about" };
    return { note: { type: "text", text, near: selected[0], dx: 16, dy: 0 } };
  }
  if (kind === "arrow") {
    if (selected.length !== 2) return { error: "select the two layers the arrow joins" };
    const note = { type: "arrow", from: selected[0], to: selected[1] };
    return { note: text ? { ...note, text } : note };
  }
  if (kind === "rect" || kind === "highlight") {
    if (selected.length < 1) return { error: "select the layers to frame" };
    const note = { type: kind, layers: [...selected] };
    return { note: text ? { ...note, label: text } : note };
  }
  return { error: `no annotation kind ${kind}` };
}

/** The text a note shows (its label for a region). */
export function noteText(note) {
  return note.type === "text" || note.type === "arrow" ? note.text ?? "" : note.label ?? "";
}

/** The note with its text set (a region's label). */
export function withText(note, text) {
  const key = note.type === "rect" || note.type === "highlight" ? "label" : "text";
  const out = { ...note, [key]: text };
  if (!text && key !== "text") delete out[key];
  return out;
}

/** The note with layer `from` renamed `to` wherever it names it. */
export function renamedIn(note, from, to) {
  const out = { ...note };
  for (const key of ["near", "from", "to"]) if (out[key] === from) out[key] = to;
  if (Array.isArray(out.layers)) out.layers = out.layers.map((n) => (n === from ? to : n));
  return out;
}

/**
 * What to draw for each note, given `box(name)` -> {x, y, w, h} of a drawn layer (or null):
 * {index, kind, region?: {x, y, w, h}, label?: {x, y, text}, path?: [[x, y], ...]}. Notes
 * naming no drawn layer are left out, as the service leaves them out of a figure.
 */
export function annotationShapes(notes, box) {
  const out = [];
  notes.forEach((note, index) => {
    if (!note || typeof note !== "object") return;
    if (note.type === "rect" || note.type === "highlight") {
      const boxes = (Array.isArray(note.layers) ? note.layers : []).map(box).filter(Boolean);
      if (!boxes.length) return;
      const x0 = Math.min(...boxes.map((b) => b.x)) - PAD;
      const y0 = Math.min(...boxes.map((b) => b.y)) - PAD;
      const x1 = Math.max(...boxes.map((b) => b.x + b.w)) + PAD;
      const y1 = Math.max(...boxes.map((b) => b.y + b.h)) + PAD;
      const shape = { index, kind: note.type, region: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } };
      if (note.label) shape.label = { x: x1 + 4, y: y0 + 12, text: note.label };
      out.push(shape);
    } else if (note.type === "text") {
      const b = box(note.near);
      if (!b || !note.text) return;
      const dx = typeof note.dx === "number" ? note.dx : 16;
      const dy = typeof note.dy === "number" ? note.dy : 0;
      out.push({ index, kind: "text", label: { x: b.x + b.w + dx, y: b.y + b.h / 2 + dy + 4, text: note.text } });
    } else if (note.type === "arrow") {
      const a = box(note.from);
      const b = box(note.to);
      if (!a || !b || a === b) return;
      // Around the right-hand side, so the arrow never crosses the network (as the figure).
      const side = Math.max(a.x + a.w, b.x + b.w) + 3 * PAD;
      const start = [a.x + a.w, a.y + a.h / 2];
      const end = [b.x + b.w, b.y + b.h / 2];
      const shape = { index, kind: "arrow", path: [start, [side, start[1]], [side, end[1]], end] };
      if (note.text) shape.label = { x: side + 4, y: (start[1] + end[1]) / 2, text: note.text };
      out.push(shape);
    }
  });
  return out;
}
