// Totals and a sortable per-layer table (params, MACs, share of the total).

import { formatCount, formatShape } from "../view/canvas.js";

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
    this.rows = [];
    this.buildHead();
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
    this.problems.textContent = errors ? `${errors} error${errors > 1 ? "s" : ""}` : "no errors";
    this.problems.classList.toggle("bad", errors > 0);
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

  renderRows() {
    const { key, descending } = this.sort;
    const sorted = [...this.rows].sort((a, b) => {
      const order = typeof a[key] === "string" ? a[key].localeCompare(b[key]) : a[key] - b[key];
      return descending ? -order : order;
    });
    for (const th of this.table.querySelectorAll("th")) th.removeAttribute("aria-sort");
    const index = COLUMNS.findIndex((c) => c.key === key);
    this.table.querySelectorAll("th")[index]?.setAttribute("aria-sort", descending ? "descending" : "ascending");
    const fragment = document.createDocumentFragment();
    for (const row of sorted) {
      const tr = document.createElement("tr");
      if (row.error) tr.className = "bad";
      for (const column of COLUMNS) {
        const td = document.createElement("td");
        const value = row[column.key];
        if (column.key === "share") td.textContent = `${(value * 100).toFixed(1)}%`;
        else if (!column.text) td.textContent = value.toLocaleString("en-US");
        else td.textContent = value;
        if (!column.text) td.className = "num";
        tr.appendChild(td);
      }
      tr.addEventListener("click", () => this.onPick(row.name));
      fragment.appendChild(tr);
    }
    this.tbody.replaceChildren(fragment);
  }
}
