// Whole-document commands: templates, files, shared designs, copies, and the inspector's
// edits, each one undoable step where a person would expect it.

import { test } from "node:test";
import assert from "node:assert/strict";

import { createGate, placeDocument } from "../src/commands/documents.js";
import { createCommands, invoke } from "../src/commands/index.js";
import { normalize } from "../src/model/document.js";
import { Store } from "../src/model/store.js";

const FORMATS = [
  { name: "yaml", kind: "model", extensions: [".yaml", ".yml"], readable: true, writable: true, binary: false },
  { name: "onnx", kind: "model", extensions: [".onnx"], readable: true, writable: true, binary: true },
  { name: "pytorch", kind: "model", extensions: [".py"], readable: false, writable: true, binary: false },
];

const START = normalize({
  name: "mine",
  layers: [
    { name: "data", type: "Input", shape: [1, 3, 8, 8] },
    { name: "conv1", type: "Conv2d", out_channels: 4 },
  ],
  view: { positions: { data: [0, 0], conv1: [0, 100] }, style: { name: "blocks", theme: "dark" } },
});

const LENET = {
  name: "lenet",
  layers: [
    { name: "x", type: "Input", shape: [1, 1, 28, 28] },
    { name: "c1", type: "Conv2d", out_channels: 6, kernel_size: 5 },
    { name: "p1", type: "MaxPool2d", kernel_size: 2 },
  ],
};

function setup({ ready = true } = {}) {
  const store = new Store(START);
  const calls = [];
  const gate = createGate();
  if (ready) gate.open();
  const api = {
    template: async (slug) => {
      calls.push(`template ${slug}`);
      if (slug === "missing") throw new Error("no such template");
      return { slug, document: structuredClone(LENET) };
    },
    import: async (format, body, params) => {
      calls.push(`import ${format} ${JSON.stringify(params)}`);
      return { document: structuredClone(LENET), warnings: [], analysis: { nodes: [] } };
    },
    design: async (id) => ({ id, revision: 3, document: structuredClone(LENET) }),
    designRevision: async (id, revision) => ({ id, revision, document: structuredClone(LENET) }),
  };
  const commands = createCommands({
    store,
    api,
    view: { zoomToFit: () => calls.push("fit") },
    ui: {
      notify: (message, kind = "info") => calls.push(`${kind}: ${message}`),
      phase: () => "TEST",
      showText: (format) => (calls.push(`text ${format}`), true),
      sourceChanged: () => calls.push("source"),
      leaveShare: () => calls.push("leave"),
    },
    analysis: {
      expect: (doc, analysis) => calls.push(`expect ${doc.name} ${analysis ? "with" : "without"} analysis`),
      delivered: (doc) => calls.push(`delivered ${doc.name}`),
    },
    persistence: {
      forget: () => calls.push("forget"),
      adopt: (design, options) => calls.push(`adopt ${design.id} ${JSON.stringify(options ?? {})}`),
      owns: (id) => id === "mine",
      save: async () => calls.push("save"),
    },
    sources: () => new Set(["Input"]),
    formats: async () => FORMATS,
    whenReady: gate.whenReady,
  });
  return { store, calls, gate, run: (id, argument) => invoke(commands, id, argument) };
}

test("opening a template is one undoable step, laid out and shown whole", async () => {
  const { store, run, calls } = setup();
  assert.equal(await run("open-template", "lenet"), true);
  assert.deepEqual(store.doc.layers.map((l) => l.name), ["x", "c1", "p1"]);
  assert.deepEqual(store.doc.layers[1].inputs, ["x"], "implicit inputs made explicit");
  assert.ok(["x", "c1", "p1"].every((n) => Array.isArray(store.doc.view.positions[n])), "every layer placed");
  assert.deepEqual(store.doc.view.style, START.view.style, "the figure settings carry over");
  assert.equal(store.undoStack.length, 1);
  assert.equal(store.undoStack[0].label, "Template lenet");
  assert.deepEqual(calls, [
    "template lenet",
    "forget",
    "expect lenet without analysis",
    "delivered lenet",
    "fit",
    "fit",
  ]);
  const opened = structuredClone(store.doc);
  run("undo");
  assert.deepEqual(store.doc, START);
  run("redo");
  assert.deepEqual(store.doc, opened);
});

test("a template that cannot be fetched changes nothing and says why", async () => {
  const { store, run, calls } = setup();
  assert.equal(await run("open-template", "missing"), false);
  assert.deepEqual(store.doc, START);
  assert.equal(calls.at(-1), "error: Cannot open template missing: no such template");
});

test("a load before the editor is ready waits for it, then lands as one step", async () => {
  const { store, run, gate } = setup({ ready: false });
  const loading = run("open-template", "lenet");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(store.doc.name, "mine", "held back until the catalogue and first document are in");
  gate.open();
  assert.equal(await loading, true);
  assert.equal(store.doc.name, "lenet");
});

test("a file is read in the format its extension names in the formats catalogue", async () => {
  const { store, run, calls } = setup();
  const file = (name) => ({ name, text: async () => "text", arrayBuffer: async () => new ArrayBuffer(1) });
  assert.equal(await run("open-file", file("net.YML")), true);
  assert.equal(store.doc.name, "lenet");
  assert.ok(calls.includes('import yaml {"analysis":true}'));
  assert.ok(calls.includes("text yaml"), "the file's own text is shown as written");
  assert.ok(calls.includes("expect lenet with analysis"));
  assert.equal(await run("open-file", file("net.onnx")), true);
  assert.ok(calls.includes("source"), "a binary file shows the design's own text");
  assert.equal(await run("open-file", file("model.py")), false, "pytorch is written, not read");
  assert.equal(calls.at(-1), "error: Cannot open model.py: use .yaml, .yml, .onnx");
  run("undo");
  run("undo");
  assert.deepEqual(store.doc, START);
});

test("a shared design opens read-only; make a copy makes it editable and renamed", async () => {
  const { store, run, calls } = setup();
  assert.equal(await run("open-shared", "abc"), true);
  assert.equal(store.readOnly, true);
  assert.equal(store.canUndo(), false, "nothing to undo into");
  assert.ok(calls.includes('adopt abc {"showLink":false}'));
  run("set-figure", { theme: "print" }); // the viewer's choice, kept in the session
  run("make-copy");
  assert.equal(store.readOnly, false);
  assert.equal(store.doc.name, "lenet (copy)");
  assert.deepEqual(store.doc.view.style, { name: "blocks", theme: "print" }, "the viewer's choice is the copy's");
  assert.equal(store.session.figure, null);
  assert.ok(calls.includes("forget") && calls.includes("leave"));
  run("undo");
  assert.equal(store.doc.name, "lenet");
});

test("rename the design, rename a layer, set a setting: each undoable", () => {
  const { store, run } = setup();
  run("rename-design", "  ");
  assert.equal(store.doc.name, "network", "an empty name becomes 'network'");
  assert.equal(run("rename-layer", { from: "conv1", to: "conv one" }), false, "no spaces");
  assert.equal(run("rename-layer", { from: "conv1", to: "stem" }), true);
  assert.deepEqual([...store.session.selection], ["stem"]);
  run("set-param", { name: "stem", key: "out_channels", value: 8 });
  run("set-param", { name: "stem", key: "out_channels", value: 16 });
  assert.equal(store.doc.layers[1].out_channels, 16);
  run("undo"); // typing a number is one step
  assert.equal(store.doc.layers[1].out_channels, 4);
  run("undo");
  assert.equal(store.doc.layers[1].name, "conv1");
  run("undo");
  assert.equal(store.doc.name, "mine");
});

test("a renamed layer is selected under its new name when its change is announced", () => {
  const { store, run } = setup();
  store.select(["conv1"]);
  const seen = [];
  store.subscribe((event) => {
    if (event.kind === "document") seen.push([...store.session.selection]);
  });
  assert.equal(run("rename-layer", { from: "conv1", to: " stem " }), true);
  assert.deepEqual(seen, [["stem"]], "listeners never see the old name selected");
  assert.equal(store.doc.layers[1].name, "stem");
});

test("a source edit keeps the canvas positions of the layers still there", async () => {
  const { store, run } = setup();
  const edited = structuredClone(START);
  delete edited.view;
  edited.layers.push({ name: "relu1", type: "ReLU" });
  await run("load-document", { doc: edited, label: "Edit source", keepPositions: true, source: "source" });
  assert.deepEqual(store.doc.view.positions.conv1, [0, 100]);
  assert.ok(Array.isArray(store.doc.view.positions.relu1));
});

test("a replaced model is laid out fresh; an edited one keeps its places", () => {
  const chain = (name, names, types = {}) =>
    normalize({ name, layers: names.map((n, i) => ({ name: n, type: types[n] ?? (i ? "ReLU" : "Input") })) });
  const old = chain("alexnet", ["data", "conv1", "relu1", "pool1", "conv2"]);
  old.view.positions = { data: [0, 0], conv1: [0, 500], relu1: [0, 900], pool1: [0, 100], conv2: [0, 300] };
  const lenet = chain("LeNet", ["data", "conv1", "pool1", "conv2", "ip1"]);
  // Pasted, another name: nothing of AlexNet's layout stays.
  const pasted = placeDocument(old, lenet, true, { pasted: true });
  assert.equal(pasted.unplaced, 5);
  const ys = ["data", "conv1", "pool1", "conv2", "ip1"].map((n) => pasted.doc.view.positions[n][1]);
  assert.deepEqual([...ys].sort((a, b) => a - b), ys, "a chain runs top to bottom");
  // Typed in the text (same model): the layers still there, as the same type, keep their place.
  const edited = placeDocument(old, chain("alexnet", ["data", "conv1", "relu1", "conv2"], { relu1: "Sigmoid" }), true);
  assert.deepEqual(edited.doc.view.positions.conv1, [0, 500]);
  assert.notDeepEqual(edited.doc.view.positions.relu1, [0, 900], "a layer of another type is a new layer");
  // Fewer than half shared: a new model even when typed.
  const other = placeDocument(old, chain("alexnet", ["data", "a", "b", "c", "d"]), true);
  assert.equal(other.unplaced, 5);
});

test("a read-only page cannot save; its owner's own link opens editable", async () => {
  const { store, run, calls } = setup();
  await run("open-shared", "abc");
  assert.equal(run("save"), undefined, "save is disabled while read-only");
  assert.ok(!calls.includes("save"));
  await run("open-shared", "mine");
  assert.equal(store.readOnly, false, "this browser holds the edit key");
  assert.ok(calls.includes('adopt mine {"showLink":true}'));
  await run("save");
  assert.ok(calls.includes("save"));
  assert.equal(await run("open-shared", { id: "mine", revision: 1 }), true);
  assert.equal(store.readOnly, true, "an old revision stays read-only, even for its owner");
});
