// A uniform grid over the canvas: which boxes lie in a rectangle, without looking at every
// box. A big graph (issue 17) asks it on every pan and zoom for the nodes to keep in the
// DOM; building it is one pass over the boxes. DOM-free.

/** Cell size in canvas pixels: a few boxes across, so a screenful is tens of cells. */
const CELL = 512;

export class Grid {
  /** @param {Map<string, {x: number, y: number, w: number, h: number}>} items */
  constructor(items, cell = CELL) {
    this.cell = cell;
    this.items = items;
    this.cells = new Map();
    for (const [name, it] of items) {
      const [cx0, cy0, cx1, cy1] = this.span(it.x, it.y, it.x + it.w, it.y + it.h);
      for (let cx = cx0; cx <= cx1; cx += 1) {
        for (let cy = cy0; cy <= cy1; cy += 1) {
          const key = `${cx},${cy}`;
          const list = this.cells.get(key);
          if (list) list.push(name);
          else this.cells.set(key, [name]);
        }
      }
    }
  }

  span(x0, y0, x1, y1) {
    const c = this.cell;
    return [Math.floor(x0 / c), Math.floor(y0 / c), Math.floor(x1 / c), Math.floor(y1 / c)];
  }

  /** Names of the boxes that overlap the rectangle (x0, y0)-(x1, y1). */
  query(x0, y0, x1, y1) {
    const out = new Set();
    const [cx0, cy0, cx1, cy1] = this.span(x0, y0, x1, y1);
    // A rectangle far larger than the graph: walking the cells would cost more than the boxes.
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > this.cells.size) {
      for (const [name, it] of this.items) if (overlaps(it, x0, y0, x1, y1)) out.add(name);
      return out;
    }
    for (let cx = cx0; cx <= cx1; cx += 1) {
      for (let cy = cy0; cy <= cy1; cy += 1) {
        for (const name of this.cells.get(`${cx},${cy}`) ?? []) {
          if (!out.has(name) && overlaps(this.items.get(name), x0, y0, x1, y1)) out.add(name);
        }
      }
    }
    return out;
  }
}

function overlaps(it, x0, y0, x1, y1) {
  return it.x + it.w >= x0 && it.x <= x1 && it.y + it.h >= y0 && it.y <= y1;
}
