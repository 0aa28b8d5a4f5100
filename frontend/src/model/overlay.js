// The canvas overlay's statistics (issue 14): what each colours a node by, where its numbers
// come from (a run's per-layer statistics or the current analysis), and its scale. The
// overlay itself is view state (session.overlay): it never enters the document. DOM-free.

import { makeScale } from "./colour.js";

/**
 * @typedef {object} OverlayStat
 * @property {string} key      the statistic's name in the run's stats or the analysis node
 * @property {string} label
 * @property {"run"|"analysis"} source
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
 * Each layer's number for `stat`: from `layers` ({name: {stats}}, one epoch of a run) or
 * from `analysis` (the nodes of POST /api/analyze). Layers without a number are left out.
 * @returns {Map<string, number>}
 */
export function overlayValues(stat, { layers = null, analysis = null } = {}) {
  const out = new Map();
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
