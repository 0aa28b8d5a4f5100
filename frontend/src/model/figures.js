// The figure catalogue (GET /api/figures) as the editor reads it, and the figure settings in
// force for a document. A style or theme added to the service shows up with no change here.
// DOM-free.

/**
 * @typedef {{name: string, label: string, description: string, folds: boolean,
 *   stacks: boolean, options: string[]}} StyleInfo
 * @typedef {{styles: StyleInfo[], themes: {name: string, label: string}[],
 *   formats: {name: string, extension: string, media_type: string, binary: boolean}[]}} Figures
 */

/** The style the canvas itself draws: any other is seen in the figure preview. */
export const CANVAS_STYLE = "graph";

/** What the service draws for a document that names no style or theme (its defaults). */
export const DEFAULT_FIGURE = Object.freeze({ style: "graph", theme: "light" });

/**
 * {style, theme} in force: the one chosen while viewing a read-only design (session.figure),
 * else the document's view.style, else the service's defaults.
 */
export function figureSettings(doc, session = null) {
  const chosen = session?.figure ?? doc.view?.style ?? {};
  return { style: chosen.name ?? DEFAULT_FIGURE.style, theme: chosen.theme ?? DEFAULT_FIGURE.theme };
}

/** @returns {StyleInfo|null} */
export function styleInfo(figures, name) {
  return figures?.styles?.find((s) => s.name === name) ?? null;
}

/**
 * The export and preview query for the figure settings in force: style and theme, and fold
 * and stack when on (the service says which styles ignore them; see ineffective()).
 */
export function figureQuery(doc, session) {
  const { style, theme } = figureSettings(doc, session);
  const query = { style, theme };
  if (session?.fold?.on) query.fold = "true";
  if (doc.view?.style?.stack) query.stack = "true";
  return query;
}

/**
 * Why a Stack or Fold toggle that is on changes nothing in the figure of the chosen style
 * (`ability` "stacks" or "folds"), or null when it does (or the catalogue has not come yet).
 */
export function ineffective(figures, styleName, ability) {
  const style = styleInfo(figures, styleName);
  if (!style || style[ability] !== false) return null;
  // Worded for both kinds of "cannot": a style that never stacks and one that always does.
  const toggle = ability === "stacks" ? "Stack" : "Fold";
  return `${toggle} has no effect in the ${style.label} style: its figures do not follow it (the canvas still does).`;
}
