// The Train panel's form: the data set (`train-dataset`, from GET /api/datasets), a path for
// data read from files, the data set's own settings as a small generated form, and the
// training settings. values() answers what the train-start command takes, or the problem.

/** @typedef {{name: string, kind: string, task: string, input_shape: number[]|null,
 *   classes: string[]|null, settings: Record<string, object>}} Dataset */

let counter = 0;

export class TrainForm {
  /** @param {HTMLFormElement} form */
  constructor(form) {
    this.form = form;
    this.select = form.querySelector("[data-testid=train-dataset]");
    this.about = form.querySelector(".train-data-about");
    this.pathRow = form.querySelector(".train-path");
    this.path = form.querySelector("#train-path");
    this.settingsBox = form.querySelector(".train-settings");
    /** @type {Map<string, Dataset>} */
    this.datasets = new Map();
    this.settingInputs = new Map(); // key -> {input, spec}
    this.loading = null;
    this.select.addEventListener("change", () => this.chose());
  }

  /** Ask for the data sets once; the select says "Loading…" until they arrive. */
  load(fetchDatasets) {
    if (!this.loading) {
      this.loading = fetchDatasets().then(
        (list) => this.fill(list),
        (error) => {
          this.loading = null; // try again when the panel is shown next
          this.select.replaceChildren(new Option("Data sets unavailable", ""));
          this.about.textContent = `The data sets could not be listed: ${error.message}`;
        },
      );
    }
    return this.loading;
  }

  /** @param {Dataset[]} list */
  fill(list) {
    this.datasets = new Map(list.map((d) => [d.name, d]));
    const groups = [
      ["Built in", list.filter((d) => d.kind !== "files")],
      ["From files on the server", list.filter((d) => d.kind === "files")],
    ];
    const children = [];
    for (const [label, items] of groups) {
      if (!items.length) continue;
      const group = document.createElement("optgroup");
      group.label = label;
      for (const d of items) group.appendChild(new Option(d.name, d.name));
      children.push(group);
    }
    this.select.replaceChildren(...children);
    this.select.disabled = false;
    this.select.value = this.datasets.has("moons") ? "moons" : list[0]?.name ?? "";
    this.chose();
  }

  /** The chosen data set, or null while none is. */
  get dataset() {
    return this.datasets.get(this.select.value) ?? null;
  }

  /** A data set was chosen: its path field, its settings, a line about it. */
  chose() {
    const d = this.dataset;
    this.settingInputs.clear();
    this.settingsBox.replaceChildren();
    if (!d) return;
    const bits = [d.task];
    if (d.input_shape) bits.push(`input ${d.input_shape.join("×")}`);
    if (d.classes?.length) bits.push(`${d.classes.length} classes`);
    this.about.textContent = bits.join(" · ");
    this.pathRow.hidden = d.kind !== "files";
    if (d.settings?.path?.description) this.path.title = d.settings.path.description;
    for (const [key, spec] of Object.entries(d.settings ?? {})) {
      if (key === "path") continue;
      this.settingsBox.appendChild(this.settingField(key, spec));
    }
  }

  settingField(key, spec) {
    const id = `train-setting-${(counter += 1)}`;
    const row = document.createElement("div");
    row.className = "train-row";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = key;
    label.title = spec.description ?? "";
    let input;
    if (Array.isArray(spec.enum)) {
      input = document.createElement("select");
      for (const value of spec.enum) input.appendChild(new Option(value === "\t" ? "tab" : value, value));
    } else {
      input = document.createElement("input");
      const numeric = spec.type === "integer" || spec.type === "number";
      input.type = numeric ? "number" : "text";
      if (numeric) {
        input.step = spec.type === "integer" ? "1" : "any";
        if (spec.minimum !== undefined) input.min = String(spec.minimum);
        if (spec.maximum !== undefined) input.max = String(spec.maximum);
      }
      input.autocomplete = "off";
    }
    input.id = id;
    input.title = spec.description ?? "";
    if (spec.default !== null && spec.default !== undefined) input.value = String(spec.default);
    row.append(label, input);
    this.settingInputs.set(key, { input, spec });
    return row;
  }

  /**
   * {data, config} for the train-start command, or {problem} saying what to fix.
   * @returns {{data?: object, config?: object, problem?: string}}
   */
  values() {
    const d = this.dataset;
    if (!d) return { problem: "Choose a data set first." };
    const data = { name: d.name };
    if (d.kind === "files") {
      const path = this.path.value.trim();
      if (!path) return { problem: `${d.name} reads files: give their path (relative to the server's data folder).` };
      data.path = path;
    }
    const settings = {};
    for (const [key, { input, spec }] of this.settingInputs) {
      const text = input.value.trim();
      if (text === "") continue;
      let value = text;
      if (spec.type === "integer" || spec.type === "number") {
        value = Number(text);
        if (!Number.isFinite(value) || (spec.type === "integer" && !Number.isInteger(value))) {
          return { problem: `${key} must be ${spec.type === "integer" ? "a whole number" : "a number"}.` };
        }
      }
      if (value !== spec.default) settings[key] = value;
    }
    if (Object.keys(settings).length) data.settings = settings;

    const number = (selector) => Number(this.form.querySelector(selector).value);
    const config = {
      epochs: number("#train-epochs"),
      batch_size: number("#train-batch"),
      lr: number("#train-lr"),
      optimizer: this.form.querySelector("#train-optimizer").value,
      schedule: this.form.querySelector("#train-schedule").value,
      val_split: number("#train-val"),
      seed: number("#train-seed"),
      device: "auto",
    };
    if (!Number.isInteger(config.epochs) || config.epochs < 1) return { problem: "Epochs must be a whole number, 1 or more." };
    if (!Number.isInteger(config.batch_size) || config.batch_size < 1) return { problem: "Batch size must be a whole number, 1 or more." };
    if (!(config.lr > 0)) return { problem: "The learning rate must be a number above 0." };
    if (!(config.val_split >= 0 && config.val_split < 1)) return { problem: "The validation split is a fraction from 0 to below 1." };
    if (!Number.isInteger(config.seed) || config.seed < 0) return { problem: "The seed must be a whole number, 0 or more." };
    return { data, config };
  }

  /** Whether a data set draws a decision boundary (2-D points, classes). */
  isPlanar(name) {
    const d = this.datasets.get(name);
    return Boolean(d && d.input_shape?.length === 2 && d.input_shape[1] === 2 && d.task === "classification");
  }

  /** The class names of a data set, if known. */
  classes(name) {
    return this.datasets.get(name)?.classes ?? null;
  }
}
