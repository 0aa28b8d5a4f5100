import { test } from "node:test";
import assert from "node:assert/strict";

import { createCommands, runCommand } from "../src/commands/index.js";
import { normalize } from "../src/model/document.js";
import { Store } from "../src/model/store.js";

// data -> a -> b -> add;  data -> c -> add;  add -> out;  unrelated island x.
function setup() {
  const store = new Store(
    normalize({
      name: "n",
      layers: [
        { name: "data", type: "Input", shape: [1, 4] },
        { name: "a", type: "Linear", inputs: ["data"] },
        { name: "b", type: "ReLU", inputs: ["a"] },
        { name: "c", type: "Linear", inputs: ["data"] },
        { name: "add", type: "Add", inputs: ["b", "c"] },
        { name: "out", type: "Linear", inputs: ["add"] },
        { name: "x", type: "Input", shape: [1, 4] },
      ],
    }),
  );
  return { store, commands: createCommands({ store }) };
}

test("select upstream takes every layer the selection reads from, transitively", () => {
  const { store, commands } = setup();
  store.select(["b"]);
  assert.ok(runCommand(commands, "select-upstream"));
  assert.deepEqual([...store.session.selection].sort(), ["a", "b", "data"]);
});

test("select downstream takes every layer that reads the selection, transitively", () => {
  const { store, commands } = setup();
  store.select(["c"]);
  assert.ok(runCommand(commands, "select-downstream"));
  assert.deepEqual([...store.session.selection].sort(), ["add", "c", "out"]);
});

test("both need a selection and leave the document unchanged", () => {
  const { store, commands } = setup();
  assert.equal(runCommand(commands, "select-upstream"), false);
  store.select(["add"]);
  runCommand(commands, "select-upstream");
  assert.deepEqual([...store.session.selection].sort(), ["a", "add", "b", "c", "data"]);
  assert.equal(store.canUndo(), false);
});
