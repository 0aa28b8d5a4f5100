// The source view: the document as YAML, JSON or prototxt text, two-way. Typing re-imports
// through /api/import (debounced) and re-renders the canvas; a canvas edit re-exports the text.

import { api, ApiError } from "../api.js";
import { PhaseShapes, isDataInput } from "../model/phases.js";
import { sniffFormat } from "../model/sniff.js";
import { ErrorMark } from "./errormark.js";

const TYPE_DELAY_MS = 250;
const EXPORT_DELAY_MS = 150;
/** A file's text this long, shown while the tab is hidden, is put in after the first paint. */
const TEXT_LATER_FROM = 1_000_000;
const TEXT_LATER_MS = 300;

export class SourcePanel {
  /** host: {store, loadDocument(doc, label, options), isVisible(), openFile(file)} */
  constructor(root, host) {
    this.host = host;
    this.editor = root.querySelector("[data-testid=source-editor]");
    this.format = root.querySelector("[data-testid=source-format]");
    this.phase = root.querySelector("[data-testid=phase-select]");
    this.phaseField = root.querySelector(".phase-field");
    this.error = root.querySelector("[data-testid=source-error]");
    this.status = root.querySelector(".source-status");
    this.mark = new ErrorMark(this.editor, root.querySelector("[data-testid=source-error-line]"));
    this.typingTimer = null;
    this.exportTimer = null;
    this.textTimer = null;
    this.pendingText = null; // a big file's text not yet in the (hidden) editor: setText
    this.stale = true;
    /** The text holds typing that is not (yet) the design: never overwrite it. */
    this.dirty = false;
    this.sequence = 0;
    this.exportsDropped = 0;
    /** Data-layer shapes set in the browser, per Caffe phase, and the phase the text was read in. */
    this.shapes = new PhaseShapes();
    this.readPhase = null;
    this.editor.addEventListener("input", (event) => {
      this.dirty = true;
      // A paste is one complete change: show it at once; keystrokes wait for a pause.
      if (event.inputType === "insertFromPaste" || event.inputType === "insertFromDrop") this.pasted();
      else this.typed();
    });
    // A file pasted into the text (copied in a file manager), ONNX bytes or a model file,
    // is opened as that file, not pasted as its name.
    this.editor.addEventListener("paste", (event) => {
      const file = event.clipboardData?.files?.[0];
      if (!file || !host.openFile) return;
      event.preventDefault();
      this.status.textContent = `Opening ${file.name}…`;
      host.openFile(file);
    });
    this.format.addEventListener("change", () => {
      this.updatePhaseField();
      // Typed text is read in the chosen format; the design's own text is converted to it.
      if (this.dirty) {
        this.reimport();
      } else {
        this.stale = true;
        this.refresh();
      }
    });
    this.phase.addEventListener("change", () => this.reimport());
    this.updatePhaseField();
  }

  updatePhaseField() {
    this.phaseField.hidden = this.format.value !== "prototxt";
  }

  /** Show (or with null clear) an error; `at` {line, column} marks it in the text. */
  showError(message, at = null) {
    this.error.textContent = message ?? "";
    this.error.hidden = !message;
    this.editor.classList.toggle("invalid", Boolean(message));
    this.mark.show(message ? at : null);
  }

  /**
   * A paste is read in the format it is written in: the menu follows the text (and says
   * so), so prototxt pasted while it said YAML is not a YAML scanner error.
   */
  pasted() {
    const sniffed = sniffFormat(this.editor.value);
    const known = [...this.format.options].find((o) => o.value === sniffed);
    let note = "";
    if (known && sniffed !== this.format.value) {
      this.format.value = sniffed;
      this.updatePhaseField();
      note = `Pasted text read as ${known.textContent}.`;
    }
    this.reimport({ pasted: true, note });
  }

  /** The document changed elsewhere: re-export the text (only while the tab is visible). */
  documentChanged(event) {
    if (event?.source === "source") {
      // The text was just read into the design, so it is the design's text: an export asked
      // for earlier (of the design it replaced) must not overwrite it.
      clearTimeout(this.exportTimer);
      this.exportsDropped += 1;
      this.stale = false;
      return;
    }
    // A data layer's shape set in the inspector is not the file's: the text stays the file
    // as written (a train_val file has both phases' layers, an export of the design only
    // one), and the shape is put back into every read of this phase (PhaseShapes).
    if (this.readPhase && this.onlyDataShapes(event)) return;
    this.stale = true;
    if (this.host.isVisible() && !this.dirty) this.scheduleExport();
  }

  /** True when a change only set data layers' shapes. */
  onlyDataShapes(event) {
    const layers = this.host.store.doc.layers;
    return (
      Array.isArray(event?.diff) &&
      event.diff.length > 0 &&
      event.diff.every(
        (op) => op.root !== "session" && op.path?.[0] === "layers" && op.path[2] === "shape" && op.path.length === 3 && isDataInput(layers[op.path[1]]),
      )
    );
  }

  shown() {
    this.flushText();
    if (this.stale && !this.dirty) this.refresh();
  }

  scheduleExport() {
    clearTimeout(this.exportTimer);
    this.exportTimer = setTimeout(() => this.refresh(), EXPORT_DELAY_MS);
  }

  async refresh() {
    clearTimeout(this.exportTimer);
    const mine = ++this.sequence;
    const dropped = this.exportsDropped;
    const doc = this.textDocument();
    try {
      const { blob } = await api.export(this.format.value, doc);
      const text = await blob.text();
      if (mine !== this.sequence || dropped !== this.exportsDropped) return;
      this.setText(text);
      this.readPhase = this.format.value === "prototxt" ? this.phase.value : null;
      this.stale = false;
      this.showError(null);
      this.status.textContent = "";
    } catch (error) {
      if (mine !== this.sequence) return;
      this.showError(`Cannot show this design as ${this.format.value}: ${error.message}`);
    }
  }

  /** Positions are canvas bookkeeping: leave them out of the text people read and edit. */
  textDocument() {
    const doc = structuredClone(this.host.store.doc);
    if (doc.view) {
      delete doc.view.positions;
      if (Object.keys(doc.view).length === 0) delete doc.view;
    }
    return doc;
  }

  typed() {
    clearTimeout(this.typingTimer);
    this.sequence += 1; // an export still in flight must not overwrite what is being typed
    this.status.textContent = "…";
    this.typingTimer = setTimeout(() => this.reimport(), TYPE_DELAY_MS);
  }

  /**
   * Read the text into the design. `pasted`: a paste, which may be another model altogether;
   * `note`: said in the status line (what the format menu did).
   */
  async reimport({ pasted = false, note = "" } = {}) {
    clearTimeout(this.typingTimer);
    clearTimeout(this.exportTimer);
    const mine = ++this.sequence;
    const prototxt = this.format.value === "prototxt";
    const phase = this.phase.value;
    const params = prototxt ? { phase } : {};
    // What was set for the design read last (the phase being left, or this one) is kept.
    if (prototxt && this.readPhase) this.shapes.remember(this.readPhase, this.host.store.doc);
    try {
      const answer = await api.import(this.format.value, this.editor.value, { ...params, analysis: true });
      if (mine !== this.sequence) return;
      const { document: doc, warnings } = answer;
      let { analysis } = answer;
      if (prototxt) {
        // The service analysed the file without the shapes set here: the editor analyses again.
        if (this.shapes.apply(phase, doc)) analysis = null;
      }
      this.readPhase = prototxt ? phase : null;
      this.dirty = false;
      // The text is the design now (its load may wait for the editor to be ready): showing
      // the tab again must not put the design it replaces back.
      this.stale = false;
      this.showError(null);
      const warned = warnings?.length ? `${warnings.length} warning(s): ${warnings[0]}` : "";
      this.status.textContent = [note, warned].filter(Boolean).join(" ");
      // The answer is this load's alone: it is stored without a copy of its own.
      this.host.loadDocument(doc, "Edit source", { source: "source", merge: "source", keepPositions: true, pasted, analysis, owned: true });
    } catch (error) {
      if (mine !== this.sequence) return;
      this.status.textContent = note;
      const located = error instanceof ApiError && typeof error.detail === "object" && error.detail?.line;
      this.showError(
        error instanceof ApiError ? error.located : String(error.message ?? error),
        located ? { line: error.detail.line, column: error.detail.column } : null,
      );
    }
  }

  /**
   * Show an opened file's text as it was written (so the phase switch re-reads it). False
   * when this view does not edit that format: it then shows the design's own text.
   */
  showText(format, text) {
    if (![...this.format.options].some((o) => o.value === format)) return false;
    this.format.value = format;
    this.updatePhaseField();
    this.readPhase = format === "prototxt" ? this.phase.value : null;
    this.setText(text);
    this.stale = false;
    this.dirty = false;
    this.showError(null);
    return true;
  }

  /**
   * Put a file's text in the editor. A big one while the tab is hidden waits for the tab
   * or for the canvas's first screen to be painted: a textarea takes ~60 ms per 4 MB.
   */
  setText(text) {
    clearTimeout(this.textTimer);
    this.pendingText = null;
    if (text.length < TEXT_LATER_FROM || this.host.isVisible()) {
      this.editor.value = text;
      return;
    }
    this.pendingText = text;
    this.textTimer = setTimeout(() => this.flushText(), TEXT_LATER_MS);
  }

  flushText() {
    clearTimeout(this.textTimer);
    if (this.pendingText !== null) this.editor.value = this.pendingText;
    this.pendingText = null;
  }
}
