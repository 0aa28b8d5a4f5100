// Edge routing on the canvas: a wire that would pass behind boxes it does not belong to goes
// round them in a lane beside them, as the exported figure does (backend render/layout.py
// routes a long edge through "dummy" slots that take room beside each rank it crosses). The
// canvas keeps the person's own positions, so instead of reserving lanes in the layout, a
// blocked wire looks for the nearest free vertical lane at draw time. DOM-free.

import { curve } from "./markup.js";

/** Room kept between a detouring wire and the boxes it passes. */
export const LANE_PAD = 22;
/** Samples of a default curve tested against the boxes (enough for a box's 58 px height). */
const SAMPLES = 24;
/** A box that only touches the wire's end rows (its source's neighbours) does not block. */
const TOUCH = 2;

/**
 * @typedef {{name: string, x: number, y: number, w: number, h: number}} Rect  a drawn box,
 *   top-left corner and size in canvas pixels
 */

/** The drawn boxes, sorted top to bottom, to find those a wire's vertical span crosses fast. */
export class Obstacles {
  /** @param {Rect[]} rects */
  constructor(rects) {
    this.rects = [...rects].sort((a, b) => a.y - b.y);
    this.tallest = this.rects.reduce((m, r) => Math.max(m, r.h), 0);
  }

  /** Boxes overlapping the open band y0 < y < y1 (by more than a touch), not in `ignore`. */
  between(y0, y1, ignore) {
    const out = [];
    const { rects } = this;
    // Binary search the first box whose top could reach below y0.
    let lo = 0;
    let hi = rects.length;
    const from = y0 - this.tallest;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rects[mid].y < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < rects.length && rects[i].y < y1 - TOUCH; i += 1) {
      const r = rects[i];
      if (r.y + r.h > y0 + TOUCH && !ignore.has(r.name)) out.push(r);
    }
    return out;
  }
}

/** Boxes with x and y swapped: the obstacles of a left-to-right canvas, for routeEdge(..., true). */
export function transposed(rects) {
  return rects.map((r) => ({ name: r.name, x: r.y, y: r.x, w: r.h, h: r.w }));
}

function cubic(p0, p1, p2, p3, t) {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}

/** True when the plain curve from `a` to `b` (markup.js curve) enters one of `rects`. */
export function curveHits(a, b, rects) {
  if (rects.length === 0) return false;
  const [x1, y1] = a;
  const [x2, y2] = b;
  const dy = Math.max(30, Math.abs(y2 - y1) / 2);
  for (let i = 1; i < SAMPLES; i += 1) {
    const t = i / SAMPLES;
    const x = cubic(x1, x1, x2, x2, t);
    const y = cubic(y1, y1 + dy, y2 - dy, y2, t);
    for (const r of rects) {
      if (x > r.x - 4 && x < r.x + r.w + 4 && y > r.y - 4 && y < r.y + r.h + 4) return true;
    }
  }
  return false;
}

/**
 * The free vertical lane nearest to both ends: beside the boxes in the way, never through
 * one. Boxes block [left - pad, right + pad]; overlapping blocks merge, so a lane at a merged
 * block's edge is clear of every box.
 */
export function freeLane(x1, x2, rects, pad = LANE_PAD) {
  const blocks = rects.map((r) => [r.x - pad, r.x + r.w + pad]).sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const block of blocks) {
    const last = merged[merged.length - 1];
    if (last && block[0] <= last[1]) last[1] = Math.max(last[1], block[1]);
    else merged.push([...block]);
  }
  const free = (x) => merged.every(([l, r]) => x <= l || x >= r);
  const candidates = [x1, x2, ...merged.flat()].filter(free);
  const cost = (x) => Math.abs(x - x1) + Math.abs(x - x2);
  // Ties go to the right: the figure's shortcuts run beside the column on that side too.
  return candidates.reduce((best, x) => (cost(x) < cost(best) || (cost(x) === cost(best) && x > best) ? x : best));
}

/**
 * The path of a wire from an output port `a` to an input port `b` (canvas points, top-down
 * flow). A wire that would cross boxes of other layers leaves its source, turns into a lane
 * beside those boxes before the first of them, runs down the lane and turns back into its
 * target after the last. `ignore` names the boxes it is attached to.
 * @param {[number, number]} a
 * @param {[number, number]} b
 * @param {Obstacles} obstacles
 * @param {Set<string>} ignore
 * @returns {string} SVG path data
 */
export function routeEdge(a, b, obstacles, ignore, lr = false) {
  if (lr) {
    // Left to right is top to bottom transposed: route the transposed wire among the
    // transposed boxes (`obstacles` were built so, see transposed()), and swap back.
    const d = routeEdge([a[1], a[0]], [b[1], b[0]], obstacles, ignore);
    return d.replace(/(-?[\d.e+-]+) (-?[\d.e+-]+)/g, "$2 $1");
  }
  const [x1, y1] = a;
  const [x2, y2] = b;
  if (y2 <= y1 + TOUCH) return curve(a, b); // a wire back up: the layout's odd case, left as is
  const inWay = obstacles.between(y1, y2, ignore);
  if (!curveHits(a, b, inWay)) return curve(a, b);
  const lane = freeLane(x1, x2, inWay);
  const firstTop = Math.min(...inWay.map((r) => r.y));
  const lastBottom = Math.max(...inWay.map((r) => r.y + r.h));
  // Turn in the gap before the first box in the way, and out in the gap after the last.
  const yIn = y1 + Math.max(8, Math.min(40, (firstTop - y1) * 0.7));
  const yOut = y2 - Math.max(8, Math.min(40, (y2 - lastBottom) * 0.7));
  if (yOut <= yIn) return curve(a, b);
  const m1 = (y1 + yIn) / 2;
  const m2 = (yOut + y2) / 2;
  return `M${x1} ${y1} C${x1} ${m1} ${lane} ${m1} ${lane} ${yIn} L${lane} ${yOut} C${lane} ${m2} ${x2} ${m2} ${x2} ${y2}`;
}
