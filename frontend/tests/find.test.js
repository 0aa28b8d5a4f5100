import assert from "node:assert/strict";
import { test } from "node:test";

import { findLayers } from "../src/panels/find.js";

const doc = {
  layers: [
    { name: "x", type: "Input" },
    { name: "layer1.0.conv1", type: "Conv2d", scope: "layer1.0" },
    { name: "conv", type: "Conv2d" },
    { name: "head", type: "Linear", scope: "classifier" },
  ],
};

test("names, types and modules match, exact and prefix names first", () => {
  assert.deepEqual(findLayers(doc, "conv").map((l) => l.name), ["conv", "layer1.0.conv1"]);
  assert.deepEqual(findLayers(doc, "LINEAR").map((l) => l.name), ["head"]);
  assert.deepEqual(findLayers(doc, "classif").map((l) => l.name), ["head"]);
  assert.deepEqual(findLayers(doc, "  "), []);
});
