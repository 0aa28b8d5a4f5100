import { test } from "node:test";
import assert from "node:assert/strict";

import { createCommands, runCommand } from "../src/commands/index.js";
import { normalize } from "../src/model/document.js";
import { Store } from "../src/model/store.js";
import { AZIMUTH, ELEVATION, turned, viewAngles } from "../src/panels/turn.js";

test("a drag turns by half a degree a pixel, within the service's ranges", () => {
  const start = { azimuth: -35, elevation: 20 };
  assert.deepEqual(turned(start, 40, 0), { azimuth: -15, elevation: 20 });
  assert.deepEqual(turned(start, 0, 20), { azimuth: -35, elevation: 10 }); // down tilts down
  assert.deepEqual(turned(start, 10_000, -10_000), { azimuth: AZIMUTH.max, elevation: ELEVATION.max });
  assert.deepEqual(turned(start, -10_000, 10_000), { azimuth: AZIMUTH.min, elevation: ELEVATION.min });
});

test("a document without angles has the service's defaults", () => {
  assert.deepEqual(viewAngles({ layers: [] }), { azimuth: -35, elevation: 20 });
  assert.deepEqual(viewAngles({ view: { style: { azimuth: 10, elevation: -5 } } }), { azimuth: 10, elevation: -5 });
});

test("set-view-angles keeps the style's other settings and undoes in one step", () => {
  const store = new Store(
    normalize({ name: "n", layers: [{ name: "x", type: "Input", shape: [1, 3, 8, 8] }], view: { style: { name: "alexnet", theme: "dark" } } }),
  );
  const commands = createCommands({ store });
  assert.ok(runCommand(commands, "set-view-angles", { azimuth: 12, elevation: -8 }));
  assert.deepEqual(store.doc.view.style, { name: "alexnet", theme: "dark", azimuth: 12, elevation: -8 });
  store.undo();
  assert.deepEqual(store.doc.view.style, { name: "alexnet", theme: "dark" });
});
