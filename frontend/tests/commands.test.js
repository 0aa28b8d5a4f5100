import { test } from "node:test";
import assert from "node:assert/strict";

import { chordOf, commandForKey, createCommands, runCommand } from "../src/commands/index.js";
import { normalize } from "../src/model/document.js";
import { Store } from "../src/model/store.js";
import { layeredLayout } from "../src/view/layout.js";

function setup() {
  const store = new Store(
    normalize({
      name: "n",
      layers: [
        { name: "data", type: "Input", shape: [1, 3, 8, 8] },
        { name: "conv1", type: "Conv2d" },
        { name: "relu1", type: "ReLU" },
      ],
      view: { positions: { data: [0, 0], conv1: [0, 80], relu1: [0, 160] } },
    }),
  );
  let clip = null;
  const calls = [];
  const commands = createCommands({
    store,
    clipboard: { get: () => clip, set: (c) => (clip = c) },
    view: { zoomToFit: () => calls.push("fit") },
    ui: { rename: (name) => calls.push(`rename:${name}`), notify: () => {} },
  });
  return { store, commands, calls };
}

const key = (k, mods = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

test("keyboard chords map to the documented commands", () => {
  const { commands } = setup();
  const cases = [
    [key("Delete"), "delete"],
    [key("Backspace"), "delete"],
    [key("z", { ctrlKey: true }), "undo"],
    [key("Z", { ctrlKey: true, shiftKey: true }), "redo"],
    [key("y", { ctrlKey: true }), "redo"],
    [key("c", { ctrlKey: true }), "copy"],
    [key("v", { metaKey: true }), "paste"],
    [key("d", { ctrlKey: true }), "duplicate"],
    [key("a", { ctrlKey: true }), "select-all"],
    [key("f"), "zoom-fit"],
    [key("l"), "auto-layout"],
    [key("F2"), "rename"],
    [key("ArrowLeft"), "nudge-left"],
    [key("ArrowDown", { shiftKey: true }), "nudge-down-fine"],
  ];
  for (const [event, id] of cases) {
    assert.equal(commandForKey(commands, event)?.id, id, chordOf(event));
  }
  assert.equal(commandForKey(commands, key("q")), null);
  // A Cyrillic layout: the keys at Y and Z still redo and undo.
  assert.equal(commandForKey(commands, key("н", { ctrlKey: true, code: "KeyY" }))?.id, "redo");
  assert.equal(commandForKey(commands, key("я", { ctrlKey: true, code: "KeyZ" }))?.id, "undo");
});

test("delete is disabled without a selection and undoable with one", () => {
  const { store, commands } = setup();
  assert.equal(runCommand(commands, "delete"), false);
  store.select(["conv1"]);
  assert.equal(runCommand(commands, "delete"), true);
  assert.deepEqual(store.doc.layers.map((l) => l.name), ["data", "relu1"]);
  assert.deepEqual(store.doc.layers[1].inputs, []);
  runCommand(commands, "undo");
  assert.deepEqual(store.doc.layers.map((l) => l.name), ["data", "conv1", "relu1"]);
  assert.deepEqual(store.doc.layers[2].inputs, ["conv1"]);
  runCommand(commands, "redo");
  assert.equal(store.doc.layers.length, 2);
});

test("copy + paste and duplicate add renamed layers and select them", () => {
  const { store, commands } = setup();
  assert.equal(runCommand(commands, "paste"), false, "nothing to paste yet");
  store.select(["conv1", "relu1"]);
  runCommand(commands, "copy");
  runCommand(commands, "paste");
  assert.deepEqual([...store.session.selection], ["conv1_1", "relu1_1"]);
  assert.deepEqual(store.doc.layers.find((l) => l.name === "relu1_1").inputs, ["conv1_1"]);
  runCommand(commands, "duplicate");
  assert.deepEqual([...store.session.selection], ["conv1_2", "relu1_2"]);
  assert.equal(store.doc.layers.length, 7);
  runCommand(commands, "undo");
  runCommand(commands, "undo");
  assert.equal(store.doc.layers.length, 3);
});

test("select all, nudge (one undo step per burst), view commands, rename", async () => {
  const { store, commands, calls } = setup();
  runCommand(commands, "select-all");
  assert.equal(store.session.selection.size, 3);
  runCommand(commands, "nudge-right");
  runCommand(commands, "nudge-right");
  runCommand(commands, "nudge-down-fine");
  assert.deepEqual(store.doc.view.positions.conv1, [20, 81]);
  runCommand(commands, "undo");
  assert.deepEqual(store.doc.view.positions.conv1, [0, 80]);
  runCommand(commands, "zoom-fit");
  // No service to ask: the quick layered layout, as one undo step, then a zoom to fit.
  await commands.get("auto-layout").run();
  assert.deepEqual(store.doc.view.positions, layeredLayout(store.doc));
  assert.equal(store.undoStack.at(-1).label, "Auto-layout");
  assert.equal(runCommand(commands, "rename"), false, "rename needs exactly one node");
  store.select(["relu1"]);
  runCommand(commands, "rename");
  assert.deepEqual(calls, ["fit", "fit", "rename:relu1"]);
});

test("a read-only document disables every editing command", () => {
  const { store, commands } = setup();
  store.readOnly = true;
  store.select(["conv1"]);
  for (const id of ["delete", "duplicate", "paste", "auto-layout", "rename", "nudge-left", "undo"]) {
    assert.equal(commands.get(id).isEnabled(), false, id);
  }
  assert.equal(commands.get("copy").isEnabled(), true);
});
