import { test } from "node:test";
import assert from "node:assert/strict";

import { createCommands, runCommand } from "../src/commands/index.js";
import { annotationShapes, makeAnnotation, renamedIn } from "../src/model/annotations.js";
import { normalize, renameLayer } from "../src/model/document.js";
import { Store } from "../src/model/store.js";

function setup() {
  const store = new Store(
    normalize({
      name: "n",
      layers: [
        { name: "x", type: "Input", shape: [1, 4] },
        { name: "a", type: "Linear" },
        { name: "b", type: "ReLU" },
      ],
    }),
  );
  const errors = [];
  const commands = createCommands({ store, ui: { notify: (m) => errors.push(m) } });
  return { store, commands, errors };
}

test("each kind is made from the selection in the service's schema", () => {
  assert.deepEqual(makeAnnotation("text", ["a", "b"], "hi").note, { type: "text", text: "hi", near: "a", dx: 16, dy: 0 });
  assert.deepEqual(makeAnnotation("arrow", ["b", "a"], "").note, { type: "arrow", from: "b", to: "a" });
  assert.deepEqual(makeAnnotation("highlight", ["a", "b"], "stem").note, { type: "highlight", layers: ["a", "b"], label: "stem" });
  assert.match(makeAnnotation("arrow", ["a"]).error, /two layers/);
});

test("annotate, edit and delete are one undoable step each", () => {
  const { store, commands } = setup();
  store.select(["a", "b"]);
  runCommand(commands, "annotate", { kind: "rect", text: "block" });
  assert.deepEqual(store.doc.view.annotations, [{ type: "rect", layers: ["a", "b"], label: "block" }]);
  runCommand(commands, "edit-annotation", { index: 0, text: "head" });
  assert.equal(store.doc.view.annotations[0].label, "head");
  runCommand(commands, "delete-annotation", 0);
  assert.deepEqual(store.doc.view.annotations, []);
  store.undo();
  store.undo();
  assert.equal(store.doc.view.annotations[0].label, "block");
  store.undo();
  assert.deepEqual(store.doc.view?.annotations ?? [], []);
});

test("a wrong selection says why and changes nothing", () => {
  const { store, commands, errors } = setup();
  store.select(["a"]);
  runCommand(commands, "annotate", { kind: "arrow" });
  assert.match(errors[0], /two layers/);
  assert.equal(store.canUndo(), false);
});

test("renaming a layer renames it in the annotations", () => {
  const { store } = setup();
  store.transact("notes", (tx) => tx.set(["view", "annotations"], [{ type: "arrow", from: "a", to: "b" }, { type: "highlight", layers: ["a"] }]));
  store.transact("rename", (tx) => renameLayer(tx, "a", "fc"));
  assert.deepEqual(store.doc.view.annotations, [{ type: "arrow", from: "fc", to: "b" }, { type: "highlight", layers: ["fc"] }]);
  assert.deepEqual(renamedIn({ type: "text", near: "q", text: "t" }, "a", "z"), { type: "text", near: "q", text: "t" });
});

test("shapes follow the service's geometry and skip notes naming no drawn layer", () => {
  const boxes = { a: { x: 0, y: 0, w: 100, h: 50 }, b: { x: 0, y: 100, w: 100, h: 50 } };
  const shapes = annotationShapes(
    [
      { type: "highlight", layers: ["a", "b"], label: "L" },
      { type: "text", near: "gone", text: "t" },
      { type: "arrow", from: "a", to: "b" },
    ],
    (name) => boxes[name] ?? null,
  );
  assert.deepEqual(shapes.map((s) => s.index), [0, 2]);
  assert.deepEqual(shapes[0].region, { x: -10, y: -10, w: 120, h: 170 });
  assert.deepEqual(shapes[1].path, [[100, 25], [130, 25], [130, 125], [100, 125]]);
});
