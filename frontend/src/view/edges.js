// The canvas's edges: one <path> per edge, keyed "src-dst" and updated in place (a drag
// moves a handful of paths; a new analysis moves none). New edges are parsed in one go.

import { edgeMarkup } from "./markup.js";
import { parseSvg } from "./svg.js";

export class EdgeLayer {
  constructor(group) {
    this.group = group;
    this.entries = new Map(); // id -> {path, edge, cls, d, selected}
  }

  /**
   * Show `list` (edges {src, srcIndex, dst, dstIndex}); classOf(edge) and pathOf(edge) say how
   * each looks. Edges no longer listed go.
   */
  render(list, classOf, pathOf) {
    const seen = new Set();
    const fresh = [];
    for (const edge of list) {
      const id = `${edge.src}-${edge.dst}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const cls = classOf(edge);
      const d = pathOf(edge);
      const entry = this.entries.get(id);
      if (!entry) {
        fresh.push({ id, edge, cls, d });
        continue;
      }
      entry.edge = edge;
      if (entry.cls !== cls) entry.path.setAttribute("class", (entry.cls = cls));
      if (entry.d !== d) this.setPath(entry, d);
    }
    if (fresh.length) {
      const elements = parseSvg(fresh.map(({ id, cls, d }) => edgeMarkup(id, cls, d)).join(""));
      fresh.forEach(({ id, edge, cls, d }, i) => {
        this.group.appendChild(elements[i]);
        this.entries.set(id, { path: elements[i], edge, cls, d, selected: false });
      });
    }
    for (const [id, entry] of this.entries) {
      if (!seen.has(id)) {
        entry.path.remove();
        this.entries.delete(id);
      }
    }
  }

  setPath(entry, d) {
    entry.d = d;
    entry.path.setAttribute("d", d);
  }

  /**
   * Re-route during a drag: the moved boxes' own wires, and any wire they now stand in the way
   * of (view/route.js); only paths that changed are written.
   */
  follow(pathOf) {
    for (const entry of this.entries.values()) {
      const d = pathOf(entry.edge);
      if (d !== entry.d) this.setPath(entry, d);
    }
  }

  /** Highlight the edges between two selected layers. */
  select(selection) {
    for (const entry of this.entries.values()) {
      const selected = selection.has(entry.edge.src) && selection.has(entry.edge.dst);
      if (entry.selected !== selected) entry.path.classList.toggle("selected", (entry.selected = selected));
    }
  }
}
