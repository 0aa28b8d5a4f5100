// Pan and zoom of the canvas: the maths of fitting the drawing to the window and of centring
// a layer (pure functions), and the small controller that measures the canvas and writes the
// session's viewport with them.

import { boxCentre } from "./metrics.js";
import { belowOf } from "./layout.js";

/** The zoom range of the wheel and of a pinch. */
export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 4;
/** The least zoom a revealed layer is shown at (a found layer in a far-out big graph). */
const READABLE_ZOOM = 0.6;
/** Room left around the drawing by zoom to fit, in screen pixels. */
export const FIT_PAD = 40;
/** Zoom to fit never magnifies (a tiny net stays at 100 %) and stops at 2 %. */
const FIT_MAX_ZOOM = 1;
const FIT_MIN_ZOOM = 0.02;

/**
 * The viewport {zoom, x, y} showing canvas box `bounds` {x0, y0, x1, y1} whole in a window of
 * `size` {width, height}, centred; a drawing taller than the window starts at its top.
 */
export function fitViewport(bounds, size, pad = FIT_PAD) {
  const zoom = Math.min(
    FIT_MAX_ZOOM,
    Math.max(
      FIT_MIN_ZOOM,
      Math.min((size.width - 2 * pad) / (bounds.x1 - bounds.x0), (size.height - 2 * pad) / (bounds.y1 - bounds.y0)),
    ),
  );
  return {
    zoom,
    x: size.width / 2 - ((bounds.x0 + bounds.x1) / 2) * zoom,
    y: Math.max(pad - bounds.y0 * zoom, size.height / 2 - ((bounds.y0 + bounds.y1) / 2) * zoom),
  };
}

/**
 * The viewport zoomed to `zoom` (kept within MIN_ZOOM..MAX_ZOOM) around window point `at`:
 * the canvas point under it stays under it.
 */
export function zoomAround({ x, y, zoom }, [px, py], next) {
  const clamped = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next));
  const k = clamped / zoom;
  return { zoom: clamped, x: px - (px - x) * k, y: py - (py - y) * k };
}

/**
 * How much one wheel event zooms, for its delta in pixels. A trackpad pinch arrives as
 * ctrl+wheel with small pixel steps, a mouse wheel notch as ~100 px: the small steps are
 * scaled up so a pinch zooms as fast as the fingers move.
 */
export function wheelFactor(delta) {
  return Math.exp(-delta * (Math.abs(delta) < 40 ? 0.01 : 0.0015));
}

/** The pan {x, y} that puts canvas point `point` in the middle of a window of `size`. */
export function centreViewport([px, py], size, zoom) {
  return { x: size.width / 2 - px * zoom, y: size.height / 2 - py * zoom };
}

export class Viewport {
  /** svg: the canvas element; view: the CanvasView (positions, bounds). */
  constructor(svg, store, view) {
    this.svg = svg;
    this.store = store;
    this.view = view;
    this.measured = null;
    view.onLaidOut = () => this.fit();
    new ResizeObserver(([entry]) => {
      this.measured = { width: entry.contentRect.width, height: entry.contentRect.height };
      view.setViewport(store.session.viewport);
    }).observe(svg);
  }

  /** The canvas's size as the ResizeObserver saw it: asking the element would force a layout. */
  size() {
    return this.measured ?? this.svg.getBoundingClientRect();
  }

  fit() {
    const bounds = this.view.bounds();
    const size = this.size();
    if (!bounds && this.view.svg.dataset.layout === "pending") this.view.fitWhenLaidOut = true;
    if (!bounds || size.width === 0) return;
    this.store.setViewport(fitViewport(bounds, size));
  }

  /**
   * Pan so the layer's box is in the middle: at the same zoom, or flying in to a zoom at
   * which its text can be read when the view is further out than that.
   */
  centreOn(name) {
    const zoom = Math.max(this.store.session.viewport.zoom, READABLE_ZOOM);
    this.store.setViewport({ zoom, ...centreViewport(boxCentre(this.view.position(name)), this.size(), zoom) });
  }

  /**
   * Where a layer added from the palette by click or Enter goes, in canvas coordinates:
   * under the one selected layer, or in the middle of the window.
   */
  newLayerPoint() {
    const selected = [...this.store.session.selection];
    if (selected.length === 1) return belowOf(this.view.position(selected[0]));
    const rect = this.svg.getBoundingClientRect();
    return this.view.toCanvas(rect.left + rect.width / 2, rect.top + rect.height / 2);
  }
}
