// Colour scales for data drawn on the canvas and in the Train panel: viridis (sequential,
// colour-blind safe, readable in grey) for magnitudes, Okabe-Ito for categories (classes,
// runs). DOM-free.

/** matplotlib's viridis at t = 0, 0.1, ..., 1. */
const VIRIDIS = [
  "#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
  "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725",
].map(rgbOf);

/** Okabe & Ito's eight colours, told apart with every common colour-vision deficiency. */
export const CATEGORICAL = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

function rgbOf(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const hexOf = (rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;

/** viridis(t) as [r, g, b] (0..255), t clamped to 0..1. */
export function viridisRgb(t) {
  const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  return VIRIDIS[i].map((c, k) => c + (VIRIDIS[i + 1][k] - c) * f);
}

/** viridis(t) as "#rrggbb". */
export function viridis(t) {
  return hexOf(viridisRgb(t));
}

/** Whether text on this background should be light ("dark" background) or dark ("light"). */
export function shadeOf(hex) {
  const [r, g, b] = rgbOf(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.2 ? "dark" : "light";
}

/**
 * A sequential scale over `values` (or a fixed `domain`): {lo, hi, log, position(v) -> 0..1
 * or null, colour(v) -> "#rrggbb" or null}. On a log scale only positive values set the
 * range, and values at or below zero sit at its bottom. Non-finite values have no colour.
 * A single distinct value sits in the middle.
 * @param {Iterable<number>} values
 * @param {{log?: boolean, domain?: [number, number]|null}} options
 */
export function makeScale(values, { log = false, domain = null } = {}) {
  let lo = Infinity;
  let hi = -Infinity;
  if (domain) [lo, hi] = domain;
  else {
    for (const v of values) {
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const empty = !(lo <= hi);
  const f = (v) => (log ? Math.log10(v) : v);
  const position = (v) => {
    if (empty || v === null || v === undefined || !Number.isFinite(v)) return null;
    if (log && v <= 0) return 0;
    if (hi === lo) return 0.5;
    return Math.min(Math.max((f(v) - f(lo)) / (f(hi) - f(lo)), 0), 1);
  };
  return {
    lo: empty ? null : lo,
    hi: empty ? null : hi,
    log,
    empty,
    position,
    colour: (v) => {
      const t = position(v);
      return t === null ? null : viridis(t);
    },
  };
}

/** "3.2e-7", "0.0042", "12.5", "1.3 M": a scale end in a few characters. */
export function formatValue(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)} G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)} M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)} k`;
  if (a >= 0.01) return String(Number(v.toPrecision(3)));
  return v.toExponential(1).replace("e-", "e−");
}
