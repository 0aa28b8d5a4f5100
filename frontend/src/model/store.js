// The document store: plain data behind one mutation gate.
//
// Every edit goes through transact(label, fn); fn receives a small writer whose calls are
// recorded as reversible operations. History keeps one entry per transaction. Selection,
// hover and viewport are session state: they change freely and never enter history.

import { apply, get, insertOp, removeOp, reverse, setOp, applyOp } from "./diff.js";

const MERGE_WINDOW_MS = 1000;

export function emptyDocument(name = "network") {
  return { netcanvas: 1, name, layers: [], view: { positions: {} } };
}

export class Store {
  constructor(doc = emptyDocument(), { now = () => Date.now() } = {}) {
    this.doc = structuredClone(doc);
    this.undoStack = [];
    this.redoStack = [];
    this.session = { selection: new Set(), hover: null, viewport: { x: 0, y: 0, zoom: 1 } };
    this.readOnly = false;
    this.listeners = new Set();
    this.now = now;
    this.inTransaction = false;
  }

  /** Listen for changes: fn({kind: "document"|"session", label, diff, source}). */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(event) {
    for (const fn of [...this.listeners]) fn(event);
  }

  /**
   * Run fn(tx) as one undoable step. tx.set(path, value), tx.insert(path, index, value),
   * tx.remove(path, index), tx.get(path). A throw inside fn rolls everything back.
   * options.merge: consecutive transactions with the same merge key (within a second) become
   * one history entry, so typing a number is one undo step, not one per keystroke.
   * options.source: passed to listeners (e.g. "source" so the text view does not rewrite itself).
   */
  transact(label, fn, options = {}) {
    if (this.readOnly) return null;
    if (this.inTransaction) throw new Error("transactions do not nest");
    const diff = [];
    const record = (op) => {
      applyOp(this.doc, op);
      diff.push(op);
    };
    const tx = {
      doc: this.doc,
      get: (path) => structuredClone(get(this.doc, path)),
      set: (path, value) => record(setOp(this.doc, path, value)),
      insert: (path, index, value) => record(insertOp(path, index, value)),
      push: (path, value) => record(insertOp(path, get(this.doc, path).length, value)),
      remove: (path, index) => record(removeOp(this.doc, path, index)),
    };
    this.inTransaction = true;
    try {
      fn(tx);
    } catch (error) {
      apply(this.doc, reverse(diff));
      throw error;
    } finally {
      this.inTransaction = false;
    }
    if (diff.length === 0) return null;
    const entry = { label, diff, merge: options.merge ?? null, time: this.now() };
    const last = this.undoStack[this.undoStack.length - 1];
    if (
      entry.merge !== null &&
      last &&
      last.merge === entry.merge &&
      this.redoStack.length === 0 &&
      entry.time - last.time < MERGE_WINDOW_MS
    ) {
      last.diff = last.diff.concat(diff);
      last.time = entry.time;
    } else {
      this.undoStack.push(entry);
    }
    this.redoStack = [];
    this.emit({ kind: "document", label, diff, source: options.source ?? null });
    return entry;
  }

  /** Replace the whole document as one undoable step (open file, template, source edit). */
  replace(label, doc, options = {}) {
    return this.transact(
      label,
      (tx) => {
        for (const key of Object.keys(this.doc)) {
          if (!(key in doc)) tx.set([key], undefined);
        }
        for (const [key, value] of Object.entries(doc)) tx.set([key], value);
      },
      options,
    );
  }

  canUndo() {
    return !this.readOnly && this.undoStack.length > 0;
  }

  canRedo() {
    return !this.readOnly && this.redoStack.length > 0;
  }

  undo() {
    if (!this.canUndo()) return false;
    const entry = this.undoStack.pop();
    const diff = reverse(entry.diff);
    apply(this.doc, diff);
    this.redoStack.push(entry);
    this.pruneSelection();
    this.emit({ kind: "document", label: `Undo ${entry.label}`, diff, source: "history" });
    return true;
  }

  redo() {
    if (!this.canRedo()) return false;
    const entry = this.redoStack.pop();
    apply(this.doc, entry.diff);
    this.undoStack.push({ ...entry, merge: null });
    this.pruneSelection();
    this.emit({ kind: "document", label: `Redo ${entry.label}`, diff: entry.diff, source: "history" });
    return true;
  }

  /** Forget history (a new document was loaded that should not be undone into). */
  clearHistory() {
    this.undoStack = [];
    this.redoStack = [];
    this.emit({ kind: "session", label: "history" });
  }

  layerNames() {
    return new Set(this.doc.layers.map((layer) => layer.name));
  }

  pruneSelection() {
    const names = this.layerNames();
    for (const name of [...this.session.selection]) {
      if (!names.has(name)) this.session.selection.delete(name);
    }
  }

  select(names, { add = false } = {}) {
    if (!add) this.session.selection.clear();
    for (const name of names) this.session.selection.add(name);
    this.emit({ kind: "session", label: "selection" });
  }

  setHover(name) {
    if (this.session.hover === name) return;
    this.session.hover = name;
    this.emit({ kind: "session", label: "hover" });
  }

  setViewport(viewport) {
    this.session.viewport = { ...this.session.viewport, ...viewport };
    this.emit({ kind: "session", label: "viewport" });
  }
}
