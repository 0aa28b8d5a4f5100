import { test } from "node:test";
import assert from "node:assert/strict";

import { apply, reverse, setOp, insertOp, removeOp } from "../src/model/diff.js";
import { Store, emptyDocument } from "../src/model/store.js";

const sample = () => ({
  netcanvas: 1,
  name: "tiny",
  layers: [
    { name: "data", type: "Input", shape: [1, 3, 32, 32], inputs: [] },
    { name: "conv1", type: "Conv2d", out_channels: 16, inputs: ["data"] },
  ],
  view: { positions: { data: [0, 0] } },
});

test("a diff and its reverse restore the original exactly", () => {
  const doc = sample();
  const before = structuredClone(doc);
  const diff = [];
  const op1 = setOp(doc, ["layers", 1, "out_channels"], 32);
  apply(doc, [op1]);
  diff.push(op1);
  const op2 = insertOp(["layers"], 2, { name: "relu1", type: "ReLU", inputs: ["conv1"] });
  apply(doc, [op2]);
  diff.push(op2);
  const op3 = removeOp(doc, ["layers"], 0);
  apply(doc, [op3]);
  diff.push(op3);
  const op4 = setOp(doc, ["view", "positions", "data"], undefined);
  apply(doc, [op4]);
  diff.push(op4);
  assert.equal(doc.layers.length, 2);
  assert.equal(doc.layers[0].out_channels, 32);
  assert.ok(!("data" in doc.view.positions));
  apply(doc, reverse(diff));
  assert.deepEqual(doc, before);
  apply(doc, diff);
  assert.equal(doc.layers[1].name, "relu1");
});

test("diff values are copies, so later edits never leak into history", () => {
  const doc = sample();
  const shape = [1, 1, 8, 8];
  const op = setOp(doc, ["layers", 0, "shape"], shape);
  apply(doc, [op]);
  shape[0] = 99;
  doc.layers[0].shape[1] = 7;
  assert.deepEqual(op.after, [1, 1, 8, 8]);
  assert.deepEqual(op.before, [1, 3, 32, 32]);
});

test("bad operations throw instead of corrupting the document", () => {
  const doc = sample();
  assert.throws(() => apply(doc, [{ op: "insert", path: ["layers"], index: 9, value: {} }]));
  assert.throws(() => apply(doc, [{ op: "remove", path: ["nope"], index: 0 }]));
  assert.throws(() => apply(doc, [{ op: "set", path: ["missing", "deep", "x"], after: 1 }]));
});

test("transact records one history entry per transaction; undo and redo walk it", () => {
  const store = new Store(sample());
  const events = [];
  store.subscribe((event) => events.push(event));
  store.transact("Add relu", (tx) => {
    tx.push(["layers"], { name: "relu1", type: "ReLU", inputs: ["conv1"] });
    tx.set(["view", "positions", "relu1"], [10, 20]);
  });
  store.transact("Widen", (tx) => tx.set(["layers", 1, "out_channels"], 64));
  assert.equal(store.undoStack.length, 2);
  assert.equal(events.filter((e) => e.kind === "document").length, 2);

  assert.ok(store.undo());
  assert.equal(store.doc.layers[1].out_channels, 16);
  assert.equal(store.doc.layers.length, 3);
  assert.ok(store.undo());
  assert.equal(store.doc.layers.length, 2);
  assert.ok(!("relu1" in store.doc.view.positions));
  assert.deepEqual(store.doc, sample());
  assert.equal(store.undo(), false);

  assert.ok(store.redo());
  assert.deepEqual(store.doc.view.positions.relu1, [10, 20]);
  assert.ok(store.redo());
  assert.equal(store.doc.layers[1].out_channels, 64);
  assert.equal(store.redo(), false);
});

test("a new edit after undo drops the redo branch", () => {
  const store = new Store(sample());
  store.transact("A", (tx) => tx.set(["name"], "a"));
  store.undo();
  assert.ok(store.canRedo());
  store.transact("B", (tx) => tx.set(["name"], "b"));
  assert.equal(store.canRedo(), false);
  store.undo();
  assert.equal(store.doc.name, "tiny");
});

test("a throwing transaction is rolled back and leaves no history", () => {
  const store = new Store(sample());
  assert.throws(() =>
    store.transact("Broken", (tx) => {
      tx.set(["name"], "changed");
      tx.remove(["layers"], 0);
      throw new Error("boom");
    }),
  );
  assert.deepEqual(store.doc, sample());
  assert.equal(store.undoStack.length, 0);
});

test("empty transactions are not recorded", () => {
  const store = new Store(sample());
  assert.equal(store.transact("Nothing", () => {}), null);
  assert.equal(store.undoStack.length, 0);
});

test("consecutive transactions with one merge key within a second are one undo step", () => {
  let clock = 0;
  const store = new Store(sample(), { now: () => clock });
  for (const value of [1, 12, 128]) {
    clock += 200;
    store.transact("Set out_channels", (tx) => tx.set(["layers", 1, "out_channels"], value), {
      merge: "conv1.out_channels",
    });
  }
  clock += 5000;
  store.transact("Set out_channels", (tx) => tx.set(["layers", 1, "out_channels"], 7), {
    merge: "conv1.out_channels",
  });
  assert.equal(store.undoStack.length, 2);
  store.undo();
  assert.equal(store.doc.layers[1].out_channels, 128);
  store.undo();
  assert.equal(store.doc.layers[1].out_channels, 16);
});

test("selection, hover and viewport never enter history", () => {
  const store = new Store(sample());
  store.select(["conv1"]);
  store.setHover("data");
  store.setViewport({ x: 10, y: 5, zoom: 2 });
  assert.equal(store.undoStack.length, 0);
  assert.deepEqual(store.session.viewport, { x: 10, y: 5, zoom: 2 });
  store.transact("Remove conv1", (tx) => tx.remove(["layers"], 1));
  store.undo();
  store.redo();
  assert.equal(store.session.selection.has("conv1"), false, "selection pruned of deleted nodes");
});

test("replace swaps the whole document in one undoable step", () => {
  const store = new Store(sample());
  const other = emptyDocument("other");
  store.replace("Open", other);
  assert.deepEqual(store.doc, other);
  store.undo();
  assert.deepEqual(store.doc, sample());
});

test("a read-only store refuses every edit", () => {
  const store = new Store(sample());
  store.readOnly = true;
  assert.equal(store.transact("X", (tx) => tx.set(["name"], "x")), null);
  assert.equal(store.doc.name, "tiny");
  assert.equal(store.canUndo(), false);
});

test("session writes in a transaction undo with it; read-only refuses document writes only", () => {
  const store = new Store(sample());
  const events = [];
  store.subscribe((event) => events.push(event));
  store.transact("Fold and rename", (tx) => {
    tx.session.set(["fold"], { on: true, opened: [] });
    tx.set(["name"], "renamed");
  });
  assert.equal(events.at(-1).kind, "document");
  assert.deepEqual(events.at(-1).keys, ["fold"]);
  store.undo();
  assert.deepEqual(store.session.fold, { on: false, opened: [] });
  assert.equal(store.doc.name, "tiny");
  store.redo();
  assert.equal(store.session.fold.on, true);

  store.readOnly = true;
  const entry = store.transact("Both", (tx) => {
    tx.session.set(["fold", "opened"], ["a"]);
    tx.set(["name"], "nope");
  });
  assert.equal(entry, null, "a document write refuses the whole transaction");
  assert.deepEqual(store.session.fold.opened, [], "rolled back");
  assert.equal(store.doc.name, "renamed");
  store.transact("Open a", (tx) => tx.session.set(["fold", "opened"], ["a"]));
  assert.deepEqual(store.session.fold.opened, ["a"]);
  assert.equal(events.at(-1).kind, "session");
});

test("markClean: clean until the next edit or undo; never marked is not clean", () => {
  const store = new Store();
  assert.equal(store.isClean(), false);
  store.markClean();
  assert.equal(store.isClean(), true);
  store.transact("Rename", (tx) => tx.set(["name"], "x"));
  assert.equal(store.isClean(), false);
  store.markClean();
  store.undo();
  assert.equal(store.isClean(), false);
  store.redo();
  assert.equal(store.isClean(), false, "a redo is an edit since: asking once too often loses nothing");
});

test("history survives a reload: saved, taken back for the same document only", () => {
  const store = new Store();
  store.transact("Rename", (tx) => tx.set(["name"], "a"));
  store.transact("Rename", (tx) => tx.set(["name"], "b"));
  store.undo();
  const saved = JSON.parse(JSON.stringify({ doc: store.doc, history: store.history() }));
  const again = new Store(saved.doc);
  assert.equal(again.restoreHistory(saved.history, { ...saved.doc, name: "other" }), false, "another document");
  assert.equal(again.restoreHistory(saved.history, saved.doc), true);
  again.redo();
  assert.equal(again.doc.name, "b");
  again.undo();
  again.undo();
  assert.equal(again.doc.name, "network");
  // A history too big for the storage keeps its newest steps.
  const big = new Store();
  for (let i = 0; i < 30; i += 1) big.transact(`Step ${i}`, (tx) => tx.set(["name"], "x".repeat(1000) + i));
  const kept = big.history({ chars: 10_000 });
  assert.ok(kept.undo.length < 30 && kept.undo.length > 0);
  assert.equal(kept.undo.at(-1).label, "Step 29");
});

test("a replace of an owned document keeps it for the history uncopied, and edits never reach it", () => {
  const store = new Store(sample());
  const given = sample();
  given.name = "given";
  const kept = structuredClone(given);
  store.replace("Open", given, { owned: true });
  assert.notEqual(store.doc.layers, given.layers, "the document has a copy of its own");
  assert.deepEqual(store.doc.layers, given.layers);
  // Later edits change the document, not what the history holds for the load.
  store.transact("Widen", (tx) => tx.set(["layers", 1, "out_channels"], 64));
  store.transact("Add", (tx) => tx.push(["layers"], { name: "r", type: "ReLU", inputs: ["conv1"] }));
  assert.deepEqual(given, kept);
  const before = store.modelChanges;
  store.transact("Move", (tx) => tx.set(["view", "positions", "data"], [5, 5]));
  assert.equal(store.modelChanges, before, "a move is not a change an analysis reads");
  store.undo();
  store.undo();
  store.undo();
  assert.equal(store.modelChanges, before + 2, "undone edits are changes too");
  store.undo();
  assert.equal(store.doc.name, "tiny");
  store.redo();
  assert.deepEqual(store.doc.layers, kept.layers, "the load is redone as it was");
  store.redo();
  store.redo();
  assert.equal(store.doc.layers.length, 3);
  assert.equal(store.doc.layers[1].out_channels, 64);
  assert.deepEqual(given, kept);
});
