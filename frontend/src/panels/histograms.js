// A layer's histograms in the shown run (issue 14, item 3), under the inspector while the
// overlay is on and one layer is selected: weights, gradients and activations, one heat
// strip each (TensorBoard's distributions): a row per epoch, first at the top, each row's
// 30 bins placed on the strip's common value axis and shaded by count (viridis, brighter =
// more). The row of the epoch the overlay shows is outlined. GET
// /api/runs/{id}/histograms/{layer}, asked again at most every few seconds while it runs.

import { formatValue, viridis } from "../model/colour.js";
import { FINISHED } from "../model/training.js";

const KINDS = [
  ["weight_hist", "Weights"],
  ["grad_hist", "Gradients"],
  ["act_hist", "Activations"],
];
const WIDTH = 280;
const REFETCH_MS = 3000;
const MAX_ROWS = 60; // epochs drawn per strip: a long run is sampled
const MAX_HEIGHT = 120;

export class LayerHistograms {
  /**
   * @param {HTMLElement} root  the inspector's .layer-hist element
   * @param {{store: object, trainer: import("../model/trainer.js").Trainer, api: object,
   *   shownEpoch(): number|null}} host  shownEpoch: the epoch the overlay shows
   */
  constructor(root, { store, trainer, api, shownEpoch }) {
    this.root = root;
    this.shownEpoch = shownEpoch;
    this.store = store;
    this.trainer = trainer;
    this.api = api;
    this.key = null; // "run|layer" drawn or asked for
    this.answer = null;
    this.fetchedAt = 0;
    this.asking = false;
    trainer.subscribe(({ id, kind }) => {
      if (kind === "layers" && id === this.store.session.run) this.sync();
    });
  }

  /** What to show: called when the selection, the overlay or the shown run changes. */
  sync() {
    const { overlay, run, selection } = this.store.session;
    let layer = selection.size === 1 ? [...selection][0] : null;
    if (layer && !this.store.doc.layers.some((l) => l.name === layer)) layer = null;
    if (!overlay.on || !run || !layer) {
      this.root.hidden = true;
      this.key = null;
      return;
    }
    this.root.hidden = false;
    const key = `${run}|${layer}`;
    const live = !FINISHED.has(this.trainer.get(run)?.status ?? "done");
    if (key !== this.key) {
      this.key = key;
      this.answer = null;
      if (this.knownWithout(run, layer)) {
        this.message(`No statistics for ${layer} in this run: it has no weights or outputs of its own.`);
        return;
      }
      this.message(`Loading ${layer}'s histograms…`);
      this.fetch(run, layer, key);
    } else if (live && Date.now() - this.fetchedAt > REFETCH_MS) {
      this.fetch(run, layer, key);
    } else if (this.answer) {
      this.draw(this.answer); // the overlay's epoch moved
    }
  }

  /** Whether the statistics the stream brought show the layer has none (an Input). */
  knownWithout(id, layer) {
    const epochs = [...(this.trainer.get(id)?.layers.values() ?? [])].filter((l) => Object.keys(l).length);
    return epochs.length > 0 && epochs.every((layers) => !(layer in layers));
  }

  async fetch(run, layer, key) {
    if (this.asking) return;
    this.asking = true;
    this.fetchedAt = Date.now();
    try {
      const answer = await this.api.histograms(run, layer);
      if (this.key !== key) return;
      this.answer = answer;
      this.draw(answer);
    } catch (error) {
      if (this.key !== key) return;
      this.message(error.status === 404 ? `No statistics for ${layer} in this run (yet).` : `Histograms unavailable: ${error.message}`);
    } finally {
      this.asking = false;
    }
  }

  message(text) {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    this.root.replaceChildren(this.heading(), p);
  }

  heading() {
    const h = document.createElement("h2");
    h.textContent = "Histograms per epoch";
    return h;
  }

  draw(answer) {
    const epochs = answer.epochs ?? [];
    const marked = this.shownEpoch();
    const children = [this.heading()];
    for (const [field, label] of KINDS) {
      const rows = sample(epochs.filter((e) => e[field]?.counts?.length), marked);
      if (!rows.length) continue;
      children.push(strip(label, rows, field, marked));
    }
    if (children.length === 1) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "No histograms recorded for this layer.";
      children.push(p);
    }
    this.root.replaceChildren(...children);
  }
}

/** At most MAX_ROWS epochs, evenly spread, always with the first, the last and the marked one. */
function sample(rows, marked) {
  if (rows.length <= MAX_ROWS) return rows;
  const keep = new Set([0, rows.length - 1]);
  for (let i = 0; i < MAX_ROWS - 2; i += 1) keep.add(Math.round(((i + 1) * (rows.length - 1)) / (MAX_ROWS - 1)));
  const at = rows.findIndex((row) => row.epoch === marked);
  if (at >= 0) keep.add(at);
  return [...keep].sort((a, b) => a - b).map((i) => rows[i]);
}

/** One heat strip: a caption, the canvas, the value axis's ends. */
function strip(label, rows, field, marked) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of rows) {
    lo = Math.min(lo, row[field].low);
    hi = Math.max(hi, row[field].high);
  }
  if (!(hi > lo)) hi = lo + 1e-12;
  const figure = document.createElement("figure");
  figure.className = "hist-strip";
  const caption = document.createElement("figcaption");
  caption.textContent = `${label} · epochs ${rows[0].epoch}–${rows.at(-1).epoch}${rows.length < rows.at(-1).epoch - rows[0].epoch + 1 ? ` (${rows.length} shown)` : ""}`;
  const canvas = document.createElement("canvas");
  const rowHeight = Math.max(2, Math.min(8, Math.floor(MAX_HEIGHT / rows.length)));
  const height = rowHeight * rows.length;
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = WIDTH * ratio;
  canvas.height = height * ratio;
  canvas.setAttribute("aria-label", `${label}: one row per epoch`);
  const context = canvas.getContext("2d");
  if (context) {
    context.scale(ratio, ratio);
    const x = (v) => ((v - lo) / (hi - lo)) * WIDTH;
    rows.forEach((row, r) => {
      const { low, high, counts } = row[field];
      const most = Math.max(...counts, 1);
      const step = (high - low) / counts.length;
      counts.forEach((count, i) => {
        if (!count) return;
        const left = x(low + i * step);
        context.fillStyle = viridis(0.15 + 0.85 * Math.sqrt(count / most));
        context.fillRect(left, r * rowHeight, Math.max(x(low + (i + 1) * step) - left, 1), rowHeight);
      });
      if (row.epoch === marked) {
        context.strokeStyle = "#d55e00";
        context.lineWidth = 1.5;
        context.strokeRect(0.75, r * rowHeight + 0.75, WIDTH - 1.5, rowHeight - 1.5);
      }
    });
  }
  const axis = document.createElement("div");
  axis.className = "hist-axis muted";
  const left = document.createElement("span");
  left.textContent = formatValue(lo);
  const right = document.createElement("span");
  right.textContent = formatValue(hi);
  axis.append(left, right);
  figure.append(caption, canvas, axis);
  return figure;
}
