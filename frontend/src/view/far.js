// The far view of a big graph (issue 17): every box in sight as a coloured rectangle and every
// wire as a straight line, painted on one <canvas> under the SVG.
//
// Why a canvas and not SVG: measured in Debian's Chromium on the 10,000-layer residual net,
// one zoom step with every node an SVG group took 123 ms (style and layout of ~87,000
// elements). Zoomed out, text is unreadable anyway, so the far view draws what can be seen,
// rectangles and lines, in one batched path per colour; WebGL would be faster still but the
// canvas already keeps a frame under budget and needs no shader code.
//
// While the viewport moves, the last picture is moved and scaled with a CSS transform (the
// compositor does it; no repaint), and a fresh picture is painted once the viewport has
// rested for a moment, in slices of a few milliseconds per frame into an off-screen canvas
// that replaces the shown one when done: the page never waits on more than one slice.

/** A category's colour in the far view (the same hues as the SVG boxes' tints). */
const COLOURS = {
  convolution: "#4f86e8",
  pooling: "#2fa37a",
  linear: "#8c5bd6",
  activation: "#e0a526",
  normalization: "#d45d9a",
  merge: "#e06a3b",
  io: "#7d8799",
  group: "#5b6577",
};
const OTHER = "#9aa3b2";
const SELECTED = "#2f6fdb";

/** Time one slice of painting may take, in ms, before it yields to the next frame. */
const SLICE_MS = 6;
/** How long the viewport must rest before the picture is painted again, in ms. */
const REST_MS = 90;

export class FarLayer {
  /**
   * @param {HTMLElement} wrap  the canvas's container; the layer goes under `svg` in it
   * @param {SVGSVGElement} svg
   */
  constructor(wrap, svg) {
    this.svg = svg;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "far-layer";
    this.canvas.setAttribute("aria-hidden", "true");
    this.canvas.dataset.testid = "far-layer";
    wrap.insertBefore(this.canvas, svg);
    this.scene = null;
    this.drawnAt = null; // the viewport the shown picture was painted for
    this.timer = null;
    this.job = null; // the painting in progress
    this.onPainted = null; // called when a fresh picture is shown
    this.on = false;
  }

  /** Show or hide the layer (near zoom draws everything in SVG). */
  show(on) {
    this.on = on;
    this.canvas.hidden = !on;
    if (!on) {
      this.cancel();
      this.drawnAt = null;
    }
  }

  /**
   * What to paint: {items: Map name -> {x, y, w, h, cat}, edges: [[x1, y1, x2, y2], ...],
   * selection: Set}; painted at once for the viewport `viewport` of a canvas `size`.
   */
  setScene(scene, viewport, size) {
    this.scene = scene;
    if (this.on) this.paint(viewport, size);
  }

  /** The viewport moved: move the picture now, paint a fresh one when it rests. */
  moved(viewport, size) {
    if (!this.on) return;
    const at = this.drawnAt;
    if (at) {
      const k = viewport.zoom / at.zoom;
      this.canvas.style.transform = `translate(${viewport.x - at.x * k}px, ${viewport.y - at.y * k}px) scale(${k})`;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.paint(viewport, size), REST_MS);
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.job) this.job.cancelled = true;
    this.job = null;
  }

  /** Paint the scene for `viewport` in slices; the picture is swapped in when complete. */
  paint(viewport, size) {
    this.cancel();
    if (!this.scene) return;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(size.width));
    const height = Math.max(1, Math.round(size.height));
    const off = document.createElement("canvas");
    off.width = width * ratio;
    off.height = height * ratio;
    const ctx = off.getContext("2d");
    ctx.setTransform(ratio * viewport.zoom, 0, 0, ratio * viewport.zoom, ratio * viewport.x, ratio * viewport.y);
    const job = { cancelled: false };
    this.job = job;
    const steps = this.steps(ctx, viewport, { width, height });
    const run = () => {
      if (job.cancelled) return;
      const start = performance.now();
      while (performance.now() - start < SLICE_MS) {
        if (steps.next().done) {
          this.swap(off, viewport, width, height);
          this.job = null;
          this.onPainted?.();
          return;
        }
      }
      requestAnimationFrame(run);
    };
    run();
  }

  /** Show the finished picture in place of the old one. */
  swap(off, viewport, width, height) {
    const shown = this.canvas;
    if (shown.width !== off.width || shown.height !== off.height) {
      shown.width = off.width;
      shown.height = off.height;
    }
    shown.style.width = `${width}px`;
    shown.style.height = `${height}px`;
    shown.style.transform = "";
    const ctx = shown.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, shown.width, shown.height);
    ctx.drawImage(off, 0, 0);
    this.drawnAt = { ...viewport };
  }

  /**
   * The painting as a generator of small steps (a few hundred shapes each), so paint() can
   * stop between any two: wires first, then the boxes by colour, then the selection.
   */
  *steps(ctx, viewport, size) {
    const { items, edges, selection } = this.scene;
    const z = viewport.zoom;
    // What is in sight, in canvas coordinates, with a margin for wires leaving it.
    const x0 = -viewport.x / z - 200;
    const y0 = -viewport.y / z - 200;
    const x1 = (size.width - viewport.x) / z + 200;
    const y1 = (size.height - viewport.y) / z + 200;
    const edge = getComputedStyle(this.svg).getPropertyValue("--c-edge").trim() || "#8a94a6";
    const BATCH = 512;
    ctx.strokeStyle = edge;
    ctx.lineWidth = Math.max(1 / z, 0.75 / z);
    for (let i = 0; i < edges.length; i += BATCH) {
      ctx.beginPath();
      for (const [ax, ay, bx, by] of edges.slice(i, i + BATCH)) {
        if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
        ctx.moveTo(ax, ay);
        ctx.lineTo(bx, by);
      }
      ctx.stroke();
      yield;
    }
    // Boxes at least a pixel wide and tall, so a far-out graph still shows every layer.
    const minW = 1 / z;
    const byColour = new Map();
    for (const [name, it] of items) {
      if (it.x + it.w < x0 || it.x > x1 || it.y + it.h < y0 || it.y > y1) continue;
      const colour = selection?.has(name) ? SELECTED : COLOURS[it.cat] ?? OTHER;
      let list = byColour.get(colour);
      if (!list) byColour.set(colour, (list = []));
      list.push(it);
    }
    yield;
    for (const [colour, list] of byColour) {
      ctx.fillStyle = colour;
      for (let i = 0; i < list.length; i += BATCH) {
        ctx.beginPath();
        for (const it of list.slice(i, i + BATCH)) ctx.rect(it.x, it.y, Math.max(minW, it.w), Math.max(minW, it.h));
        ctx.fill();
        yield;
      }
    }
  }
}
