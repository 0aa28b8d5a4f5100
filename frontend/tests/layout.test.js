import { test } from "node:test";
import assert from "node:assert/strict";

import { normalize } from "../src/model/document.js";
import { layeredLayout, withPositions } from "../src/view/layout.js";
import { NODE_H, NODE_W } from "../src/view/metrics.js";

const diamond = () =>
  normalize({
    name: "d",
    layers: [
      { name: "data", type: "Input" },
      { name: "a", type: "Conv2d" },
      { name: "b", type: "Conv2d", inputs: ["data"] },
      { name: "sum", type: "Add", inputs: ["a", "b"] },
    ],
  });

test("layers go top to bottom by longest path, siblings side by side without overlap", () => {
  const pos = layeredLayout(diamond());
  assert.equal(pos.data[1], 0);
  assert.equal(pos.a[1], pos.b[1]);
  assert.ok(pos.a[1] >= NODE_H);
  assert.ok(pos.sum[1] > pos.a[1]);
  assert.ok(Math.abs(pos.a[0] - pos.b[0]) >= NODE_W, "siblings do not overlap");
});

test("withPositions keeps placed layers and puts a new one below its input", () => {
  const doc = diamond();
  doc.view.positions = { data: [500, 500], a: [400, 620], b: [600, 620] };
  const out = withPositions(doc);
  assert.deepEqual(out.view.positions.data, [500, 500]);
  assert.deepEqual(out.view.positions.b, [600, 620]);
  assert.equal(out.view.positions.sum[0], 400, "under its first placed input");
  assert.ok(out.view.positions.sum[1] > 620);
  assert.equal(doc.view.positions.sum, undefined, "the input document is not changed");
});

test("left to right (view.style.rankdir LR): ranks step across, a rank stacks down, no overlap", () => {
  const [lay, W, H] = [layeredLayout, NODE_W, NODE_H];
  const doc = {
    view: { style: { rankdir: "LR" } },
    layers: [
      { name: "x", type: "Input", inputs: [] },
      { name: "a", type: "ReLU", inputs: ["x"] },
      { name: "b", type: "ReLU", inputs: ["x"] },
      { name: "sum", type: "Add", inputs: ["a", "b"] },
    ],
  };
  const p = lay(doc);
  assert.ok(p.a[0] >= p.x[0] + W && p.sum[0] >= p.a[0] + W, "each rank right of the one before");
  assert.equal(p.a[0], p.b[0]);
  assert.ok(Math.abs(p.a[1] - p.b[1]) >= H, "a rank's boxes sit above one another");
});
