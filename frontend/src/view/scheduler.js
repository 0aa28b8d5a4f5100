// When the canvas draws. A big document arriving at once (paste, open, template) is built
// off-screen while the service analyses it, and shown when the analysis is back, in one pass
// with every shape: showing it first with "…" labels costs a second full SVG layout when ~700
// labels change, and competes for the CPU with the analysis.

/** More new layers than this in one change are drawn with their analysis. */
const DEFER_NEW_NODES = 150;
/** ... but never later than this after the change. */
const DEFER_MAX_MS = 800;

export class RenderScheduler {
  /** view: the CanvasView; fit(): zoom to fit now (the Viewport). */
  constructor(view, store, fit) {
    this.view = view;
    this.store = store;
    this.fitNow = fit;
    this.timer = null;
    this.fitPending = false;
  }

  /** The document changed: draw now, or hold the drawing back for its analysis. */
  documentChanged() {
    if (this.timer || this.store.doc.layers.length - this.view.rendered > DEFER_NEW_NODES) {
      if (!this.timer) this.timer = setTimeout(() => this.flush(), DEFER_MAX_MS);
      this.view.hold();
    }
    this.view.render();
  }

  /** An analysis came: show it, and what was held back for it. */
  analysed(result) {
    const held = Boolean(this.timer);
    clearTimeout(this.timer);
    this.timer = null;
    this.view.setAnalysis(result);
    this.view.release();
    if (held) this.fitIfPending();
  }

  /** Draw now if a render was held back (the analysis failed, or took too long). */
  flush() {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.view.render();
    this.view.release();
    this.fitIfPending();
  }

  /** Zoom to fit, once there is a drawing to measure. */
  fit() {
    if (this.timer) this.fitPending = true;
    else this.fitNow();
  }

  fitIfPending() {
    if (!this.fitPending) return;
    this.fitPending = false;
    this.fitNow();
  }
}
