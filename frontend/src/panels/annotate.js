// The annotation tools (issue 20, item 5): Note, Arrow, Box and Highlight act on the
// selected layers (a note by the first, an arrow from the first to the second, a box or a
// highlight around all); a small form asks for the text. A double-click on a note edits its
// text; the context menu edits or deletes one. Every change is an undoable command.

import { annotationsOf, noteText } from "../model/annotations.js";

const NEEDS = {
  text: { min: 1, max: Infinity, hint: "select a layer" },
  arrow: { min: 2, max: 2, hint: "select two layers: from, then to (Shift+click)" },
  rect: { min: 1, max: Infinity, hint: "select the layers to frame" },
  highlight: { min: 1, max: Infinity, hint: "select the layers to highlight" },
};
const ASK = {
  text: "Note text",
  arrow: "Arrow label (optional)",
  rect: "Box label (optional)",
  highlight: "Highlight label (optional)",
};

export class AnnotateTools {
  /** bar: holds the four annotate-* buttons; form: the text form; host: {store, run, svg} */
  constructor(bar, form, host) {
    this.host = host;
    this.bar = bar;
    this.form = form;
    this.input = form.querySelector("[data-testid=annotate-input]");
    this.pending = null; // {kind} to add, or {index} to edit
    for (const button of bar.querySelectorAll("button[data-kind]")) {
      button.addEventListener("click", () => this.ask({ kind: button.dataset.kind }));
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.commit();
    });
    form.querySelector("[data-testid=annotate-cancel]").addEventListener("click", () => this.closeForm());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeForm();
    });
    // Pointer capture (the pointer tools') retargets a click to the canvas: what was under
    // the press says which note was double-clicked.
    const under = (event) => event.target.closest?.("[data-annotation]")?.dataset.annotation;
    host.svg.addEventListener("pointerdown", (event) => (this.pressed = under(event)), true);
    host.svg.addEventListener("dblclick", (event) => {
      const index = under(event) ?? this.pressed;
      if (index !== undefined) this.edit(Number(index));
    });
  }

  /** Enable each tool for the selection it needs. */
  sync() {
    const { store } = this.host;
    const count = store.session.selection.size;
    for (const button of this.bar.querySelectorAll("button[data-kind]")) {
      const need = NEEDS[button.dataset.kind];
      button.disabled = store.readOnly || count < need.min || count > need.max;
      button.title = button.disabled ? `${button.dataset.label}: ${need.hint}` : button.dataset.label;
    }
  }

  ask(pending, value = "") {
    this.pending = pending;
    const kind = pending.kind ?? annotationsOf(this.host.store.doc)[pending.index]?.type;
    this.input.placeholder = ASK[kind] ?? "Text";
    this.input.value = value;
    this.form.hidden = false;
    this.input.focus();
    this.input.select();
  }

  edit(index) {
    const note = annotationsOf(this.host.store.doc)[index];
    if (note && !this.host.store.readOnly) this.ask({ index }, noteText(note));
  }

  commit() {
    const text = this.input.value.trim();
    const pending = this.pending;
    this.closeForm();
    if (!pending) return;
    if (pending.kind === "text" && !text) return; // a note without words is no note
    if (pending.kind) this.host.run("annotate", { kind: pending.kind, text });
    else this.host.run("edit-annotation", { index: pending.index, text });
  }

  closeForm() {
    this.form.hidden = true;
    this.pending = null;
  }
}
