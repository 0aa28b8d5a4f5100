import { test } from "node:test";
import assert from "node:assert/strict";

import { placeDocument } from "../src/commands/documents.js";
import { normalize } from "../src/model/document.js";
import { COLLAPSE_FROM, sceneOf, windowOf } from "../src/view/big.js";
import { childScopes, defaultCollapsed, foldView, scopeGroups } from "../src/view/fold.js";
import { Grid } from "../src/view/grid.js";
import { layeredLayout } from "../src/view/layout.js";

/** A chain of `blocks` residual blocks of 3 layers, block b in module `stage{b / per}.block{b % per}`. */
function stages(blocks, per = 10) {
  const layers = [{ name: "data", type: "Input", shape: [1, 4, 8, 8] }];
  let last = "data";
  for (let b = 0; b < blocks; b += 1) {
    const scope = `stage${Math.floor(b / per)}.block${b % per}`;
    layers.push({ name: `b${b}_conv`, type: "Conv2d", out_channels: 4, kernel_size: 3, padding: 1, inputs: [last], scope });
    layers.push({ name: `b${b}_relu`, type: "ReLU", scope });
    layers.push({ name: `b${b}_add`, type: "Add", inputs: [`b${b}_relu`, last], scope });
    last = `b${b}_add`;
  }
  return normalize({ name: "stages", layers });
}

test("the grid finds exactly the boxes a rectangle overlaps, as a scan of every box does", () => {
  const items = new Map();
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 3000; i += 1) items.set(`n${i}`, { x: random() * 20000 - 5000, y: random() * 20000, w: 172, h: 58 });
  const grid = new Grid(items);
  for (let q = 0; q < 50; q += 1) {
    const x0 = random() * 20000 - 6000;
    const y0 = random() * 20000 - 1000;
    const [x1, y1] = [x0 + random() * 4000, y0 + random() * 3000];
    const scan = [...items].filter(([, it]) => it.x + it.w >= x0 && it.x <= x1 && it.y + it.h >= y0 && it.y <= y1).map(([n]) => n);
    assert.deepEqual([...grid.query(x0, y0, x1, y1)].sort(), scan.sort());
  }
  // A rectangle larger than the whole graph answers every box.
  assert.equal(grid.query(-1e9, -1e9, 1e9, 1e9).size, items.size);
});

test("the window in canvas coordinates follows the viewport and widens by the margin", () => {
  assert.deepEqual(windowOf({ x: -100, y: 50, zoom: 2 }, { width: 800, height: 600 }), [50, -25, 450, 275]);
  assert.deepEqual(windowOf({ x: 0, y: 0, zoom: 0.5 }, { width: 100, height: 100 }, 10), [-20, -20, 220, 220]);
});

test("the scene holds every box once and a segment per wire between drawn boxes", () => {
  const doc = stages(4);
  const positions = layeredLayout(doc);
  const scene = sceneOf(doc, {
    position: (name) => positions[name],
    category: () => "convolution",
    followers: () => 0,
    isRow: () => false,
    lr: false,
  });
  assert.equal(scene.items.size, doc.layers.length);
  // Each block: data->conv, conv->relu, relu->add, skip->add.
  assert.equal(scene.links.length, 4 * 4);
  const [x1, y1, x2, y2] = scene.segments[0];
  const from = positions[scene.links[0].src];
  const to = positions[scene.links[0].dst];
  assert.deepEqual([x1, y1, x2, y2], [from[0] + 86, from[1] + 58, to[0] + 86, to[1]]);
});

test("a big graph opens at the deepest module level that stays readable", () => {
  const doc = stages(60, 10); // 6 stages of 10 blocks: 181 layers
  assert.deepEqual(defaultCollapsed(doc, 50), ["stage0", "stage1", "stage2", "stage3", "stage4", "stage5"]);
  const blocks = defaultCollapsed(doc, 400);
  assert.equal(blocks.length, 60);
  assert.ok(blocks.every((s) => /^stage\d\.block\d$/.test(s)));
  // Even the top level is too many: the top level anyway.
  assert.equal(defaultCollapsed(doc, 3).length, 6);
  // No modules: nothing to collapse.
  assert.deepEqual(defaultCollapsed(normalize({ layers: [{ name: "a", type: "Input", shape: [1, 2] }] })), []);
  // Folded at that level, what is drawn is a handful of boxes.
  const view = foldView(doc, scopeGroups({ ...doc, view: { collapsed: defaultCollapsed(doc, 50) } }));
  assert.equal(view.doc.layers.length, 7);
});

test("opening a big module shows its sub-modules collapsed; a small one opens whole", () => {
  const doc = stages(60, 10);
  assert.equal(childScopes(doc, "stage2", 20).length, 10);
  assert.deepEqual(childScopes(doc, "stage2", 100), []);
});

test("placing a big document collapses its modules; a small one keeps every layer in sight", () => {
  const blocks = Math.ceil(COLLAPSE_FROM / 3) + 1;
  const big = placeDocument({ layers: [], view: {} }, stages(blocks, 50)).doc;
  assert.equal(big.view.collapsed.length, Math.ceil(blocks / 50));
  const small = placeDocument({ layers: [], view: {} }, stages(30, 10)).doc;
  assert.equal(small.view.collapsed, undefined);
  // A document that says what it collapses keeps it.
  const own = stages(blocks, 50);
  own.view.collapsed = [];
  assert.deepEqual(placeDocument({ layers: [], view: {} }, own).doc.view.collapsed, []);
});

test("bookmarked views are kept in the document, flown to, deleted, and undone like edits", async () => {
  const { createCommands, invoke } = await import("../src/commands/index.js");
  const { Store } = await import("../src/model/store.js");
  const { bookmarksOf } = await import("../src/commands/view.js");
  const store = new Store(stages(3));
  const commands = createCommands({ store, api: {}, view: { zoomToFit() {}, centreOn() {} }, ui: { notify() {} } });
  store.setViewport({ x: -120, y: 40, zoom: 0.5 });
  invoke(commands, "add-bookmark", "stem");
  store.setViewport({ x: 300, y: -900.4, zoom: 2 });
  invoke(commands, "add-bookmark");
  assert.deepEqual(bookmarksOf(store.doc), [
    { name: "stem", x: -120, y: 40, zoom: 0.5 },
    { name: "View 2", x: 300, y: -900, zoom: 2 },
  ]);
  invoke(commands, "go-bookmark", 0);
  assert.deepEqual(store.session.viewport, { x: -120, y: 40, zoom: 0.5 });
  invoke(commands, "delete-bookmark", 0);
  assert.deepEqual(bookmarksOf(store.doc).map((m) => m.name), ["View 2"]);
  store.undo();
  assert.deepEqual(bookmarksOf(store.doc).map((m) => m.name), ["stem", "View 2"]);
  // Malformed entries (a hand-edited file) are ignored, not trusted.
  assert.deepEqual(bookmarksOf({ view: { bookmarks: [{ name: "x", x: 1, y: 2, zoom: -1 }, null, { name: 3 }] } }), []);
});

test("thousands of layers outside any module open as sections of 500, each one box", async () => {
  const { parseSection, sectionLabel, sectionOf } = await import("../src/view/sections.js");
  const layers = [{ name: "x", type: "Input", shape: [1, 4] }];
  for (let i = 1; i < 2400; i += 1) layers.push({ name: `r${i}`, type: "ReLU" });
  const doc = normalize({ name: "chain", layers });
  const collapsed = defaultCollapsed(doc);
  assert.deepEqual(collapsed, ["§:0-499", "§:500-999", "§:1000-1499", "§:1500-1999", "§:2000-2399"]);
  assert.deepEqual(parseSection("§:500-999"), { scope: "", first: 500, last: 999 });
  assert.equal(sectionLabel("§:500-999"), "layers 501–1,000");
  const groups = scopeGroups({ ...doc, view: { collapsed } });
  assert.deepEqual(groups.map((g) => g.copies[0].length), [500, 500, 500, 500, 400]);
  assert.equal(groups[1].copies[0][0], "r500");
  // Drawn, the chain is five boxes wired one to the next.
  const view = foldView(doc, groups);
  assert.equal(view.doc.layers.length, 5);
  assert.deepEqual(view.doc.layers[1].inputs, ["group:§:0-499"]);
  // Finding a layer finds the section to open.
  assert.equal(sectionOf(doc, "r1234", collapsed), "§:1000-1499");
  assert.equal(sectionOf(doc, "r1234", ["§:0-499"]), null);
  // A module crowded with its own layers opens onto sections too; inside a collapsed module
  // its sections are not drawn apart.
  const scoped = normalize({ name: "s", layers: layers.map((l, i) => (i ? { ...l, scope: "body" } : l)) });
  assert.equal(childScopes(scoped, "body").length, 5);
  assert.deepEqual(scopeGroups({ ...scoped, view: { collapsed: ["body", "§body:0-499"] } }).map((g) => g.name), ["body"]);
});

test("opening one module lays out only its layers, where its box was; the rest keeps its shape", async () => {
  const { foldedDrawing } = await import("../src/view/fold.js");
  const { UNFOLDED } = await import("../src/model/session.js");
  const doc = stages(60, 10);
  const session = { fold: UNFOLDED, groups: [] };
  const closed = ["stage0", "stage1", "stage2", "stage3", "stage4", "stage5"];
  const before = foldedDrawing({ ...doc, view: { collapsed: closed } }, session);
  const opened = closed.filter((s) => s !== "stage2");
  const after = foldedDrawing({ ...doc, view: { collapsed: opened } }, session, before);
  const was = before.positions;
  const now = after.positions;
  // Above it, nothing moved; below it, everything moved down by one and the same amount.
  for (const name of ["data", "group:stage0", "group:stage1"]) assert.deepEqual(now[name], was[name]);
  const drop = now["group:stage3"][1] - was["group:stage3"][1];
  assert.ok(drop > 0);
  for (const name of ["group:stage4", "group:stage5"]) assert.deepEqual(now[name], [was[name][0], was[name][1] + drop]);
  // The stage's 30 layers sit where its box was, in flow order, clear of the boxes after it.
  const inside = doc.layers.filter((l) => l.scope?.startsWith("stage2.")).map((l) => l.name);
  assert.equal(inside.length, 30);
  const ys = inside.map((n) => now[n][1]);
  assert.equal(Math.min(...ys), was["group:stage2"][1]);
  assert.ok(Math.max(...ys) + 58 < now["group:stage3"][1]);
  assert.ok(now.b21_conv[1] > now.b20_add[1]);
  // A change that is not one box opening is laid out afresh.
  const again = foldedDrawing({ ...doc, view: { collapsed: closed } }, session, after);
  assert.deepEqual(again.positions, was);
});

test("the store counts rewiring changes; a setting, a move or the view leave the count, so a kept drawing is found again", async () => {
  const { Store } = await import("../src/model/store.js");
  const { foldedDrawing } = await import("../src/view/fold.js");
  const { UNFOLDED } = await import("../src/model/session.js");
  const store = new Store(stages(30, 10));
  const session = { fold: UNFOLDED, groups: [] };
  store.transact("collapse", (tx) => tx.set(["view", "collapsed"], ["stage0", "stage1", "stage2"]));
  const start = store.wiring;
  const first = foldedDrawing(store.doc, session, null, `w${store.wiring}`);
  store.transact("width", (tx) => tx.set(["layers", 1, "out_channels"], 8));
  store.transact("move", (tx) => tx.set(["view", "positions", "data"], [5, 5]));
  assert.equal(store.wiring, start);
  assert.equal(foldedDrawing(store.doc, session, first, `w${store.wiring}`), first);
  store.transact("rewire", (tx) => tx.set(["layers", 2, "inputs"], ["data"]));
  assert.equal(store.wiring, start + 1);
  store.undo();
  assert.equal(store.wiring, start + 2);
  store.transact("add", (tx) => tx.push(["layers"], { name: "extra", type: "ReLU", inputs: ["data"] }));
  assert.equal(store.wiring, start + 3);
  // With Fold off the same (empty) groups are passed each time: the drawing is kept.
  const kept = foldedDrawing(store.doc, session, first, "same");
  assert.equal(foldedDrawing(store.doc, { fold: UNFOLDED, groups: [] }, kept, "same"), kept);
});
