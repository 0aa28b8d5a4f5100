import { test } from "node:test";
import assert from "node:assert/strict";

import { controlFor, describeParams, parseField } from "../src/panels/schema.js";

// A schema shaped like pydantic's output for Conv2d (ints, per-axis lists, enums, bools).
const conv = {
  type: "object",
  properties: {
    out_channels: { type: "integer", exclusiveMinimum: 0, default: 64, title: "Out Channels" },
    kernel_size: {
      anyOf: [
        { type: "integer", exclusiveMinimum: 0 },
        { type: "array", items: { type: "integer", exclusiveMinimum: 0 }, minItems: 1, maxItems: 3 },
      ],
      default: 3,
    },
    padding: {
      anyOf: [
        { type: "integer", minimum: 0 },
        { type: "array", items: { type: "integer", minimum: 0 }, minItems: 1, maxItems: 6 },
        { type: "string", enum: ["same", "valid"] },
      ],
      default: 0,
    },
    bias: { type: "boolean", default: true },
    mode: { $ref: "#/$defs/Mode", default: "nearest" },
    padding_idx: { anyOf: [{ type: "integer" }, { type: "null" }], default: null },
  },
  $defs: { Mode: { enum: ["nearest", "bilinear"], type: "string" } },
};

const fields = Object.fromEntries(describeParams(conv).map((f) => [f.key, f]));

test("controls follow the schema types", () => {
  assert.equal(controlFor(fields.out_channels), "number");
  assert.equal(controlFor(fields.bias), "checkbox");
  assert.equal(controlFor(fields.mode), "select");
  assert.equal(controlFor(fields.kernel_size), "text");
  assert.deepEqual(fields.mode.kinds[0].values, ["nearest", "bilinear"]);
});

test("ints honour exclusive bounds", () => {
  assert.deepEqual(parseField(fields.out_channels, "32"), { ok: true, value: 32 });
  assert.equal(parseField(fields.out_channels, "0").ok, false);
  assert.match(parseField(fields.out_channels, "0").error, /at least 1/);
  assert.equal(parseField(fields.out_channels, "2.5").ok, false);
  assert.equal(parseField(fields.out_channels, "abc").ok, false);
});

test("per-axis fields take an int, a list in several spellings, or an enum", () => {
  assert.deepEqual(parseField(fields.kernel_size, "5"), { ok: true, value: 5 });
  assert.deepEqual(parseField(fields.kernel_size, "3, 5"), { ok: true, value: [3, 5] });
  assert.deepEqual(parseField(fields.kernel_size, "[1,7]"), { ok: true, value: [1, 7] });
  assert.deepEqual(parseField(fields.kernel_size, "3×3"), { ok: true, value: [3, 3] });
  assert.equal(parseField(fields.kernel_size, "1, 2, 3, 4").ok, false, "maxItems 3");
  assert.equal(parseField(fields.kernel_size, "3, 0").ok, false, "items are positive");
  assert.deepEqual(parseField(fields.padding, "same"), { ok: true, value: "same" });
  assert.equal(parseField(fields.padding, "middle").ok, false);
});

test("an empty box means the default; nullable fields accept empty", () => {
  assert.deepEqual(parseField(fields.out_channels, ""), { ok: true, value: undefined });
  assert.deepEqual(parseField(fields.padding_idx, ""), { ok: true, value: undefined });
  assert.deepEqual(parseField(fields.padding_idx, "-1"), { ok: true, value: -1 });
});
