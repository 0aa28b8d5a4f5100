import { test } from "node:test";
import assert from "node:assert/strict";

import { ApiError } from "../src/api.js";
import { createCommands, runCommand } from "../src/commands/index.js";
import { Store } from "../src/model/store.js";
import { Trainer, refusal } from "../src/model/trainer.js";

/** An EventSource stand-in: the test sends events and ends the stream. */
class FakeStream extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.closed = false;
  }

  send(kind, payload, raw = null) {
    const event = new Event(kind);
    event.data = raw ?? JSON.stringify(payload);
    this.dispatchEvent(event);
  }

  end() {
    this.dispatchEvent(new Event("error"));
  }

  close() {
    this.closed = true;
  }
}

function setup(api = {}) {
  const streams = [];
  const calls = [];
  const trainer = new Trainer({
    api: {
      startRun: async (body) => {
        calls.push(["start", body]);
        return { id: "run1", status: "queued" };
      },
      cancelRun: async (id) => calls.push(["cancel", id]),
      run: async (id) => ({ id, status: "done", config: { epochs: 2 }, data: { name: "moons" }, metrics: [], artifacts: ["model.onnx"] }),
      runs: async (design) => {
        calls.push(["runs", design]);
        return [];
      },
      runLayers: async (id, epoch) => ({ epoch: epoch ?? 2, layers: { fc: { stats: { grad_norm: 0.5 }, flags: [], reasons: [] } } }),
      ...api,
    },
    openEvents: (url) => {
      const stream = new FakeStream(url);
      streams.push(stream);
      return stream;
    },
  });
  const store = new Store({
    netcanvas: 1,
    name: "mlp",
    layers: [
      { name: "x", type: "Input", shape: [1, 2], inputs: [] },
      { name: "fc", type: "Linear", out_features: 2 },
    ],
    view: { positions: {} },
  });
  const commands = createCommands({ store, trainer, persistence: { design: { id: "d9", revision: 4 } } });
  return { trainer, store, commands, streams, calls };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("train-start sends the document and shows the run; its events reduce as they arrive", async () => {
  const { trainer, store, commands, streams, calls } = setup();
  const seen = [];
  trainer.subscribe(({ kind }) => seen.push(kind));
  const id = await commands.get("train-start").run({ data: { name: "moons" }, config: { epochs: 2, lr: 0.01 } });
  assert.equal(id, "run1");
  assert.equal(store.session.run, "run1", "the new run is the one shown");
  const [, body] = calls[0];
  assert.equal(body.document.name, "mlp");
  assert.deepEqual(body.design, { id: "d9", revision: 4 });
  assert.deepEqual(body.data, { name: "moons" });
  assert.equal(body.config.epochs, 2);
  assert.equal(streams.length, 1);
  assert.equal(streams[0].url, "/api/runs/run1/events");

  assert.equal(trainer.active(), "run1");
  assert.equal(commands.get("train-start").isEnabled(), false, "one run at a time from here");
  assert.equal(runCommand(commands, "train-stop"), true);
  await tick();
  assert.deepEqual(calls.at(-1), ["cancel", "run1"]);

  streams[0].send("status", { status: "running", error: null, note: null });
  streams[0].send("metrics", { epoch: 1, loss: 0.5, accuracy: 0.8 });
  streams[0].send("boundary", { epoch: 1, size: 2, box: [0, 1, 0, 1], classes: [0, 0, 1, 1], points: [[0, 0, 1]] });
  streams[0].send("metrics", null, "not json {");
  streams[0].send("metrics", null, '"a string"');
  assert.equal(trainer.get("run1").status, "running");
  assert.equal(trainer.get("run1").metrics.length, 1);
  assert.deepEqual([...trainer.points.values()], [[[0, 0, 1]]], "sample points remembered for the next run");
  streams[0].send("status", { status: "cancelled", error: null, note: "stopped by request" });
  assert.equal(trainer.active(), null);
  assert.equal(commands.get("train-stop").isEnabled(), false);
  assert.equal(commands.get("train-start").isEnabled(), true);
  streams[0].end();
  assert.ok(streams[0].closed, "a finished stream is closed, not reconnected");
  assert.ok(seen.includes("metrics") && seen.includes("status"));
});

test("a stream that drops while the run goes on is left to reconnect", async () => {
  const { trainer, streams } = setup();
  await trainer.start({ document: { name: "n" }, config: {}, data: { name: "moons" } });
  streams[0].send("status", { status: "running" });
  streams[0].end();
  assert.equal(streams[0].closed, false);
});

test("a refused run says why in plain words and starts nothing", async () => {
  const { trainer, store, commands, streams } = setup({
    startRun: async () => {
      throw new ApiError(422, { message: "The data set's samples are 1×8×8 but the document's Input takes 2" });
    },
  });
  const id = await commands.get("train-start").run({ data: { name: "digits" }, config: { epochs: 1 } });
  assert.equal(id, null);
  assert.equal(store.session.run, null);
  assert.equal(streams.length, 0);
  assert.match(trainer.startError, /cannot train on that data: The data set's samples are 1×8×8/);
  assert.match(refusal(new ApiError(501, "install netcanvas[train]")), /not available on this server: install/);
});

test("runs are listed for the design; a design not saved yet lists those named like it", async () => {
  const summary = (id, name, design = null) => ({ id, name, design, status: "done", config: {}, data: { name: "moons" }, metrics: [], artifacts: [] });
  const { trainer, calls } = setup({
    runs: async (design) => {
      calls.push(["runs", design]);
      return [summary("a", "mlp"), summary("b", "other"), summary("c", "mlp", { id: "d1", revision: 1 })];
    },
    run: async (id) => ({ ...summary(id, "mlp"), metrics: [{ epoch: 1, name: "val_accuracy", value: 0.9 }], artifacts: ["model.onnx"] }),
  });
  assert.deepEqual(await trainer.list({ design: null, name: "mlp" }), ["a"]);
  await tick();
  await tick();
  assert.deepEqual(trainer.get("a").metrics, [{ epoch: 1, val_accuracy: 0.9 }], "details follow the summary");
  assert.deepEqual(trainer.get("a").artifacts, ["model.onnx"]);
  assert.deepEqual(await trainer.list({ design: "d1" }), ["a", "b", "c"]);
  assert.deepEqual(calls.filter(([k]) => k === "runs").map(([, d]) => d), [undefined, "d1"]);
});

test("layer statistics of an epoch are fetched once and remembered", async () => {
  const { trainer } = setup();
  let asked = 0;
  trainer.api.runLayers = async (id, epoch) => {
    asked += 1;
    return epoch === 9 ? { epoch: null, layers: {} } : { epoch, layers: { fc: { stats: { grad_norm: epoch }, flags: [], reasons: [] } } };
  };
  await trainer.load("r");
  assert.deepEqual((await trainer.layersAt("r", 2)).layers.fc.stats, { grad_norm: 2 });
  await trainer.layersAt("r", 2);
  assert.equal(asked, 1);
  await trainer.layersAt("r", 9);
  await trainer.layersAt("r", 9);
  assert.equal(asked, 2, "an epoch without statistics is remembered as such");
});

test("the overlay command toggles view state, never the document or its history", () => {
  const { store, commands } = setup();
  const before = store.undoStack.length;
  runCommand(commands, "overlay");
  assert.equal(store.session.overlay.on, true);
  runCommand(commands, "overlay", { stat: "dead_fraction", epoch: 3 });
  assert.deepEqual(store.session.overlay, { on: true, stat: "dead_fraction", epoch: 3 });
  runCommand(commands, "show-run", "r7");
  assert.equal(store.session.run, "r7");
  assert.equal(store.session.overlay.epoch, null, "a new run is shown at its latest epoch");
  runCommand(commands, "overlay", false);
  assert.equal(store.session.overlay.on, false);
  assert.equal(store.undoStack.length, before);
});
