import { test } from "node:test";
import assert from "node:assert/strict";

import {
  chartData,
  describeProgress,
  elapsed,
  ema,
  emptyRun,
  finalAccuracy,
  formatSeconds,
  latestStatsEpoch,
  progressOf,
  reduceEvent,
  runBody,
  runFromJson,
} from "../src/model/training.js";

/** Feed events into a run, as the stream delivers them. */
const feed = (run, events) => events.reduce((r, [kind, payload]) => reduceEvent(r, kind, payload), run);

const metrics = (epoch, loss, acc) => ({
  epoch,
  loss,
  accuracy: acc,
  val_loss: loss * 0.9,
  val_accuracy: acc + 0.01,
  lr: 0.01,
  seconds: 0.04,
  wall: 1796293004.6, // not a History metric: dropped
});

test("events reduce into one run: status, metrics by epoch, progress, layers, boundary, files", () => {
  const start = emptyRun("r1", { config: { epochs: 3 } });
  const run = feed(start, [
    ["status", { status: "running", error: null, note: null }],
    ["progress", { epoch: 1, step: 1, steps: 25, seconds: 0.01, eta: 0.7 }],
    [
      "layers",
      {
        epoch: 1,
        step: null,
        layers: {
          fc: { stats: { grad_norm: 0.3, act_hist: { low: 0, high: 1, counts: [1, 2] } }, flags: [], reasons: [] },
        },
      },
    ],
    ["boundary", { epoch: 1, size: 2, box: [0, 1, 0, 1], classes: [0, 1, 1, 0], points: [[0.5, 0.5, 1]] }],
    ["metrics", metrics(1, 0.5, 0.8)],
    ["boundary", { epoch: 2, size: 2, box: [0, 1, 0, 1], classes: [1, 1, 1, 0] }],
    ["metrics", metrics(2, 0.3, 0.9)],
    ["artifact", { name: "model.onnx" }],
    ["artifact", { name: "model.onnx" }],
    ["status", { status: "done", error: null, note: "early stop" }],
    ["mystery", { anything: 1 }],
  ]);
  assert.equal(start.status, "queued", "the reducer never mutates");
  assert.equal(run.status, "done");
  assert.equal(run.note, "early stop");
  assert.deepEqual(run.metrics.map((r) => r.epoch), [1, 2]);
  assert.equal(run.metrics[1].val_accuracy, 0.91);
  assert.equal(run.metrics[0].wall, undefined);
  assert.deepEqual(run.progress, { epoch: 1, step: 1, steps: 25, seconds: 0.01, eta: 0.7 });
  assert.deepEqual(run.layers.get(1), { fc: { stats: { grad_norm: 0.3 }, flags: [], reasons: [] } }, "histograms dropped");
  assert.equal(run.boundary.epoch, 2);
  assert.deepEqual(run.points, [[0.5, 0.5, 1]], "points come with the first boundary only and are kept");
  assert.deepEqual(run.artifacts, ["model.onnx"]);
  assert.equal(latestStatsEpoch(run), 1);
  assert.equal(finalAccuracy(run), 0.91);
});

test("a replayed stream (a reconnect) replaces epochs instead of repeating them", () => {
  const once = feed(emptyRun("r"), [["metrics", metrics(1, 0.5, 0.8)], ["metrics", metrics(2, 0.4, 0.85)]]);
  const twice = feed(once, [["metrics", metrics(1, 0.5, 0.8)], ["metrics", metrics(2, 0.4, 0.85)], ["metrics", metrics(3, 0.3, 0.9)]]);
  assert.deepEqual(twice.metrics.map((r) => r.epoch), [1, 2, 3]);
  const late = feed(twice, [["metrics", metrics(0, 0.9, 0.5)]]);
  assert.deepEqual(late.metrics.map((r) => r.epoch), [0, 1, 2, 3], "kept in epoch order");
});

test("GET /api/runs/{id} rows become one metrics row per epoch", () => {
  const run = runFromJson({
    id: "r2",
    status: "done",
    config: { epochs: 2 },
    metrics: [
      { epoch: 2, name: "loss", value: 0.2 },
      { epoch: 1, name: "loss", value: 0.4 },
      { epoch: 1, name: "val_accuracy", value: 0.7 },
      { epoch: 2, name: "val_accuracy", value: 0.8 },
    ],
    artifacts: ["metrics.csv"],
  });
  assert.deepEqual(run.metrics, [
    { epoch: 1, loss: 0.4, val_accuracy: 0.7 },
    { epoch: 2, loss: 0.2, val_accuracy: 0.8 },
  ]);
  assert.deepEqual(run.artifacts, ["metrics.csv"]);
  assert.ok(run.layers instanceof Map);
});

test("EMA smoothing: weight 0 is the data, the first point is not pulled to zero, gaps stay gaps", () => {
  assert.deepEqual(ema([1, 2, 3], 0), [1, 2, 3]);
  const smooth = ema([10, 0, 0, null, 0], 0.5);
  assert.equal(smooth[0], 10, "debiased: the first value is itself");
  assert.ok(Math.abs(smooth[1] - 10 / 3) < 1e-12); // (0.5·5 + 0) / (1 − 0.25)
  assert.equal(smooth[3], null);
  assert.ok(smooth[4] < smooth[2] && smooth[4] > 0);
  const flat = ema([2, 2, 2, 2], 0.9);
  assert.ok(flat.every((v) => Math.abs(v - 2) < 1e-12), "a constant stays constant");
  assert.deepEqual(ema([NaN, Infinity, 1], 0.3), [null, null, 1]);
});

test("chart series: runs side by side on the union of their epochs", () => {
  const a = feed(emptyRun("a"), [1, 2, 3].map((e) => ["metrics", metrics(e, 1 / e, 0.5)]));
  const b = feed(emptyRun("b"), [1, 2].map((e) => ["metrics", metrics(e, 2 / e, 0.6)]));
  const { data, points, series } = chartData([a, b], ["loss", "val_loss"]);
  assert.equal(points, 3);
  assert.deepEqual(data[0], [1, 2, 3]);
  assert.deepEqual(data[1], [1, 0.5, 1 / 3]); // a.loss
  assert.deepEqual(data[3], [2, 1, null]); // b.loss: no epoch 3
  assert.deepEqual(series, [
    { run: "a", key: "loss" },
    { run: "a", key: "val_loss" },
    { run: "b", key: "loss" },
    { run: "b", key: "val_loss" },
  ]);
  const smoothed = chartData([a], ["loss"], { smoothing: 0.6 });
  assert.deepEqual(smoothed.data[1], ema([1, 0.5, 1 / 3], 0.6));
  const floored = chartData([feed(emptyRun("z"), [["metrics", { epoch: 1, loss: 0 }]])], ["loss"], { floor: 1e-6 });
  assert.deepEqual(floored.data[1], [1e-6], "a log axis cannot show 0");
  assert.equal(chartData([], ["loss"]).points, 0);
});

test("progress: the done fraction from the epochs and the step, 1 when done, frozen when stopped", () => {
  let run = emptyRun("p", { config: { epochs: 4 }, status: "running" });
  assert.equal(progressOf(run).fraction, 0);
  run = reduceEvent(run, "progress", { epoch: 2, step: 5, steps: 10, seconds: 3, eta: 9 });
  const p = progressOf(run);
  assert.equal(p.fraction, (1 + 0.5) / 4);
  assert.equal(describeProgress(p), "epoch 2/4 · step 5/10 · 9 s left");
  run = feed(run, [["metrics", metrics(1, 1, 0.5)], ["metrics", metrics(2, 1, 0.5)]]);
  assert.equal(progressOf(run).fraction, 0.5, "two of four epochs ended");
  const cancelled = reduceEvent(run, "status", { status: "cancelled", error: null, note: "stopped by request" });
  assert.equal(progressOf(cancelled).fraction, 0.5);
  assert.equal(progressOf(cancelled).eta, null);
  assert.equal(progressOf(reduceEvent(run, "status", { status: "done" })).fraction, 1);
  const wild = reduceEvent(emptyRun("w", { config: { epochs: 1 } }), "progress", { epoch: 3, step: 1, steps: 1 });
  assert.equal(progressOf(wild).fraction, 1, "clamped");
  assert.equal(describeProgress(progressOf(emptyRun("n"))), "");
});

test("seconds read as a person says them", () => {
  assert.equal(formatSeconds(4.4), "4 s");
  assert.equal(formatSeconds(125), "2 min 5 s");
  assert.equal(formatSeconds(3780), "1 h 3 min");
  assert.equal(formatSeconds(null), "");
});

test("the POST /api/runs body: the document, its saved revision, the data and the settings", () => {
  const doc = { netcanvas: 1, name: "mlp", layers: [{ name: "x", type: "Input", shape: [1, 2] }], view: { positions: {} } };
  const body = runBody(doc, { id: "d1", revision: 3 }, { name: "moons", settings: { noise: 0.2 } }, { epochs: 5, lr: 0.01 });
  assert.deepEqual(body, {
    document: doc,
    design: { id: "d1", revision: 3 },
    data: { name: "moons", settings: { noise: 0.2 } },
    config: { device: "auto", epochs: 5, lr: 0.01 },
    stats_every: 0,
    sweep: null,
  });
  const unsaved = runBody(doc, null, { name: "npz", path: "x.npz", settings: {} }, { epochs: 1 });
  assert.equal(unsaved.design, null);
  assert.deepEqual(unsaved.data, { name: "npz", path: "x.npz" });
});

test("elapsed: an imported log's time, else the trained epochs' seconds summed", () => {
  assert.deepEqual(elapsed([{ epoch: 1, seconds: 1.5 }, { epoch: 2, seconds: 2 }, { epoch: 3 }]), [1.5, 3.5, null]);
  assert.deepEqual(elapsed([{ epoch: 0, time: 0 }, { epoch: 10, time: 4.25 }]), [0, 4.25]);
});

test("chartData against time: runs aligned on their own elapsed seconds", () => {
  const a = emptyRun("a", { metrics: [{ epoch: 1, loss: 1, seconds: 2 }, { epoch: 2, loss: 0.5, seconds: 2 }] });
  const b = emptyRun("b", { metrics: [{ epoch: 0, loss: 0.9, time: 0 }, { epoch: 5, loss: 0.4, time: 4 }] });
  const { data, points } = chartData([a, b], ["loss"], { x: "time" });
  assert.deepEqual(data[0], [0, 2, 4]);
  assert.deepEqual(data[1], [null, 1, 0.5]);
  assert.deepEqual(data[2], [0.9, null, 0.4]);
  assert.equal(points, 3);
});
