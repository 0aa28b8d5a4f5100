// The overlay drawn on the canvas's nodes (issue 14): a fill colour per node and a warning
// badge on flagged ones. It writes only a CSS variable (through the CSSOM, so the page's
// strict style-src holds), a data attribute and the badges, which survive the view's own
// class and transform updates; a rebuilt node is painted again after the view renders
// (CanvasView.afterRender). Nothing here runs while the overlay is off.

import { shadeOf } from "../model/colour.js";
import { svgEl } from "./svg.js";

/**
 * Paint the view's nodes: `colours` name -> "#rrggbb" (nodes not in it are neutral), `flags`
 * name -> {reasons} (a badge each, whose title is the reasons, one per line).
 * @param {import("./canvas.js").CanvasView} view
 * @param {{colours: Map<string, string>, flags: Map<string, {reasons: string[]}>}} paint
 */
export function paintHeat(view, { colours, flags }) {
  view.svg.classList.add("heat-on");
  const transform = badgeTransform(view.store.session.viewport.zoom);
  for (const [name, entry] of view.nodes) {
    const colour = colours.get(name) ?? null;
    if (entry.heat !== colour) {
      entry.heat = colour;
      if (colour) {
        entry.g.style.setProperty("--heat", colour);
        entry.g.dataset.heat = shadeOf(colour);
      } else {
        entry.g.style.removeProperty("--heat");
        entry.g.dataset.heat = "none";
      }
    }
    const flag = flags.get(name);
    const title = flag ? flag.reasons.join("\n") : null;
    if ((entry.flagTitle ?? null) !== title) {
      entry.flagTitle = title;
      entry.flag?.remove();
      entry.flag = title ? badge(name, title, entry.g) : null;
    }
    if (entry.flag && entry.flag.getAttribute("transform") !== transform) entry.flag.setAttribute("transform", transform);
  }
}

/**
 * Badges keep a readable size on screen when the canvas is zoomed far out (a 40-layer net
 * fitted to the window): up to four times their size at zoom 1.
 */
export function badgeTransform(zoom) {
  const scale = Math.min(4, Math.max(1, 0.7 / (zoom || 1)));
  return `translate(-2 -4) scale(${Math.round(scale * 100) / 100})`;
}

/** Take the overlay off every node. */
export function clearHeat(view) {
  view.svg.classList.remove("heat-on");
  for (const entry of view.nodes.values()) {
    if (entry.heat !== undefined) {
      entry.g.style.removeProperty("--heat");
      delete entry.g.dataset.heat;
      entry.heat = undefined;
    }
    entry.flag?.remove();
    entry.flag = null;
    entry.flagTitle = null;
  }
}

/** A warning triangle on the node's top-left corner; its title lists the reasons. */
function badge(name, title, parent) {
  const g = svgEl("g", { class: "flag-badge", "data-testid": `flag-${name}`, title }, parent);
  svgEl("path", { d: "M0 -9 L9.5 7 L-9.5 7 Z" }, g);
  svgEl("text", { y: "5.5", "text-anchor": "middle" }, g).textContent = "!";
  svgEl("title", {}, g).textContent = title;
  return g;
}
