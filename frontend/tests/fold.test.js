import { test } from "node:test";
import assert from "node:assert/strict";

import { normalize, edges } from "../src/model/document.js";
import { foldView, groupId, validGroups } from "../src/view/fold.js";
import { layeredLayout } from "../src/view/layout.js";

// stem -> three residual blocks (b1, b2, b3) -> head; the service reports b2, b3 as a group
// of 2 copies (the first block differs, like a ResNet stage's projection block).
function residualChain() {
  const layers = [{ name: "data", type: "Input", shape: [1, 8, 8, 8] }];
  let last = "data";
  for (const b of ["b1", "b2", "b3"]) {
    layers.push({ name: `${b}_conv`, type: "Conv2d", out_channels: 8, kernel_size: 3, padding: 1, inputs: [last] });
    layers.push({ name: `${b}_relu`, type: "ReLU", inplace: true });
    layers.push({ name: `${b}_add`, type: "Add", inputs: [`${b}_relu`, last] });
    last = `${b}_add`;
  }
  layers.push({ name: "pool", type: "AdaptiveAvgPool2d", output_size: 1, inputs: [last] });
  return normalize({ name: "res", layers });
}

const GROUPS = [
  { name: "stage", count: 2, copies: [["b2_conv", "b2_relu", "b2_add"], ["b3_conv", "b3_relu", "b3_add"]] },
];

test("a closed group hides all its copies behind one box wired entry -> box -> exit", () => {
  const doc = residualChain();
  const view = foldView(doc, GROUPS);
  assert.deepEqual([...view.hidden].sort(), ["b2_add", "b2_conv", "b2_relu", "b3_add", "b3_conv", "b3_relu"]);
  assert.equal(view.boxes.length, 1);
  const [box] = view.boxes;
  assert.equal(box.label, "stage ×2");
  assert.deepEqual(box.inputs, ["b1_add"]);
  assert.deepEqual(box.outputs, ["pool"]);
  const wires = edges(view.doc).map((e) => `${e.src}>${e.dst}`);
  assert.ok(wires.includes(`b1_add>${groupId(GROUPS[0])}`));
  assert.ok(wires.includes(`${groupId(GROUPS[0])}>pool`));
  assert.ok(!wires.some((w) => w.includes("b2_") || w.includes("b3_")));
  // the stand-in document lays out: the box sits between its entry and its exit
  const pos = layeredLayout(view.doc);
  assert.ok(pos[groupId(GROUPS[0])][1] > pos.b1_add[1]);
  assert.ok(pos.pool[1] > pos[groupId(GROUPS[0])][1]);
});

test("an opened group is drawn as usual; the original document is untouched", () => {
  const doc = residualChain();
  const before = JSON.stringify(doc);
  const view = foldView(doc, GROUPS, new Set(["stage"]));
  assert.equal(view.hidden.size, 0);
  assert.equal(view.boxes.length, 0);
  assert.equal(view.doc.layers.length, doc.layers.length);
  assert.equal(JSON.stringify(doc), before);
});

test("malformed or stale groups (unknown layers, bad shapes) are ignored", () => {
  const doc = residualChain();
  assert.deepEqual(validGroups(null, doc), []);
  assert.deepEqual(validGroups([{ name: "x", count: 2, copies: [["nope"]] }], doc), []);
  assert.deepEqual(validGroups([{ name: "x", count: "2", copies: [["b2_conv"]] }], doc), []);
  assert.equal(validGroups(GROUPS, doc).length, 1);
  assert.equal(foldView(doc, [{ name: "x", copies: [] }]).boxes.length, 0);
});
