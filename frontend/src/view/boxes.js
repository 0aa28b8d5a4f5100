// The boxes drawn for folded groups ("name ×N"), keyed by box id (fold.js groupId), placed
// and labelled with the shape that leaves the group.

import { boxMarkup, formatCount, formatShape } from "./markup.js";
import { NODE_H } from "./metrics.js";
import { parseSvg } from "./svg.js";

/**
 * Show `boxes` (foldView's) in `layer`, each at translate(id); `entries` (a Map) keeps one
 * {g, shape, h, inCount, outCount} per box, as the view keeps its nodes. Boxes no longer
 * listed go.
 */
export function renderBoxes(layer, entries, boxes, { translate, analysis }) {
  const seen = new Set();
  for (const box of boxes) {
    seen.add(box.id);
    let entry = entries.get(box.id);
    if (!entry) {
      const [g] = parseSvg(boxMarkup(box));
      layer.appendChild(g);
      entry = { g, shape: g.querySelector(".node-shape"), h: NODE_H, inCount: 1, outCount: 1 };
      entries.set(box.id, entry);
    }
    entry.g.setAttribute("transform", translate(box.id));
    // Sums over a big module's layers are made once per analysis and group: a render
    // after an edit (before its analysis is back) leaves the box as it is.
    if (entry.analysis === analysis && entry.group === box.group) continue;
    entry.analysis = analysis;
    entry.group = box.group;
    const exit = box.group.copies.at(-1).at(-1);
    const shape = analysis.get(exit)?.output_shapes?.[0];
    let text = shape ? formatShape(shape) : "…";
    if (box.group.scope) {
      // A collapsed module says what it holds: the sums over its layers.
      let params = 0;
      let macs = 0;
      for (const name of box.group.copies[0]) {
        const node = analysis.get(name);
        params += node?.params ?? 0;
        macs += node?.macs ?? 0;
      }
      text += ` · ${formatCount(params)} params`;
      entry.g.querySelector("title").textContent =
        `${box.label} (${box.group.kind}): ${params.toLocaleString("en-US")} params, ` +
        `${macs.toLocaleString("en-US")} MACs (double-click to open)`;
      entry.g.dataset.params = String(params);
      entry.g.dataset.macs = String(macs);
    }
    entry.shape.textContent = text;
  }
  for (const [id, entry] of entries) {
    if (!seen.has(id)) {
      entry.g.remove();
      entries.delete(id);
    }
  }
}
