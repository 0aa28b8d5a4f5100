import { test } from "node:test";
import assert from "node:assert/strict";

import { CATEGORICAL, formatValue, makeScale, shadeOf, viridis, viridisRgb } from "../src/model/colour.js";
import { OVERLAY_STATS, documentColours, overlayFlags, overlayScale, overlayValues, plainFlag, statOf } from "../src/model/overlay.js";

test("viridis runs from dark purple to yellow, clamped, and matches matplotlib at the deciles", () => {
  assert.equal(viridis(0), "#440154");
  assert.equal(viridis(0.5), "#21918c");
  assert.equal(viridis(1), "#fde725");
  assert.equal(viridis(-3), "#440154");
  assert.equal(viridis(7), "#fde725");
  assert.equal(viridis(NaN), "#440154");
  // Lightness rises all the way: the scale reads in grey too.
  const luminance = (t) => {
    const [r, g, b] = viridisRgb(t);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  for (let t = 0; t < 1; t += 0.05) assert.ok(luminance(t + 0.05) > luminance(t), `at ${t}`);
  assert.equal(shadeOf(viridis(0)), "dark");
  assert.equal(shadeOf(viridis(1)), "light");
  assert.equal(new Set(CATEGORICAL).size, 8);
});

test("a linear scale maps its range to 0..1; a log scale spaces decades evenly", () => {
  const linear = makeScale([2, 4, 6]);
  assert.deepEqual([linear.lo, linear.hi], [2, 6]);
  assert.equal(linear.position(4), 0.5);
  assert.equal(linear.position(10), 1, "clamped");
  assert.equal(linear.colour(2), viridis(0));
  assert.equal(linear.colour(NaN), null, "no colour for what is not a number");

  const log = makeScale([1e-6, 1e-4, 1e-2, 0, -1], { log: true });
  assert.deepEqual([log.lo, log.hi], [1e-6, 1e-2], "zero and negatives do not set a log range");
  assert.ok(Math.abs(log.position(1e-4) - 0.5) < 1e-12);
  assert.equal(log.position(0), 0, "zero sits at the bottom");

  assert.equal(makeScale([5, 5]).position(5), 0.5, "one value sits in the middle");
  const empty = makeScale([]);
  assert.ok(empty.empty);
  assert.equal(empty.colour(1), null);
  const fixed = makeScale([0.9], { domain: [0, 1] });
  assert.equal(fixed.position(0.25), 0.25);
});

test("scale ends read briefly", () => {
  assert.equal(formatValue(0.644), "0.644");
  assert.equal(formatValue(1.2e-4), "1.2e−4");
  assert.equal(formatValue(2.5e6), "2.50 M");
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(null), "–");
});

const layers = {
  fc1: { stats: { grad_norm: 1e-18, weight_norm: 3 }, flags: ["vanishing_gradient"], reasons: ["gradient norm 1e-18, far below the largest layer's"] },
  act1: { stats: { dead_fraction: 0.5 }, flags: ["dead_units"], reasons: [] },
  fc2: { stats: { grad_norm: 0.1, weight_norm: 4 }, flags: [], reasons: [] },
  odd: { stats: { grad_norm: NaN } },
};

test("overlay values come from the run's layers or from the analysis", () => {
  assert.deepEqual([...overlayValues(statOf("grad_norm"), { layers })], [["fc1", 1e-18], ["fc2", 0.1]]);
  assert.deepEqual([...overlayValues(statOf("dead_fraction"), { layers })], [["act1", 0.5]]);
  const analysis = {
    nodes: [
      { name: "x", params: 0, macs: 0, activation_bytes: 8 },
      { name: "fc", params: 48, macs: 32, activation_bytes: 64 },
    ],
  };
  assert.deepEqual([...overlayValues(statOf("params"), { analysis })], [["fc", 48]], "0 params is no data");
  assert.deepEqual([...overlayValues(statOf("activation_bytes"), { analysis })], [["x", 8], ["fc", 64]]);
  assert.equal(overlayValues(statOf("grad_norm"), {}).size, 0);
  assert.equal(statOf("nonsense").key, "grad_norm");
  assert.ok(OVERLAY_STATS.every((s) => s.label && s.about));
});

test("a run statistic is scaled over every epoch known, so replaying shows change", () => {
  const stat = statOf("grad_norm");
  const epoch2 = { a: { stats: { grad_norm: 0.01 } }, b: { stats: { grad_norm: 0.1 } } };
  const epoch1 = { a: { stats: { grad_norm: 1 } }, b: { stats: { grad_norm: 10 } } };
  const alone = overlayScale(stat, overlayValues(stat, { layers: epoch2 }));
  assert.equal(alone.position(0.1), 1, "one epoch alone fills the scale");
  const together = overlayScale(stat, overlayValues(stat, { layers: epoch2 }), [epoch1, epoch2]);
  assert.deepEqual([together.lo, together.hi], [0.01, 10]);
  assert.ok(Math.abs(together.position(0.1) - 1 / 3) < 1e-12);
  const dead = overlayScale(statOf("dead_fraction"), new Map([["a", 0.2]]));
  assert.deepEqual([dead.lo, dead.hi], [0, 1], "fractions keep their 0..1 range");
});

test("flagged layers carry their reasons (or the flags in words)", () => {
  const flags = overlayFlags(layers);
  assert.deepEqual([...flags.keys()], ["fc1", "act1"]);
  assert.deepEqual(flags.get("fc1").reasons, ["gradient norm 1e-18, far below the largest layer's"]);
  assert.deepEqual(flags.get("act1").reasons, ["dead units"]);
  assert.equal(overlayFlags(null).size, 0);
  assert.equal(plainFlag("nonfinite"), "NaN or infinite values");
});

test("documentColours: own colours, then thresholds, then the gradient over the range", () => {
  const { colours, lo, hi } = documentColours({ values: { a: 1, b: 10, c: 100, d: "x" }, log: true });
  assert.equal(lo, 1);
  assert.equal(hi, 100);
  assert.equal(colours.get("a"), "#440154"); // the bottom of viridis
  assert.equal(colours.get("c"), "#fde725"); // the top
  assert.equal(colours.get("b"), "#21918c"); // log scale: 10 is half way
  assert.equal(colours.has("d"), false);
  const own = documentColours({ values: { a: 1, b: 2 }, colors: { a: "#ff0000" }, thresholds: [[1.5, "#00ff00"], [9, "#0000ff"]] });
  assert.equal(own.colours.get("a"), "#ff0000");
  assert.equal(own.colours.get("b"), "#0000ff");
  const graded = documentColours({ values: { a: 0, b: 5, c: 10 }, log: false, gradient: [[0, "#000000"], [1, "#ffffff"]] });
  assert.equal(graded.colours.get("b"), "#808080");
});
