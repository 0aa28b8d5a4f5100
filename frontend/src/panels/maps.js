// Look inside (issue 14, item 4): for the shown run, once it has trained weights, pick a
// sample of its data set and see every layer's feature maps (a grid of its first channels,
// each scaled to its own range), the class probabilities beside the true label, and, for
// images, the saliency map (POST /api/runs/{id}/activations). "ONNX file…" does the same
// for a model someone handed over, with its own weights, on a seeded random input (POST
// /api/inspect). Clicking a layer's maps shows that layer on the canvas.

/** @param {string} tag @param {string} [className] @param {string} [text] */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class MapsView {
  /**
   * @param {HTMLElement} root  the .train-maps section
   * @param {{api: object, run(id: string, argument?: unknown): unknown,
   *   trainer: import("../model/trainer.js").Trainer, shown(): string|null,
   *   hasLayer(name: string): boolean}} host
   */
  constructor(root, host) {
    this.root = root;
    this.host = host;
    this.sample = root.querySelector("[data-testid=maps-sample]");
    this.button = root.querySelector("[data-testid=maps-show]");
    this.file = root.querySelector("[data-testid=maps-onnx-file]");
    this.note = root.querySelector(".maps-note");
    this.out = root.querySelector("[data-testid=maps]");
    this.asking = 0; // only the latest answer is drawn
    this.button.addEventListener("click", () => this.showRun());
    root.querySelector("[data-testid=maps-onnx]").addEventListener("click", () => this.file.click());
    this.file.addEventListener("change", () => {
      const [file] = this.file.files;
      this.file.value = "";
      if (file) this.showOnnx(file);
    });
    this.out.addEventListener("click", (event) => {
      const figure = event.target.closest("figure[data-layer]");
      if (figure && this.host.hasLayer(figure.dataset.layer)) this.host.run("reveal", figure.dataset.layer);
    });
  }

  /** The shown run changed or moved on: maps need its trained weights. */
  update() {
    const run = this.host.trainer.get(this.host.shown());
    const ready = Boolean(run?.artifacts?.includes("model.pt"));
    this.button.disabled = !ready;
    this.button.title = ready
      ? "Feature maps of this sample through the trained network"
      : "Needs a finished run with its weights (train one first)";
  }

  async showRun() {
    const id = this.host.shown();
    if (!id) return;
    const sample = Math.max(0, Math.floor(Number(this.sample.value) || 0));
    await this.ask(`sample ${sample} of run ${id}`, () => this.host.api.activations(id, sample));
  }

  /** @param {File} file */
  async showOnnx(file) {
    await this.ask(`${file.name} on a random input`, async () => this.host.api.inspectOnnx(await file.arrayBuffer()));
  }

  async ask(what, request) {
    const ticket = ++this.asking;
    this.note.textContent = `Looking inside: ${what}…`;
    let answer;
    try {
      answer = await request();
    } catch (error) {
      if (ticket !== this.asking) return;
      this.note.textContent = `Could not look inside: ${error.message}`;
      return;
    }
    if (ticket !== this.asking) return;
    this.note.textContent = what;
    this.draw(answer);
  }

  /** {layers: {name: {shape, file?, channels?}}, images: {file: base64}, probabilities,
   * label, classes, saliency} -> probabilities, saliency and one figure per layer. */
  draw(answer) {
    const parts = [];
    const probabilities = answer.probabilities ?? null;
    if (probabilities) parts.push(this.probabilities(probabilities, answer.classes ?? null, answer.label ?? null));
    if (answer.saliency && answer.images[answer.saliency]) {
      parts.push(this.figure(null, "saliency (input gradient)", answer.images[answer.saliency]));
    }
    let drawn = 0;
    for (const [layer, entry] of Object.entries(answer.layers ?? {})) {
      if (!entry.file || !answer.images[entry.file]) continue;
      const shape = entry.shape.join("×");
      const more = entry.shape[0] > entry.channels ? ` (first ${entry.channels})` : "";
      parts.push(this.figure(layer, `${layer} · ${shape}${more}`, answer.images[entry.file]));
      drawn += 1;
    }
    if (!drawn) parts.push(element("p", "muted", "No layer has spatial outputs to draw as maps."));
    this.out.replaceChildren(...parts);
    this.out.dataset.layers = String(drawn);
  }

  probabilities(values, classes, label) {
    const list = element("ol", "maps-probs");
    list.setAttribute("data-testid", "maps-probabilities");
    const top = values.indexOf(Math.max(...values));
    values.forEach((p, k) => {
      const item = element("li");
      const name = classes?.[k] ?? String(k);
      const bar = element("span", "bar");
      bar.style.setProperty("width", `${Math.round(p * 100)}%`);
      const text = element("span", "maps-prob-text", `${name} ${(p * 100).toFixed(1)}%`);
      item.append(bar, text);
      if (k === top) item.classList.add("top");
      if (k === label) {
        item.classList.add("truth");
        item.title = "The sample's true class";
      }
      list.append(item);
    });
    return list;
  }

  figure(layer, caption, base64) {
    const figure = element("figure", "map");
    const img = element("img");
    img.src = `data:image/png;base64,${base64}`;
    img.alt = caption;
    if (layer) {
      figure.dataset.layer = layer;
      figure.setAttribute("data-testid", `map-${layer}`);
      figure.title = "Show this layer on the canvas";
    }
    figure.append(img, element("figcaption", "muted", caption));
    return figure;
  }
}
