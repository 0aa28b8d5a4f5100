// Figure settings, Stack and Fold are named commands that undo and redo like any edit.

import { test } from "node:test";
import assert from "node:assert/strict";

import { createCommands, invoke } from "../src/commands/index.js";
import { normalize } from "../src/model/document.js";
import { figureQuery, figureSettings } from "../src/model/figures.js";
import { Store } from "../src/model/store.js";

/** data -> conv1 -> bn1 (in place) -> relu1 (in place) -> conv2 -> relu2 (in place) */
const doc = () =>
  normalize({
    name: "net",
    layers: [
      { name: "data", type: "Input", shape: [1, 3, 8, 8] },
      { name: "conv1", type: "Conv2d" },
      { name: "bn1", type: "BatchNorm2d", inplace: true },
      { name: "relu1", type: "ReLU", inplace: true },
      { name: "conv2", type: "Conv2d" },
      { name: "relu2", type: "ReLU", inplace: true },
    ],
    view: { positions: { data: [0, 0], conv1: [0, 100], bn1: [0, 200], relu1: [0, 300], conv2: [0, 400], relu2: [0, 500] } },
  });

const GROUPS = [{ name: "block", count: 2, copies: [["conv1", "bn1", "relu1"], ["conv2", "relu2"]] }];

function setup({ groups = GROUPS, failLayout = false } = {}) {
  const store = new Store(doc());
  const calls = [];
  const api = {
    layout: async (_doc, params) => {
      calls.push(`layout ${JSON.stringify(params ?? {})}`);
      if (failLayout) throw new Error("service down");
      return { positions: {}, groups };
    },
  };
  const commands = createCommands({
    store,
    api,
    view: { zoomToFit: () => calls.push("fit") },
    ui: { notify: (message, kind = "info") => calls.push(`${kind}: ${message}`) },
  });
  return { store, commands, calls, run: (id, argument) => invoke(commands, id, argument) };
}

test("stack is one undoable step: the setting and its layout; redo brings both back", () => {
  const { store, run, calls } = setup();
  const before = structuredClone(store.doc);
  run("stack");
  assert.equal(store.doc.view.style.stack, true);
  // Followers hang in rows under their head.
  assert.equal(store.doc.view.positions.bn1[0], store.doc.view.positions.conv1[0]);
  assert.notDeepEqual(store.doc.view.positions, before.view.positions);
  assert.deepEqual(calls, ["fit"]);
  const stacked = structuredClone(store.doc);
  run("undo");
  assert.deepEqual(store.doc, before);
  run("redo");
  assert.deepEqual(store.doc, stacked);
  run("stack");
  assert.equal(store.doc.view.style.stack, false);
  assert.equal(store.undoStack.at(-1).label, "Unstack in-place layers");
});

test("stack is refused on a read-only design", () => {
  const { store, commands } = setup();
  store.readOnly = true;
  assert.equal(commands.get("stack").isEnabled(), false);
});

test("fold asks the service for groups, folds as one undoable step, and unfolds", async () => {
  const { store, run, calls } = setup();
  const events = [];
  store.subscribe((event) => events.push(event));
  assert.equal(await run("fold"), true);
  assert.deepEqual(calls, ['layout {"fold":"true"}', "fit", "info: Folded 1 repeated block(s); double-click a box to open it."]);
  assert.deepEqual(store.session.fold, { on: true, opened: [] });
  assert.deepEqual(store.session.groups, GROUPS);
  const folded = events.at(-1);
  assert.equal(folded.kind, "session", "folding is not a document change (nothing to save or analyse)");
  assert.deepEqual(folded.keys, ["fold"]);

  run("undo");
  assert.deepEqual(store.session.fold, { on: false, opened: [] });
  assert.equal(events.at(-1).kind, "session");
  run("redo");
  assert.equal(store.session.fold.on, true);

  run("open-group", "block");
  assert.deepEqual(store.session.fold.opened, ["block"]);
  run("undo");
  assert.deepEqual(store.session.fold.opened, []);

  assert.equal(await run("fold"), true, "a second fold unfolds");
  assert.deepEqual(store.session.fold, { on: false, opened: [] });
  run("undo");
  assert.equal(store.session.fold.on, true);
  assert.deepEqual(store.doc, doc(), "folding never touched the document");
});

test("fold says so when nothing repeats or the service cannot tell", async () => {
  let { store, run, calls } = setup({ groups: [] });
  assert.equal(await run("fold"), false);
  assert.equal(store.session.fold.on, false);
  assert.equal(calls.at(-1), "info: No repeated blocks to fold in this design.");
  assert.equal(store.canUndo(), false);
  ({ store, run, calls } = setup({ failLayout: true }));
  assert.equal(await run("fold"), false);
  assert.equal(calls.at(-1), "error: Cannot find repeated blocks: service down");
});

test("a read-only design still folds (session state), but cannot be edited", async () => {
  const { store, run } = setup();
  store.readOnly = true;
  assert.equal(await run("fold"), true);
  assert.equal(store.session.fold.on, true);
  assert.equal(store.transact("Edit", (tx) => tx.set(["name"], "x")), null);
  assert.equal(store.doc.name, "net");
});

test("auto-layout on a folded canvas unfolds in the same undo step", async () => {
  const { store, run } = setup();
  await run("fold");
  await run("auto-layout");
  assert.equal(store.session.fold.on, false);
  run("undo");
  assert.equal(store.session.fold.on, true);
  assert.deepEqual(store.doc.view.positions, doc().view.positions);
});

test("style and theme are one undoable figure setting each, kept in view.style", () => {
  const { store, run } = setup();
  assert.deepEqual(figureSettings(store.doc), { style: "graph", theme: "light" });
  run("set-figure", { theme: "dark" });
  assert.deepEqual(store.doc.view.style, { name: "graph", theme: "dark" });
  run("set-figure", { style: "blocks" });
  assert.deepEqual(store.doc.view.style, { name: "blocks", theme: "dark" });
  assert.equal(run("set-figure", { style: "blocks" }), null, "no change, no history entry");
  run("undo");
  assert.deepEqual(store.doc.view.style, { name: "graph", theme: "dark" });
  run("undo");
  assert.equal(store.doc.view.style, undefined);
  run("redo");
  run("redo");
  assert.deepEqual(figureSettings(store.doc, store.session), { style: "blocks", theme: "dark" });
});

test("a read-only design keeps its style: the viewer's choice is the session's", () => {
  const { store, run } = setup();
  store.readOnly = true;
  run("set-figure", { style: "fcnn" });
  assert.equal(store.doc.view.style, undefined);
  assert.deepEqual(figureSettings(store.doc, store.session), { style: "fcnn", theme: "light" });
  assert.deepEqual(figureQuery(store.doc, store.session), { style: "fcnn", theme: "light" });
});

test("the figure query asks for fold and stack when they are on", async () => {
  const { store, run } = setup();
  run("stack");
  await run("fold");
  assert.deepEqual(figureQuery(store.doc, store.session), { style: "graph", theme: "light", fold: "true", stack: "true" });
});
