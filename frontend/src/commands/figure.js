// Figure settings and the "readable at scale" toggles (DESIGN 1): style and theme, Stack
// (a document setting, view.style.stack, undone with its layout) and Fold (session state:
// repeated blocks found by the service, POST /api/layout?fold=true, shown as boxes ×N until
// double-clicked open). All of them undo like any edit. Export downloads a format.

import { moveLayers, setView } from "../model/document.js";
import { figureSettings } from "../model/figures.js";
import { UNFOLDED } from "../model/session.js";
import { childScopes, collapsedScopes, defaultCollapsed } from "../view/fold.js";
import { layeredLayout } from "../view/layout.js";
import { flowOf } from "../view/metrics.js";
import { findStacks, stackingOn } from "../view/stacks.js";

/** The repeated blocks the service finds in a document. */
async function findGroups(api, doc) {
  const answer = await api.layout(doc, { fold: "true" });
  return Array.isArray(answer?.groups) ? answer.groups : [];
}

/** @param {import("./index.js").Host} host */
export function figureCommands(host) {
  const { store } = host;
  const notify = (message, kind) => host.ui?.notify(message, kind);
  let sequence = 0; // only the latest refresh of the groups is kept

  /** changes: {style?, theme?}. A read-only design keeps its own: the choice is the session's. */
  function setFigure(changes) {
    const now = figureSettings(store.doc, store.session);
    const style = changes.style ?? now.style;
    const theme = changes.theme ?? now.theme;
    if (style === now.style && theme === now.theme) return null;
    if (store.readOnly) {
      return store.transact("Figure style", (tx) => tx.session.set(["figure"], { name: style, theme }));
    }
    return store.transact("Figure style", (tx) => {
      setView(tx, "style", { ...(tx.doc.view?.style ?? {}), name: style, theme });
    });
  }

  function toggleStack() {
    const on = !stackingOn(store.doc);
    // Nothing to stack (PyTorch-style designs write no layer in place): the setting is still
    // the document's (a figure style may follow it), but the canvas keeps its layout and
    // says why nothing changed.
    const none = findStacks(store.doc).members.size === 0;
    store.transact(on ? "Stack in-place layers" : "Unstack in-place layers", (tx) => {
      setView(tx, "style", { ...(tx.doc.view?.style ?? {}), stack: on });
      if (!none) moveLayers(tx, layeredLayout(tx.doc));
    });
    if (on && none) {
      notify(
        "Nothing to stack: stacking joins layers written in place (Caffe's Conv → BatchNorm → Scale → ReLU, inplace: true) into one box, and this design has none.",
      );
      return;
    }
    host.view?.zoomToFit();
  }

  /** Top-to-bottom <-> left-to-right: the document's view.style.rankdir, laid out again (one step). */
  function toggleRankdir() {
    const lr = flowOf(store.doc) !== "LR";
    store.transact(lr ? "Lay out left to right" : "Lay out top to bottom", (tx) => {
      setView(tx, "style", { ...(tx.doc.view?.style ?? {}), rankdir: lr ? "LR" : "TB" });
      moveLayers(tx, layeredLayout(tx.doc));
      if (store.session.fold.on) tx.session.set(["fold"], UNFOLDED);
    });
    host.view?.zoomToFit();
  }

  async function toggleFold() {
    if (store.session.fold.on) {
      store.transact("Unfold", (tx) => tx.session.set(["fold"], UNFOLDED));
      host.view?.zoomToFit();
      return true;
    }
    let groups = [];
    try {
      groups = await findGroups(host.api, store.doc);
    } catch (error) {
      notify(`Cannot find repeated blocks: ${error.message}`, "error");
      return false;
    }
    if (groups.length === 0) {
      notify("No repeated blocks to fold in this design.");
      return false;
    }
    sequence += 1; // an older refresh must not replace these
    store.setGroups(groups);
    store.transact("Fold repeated blocks", (tx) => tx.session.set(["fold"], { on: true, opened: [] }));
    host.view?.zoomToFit();
    notify(`Folded ${groups.length} repeated block(s); double-click a box to open it.`);
    return true;
  }

  /** The document changed while folded: ask again what repeats (not an edit: no history). */
  async function refreshGroups() {
    const mine = ++sequence;
    try {
      const groups = await findGroups(host.api, store.doc);
      if (mine === sequence && store.session.fold.on) store.setGroups(groups);
    } catch {
      // keep the groups we have: the next edit asks again
    }
  }

  return [
    { id: "set-figure", label: "Figure style", isEnabled: () => true, run: setFigure },
    {
      id: "set-view-angles",
      label: "Turn the 3-D figure",
      isEnabled: () => !store.readOnly,
      run: ({ azimuth, elevation }) =>
        store.transact("Turn the figure", (tx) => {
          setView(tx, "style", { ...(tx.doc.view?.style ?? {}), azimuth, elevation });
        }),
    },
    {
      id: "stack",
      label: "Stack in-place layers",
      isEnabled: () => !store.readOnly,
      run: toggleStack,
    },
    { id: "fold", label: "Fold repeated blocks", isEnabled: () => true, run: toggleFold },
    {
      id: "rankdir",
      label: "Left to right / top to bottom",
      isEnabled: () => !store.readOnly && store.doc.layers.length > 0,
      run: toggleRankdir,
    },
    {
      id: "open-group",
      label: "Open a folded block",
      isEnabled: () => store.session.fold.on,
      run: (name) => {
        const { opened } = store.session.fold;
        if (opened.includes(name)) return null;
        return store.transact(`Open ${name}`, (tx) => tx.session.set(["fold", "opened"], [...opened, name]));
      },
    },
    {
      id: "collapse-scope",
      label: "Draw a module as one box",
      isEnabled: () => true,
      run: (scope) => {
        const collapsed = collapsedScopes(store.doc);
        if (!scope || collapsed.includes(scope)) return null;
        return store.transact(`Collapse ${scope}`, (tx) => {
          setView(tx, "collapsed", [...collapsed, scope]);
        });
      },
    },
    {
      id: "expand-scope",
      label: "Open a collapsed module",
      isEnabled: () => collapsedScopes(store.doc).length > 0,
      run: (scope) => {
        const collapsed = collapsedScopes(store.doc);
        if (!collapsed.includes(scope)) return null;
        // A big module opens onto its sub-modules, each still one box.
        const children = childScopes(store.doc, scope).filter((s) => !collapsed.includes(s));
        return store.transact(`Expand ${scope}`, (tx) =>
          tx.set(["view", "collapsed"], [...collapsed.filter((s) => s !== scope), ...children]),
        );
      },
    },
    {
      id: "expand-all-scopes",
      label: "Open every module",
      isEnabled: () => collapsedScopes(store.doc).length > 0,
      run: () => store.transact("Expand all modules", (tx) => tx.set(["view", "collapsed"], [])),
    },
    {
      id: "collapse-all-scopes",
      label: "Collapse the modules",
      isEnabled: () => store.doc.layers.some((l) => l.scope),
      run: () => {
        const scopes = defaultCollapsed(store.doc);
        return store.transact("Collapse the modules", (tx) => {
          setView(tx, "collapsed", scopes);
        });
      },
    },
    { id: "refresh-folds", label: "Find repeated blocks again", isEnabled: () => store.session.fold.on, run: refreshGroups },
    { id: "export", label: "Export", isEnabled: () => true, run: (format) => host.exporter.download(format) },
    { id: "copy-figure", label: "Copy the figure", isEnabled: () => true, run: (format) => host.exporter.copy(format) },
  ];
}
