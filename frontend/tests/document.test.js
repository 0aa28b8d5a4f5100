import { test } from "node:test";
import assert from "node:assert/strict";

import {
  connect,
  copyLayers,
  edges,
  normalize,
  parseRef,
  pasteLayers,
  removeLayers,
  renameLayer,
  uniqueName,
  wouldCycle,
} from "../src/model/document.js";
import { Store } from "../src/model/store.js";

const chain = () =>
  normalize({
    name: "chain",
    layers: [
      { name: "data", type: "Input", shape: [1, 3, 8, 8] },
      { name: "a", type: "Conv2d" },
      { name: "b", type: "ReLU" },
      { name: "split", type: "Split" },
      { name: "c", type: "Add", inputs: ["b", "split:1"] },
    ],
  });

test("normalize makes the implicit 'previous layer' input explicit (DESIGN 4)", () => {
  const doc = chain();
  assert.deepEqual(doc.layers.map((l) => l.inputs), [[], ["data"], ["a"], ["b"], ["b", "split:1"]]);
  assert.deepEqual(doc.view.positions, {});
  assert.equal(doc.netcanvas, 1);
});

test("refs: name and name:k", () => {
  assert.deepEqual(parseRef("split:1"), { name: "split", index: 1 });
  assert.deepEqual(parseRef("conv1"), { name: "conv1", index: 0 });
});

test("new names take the lowest free n from 1", () => {
  assert.equal(uniqueName("Conv2d", new Set()), "conv2d1");
  assert.equal(uniqueName("ReLU", new Set(["relu1", "relu3"])), "relu2");
});

test("wouldCycle sees cycles through multiple hops and self-loops", () => {
  const doc = chain();
  assert.equal(wouldCycle(doc, "c", "a"), true);
  assert.equal(wouldCycle(doc, "a", "a"), true);
  assert.equal(wouldCycle(doc, "a", "c"), false);
  assert.equal(wouldCycle(doc, "data", "b"), false);
});

test("connect refuses a cycle and leaves the document untouched", () => {
  const store = new Store(chain());
  let message = null;
  store.transact("Connect", (tx) => {
    message = connect(tx, "c", 0, "a", 0);
  });
  assert.match(message, /cycle/);
  assert.deepEqual(store.doc.layers[1].inputs, ["data"]);
  assert.equal(store.undoStack.length, 0);
});

test("connect replaces a fixed slot and appends to a merge", () => {
  const store = new Store(chain());
  store.transact("Connect", (tx) => connect(tx, "data", 0, "b", 0));
  assert.deepEqual(store.doc.layers[2].inputs, ["data"]);
  store.transact("Connect", (tx) => connect(tx, "a", 0, "c", 0, { variadic: true }));
  assert.deepEqual(store.doc.layers[4].inputs, ["b", "split:1", "a"]);
  assert.equal(edges(store.doc).filter((e) => e.dst === "c").length, 3);
});

test("removing layers removes their edges and positions; undo brings all back", () => {
  const doc = chain();
  doc.view.positions.b = [5, 5];
  const store = new Store(doc);
  store.transact("Delete", (tx) => removeLayers(tx, ["b"]));
  assert.equal(store.doc.layers.length, 4);
  assert.deepEqual(store.doc.layers[2].inputs, []);
  assert.deepEqual(store.doc.layers[3].inputs, ["split:1"]);
  assert.equal(store.doc.view.positions.b, undefined);
  store.undo();
  assert.deepEqual(store.doc, doc);
});

test("rename follows every reference including name:k, and refuses a taken name", () => {
  const store = new Store(chain());
  let ok;
  store.transact("Rename", (tx) => {
    ok = renameLayer(tx, "split", "fork");
  });
  assert.equal(ok, true);
  assert.deepEqual(store.doc.layers[4].inputs, ["b", "fork:1"]);
  store.transact("Rename", (tx) => {
    ok = renameLayer(tx, "fork", "a");
  });
  assert.equal(ok, false);
  store.undo();
  assert.deepEqual(store.doc.layers[4].inputs, ["b", "split:1"]);
});

test("paste gives fresh names and rewires inner references only", () => {
  const doc = chain();
  doc.view.positions = { a: [0, 100], b: [0, 200] };
  const store = new Store(doc);
  const clip = copyLayers(store.doc, ["a", "b"]);
  let added;
  store.transact("Paste", (tx) => {
    added = pasteLayers(tx, clip, [30, 30]);
  });
  assert.deepEqual(added, ["a_1", "b_1"]);
  const a1 = store.doc.layers.find((l) => l.name === "a_1");
  const b1 = store.doc.layers.find((l) => l.name === "b_1");
  assert.deepEqual(a1.inputs, ["data"], "outside reference kept");
  assert.deepEqual(b1.inputs, ["a_1"], "inner reference renamed");
  assert.deepEqual(store.doc.view.positions.b_1, [30, 230]);
});

test("edges with hidden layers leave out every wire that touches one", () => {
  const doc = normalize({
    layers: [
      { name: "x", type: "Input" },
      { name: "a", type: "ReLU" },
      { name: "b", type: "ReLU", inputs: ["a:0"] },
      { name: "c", type: "Add", inputs: ["x", "b"] },
    ],
  });
  assert.equal(edges(doc).length, 4);
  assert.deepEqual(
    edges(doc, new Set(["a", "b"])).map((e) => `${e.src}>${e.dst}`),
    ["x>c"],
  );
});
