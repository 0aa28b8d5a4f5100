// Pointer tools on the canvas: pan, zoom around the pointer, drag nodes, box-select,
// connect ports, drop palette items. Tools write only through store.transact.

import { addLayer, connect, moveLayers, uniqueName, wouldCycle } from "../model/document.js";
import { NODE_H, NODE_W } from "../view/layout.js";
import { svgEl } from "../view/canvas.js";

export const PALETTE_MIME = "application/x-netcanvas-layer";
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 4;
const CLICK_SLOP = 3;

export class PointerTools {
  /** host: {store, view, notify(message, kind), catalogue: Map} */
  constructor(svg, host) {
    this.svg = svg;
    this.host = host;
    this.gesture = null;
    this.marquee = null;
    svg.addEventListener("pointerdown", (e) => this.down(e));
    svg.addEventListener("pointermove", (e) => this.move(e));
    svg.addEventListener("pointerup", (e) => this.up(e));
    svg.addEventListener("pointercancel", () => this.cancel());
    svg.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    svg.addEventListener("dragover", (e) => this.dragOver(e));
    svg.addEventListener("drop", (e) => this.drop(e));
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
    if (event.button !== 0 && event.button !== 1) return;
    const target = event.target;
    const start = { x: event.clientX, y: event.clientY };
    const port = target.closest?.("[data-port]");
    const node = target.closest?.("[data-node]");
    this.svg.setPointerCapture?.(event.pointerId);
    if (port && port.dataset.port === "out" && !this.store.readOnly) {
      const from = this.view.portPoint(port.dataset.node, "out", Number(port.dataset.index));
      this.gesture = {
        kind: "connect",
        src: port.dataset.node,
        srcIndex: Number(port.dataset.index),
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
      const names = [...this.store.session.selection];
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
      const target = this.portAt(event);
      const refused = target && wouldCycle(this.store.doc, g.src, target.dataset.node);
      g.line.classList.toggle("refused", Boolean(refused));
      if (refused && g.warned !== target.dataset.node) {
        g.warned = target.dataset.node;
        this.host.notify(this.cycleMessage(g.src, target.dataset.node), "error");
      }
    }
  }

  up(event) {
    const g = this.gesture;
    this.gesture = null;
    this.svg.classList.remove("panning");
    if (!g) return;
    if (g.kind === "pan" && !g.moved) {
      this.store.select([]);
    } else if (g.kind === "drag") {
      if (g.moved && g.last) {
        const moves = g.last;
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
      const target = this.portAt(event);
      if (target) this.finishConnect(g.src, g.srcIndex, target.dataset.node, Number(target.dataset.index));
    }
  }

  cancel() {
    if (this.gesture?.line) this.gesture.line.remove();
    if (this.gesture?.rect) this.gesture.rect.remove();
    this.view.endLive();
    this.gesture = null;
    this.view.render();
  }

  /** The input port under the pointer (pointer capture hides it from event.target). */
  portAt(event) {
    const hit = document.elementFromPoint(event.clientX, event.clientY);
    const port = hit?.closest?.('[data-port="in"]');
    if (port) return port;
    // Dropping on a node body connects to its first free input, which is what people expect.
    const node = hit?.closest?.("[data-node]");
    if (!node) return null;
    return node.querySelector('[data-port="in"]:last-of-type');
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

  wheel(event) {
    event.preventDefault();
    const { x, y, zoom } = this.store.session.viewport;
    if (event.ctrlKey || event.metaKey) {
      // Zoom around the pointer: the canvas point under it stays under it.
      const rect = this.svg.getBoundingClientRect();
      const px = event.clientX - rect.left;
      const py = event.clientY - rect.top;
      const factor = Math.exp(-event.deltaY * 0.0015);
      const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom * factor));
      const k = next / zoom;
      this.store.setViewport({ zoom: next, x: px - (px - x) * k, y: py - (py - y) * k });
    } else {
      this.store.setViewport({ x: x - event.deltaX, y: y - event.deltaY });
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
