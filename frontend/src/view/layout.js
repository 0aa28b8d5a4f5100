// A quick layered layout for nodes that have no position yet (imports, pasted source).
// Longest-path layers top to bottom, one barycentre pass to untangle. DOM-free.

import { predecessors } from "../model/document.js";

export const NODE_W = 172;
export const NODE_H = 58;
const GAP_X = 36;
const GAP_Y = 44;

/** Positions {name: [x, y]} (top-left corners) for every layer. */
export function layeredLayout(doc) {
  const names = new Set(doc.layers.map((layer) => layer.name));
  const rank = new Map();
  const preds = new Map(
    doc.layers.map((layer) => [layer.name, predecessors(layer).filter((p) => names.has(p))]),
  );
  // Documents are usually in topological order; iterate to settle the odd forward reference.
  for (let pass = 0; pass < 3; pass += 1) {
    let changed = false;
    for (const layer of doc.layers) {
      let r = 0;
      for (const p of preds.get(layer.name)) r = Math.max(r, (rank.get(p) ?? 0) + 1);
      if (rank.get(layer.name) !== r) {
        rank.set(layer.name, r);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = [];
  for (const layer of doc.layers) {
    const r = rank.get(layer.name);
    (rows[r] ??= []).push(layer.name);
  }
  const x = new Map();
  const positions = {};
  rows.forEach((row, r) => {
    if (!row) return;
    if (r > 0) {
      const centre = (name) => {
        const xs = preds.get(name).map((p) => x.get(p)).filter((v) => v !== undefined);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
      };
      row.sort((a, b) => centre(a) - centre(b));
    }
    const width = row.length * NODE_W + (row.length - 1) * GAP_X;
    row.forEach((name, i) => {
      const left = -width / 2 + i * (NODE_W + GAP_X);
      x.set(name, left + NODE_W / 2);
      positions[name] = [Math.round(left), r * (NODE_H + GAP_Y)];
    });
  });
  return positions;
}

/** Fill in positions for layers that lack one, leaving placed layers where they are. */
export function withPositions(doc) {
  const out = structuredClone(doc);
  out.view = out.view ?? {};
  const positions = out.view.positions ?? {};
  const missing = out.layers.filter((layer) => !Array.isArray(positions[layer.name]));
  if (missing.length === 0) {
    out.view.positions = positions;
    return out;
  }
  const fresh = layeredLayout(out);
  if (missing.length === out.layers.length) {
    out.view.positions = fresh;
    return out;
  }
  // New layers go near their first placed predecessor, or below everything.
  let bottom = 0;
  for (const pos of Object.values(positions)) bottom = Math.max(bottom, pos[1] + NODE_H + GAP_Y);
  const placed = { ...positions };
  for (const layer of out.layers) {
    if (placed[layer.name]) continue;
    const anchor = predecessors(layer).map((p) => placed[p]).find(Boolean);
    placed[layer.name] = anchor
      ? [anchor[0], anchor[1] + NODE_H + GAP_Y]
      : [fresh[layer.name][0], bottom + fresh[layer.name][1]];
  }
  out.view.positions = Object.fromEntries(
    out.layers.map((layer) => [layer.name, placed[layer.name]]),
  );
  return out;
}
