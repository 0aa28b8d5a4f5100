// What a big drawing keeps in the page (issue 17): near, the nodes, boxes and wires in and
// around the window as SVG; far out, none, and the scene painted on the far canvas (far.js).
// Functions of the canvas view (canvas.js), which calls them when it draws a big scene and
// when the viewport moves.

import { DETAIL_ZOOM, MARGIN, windowOf, withRows } from "./big.js";
import { renderBoxes } from "./boxes.js";
import { FarLayer } from "./far.js";

/**
 * Mount what is in sight of `view`'s big scene (`paint`: the scene changed, paint the far
 * view again).
 */
export function mountWindow(view, { paint = false } = {}) {
  const doc = view.store.doc;
  const viewport = view.store.session.viewport;
  const size = view.size();
  const near = viewport.zoom >= DETAIL_ZOOM;
  // Far out and still far out: the DOM holds no node to change, the far layer moves itself.
  if (!paint && !near && view.far?.on && view.nodes.size === 0 && view.boxes.size === 0) return;
  const seen = near ? withRows(view.scene.grid.query(...windowOf(viewport, size, MARGIN)), view.stacks) : new Set();
  view.mountNodes(doc.layers.filter((layer) => seen.has(layer.name)));
  renderBoxes(view.nodeLayer, view.boxes, (view.fold?.boxes ?? []).filter((box) => seen.has(box.id)), {
    translate: (id) => view.translate(id),
    analysis: view.analysis,
  });
  const wires = view.scene.links.filter((e) => seen.has(e.src) || seen.has(e.dst));
  view.obstacles = null; // wires of a big graph are not routed round boxes: curves
  view.edgeLayer.render(wires, (edge) => view.edgeClass(edge), (edge) => view.edgePath(edge));
  if (!view.far) {
    view.far = new FarLayer(view.svg.parentElement, view.svg);
    view.far.onPainted = () => view.markScreen();
  }
  const was = view.far.on;
  view.far.show(!near);
  if (!near && (paint || !was)) view.far.setScene(farScene(view), viewport, size);
}

/** What the far layer paints: every box, every wire, and the selection. */
export function farScene(view) {
  const selection = view.store.session.selection;
  return { items: view.scene.items, edges: view.scene.segments, selection, picked: [...selection].join("\n") };
}
