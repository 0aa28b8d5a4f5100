import { test } from "node:test";
import assert from "node:assert/strict";

import { Analyzer } from "../src/model/analyzer.js";

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test("a burst of edits: the first runs at once, the rest collapse into the last one", async () => {
  const sent = [];
  const results = [];
  const analyzer = new Analyzer({
    request: async (doc) => {
      sent.push(doc.n);
      return { n: doc.n };
    },
    onResult: (result) => results.push(result.n),
    delay: 20,
  });
  for (let n = 1; n <= 5; n += 1) analyzer.schedule({ n });
  await wait(60);
  assert.deepEqual(sent, [1, 5]);
  assert.deepEqual(results, [1, 5]);
  await wait(40);
  analyzer.schedule({ n: 6 });
  await wait(5);
  assert.deepEqual(sent, [1, 5, 6], "after a quiet spell an edit is analysed at once");
});

test("a slow older answer never overwrites a newer one", async () => {
  const results = [];
  const analyzer = new Analyzer({
    request: (doc) => wait(doc.delay).then(() => ({ n: doc.n })),
    onResult: (result) => results.push(result.n),
    delay: 0,
  });
  analyzer.run({ n: 1, delay: 50 });
  analyzer.run({ n: 2, delay: 5 });
  await wait(80);
  assert.deepEqual(results, [2]);
});

test("a primed document is analysed once, and a move does not ask again", async () => {
  const sent = [];
  const analyzer = new Analyzer({
    request: async (doc) => {
      sent.push(doc.tag);
      return {};
    },
    onResult: () => {},
    delay: 0,
  });
  const layers = [{ name: "data", type: "Input", shape: [1, 3] }];
  analyzer.prime({ tag: "primed", layers });
  // the stored document gained positions, but its layers are the same
  analyzer.schedule({ tag: "committed", layers: structuredClone(layers), view: { positions: {} } });
  await wait(10);
  assert.deepEqual(sent, ["primed"]);
  // moving a node (same layers, new positions) needs no new analysis
  analyzer.schedule({ tag: "moved", layers: structuredClone(layers), view: { positions: { data: [1, 2] } } });
  await wait(10);
  assert.deepEqual(sent, ["primed"]);
  // a later edit with different layers is analysed as usual
  analyzer.schedule({ tag: "edited", layers: [...layers, { name: "r", type: "ReLU" }] });
  await wait(10);
  assert.deepEqual(sent, ["primed", "edited"]);
});

test("an answer that came with the import is used, and no request is made for it", async () => {
  const sent = [];
  const results = [];
  const analyzer = new Analyzer({
    request: async (doc) => {
      sent.push(doc.layers.length);
      return { n: doc.layers.length };
    },
    onResult: (result) => results.push(result.n),
    delay: 10,
  });
  const doc = { layers: [{ name: "a" }, { name: "b" }] };
  analyzer.expect(doc);
  analyzer.schedule({ ...doc, view: { positions: { a: [0, 0] } } }); // stored with positions
  analyzer.deliver({ n: "from import" }, doc);
  await wait(30);
  assert.deepEqual(sent, []);
  assert.deepEqual(results, ["from import"]);
  analyzer.schedule({ layers: [{ name: "a" }] }); // a real edit afterwards still asks
  await wait(30);
  assert.deepEqual(sent, [1]);
});
