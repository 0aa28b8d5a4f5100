// Zoom, pan and resize for the figure preview: a figure of a big network is a thin strip at
// "fit", so the wheel zooms around the pointer, a drag pans, Fit (or a double-click) goes back,
// and the panel's left edge drags to make it wider or narrower than its default third.

const MIN_ZOOM = 1;
const MAX_ZOOM = 40;
const MIN_WIDTH = 180;

/**
 * Zoom `by` around point `at` (in the view's pixels) of a view translated by (x, y) and scaled
 * by zoom: the figure point under `at` stays under it. DOM-free.
 * @returns {{x: number, y: number, zoom: number}}
 */
export function zoomAt({ x, y, zoom }, at, by) {
  const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom * by));
  if (next === MIN_ZOOM) return { x: 0, y: 0, zoom: MIN_ZOOM };
  const k = next / zoom;
  return { x: at[0] - (at[0] - x) * k, y: at[1] - (at[1] - y) * k, zoom: next };
}

export class PreviewZoom {
  /** @param {HTMLElement} root  the preview <figure>, holding .preview-view > img */
  constructor(root) {
    this.root = root;
    this.view = root.querySelector(".preview-view");
    this.img = this.view.querySelector("img");
    this.state = { x: 0, y: 0, zoom: 1 };
    this.view.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    this.view.addEventListener("pointerdown", (e) => this.down(e));
    this.view.addEventListener("pointermove", (e) => this.move(e));
    this.view.addEventListener("pointerup", () => (this.drag = null));
    this.view.addEventListener("dblclick", () => this.fit());
    root.querySelector("[data-testid=preview-zoom-in]").addEventListener("click", () => this.step(1.5));
    root.querySelector("[data-testid=preview-zoom-out]").addEventListener("click", () => this.step(1 / 1.5));
    root.querySelector("[data-testid=preview-fit]").addEventListener("click", () => this.fit());
    this.bindResize(root.querySelector("[data-testid=preview-resize]"));
    this.apply();
  }

  apply() {
    const { x, y, zoom } = this.state;
    this.img.style.transform = `translate(${x}px, ${y}px) scale(${zoom})`;
    this.root.dataset.zoom = zoom.toFixed(2);
  }

  fit() {
    this.state = { x: 0, y: 0, zoom: 1 };
    this.apply();
  }

  /** Zoom by `by` around the view's centre (the buttons). */
  step(by) {
    const rect = this.view.getBoundingClientRect();
    this.state = zoomAt(this.state, [rect.width / 2, rect.height / 2], by);
    this.apply();
  }

  wheel(event) {
    event.preventDefault();
    const rect = this.view.getBoundingClientRect();
    const delta = event.deltaY * (event.deltaMode === 1 ? 16 : 1);
    this.state = zoomAt(this.state, [event.clientX - rect.left, event.clientY - rect.top], Math.exp(-delta / 300));
    this.apply();
  }

  down(event) {
    // Alt+drag turns a 3-D figure instead (panels/turn.js).
    if (event.button !== 0 || this.state.zoom === 1 || event.altKey) return;
    this.view.setPointerCapture?.(event.pointerId);
    this.drag = { start: [event.clientX, event.clientY], origin: { ...this.state } };
    event.preventDefault();
  }

  move(event) {
    if (!this.drag) return;
    const { start, origin } = this.drag;
    this.state = { ...origin, x: origin.x + event.clientX - start[0], y: origin.y + event.clientY - start[1] };
    this.apply();
  }

  /** The left edge: drag to widen or narrow the panel (it is anchored to the right). */
  bindResize(handle) {
    let from = null;
    handle.addEventListener("pointerdown", (event) => {
      handle.setPointerCapture?.(event.pointerId);
      from = { x: event.clientX, width: this.root.getBoundingClientRect().width };
      event.preventDefault();
    });
    handle.addEventListener("pointermove", (event) => {
      if (!from) return;
      const parent = this.root.parentElement.getBoundingClientRect().width;
      const width = Math.min(parent - 40, Math.max(MIN_WIDTH, from.width + from.x - event.clientX));
      this.root.style.width = `${Math.round(width)}px`;
    });
    handle.addEventListener("pointerup", () => (from = null));
  }
}
