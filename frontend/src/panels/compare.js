// Compare the design with another network (issue 20, item 9): the design as it was a moment
// ago (a snapshot), its last saved revision, or a model file. The service's /api/diff (the
// same as `netcanvas diff`) says which layers were added, removed, renamed or changed and
// what that does to the parameters and MACs; the canvas marks the layers, the panel lists
// them with their deltas, and every edit is compared again, so "change it, see what it
// costs" needs no second window.

import { formatOfFile } from "../model/formats.js";

const AGAIN_MS = 300;
const MARKS = { added: "diff-added", changed: "diff-changed", renamed: "diff-renamed" };

const signed = (n) => (n > 0 ? `+${n.toLocaleString("en")}` : n.toLocaleString("en"));

/** The marks the canvas shows for a diff: layer name -> class (removed ones are not drawn). */
export function diffMarks(diff) {
  return new Map(diff.layers.filter((c) => MARKS[c.status]).map((c) => [c.name, MARKS[c.status]]));
}

/** One line saying what a change is: its settings, shape, rename, and costs. */
export function describeChange(change) {
  const parts = Object.entries(change.settings ?? {}).map(
    ([key, [was, now]]) => `${key} ${JSON.stringify(was)} → ${JSON.stringify(now)}`,
  );
  if (change.renamed_from) parts.unshift(`was ${change.renamed_from}`);
  if (change.shape) parts.push(`shape ${(change.shape[0] ?? ["?"]).join("×")} → ${(change.shape[1] ?? ["?"]).join("×")}`);
  return parts.join("; ");
}

export class ComparePanel {
  /** host: {store, view, api, formats (promise), design(): {id, revision}|null, run, notify} */
  constructor(bar, wrap, host) {
    this.host = host;
    this.base = null; // {doc, label}
    this.timer = null;
    this.sequence = 0;
    this.button = bar.querySelector("[data-testid=compare]");
    this.menu = bar.querySelector("[data-testid=compare-menu]");
    this.file = bar.querySelector("[data-testid=compare-file-input]");
    this.panel = wrap.querySelector("[data-testid=compare-panel]");
    this.button.addEventListener("click", () => this.toggleMenu());
    this.menu.addEventListener("click", (event) => {
      const choice = event.target.closest("button")?.dataset.testid;
      this.menu.hidden = true;
      if (choice === "compare-snapshot") this.compareWith(structuredClone(host.store.doc), "the design as it was");
      if (choice === "compare-saved") this.withSaved();
      if (choice === "compare-file") this.file.click();
    });
    this.file.addEventListener("change", () => {
      if (this.file.files[0]) this.withFile(this.file.files[0]);
      this.file.value = "";
    });
    this.panel.querySelector("[data-testid=compare-close]").addEventListener("click", () => this.close());
    this.panel.addEventListener("click", (event) => {
      const name = event.target.closest("[data-layer]")?.dataset.layer;
      if (name) host.run("reveal", name);
    });
  }

  toggleMenu() {
    this.menu.hidden = !this.menu.hidden;
    const saved = this.host.design();
    this.menu.querySelector("[data-testid=compare-saved]").disabled = !saved;
  }

  async withSaved() {
    const saved = this.host.design();
    if (!saved) return;
    try {
      const answer = await this.host.api.designRevision(saved.id, saved.revision);
      this.compareWith(answer.document, `saved revision ${saved.revision}`);
    } catch (error) {
      this.host.notify(`Cannot read the saved revision: ${error.message}`, "error");
    }
  }

  async withFile(file) {
    try {
      const formats = await this.host.formats;
      const format = await formatOfFile(formats, file);
      if (!format) throw new Error("not a model file netcanvas reads");
      const body = format.binary ? await file.arrayBuffer() : await file.text();
      const answer = await this.host.api.import(format.name, body, {});
      this.compareWith(answer.document, file.name);
    } catch (error) {
      this.host.notify(`Cannot compare with ${file.name}: ${error.message}`, "error");
    }
  }

  compareWith(doc, label) {
    this.base = { doc, label };
    this.again();
  }

  /** The design changed: compare again once the edits pause. */
  documentChanged() {
    if (!this.base) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.again(), AGAIN_MS);
  }

  async again() {
    const mine = ++this.sequence;
    try {
      const diff = await this.host.api.diff(this.base.doc, this.host.store.doc);
      if (mine !== this.sequence || !this.base) return;
      this.show(diff);
    } catch (error) {
      if (mine !== this.sequence) return;
      this.host.notify(`Cannot compare: ${error.message}`, "error");
    }
  }

  show(diff) {
    const { totals } = diff;
    this.host.view.setMarks(diffMarks(diff));
    this.panel.hidden = false;
    this.panel.querySelector(".compare-title").textContent = `Compared with ${this.base.label}`;
    const summary = this.panel.querySelector("[data-testid=compare-summary]");
    summary.textContent = diff.layers.length
      ? `${totals.added} added, ${totals.removed} removed, ${totals.changed} changed, ${totals.renamed} renamed · ` +
        `params ${signed(totals.params)} (${diff.a.params.toLocaleString("en")} → ${diff.b.params.toLocaleString("en")}) · ` +
        `MACs ${signed(totals.macs)}`
      : "No difference.";
    summary.dataset.params = String(totals.params);
    const rows = diff.layers.map((change) => {
      const row = document.createElement("li");
      row.className = `compare-row ${change.status}`;
      row.dataset.testid = `compare-row-${change.name}`;
      if (change.status !== "removed") row.dataset.layer = change.name;
      const head = document.createElement("div");
      head.textContent = `${{ added: "+", removed: "−", changed: "~", renamed: "→" }[change.status]} ${change.name} (${change.type})`;
      const cost = document.createElement("span");
      cost.className = "compare-cost";
      cost.textContent = `params ${signed(change.params)} · MACs ${signed(change.macs)}`;
      head.append(" ", cost);
      const what = document.createElement("div");
      what.className = "muted";
      what.textContent = describeChange(change);
      row.append(head, what);
      return row;
    });
    this.panel.querySelector(".compare-rows").replaceChildren(...rows);
  }

  close() {
    this.base = null;
    this.sequence += 1;
    clearTimeout(this.timer);
    this.panel.hidden = true;
    this.host.view.setMarks(null);
  }
}
