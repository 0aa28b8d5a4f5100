// Data-layer shapes set in the browser are kept per Caffe phase.

import { test } from "node:test";
import assert from "node:assert/strict";

import { PhaseShapes, isDataInput } from "../src/model/phases.js";

const read = (shape) => ({
  layers: [
    { name: "mnist", type: "Input", ...(shape ? { shape } : {}), meta: { caffe: { type: "Data" } } },
    { name: "given", type: "Input", shape: [1, 3, 8, 8], meta: { caffe: { type: "Input" } } },
    { name: "conv1", type: "Conv2d" },
  ],
});

test("a shape set in one phase comes back in that phase only, never over the file's", () => {
  assert.equal(isDataInput(read().layers[0]), true);
  assert.equal(isDataInput(read().layers[1]), false, "an Input layer's shape is the file's");
  const shapes = new PhaseShapes();
  shapes.remember("TEST", read([100, 1, 28, 28]));
  const train = read();
  assert.equal(shapes.apply("TRAIN", train), 0);
  assert.equal(train.layers[0].shape, undefined);
  const test_ = read();
  assert.equal(shapes.apply("TEST", test_), 1);
  assert.deepEqual(test_.layers[0].shape, [100, 1, 28, 28]);
  const fromFile = read([7, 1, 5, 5]);
  shapes.apply("TEST", fromFile);
  assert.deepEqual(fromFile.layers[0].shape, [7, 1, 5, 5], "a shape the file says wins");
  shapes.remember("TEST", read());
  assert.equal(shapes.apply("TEST", read()), 0, "a cleared shape is forgotten");
});
