// Opening one box of a folded drawing in place (issue 17): only the box's own layers are laid
// out, where the box was; what comes after it along the flow moves on by the room they take
// and boxes beside it step aside, so the rest of a 50,000-layer drawing keeps its shape
// instead of being laid out again. DOM-free.

import { parseRef } from "../model/document.js";
import { layeredLayout } from "./layout.js";
import { NODE_H, NODE_W, flowOf } from "./metrics.js";

/**
 * Positions for the folded drawing `view` ({doc} of foldView) when it is the drawing whose
 * positions were `before` with exactly one box opened; null when it is not.
 * @param {Record<string, number[]>} before
 * @param {{doc: {layers: Array<{name: string, inputs?: string[]}>, view?: object}}} view
 */
export function grown(before, view) {
  const names = view.doc.layers.map((l) => l.name);
  const present = new Set(names);
  const gone = Object.keys(before).filter((n) => !present.has(n));
  const added = new Set(names.filter((n) => !(n in before)));
  if (gone.length !== 1 || added.size === 0) return null;
  const [bx, by] = before[gone[0]];
  // The opened box's layers, wired among themselves, laid out on their own.
  const layers = view.doc.layers
    .filter((l) => added.has(l.name))
    .map((l) => ({ ...l, inputs: (l.inputs ?? []).filter((ref) => added.has(parseRef(ref).name)) }));
  const local = layeredLayout({ layers, view: view.doc.view });
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of Object.values(local)) {
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + NODE_W), Math.max(y1, y + NODE_H)];
  }
  const lr = flowOf(view.doc) === "LR";
  // Along the flow (y top to bottom, x left to right) and across it.
  const along = lr ? 0 : 1;
  const across = 1 - along;
  const box = [bx, by];
  const size = [NODE_W, NODE_H];
  const extent = [x1 - x0, y1 - y0];
  const grow = extent[along] - size[along];
  const widen = Math.max(0, extent[across] - size[across]) / 2;
  const positions = {};
  for (const name of names) {
    if (added.has(name)) continue;
    const p = [...before[name]];
    if (p[along] > box[along]) p[along] += grow;
    else if (p[along] === box[along]) p[across] += p[across] < box[across] ? -widen : widen;
    positions[name] = p;
  }
  // The block centred across where the box was, starting where it started.
  const shift = [box[0] - x0, box[1] - y0];
  shift[across] = box[across] + size[across] / 2 - (lr ? (y0 + y1) / 2 : (x0 + x1) / 2);
  for (const [name, [x, y]] of Object.entries(local)) positions[name] = [Math.round(x + shift[0]), Math.round(y + shift[1])];
  return positions;
}
