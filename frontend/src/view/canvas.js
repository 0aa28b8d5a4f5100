// The canvas view: draws the document as SVG. It only reads the store; pointer tools and
// commands write. Elements are keyed by layer name and updated in place, so a drag or a new
// analysis touches a handful of attributes instead of rebuilding the scene. New elements are
// built as markup in one go (a pasted ResNet-152 is ~700 nodes and ~750 edges): one parse is
// far cheaper than thousands of createElementNS/setAttribute calls.

import { nodesByName } from "../model/analyzer.js";
import { edges as documentEdges } from "../model/document.js";
import { AnnotationLayer } from "./annotations.js";
import { BackgroundLayout } from "./background.js";
import { BIG, sceneOf } from "./big.js";
import { renderBoxes } from "./boxes.js";
import { EdgeLayer } from "./edges.js";
import { foldedDrawing } from "./fold.js";
import { curve, nodeEntry, nodeMarkup, nodeState, portOffset, tooltip } from "./markup.js";
import { BELOW, NODE_H, NODE_W, ROW_H, flowOf } from "./metrics.js";
import { inputPorts, isVariadic, outputPorts } from "./ports.js";
import { Obstacles, routeEdge, transposed } from "./route.js";
import { anchorOf, findStacks, stackingOn } from "./stacks.js";
import { parseSvg, svgEl } from "./svg.js";
import { farScene, mountWindow } from "./window.js";

export class CanvasView {
  constructor(svg, store, catalogue) {
    this.svg = svg;
    this.store = store;
    this.catalogue = catalogue;
    this.viewport = svgEl("g", { class: "viewport" }, svg);
    this.edgeLayer = new EdgeLayer(svgEl("g", { class: "edges" }, this.viewport));
    this.nodeLayer = svgEl("g", { class: "nodes" }, this.viewport);
    this.overlay = svgEl("g", { class: "overlay" }, this.viewport);
    this.notes = new AnnotationLayer(svg, this.viewport, this.edgeLayer.group ?? this.viewport.firstChild);
    this.nodes = new Map();
    this.boxes = new Map(); // folded group boxes by id
    this.analysis = new Map();
    this.analysisResult = null; // the answer `analysis` was made from
    this.livePositions = null; // positions during a drag, before they are committed
    this.stacks = null; // findStacks() while stacking is on
    this.rowIndex = new Map(); // stack member -> its row under the head
    // What is folded is the session's (store.session.fold, .groups); this is only what the
    // view made of it: foldView() and a layout of the folded drawing, kept while it holds.
    this.fold = null;
    // Called after every render (the overlay paints nodes the render rebuilt); empty, and so
    // free, while nothing is overlaid.
    this.afterRender = null;
    this.marks = null; // layer name -> extra class (setMarks)
    // A big document (big.js) keeps a scene of every box and draws only what is in sight.
    this.scene = null;
    this.far = null; // the far view's canvas (far.js), made for the first big document
    this.windowFrame = 0; // a pending mountWindow() after the viewport moved
    this.rendered = 0; // layers in the document last drawn (the scheduler compares)
    this.placed = true; // whether every layer of the document last drawn has a place
    this.version = 0; // counts drawings that may have moved a box (the minimap repaints on a new one)
    this.measured = null; // bounds() of this version
    this.size = () => svg.getBoundingClientRect(); // main.js gives the measured size
    // A big document opened without positions is laid out in a worker (background.js); a
    // zoom to fit asked for before that is done waits for it.
    this.background = new BackgroundLayout(() => {
      this.render();
      if (this.fitWhenLaidOut) {
        this.fitWhenLaidOut = false;
        this.onLaidOut?.();
      }
    });
    this.fitWhenLaidOut = false;
    this.onLaidOut = null;
  }

  spec(type) {
    return this.catalogue.get(type) ?? null;
  }

  /** Input ports a node draws (see ports.js). */
  inputPorts(layer) {
    return inputPorts(this.spec(layer.type), layer);
  }

  isVariadic(layer) {
    return isVariadic(this.spec(layer.type));
  }

  outputPorts(layer) {
    return outputPorts(this.spec(layer.type), this.analysis.get(layer.name));
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
      this.store.doc.view?.positions?.[name] ??
      this.background.positions?.[name] ?? [0, 0]
    );
  }

  portPoint(name, side, index) {
    const [x, y] = this.position(name);
    const entry = this.nodes.get(name) ?? this.boxes.get(name);
    const count = side === "in" ? entry?.inCount ?? 1 : entry?.outCount ?? 1;
    const [dx, dy] = portOffset(side, index, count, entry?.h ?? NODE_H, this.lr);
    return [x + dx, y + dy];
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

  setViewport(viewport) {
    const { x, y, zoom } = viewport;
    this.viewport.setAttribute("transform", `translate(${x} ${y}) scale(${zoom})`);
    this.svg.dataset.zoom = String(zoom);
    if (!this.scene) return;
    // A big document: the far picture follows at once; the nodes in sight are mounted
    // once per frame however many viewport changes arrive in it.
    this.far?.moved(viewport, this.size());
    if (!this.windowFrame) {
      this.windowFrame = requestAnimationFrame(() => {
        this.windowFrame = 0;
        if (this.scene) mountWindow(this);
      });
    }
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
    this.analysis = nodesByName(result);
    if (draw) this.render();
  }

  // ---- folding ----

  /** The store's count of rewiring changes, as a key for what depends on the wiring only. */
  wiringKey() {
    return `w${this.store.wiring}`;
  }

  /** Recompute what is folded when the graph's wiring or the session's fold changed. */
  updateFold(doc) {
    this.fold = foldedDrawing(doc, this.store.session, this.fold, this.wiringKey());
  }

  // ---- drawing ----

  render() {
    const doc = this.store.doc;
    this.lr = flowOf(doc) === "LR";
    this.updateFold(doc);
    const shown = this.fold?.doc ?? doc;
    this.stacks = stackingOn(doc) ? findStacks(shown) : null;
    this.rowIndex = new Map();
    for (const list of this.stacks?.members.values() ?? []) list.forEach((n, i) => this.rowIndex.set(n, i));
    this.rendered = doc.layers.length;
    // Big: a scene when what is drawn is big (a collapsed big model draws a few boxes, as SVG).
    const big = doc.layers.length >= BIG;
    const placed = !big || this.background.complete(doc);
    this.placed = placed;
    if (!placed) this.background.request(doc, this.wiringKey());
    if (big && !this.fold && !placed) {
      // Nothing to draw before the worker has placed the layers.
      this.scene = null;
      this.far?.show(false);
      this.mountNodes([]);
      this.edgeLayer.render([], () => "edge", () => "");
    } else if (big && shown.layers.length >= BIG) {
      this.scene = sceneOf(shown, {
        position: (name) => this.position(name),
        category: (layer) => (layer.type === "Group" ? "group" : this.spec(layer.type)?.category ?? "opaque"),
        followers: (name) => this.stacks?.members.get(name)?.length ?? 0,
        isRow: (name) => this.stacks?.head.has(name) ?? false,
        lr: this.lr,
      });
      mountWindow(this, { paint: true });
    } else {
      this.scene = null;
      this.far?.show(false);
      // A small document keeps its folded layers in the DOM (hidden); a big one only what shows.
      const hidden = this.fold?.hidden;
      this.mountNodes(big && hidden ? doc.layers.filter((l) => !hidden.has(l.name)) : doc.layers);
      this.renderBoxes();
      this.renderEdges(doc);
    }
    this.renderSelection();
    this.notes.render(this);
    this.markScreen();
    this.version += 1;
    this.afterRender?.();
  }

  /** Keep `layers` drawn as nodes (built or updated in place), and no others. */
  mountNodes(layers) {
    const seen = new Set();
    const fresh = [];
    for (const layer of layers) {
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
  }

  /**
   * data-screen on the canvas: "complete" once what is in sight is drawn with its analysis
   * (the benchmark's and tests' signal), "pending" before.
   */
  markScreen() {
    const painted = !this.far?.on || (this.far.drawnAt !== null && this.far.job === null);
    const placed = this.placed;
    this.svg.dataset.screen = this.analysisResult && painted && (placed || this.fold) ? "complete" : "pending";
    this.svg.dataset.layout = placed ? "complete" : "pending";
  }

  /** Classes added to some nodes (the comparison's added / changed marks), then redraw. */
  setMarks(marks) {
    this.marks = marks;
    this.render();
  }

  /** Everything a node shows (see markup.js nodeState), with its mark if it has one. */
  nodeState(layer) {
    const state = this.plainState(layer);
    const mark = this.marks?.get(layer.name);
    if (mark) state.cls = `${state.cls} ${mark}`;
    return state;
  }

  plainState(layer) {
    return nodeState(layer, {
      spec: this.spec(layer.type),
      result: this.analysis.get(layer.name),
      stacks: this.stacks,
      hidden: this.fold?.hidden.has(layer.name) ?? false,
      inCount: this.inputPorts(layer),
      outCount: this.outputPorts(layer),
      transform: this.translate(layer.name),
      lr: this.lr,
    });
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
    renderBoxes(this.nodeLayer, this.boxes, this.fold?.boxes ?? [], {
      translate: (id) => this.translate(id),
      analysis: this.analysis,
    });
  }

  renderEdges(doc) {
    const hidden = this.fold?.hidden;
    // A small document keeps its folded layers' wires (hidden with them); a big one only what shows.
    const list = documentEdges(doc, hidden && doc.layers.length >= BIG ? hidden : null);
    if (this.fold) {
      // Edges into and out of a folded box come from the stand-in document.
      for (const edge of documentEdges(this.fold.doc)) {
        if (this.boxes.has(edge.src) || this.boxes.has(edge.dst)) list.push({ ...edge, srcIndex: 0, dstIndex: 0 });
      }
    }
    this.obstacles = this.measureObstacles();
    this.edgeLayer.render(list, (edge) => this.edgeClass(edge), (edge) => this.edgePath(edge));
  }

  /** The boxes a wire must not pass behind: visible nodes (a stack as its head's box) and folded boxes. */
  measureObstacles() {
    const rects = [];
    for (const [name, entry] of this.drawn()) {
      if (this.stacks?.head.has(name)) continue; // drawn inside its head's box
      const [x, y] = this.position(name);
      rects.push({ name, x, y, w: NODE_W, h: entry.h ?? NODE_H });
    }
    return new Obstacles(this.lr ? transposed(rects) : rects);
  }

  edgeClass(edge) {
    const hidden = this.fold?.hidden;
    if (hidden && (hidden.has(edge.src) || hidden.has(edge.dst))) return "edge folded";
    const stacks = this.stacks;
    if (stacks && anchorOf(stacks, edge.src) === anchorOf(stacks, edge.dst)) return "edge internal";
    return "edge";
  }

  edgePath(edge) {
    const from = this.portPoint(edge.src, "out", edge.srcIndex);
    const to = this.portPoint(edge.dst, "in", edge.dstIndex);
    // Hidden wires (folded away, inside a stack) are not worth routing.
    const hidden = this.fold?.hidden;
    if (!this.obstacles || (hidden && (hidden.has(edge.src) || hidden.has(edge.dst)))) return curve(from, to, this.lr);
    const ignore = new Set([edge.src, edge.dst, this.anchor(edge.src), this.anchor(edge.dst)]);
    return routeEdge(from, to, this.obstacles, ignore, this.lr);
  }

  /** Move nodes during a drag without touching the store (committed on release). */
  moveLive(positions) {
    this.version += 1;
    this.livePositions = { ...(this.livePositions ?? {}), ...positions };
    const moved = new Set(Object.keys(positions));
    for (const name of Object.keys(positions)) {
      for (const member of this.stacks?.members.get(name) ?? []) moved.add(member);
    }
    for (const name of moved) {
      const entry = this.nodes.get(name) ?? this.boxes.get(name);
      entry?.g.setAttribute("transform", this.translate(name));
    }
    // The moved boxes are obstacles in new places: every wire may have to go round them.
    this.obstacles = this.measureObstacles();
    this.edgeLayer.follow((edge) => this.edgePath(edge));
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
    this.edgeLayer.select(selection);
    if (this.far?.on && this.far.scene?.picked !== [...selection].join("\n")) {
      this.far.setScene(farScene(this), this.store.session.viewport, this.size());
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
    if (this.scene) {
      yield* this.scene.items;
      return;
    }
    for (const [name, entry] of this.nodes) {
      if (!entry.state.cls.includes(" folded")) yield [name, entry];
    }
    yield* this.boxes;
  }

  /** Bounding box of all visible nodes in canvas coordinates. */
  bounds() {
    if (this.measured?.version !== this.version) this.measured = { version: this.version, box: this.measureBounds() };
    return this.measured.box;
  }

  measureBounds() {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [name, entry] of this.drawn()) {
      const [x, y] = this.position(name);
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + NODE_W);
      y1 = Math.max(y1, y + entry.h + BELOW);
    }
    return x0 === Infinity ? null : { x0, y0, x1, y1 };
  }

  /** Names of visible nodes inside a canvas-space rectangle. */
  nodesIn(x0, y0, x1, y1) {
    if (this.scene) return [...this.scene.grid.query(x0, y0, x1, y1)].filter((name) => !this.boxes.has(name) && !name.startsWith("group:"));
    const out = [];
    for (const [name, entry] of this.drawn()) {
      if (!this.nodes.has(name)) continue;
      const [x, y] = this.position(name);
      if (x + NODE_W >= x0 && x <= x1 && y + entry.h >= y0 && y <= y1) out.push(name);
    }
    return out;
  }
}
