// The overlay bar on the canvas (issue 14): a toggle (`overlay-toggle`), the statistic nodes
// are coloured by, an epoch slider that replays the shown run, and the legend of the scale.
// It reads session.overlay and session.run (view state, written by the `overlay` and
// `show-run` commands), the run's statistics (the Trainer: live `layers` events, else
// GET /api/runs/{id}/layers?epoch=E), the current analysis, or values from a file kept in
// the document's view.overlay ("Values…": POST /api/overlay), and paints the canvas
// through view/heat.js. Off, it costs the canvas nothing: no hook, no paint.

import { formatValue, viridis } from "../model/colour.js";
import { OVERLAY_STATS, documentColours, overlayFlags, overlayScale, overlayValues, statOf } from "../model/overlay.js";
import { FINISHED, latestStatsEpoch } from "../model/training.js";
import { clearHeat, paintHeat } from "../view/heat.js";

export class OverlayBar {
  /**
   * @param {HTMLElement} root  the .overlay-bar element
   * @param {{store: object, view: import("../view/canvas.js").CanvasView,
   *   trainer: import("../model/trainer.js").Trainer, run(id: string, argument?: unknown): unknown,
   *   api: {overlayValues(filename: string, body: ArrayBuffer): Promise<{overlay: object}>},
   *   onEpoch?(epoch: number|null): void}} host  onEpoch: told when the epoch shown changes
   */
  constructor(root, { store, view, trainer, run, api, onEpoch = () => {} }) {
    this.root = root;
    this.store = store;
    this.view = view;
    this.trainer = trainer;
    this.run = run;
    this.toggle = root.querySelector("[data-testid=overlay-toggle]");
    this.controls = root.querySelector(".overlay-controls");
    this.select = root.querySelector("#overlay-stat");
    this.slider = root.querySelector("#overlay-epoch");
    this.epochText = root.querySelector(".overlay-epoch-value");
    this.lo = root.querySelector(".legend-lo");
    this.hi = root.querySelector(".legend-hi");
    this.note = root.querySelector(".overlay-note");
    this.analysis = null;
    this.painted = null; // {colours, flags} while on
    this.pending = new Set(); // "run|epoch" fetches on their way
    this.frame = null;
    this.shown = null; // the epoch painted
    this.onEpoch = onEpoch;
    this.api = api;
    this.problem = null; // why the last file could not be read
    this.documentOverlay = store.doc.view?.overlay ?? null;

    for (const stat of OVERLAY_STATS) {
      const option = document.createElement("option");
      option.value = stat.key;
      option.textContent = stat.source === "analysis" ? `${stat.label} (analysis)` : stat.label;
      this.select.appendChild(option);
    }
    drawRamp(root.querySelector(".legend-ramp"));
    this.toggle.addEventListener("click", () => this.run("overlay"));
    // Values from a file (a profiler's CSV, Model Explorer's node data): into the document.
    this.file = root.querySelector("[data-testid=overlay-file]");
    this.clear = root.querySelector("[data-testid=overlay-clear]");
    root.querySelector("[data-testid=overlay-load]").addEventListener("click", () => this.file.click());
    this.file.addEventListener("change", () => {
      const [file] = this.file.files;
      this.file.value = "";
      if (file) this.load(file);
    });
    this.clear.addEventListener("click", () => this.run("overlay-values", null));
    this.select.addEventListener("change", () => this.run("overlay", { stat: this.select.value }));
    this.slider.addEventListener("input", () => {
      const value = Number(this.slider.value);
      this.run("overlay", { epoch: value >= Number(this.slider.max) ? null : value });
    });
    trainer.subscribe(({ id, kind }) => {
      const { overlay, run: shown } = this.store.session;
      if (overlay.on && id === shown && kind !== "progress" && kind !== "boundary") this.schedule();
    });
  }

  /** The latest analysis (for the params, MACs and memory overlays). */
  setAnalysis(result) {
    this.analysis = result;
    if (this.store.session.overlay.on && statOf(this.store.session.overlay.stat).source === "analysis") this.schedule();
  }

  /** @param {File} file  read by the server (POST /api/overlay), kept in view.overlay */
  async load(file) {
    try {
      const answer = await this.api.overlayValues(file.name, await file.arrayBuffer());
      this.problem = null;
      this.run("overlay-values", answer.overlay);
    } catch (error) {
      const d = error.detail;
      this.problem = d?.line ? `${d.message} (line ${d.line}, column ${d.column})` : error.message;
      this.run("overlay", { on: true, stat: "file" }); // where the reason is shown
      this.schedule();
    }
  }

  /** The document changed: its own overlay values may have. */
  documentChanged() {
    const values = this.store.doc.view?.overlay ?? null;
    if (values === this.documentOverlay) return;
    this.documentOverlay = values;
    this.schedule();
  }

  /** The session's overlay or run changed. */
  sync() {
    this.schedule();
  }

  /** Refresh once per frame, however many events arrive in it. */
  schedule() {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.refresh();
    });
  }

  refresh() {
    const { on, stat: key, epoch } = this.store.session.overlay;
    this.toggle.setAttribute("aria-pressed", String(on));
    this.controls.hidden = !on;
    if (!on) {
      if (this.painted) {
        this.view.afterRender = null;
        clearHeat(this.view);
        this.painted = null;
      }
      return;
    }
    const stat = statOf(key);
    if (this.select.value !== stat.key) this.select.value = stat.key;
    const run = this.trainer.get(this.store.session.run);
    const shown = this.epochControl(run, epoch);
    const layers = run && shown !== null ? this.layersOf(run, shown) : null;
    if (run && shown !== null && !layers && this.painted) {
      // That epoch is on its way: keep the colours shown until it comes (no flicker).
      this.note.textContent = `Loading epoch ${shown}…`;
      return;
    }

    let values = new Map();
    let scale = null;
    const fromFile = stat.source === "document" ? this.store.doc.view?.overlay ?? null : null;
    this.clear.hidden = !this.store.doc.view?.overlay;
    if (stat.source === "document") {
      const { colours, lo, hi } = documentColours(fromFile ?? { values: {} });
      this.painted = { colours, flags: new Map() };
      this.view.afterRender = () => this.paint();
      this.paint();
      this.fileLegend(fromFile, colours, lo, hi);
      return;
    }
    if (stat.source === "analysis") {
      values = overlayValues(stat, { analysis: this.analysis });
      scale = overlayScale(stat, values);
    } else if (layers) {
      values = overlayValues(stat, { layers });
      scale = overlayScale(stat, values, run.layers.values());
    }
    const colours = new Map();
    if (scale && !scale.empty) for (const [name, v] of values) colours.set(name, scale.colour(v));
    this.painted = { colours, flags: overlayFlags(layers) };
    this.view.afterRender = () => this.paint();
    this.paint();
    this.legend(stat, scale, run, shown, layers);
  }

  paint() {
    if (this.painted) paintHeat(this.view, this.painted);
  }

  /** The canvas zoomed: the badges keep their size on screen. */
  zoomed() {
    if (this.painted?.flags.size) this.paint();
  }

  /** Set the slider to the run's epochs; answers the epoch shown (null: nothing to show). */
  epochControl(run, epoch) {
    const last = run ? Math.max(run.metrics.at(-1)?.epoch ?? 0, latestStatsEpoch(run) ?? 0) : 0;
    this.slider.closest(".overlay-epoch").hidden = !run; // no run: nothing to replay
    this.slider.disabled = last < 2;
    this.slider.max = String(Math.max(last, 1));
    let shown = epoch === null ? (last || null) : Math.min(epoch, last);
    // A run still going shows its latest statistics: the epoch being drawn has none yet.
    if (epoch === null && run && !FINISHED.has(run.status)) shown = latestStatsEpoch(run);
    this.slider.value = String(shown ?? last);
    this.epochText.textContent = run ? `${shown ?? "–"}/${last || "–"}` : "–";
    this.root.dataset.epoch = shown === null ? "" : String(shown);
    if (this.shown !== shown) {
      this.shown = shown;
      this.onEpoch(shown);
    }
    return shown;
  }

  /** The run's statistics at `epoch`, or null while they are fetched (refreshed on arrival). */
  layersOf(run, epoch) {
    if (run.layers.has(epoch)) return run.layers.get(epoch);
    const key = `${run.id}|${epoch}`;
    if (!this.pending.has(key)) {
      this.pending.add(key);
      // No statistics (an imported run) come back as none: the nodes stay neutral.
      this.trainer.layersAt(run.id, epoch).finally(() => {
        this.pending.delete(key);
        this.schedule();
      });
    }
    return null;
  }

  fileLegend(overlay, colours, lo, hi) {
    this.slider.closest(".overlay-epoch").hidden = true;
    this.lo.textContent = lo === null ? "" : formatValue(lo);
    this.hi.textContent = hi === null ? "" : formatValue(hi);
    this.root.classList.toggle("empty", !colours.size);
    let note = overlay
      ? `${overlay.label} from a file${overlay.log === false ? "" : ", log scale"} · ${colours.size} layers`
      : "Load a CSV (node,value) or Model Explorer node-data JSON: Values…";
    if (this.problem) note = `Not read: ${this.problem}`;
    this.note.textContent = note;
    this.note.title = note;
    this.root.title = "";
  }

  legend(stat, scale, run, shown, layers) {
    const ready = scale && !scale.empty;
    this.lo.textContent = ready ? formatValue(scale.lo) : "";
    this.hi.textContent = ready ? formatValue(scale.hi) : "";
    this.root.classList.toggle("empty", !ready);
    let note = stat.about;
    if (stat.source === "run" && !run) note = "No run shown: start or pick one in the Train panel.";
    else if (stat.source === "run" && shown === null) note = "No statistics yet: they arrive as epochs end.";
    else if (stat.source === "run" && !layers) note = `Loading epoch ${shown}…`;
    else if (stat.source === "run" && !ready) note = `No ${stat.label.toLowerCase()} at epoch ${shown}.`;
    const flagged = this.painted.flags.size;
    if (flagged) note += ` · ${flagged} layer${flagged > 1 ? "s" : ""} flagged`;
    this.note.textContent = note;
    this.note.title = note;
    this.root.title = stat.source === "run" && run ? `Run ${run.name ?? run.id} (${run.id})` : "";
  }
}

/** The legend's colour ramp, drawn once. */
function drawRamp(canvas) {
  const context = canvas.getContext("2d");
  if (!context) return;
  for (let x = 0; x < canvas.width; x += 1) {
    context.fillStyle = viridis(x / (canvas.width - 1));
    context.fillRect(x, 0, 1, canvas.height);
  }
}
