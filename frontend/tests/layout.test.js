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
