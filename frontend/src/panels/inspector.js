// The inspector: a form generated from the selected layer's JSON schema. Every keystroke is
// validated; a valid value is written at once by the set-param command (typing merges into
// one undo step), an invalid one is marked on the field and never reaches the document.

import { layerIndex } from "../model/document.js";
import { isDataInput } from "../model/phases.js";
import { scopesOf } from "../view/fold.js";
import { formatCount, formatShape } from "../view/markup.js";
import { controlFor, describeParams, formatValue, parseField } from "./schema.js";

let fieldCounter = 0;

/**
 * The service's messages name the command line's way to set an input shape
 * (`--input-shape NAME=N,C,H,W`); here it is the shape field of this form.
 */
function inBrowser(message) {
  return message.replace(/--input-shape \S+/g, "the shape field in this form");
}

export class Inspector {
  /**
   * host: {store, catalogue, run(id, argument): the command's answer, phase(): the Caffe
   * phase the source view reads}
   */
  constructor(root, { store, catalogue, run, phase = () => "TEST" }) {
    this.root = root;
    this.phase = phase;
    this.store = store;
    this.catalogue = catalogue;
    this.run = run;
    this.body = root.querySelector(".inspector-body");
    this.current = null; // {name, type}
    this.inputs = new Map();
    this.result = null;
  }

  selectedLayer() {
    const { selection } = this.store.session;
    if (selection.size !== 1) return null;
    const [name] = selection;
    return this.store.doc.layers.find((layer) => layer.name === name) ?? null;
  }

  /** Rebuild the form when the selection changes; otherwise refresh values in place. */
  update() {
    const layer = this.selectedLayer();
    if (!layer) {
      this.current = null;
      this.renderEmpty();
      return;
    }
    if (!this.current || this.current.name !== layer.name || this.current.type !== layer.type) {
      this.build(layer);
    } else {
      this.refresh(layer);
    }
  }

  /** Forget the form (the design became read-only or editable): it is built again. */
  reset() {
    this.current = null;
    this.update();
  }

  setAnalysis(byName) {
    this.analysis = byName;
    this.renderFacts();
  }

  renderEmpty() {
    const n = this.store.session.selection.size;
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent =
      n > 1 ? `${n} layers selected.` : "Select a layer on the canvas to edit its settings.";
    this.body.replaceChildren(p);
    this.inputs.clear();
  }

  build(layer) {
    this.current = { name: layer.name, type: layer.type, scope: layer.scope };
    this.inputs.clear();
    const spec = this.catalogue.get(layer.type);
    const form = document.createElement("form");
    form.className = "inspector-form";
    form.addEventListener("submit", (event) => event.preventDefault());

    const heading = document.createElement("div");
    heading.className = "inspector-head";
    const type = document.createElement("span");
    type.className = `type-chip cat-${spec?.category ?? "opaque"}`;
    type.textContent = layer.type;
    type.title = spec?.summary ?? "A type this editor does not know: kept as an opaque node";
    heading.appendChild(type);
    form.appendChild(heading);

    const nameInput = this.row(form, "Name", "text", "rename");
    nameInput.value = layer.name;
    nameInput.autocomplete = "off";
    nameInput.spellcheck = false;
    // The form stays (focus moves on with Tab): it is told the new name before the command
    // runs, because the command's document event reaches update() before run() returns.
    const commitName = () => {
      if (!this.current) return;
      const from = this.current.name;
      const to = nameInput.value.trim();
      if (to === from) return;
      this.current.name = to;
      if (this.run("rename-layer", { from, to })) {
        this.setError(nameInput, null);
      } else {
        this.current.name = from;
        this.setError(nameInput, "That name is taken or not allowed (no spaces, no trailing :k).");
      }
    };
    nameInput.addEventListener("change", commitName);
    nameInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        commitName();
        nameInput.blur();
      }
      if (event.key === "Escape" && this.current) {
        nameInput.value = this.current.name;
        nameInput.blur();
      }
    });
    this.nameInput = nameInput;

    this.shapeNote = null;
    if (isDataInput(layer)) {
      this.shapeNote = document.createElement("p");
      this.shapeNote.className = "shape-note";
      this.shapeNote.setAttribute("data-testid", "input-shape-note");
      form.appendChild(this.shapeNote);
      this.renderShapeNote(layer);
    }

    const fields = spec ? describeParams(spec.params) : [];
    for (const field of fields) this.buildField(form, field, layer);
    if (!spec) {
      const note = document.createElement("p");
      note.className = "muted";
      note.textContent = "Opaque layer: its settings are kept as they are for round-trip.";
      form.appendChild(note);
    }

    this.facts = document.createElement("dl");
    this.facts.className = "facts";
    this.body.replaceChildren(form, this.facts);
    this.renderFacts();
    if (this.store.readOnly) for (const el of form.elements) el.disabled = true;
  }

  row(form, label, kind, testid) {
    const id = `field-${(fieldCounter += 1)}`;
    const wrap = document.createElement("div");
    wrap.className = "field";
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = label;
    let input;
    if (kind === "select") input = document.createElement("select");
    else {
      input = document.createElement("input");
      input.type = kind;
    }
    input.id = id;
    input.setAttribute("data-testid", testid);
    const error = document.createElement("div");
    error.className = "field-error";
    error.setAttribute("role", "alert");
    input.setAttribute("aria-describedby", `${id}-error`);
    error.id = `${id}-error`;
    if (kind === "checkbox") {
      wrap.classList.add("check");
      wrap.append(input, lab, error);
    } else {
      wrap.append(lab, input, error);
    }
    form.appendChild(wrap);
    return input;
  }

  buildField(form, field, layer) {
    const control = controlFor(field);
    const input = this.row(form, field.key, control, `param-${field.key}`);
    const hint = [field.description, field.default !== undefined ? `default: ${formatValue(field.default) || "none"}` : ""]
      .filter(Boolean)
      .join(" · ");
    input.title = hint;
    input.placeholder = field.default !== undefined && field.default !== null ? formatValue(field.default) : "";
    if (control === "select") {
      for (const value of field.kinds[0].values) {
        const option = document.createElement("option");
        option.value = String(value);
        option.textContent = String(value);
        input.appendChild(option);
      }
    }
    if (control === "number") {
      const kind = field.kinds[0];
      if (kind.min !== undefined) input.min = String(kind.min);
      if (kind.max !== undefined) input.max = String(kind.max);
      input.step = kind.type === "integer" ? "1" : "any";
    }
    this.inputs.set(field.key, { input, field, control });
    this.show(field.key, layer);
    const commit = () => {
      if (control === "number" && input.validity.badInput) {
        this.setError(input, "a number");
        return;
      }
      const text = control === "checkbox" ? String(input.checked) : input.value;
      const parsed = parseField(field, text);
      if (!parsed.ok) {
        this.setError(input, parsed.error);
        return;
      }
      this.setError(input, null);
      const name = this.current.name;
      const value = parsed.value;
      const now = this.store.doc.layers[layerIndex(this.store.doc, name)]?.[field.key];
      if (JSON.stringify(now) === JSON.stringify(value)) return;
      this.run("set-param", { name, key: field.key, value });
    };
    input.addEventListener(control === "checkbox" || control === "select" ? "change" : "input", commit);
  }

  show(key, layer) {
    const { input, field, control } = this.inputs.get(key);
    const value = layer[key];
    if (control === "checkbox") input.checked = value ?? field.default ?? false;
    else if (control === "select") input.value = String(value ?? field.default ?? "");
    else input.value = formatValue(value);
    this.setError(input, null);
  }

  /** Values changed elsewhere (undo, source edit): update every field but the one being typed in. */
  refresh(layer) {
    for (const key of this.inputs.keys()) {
      const { input } = this.inputs.get(key);
      if (document.activeElement === input && input.classList.contains("invalid")) continue;
      if (document.activeElement === input) {
        const parsed = parseField(this.inputs.get(key).field, input.value);
        if (parsed.ok && JSON.stringify(parsed.value) === JSON.stringify(layer[key])) continue;
      }
      this.show(key, layer);
    }
    if (document.activeElement !== this.nameInput) this.nameInput.value = layer.name;
    this.renderShapeNote(layer);
    this.renderFacts();
  }

  /**
   * A data layer of a train_val file: its file rarely says its shape, so say where to set it
   * (the `shape` field), and that it is kept for this phase when TRAIN/TEST switches.
   */
  renderShapeNote(layer) {
    if (!this.shapeNote) return;
    const phase = this.phase();
    const missing = !Array.isArray(layer.shape);
    this.shapeNote.classList.toggle("missing", missing);
    this.shapeNote.textContent = missing
      ? `The file does not say this input's shape: set shape below (N,C,H,W, e.g. 64,1,28,28). It is kept for the ${phase} phase.`
      : `Input of the ${phase} phase: a shape set here is kept when the phase switches.`;
  }

  setError(input, message) {
    input.classList.toggle("invalid", Boolean(message));
    input.setAttribute("aria-invalid", message ? "true" : "false");
    const error = input.parentElement.querySelector(".field-error");
    error.textContent = message ?? "";
  }

  renderFacts() {
    if (!this.current || !this.facts) return;
    const result = this.analysis?.get(this.current.name);
    this.facts.replaceChildren();
    const add = (term, value, testid) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      if (testid) dd.setAttribute("data-testid", testid);
      this.facts.append(dt, dd);
    };
    if (!result) {
      add("Shapes", "analysing…");
      return;
    }
    const inputs = (result.inputs ?? []).join(", ") || "none";
    add("Inputs", inputs);
    add("Output", (result.output_shapes ?? []).map((s) => (s ? formatShape(s) : "?")).join(", ") || "?", "inspector-shape");
    add("Params", `${(result.params ?? 0).toLocaleString("en-US")} (${formatCount(result.params ?? 0)})`, "inspector-params");
    add("MACs", `${(result.macs ?? 0).toLocaleString("en-US")} (${formatCount(result.macs ?? 0)})`, "inspector-macs");
    if (result.error) add("Error", result.error, "inspector-error");
    for (const warning of result.warnings ?? []) add("Warning", inBrowser(warning));
    const scopes = scopesOf(this.current);
    if (scopes.length) {
      // The modules around the layer (a traced or imported model's): each can be drawn
      // as one box with its sums (an undoable view change; double-click the box to open).
      const dt = document.createElement("dt");
      dt.textContent = "Module";
      const dd = document.createElement("dd");
      dd.className = "scopes";
      for (const scope of scopes) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = scope;
        button.title = `Draw ${scope} as one box`;
        button.dataset.scope = scope;
        button.setAttribute("data-testid", "collapse-scope");
        button.addEventListener("click", () => this.run("collapse-scope", scope));
        dd.append(button);
      }
      this.facts.append(dt, dd);
    }
  }

  /** Put the cursor in one setting's field (the shape banner's "Set shape"). */
  focusField(key) {
    const input = this.inputs.get(key)?.input;
    input?.focus();
    input?.select?.();
  }

  focusName() {
    this.nameInput?.focus();
    this.nameInput?.select();
  }
}
