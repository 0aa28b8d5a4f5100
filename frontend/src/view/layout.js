// A quick layered layout for nodes that have no position yet (imports, pasted source), and for
// the stacked and folded views. Longest-path layers top to bottom, one barycentre pass to
// untangle; linear in the size of the graph for chains. DOM-free.

import { predecessors } from "../model/document.js";
import { GAP_X, GAP_Y, MIN_GAP_X, MIN_GAP_Y, NODE_H, NODE_W, ROW_H, boxCentre, boxHeight, flowOf } from "./metrics.js";

/** Left to right: room between boxes in a rank (above one another) and between ranks. */
const LR_GAP_ACROSS = 28;
const LR_GAP_ALONG = 64;
import { anchorOf, findStacks, stackingOn } from "./stacks.js";

/**
 * Positions {name: [x, y]} (top-left corners) for every layer. With stacking on
 * (view.style.stack) a stack is laid out as one tall box and its followers sit in rows
 * under the head.
 */
export function layeredLayout(doc) {
  const stacks = stackingOn(doc) ? findStacks(doc) : null;
  const anchor = (name) => anchorOf(stacks, name);
  const names = new Set(doc.layers.map((layer) => layer.name));
  const heads = doc.layers.filter((layer) => anchor(layer.name) === layer.name);
  const preds = new Map(heads.map((layer) => [layer.name, []]));
  for (const layer of doc.layers) {
    const own = preds.get(anchor(layer.name));
    for (const p of predecessors(layer)) {
      const from = anchor(p);
      if (names.has(p) && from !== anchor(layer.name) && !own.includes(from)) own.push(from);
    }
  }
  const rank = new Map();
  // Documents are usually in topological order; iterate to settle the odd forward reference.
  for (let pass = 0; pass < 3; pass += 1) {
    let changed = false;
    for (const layer of heads) {
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
  for (const layer of heads) (rows[rank.get(layer.name)] ??= []).push(layer.name);
  const height = (name) => boxHeight(stacks?.members.get(name)?.length ?? 0);
  // Ranks run down (TB) or across (LR): "across" is the within-rank axis, "along" the flow.
  // Left to right, boxes in a rank stack by their height and ranks step by their width.
  const lr = flowOf(doc) === "LR";
  const acrossSize = (name) => (lr ? height(name) : NODE_W);
  const alongSize = (name) => (lr ? NODE_W : height(name));
  const gapAcross = lr ? LR_GAP_ACROSS : GAP_X;
  const gapAlong = lr ? LR_GAP_ALONG : GAP_Y;
  const x = new Map();
  const positions = {};
  let top = 0;
  rows.forEach((row, r) => {
    if (!row) return;
    if (r > 0 && row.length > 1) {
      const centre = (name) => {
        const xs = preds.get(name).map((p) => x.get(p)).filter((v) => v !== undefined);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
      };
      row.sort((a, b) => centre(a) - centre(b));
    }
    const width = row.reduce((sum, name) => sum + acrossSize(name), 0) + (row.length - 1) * gapAcross;
    let tallest = 0;
    let left = -width / 2;
    row.forEach((name) => {
      x.set(name, left + acrossSize(name) / 2);
      positions[name] = lr ? [top, Math.round(left)] : [Math.round(left), top];
      left += acrossSize(name) + gapAcross;
      tallest = Math.max(tallest, alongSize(name));
    });
    top += tallest + gapAlong;
  });
  if (stacks) {
    for (const [head, list] of stacks.members) {
      const [hx, hy] = positions[head];
      list.forEach((name, i) => (positions[name] = [hx, hy + NODE_H + i * ROW_H]));
    }
  }
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
    const next = flowOf(out) === "LR" ? [anchor?.[0] + NODE_W + LR_GAP_ALONG, anchor?.[1]] : [anchor?.[0], anchor?.[1] + NODE_H + GAP_Y];
    placed[layer.name] = anchor ? next : [fresh[layer.name][0], bottom + fresh[layer.name][1]];
  }
  out.view.positions = Object.fromEntries(
    out.layers.map((layer) => [layer.name, placed[layer.name]]),
  );
  return out;
}

/** Where a layer added "after" the one at `position` goes: centred one rank below it. */
export function belowOf(position) {
  const [cx, cy] = boxCentre(position);
  return [cx, cy + NODE_H + GAP_Y];
}

/**
 * The service lays out its own (narrower) figure boxes; stretch its positions so the editor's
 * boxes keep the same arrangement without overlapping (at most 4× either way).
 */
export function fitToBoxes(positions) {
  const points = Object.values(positions);
  let sx = 1;
  let sy = 1;
  for (const [x1, y1] of points) {
    for (const [x2, y2] of points) {
      const dx = Math.abs(x2 - x1);
      const dy = Math.abs(y2 - y1);
      if (dy < NODE_H && dx > 0) sx = Math.max(sx, (NODE_W + MIN_GAP_X) / dx);
      if (dx < NODE_W && dy > 0) sy = Math.max(sy, (NODE_H + MIN_GAP_Y) / dy);
    }
  }
  return Object.fromEntries(
    Object.entries(positions).map(([n, [x, y]]) => [n, [x * Math.min(sx, 4), y * Math.min(sy, 4)]]),
  );
}
