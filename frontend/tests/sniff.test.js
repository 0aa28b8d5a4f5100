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

test("ONNX bytes are known by their first bytes, other bytes are not", async () => {
  const { sniffBytes } = await import("../src/model/sniff.js");
  // ir_version 8, then producer_name "pytorch" (field 2, length-delimited).
  const onnx = Uint8Array.from([0x08, 0x08, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68]);
  assert.equal(sniffBytes(onnx), "onnx");
  assert.equal(sniffBytes(new TextEncoder().encode("layer {\n  name: 'x'")), null);
  assert.equal(sniffBytes(Uint8Array.from([0x89, 0x50, 0x4e, 0x47])), null); // a PNG
  assert.equal(sniffBytes(new Uint8Array(0)), null);
});
