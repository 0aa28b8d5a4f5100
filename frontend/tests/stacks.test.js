import { test } from "node:test";
import assert from "node:assert/strict";

import { normalize } from "../src/model/document.js";
import { layeredLayout } from "../src/view/layout.js";
import { NODE_H, ROW_H, boxHeight } from "../src/view/metrics.js";
import { anchorOf, findStacks } from "../src/view/stacks.js";

// Caffe's pattern: conv -> bn -> scale -> relu, the last three in place, then a branch.
const caffeBlock = () =>
  normalize({
    name: "block",
    layers: [
      { name: "data", type: "Input", shape: [1, 3, 8, 8] },
      { name: "conv1", type: "Conv2d", out_channels: 4, kernel_size: 3 },
      { name: "bn1", type: "BatchNorm2d", inplace: true },
      { name: "scale1", type: "Scale", inplace: true },
      { name: "relu1", type: "ReLU", inplace: true },
      { name: "a", type: "Conv2d", out_channels: 4, kernel_size: 1, inputs: ["relu1"] },
      { name: "b", type: "Conv2d", out_channels: 4, kernel_size: 1, inputs: ["relu1"] },
      { name: "sum", type: "Add", inputs: ["a", "b"] },
      { name: "relu2", type: "ReLU", inplace: true },
    ],
  });

test("in-place followers on a single consumer stack under their producer, in order", () => {
  const { head, members } = findStacks(caffeBlock());
  assert.deepEqual(members.get("conv1"), ["bn1", "scale1", "relu1"]);
  assert.deepEqual(members.get("sum"), ["relu2"]);
  assert.equal(head.get("relu1"), "conv1");
  assert.equal(anchorOf({ head, members }, "scale1"), "conv1");
  assert.equal(anchorOf({ head, members }, "a"), "a");
  assert.equal(members.size, 2, "a and b are not in place: they stay boxes of their own");
});

test("a layer that is not in place, or whose producer has two consumers, starts its own box", () => {
  const doc = caffeBlock();
  doc.layers.find((l) => l.name === "scale1").inplace = false;
  doc.layers.push({ name: "side", type: "ReLU", inplace: true, inputs: ["conv1"] });
  const { head, members } = findStacks(doc);
  // conv1 now has two consumers (bn1 and side): nothing stacks on it.
  assert.equal(members.has("conv1"), false);
  assert.equal(head.has("bn1"), false);
  assert.equal(head.has("side"), false);
  // relu1 still stacks on scale1, its only reader.
  assert.deepEqual(members.get("scale1"), ["relu1"]);
});

test("stacked layout: one tall box per stack, followers in rows under the head, no overlap", () => {
  const doc = caffeBlock();
  doc.view.style = { stack: true };
  const pos = layeredLayout(doc);
  const [cx, cy] = pos.conv1;
  assert.deepEqual(pos.bn1, [cx, cy + NODE_H]);
  assert.deepEqual(pos.scale1, [cx, cy + NODE_H + ROW_H]);
  assert.deepEqual(pos.relu1, [cx, cy + NODE_H + 2 * ROW_H]);
  // the branches start below the whole stack, not below the head alone
  assert.ok(pos.a[1] >= cy + boxHeight(3), `${pos.a[1]} below ${cy + boxHeight(3)}`);
  assert.equal(pos.a[1], pos.b[1]);
  assert.ok(pos.sum[1] > pos.a[1]);
  // without stacking every layer has its own rank
  const flat = layeredLayout(caffeBlock());
  assert.ok(flat.relu1[1] > flat.scale1[1] && flat.scale1[1] > flat.bn1[1]);
});

test("stacking a 670-layer chain of conv/bn/scale/relu leaves a quarter of the boxes", () => {
  const layers = [{ name: "data", type: "Input", shape: [1, 3, 8, 8] }];
  for (let i = 0; i < 167; i += 1) {
    layers.push({ name: `conv${i}`, type: "Conv2d", out_channels: 4, kernel_size: 1 });
    for (const t of ["BatchNorm2d", "Scale", "ReLU"]) {
      layers.push({ name: `${t}${i}`, type: t, inplace: true });
    }
  }
  const doc = normalize({ name: "chain", layers });
  const { head } = findStacks(doc);
  assert.equal(doc.layers.length - head.size, 168);
  doc.view.style = { stack: true };
  const t0 = performance.now();
  const pos = layeredLayout(doc);
  assert.ok(performance.now() - t0 < 200, "linear for a chain");
  assert.equal(Object.keys(pos).length, doc.layers.length);
});
