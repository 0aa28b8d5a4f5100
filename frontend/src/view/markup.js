// SVG markup for the canvas: one string per node, edge or folded box, parsed in one go by the
// view (see canvas.js). Pure string building apart from nodeEntry, which reads parsed elements.

import { NODE_H, NODE_W, ROW_H, boxHeight } from "./metrics.js";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** "25.56 M": a count in a few characters ("–" when unknown). */
export function formatCount(n) {
  if (n === null || n === undefined) return "–";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** "1×64×56×56" (DESIGN 3). */
export function formatShape(shape) {
  return Array.isArray(shape) ? shape.join("×") : "?";
}

/** An edge's element: one path (a wrapping group per edge would add ~750 elements to style). */
export function edgeMarkup(id, cls, d) {
  return `<path class="${cls}" data-testid="edge-${esc(id)}" d="${d}"/>`;
}

/**
 * Which port an element is: {side: "in"|"out", node, index} from its data-testid
 * (`port-in-{name}-{i}`, DESIGN 7), or null. Ports carry nothing else: ~1,500 of them on a
 * ResNet-152, and every attribute is parsed and stored per element. The radius is in the CSS.
 */
export function portOf(element) {
  const match = /^port-(in|out)-(.*)-(\d+)$/.exec(element?.getAttribute?.("data-testid") ?? "");
  return match ? { side: match[1], node: match[2], index: Number(match[3]) } : null;
}

/**
 * Where port `i` of `count` on `side` ("in" or "out") sits in a box `h` high, relative to its
 * top-left corner: spread along the top and bottom edges top to bottom, down the left and
 * right edges left to right.
 */
export function portOffset(side, i, count, h, lr = false) {
  if (lr) return [side === "in" ? 0 : NODE_W, (h * (i + 1)) / (count + 1)];
  return [(NODE_W * (i + 1)) / (count + 1), side === "in" ? 0 : h];
}

function portsMarkup(name, state) {
  const n = esc(name);
  let out = "";
  const internal = (hide) => (hide ? " internal" : "");
  // Top to bottom: inputs along the top edge, outputs along the bottom; left to right:
  // inputs down the left edge, outputs down the right (portOffset, as the view measures).
  const at = (side, i, count) => {
    const [x, y] = portOffset(side, i, count, state.h, state.lr);
    return `cx="${x}" cy="${y}"`;
  };
  for (let i = 0; i < state.inCount; i += 1) {
    out += `<circle class="port port-in${internal(state.row)}" ${at("in", i, state.inCount)} data-testid="port-in-${n}-${i}"/>`;
  }
  for (let i = 0; i < state.outCount; i += 1) {
    const hide = state.followers > 0 || (state.row && !state.last);
    out += `<circle class="port port-out${internal(hide)}" ${at("out", i, state.outCount)} data-testid="port-out-${n}-${i}"/>`;
  }
  return out;
}

export function nodeMarkup(name, state) {
  const n = esc(name);
  let body;
  if (state.row) {
    body =
      `<rect class="node-box row-box" width="${NODE_W}" height="${ROW_H}"/>` +
      `<line class="row-rule" x1="8" x2="${NODE_W - 8}" y1="0" y2="0"/>` +
      `<text class="node-name row-name" x="10" y="15">${esc(state.title)}</text>` +
      `<text class="node-shape row-shape" x="${NODE_W - 10}" y="15" text-anchor="end" data-testid="shape-${n}">${esc(state.shape)}</text>`;
  } else {
    body =
      `<rect class="node-box" width="${NODE_W}" height="${boxHeight(state.followers)}" rx="6"/>` +
      `<text class="node-name" x="10" y="18">${esc(state.title)}</text>` +
      `<text class="node-type" x="10" y="33">${esc(state.type)}</text>` +
      `<text class="node-shape" x="10" y="49" data-testid="shape-${n}">${esc(state.shape)}</text>`;
  }
  let error = "";
  if (state.error) {
    error =
      `<g class="error-badge" transform="translate(${NODE_W - 4} 4)"><circle r="9"/><text y="4" text-anchor="middle">!</text></g>` +
      `<text class="node-error" x="${NODE_W + 14}" y="${state.row ? 15 : 22}" data-testid="node-error-${n}">${esc(state.error)}</text>`;
  }
  return (
    `<g class="${state.cls}" data-testid="node-${n}" data-node="${n}" tabindex="-1" transform="${state.transform}">` +
    `${body}${portsMarkup(name, state)}${error}</g>`
  );
}

/**
 * Everything a node shows, from its layer and what the view knows of it: its type's spec,
 * its analysis, the stacks, whether a folded box hides it, its port counts and transform.
 * `frame` changes only when the element must be rebuilt.
 */
export function nodeState(layer, { spec, result, stacks, hidden, inCount, outCount, transform, lr = false }) {
  const name = layer.name;
  const followers = stacks?.members.get(name)?.length ?? 0;
  const row = stacks?.head.has(name) ?? false;
  const last = row && stacks.members.get(stacks.head.get(name)).at(-1) === name;
  const error = result?.error ?? null;
  const shape = result?.output_shapes?.[0];
  let cls = `node cat-${spec?.category ?? "opaque"}`;
  if (row) cls += last ? " stack-row stack-last" : " stack-row";
  if (followers) cls += " stack-head";
  if (hidden) cls += " folded";
  if (error) cls += " has-error";
  else if ((result?.warnings?.length ?? 0) > 0) cls += " has-warning";
  return {
    cls,
    row,
    last,
    followers,
    h: row ? ROW_H : NODE_H,
    inCount,
    outCount,
    lr,
    frame: `${row ? (last ? "L" : "R") : "N"}${followers}/${inCount}/${outCount}/${error ? 1 : 0}${lr ? "/LR" : ""}`,
    title: clip(name, row ? 13 : 22),
    type: row ? "" : clip(describe(layer), 26),
    shape: result ? (shape ? formatShape(shape) : "?") : "…",
    error,
    transform,
  };
}

export function nodeEntry(g, state) {
  return {
    g,
    title: g.querySelector(".node-name"),
    type: g.querySelector(".node-type"),
    shape: g.querySelector(".node-shape"),
    tip: null, // the <title> tooltip is made on first hover (see showTip)
    error: g.querySelector(".node-error"),
    state,
    frame: state.frame,
    h: state.h,
    inCount: state.inCount,
    outCount: state.outCount,
    selected: false,
    hovered: false,
  };
}

export function boxMarkup(box) {
  const name = esc(box.group.name);
  const layers = box.group.copies[0].length;
  return (
    `<g class="node group-box" data-testid="group-${name}" data-group="${name}" tabindex="-1">` +
    `<rect class="group-shadow" x="8" y="8" width="${NODE_W}" height="${NODE_H}" rx="6"/>` +
    `<rect class="group-shadow" x="4" y="4" width="${NODE_W}" height="${NODE_H}" rx="6"/>` +
    `<rect class="node-box" width="${NODE_W}" height="${NODE_H}" rx="6"/>` +
    `<text class="node-name" x="10" y="18">${esc(clip(box.label, 22))}</text>` +
    (box.group.scope
      ? `<text class="node-type" x="10" y="33">${esc(clip(`${box.group.kind} · ${layers} layers`, 26))}</text>`
      : `<text class="node-type" x="10" y="33">${box.group.count} copies · ${layers} layers each</text>`) +
    `<text class="node-shape" x="10" y="49">…</text>` +
    `<title>${esc(
      box.group.scope
        ? `${box.label} (${box.group.kind}): ${layers} layers (double-click to open)`
        : `${box.label}: ${box.group.count} copies of ${layers} layers (double-click to open)`,
    )}</title></g>`
  );
}

/** A wire from an output port to an input port: leaves and enters along the flow. */
export function curve([x1, y1], [x2, y2], lr = false) {
  if (lr) {
    const dx = Math.max(30, Math.abs(x2 - x1) / 2);
    return `M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`;
  }
  const dy = Math.max(30, Math.abs(y2 - y1) / 2);
  return `M${x1} ${y1} C${x1} ${y1 + dy} ${x2} ${y2 - dy} ${x2} ${y2}`;
}

export function clip(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** "Conv2d 64 · 3×3 /2": the type and its most telling settings. */
export function describe(layer) {
  const bits = [layer.type];
  const width = layer.out_channels ?? layer.out_features ?? layer.hidden_size ?? layer.embed_dim;
  if (width !== undefined) bits.push(String(width));
  const k = layer.kernel_size;
  if (k !== undefined) bits.push(Array.isArray(k) ? k.join("×") : `${k}×${k}`);
  const s = layer.stride;
  if (s !== undefined && s !== 1) bits.push(`/${Array.isArray(s) ? s.join("×") : s}`);
  return bits.join(" ");
}

export function tooltip(layer, result) {
  const lines = [`${layer.name} (${layer.type}${layer.inplace ? ", in place" : ""})`];
  if (result) {
    for (const shape of result.output_shapes ?? []) lines.push(`→ ${formatShape(shape)}`);
    lines.push(`params ${result.params ?? 0}, MACs ${result.macs ?? 0}`);
    if (result.error) lines.push(`error: ${result.error}`);
    for (const w of result.warnings ?? []) lines.push(`warning: ${w}`);
  }
  return lines.join("\n");
}
