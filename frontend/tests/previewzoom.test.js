// The figure preview's zoom keeps the point under the pointer where it is.

import { test } from "node:test";
import assert from "node:assert/strict";

import { zoomAt } from "../src/panels/previewzoom.js";

test("zooming around a point keeps it fixed; zooming out past fit resets", () => {
  const start = { x: 0, y: 0, zoom: 1 };
  const z = zoomAt(start, [100, 50], 2);
  assert.equal(z.zoom, 2);
  // The figure point under (100, 50) was (100, 50); it is still under the pointer.
  assert.deepEqual([(100 - z.x) / z.zoom, (50 - z.y) / z.zoom], [100, 50]);
  assert.deepEqual(zoomAt(z, [10, 10], 0.1), { x: 0, y: 0, zoom: 1 });
  assert.equal(zoomAt(start, [0, 0], 1000).zoom, 40, "bounded");
});
