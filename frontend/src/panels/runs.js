// The runs of the current design, newest first: one row each (`run-{id}`) with its status,
// final validation accuracy and time, a checkbox to draw it on the charts beside the shown
// run, a link to the design revision it trained (when it was saved), and its files
// (model.onnx, model.pt, metrics.csv, train.py). Clicking a row shows that run. Rows are
// kept by id and updated in place: a live run changes many times a second.

import { FINISHED, finalAccuracy, formatSeconds } from "../model/training.js";

const FILES = [
  ["model.onnx", "onnx", "The trained network as ONNX, with its weights"],
  ["model.pt", "pt", "The trained weights (a PyTorch state_dict)"],
  ["metrics.csv", "csv", "Every epoch's metrics"],
  ["train.py", "train.py", "A script that trains this network again (torchrun-ready)"],
];

/** "10:16" today, "3 Dec 10:16" another day. */
function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === new Date().toDateString()) return time;
  return `${date.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

/** How long a run took (or has taken). */
function duration(run) {
  if (!FINISHED.has(run.status) && run.progress) return formatSeconds(run.progress.seconds);
  const start = Date.parse(run.created_at ?? "");
  const end = Date.parse(run.updated_at ?? "");
  return Number.isFinite(start) && Number.isFinite(end) && end >= start ? formatSeconds((end - start) / 1000) : "";
}

export class RunsList {
  /**
   * @param {HTMLElement} root  the .train-runs section
   * @param {{trainer: import("../model/trainer.js").Trainer, api: object,
   *   colourOf(id: string): string, onPick(id: string): void, onCompare(): void}} host
   */
  constructor(root, host) {
    this.host = host;
    this.list = root.querySelector(".runs-list");
    this.note = root.querySelector(".runs-note");
    this.rows = new Map(); // id -> {li, parts, key}
    this.compared = new Set();
    this.shown = null;
    this.list.addEventListener("click", (event) => {
      const li = event.target.closest("li[data-run]");
      if (!li || event.target.closest("input, a")) return;
      this.host.onPick(li.dataset.run);
    });
    this.list.addEventListener("keydown", (event) => {
      const li = event.target;
      if (!(li instanceof HTMLLIElement) || (event.key !== "Enter" && event.key !== " ")) return;
      event.preventDefault();
      this.host.onPick(li.dataset.run);
    });
  }

  /** Show these runs (ids, newest first), marking the one shown. */
  render(ids, shown) {
    this.shown = shown;
    const keep = new Set(ids);
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.li.remove();
        this.rows.delete(id);
        this.compared.delete(id);
      }
    }
    ids.forEach((id, i) => {
      const row = this.rows.get(id) ?? this.build(id);
      if (this.list.children[i] !== row.li) this.list.insertBefore(row.li, this.list.children[i] ?? null);
      this.update(id);
    });
    this.note.textContent = ids.length ? "" : "No runs yet: choose the data and press Start.";
  }

  build(id) {
    const li = document.createElement("li");
    li.className = "run-row";
    li.dataset.run = id;
    li.setAttribute("data-testid", `run-${id}`);
    li.tabIndex = 0; // Enter shows the run, as a click does
    const check = document.createElement("input");
    check.type = "checkbox";
    check.title = "Draw this run on the charts too, to compare";
    check.setAttribute("aria-label", `Compare run ${id} on the charts`);
    check.addEventListener("change", () => {
      if (check.checked) this.compared.add(id);
      else this.compared.delete(id);
      this.host.onCompare();
    });
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    const name = document.createElement("span");
    name.className = "run-name";
    const status = document.createElement("span");
    status.className = "run-status";
    const accuracy = document.createElement("span");
    accuracy.className = "run-acc";
    accuracy.title = "Final validation accuracy";
    const line = document.createElement("div");
    line.className = "run-line";
    const time = document.createElement("span");
    time.className = "run-time muted";
    const links = document.createElement("span");
    links.className = "run-links";
    line.append(time, links);
    li.append(check, swatch, name, status, accuracy, line);
    const row = { li, check, swatch, name, status, accuracy, time, links, key: "" };
    this.rows.set(id, row);
    return row;
  }

  /** Refresh one row from what the trainer knows of the run. */
  update(id) {
    const row = this.rows.get(id);
    const run = this.host.trainer.get(id);
    if (!row || !run) return;
    row.li.classList.toggle("shown", id === this.shown);
    row.li.setAttribute("aria-current", String(id === this.shown));
    row.check.checked = this.compared.has(id);
    // The swatch is the run's colour on the charts, while it is drawn there.
    const drawn = id === this.shown || this.compared.has(id);
    const colour = drawn ? this.host.colourOf(id) : null;
    row.swatch.style.setProperty("background", colour ?? "transparent");
    row.swatch.classList.toggle("off", !colour);
    row.name.textContent = [run.name, run.data?.name].filter(Boolean).join(" · ") || id;
    row.name.title = `Run ${id}${run.config?.epochs ? `, ${run.config.epochs} epochs, lr ${run.config.lr}` : ""}`;
    row.status.textContent = run.status;
    row.status.className = `run-status status-${run.status}`;
    if (run.error) row.status.title = run.error;
    const acc = finalAccuracy(run);
    row.accuracy.textContent = acc === null ? "" : `${(acc * 100).toFixed(1)}%`;
    row.time.textContent = [when(run.created_at), duration(run)].filter(Boolean).join(" · ");
    const key = JSON.stringify([run.design, run.artifacts]);
    if (key !== row.key) {
      row.key = key;
      row.links.replaceChildren(...this.links(id, run));
    }
  }

  links(id, run) {
    const out = [];
    if (run.design?.id) {
      const a = document.createElement("a");
      a.href = `/d/${encodeURIComponent(run.design.id)}?revision=${encodeURIComponent(run.design.revision)}`;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = `design r${run.design.revision}`;
      a.title = "Open the design revision this run trained (read-only, in a new tab)";
      out.push(a);
    }
    for (const [file, label, title] of FILES) {
      if (!run.artifacts.includes(file)) continue;
      const a = document.createElement("a");
      a.href = this.host.api.artifactUrl(id, file);
      a.download = file;
      a.textContent = label;
      a.title = `${title} (${file})`;
      a.className = "run-file";
      a.dataset.file = file;
      out.push(a);
    }
    return out;
  }
}
