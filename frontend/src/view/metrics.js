// The canvas's box geometry, in canvas pixels: every module that places, draws, measures or
// centres a node imports these instead of retyping the numbers. DOM-free.

/** A node's box. */
export const NODE_W = 172;
export const NODE_H = 58;
/** Height of one follower's row inside a stacked box. */
export const ROW_H = 22;
/** Space between boxes side by side, and between ranks, in the quick layered layout. */
export const GAP_X = 36;
export const GAP_Y = 44;
/** The least space auto-layout leaves between the service's boxes once stretched to these. */
export const MIN_GAP_X = 24;
export const MIN_GAP_Y = 40;
/** Room kept under a box for what hangs below it (the wire into the next one), when measuring. */
export const BELOW = 24;

/** Height of a node's box: taller when followers are stacked under it. */
export function boxHeight(followers = 0) {
  return NODE_H + followers * ROW_H;
}

/** The middle of a box whose top-left corner is at `position`. */
export function boxCentre([x, y]) {
  return [x + NODE_W / 2, y + NODE_H / 2];
}

/**
 * The canvas's flow: "LR" when the document asks for left-to-right (view.style.rankdir, the
 * figure's own setting), else "TB". Ports, wires and the quick layout follow it.
 */
export function flowOf(doc) {
  return doc?.view?.style?.rankdir === "LR" ? "LR" : "TB";
}
