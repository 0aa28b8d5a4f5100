import { test } from "node:test";
import assert from "node:assert/strict";

import { edgeMarkup, nodeMarkup, portOf } from "../src/view/markup.js";

const state = (inCount, outCount) => ({
  cls: "node cat-merge",
  row: false,
  last: false,
  followers: 0,
  h: 58,
  inCount,
  outCount,
  title: "t",
  type: "Add",
  shape: "1×8",
  error: null,
  transform: "translate(0 0)",
});

/** What the browser would hand portOf: an element answering getAttribute("data-testid"). */
const element = (testid) => ({ getAttribute: (name) => (name === "data-testid" ? testid : null) });

const portIds = (markup) => [...markup.matchAll(/data-testid="(port-[^"]+)"/g)].map((m) => m[1]);

test("every port drawn for a node reads back as its side, node and index", () => {
  // Names may hold dashes and digit tails: only the last "-{i}" is the index.
  for (const name of ["res2a", "res-2a-1", "fc-7", "a:1"]) {
    const ids = portIds(nodeMarkup(name, state(3, 2)));
    assert.deepEqual(
      ids.map((id) => portOf(element(id))),
      [
        { side: "in", node: name, index: 0 },
        { side: "in", node: name, index: 1 },
        { side: "in", node: name, index: 2 },
        { side: "out", node: name, index: 0 },
        { side: "out", node: name, index: 1 },
      ],
    );
  }
});

test("anything that is not a port reads as null", () => {
  assert.equal(portOf(null), null);
  assert.equal(portOf(undefined), null);
  assert.equal(portOf(element("node-conv1")), null);
  assert.equal(portOf(element("shape-conv1")), null);
  assert.equal(portOf(element("port-in-conv1")), null); // no index
  assert.equal(portOf({}), null);
});

test("a node's ports sit at its top and bottom edges, spread evenly", () => {
  const markup = nodeMarkup("n", state(1, 2));
  const circles = [...markup.matchAll(/<circle class="port port-(in|out)" cx="([\d.]+)"(?: cy="([\d.]+)")?/g)];
  assert.deepEqual(
    circles.map(([, side, cx, cy]) => [side, Number(cx), Number(cy ?? 0)]),
    [
      ["in", 86, 0],
      ["out", 172 / 3, 58],
      ["out", (2 * 172) / 3, 58],
    ],
  );
});

test("an edge is one element carrying its hook, class and path", () => {
  const markup = edgeMarkup("a-b", "edge", "M0 0 L1 1");
  assert.equal((markup.match(/</g) ?? []).length, 1);
  assert.match(markup, /^<path class="edge" data-testid="edge-a-b" d="M0 0 L1 1"\/>$/);
});
