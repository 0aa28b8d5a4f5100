// The minimap: the whole drawing in a corner, the window's part of it as a rectangle; a
// click or a drag in it pans the canvas there. One <canvas> element, not one DOM element
// per layer, so a graph of thousands of layers costs a few fill calls per redraw, and it is
// redrawn at most once a frame, only when the document, the fold, the selection or the
// viewport changed.

import { NODE_H, NODE_W } from "../view/metrics.js";
import { centreViewport } from "../view/viewport.js";

const WIDTH = 180;
const HEIGHT = 120;
const PAD = 4;
const KEY = "netcanvas.minimap";

/**
 * Where the drawing sits in the minimap: canvas box `bounds` and the window's box `seen`
 * (both {x0, y0, x1, y1}) scaled into a `width` × `height` map with `pad` around.
 * Returns {scale, ox, oy}: map point = (canvas point − origin) · scale + pad.
 */
export function mapTransform(bounds, seen, width = WIDTH, height = HEIGHT, pad = PAD) {
  const x0 = Math.min(bounds.x0, seen.x0);
  const y0 = Math.min(bounds.y0, seen.y0);
  const x1 = Math.max(bounds.x1, seen.x1);
  const y1 = Math.max(bounds.y1, seen.y1);
  const scale = Math.min((width - 2 * pad) / Math.max(1, x1 - x0), (height - 2 * pad) / Math.max(1, y1 - y0));
  // Centred in the map along the shorter side.
  const ox = x0 - ((width - 2 * pad) / scale - (x1 - x0)) / 2;
  const oy = y0 - ((height - 2 * pad) / scale - (y1 - y0)) / 2;
  return { scale, ox, oy };
}

/** The canvas box the window shows for viewport {x, y, zoom} and window `size`. */
export function seenBox({ x, y, zoom }, size) {
  return { x0: -x / zoom, y0: -y / zoom, x1: (size.width - x) / zoom, y1: (size.height - y) / zoom };
}

export class Minimap {
  /** host: {store, view (CanvasView), size(): {width, height} of the canvas} */
  constructor(wrap, host) {
    this.host = host;
    this.root = document.createElement("div");
    this.root.className = "minimap";
    this.root.dataset.testid = "minimap";
    this.root.setAttribute("aria-label", "Minimap: click or drag to move the view");
    this.canvas = document.createElement("canvas");
    this.frame = document.createElement("div");
    this.frame.className = "minimap-viewport";
    this.frame.dataset.testid = "minimap-viewport";
    this.root.append(this.canvas, this.frame);
    this.toggle = document.createElement("button");
    this.toggle.type = "button";
    this.toggle.className = "minimap-toggle toggle";
    this.toggle.dataset.testid = "minimap-toggle";
    this.toggle.textContent = "Map";
    this.toggle.title = "Show or hide the minimap";
    wrap.append(this.root, this.toggle);
    this.wanted = localStorage.getItem(KEY) !== "off";
    this.pending = false;
    this.transform = null;
    this.toggle.addEventListener("click", () => {
      this.wanted = !this.wanted;
      localStorage.setItem(KEY, this.wanted ? "on" : "off");
      this.schedule();
    });
    this.root.addEventListener("pointerdown", (event) => {
      this.root.setPointerCapture(event.pointerId);
      this.panTo(event);
    });
    this.root.addEventListener("pointermove", (event) => {
      if (this.root.hasPointerCapture(event.pointerId)) this.panTo(event);
    });
    this.schedule();
  }

  /** Redraw on the next frame (several changes in one frame draw once). */
  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const { store, view } = this.host;
    const bounds = view.bounds();
    const useful = bounds !== null && store.doc.layers.length > 1;
    this.toggle.hidden = !useful;
    this.toggle.setAttribute("aria-pressed", String(this.wanted));
    this.root.hidden = !useful || !this.wanted;
    if (this.root.hidden) return;
    const size = this.host.size();
    const { viewport } = store.session;
    const seen = seenBox(viewport, size);
    const t = mapTransform(bounds, seen);
    this.transform = t;
    // The boxes are painted (off screen, scaled to the drawing alone) only when the drawing,
    // the selection or the theme changed; each redraw copies that picture into the map at
    // the map's scale, so a pan of a 50,000-layer graph costs one image copy.
    const selection = store.session.selection;
    const theme = this.root.parentElement?.className ?? "";
    const key = [view.version, theme, [...selection].join("\n")].join("|");
    const own = mapTransform(bounds, bounds);
    if (key !== this.painted) {
      this.painted = key;
      this.paint(own, selection);
    }
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = WIDTH * ratio;
    this.canvas.height = HEIGHT * ratio;
    const ctx = this.canvas.getContext("2d");
    const k = t.scale / own.scale;
    ctx.setTransform(ratio * k, 0, 0, ratio * k, ratio * (PAD - PAD * k + (own.ox - t.ox) * t.scale), ratio * (PAD - PAD * k + (own.oy - t.oy) * t.scale));
    ctx.drawImage(this.picture, 0, 0, WIDTH, HEIGHT);
    const f = this.frame.style;
    f.left = `${PAD + (seen.x0 - t.ox) * t.scale}px`;
    f.top = `${PAD + (seen.y0 - t.oy) * t.scale}px`;
    f.width = `${(seen.x1 - seen.x0) * t.scale}px`;
    f.height = `${(seen.y1 - seen.y0) * t.scale}px`;
  }

  paint(t, selection) {
    const { view } = this.host;
    const ratio = window.devicePixelRatio || 1;
    this.picture ??= document.createElement("canvas");
    this.picture.width = WIDTH * ratio;
    this.picture.height = HEIGHT * ratio;
    const ctx = this.picture.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const colours = getComputedStyle(this.root);
    const fill = colours.getPropertyValue("--c-stroke").trim() || "#b7bfcc";
    const picked = colours.getPropertyValue("--c-select").trim() || "#2f6fdb";
    const w = Math.max(1.5, NODE_W * t.scale);
    for (const [name, entry] of view.drawn()) {
      const [x, y] = view.position(name);
      ctx.fillStyle = selection.has(name) ? picked : fill;
      const h = (entry.h ?? NODE_H) * t.scale;
      ctx.fillRect(PAD + (x - t.ox) * t.scale, PAD + (y - t.oy) * t.scale, w, Math.max(1.5, h));
    }
  }

  /** Centre the canvas on the drawing's point under the pointer. */
  panTo(event) {
    const t = this.transform;
    if (!t) return;
    const rect = this.root.getBoundingClientRect();
    const point = [(event.clientX - rect.left - PAD) / t.scale + t.ox, (event.clientY - rect.top - PAD) / t.scale + t.oy];
    const { store } = this.host;
    store.setViewport(centreViewport(point, this.host.size(), store.session.viewport.zoom));
    event.preventDefault();
  }
}
