// The canvas view: draws the document as SVG. It only reads the store; pointer tools and
// commands write. Elements are keyed by layer name and updated in place, so a drag or a new
// analysis touches a handful of attributes instead of rebuilding the scene.

import { edges as documentEdges, parseRef } from "../model/document.js";
import { NODE_H, NODE_W } from "./layout.js";

const SVG = "http://www.w3.org/2000/svg";
const PORT_R = 6;

export function svgEl(tag, attrs = {}, parent = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  if (parent) parent.appendChild(el);
  return el;
}

/** "1×64×56×56" (DESIGN 3). */
export function formatShape(shape) {
  return Array.isArray(shape) ? shape.join("×") : "?";
}

export function formatCount(n) {
  if (n === null || n === undefined) return "–";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export class CanvasView {
  constructor(svg, store, catalogue) {
    this.svg = svg;
    this.store = store;
    this.catalogue = catalogue;
    this.viewport = svgEl("g", { class: "viewport" }, svg);
    this.edgeLayer = svgEl("g", { class: "edges" }, this.viewport);
    this.nodeLayer = svgEl("g", { class: "nodes" }, this.viewport);
    this.overlay = svgEl("g", { class: "overlay" }, this.viewport);
    this.nodes = new Map();
    this.edges = new Map();
    this.analysis = new Map();
    this.livePositions = null; // positions during a drag, before they are committed
  }

  spec(type) {
    return this.catalogue.get(type) ?? null;
  }

  /** How many input ports to draw: fixed inputs, or one per connection plus a free one. */
  inputPorts(layer) {
    const spec = this.spec(layer.type);
    const connected = (layer.inputs ?? []).length;
    if (!spec) return Math.max(1, connected);
    if (spec.max_inputs === 0) return 0;
    if (this.isVariadic(layer)) return connected + 1;
    return Math.max(spec.inputs.length, connected, 1);
  }

  isVariadic(layer) {
    const spec = this.spec(layer.type);
    if (!spec) return true;
    return spec.max_inputs === null || spec.max_inputs === undefined || spec.max_inputs > spec.inputs.length;
  }

  outputPorts(layer) {
    const result = this.analysis.get(layer.name);
    const spec = this.spec(layer.type);
    const declared = spec ? spec.outputs.length : 1;
    return Math.max(1, declared, result?.output_shapes?.length ?? 0);
  }

  position(name) {
    return this.livePositions?.[name] ?? this.store.doc.view?.positions?.[name] ?? [0, 0];
  }

  portPoint(name, side, index) {
    const [x, y] = this.position(name);
    const entry = this.nodes.get(name);
    const count = side === "in" ? entry?.inCount ?? 1 : entry?.outCount ?? 1;
    const px = x + (NODE_W * (index + 1)) / (count + 1);
    return [px, side === "in" ? y : y + NODE_H];
  }

  setViewport({ x, y, zoom }) {
    this.viewport.setAttribute("transform", `translate(${x} ${y}) scale(${zoom})`);
    this.svg.dataset.zoom = String(zoom);
  }

  /** Screen (client) coordinates -> canvas coordinates. */
  toCanvas(clientX, clientY) {
    const rect = this.svg.getBoundingClientRect();
    const { x, y, zoom } = this.store.session.viewport;
    return [(clientX - rect.left - x) / zoom, (clientY - rect.top - y) / zoom];
  }

  setAnalysis(result) {
    this.analysis = new Map((result?.nodes ?? []).map((node) => [node.name, node]));
    this.render();
  }

  render() {
    const doc = this.store.doc;
    const seen = new Set();
    for (const layer of doc.layers) {
      if (seen.has(layer.name)) continue; // a duplicated name is an error the analysis reports
      seen.add(layer.name);
      this.renderNode(layer);
    }
    for (const [name, entry] of this.nodes) {
      if (!seen.has(name)) {
        entry.g.remove();
        this.nodes.delete(name);
      }
    }
    this.renderEdges(doc);
    this.renderSelection();
  }

  renderNode(layer) {
    let entry = this.nodes.get(layer.name);
    if (!entry) {
      const g = svgEl("g", { class: "node", "data-testid": `node-${layer.name}`, tabindex: "-1" });
      g.dataset.node = layer.name;
      const box = svgEl("rect", { class: "node-box", width: NODE_W, height: NODE_H, rx: 6 }, g);
      const title = svgEl("text", { class: "node-name", x: 10, y: 18 }, g);
      const type = svgEl("text", { class: "node-type", x: 10, y: 33 }, g);
      const shape = svgEl("text", { class: "node-shape", x: 10, y: 49, "data-testid": `shape-${layer.name}` }, g);
      const ports = svgEl("g", { class: "ports" }, g);
      const tip = svgEl("title", {}, g);
      entry = { g, box, title, type, shape, ports, tip, key: "" };
      this.nodes.set(layer.name, entry);
      this.nodeLayer.appendChild(g);
    }
    const [x, y] = this.position(layer.name);
    entry.g.setAttribute("transform", `translate(${x} ${y})`);
    const result = this.analysis.get(layer.name);
    const spec = this.spec(layer.type);
    entry.g.setAttribute("class", `node cat-${spec?.category ?? "opaque"}`);
    const inCount = this.inputPorts(layer);
    const outCount = this.outputPorts(layer);
    const key = JSON.stringify([layer, inCount, outCount, result]);
    if (key === entry.key) return;
    entry.key = key;
    entry.inCount = inCount;
    entry.outCount = outCount;
    entry.title.textContent = clip(layer.name, 22);
    entry.type.textContent = clip(describe(layer), 26);
    const shape = result?.output_shapes?.[0];
    entry.shape.textContent = result ? (shape ? formatShape(shape) : "?") : "…";
    entry.tip.textContent = tooltip(layer, result);
    this.renderPorts(entry, layer, inCount, outCount);
    this.renderError(entry, layer.name, result);
  }

  renderPorts(entry, layer, inCount, outCount) {
    entry.ports.replaceChildren();
    for (let i = 0; i < inCount; i += 1) {
      const port = svgEl("circle", {
        class: "port port-in",
        cx: (NODE_W * (i + 1)) / (inCount + 1),
        cy: 0,
        r: PORT_R,
        "data-testid": `port-in-${layer.name}-${i}`,
      }, entry.ports);
      port.dataset.port = "in";
      port.dataset.node = layer.name;
      port.dataset.index = String(i);
    }
    for (let i = 0; i < outCount; i += 1) {
      const port = svgEl("circle", {
        class: "port port-out",
        cx: (NODE_W * (i + 1)) / (outCount + 1),
        cy: NODE_H,
        r: PORT_R,
        "data-testid": `port-out-${layer.name}-${i}`,
      }, entry.ports);
      port.dataset.port = "out";
      port.dataset.node = layer.name;
      port.dataset.index = String(i);
    }
  }

  renderError(entry, name, result) {
    const message = result?.error ?? null;
    entry.g.classList.toggle("has-error", Boolean(message));
    entry.g.classList.toggle("has-warning", !message && (result?.warnings?.length ?? 0) > 0);
    if (!message) {
      entry.error?.remove();
      entry.badge?.remove();
      entry.error = null;
      entry.badge = null;
      return;
    }
    if (!entry.badge) {
      entry.badge = svgEl("g", { class: "error-badge", transform: `translate(${NODE_W - 4} 4)` }, entry.g);
      svgEl("circle", { r: 9 }, entry.badge);
      svgEl("text", { y: 4, "text-anchor": "middle" }, entry.badge).textContent = "!";
    }
    if (!entry.error) {
      entry.error = svgEl("text", { class: "node-error", x: NODE_W + 14, y: 22, "data-testid": `node-error-${name}` }, entry.g);
    }
    entry.error.textContent = message;
  }

  renderEdges(doc) {
    const seen = new Set();
    for (const edge of documentEdges(doc)) {
      const id = `${edge.src}-${edge.dst}`;
      if (seen.has(id)) continue;
      seen.add(id);
      let entry = this.edges.get(id);
      if (!entry) {
        const g = svgEl("g", { class: "edge", "data-testid": `edge-${id}` }, this.edgeLayer);
        entry = { g, path: svgEl("path", {}, g), hit: svgEl("path", { class: "edge-hit" }, g) };
        this.edges.set(id, entry);
      }
      entry.edge = edge;
      this.drawEdge(entry);
    }
    for (const [id, entry] of this.edges) {
      if (!seen.has(id)) {
        entry.g.remove();
        this.edges.delete(id);
      }
    }
  }

  drawEdge(entry) {
    const { src, srcIndex, dst, dstIndex } = entry.edge;
    const d = curve(this.portPoint(src, "out", srcIndex), this.portPoint(dst, "in", dstIndex));
    entry.path.setAttribute("d", d);
    entry.hit.setAttribute("d", d);
  }

  /** Move nodes during a drag without touching the store (committed on release). */
  moveLive(positions) {
    this.livePositions = { ...(this.livePositions ?? {}), ...positions };
    const moved = new Set(Object.keys(positions));
    for (const name of moved) {
      const entry = this.nodes.get(name);
      const [x, y] = positions[name];
      entry?.g.setAttribute("transform", `translate(${x} ${y})`);
    }
    for (const entry of this.edges.values()) {
      if (moved.has(entry.edge.src) || moved.has(entry.edge.dst)) this.drawEdge(entry);
    }
  }

  endLive() {
    this.livePositions = null;
  }

  renderSelection() {
    const { selection, hover } = this.store.session;
    for (const [name, entry] of this.nodes) {
      entry.g.classList.toggle("selected", selection.has(name));
      entry.g.classList.toggle("hovered", hover === name);
    }
    for (const entry of this.edges.values()) {
      entry.g.classList.toggle(
        "selected",
        selection.has(entry.edge.src) && selection.has(entry.edge.dst),
      );
    }
  }

  /** Bounding box of all nodes in canvas coordinates. */
  bounds() {
    const positions = Object.values(this.store.doc.view?.positions ?? {});
    if (positions.length === 0) return null;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of positions) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + NODE_W);
      y1 = Math.max(y1, y + NODE_H + 24);
    }
    return { x0, y0, x1, y1 };
  }

  /** Names of nodes inside a canvas-space rectangle. */
  nodesIn(x0, y0, x1, y1) {
    const out = [];
    for (const layer of this.store.doc.layers) {
      const [x, y] = this.position(layer.name);
      if (x + NODE_W >= x0 && x <= x1 && y + NODE_H >= y0 && y <= y1) out.push(layer.name);
    }
    return out;
  }

  inputNamesFor(layer) {
    return (layer.inputs ?? []).map((ref) => parseRef(ref).name);
  }
}

function curve([x1, y1], [x2, y2]) {
  const dy = Math.max(30, Math.abs(y2 - y1) / 2);
  return `M${x1} ${y1} C${x1} ${y1 + dy} ${x2} ${y2 - dy} ${x2} ${y2}`;
}

function clip(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** "Conv2d 64 · 3×3 /2": the type and its most telling settings. */
function describe(layer) {
  const bits = [layer.type];
  const width = layer.out_channels ?? layer.out_features ?? layer.hidden_size ?? layer.embed_dim;
  if (width !== undefined) bits.push(String(width));
  const k = layer.kernel_size;
  if (k !== undefined) bits.push(Array.isArray(k) ? k.join("×") : `${k}×${k}`);
  const s = layer.stride;
  if (s !== undefined && s !== 1) bits.push(`/${Array.isArray(s) ? s.join("×") : s}`);
  return bits.join(" ");
}

function tooltip(layer, result) {
  const lines = [`${layer.name} (${layer.type})`];
  if (result) {
    for (const shape of result.output_shapes ?? []) lines.push(`→ ${formatShape(shape)}`);
    lines.push(`params ${result.params ?? 0}, MACs ${result.macs ?? 0}`);
    if (result.error) lines.push(`error: ${result.error}`);
    for (const w of result.warnings ?? []) lines.push(`warning: ${w}`);
  }
  return lines.join("\n");
}
