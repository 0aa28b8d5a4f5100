// Canvas edge routing: a wire that would run behind other layers' boxes goes beside them.

import { test } from "node:test";
import assert from "node:assert/strict";

import { curve } from "../src/view/markup.js";
import { LANE_PAD, Obstacles, curveHits, freeLane, routeEdge, transposed } from "../src/view/route.js";

const box = (name, x, y) => ({ name, x, y, w: 172, h: 58 });
// A residual block: a column of three boxes between the shortcut's ends.
const column = [box("src", 0, 0), box("a", 0, 100), box("b", 0, 200), box("c", 0, 300), box("add", 0, 400)];

test("a shortcut down a column runs in a lane beside it", () => {
  const obstacles = new Obstacles(column);
  const d = routeEdge([86, 58], [86, 400], obstacles, new Set(["src", "add"]));
  assert.notEqual(d, curve([86, 58], [86, 400]));
  const lane = 172 + LANE_PAD;
  assert.match(d, new RegExp(`L${lane} `), "the vertical run is beside the boxes, on the right");
  // Its turns happen in the gaps before the first and after the last box in the way.
  const ys = [...d.matchAll(/[ML]?(-?[\d.]+) (-?[\d.]+)/g)].map((m) => Number(m[2]));
  assert.ok(ys.every((y) => y >= 58 && y <= 400));
});

test("a wire with nothing in its way keeps its plain curve", () => {
  const obstacles = new Obstacles(column);
  assert.equal(routeEdge([86, 58], [86, 100], obstacles, new Set(["src", "a"])), curve([86, 58], [86, 100]));
  // A box beside the way (the other branch) is no obstacle.
  const side = new Obstacles([...column, box("other", 400, 150)]);
  assert.equal(curveHits([86, 158], [86, 200], side.between(158, 200, new Set(["a", "b"]))), false);
});

test("the lane clears every box in the way, on the cheaper side", () => {
  // Two boxes side by side in the way: the lane goes round both, not between them.
  const rects = [box("a", 0, 100), box("b", 180, 100)];
  const lane = freeLane(86, 86, rects);
  assert.equal(lane, -LANE_PAD, "left of the pair is closer to both ends");
  assert.ok(rects.every((r) => lane <= r.x - LANE_PAD || lane >= r.x + r.w + LANE_PAD));
});

test("boxes are found by their vertical span, attached ones ignored", () => {
  const obstacles = new Obstacles(column);
  const names = obstacles.between(58, 400, new Set(["src", "add"])).map((r) => r.name);
  assert.deepEqual(names, ["a", "b", "c"]);
});

test("left to right: a shortcut along a row runs in a lane below or above it", () => {
  const row = [box("src", 0, 0), box("a", 240, 0), box("b", 480, 0), box("add", 720, 0)];
  const d = routeEdge([172, 29], [720, 29], new Obstacles(transposed(row)), new Set(["src", "add"]), true);
  assert.notEqual(d, curve([172, 29], [720, 29], true));
  const ys = [...d.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map((m) => Number(m[2]));
  assert.ok(ys.some((y) => y >= 58 + LANE_PAD || y <= -LANE_PAD), `a lane clear of the row: ${d}`);
});
