// The document store: plain data behind one mutation gate.
//
// Every edit goes through transact(label, fn); fn receives a small writer whose calls are
// recorded as reversible operations. History keeps one entry per transaction. The session
// (session.js) is the editor's own state: selection, hover and viewport change freely and
// never enter history; its undoable part (fold, figure) is written through tx.session, in
// the same history as the document, so "undo" takes back a fold like any edit.

import { applyOp, get, insertOp, removeOp, reverse, setOp } from "./diff.js";
import { createSession } from "./session.js";

const MERGE_WINDOW_MS = 1000;
/** Thrown by a document write while read-only: the transaction is rolled back and refused. */
const REFUSED = Symbol("read-only");

/** JSON with object keys sorted: the same document whatever order its keys were set in. */
function canonical(value) {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

export function emptyDocument(name = "network") {
  return { netcanvas: 1, name, layers: [], view: { positions: {} } };
}

/** What a diff touched: whether it wrote the document, and which session keys. */
function touched(diff) {
  const keys = new Set();
  let doc = false;
  for (const op of diff) {
    if (op.root === "session") keys.add(op.path[0]);
    else doc = true;
  }
  return { doc, keys: [...keys] };
}

/** Whether a document operation may change the graph's wiring or modules. */
function rewires(op) {
  if (op.root === "session") return false;
  const [top, , key] = op.path;
  if (top !== "layers") return top === undefined;
  return op.path.length <= 2 || key === "inputs" || key === "name" || key === "scope";
}

/** Whether a document operation may change what an analysis reads: all but the view. */
function remodels(op) {
  return op.root !== "session" && op.path[0] !== "view";
}

export class Store {
  constructor(doc = emptyDocument(), { now = () => Date.now() } = {}) {
    this.doc = structuredClone(doc);
    this.undoStack = [];
    this.redoStack = [];
    this.session = createSession();
    this.readOnly = false;
    this.listeners = new Set();
    this.now = now;
    this.inTransaction = false;
    // Counts changes that may have rewired the graph (layers added, removed, renamed,
    // reconnected, moved between modules): a view keyed by it need not compare 50,000 layers.
    this.wiring = 0;
    // Changes to what an analysis reads: the analyzer's key for "the same layers", which
    // would otherwise be the layers' JSON (~35 ms at 50,000 layers, on every drag).
    this.modelChanges = 0;
  }

  /**
   * Listen for changes: fn({kind: "document"|"session", label, diff, source, keys}).
   * kind is "document" when the document changed; keys lists the session keys that changed.
   */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(event) {
    for (const fn of [...this.listeners]) fn(event);
  }

  emitDiff(label, diff, source) {
    const { doc, keys } = touched(diff);
    if (diff.some(rewires)) this.wiring += 1;
    if (diff.some(remodels)) this.modelChanges += 1;
    this.emit({ kind: doc ? "document" : "session", label, diff, source, keys });
  }

  /** The tree an operation writes. */
  rootOf(op) {
    return op.root === "session" ? this.session : this.doc;
  }

  applyDiff(diff) {
    for (const op of diff) applyOp(this.rootOf(op), op);
  }

  /**
   * Run fn(tx) as one undoable step. tx.set(path, value), tx.insert(path, index, value),
   * tx.remove(path, index), tx.get(path) write and read the document; tx.session.set(path,
   * value) writes the session. A throw inside fn rolls everything back. While read-only a
   * document write refuses the whole transaction (null); session writes still go through,
   * so a shared design can be folded and previewed in another style.
   * options.merge: consecutive transactions with the same merge key (within a second) become
   * one history entry, so typing a number is one undo step, not one per keystroke.
   * options.source: passed to listeners (e.g. "source" so the text view does not rewrite itself).
   */
  transact(label, fn, options = {}) {
    if (this.inTransaction) throw new Error("transactions do not nest");
    const diff = [];
    const record = (op) => {
      applyOp(this.rootOf(op), op);
      diff.push(op);
    };
    const write = (op) => {
      if (this.readOnly) throw REFUSED;
      record(op);
    };
    const tx = {
      doc: this.doc,
      get: (path) => structuredClone(get(this.doc, path)),
      set: (path, value) => write(setOp(this.doc, path, value)),
      // `value` is the history's from now on: the caller must not change it (see replace).
      adopt: (path, value) => write(setOp(this.doc, path, value, { copy: false })),
      insert: (path, index, value) => write(insertOp(path, index, value)),
      push: (path, value) => write(insertOp(path, get(this.doc, path).length, value)),
      remove: (path, index) => write(removeOp(this.doc, path, index)),
      session: {
        get: (path) => structuredClone(get(this.session, path)),
        set: (path, value) => record({ ...setOp(this.session, path, value), root: "session" }),
      },
    };
    this.inTransaction = true;
    try {
      fn(tx);
    } catch (error) {
      this.applyDiff(reverse(diff));
      if (error === REFUSED) return null;
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
    this.emitDiff(label, diff, options.source ?? null);
    return entry;
  }

  /**
   * Replace the whole document as one undoable step (open file, template, source edit).
   * options.owned: `doc` is given away, never changed by the caller again: the history keeps
   * it as it is instead of a copy (applying it still copies it into the document).
   */
  replace(label, doc, options = {}) {
    const set = options.owned ? "adopt" : "set";
    return this.transact(
      label,
      (tx) => {
        for (const key of Object.keys(this.doc)) {
          if (!(key in doc)) tx.set([key], undefined);
        }
        for (const [key, value] of Object.entries(doc)) tx[set]([key], value);
      },
      options,
    );
  }

  /**
   * The undo and redo stacks as plain data for the autosave, newest entries kept: at most
   * `entries` per stack and about `chars` characters in all (a load of a big model is two
   * whole documents), so a reload keeps the recent history without filling the storage.
   */
  history({ entries = 100, chars = 1_500_000 } = {}) {
    // Sizes are measured once per step (autosave asks on every edit; a step only grows by
    // merging, which changes its diff's length).
    const sizeOf = (entry) => {
      if (entry.sized !== entry.diff.length) {
        entry.size = JSON.stringify(entry.diff).length + entry.label.length;
        entry.sized = entry.diff.length;
      }
      return entry.size;
    };
    const undo = this.undoStack.slice(-entries);
    const redo = this.redoStack.slice(-entries);
    let size = [...undo, ...redo].reduce((sum, entry) => sum + sizeOf(entry), 0);
    while (size > chars && undo.length + redo.length > 0) {
      // Drop the oldest undo step first (the redo stack's far end after it).
      size -= sizeOf(undo.length ? undo.shift() : redo.shift());
    }
    const plain = (list) => list.map(({ label, diff }) => ({ label, diff }));
    return { undo: plain(undo), redo: plain(redo) };
  }

  /**
   * Take back a history saved by history() for the document now shown, which must be the
   * very document it was saved with (else its steps would apply to another: refused).
   * Answers whether it was taken.
   */
  restoreHistory(history, savedDoc) {
    if (!history || canonical(savedDoc) !== canonical(this.doc)) return false;
    const valid = (list) => Array.isArray(list) && list.every((e) => typeof e?.label === "string" && Array.isArray(e.diff));
    if (!valid(history.undo) || !valid(history.redo)) return false;
    const time = this.now();
    this.undoStack = history.undo.map((e) => ({ ...e, merge: null, time }));
    this.redoStack = history.redo.map((e) => ({ ...e, merge: null, time }));
    this.emit({ kind: "session", label: "history", keys: [] });
    return true;
  }

  /**
   * Note that the document as it is now can be had again (a template just opened, a design
   * just saved or opened): isClean() until the next edit or undo.
   */
  markClean() {
    this.cleanTop = this.undoStack[this.undoStack.length - 1] ?? null;
  }

  /** True when nothing was edited since markClean() (never marked: false). */
  isClean() {
    return this.cleanTop !== undefined && (this.undoStack[this.undoStack.length - 1] ?? null) === this.cleanTop;
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
    this.applyDiff(diff);
    this.redoStack.push(entry);
    this.pruneSelection();
    this.emitDiff(`Undo ${entry.label}`, diff, "history");
    return true;
  }

  redo() {
    if (!this.canRedo()) return false;
    const entry = this.redoStack.pop();
    this.applyDiff(entry.diff);
    this.undoStack.push({ ...entry, merge: null });
    this.pruneSelection();
    this.emitDiff(`Redo ${entry.label}`, entry.diff, "history");
    return true;
  }

  /** Forget history (a new document was loaded that should not be undone into). */
  clearHistory() {
    this.undoStack = [];
    this.redoStack = [];
    this.emit({ kind: "session", label: "history", keys: [] });
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
    this.emit({ kind: "session", label: "selection", keys: ["selection"] });
  }

  setHover(name) {
    if (this.session.hover === name) return;
    this.session.hover = name;
    this.emit({ kind: "session", label: "hover", keys: ["hover"] });
  }

  setViewport(viewport) {
    this.session.viewport = { ...this.session.viewport, ...viewport };
    this.emit({ kind: "session", label: "viewport", keys: ["viewport"] });
  }

  /** What the service found to repeat in the document (a cache: not in history). */
  setGroups(groups) {
    this.session.groups = Array.isArray(groups) ? groups : [];
    this.emit({ kind: "session", label: "groups", keys: ["groups"] });
  }

  /** The training run shown (Train panel, overlay); the overlay follows its latest epoch. */
  setRun(id) {
    if (this.session.run === id) return;
    this.session.run = id ?? null;
    this.session.overlay = { ...this.session.overlay, epoch: null };
    this.emit({ kind: "session", label: "run", keys: ["run", "overlay"] });
  }

  /** Change the overlay ({on?, stat?, epoch?}): view state, never in history. */
  setOverlay(patch) {
    const next = { ...this.session.overlay, ...patch };
    const old = this.session.overlay;
    if (next.on === old.on && next.stat === old.stat && next.epoch === old.epoch) return;
    this.session.overlay = next;
    this.emit({ kind: "session", label: "overlay", keys: ["overlay"] });
  }

  /** Open a shared design read-only, or make it editable again. */
  setReadOnly(readOnly) {
    if (this.readOnly === Boolean(readOnly)) return;
    this.readOnly = Boolean(readOnly);
    this.emit({ kind: "session", label: "readonly", keys: ["readOnly"] });
  }
}
