// The canvas view: draws the document as SVG. It only reads the store; pointer tools and
// commands write. Elements are keyed by layer name and updated in place, so a drag or a new
// analysis touches a handful of attributes instead of rebuilding the scene. New elements are
// built as markup in one go (a pasted ResNet-152 is ~700 nodes and ~750 edges): one parse is
// far cheaper than thousands of createElementNS/setAttribute calls.

import { edges as documentEdges, parseRef } from "../model/document.js";
import { foldView } from "./fold.js";
import { NODE_H, NODE_W, ROW_H, layeredLayout } from "./layout.js";
import {
  boxMarkup,
  clip,
  curve,
  describe,
  edgeMarkup,
  formatShape,
  nodeEntry,
  nodeMarkup,
  tooltip,
} from "./markup.js";
import { anchorOf, findStacks, stackingOn } from "./stacks.js";

export { formatShape };

const SVG = "http://www.w3.org/2000/svg";

export function svgEl(tag, attrs = {}, parent = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  if (parent) parent.appendChild(el);
  return el;
}


export function formatCount(n) {
  if (n === null || n === undefined) return "–";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}


/** Parse SVG markup into elements (children of a <g>), in order. */
function parseSvg(markup) {
  const holder = document.createElementNS(SVG, "g");
  holder.innerHTML = markup;
  return [...holder.children];
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
    this.boxes = new Map(); // folded group boxes by id
    this.analysis = new Map();
    this.analysisResult = null; // the answer `analysis` was made from
    this.livePositions = null; // positions during a drag, before they are committed
    this.stacks = null; // findStacks() while stacking is on
    this.rowIndex = new Map(); // stack member -> its row under the head
    this.groups = []; // repeated blocks from the service (POST /api/layout?fold=true)
    this.folded = false;
    this.opened = new Set(); // groups opened by a double-click
    this.fold = null; // foldView() and its positions while folded
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

  /** The node a drag moves for `name`: a stack member moves with its head. */
  anchor(name) {
    return anchorOf(this.stacks, name);
  }

  position(name) {
    const head = this.stacks?.head.get(name);
    if (head !== undefined) {
      const [x, y] = this.position(head);
      return [x, y + NODE_H + this.rowIndex.get(name) * ROW_H];
    }
    return (
      this.livePositions?.[name] ??
      this.fold?.positions[name] ??
      this.store.doc.view?.positions?.[name] ?? [0, 0]
    );
  }

  portPoint(name, side, index) {
    const [x, y] = this.position(name);
    const entry = this.nodes.get(name) ?? this.boxes.get(name);
    const count = side === "in" ? entry?.inCount ?? 1 : entry?.outCount ?? 1;
    const px = x + (NODE_W * (index + 1)) / (count + 1);
    return [px, side === "in" ? y : y + (entry?.h ?? NODE_H)];
  }

  /**
   * Build off-screen: while held, the scene is detached from the page, so building and
   * updating it costs no style, layout or paint until release() shows it in one pass.
   */
  hold() {
    this.viewport.remove();
  }

  release() {
    if (!this.viewport.isConnected) this.svg.appendChild(this.viewport);
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

  /**
   * Show an analysis. `draw: false` only records it, for a document about to be committed
   * with its analysis (an import): the commit's render then draws every shape in one pass.
   * An analysis already recorded is not drawn again.
   */
  setAnalysis(result, { draw = true } = {}) {
    if (result && result === this.analysisResult) return;
    this.analysisResult = result ?? null;
    this.analysis = new Map((result?.nodes ?? []).map((node) => [node.name, node]));
    if (draw) this.render();
  }

  // ---- folding ----

  /** Groups found by the service; `null` or [] when it offers none. */
  setGroups(groups) {
    this.groups = Array.isArray(groups) ? groups : [];
    this.fold = null;
    this.render();
  }

  setFolded(on) {
    this.folded = Boolean(on);
    if (!this.folded) this.opened.clear();
    this.fold = null;
    this.render();
  }

  openGroup(name) {
    this.opened.add(name);
    this.fold = null;
    this.render();
  }

  /** Recompute what is folded when the graph's wiring (not just a setting) changed. */
  updateFold(doc) {
    if (!this.folded || this.groups.length === 0) {
      this.fold = null;
      return;
    }
    const wiring = doc.layers.map((l) => `${l.name}<${(l.inputs ?? []).join(",")}`).join(";");
    const style = JSON.stringify(doc.view?.style ?? {});
    if (this.fold && this.fold.wiring === wiring && this.fold.style === style) return;
    const view = foldView(doc, this.groups, this.opened);
    view.doc.view = { style: doc.view?.style ?? {} };
    this.fold = { ...view, wiring, style, positions: layeredLayout(view.doc) };
  }

  // ---- drawing ----

  render() {
    const doc = this.store.doc;
    this.updateFold(doc);
    const shown = this.fold?.doc ?? doc;
    this.stacks = stackingOn(doc) ? findStacks(shown) : null;
    this.rowIndex = new Map();
    for (const list of this.stacks?.members.values() ?? []) list.forEach((n, i) => this.rowIndex.set(n, i));
    const seen = new Set();
    const fresh = [];
    for (const layer of doc.layers) {
      if (seen.has(layer.name)) continue; // a duplicated name is an error the analysis reports
      seen.add(layer.name);
      const state = this.nodeState(layer);
      const entry = this.nodes.get(layer.name);
      if (entry && entry.frame === state.frame) this.updateNode(entry, state);
      else fresh.push([layer.name, state, entry]);
    }
    if (fresh.length) {
      const elements = parseSvg(fresh.map(([name, state]) => nodeMarkup(name, state)).join(""));
      fresh.forEach(([name, state, old], i) => {
        const entry = nodeEntry(elements[i], state);
        if (old) old.g.replaceWith(entry.g);
        else this.nodeLayer.appendChild(entry.g);
        this.nodes.set(name, entry);
      });
    }
    for (const [name, entry] of this.nodes) {
      if (!seen.has(name)) {
        entry.g.remove();
        this.nodes.delete(name);
      }
    }
    this.renderBoxes();
    this.renderEdges(doc);
    this.renderSelection();
  }

  /** Everything a node shows; `frame` changes only when the element must be rebuilt. */
  nodeState(layer) {
    const name = layer.name;
    const result = this.analysis.get(name);
    const spec = this.spec(layer.type);
    const hidden = this.fold?.hidden.has(name) ?? false;
    const followers = this.stacks?.members.get(name)?.length ?? 0;
    const row = this.stacks?.head.has(name) ?? false;
    const last = row && this.stacks.members.get(this.stacks.head.get(name)).at(-1) === name;
    const inCount = this.inputPorts(layer);
    const outCount = this.outputPorts(layer);
    const error = result?.error ?? null;
    const shape = result?.output_shapes?.[0];
    let cls = `node cat-${spec?.category ?? "opaque"}`;
    if (row) cls += last ? " stack-row stack-last" : " stack-row";
    if (followers) cls += " stack-head";
    if (hidden) cls += " folded";
    if (error) cls += " has-error";
    else if ((result?.warnings?.length ?? 0) > 0) cls += " has-warning";
    const h = row ? ROW_H : NODE_H;
    return {
      cls,
      row,
      last,
      followers,
      h,
      inCount,
      outCount,
      frame: `${row ? (last ? "L" : "R") : "N"}${followers}/${inCount}/${outCount}/${error ? 1 : 0}`,
      title: clip(name, row ? 13 : 22),
      type: row ? "" : clip(describe(layer), 26),
      shape: result ? (shape ? formatShape(shape) : "?") : "…",
      error,
      transform: this.translate(name),
    };
  }

  translate(name) {
    const [x, y] = this.position(name);
    return `translate(${x} ${y})`;
  }

  updateNode(entry, state) {
    const old = entry.state;
    if (old.transform !== state.transform) entry.g.setAttribute("transform", state.transform);
    if (old.cls !== state.cls) {
      entry.g.setAttribute("class", state.cls);
      entry.selected = entry.hovered = false; // the attribute dropped them: renderSelection re-adds
    }
    if (old.title !== state.title) entry.title.textContent = state.title;
    if (old.type !== state.type && entry.type) entry.type.textContent = state.type;
    if (old.shape !== state.shape) entry.shape.textContent = state.shape;
    if (old.error !== state.error && entry.error) entry.error.textContent = state.error;
    entry.state = state;
  }

  renderBoxes() {
    const boxes = this.fold?.boxes ?? [];
    const seen = new Set();
    for (const box of boxes) {
      seen.add(box.id);
      let entry = this.boxes.get(box.id);
      if (!entry) {
        const [g] = parseSvg(boxMarkup(box));
        this.nodeLayer.appendChild(g);
        entry = { g, shape: g.querySelector(".node-shape"), h: NODE_H, inCount: 1, outCount: 1 };
        this.boxes.set(box.id, entry);
      }
      entry.g.setAttribute("transform", this.translate(box.id));
      const exit = box.group.copies.at(-1).at(-1);
      const shape = this.analysis.get(exit)?.output_shapes?.[0];
      entry.shape.textContent = shape ? formatShape(shape) : "…";
    }
    for (const [id, entry] of this.boxes) {
      if (!seen.has(id)) {
        entry.g.remove();
        this.boxes.delete(id);
      }
    }
  }

  renderEdges(doc) {
    const list = documentEdges(doc);
    if (this.fold) {
      // Edges into and out of a folded box come from the stand-in document.
      for (const edge of documentEdges(this.fold.doc)) {
        if (this.boxes.has(edge.src) || this.boxes.has(edge.dst)) list.push({ ...edge, srcIndex: 0, dstIndex: 0 });
      }
    }
    const seen = new Set();
    const fresh = [];
    for (const edge of list) {
      const id = `${edge.src}-${edge.dst}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const cls = this.edgeClass(edge);
      const d = this.edgePath(edge);
      const entry = this.edges.get(id);
      if (!entry) {
        fresh.push({ id, edge, cls, d });
        continue;
      }
      entry.edge = edge;
      if (entry.cls !== cls) entry.path.setAttribute("class", (entry.cls = cls));
      if (entry.d !== d) this.setPath(entry, d);
    }
    if (fresh.length) {
      const markup = fresh.map(({ id, cls, d }) => edgeMarkup(id, cls, d)).join("");
      const elements = parseSvg(markup);
      fresh.forEach(({ id, edge, cls, d }, i) => {
        const path = elements[i];
        this.edgeLayer.appendChild(path);
        this.edges.set(id, { path, edge, cls, d, selected: false });
      });
    }
    for (const [id, entry] of this.edges) {
      if (!seen.has(id)) {
        entry.path.remove();
        this.edges.delete(id);
      }
    }
  }

  edgeClass(edge) {
    const hidden = this.fold?.hidden;
    if (hidden && (hidden.has(edge.src) || hidden.has(edge.dst))) return "edge folded";
    const stacks = this.stacks;
    if (stacks && anchorOf(stacks, edge.src) === anchorOf(stacks, edge.dst)) return "edge internal";
    return "edge";
  }

  edgePath(edge) {
    return curve(this.portPoint(edge.src, "out", edge.srcIndex), this.portPoint(edge.dst, "in", edge.dstIndex));
  }

  setPath(entry, d) {
    entry.d = d;
    entry.path.setAttribute("d", d);
  }

  /** Move nodes during a drag without touching the store (committed on release). */
  moveLive(positions) {
    this.livePositions = { ...(this.livePositions ?? {}), ...positions };
    const moved = new Set(Object.keys(positions));
    for (const name of Object.keys(positions)) {
      for (const member of this.stacks?.members.get(name) ?? []) moved.add(member);
    }
    for (const name of moved) {
      const entry = this.nodes.get(name) ?? this.boxes.get(name);
      entry?.g.setAttribute("transform", this.translate(name));
    }
    for (const entry of this.edges.values()) {
      if (moved.has(entry.edge.src) || moved.has(entry.edge.dst)) this.setPath(entry, this.edgePath(entry.edge));
    }
  }

  endLive() {
    this.livePositions = null;
  }

  /** While folded, positions belong to the folded view: a drag moves it, not the document. */
  keepFoldedMoves(moves) {
    if (!this.fold) return false;
    Object.assign(this.fold.positions, moves);
    this.endLive();
    this.render();
    return true;
  }

  renderSelection() {
    const { selection, hover } = this.store.session;
    for (const [name, entry] of this.nodes) {
      const selected = selection.has(name);
      const hovered = hover === name;
      if (entry.selected !== selected) entry.g.classList.toggle("selected", (entry.selected = selected));
      if (entry.hovered !== hovered) entry.g.classList.toggle("hovered", (entry.hovered = hovered));
    }
    if (hover !== null) this.showTip(hover);
    for (const entry of this.edges.values()) {
      const selected = selection.has(entry.edge.src) && selection.has(entry.edge.dst);
      if (entry.selected !== selected) entry.path.classList.toggle("selected", (entry.selected = selected));
    }
  }

  /**
   * The hovered node's tooltip, written when the pointer arrives: ~700 <title> elements
   * built up front would cost style and memory for tooltips nobody asked for.
   */
  showTip(name) {
    const entry = this.nodes.get(name);
    const layer = entry && this.store.doc.layers.find((l) => l.name === name);
    if (!layer) return;
    if (!entry.tip) entry.tip = svgEl("title", {}, entry.g);
    const text = tooltip(layer, this.analysis.get(name));
    if (entry.tip.textContent !== text) entry.tip.textContent = text;
  }

  /** Names and sizes of what is drawn: visible nodes and folded boxes. */
  *drawn() {
    for (const [name, entry] of this.nodes) {
      if (!entry.state.cls.includes(" folded")) yield [name, entry];
    }
    yield* this.boxes;
  }

  /** Bounding box of all visible nodes in canvas coordinates. */
  bounds() {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [name, entry] of this.drawn()) {
      const [x, y] = this.position(name);
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + NODE_W);
      y1 = Math.max(y1, y + entry.h + 24);
    }
    return x0 === Infinity ? null : { x0, y0, x1, y1 };
  }

  /** Names of visible nodes inside a canvas-space rectangle. */
  nodesIn(x0, y0, x1, y1) {
    const out = [];
    for (const [name, entry] of this.drawn()) {
      if (!this.nodes.has(name)) continue;
      const [x, y] = this.position(name);
      if (x + NODE_W >= x0 && x <= x1 && y + entry.h >= y0 && y <= y1) out.push(name);
    }
    return out;
  }

  inputNamesFor(layer) {
    return (layer.inputs ?? []).map((ref) => parseRef(ref).name);
  }
}
