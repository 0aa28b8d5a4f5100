// The canvas overlay's statistics (issue 14): what each colours a node by, where its numbers
// come from (a run's per-layer statistics, the current analysis, or values read from a file
// and kept in the document's view.overlay, so exported figures draw them too), and its
// scale. Whether the overlay is on and what it shows is view state (session.overlay).
// DOM-free.

import { makeScale } from "./colour.js";

/**
 * @typedef {object} OverlayStat
 * @property {string} key      the statistic's name in the run's stats or the analysis node
 * @property {string} label
 * @property {"run"|"analysis"|"document"} source
 * @property {boolean} log     drawn on a log scale
 * @property {[number, number]} [domain]  a fixed range (fractions)
 * @property {boolean} [zeroEmpty]  0 means "nothing here" (a ReLU's params): left neutral
 * @property {string} about    the legend's note
 */

/** @type {OverlayStat[]} */
export const OVERLAY_STATS = [
  { key: "grad_norm", label: "Gradient norm", source: "run", log: true, about: "weight-gradient L2 norm, log scale" },
  { key: "update_ratio", label: "Update ratio", source: "run", log: true, about: "step size / weight size, log scale" },
  { key: "dead_fraction", label: "Dead fraction", source: "run", log: false, domain: [0, 1], about: "units that never fired" },
  { key: "act_std", label: "Activation std", source: "run", log: false, about: "standard deviation of the outputs" },
  { key: "weight_norm", label: "Weight norm", source: "run", log: false, about: "weight L2 norm" },
  { key: "params", label: "Params", source: "analysis", log: true, zeroEmpty: true, about: "learnable parameters, log scale" },
  { key: "macs", label: "MACs", source: "analysis", log: true, zeroEmpty: true, about: "multiply-accumulates, log scale" },
  { key: "file", label: "Values from a file", source: "document", log: true, about: "values read from a file" },
  {
    key: "activation_bytes",
    label: "Activation memory",
    source: "analysis",
    log: true,
    zeroEmpty: true,
    about: "output bytes, log scale",
  },
];

export const DEFAULT_STAT = "grad_norm";

/** The statistic called `key` (the default one for an unknown key). */
export function statOf(key) {
  return OVERLAY_STATS.find((s) => s.key === key) ?? OVERLAY_STATS[0];
}

/**
 * Each layer's number for `stat`: from `layers` ({name: {stats}}, one epoch of a run), from
 * `analysis` (the nodes of POST /api/analyze) or from `document` (a view.overlay: {label,
 * values, log, colors?}). Layers without a number are left out.
 * @returns {Map<string, number>}
 */
export function overlayValues(stat, { layers = null, analysis = null, document = null } = {}) {
  const out = new Map();
  if (stat.source === "document") {
    for (const [name, v] of Object.entries(document?.values ?? {})) {
      if (typeof v === "number" && Number.isFinite(v)) out.set(name, v);
    }
    return out;
  }
  if (stat.source === "analysis") {
    for (const node of analysis?.nodes ?? []) {
      const v = node[stat.key];
      if (typeof v === "number" && Number.isFinite(v) && !(stat.zeroEmpty && v === 0)) out.set(node.name, v);
    }
    return out;
  }
  for (const [name, entry] of Object.entries(layers ?? {})) {
    const v = entry?.stats?.[stat.key];
    if (typeof v === "number" && !Number.isNaN(v)) out.set(name, v);
  }
  return out;
}

/**
 * The scale a run statistic is drawn with: over every epoch known so far, so replaying the
 * run with the epoch slider shows the numbers changing, not each epoch stretched to fill the
 * scale again. Analysis statistics scale over the one set of values.
 * @param {OverlayStat} stat
 * @param {Map<string, number>} values  this epoch's
 * @param {Iterable<object>} epochs  every known epoch's layers ({name: {stats}})
 */
export function overlayScale(stat, values, epochs = []) {
  if (stat.domain) return makeScale([], { log: stat.log, domain: stat.domain });
  const all = [...values.values()];
  if (stat.source === "run") for (const layers of epochs) all.push(...overlayValues(stat, { layers }).values());
  return makeScale(all, { log: stat.log });
}

/**
 * Flagged layers at one epoch: name -> {flags, reasons} for each layer with a flag
 * (vanishing_gradient, exploding_gradient, dead_units, saturated, nonfinite).
 * @returns {Map<string, {flags: string[], reasons: string[]}>}
 */
export function overlayFlags(layers) {
  const out = new Map();
  for (const [name, entry] of Object.entries(layers ?? {})) {
    const flags = entry?.flags ?? [];
    if (flags.length) out.set(name, { flags, reasons: entry.reasons?.length ? entry.reasons : flags.map(plainFlag) });
  }
  return out;
}

const FLAG_WORDS = {
  vanishing_gradient: "vanishing gradient",
  exploding_gradient: "exploding gradient",
  dead_units: "dead units",
  saturated: "saturated activations",
  nonfinite: "NaN or infinite values",
};

/** "vanishing gradient" for vanishing_gradient. */
export function plainFlag(flag) {
  return FLAG_WORDS[flag] ?? flag.replace(/_/g, " ");
}

/** "#rrggbb" between two such colours, t in 0..1. */
function mix(a, b, t) {
  const channel = (hex, i) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  const parts = [0, 1, 2].map((i) => Math.round(channel(a, i) + (channel(b, i) - channel(a, i)) * t));
  return `#${parts.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

const HEX = /^#[0-9a-f]{6}$/i;

// render/overlay.py's VIRIDIS: the figure's nine stops, so canvas and figure agree.
const VIRIDIS_STOPS = ["#440154", "#472D7B", "#3B528B", "#2C728E", "#21918C", "#28AE80", "#5EC962", "#ADDC30", "#FDE725"];

/**
 * The colours of a document overlay (view.overlay), computed as render/overlay.py draws it
 * in the figure: a layer's own colour (Model Explorer's bgColor) first, else the first
 * threshold its value is at or under (the last above them all), else its place on the
 * file's gradient (or viridis) between the lowest and highest value (log when the overlay
 * says so, over the positive values).
 * @param {{values: Object<string, number>, log?: boolean, colors?: Object<string, string>,
 *   thresholds?: [number, string][], gradient?: [number, string][]}} overlay
 * @returns {{colours: Map<string, string>, lo: number|null, hi: number|null}}
 */
export function documentColours(overlay) {
  const values = overlayValues({ source: "document" }, { document: overlay });
  const log = overlay?.log ?? true;
  const ranged = [...values.values()].filter((v) => !log || v > 0);
  const lo = ranged.length ? Math.min(...ranged) : 0;
  let hi = ranged.length ? Math.max(...ranged) : 1;
  if (!(hi > lo)) hi = lo + 1;
  const thresholds = overlay?.thresholds ?? [];
  let stops = (overlay?.gradient ?? []).filter(([, c]) => HEX.test(String(c)));
  if (stops.length < 2) stops = VIRIDIS_STOPS.map((c, i) => [i / (VIRIDIS_STOPS.length - 1), c]);
  const along = (t) => {
    for (let i = 1; i < stops.length; i += 1) {
      const [s0, c0] = stops[i - 1];
      const [s1, c1] = stops[i];
      if (t <= s1) return mix(c0, c1, s1 > s0 ? (t - s0) / (s1 - s0) : 0);
    }
    return stops[stops.length - 1][1];
  };
  const place = (v) => {
    const t = log && v > 0 && lo > 0
      ? (Math.log(v) - Math.log(lo)) / Math.max(Math.log(hi) - Math.log(lo), 1e-12)
      : (v - lo) / (hi - lo);
    return Math.min(1, Math.max(0, t));
  };
  const colours = new Map();
  for (const [name, v] of values) {
    const own = overlay?.colors?.[name];
    if (own) colours.set(name, own);
    else if (thresholds.length) colours.set(name, (thresholds.find(([limit]) => v <= limit) ?? thresholds.at(-1))[1]);
    else colours.set(name, along(place(v)));
  }
  return { colours, lo: ranged.length ? lo : null, hi: ranged.length ? Math.max(...ranged) : null };
}
