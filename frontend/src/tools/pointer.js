// Pointer tools on the canvas: pan, zoom around the pointer, drag nodes, box-select,
// connect ports, drop palette items. Tools write only through store.transact (gestures are
// too fine-grained for named commands: DESIGN 2, principle 7) and run commands for the rest.

import { addLayer, connect, moveLayers, uniqueName, wouldCycle } from "../model/document.js";
import { NODE_H, NODE_W } from "../view/metrics.js";
import { svgEl } from "../view/svg.js";
import { wheelFactor, zoomAround } from "../view/viewport.js";
import { portOf } from "../view/markup.js";

export const PALETTE_MIME = "application/x-netcanvas-layer";
const CLICK_SLOP = 3;

export class PointerTools {
  /** host: {store, view, notify(message, kind), catalogue: Map, run(command id, argument)} */
  constructor(svg, host) {
    this.svg = svg;
    this.host = host;
    this.gesture = null;
    this.marquee = null;
    svg.addEventListener("pointerdown", (e) => this.down(e));
    svg.addEventListener("pointermove", (e) => this.move(e));
    svg.addEventListener("pointerup", (e) => this.up(e));
    svg.addEventListener("pointercancel", () => {
      this.touches?.clear();
      this.cancel();
    });
    svg.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    svg.addEventListener("dragover", (e) => this.dragOver(e));
    svg.addEventListener("drop", (e) => this.drop(e));
    svg.addEventListener("dblclick", (e) => {
      // Pointer capture retargets the click to the canvas: use what was under the press.
      const group = e.target.closest?.("[data-group]")?.dataset.group ?? this.pressedGroup;
      if (!group) return;
      // A collapsed module opens by a view change of the document (undoable); a fold by
      // the session's.
      const collapsed = host.store.doc.view?.collapsed;
      host.run(Array.isArray(collapsed) && collapsed.includes(group) ? "expand-scope" : "open-group", group);
    });
    svg.addEventListener("pointerover", (e) => {
      const node = e.target.closest?.("[data-node]");
      host.store.setHover(node ? node.dataset.node : null);
    });
  }

  get store() {
    return this.host.store;
  }

  get view() {
    return this.host.view;
  }

  down(event) {
    if (event.pointerType === "touch" && this.touchDown(event)) return;
    if (event.button !== 0 && event.button !== 1) return;
    const target = event.target;
    this.pressedGroup = target.closest?.("[data-group]")?.dataset.group ?? null;
    const start = { x: event.clientX, y: event.clientY };
    const port = portOf(target.closest?.(".port"));
    const node = target.closest?.("[data-node]");
    this.svg.setPointerCapture?.(event.pointerId);
    if (port && port.side === "out" && !this.store.readOnly) {
      const from = this.view.portPoint(port.node, "out", port.index);
      this.gesture = {
        kind: "connect",
        src: port.node,
        srcIndex: port.index,
        from,
        line: svgEl("path", { class: "wire-preview" }, this.view.overlay),
      };
      event.preventDefault();
      return;
    }
    if (node && event.button === 0) {
      const name = node.dataset.node;
      const selection = this.store.session.selection;
      if (event.shiftKey || event.ctrlKey || event.metaKey) {
        const next = new Set(selection);
        if (next.has(name)) next.delete(name);
        else next.add(name);
        this.store.select(next);
      } else if (!selection.has(name)) {
        this.store.select([name]);
      }
      // A stacked follower is drawn inside its head's box: dragging it drags the whole box.
      const names = [...new Set([...this.store.session.selection].map((n) => this.view.anchor(n)))];
      const origin = Object.fromEntries(names.map((n) => [n, this.view.position(n)]));
      this.gesture = { kind: "drag", start, origin, moved: false, last: null };
      event.preventDefault();
      return;
    }
    if (event.shiftKey && event.button === 0) {
      const [cx, cy] = this.view.toCanvas(event.clientX, event.clientY);
      this.gesture = {
        kind: "box",
        origin: [cx, cy],
        rect: svgEl("rect", { class: "marquee", x: cx, y: cy, width: 0, height: 0 }, this.view.overlay),
      };
      return;
    }
    const { x, y } = this.store.session.viewport;
    this.gesture = { kind: "pan", start, origin: { x, y }, moved: false };
    this.svg.classList.add("panning");
  }

  move(event) {
    if (this.touches?.has(event.pointerId)) {
      this.touches.set(event.pointerId, [event.clientX, event.clientY]);
      if (this.gesture?.kind === "pinch") return this.pinch();
    }
    const g = this.gesture;
    if (!g) return;
    if (g.kind === "pan") {
      const dx = event.clientX - g.start.x;
      const dy = event.clientY - g.start.y;
      if (Math.abs(dx) + Math.abs(dy) > CLICK_SLOP) g.moved = true;
      this.store.setViewport({ x: g.origin.x + dx, y: g.origin.y + dy });
    } else if (g.kind === "drag") {
      if (this.store.readOnly) return;
      const zoom = this.store.session.viewport.zoom;
      const dx = (event.clientX - g.start.x) / zoom;
      const dy = (event.clientY - g.start.y) / zoom;
      if (!g.moved && Math.abs(dx) + Math.abs(dy) < CLICK_SLOP / zoom) return;
      g.moved = true;
      g.last = Object.fromEntries(
        Object.entries(g.origin).map(([n, [x, y]]) => [n, [x + dx, y + dy]]),
      );
      this.view.moveLive(g.last);
    } else if (g.kind === "box") {
      const [cx, cy] = this.view.toCanvas(event.clientX, event.clientY);
      const [ox, oy] = g.origin;
      g.rect.setAttribute("x", Math.min(ox, cx));
      g.rect.setAttribute("y", Math.min(oy, cy));
      g.rect.setAttribute("width", Math.abs(cx - ox));
      g.rect.setAttribute("height", Math.abs(cy - oy));
      g.corner = [cx, cy];
    } else if (g.kind === "connect") {
      const to = this.view.toCanvas(event.clientX, event.clientY);
      g.line.setAttribute("d", `M${g.from[0]} ${g.from[1]} L${to[0]} ${to[1]}`);
      const target = this.dropTarget(event, g.src);
      const refused = target && wouldCycle(this.store.doc, g.src, target.node);
      g.line.classList.toggle("refused", Boolean(refused));
      if (refused && g.warned !== target.node) {
        g.warned = target.node;
        this.host.notify(this.cycleMessage(g.src, target.node), "error");
      }
    }
  }

  up(event) {
    this.touches?.delete(event.pointerId);
    if (this.gesture?.kind === "pinch") {
      if (this.touches.size < 2) this.gesture = null;
      return;
    }
    const g = this.gesture;
    this.gesture = null;
    this.svg.classList.remove("panning");
    if (!g) return;
    if (g.kind === "pan" && !g.moved) {
      this.store.select([]);
    } else if (g.kind === "drag") {
      if (g.moved && g.last) {
        const moves = g.last;
        if (this.view.keepFoldedMoves(moves)) return;
        this.view.endLive();
        this.store.transact("Move", (tx) => moveLayers(tx, moves));
      }
    } else if (g.kind === "box") {
      g.rect.remove();
      if (g.corner) {
        const [ox, oy] = g.origin;
        const [cx, cy] = g.corner;
        const names = this.view.nodesIn(Math.min(ox, cx), Math.min(oy, cy), Math.max(ox, cx), Math.max(oy, cy));
        this.store.select(names, { add: event.ctrlKey || event.metaKey });
      }
    } else if (g.kind === "connect") {
      g.line.remove();
      const target = this.dropTarget(event, g.src);
      if (target) this.finishConnect(g.src, g.srcIndex, target.node, target.index);
    }
  }

  cancel() {
    if (this.gesture?.line) this.gesture.line.remove();
    if (this.gesture?.rect) this.gesture.rect.remove();
    this.view.endLive();
    this.gesture = null;
    this.view.render();
  }

  /**
   * The input port under the pointer (pointer capture hides it from event.target), as
   * portOf() describes it (with `body: true` when the pointer is on the node, not the port),
   * or null.
   */
  portAt(event) {
    const hit = document.elementFromPoint(event.clientX, event.clientY);
    const port = hit?.closest?.(".port-in");
    if (port) return portOf(port);
    // Dropping on a node body connects to its last input: the only one of most layers, a
    // merge's free slot. (`:last-of-type` would be the output port: ports are all circles.)
    const node = hit?.closest?.("[data-node]");
    const inputs = node?.querySelectorAll(".port-in") ?? [];
    return inputs.length ? { ...portOf(inputs[inputs.length - 1]), body: true } : null;
  }

  /**
   * Where a wire from `src` would land. A wire starts on its own node's edge, so the pointer
   * crosses that node's body first: the body is no target then (no "cannot read its own
   * output" before the pointer has left it); only its own input port, aimed at, is one.
   */
  dropTarget(event, src) {
    const target = this.portAt(event);
    return target && target.body && target.node === src ? null : target;
  }

  cycleMessage(src, dst) {
    return src === dst
      ? `Refused: ${src} cannot read its own output`
      : `Refused: ${src} → ${dst} would make a cycle`;
  }

  finishConnect(src, srcIndex, dst, dstIndex) {
    const layer = this.store.doc.layers.find((l) => l.name === dst);
    if (!layer) return;
    if (wouldCycle(this.store.doc, src, dst)) {
      this.host.notify(this.cycleMessage(src, dst), "error");
      return;
    }
    const variadic = this.view.isVariadic(layer);
    let problem = null;
    this.store.transact(`Connect ${src} → ${dst}`, (tx) => {
      problem = connect(tx, src, srcIndex, dst, dstIndex, { variadic });
    });
    if (problem) this.host.notify(problem, "error");
  }

  /**
   * A second finger turns the gesture into a pinch (touch screens; a trackpad pinch arrives
   * as ctrl+wheel instead). Returns true when the event was taken for a pinch.
   */
  touchDown(event) {
    this.touches ??= new Map();
    this.touches.set(event.pointerId, [event.clientX, event.clientY]);
    if (this.touches.size !== 2) return false;
    // A one-finger drag or wire that turns into a pinch is dropped, not committed.
    const before = this.gesture;
    before?.line?.remove();
    before?.rect?.remove();
    this.view.endLive();
    if (before?.kind === "drag") this.view.render();
    this.svg.classList.remove("panning");
    const [a, b] = [...this.touches.values()];
    this.gesture = {
      kind: "pinch",
      distance: Math.hypot(b[0] - a[0], b[1] - a[1]) || 1,
      centre: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2],
      viewport: { ...this.store.session.viewport },
    };
    return true;
  }

  /** Zoom by the change in finger spread around their midpoint, and pan with the midpoint. */
  pinch() {
    const g = this.gesture;
    const [a, b] = [...this.touches.values()];
    const spread = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    const centre = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const rect = this.svg.getBoundingClientRect();
    const at = [g.centre[0] - rect.left, g.centre[1] - rect.top];
    const zoomed = zoomAround(g.viewport, at, (g.viewport.zoom * spread) / g.distance);
    this.store.setViewport({
      zoom: zoomed.zoom,
      x: zoomed.x + (centre[0] - g.centre[0]),
      y: zoomed.y + (centre[1] - g.centre[1]),
    });
  }

  wheel(event) {
    event.preventDefault();
    const viewport = this.store.session.viewport;
    if (event.ctrlKey || event.metaKey) {
      // Zoom around the pointer: the canvas point under it stays under it.
      const rect = this.svg.getBoundingClientRect();
      const at = [event.clientX - rect.left, event.clientY - rect.top];
      const delta = event.deltaY * (event.deltaMode === 1 ? 16 : 1); // lines -> pixels
      this.store.setViewport(zoomAround(viewport, at, viewport.zoom * wheelFactor(delta)));
    } else {
      this.store.setViewport({ x: viewport.x - event.deltaX, y: viewport.y - event.deltaY });
    }
  }

  dragOver(event) {
    if (event.dataTransfer?.types.includes(PALETTE_MIME) && !this.store.readOnly) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  }

  drop(event) {
    const type = event.dataTransfer?.getData(PALETTE_MIME);
    if (!type) return;
    event.preventDefault();
    event.stopPropagation();
    const [cx, cy] = this.view.toCanvas(event.clientX, event.clientY);
    this.addAt(type, cx, cy);
  }

  /** Add a layer of `type` centred on canvas point (cx, cy); `wire` reads the selected node. */
  addAt(type, cx, cy, { wire = false } = {}) {
    if (this.store.readOnly) return null;
    const name = uniqueName(type, this.store.layerNames());
    const spec = this.host.catalogue.get(type);
    const layer = { name, type, inputs: [] };
    if (wire && spec && spec.max_inputs !== 0) {
      // Wire a new layer to the selected node when exactly one is selected: the common
      // "append the next layer" flow needs no dragging at all.
      const selected = [...this.store.session.selection];
      if (selected.length === 1) layer.inputs = [selected[0]];
    }
    // A fresh Input gets the usual image shape so shapes flow at once; the inspector edits it.
    if (type === "Input") layer.shape = [1, 3, 224, 224];
    this.store.transact(`Add ${type}`, (tx) => addLayer(tx, layer, [cx - NODE_W / 2, cy - NODE_H / 2]));
    this.store.select([name]);
    return name;
  }
}
