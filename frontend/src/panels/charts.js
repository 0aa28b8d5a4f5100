// The Train panel's live charts, `chart-loss` and `chart-accuracy`: training (solid) and
// validation (dashed) curves of the shown run and of the runs ticked for comparison, one
// colour per run, drawn by uPlot (vendored under /vendor/uplot, loaded the first time a
// chart is drawn so the editor's first paint does not wait for it). Each chart's element
// carries data-points (x values drawn), data-series (runs drawn), data-x (step or time) and
// data-x-max (the last x drawn). A log axis for the loss,
// EMA smoothing (model/training.js) and x by epoch (an imported log's step) or wall-clock
// time are the panel's own view settings; `figureParams` gives them to POST /api/plot, so the
// exported figure shows what the charts show.

import { chartData } from "../model/training.js";

const UPLOT = "../../vendor/uplot/uPlot.esm.js";
const UPLOT_CSS = "/vendor/uplot/uPlot.min.css";
const HEIGHT = 140;
const LOG_FLOOR = 1e-6;

let loading = null;

/** uPlot, imported (and its stylesheet linked) once. */
function loadUplot() {
  if (!loading) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = UPLOT_CSS;
    document.head.appendChild(link);
    loading = import(UPLOT).then((module) => module.default);
  }
  return loading;
}

const css = (name, fallback) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

/** An accuracy axis that stays within 0..1 but shows the differences near the top. */
function accuracyRange(_u, min, max) {
  if (min === null || max === null || !Number.isFinite(min)) return [0, 1];
  const lo = Math.max(0, Math.floor((min - 0.02) * 20) / 20);
  const hi = Math.min(1, Math.ceil((max + 0.02) * 20) / 20);
  return [lo, hi > lo ? hi : lo + 0.05];
}

/** A log axis's ticks: the powers of ten in view (uPlot's own add 2..9 × each, too busy here). */
function decades(_u, _axis, min, max) {
  const out = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e += 1) {
    const v = 10 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  return out.length ? out : [min, max];
}

const formatTick = (v) => (v === null ? "" : v >= 0.01 && v < 1e4 ? String(Number(v.toPrecision(2))) : v.toExponential(0));

class Chart {
  /**
   * @param {HTMLElement} element  the chart's container (data-testid chart-loss / chart-accuracy)
   * @param {{keys: string[], label: string, accuracy?: boolean}} kind
   */
  constructor(element, kind) {
    this.element = element;
    this.kind = kind;
    this.plot = null;
    this.signature = "";
    this.readout = document.createElement("div");
    this.readout.className = "chart-readout muted";
    element.after(this.readout);
  }

  /** Draw `runs` (colours by run id): rebuilt when the series change, else new data only. */
  draw(uPlot, runs, colourOf, { log, smoothing, x }) {
    const width = this.element.clientWidth;
    if (!width) return; // hidden: drawn when the panel shows again
    const logAxis = log && !this.kind.accuracy;
    const { data, points } = chartData(runs, this.kind.keys, { smoothing, floor: logAxis ? LOG_FLOOR : null, x });
    // The axes' colours are the interface theme's: a new theme draws the chart again.
    const theme = [css("--muted", ""), css("--line", "")];
    const signature = JSON.stringify([runs.map((r) => [r.id, colourOf(r.id)]), logAxis, theme, x]);
    this.x = x;
    this.runs = runs;
    if (signature !== this.signature || !this.plot) {
      this.plot?.destroy();
      this.plot = new uPlot(this.options(runs, colourOf, logAxis, width, x), data, this.element);
      this.signature = signature;
    } else {
      if (this.plot.width !== width) this.plot.setSize({ width, height: HEIGHT });
      this.plot.setData(data);
    }
    this.element.dataset.points = String(points);
    this.element.dataset.x = x;
    this.element.dataset.xMax = String(data[0].length ? data[0][data[0].length - 1] : "");
    this.element.dataset.series = String(runs.length);
  }

  options(runs, colourOf, logAxis, width, x) {
    const muted = css("--muted", "#667085");
    const line = css("--line", "#d9dde4");
    const font = `11px ${css("--sans", "sans-serif")}`;
    const series = [{ label: x === "time" ? "seconds" : "epoch" }];
    for (const run of runs) {
      for (const key of this.kind.keys) {
        const validation = key.startsWith("val_");
        series.push({
          label: `${run.id} ${key}`,
          stroke: colourOf(run.id),
          width: validation ? 1.5 : 2,
          dash: validation ? [5, 4] : undefined,
          spanGaps: true,
        });
      }
    }
    const axis = { stroke: muted, font, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    return {
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false },
        y: this.kind.accuracy ? { range: accuracyRange } : logAxis ? { distr: 3, log: 10 } : {},
      },
      axes: [
        x === "time"
          ? { ...axis, size: 28, values: (_u, splits) => splits.map((v) => `${formatTick(v)}s`) }
          : { ...axis, size: 28, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 1e4, 2e4, 5e4, 1e5, 1e6] }, // whole epochs or steps
        logAxis ? { ...axis, size: 50, splits: decades, values: (_u, splits) => splits.map(formatTick) } : { ...axis, size: 50 },
      ],
      series,
      hooks: { setCursor: [(u) => this.showReadout(u)] },
    };
  }

  /** "epoch 12 · loss 0.312 · val 0.288" under the chart, for the epoch under the pointer. */
  showReadout(u) {
    const i = u.cursor.idx;
    if (i === null || i === undefined) {
      this.readout.textContent = "";
      return;
    }
    const parts = [this.x === "time" ? `${u.data[0][i]} s` : `epoch ${u.data[0][i]}`];
    u.data.slice(1).forEach((column, k) => {
      const value = column[i];
      if (value === null || value === undefined) return;
      const key = this.kind.keys[k % this.kind.keys.length];
      const run = this.runs[Math.floor(k / this.kind.keys.length)];
      const who = this.runs.length > 1 ? `${run.id.slice(0, 4)} ` : "";
      parts.push(`${who}${key.replace("val_", "val ")} ${Number(value.toPrecision(3))}`);
    });
    this.readout.textContent = parts.join(" · ");
  }
}

export class TrainCharts {
  /** @param {HTMLElement} root  the .train-charts section */
  constructor(root) {
    this.root = root;
    this.loss = new Chart(root.querySelector("[data-testid=chart-loss]"), { keys: ["loss", "val_loss"], label: "loss" });
    this.accuracy = new Chart(root.querySelector("[data-testid=chart-accuracy]"), {
      keys: ["accuracy", "val_accuracy"],
      label: "accuracy",
      accuracy: true,
    });
    this.log = root.querySelector("#chart-log");
    this.smooth = root.querySelector("#chart-smooth");
    this.smoothText = root.querySelector(".chart-smooth-value");
    this.x = root.querySelector("#chart-x");
    this.runs = [];
    this.colourOf = () => "#0072b2";
    this.frame = null;
    this.failed = false;
    this.log.addEventListener("change", () => this.schedule());
    this.x.addEventListener("change", () => this.schedule());
    this.smooth.addEventListener("input", () => {
      this.smoothText.textContent = this.smooth.value;
      this.schedule();
    });
    // The panel's width changes when it is shown or the window is resized.
    new ResizeObserver(() => this.schedule()).observe(root);
    // ... and the light/dark switch changes the axes' colours.
    new MutationObserver(() => this.schedule()).observe(document.body, { attributes: true, attributeFilter: ["class"] });
  }

  /** Show these runs (the shown one first), coloured by colourOf(id). */
  show(runs, colourOf) {
    this.runs = runs;
    this.colourOf = colourOf;
    this.schedule();
  }

  /** The runs drawn now (ids, in legend order). */
  drawnIds() {
    return this.runs.filter((run) => run.metrics.length).map((run) => run.id);
  }

  /** The charts' view settings as POST /api/plot's query (the figure shows what they show). */
  figureParams() {
    const params = { x: this.x.value, smooth: this.smooth.value };
    if (this.log.checked) params.log_y = "true";
    return params;
  }

  /** Draw once per frame, however many events arrived. */
  schedule() {
    if (this.frame !== null || this.failed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.draw();
    });
  }

  async draw() {
    let uPlot;
    try {
      uPlot = await loadUplot();
    } catch (error) {
      this.failed = true;
      const p = document.createElement("p");
      p.className = "train-error";
      p.textContent = `The charts could not load: ${error.message}`;
      this.root.prepend(p);
      return;
    }
    const options = { log: this.log.checked, smoothing: Number(this.smooth.value), x: this.x.value };
    const runs = this.runs.filter((run) => run.metrics.length || run === this.runs[0]);
    this.loss.draw(uPlot, runs, this.colourOf, options);
    this.accuracy.draw(uPlot, runs, this.colourOf, options);
  }
}
