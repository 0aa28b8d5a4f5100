// The formats and figure catalogues as the editor reads them, and the viewport maths.

import { test } from "node:test";
import assert from "node:assert/strict";

import { figureSettings, ineffective } from "../src/model/figures.js";
import { acceptList, exportFormats, exportLabel, fileName, formatForFile } from "../src/model/formats.js";
import { MAX_ZOOM, centreViewport, fitViewport, wheelFactor, zoomAround } from "../src/view/viewport.js";

// The shape GET /api/formats answers, with one format the editor has never heard of.
const FORMATS = [
  { name: "yaml", kind: "model", extensions: [".yaml", ".yml"], media_type: "application/yaml", readable: true, writable: true, binary: false },
  { name: "prototxt", kind: "model", extensions: [".prototxt", ".pt"], media_type: "text/plain", readable: true, writable: true, binary: false },
  { name: "onnx", kind: "model", extensions: [".onnx"], media_type: "application/onnx", readable: true, writable: true, binary: true },
  { name: "pytorch", kind: "model", extensions: [".py"], media_type: "text/x-python", readable: false, writable: true, binary: false },
  { name: "keras", kind: "model", extensions: [".keras.py"], media_type: "text/x-python", readable: false, writable: true, binary: false },
  { name: "tflite", kind: "model", extensions: [".tflite"], media_type: "application/octet-stream", readable: true, writable: false, binary: true },
  { name: "svg", kind: "figure", extensions: [".svg"], media_type: "image/svg+xml", readable: false, writable: true, binary: false },
  { name: "png", kind: "figure", extensions: [".png"], media_type: "image/png", readable: false, writable: true, binary: true },
];

test("what opens: every readable extension, the longest match deciding", () => {
  assert.equal(acceptList(FORMATS), ".yaml,.yml,.prototxt,.pt,.onnx,.tflite");
  assert.equal(formatForFile(FORMATS, "ResNet.PROTOTXT").name, "prototxt");
  assert.equal(formatForFile(FORMATS, "m.tflite").name, "tflite", "a new format needs no editor change");
  assert.equal(formatForFile(FORMATS, "net.py"), null, "written, not read");
  assert.equal(formatForFile(FORMATS, "notes.txt"), null);
  const longest = [
    { name: "py", extensions: [".py"], readable: true },
    { name: "kpy", extensions: [".keras.py"], readable: true },
  ];
  assert.equal(formatForFile(longest, "a.keras.py").name, "kpy");
});

test("what exports: figures, then writable models, each once", () => {
  const { figures, models } = exportFormats(FORMATS);
  assert.deepEqual(figures.map((f) => f.name), ["svg", "png"]);
  assert.deepEqual(models.map((f) => f.name), ["yaml", "prototxt", "onnx", "pytorch", "keras"]);
  assert.equal(exportLabel(figures[0]), "Figure · SVG");
  assert.equal(exportLabel(models[2]), "Model · onnx");
  assert.equal(exportLabel({ ...models[2], label: "ONNX model" }), "ONNX model");
});

test("download names: the design's name and the format's extension", () => {
  assert.equal(fileName("small net", "yaml", FORMATS), "small_net.yaml");
  assert.equal(fileName("small net", "svg", FORMATS), "small_net.svg");
  assert.equal(fileName("", "onnx", FORMATS), "network.onnx");
  // Two formats end in .py: told apart in the stem, so both stay importable module names.
  assert.equal(fileName("net", "pytorch", FORMATS), "net_pytorch.py");
  assert.equal(fileName("net", "keras", FORMATS), "net_keras.py");
  assert.equal(fileName("net", "unknown", FORMATS), "net.unknown");
});

const FIGURES = {
  styles: [
    { name: "graph", label: "Graph", folds: true, stacks: true },
    { name: "fcnn", label: "FCNN", folds: false, stacks: false },
  ],
  themes: [{ name: "light", label: "Light" }],
};

test("a toggle the chosen style ignores is said to be", () => {
  assert.equal(ineffective(FIGURES, "graph", "stacks"), null);
  assert.match(ineffective(FIGURES, "fcnn", "stacks"), /^Stack has no effect in the FCNN style/);
  assert.match(ineffective(FIGURES, "fcnn", "folds"), /^Fold has no effect in the FCNN style/);
  assert.equal(ineffective(null, "fcnn", "folds"), null, "not known before the catalogue is in");
  assert.deepEqual(figureSettings({ view: { style: { name: "fcnn" } } }), { style: "fcnn", theme: "light" });
});

test("zoom to fit centres the drawing, never magnifies, and starts a tall one at its top", () => {
  const size = { width: 1000, height: 600 };
  const small = fitViewport({ x0: 0, y0: 0, x1: 200, y1: 100 }, size);
  assert.deepEqual(small, { zoom: 1, x: 400, y: 250 });
  const wide = fitViewport({ x0: 0, y0: 0, x1: 1840, y1: 100 }, size);
  assert.equal(wide.zoom, 0.5);
  assert.equal(wide.x + 920 * wide.zoom, 500, "centred across");
  const tall = fitViewport({ x0: 0, y0: 0, x1: 100, y1: 100000 }, size);
  assert.equal(tall.zoom, 0.02);
  assert.equal(tall.y, 40, "the top, one padding below the edge");
  assert.deepEqual(centreViewport([100, 50], size, 2), { x: 300, y: 200 });
});

test("zooming around a point keeps the canvas point under it, within the zoom range", () => {
  const before = { x: 100, y: 50, zoom: 1 };
  const at = [300, 250];
  const after = zoomAround(before, at, 2);
  const canvasPoint = (v) => [(at[0] - v.x) / v.zoom, (at[1] - v.y) / v.zoom];
  assert.deepEqual(canvasPoint(after), canvasPoint(before));
  assert.equal(zoomAround(before, at, 100).zoom, MAX_ZOOM);
  assert.ok(wheelFactor(-4) > 1 && wheelFactor(100) < 1, "up zooms in, down zooms out");
  assert.ok(wheelFactor(-4) ** 25 > wheelFactor(-100), "a pinch's small steps add up faster than a notch");
});
