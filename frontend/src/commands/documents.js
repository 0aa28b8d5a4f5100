// Commands that bring a whole document in (a file, a template, a shared design, the source
// text, the autosave) or change the design as a whole (make a copy, rename), and the
// inspector's edits of one layer. A load is one undoable step.

import { normalize, renameLayer, setParam, setView } from "../model/document.js";
import { formatOfFile, readableFormats } from "../model/formats.js";
import { BIG, COLLAPSE_FROM } from "../view/big.js";
import { defaultCollapsed } from "../view/fold.js";
import { withPositions } from "../view/layout.js";

/**
 * The document a load stores, and how many of its layers had no position. `keepPositions`
 * (a source edit) keeps the canvas positions of layers that are still there, as the same
 * type; figure settings carry over to a document that has none of its own.
 *
 * A replaced model is laid out fresh: positions belong to one model, and another model's
 * layers that happen to share names (conv1, pool1, relu1 are in most CNNs) would hang the new
 * chain on the old one's coordinates in a scrambled order. A new model is one sharing fewer
 * than half its layers with the old, or, when `pasted` (text pasted into the source view),
 * one with another name.
 * `next` is taken over, not copied (a copy of a 50,000-layer document costs ~0.1 s of the
 * first screen): the caller hands in a document of its own, as load() does with normalize's.
 * @param {object} current  the document shown now
 * @param {object} next  the normalized document to show (changed in place)
 * @param {boolean} [keepPositions]
 * @param {{pasted?: boolean}} [options]
 */
export function placeDocument(current, next, keepPositions = false, { pasted = false } = {}) {
  const doc = next;
  if (keepPositions) {
    const old = current.view?.positions ?? {};
    const oldType = new Map((current.layers ?? []).map((l) => [l.name, l.type]));
    const same = doc.layers.filter((l) => oldType.get(l.name) === l.type && old[l.name]);
    const renamed = pasted && (current.name ?? "network") !== doc.name;
    if (!renamed && same.length * 2 >= doc.layers.length) {
      const kept = Object.fromEntries(same.map((l) => [l.name, old[l.name]]));
      doc.view.positions = { ...kept, ...doc.view.positions };
    }
  }
  if (!doc.view.style && current.view?.style) doc.view.style = { ...current.view.style };
  // A big model opens with its modules collapsed (issue 17), as Model Explorer opens its
  // graphs: a screenful of boxes, each opened on demand.
  if (doc.layers.length > COLLAPSE_FROM && !Array.isArray(doc.view.collapsed)) {
    const collapsed = defaultCollapsed(doc);
    if (collapsed.length) doc.view.collapsed = collapsed;
  }
  const unplaced = doc.layers.filter((l) => !doc.view.positions[l.name]).length;
  // A big model with no place for any layer is laid out off the main thread by the canvas
  // (view/background.js), which draws its collapsed modules meanwhile.
  if (doc.layers.length >= BIG && unplaced === doc.layers.length) return { doc, unplaced };
  return { doc: withPositions(doc), unplaced };
}

/** @param {import("./index.js").Host} host */
export function documentCommands(host) {
  const { store } = host;
  const notify = (message, kind) => host.ui?.notify(message, kind);
  const editable = () => !store.readOnly;
  /** Run a load now, or once the editor is ready for it (see main.js); resolves when done. */
  const whenReady = (load) =>
    new Promise((resolve, reject) => {
      const go = () => {
        try {
          resolve(load());
        } catch (error) {
          reject(error);
        }
      };
      if (host.whenReady) host.whenReady(go);
      else go();
    });

  /**
   * options: {doc, label, source, merge, keepPositions, pasted, fresh, analysis, owned}.
   * `owned`: the caller gives `doc` away (an import's answer, parsed for this load alone),
   * so it is normalized and stored without copies of its own.
   */
  function load({ doc, label, source = null, merge = undefined, keepPositions = false, pasted = false, fresh = false, analysis = null, owned = false }) {
    const normal = normalize(doc, host.sources?.(), { copy: !owned });
    // The service starts on the analysis (or it came with an import) while this thread
    // places the layers and stores them.
    host.analysis?.expect(normal, analysis);
    let next;
    let unplaced;
    try {
      ({ doc: next, unplaced } = placeDocument(store.doc, normal, keepPositions, { pasted }));
      // `next` is this load's own: the history keeps it as it is and the document gets a copy.
      store.replace(label, next, { source, merge, owned: true });
    } finally {
      host.analysis?.delivered(next, analysis);
    }
    if (fresh) store.clearHistory();
    if (unplaced === next.layers.length || fresh) host.view?.zoomToFit();
  }

  async function openFile(file) {
    let formats;
    try {
      formats = await host.formats();
    } catch (error) {
      notify(`Cannot open ${file.name}: the list of formats is unavailable (${error.message})`, "error");
      return false;
    }
    // By the name's extension; a file without one (or a pasted file) by its first bytes.
    const format = await formatOfFile(formats, file);
    if (!format) {
      const known = readableFormats(formats).flatMap((f) => f.extensions).join(", ");
      notify(`Cannot open ${file.name}: use ${known}`, "error");
      return false;
    }
    try {
      // A File goes up as it is: the browser streams it, where a string would first be
      // encoded on this thread (~60 ms for a 4 MB YAML).
      const blob = typeof Blob === "function" && file instanceof Blob;
      const body = blob ? file : format.binary ? await file.arrayBuffer() : await file.text();
      const params = format.name === "prototxt" ? { phase: host.ui?.phase() } : {};
      const answer = await host.api.import(format.name, body, { ...params, analysis: true });
      const loaded = whenReady(() => load({ doc: answer.document, label: `Open ${file.name}`, analysis: answer.analysis, owned: true }));
      // Text stays as written (so the Caffe phase switch re-reads it); bytes are shown as
      // the design's own text.
      const text = format.binary ? null : blob ? await file.text() : body;
      if (format.binary || !host.ui?.showText(format.name, text)) host.ui?.sourceChanged();
      const warnings = answer.warnings?.length ?? 0;
      notify(warnings ? `Opened ${file.name} (${warnings} warning(s))` : `Opened ${file.name}`);
      await loaded;
      return true;
    } catch (error) {
      notify(`Cannot open ${file.name}: ${error.located ?? error.message}`, "error");
      return false;
    }
  }

  async function openTemplate(slug) {
    try {
      const answer = await host.api.template(slug);
      host.persistence?.forget();
      await whenReady(() => load({ doc: answer.document ?? answer, label: `Template ${slug}` }));
      store.markClean(); // a template can be had again: replacing it loses nothing
      host.view?.zoomToFit();
      return true;
    } catch (error) {
      notify(`Cannot open template ${slug}: ${error.message}`, "error");
      return false;
    }
  }

  /**
   * A shared design by id, or one saved revision of it ({id, revision}: a run's link). It
   * opens read-only, unless this browser holds its edit key (its owner saved it here) and the
   * link is to the design itself: an owner opening their own link goes on editing it.
   */
  async function openShared(argument) {
    const { id, revision = null } = typeof argument === "object" ? argument : { id: argument };
    try {
      const answer = revision ? await host.api.designRevision(id, revision) : await host.api.design(id);
      const label = revision ? `Open revision ${revision} of a shared design` : "Open shared design";
      const owned = !revision && Boolean(host.persistence?.owns?.(answer.id ?? id));
      load({ doc: answer.document, label, fresh: true });
      store.markClean();
      store.setReadOnly(!owned);
      host.persistence?.adopt({ id: answer.id ?? id, revision: answer.revision }, { showLink: owned });
      if (owned) notify("Your design: edits are saved to it.");
      return true;
    } catch (error) {
      notify(`Cannot open shared design ${id}: ${error.message}`, "error");
      return false;
    }
  }

  function makeCopy() {
    const figure = store.session.figure;
    store.setReadOnly(false);
    host.persistence?.forget();
    host.ui?.leaveShare();
    store.transact("Make a copy", (tx) => {
      tx.set(["name"], `${store.doc.name} (copy)`);
      if (figure) {
        // The style and theme chosen while viewing become the copy's own.
        setView(tx, "style", { ...(tx.doc.view?.style ?? {}), ...figure });
        tx.session.set(["figure"], null);
      }
    });
    notify("This copy is yours: edits are saved in this browser.");
  }

  return [
    {
      id: "load-document",
      label: "Load a document",
      isEnabled: () => true,
      run: (options) => whenReady(() => load(options)),
    },
    {
      // At start-up, before the editor is ready: the autosave or a new design.
      id: "restore-document",
      label: "Restore",
      isEnabled: () => true,
      run: ({ doc, label = "Restore", design = null, history = null }) => {
        load({ doc, label, fresh: true });
        // The autosave's undo history, when it belongs to this very document: a reload
        // keeps Undo.
        if (history) store.restoreHistory(history, doc);
        if (design?.id) host.persistence?.adopt(design);
      },
    },
    { id: "open-shared", label: "Open a shared design", isEnabled: () => true, run: openShared },
    { id: "open-file", label: "Open a file", isEnabled: () => true, run: openFile },
    { id: "open-template", label: "Open a template", isEnabled: () => true, run: openTemplate },
    { id: "make-copy", label: "Make a copy", isEnabled: () => store.readOnly, run: makeCopy },
    {
      // Read-only pages cannot save: saving one would make a new design behind a banner that
      // still says read-only. Make a copy first.
      id: "save",
      label: "Save",
      shortcut: ["Mod+S"],
      isEnabled: () => editable() && Boolean(host.persistence),
      run: () => host.persistence.save(),
    },
    {
      id: "rename-design",
      label: "Rename design",
      isEnabled: editable,
      run: (name) => store.transact("Rename design", (tx) => tx.set(["name"], String(name).trim() || "network")),
    },
    {
      id: "rename-layer",
      label: "Rename a layer",
      isEnabled: editable,
      run: ({ from, to }) => {
        let ok = false;
        store.transact(`Rename ${from}`, (tx) => {
          ok = renameLayer(tx, from, to.trim());
          // The selection follows the name before the change is announced: a listener
          // (the inspector, Delete) must never see a selected name that no longer exists.
          if (ok && store.session.selection.delete(from)) store.session.selection.add(to.trim());
        });
        if (ok) store.select([to.trim()]);
        return ok;
      },
    },
    {
      id: "set-param",
      label: "Set a layer setting",
      isEnabled: editable,
      // Typing a number is one undo step, not one per keystroke.
      run: ({ name, key, value }) =>
        store.transact(`Set ${name}.${key}`, (tx) => setParam(tx, name, key, value), { merge: `${name}.${key}` }),
    },
  ];
}

/**
 * Loads asked for before the layer catalogue and the first document are in wait in a gate
 * (host.whenReady): a paste in the first moments after the page opens must not be lost, nor
 * read without the layer types. open() lets them through, in order.
 */
export function createGate() {
  let waiting = [];
  return {
    whenReady: (action) => (waiting ? waiting.push(action) : action()),
    open() {
      const actions = waiting;
      waiting = null;
      for (const action of actions) action();
    },
  };
}
