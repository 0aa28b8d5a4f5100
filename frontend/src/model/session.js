// The session: everything the editor shows that is not the document. It is never saved with
// the design and never sent to the service. Selection, hover and viewport change freely
// (Store.select, setHover, setViewport); `fold` and `figure` change only inside a
// transaction (tx.session.set), so folding and unfolding are undone like any edit. DOM-free.

/**
 * @typedef {object} Session
 * @property {Set<string>} selection  selected layer names
 * @property {string|null} hover      the layer under the pointer
 * @property {{x: number, y: number, zoom: number}} viewport  canvas pan and zoom
 * @property {{on: boolean, opened: string[]}} fold  repeated blocks folded into boxes, and the
 *   groups opened again by a double-click (undoable)
 * @property {object[]} groups  the repeated blocks the service found in the current document
 *   (POST /api/layout?fold=true): a cache refreshed while folded, never in history
 * @property {{name: string, theme: string}|null} figure  style and theme chosen while viewing a
 *   read-only design, whose own view.style cannot change (undoable)
 * @property {string|null} run  the training run the Train panel shows and the overlay reads
 *   (Store.setRun)
 * @property {{on: boolean, stat: string, epoch: number|null}} overlay  the canvas overlay
 *   (issue 14): on or off, the statistic nodes are coloured by (model/overlay.js), and the
 *   epoch replayed (null: the latest, following a live run). Store.setOverlay; never in history
 */

/** @returns {Session} */
export function createSession() {
  return {
    selection: new Set(),
    hover: null,
    viewport: { x: 0, y: 0, zoom: 1 },
    fold: { on: false, opened: [] },
    groups: [],
    figure: null,
    run: null,
    overlay: { on: false, stat: "grad_norm", epoch: null },
  };
}

/** The fold state with nothing folded. */
export const UNFOLDED = Object.freeze({ on: false, opened: [] });
