// The decision boundary of a 2-D data set, TensorFlow Playground style: what the network
// predicts on a 48×48 grid over the data (a `boundary` event), tinted by class, with the
// data's points on top in the full class colours (Okabe-Ito: colour-blind safe, and the
// points keep a dark rim so they read on their own class's tint).

import { CATEGORICAL } from "../model/colour.js";

/** Class colours: orange and blue first, as the Playground draws two classes. */
const CLASS_COLOURS = ["#e69f00", "#0072b2", ...CATEGORICAL.filter((c) => c !== "#e69f00" && c !== "#0072b2")];
const TINT = 0.32; // how much of the class colour the area gets (the rest is white)

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** A class's colour. */
export function classColour(k) {
  return CLASS_COLOURS[((k % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length];
}

/**
 * Draw `boundary` ({size, box: [x0, x1, y0, y1], classes: size×size, row r at
 * y = y0 + r·(y1 − y0)/(size − 1)}) and `points` ([[x, y, label], ...]) on `canvas`.
 * Grid values are cell centres: the drawing spans half a cell beyond the box on each side.
 * @param {HTMLCanvasElement} canvas
 */
export function drawBoundary(canvas, boundary, points) {
  const context = canvas.getContext("2d");
  if (!context) return;
  const side = canvas.clientWidth || 200;
  const ratio = globalThis.devicePixelRatio || 1;
  if (canvas.width !== Math.round(side * ratio)) {
    canvas.width = Math.round(side * ratio);
    canvas.height = Math.round(side * ratio);
  }
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, side, side);
  if (!boundary) return;
  const n = boundary.size;
  const [x0, x1, y0, y1] = boundary.box;
  const dx = (x1 - x0) / (n - 1);
  const dy = (y1 - y0) / (n - 1);

  // The grid as an n×n image (row 0 at the bottom), scaled up smoothly: the Playground look.
  const grid = document.createElement("canvas");
  grid.width = n;
  grid.height = n;
  const gridContext = grid.getContext("2d");
  const image = gridContext.createImageData(n, n);
  for (let r = 0; r < n; r += 1) {
    for (let c = 0; c < n; c += 1) {
      const [red, green, blue] = rgb(classColour(boundary.classes[r * n + c] ?? 0));
      const at = ((n - 1 - r) * n + c) * 4;
      image.data[at] = 255 + (red - 255) * TINT;
      image.data[at + 1] = 255 + (green - 255) * TINT;
      image.data[at + 2] = 255 + (blue - 255) * TINT;
      image.data[at + 3] = 255;
    }
  }
  gridContext.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(grid, 0, 0, side, side);

  const left = x0 - dx / 2;
  const bottom = y0 - dy / 2;
  const sx = side / (n * dx);
  const sy = side / (n * dy);
  context.lineWidth = 0.8;
  context.strokeStyle = "rgba(20, 24, 32, 0.65)";
  for (const [x, y, label] of points ?? []) {
    context.beginPath();
    context.arc((x - left) * sx, side - (y - bottom) * sy, 2.6, 0, Math.PI * 2);
    context.fillStyle = classColour(label);
    context.fill();
    context.stroke();
  }
}
