// Small SVG DOM helpers for the canvas.

const SVG = "http://www.w3.org/2000/svg";

export function svgEl(tag, attrs = {}, parent = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  if (parent) parent.appendChild(el);
  return el;
}

/**
 * Parse SVG markup into elements (children of a <g>), in order: one parse is far cheaper
 * than thousands of createElementNS/setAttribute calls.
 */
export function parseSvg(markup) {
  const holder = document.createElementNS(SVG, "g");
  holder.innerHTML = markup;
  return [...holder.children];
}
