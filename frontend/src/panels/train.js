// The Train panel (issue 13, item 4): the form (trainform.js), Start and Stop (the
// train-start and train-stop commands), the shown run's status (`train-status`), progress
// (`train-progress`, data-value = done fraction), errors in plain words, live charts
// (charts.js), the decision boundary for 2-D data (boundary.js) and the design's runs
// (runs.js). Training logs from elsewhere join the runs (Import logs…, or dropped on the
// runs list: POST /api/logs, issue 15) and the charts' curves leave as a paper figure
// (Figure: POST /api/plot, the file `netcanvas plot` writes). The shown run is session.run;
// what the runs are is the Trainer's.

import { CATEGORICAL } from "../model/colour.js";
import { dataKey } from "../model/trainer.js";
import { FINISHED, describeProgress, progressOf } from "../model/training.js";
import { classColour, drawBoundary } from "./boundary.js";
import { TrainCharts } from "./charts.js";
import { MapsView } from "./maps.js";
import { RunsList } from "./runs.js";
import { TrainForm } from "./trainform.js";

/** Which runs a document lists: its saved design's, or (not saved) those named like it. */
const listKey = (design, doc) => (design?.id ? `design:${design.id}` : `name:${doc.name}`);

export class TrainPanel {
  /**
   * @param {HTMLElement} root  #panel-train
   * @param {{store: object, trainer: import("../model/trainer.js").Trainer, api: object,
   *   run(id: string, argument?: unknown): unknown, enabled(id: string): boolean,
   *   design(): {id: string, revision: number}|null}} host
   */
  constructor(root, host) {
    this.root = root;
    this.host = host;
    const { store, trainer, run } = host;
    this.store = store;
    this.trainer = trainer;
    this.form = new TrainForm(root.querySelector(".train-form"));
    this.charts = new TrainCharts(root.querySelector(".train-charts"));
    this.colours = new Map();
    this.runs = new RunsList(root.querySelector(".train-runs"), {
      trainer,
      api: host.api,
      colourOf: (id) => this.colourOf(id),
      onPick: (id) => run("show-run", id),
      onCompare: () => this.drawCharts(),
    });
    this.maps = new MapsView(root.querySelector(".train-maps"), {
      api: host.api,
      run,
      trainer,
      shown: () => this.store.session.run,
      hasLayer: (name) => this.store.doc.layers.some((layer) => layer.name === name),
    });
    this.startButton = root.querySelector("[data-testid=train-start]");
    this.stopButton = root.querySelector("[data-testid=train-stop]");
    this.status = root.querySelector("[data-testid=train-status]");
    this.progress = root.querySelector("[data-testid=train-progress]");
    this.bar = this.progress.querySelector(".bar");
    this.progressText = root.querySelector(".train-progress-text");
    this.error = root.querySelector(".train-error");
    this.boundary = root.querySelector(".train-boundary");
    this.boundaryCanvas = root.querySelector("canvas.boundary");
    this.boundaryKey = root.querySelector(".boundary-key");
    this.problem = null; // what the last Start or Stop could not do
    this.problemRun = null; // the run shown when it was said
    this.listKey = null; // what the runs list was asked for (listKey)
    this.listTimer = null;

    root.querySelector(".train-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
    this.stopButton.addEventListener("click", () => run("train-stop"));
    root.querySelector(".runs-refresh").addEventListener("click", () => this.refreshList());
    const files = root.querySelector("[data-testid=logs-file]");
    root.querySelector("[data-testid=logs-import]").addEventListener("click", () => files.click());
    files.addEventListener("change", () => {
      this.importLogs([...files.files]);
      files.value = ""; // the same file again is a new import
    });
    const runsBox = root.querySelector(".train-runs");
    runsBox.addEventListener("dragover", (event) => {
      if (!event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault(); // a drop here, not the browser opening the file
      runsBox.classList.add("dropping");
    });
    runsBox.addEventListener("dragleave", () => runsBox.classList.remove("dropping"));
    runsBox.addEventListener("drop", (event) => {
      event.preventDefault();
      event.stopPropagation(); // not the canvas's "open this model" drop
      runsBox.classList.remove("dropping");
      this.importLogs([...(event.dataTransfer?.files ?? [])]);
    });
    root.querySelector("[data-testid=chart-export-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      this.exportFigure();
    });
    trainer.subscribe(({ id, kind }) => this.trainerChanged(id, kind));
  }

  /** The Train tab was shown: the data sets (once), the runs, the charts at their width. */
  shown() {
    this.form.load(this.host.api.datasets).then(() => this.sync());
    this.refreshList();
    this.sync();
  }

  /**
   * A run's colour on the charts, given the first time it is drawn and kept (so a run keeps
   * its colour while others come and go); null for a run never drawn.
   */
  colourOf(id, assign = false) {
    if (assign && !this.colours.has(id)) this.colours.set(id, CATEGORICAL[this.colours.size % CATEGORICAL.length]);
    return this.colours.get(id) ?? null;
  }

  async start() {
    const values = this.form.values();
    if (values.problem) {
      this.setProblem(values.problem);
      return;
    }
    this.setProblem(null);
    const id = await this.host.run("train-start", values);
    if (id) this.refreshList();
  }

  /**
   * Send log files to the server; every run in them joins this design's runs, the first is
   * shown and the rest are ticked for comparison. A file the server refuses says why (with
   * its line) and the others still import.
   * @param {File[]} files
   */
  async importLogs(files) {
    if (!files.length) return;
    const design = this.host.design();
    const ids = [];
    const problems = [];
    for (const file of files) {
      try {
        const answer = await this.host.api.importLogs(file.name, await file.arrayBuffer(), design);
        ids.push(...answer.runs.map((run) => run.id));
      } catch (error) {
        // "history.csv, line 3, column 3: 'zero' is not a number": where, when the server knows.
        const d = error.detail;
        if (d?.line) problems.push(`${file.name}, line ${d.line}, column ${d.column ?? 1}: ${d.message}`);
        else problems.push(`${file.name}: ${error.message}`);
      }
    }
    this.setProblem(problems.length ? `Not imported: ${problems.join("; ")}` : null);
    if (!ids.length) return;
    this.trainer.adopt(ids);
    await this.refreshList();
    for (const id of ids.slice(1)) this.runs.compared.add(id);
    this.host.run("show-run", ids[0]);
    this.problemRun = ids[0]; // the import's problems stay beside the runs it brought
    this.drawCharts();
  }

  /** The runs drawn on the charts as a figure file, with the charts' own view settings. */
  async exportFigure() {
    const runs = this.charts.drawnIds();
    if (!runs.length) {
      this.setProblem("No curves to export yet: train or import a run first.");
      return;
    }
    const form = this.root.querySelector("[data-testid=chart-export-form]");
    const format = form.querySelector("[data-testid=chart-export-format]").value;
    const params = {
      ...this.charts.figureParams(),
      format,
      theme: form.querySelector("[data-testid=chart-export-theme]").value,
    };
    const width = form.querySelector("[data-testid=chart-export-width]").value.trim();
    if (width) params.width = width;
    try {
      const blob = await this.host.api.plot(runs, params);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `curves.${format}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      this.setProblem(null);
    } catch (error) {
      this.setProblem(`The figure could not be made: ${error.message}`);
    }
  }

  setProblem(text) {
    this.problem = text;
    this.showError();
  }

  async refreshList() {
    const design = this.host.design();
    this.listKey = listKey(design, this.store.doc);
    try {
      await this.trainer.list({ design: design?.id ?? null, name: this.store.doc.name });
    } catch (error) {
      this.runs.note.textContent = `The runs could not be listed: ${error.message}`;
      return;
    }
    // Nothing shown, or a run of another design: show this design's newest run (and
    // follow it if it still runs).
    const shown = this.store.session.run;
    const listed = this.trainer.listed;
    const live = shown !== null && shown === this.trainer.active();
    if ((!shown || !listed.includes(shown)) && !live && shown !== (listed[0] ?? null)) {
      this.host.run("show-run", listed[0] ?? null);
    }
  }

  /** The document changed: another design (or name) lists other runs. */
  documentChanged() {
    if (this.listKey === null) return; // the panel has not been opened: nothing listed yet
    if (listKey(this.host.design(), this.store.doc) === this.listKey) return;
    clearTimeout(this.listTimer);
    this.listTimer = setTimeout(() => this.refreshList(), 400);
  }

  trainerChanged(id, kind) {
    if (kind === "list") this.runs.render(this.trainer.listed, this.store.session.run);
    else if (id) this.runs.update(id);
    // A refused start or stop says why (the trainer's words) until the next one.
    if (kind === "start" && !this.trainer.starting) this.setProblem(this.trainer.startError);
    if (id === this.store.session.run) this.showRun(kind);
    else if (id && kind === "loaded" && this.runs.compared.has(id)) this.drawCharts(); // its curves arrived
    if (kind === "status" && FINISHED.has(this.trainer.get(id)?.status)) this.refreshList();
    this.updateButtons();
  }

  /** session.run changed (or the panel was shown): everything about the shown run. */
  sync() {
    const id = this.store.session.run;
    if (this.problem && id !== this.problemRun) this.setProblem(null);
    this.problemRun = id;
    if (id && !this.trainer.get(id)) {
      this.trainer.load(id).catch((error) => this.setProblem(`Run ${id} could not be read: ${error.message}`));
    } else if (id && !FINISHED.has(this.trainer.get(id).status)) {
      this.trainer.follow(id);
    }
    this.runs.render(this.trainer.listed, id);
    this.showRun("all");
    this.updateButtons();
  }

  /** Show the shown run; `kind` says what changed (an event kind, or "all"). */
  showRun(kind) {
    const run = this.trainer.get(this.store.session.run);
    this.status.textContent = run ? run.status : "idle";
    this.showProgress(run);
    if (kind !== "progress" && kind !== "layers") this.showError();
    if (["all", "metrics", "loaded", "list", "status"].includes(kind)) this.drawCharts();
    if (["all", "boundary", "loaded", "list"].includes(kind)) this.showBoundary(run);
  }

  showProgress(run) {
    const p = run ? progressOf(run) : { fraction: 0, epochs: 0 };
    const value = Math.round(p.fraction * 1000) / 1000;
    this.progress.dataset.value = String(value);
    this.progress.setAttribute("aria-valuenow", String(Math.round(value * 100)));
    this.bar.style.setProperty("width", `${value * 100}%`);
    let text = run ? describeProgress(p) : "";
    if (run && FINISHED.has(run.status) && run.note) text = `${text} · ${run.note}`.replace(/^ · /, "");
    this.progressText.textContent = text;
  }

  showError() {
    const run = this.trainer.get(this.store.session.run);
    let text = this.problem;
    if (!text && run?.status === "failed") text = `The run failed: ${run.error ?? "no reason given"}`;
    if (!text && run?.status === "interrupted") text = `The run was interrupted: ${run.error ?? run.note ?? "the server stopped"}`;
    this.error.textContent = text ?? "";
    this.error.hidden = !text;
  }

  drawCharts() {
    const shown = this.store.session.run;
    const ids = [shown, ...[...this.runs.compared].filter((id) => id !== shown)];
    const runs = ids.map((id) => this.trainer.get(id)).filter(Boolean);
    for (const run of runs) this.colourOf(run.id, true);
    this.charts.show(runs, (id) => this.colourOf(id));
    for (const id of this.trainer.listed) this.runs.update(id); // their swatches
  }

  showBoundary(run) {
    const planar = run ? this.form.isPlanar(run.data?.name) || Boolean(run.boundary) : false;
    this.boundary.hidden = !planar;
    if (!planar) return;
    const points = run.points ?? this.trainer.points.get(dataKey(run.data, run.config?.seed)) ?? null;
    this.boundaryCanvas.hidden = !run.boundary;
    if (run.boundary) drawBoundary(this.boundaryCanvas, run.boundary, points);
    const classes = this.form.classes(run.data?.name) ?? [];
    const key = classes.map((label, k) => {
      const span = document.createElement("span");
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.style.setProperty("background", classColour(k));
      span.append(dot, label);
      return span;
    });
    if (!run.boundary) key.push(document.createTextNode(FINISHED.has(run.status) ? " (drawn while a run trains)" : " (after the first epoch)"));
    else key.push(document.createTextNode(` · epoch ${run.boundary.epoch}`));
    this.boundaryKey.replaceChildren(...key);
  }

  updateButtons() {
    this.maps.update();
    this.startButton.disabled = !this.host.enabled("train-start") || !this.form.dataset;
    this.stopButton.disabled = !this.host.enabled("train-stop");
    this.startButton.textContent = this.trainer.starting ? "Starting…" : "Start";
  }
}
