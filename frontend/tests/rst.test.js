// The palette help reads the docstrings' reStructuredText.

import { test } from "node:test";
import assert from "node:assert/strict";

import { inlineSegments, rstParagraphs, rstPlain } from "../src/view/rst.js";

test("literals, roles, strong and emphasis become segments; the rest stays text", () => {
  assert.deepEqual(inlineSegments("Input shape: ``[*, in_features]`` (``in_features`` is read)."), [
    { kind: "text", text: "Input shape: " },
    { kind: "code", text: "[*, in_features]" },
    { kind: "text", text: " (" },
    { kind: "code", text: "in_features" },
    { kind: "text", text: " is read)." },
  ]);
  assert.deepEqual(inlineSegments("see :class:`Conv2d` and **not** *this*"), [
    { kind: "text", text: "see " },
    { kind: "code", text: "Conv2d" },
    { kind: "text", text: " and " },
    { kind: "strong", text: "not" },
    { kind: "text", text: " " },
    { kind: "em", text: "this" },
  ]);
  assert.deepEqual(inlineSegments("a * b * c"), [{ kind: "text", text: "a * b * c" }], "a lone star is text");
});

test("paragraphs split at blank lines; plain text drops the markup", () => {
  const doc = "A linear layer.\n\n    Input shape: ``[*, in]``\n    Output: ``[*, out]``.";
  assert.equal(rstParagraphs(doc).length, 2);
  assert.equal(rstPlain(doc), "A linear layer.\n\nInput shape: [*, in]\nOutput: [*, out].");
});
