// Turn a 3-D figure with the mouse (issue 20, item 8), as TensorSpace users expect: in the
// figure preview of a style that takes a view angle (the catalogue lists "azimuth" among its
// options: the AlexNet-style volumes), a drag sideways turns it about the vertical and a
// drag up or down tilts it. The numbers are shown while turning, the preview follows (one
// drawing in flight at a time, the last angle wins), and on release the angles become the
// document's `view.style` through an undoable command, so the exported figure is the one seen.

import { figureSettings, styleInfo } from "../model/figures.js";

/** The service's ranges (render/options.py) and defaults. */
export const AZIMUTH = { min: -90, max: 90, start: -35 };
export const ELEVATION = { min: -60, max: 60, start: 20 };
/** Degrees per pixel of drag: the whole azimuth range in about 360 px. */
const DEGREES_PER_PX = 0.5;

const clamp = (value, { min, max }) => Math.min(max, Math.max(min, value));

/** The angles after a drag of (dx, dy) pixels from `start` {azimuth, elevation}. */
export function turned(start, dx, dy) {
  return {
    azimuth: Math.round(clamp(start.azimuth + dx * DEGREES_PER_PX, AZIMUTH)),
    elevation: Math.round(clamp(start.elevation - dy * DEGREES_PER_PX, ELEVATION)),
  };
}

/** The view angles a document's figure is drawn with. */
export function viewAngles(doc) {
  const style = doc.view?.style ?? {};
  return {
    azimuth: typeof style.azimuth === "number" ? style.azimuth : AZIMUTH.start,
    elevation: typeof style.elevation === "number" ? style.elevation : ELEVATION.start,
  };
}

export class PreviewTurn {
  /** root: the preview <figure>; host: {store, preview (FigurePreview), run, figures()} */
  constructor(root, host) {
    this.host = host;
    this.view = root.querySelector(".preview-view");
    this.label = root.querySelector("[data-testid=view-angles]");
    this.drag = null;
    this.view.addEventListener("pointerdown", (e) => this.down(e));
    this.view.addEventListener("pointermove", (e) => this.move(e));
    this.view.addEventListener("pointerup", (e) => this.up(e));
    this.view.addEventListener("pointercancel", () => this.cancel());
  }

  /** True when the figure in force takes a view angle. */
  turnable() {
    const { store } = this.host;
    const { style } = figureSettings(store.doc, store.session);
    return Boolean(styleInfo(this.host.figures(), style)?.options?.includes("azimuth"));
  }

  /** Show (or hide) the numbers for the figure in force. */
  sync() {
    const on = this.turnable();
    this.label.hidden = !on;
    this.view.classList.toggle("turnable", on);
    if (on && !this.drag) this.say(viewAngles(this.host.store.doc), false);
  }

  say({ azimuth, elevation }, turning) {
    this.label.textContent = `${turning ? "" : "Drag to turn · "}azimuth ${azimuth}° · elevation ${elevation}°`;
    this.label.dataset.azimuth = String(azimuth);
    this.label.dataset.elevation = String(elevation);
  }

  down(event) {
    // A zoomed-in preview pans with a plain drag (PreviewZoom); Alt turns it even then.
    const zoomed = Number(this.host.preview.root.dataset.zoom ?? 1) > 1;
    if (event.button !== 0 || !this.turnable() || (zoomed && !event.altKey)) return;
    this.view.setPointerCapture?.(event.pointerId);
    this.drag = { x: event.clientX, y: event.clientY, start: viewAngles(this.host.store.doc), angles: null };
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  move(event) {
    if (!this.drag) return;
    const angles = turned(this.drag.start, event.clientX - this.drag.x, event.clientY - this.drag.y);
    const last = this.drag.angles;
    if (last && last.azimuth === angles.azimuth && last.elevation === angles.elevation) return;
    this.drag.angles = angles;
    this.say(angles, true);
    this.host.preview.turnTo(angles);
  }

  up() {
    const angles = this.drag?.angles;
    this.drag = null;
    if (!angles) return this.sync();
    // The document holds the angles now: the preview draws it as it is.
    this.host.preview.turnTo(null, { draw: false });
    if (this.host.store.readOnly) this.host.preview.turnTo(angles);
    else this.host.run("set-view-angles", angles);
    this.sync();
  }

  cancel() {
    this.drag = null;
    this.host.preview.turnTo(null);
    this.sync();
  }
}
