// Big graphs (issue 17): what the canvas keeps of a document of thousands of layers when it
// draws only what is in sight. DOM-free.
//
// Under BIG layers every node stays in the DOM as before (accessibility, tests, and nothing
// worth saving). From BIG up the view keeps a scene: every box's place and size, a grid to
// find the boxes in a rectangle, and the wires as line segments. Near (zoom >= DETAIL_ZOOM)
// only the nodes in and around the window are SVG; far, none are, and far.js paints the
// scene on a canvas.

import { edges as documentEdges } from "../model/document.js";
import { Grid } from "./grid.js";
import { NODE_W, boxHeight } from "./metrics.js";

/** From this many layers the canvas draws only what is in sight. */
export const BIG = 2000;
/** A model of more layers than this, in modules, opens with them collapsed (fold.js defaultCollapsed). */
export const COLLAPSE_FROM = 400;
/** Below this zoom a big graph is painted on the far canvas, without text. */
export const DETAIL_ZOOM = 0.3;
/** Room around the window, in screen pixels, whose nodes are kept in the DOM too, so a short pan shows no gap. */
export const MARGIN = 300;

/**
 * The scene of the drawing `shown` (the document, or its folded stand-in): items (name ->
 * {x, y, w, h, cat}), the grid over them, the edges between them ({src, dst, srcIndex,
 * dstIndex}) and those edges as segments [x1, y1, x2, y2] for the far view.
 * @param {{layers: Array<object>}} shown
 * @param {{position: (name: string) => number[], category: (layer: object) => string,
 *   followers: (name: string) => number, isRow: (name: string) => boolean, lr: boolean}} at
 */
export function sceneOf(shown, at) {
  const items = new Map();
  for (const layer of shown.layers) {
    if (at.isRow(layer.name)) continue; // drawn inside its head's box
    const [x, y] = at.position(layer.name);
    items.set(layer.name, { x, y, w: NODE_W, h: boxHeight(at.followers(layer.name)), cat: at.category(layer) });
  }
  const links = documentEdges(shown).filter((e) => items.has(e.src) && items.has(e.dst));
  const segments = links.map((e) => {
    const a = items.get(e.src);
    const b = items.get(e.dst);
    return at.lr ? [a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2] : [a.x + a.w / 2, a.y + a.h, b.x + b.w / 2, b.y];
  });
  return { items, grid: new Grid(items), links, segments };
}

/** The canvas rectangle [x0, y0, x1, y1] seen in a window of `size` at `viewport`, widened by `margin` screen pixels. */
export function windowOf({ x, y, zoom }, { width, height }, margin = 0) {
  return [(-x - margin) / zoom, (-y - margin) / zoom, (width - x + margin) / zoom, (height - y + margin) / zoom];
}

/** The stand-in's layer names of the rows of each stack head (a head in sight brings its rows). */
export function withRows(names, stacks) {
  if (!stacks) return names;
  const out = new Set(names);
  for (const name of names) for (const row of stacks.members.get(name) ?? []) out.add(row);
  return out;
}
