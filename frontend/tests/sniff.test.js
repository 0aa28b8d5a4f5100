// Sniffing a pasted text's format.

import { test } from "node:test";
import assert from "node:assert/strict";

import { sniffFormat } from "../src/model/sniff.js";

test("prototxt, YAML and JSON are told apart by their first words", () => {
  assert.equal(sniffFormat('name: "LeNet"\nlayer {\n  name: "data"\n  type: "Input"\n}\n'), "prototxt");
  assert.equal(sniffFormat('name: "old"\nlayers {\n  name: "conv1"\n  type: CONVOLUTION\n}\n'), "prototxt");
  assert.equal(sniffFormat('input: "data"\ninput_dim: 1\ninput_dim: 3\n'), "prototxt");
  assert.equal(sniffFormat("netcanvas: 1\nname: x\nlayers:\n  - {name: d, type: Input}\n"), "yaml");
  assert.equal(sniffFormat("name: x\nlayers:\n  - name: d\n"), "yaml");
  assert.equal(sniffFormat('  {"netcanvas": 1, "layers": []}'), "json");
  assert.equal(sniffFormat('{"netcanvas": 1, "layers": [}'), "json", "broken JSON is still JSON");
  assert.equal(sniffFormat("hello"), null, "text that does not say keeps the chosen format");
});
