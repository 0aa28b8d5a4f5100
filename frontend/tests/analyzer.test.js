import { test } from "node:test";
import assert from "node:assert/strict";

import { Analyzer, loadHooks, mergeAnalysis, nodesByName } from "../src/model/analyzer.js";

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
  analyzer.release(); // the load committed it
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

test("with analyze(): asks since the last ETag for what changed and merges it into a full result", async () => {
  const full = (n) => ({
    name: "net",
    nodes: [
      { name: "x", output_shapes: [[1, 3]], params: 0 },
      { name: "fc", output_shapes: [[1, n]], params: 3 * n },
      { name: "out", output_shapes: [[1, n]], params: 0 },
    ],
    totals: { params: 3 * n, complete: true },
    errors: [],
    warnings: [],
  });
  const asked = [];
  const results = [];
  let holds = true; // whether the server still holds the answer `since` names
  const analyzer = new Analyzer({
    request: () => assert.fail("analyze() is used instead"),
    analyze: async (doc, signal, since) => {
      asked.push(since);
      const etag = `"e${doc.n}"`;
      if (!since || !holds) return { answer: full(doc.n), etag };
      const now = full(doc.n);
      return {
        answer: { name: "net", since, removed: [], nodes: now.nodes.slice(1), totals: now.totals, errors: [], warnings: [] },
        etag,
      };
    },
    onResult: (result) => results.push(result),
    delay: 0,
  });
  await analyzer.run({ n: 4 });
  await analyzer.run({ n: 8 });
  assert.deepEqual(asked, [null, '"e4"']);
  assert.deepEqual(results[1], full(8), "the merged result is the full one");
  assert.equal(results[1].nodes[0], results[0].nodes[0], "unchanged nodes are shared");
  assert.deepEqual(results[0], full(4), "the earlier result is not changed");
  holds = false; // the server answers in full (it no longer holds "e8"): used as it is
  await analyzer.run({ n: 16 });
  assert.deepEqual(results[2], full(16));
  holds = true;
  await analyzer.run({ n: 32 });
  assert.deepEqual(asked, [null, '"e4"', '"e8"', '"e16"']);
  assert.deepEqual(results[3], full(32));
});

test("mergeAnalysis: removed nodes go and a new order is followed", () => {
  const base = { name: "n", nodes: [{ name: "a" }, { name: "b" }, { name: "c" }], totals: { params: 1 } };
  const merged = mergeAnalysis(base, {
    name: "n", since: '"t"', removed: ["b"], order: ["a", "d", "c"],
    nodes: [{ name: "d", params: 2 }], totals: { params: 3 }, errors: [], warnings: [],
  });
  assert.deepEqual(merged, {
    name: "n", nodes: [{ name: "a" }, { name: "d", params: 2 }, { name: "c" }], totals: { params: 3 }, errors: [], warnings: [],
  });
});

test("a 409 for since (the server dropped it) asks again in full; an error forgets the base", async () => {
  const asked = [];
  const analyzer = new Analyzer({
    analyze: async (doc, signal, since) => {
      asked.push(since);
      if (since === '"e1"') throw Object.assign(new Error("gone"), { status: 409 });
      if (doc.n === 3) throw Object.assign(new Error("bad"), { status: 500 });
      return { answer: { name: "net", nodes: [], n: doc.n }, etag: `"e${doc.n}"` };
    },
    onResult: () => {},
    delay: 0,
  });
  await analyzer.run({ n: 1 });
  await analyzer.run({ n: 2 });
  await analyzer.run({ n: 3 });
  await analyzer.run({ n: 4 });
  assert.deepEqual(asked, [null, '"e1"', null, '"e2"', null]);
});

test("a big model's import answer is followed by a background analysis, so its first edit asks only for what changed", async () => {
  const asked = [];
  const results = [];
  const analyzer = new Analyzer({
    request: () => assert.fail("analyze() is used instead"),
    analyze: async (doc, signal, since) => {
      asked.push(since);
      return { answer: { name: "net", nodes: [], totals: {}, errors: [], warnings: [], since }, etag: `"e${doc.layers.length}"` };
    },
    onResult: (result) => results.push(result),
    delay: 0,
    warmAfter: 0,
  });
  const big = { layers: Array.from({ length: 2000 }, (_, i) => ({ name: `l${i}` })) };
  analyzer.expect(big);
  analyzer.deliver({ from: "import" }, big);
  assert.deepEqual(asked, [], "not while the first screen is drawn: its body is ~0.1 s of JSON at 50k layers");
  await wait(5);
  assert.deepEqual(asked, [null]);
  assert.deepEqual(results, [{ from: "import" }], "the background answer is not shown again");
  analyzer.schedule({ layers: big.layers.slice(1) });
  await wait(5);
  assert.deepEqual(asked, [null, '"e2000"']);
  // A small model is not asked for twice.
  const small = new Analyzer({ request: () => {}, analyze: async () => assert.fail("not asked"), onResult: () => {}, delay: 0 });
  small.deliver({}, { layers: [{ name: "a" }] });
  await wait(5);
});

test("while a load commits, schedule() only notes the layers; a load that fails releases the analyzer", async () => {
  const sent = [];
  const analyzer = new Analyzer({ request: async (doc) => sent.push(doc.tag), onResult: () => {}, delay: 0 });
  const hooks = loadHooks(analyzer, { store: { readOnly: false }, view: { setAnalysis: () => {} } });
  hooks.expect({ layers: [] }, { nodes: [] });
  analyzer.schedule({ tag: "committed", layers: [] }, 1);
  hooks.delivered(undefined, { nodes: [] }); // placing the document threw
  await wait(5);
  assert.deepEqual(sent, []);
  analyzer.schedule({ tag: "committed", layers: [] }, 1);
  await wait(5);
  assert.deepEqual(sent, [], "the same key is not asked for again");
  analyzer.schedule({ tag: "edited", layers: [] }, 2);
  await wait(5);
  assert.deepEqual(sent, ["edited"], "released: the next edit is analysed");
});

test("an analysis result's nodes by name are made once and shared", () => {
  const result = { nodes: [{ name: "a" }, { name: "b" }] };
  assert.equal(nodesByName(result), nodesByName(result));
  assert.equal(nodesByName(result).get("b"), result.nodes[1]);
  assert.equal(nodesByName(null).size, 0);
});
