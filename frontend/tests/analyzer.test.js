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
