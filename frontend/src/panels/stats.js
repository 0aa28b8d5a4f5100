// Totals and a sortable per-layer table (params, MACs, share of the total). The table is
// built only while it is open and then updated row by row: an analysis of a 700-layer
// network must not rebuild 4,000 cells nobody is looking at.

import { formatCount, formatShape } from "../view/markup.js";

const COLUMNS = [
  { key: "name", label: "Layer", text: true },
  { key: "type", label: "Type", text: true },
  { key: "shape", label: "Output", text: true },
  { key: "params", label: "Params" },
  { key: "macs", label: "MACs" },
  { key: "share", label: "MAC share" },
];

export class StatsPanel {
  constructor(root, { onPick }) {
    this.root = root;
    this.onPick = onPick;
    this.params = root.querySelector("[data-testid=stats-params]");
    this.macs = root.querySelector("[data-testid=stats-macs]");
    this.memory = root.querySelector("[data-testid=stats-memory]");
    this.count = root.querySelector("[data-testid=stats-layers]");
    this.problems = root.querySelector("[data-testid=stats-errors]");
    this.table = root.querySelector("table");
    this.sort = { key: "macs", descending: true };
    this.buildHead();
    this.rows = [];
    this.rowElements = new Map(); // layer name -> {tr, key}
    this.order = "";
    this.details = root.querySelector("details");
    this.details?.addEventListener("toggle", () => this.renderRows());
    this.tbody.addEventListener("click", (event) => {
      const tr = event.target.closest("tr[data-name]");
      if (tr) this.onPick(tr.dataset.name);
    });
  }

  get open() {
    return this.details ? this.details.open : true;
  }

  buildHead() {
    const tr = document.createElement("tr");
    for (const column of COLUMNS) {
      const th = document.createElement("th");
      th.scope = "col";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = column.label;
      button.setAttribute("data-testid", `stats-sort-${column.key}`);
      button.addEventListener("click", () => {
        const same = this.sort.key === column.key;
        this.sort = { key: column.key, descending: same ? !this.sort.descending : !column.text };
        this.renderRows();
      });
      th.appendChild(button);
      if (!column.text) th.className = "num";
      tr.appendChild(th);
    }
    const thead = document.createElement("thead");
    thead.appendChild(tr);
    this.tbody = document.createElement("tbody");
    this.table.replaceChildren(thead, this.tbody);
  }

  set(result) {
    const totals = result?.totals ?? { params: 0, macs: 0, activation_bytes: 0 };
    this.params.dataset.value = String(totals.params);
    this.params.textContent = formatCount(totals.params);
    this.params.title = `${totals.params.toLocaleString("en-US")} parameters`;
    this.macs.dataset.value = String(totals.macs);
    this.macs.textContent = formatCount(totals.macs);
    this.macs.title = `${totals.macs.toLocaleString("en-US")} multiply-accumulates`;
    this.memory.dataset.value = String(totals.activation_bytes ?? 0);
    this.memory.textContent = `${formatCount(totals.activation_bytes ?? 0)}B`;
    const nodes = result?.nodes ?? [];
    this.count.textContent = String(nodes.length);
    const errors = nodes.filter((n) => n.error).length;
    // Layers whose shape is unknown (an input without one) count nothing: the totals are
    // then a lower bound, and "no errors" alone would say the design is complete.
    const unknown = nodes.filter((n) => !n.error && !(n.output_shapes?.length && n.output_shapes.every(Boolean))).length;
    const said = [errors ? `${errors} error${errors > 1 ? "s" : ""}` : "no errors"];
    if (unknown) said.push(`${unknown} shape${unknown > 1 ? "s" : ""} unknown: set the input's shape`);
    // The service says when its totals are not exact for another reason too: learnable
    // tensors of an imported file that no layer holds.
    const lowerBound = (result?.warnings ?? []).filter((w) => w.startsWith("the totals are a lower bound"));
    const incomplete = totals.complete === false && errors === 0;
    if (incomplete && !unknown) said.push("totals incomplete: see the reason");
    this.problems.textContent = said.join(" · ");
    this.problems.title = lowerBound.join("\n");
    this.problems.classList.toggle("bad", errors > 0);
    this.problems.classList.toggle("warn", unknown > 0 || incomplete);
    if (unknown || incomplete) {
      this.params.textContent = `≥ ${this.params.textContent}`;
      this.macs.textContent = `≥ ${this.macs.textContent}`;
      this.params.title += unknown ? " (at least: some shapes are unknown)" : ` (at least: ${lowerBound.join("; ")})`;
    }
    this.rows = nodes.map((n) => ({
      name: n.name,
      type: n.type,
      shape: n.output_shapes?.[0] ? formatShape(n.output_shapes[0]) : "?",
      params: n.params ?? 0,
      macs: n.macs ?? 0,
      share: totals.macs ? (n.macs ?? 0) / totals.macs : 0,
      error: n.error,
    }));
    this.renderRows();
  }

  /** The service could not analyse the design. */
  failed(error) {
    this.problems.textContent = `analysis failed: ${error.message}`;
    this.problems.classList.add("bad");
  }

  renderRows() {
    if (!this.open) return;
    const { key, descending } = this.sort;
    const sorted = [...this.rows].sort((a, b) => {
      const order = typeof a[key] === "string" ? a[key].localeCompare(b[key]) : a[key] - b[key];
      return descending ? -order : order;
    });
    for (const th of this.table.querySelectorAll("th")) th.removeAttribute("aria-sort");
    const index = COLUMNS.findIndex((c) => c.key === key);
    this.table.querySelectorAll("th")[index]?.setAttribute("aria-sort", descending ? "descending" : "ascending");
    const live = new Set();
    for (const row of sorted) {
      live.add(row.name);
      const cells = COLUMNS.map((column) => {
        const value = row[column.key];
        if (column.key === "share") return `${(value * 100).toFixed(1)}%`;
        return column.text ? String(value) : value.toLocaleString("en-US");
      });
      const rowKey = cells.join("\u0000") + (row.error ? "!" : "");
      let entry = this.rowElements.get(row.name);
      if (!entry) {
        const tr = document.createElement("tr");
        tr.dataset.name = row.name;
        for (const column of COLUMNS) {
          const td = document.createElement("td");
          if (!column.text) td.className = "num";
          tr.appendChild(td);
        }
        entry = { tr, key: "" };
        this.rowElements.set(row.name, entry);
      }
      if (entry.key !== rowKey) {
        // Only the cells whose text changed are written.
        cells.forEach((text, i) => {
          const td = entry.tr.children[i];
          if (td.textContent !== text) td.textContent = text;
        });
        entry.tr.className = row.error ? "bad" : "";
        entry.key = rowKey;
      }
    }
    for (const [name, entry] of this.rowElements) {
      if (!live.has(name)) {
        entry.tr.remove();
        this.rowElements.delete(name);
      }
    }
    const order = sorted.map((row) => row.name).join("\u0000");
    if (order !== this.order || this.tbody.children.length !== sorted.length) {
      this.order = order;
      this.tbody.replaceChildren(...sorted.map((row) => this.rowElements.get(row.name).tr));
    }
  }
}
