// Commands about what the canvas shows and where: zoom to fit, auto-layout, reveal a layer,
// rename (focus the name field), the templates dialog.

import { moveLayers, setView } from "../model/document.js";
import { UNFOLDED } from "../model/session.js";
import { fitToBoxes, layeredLayout } from "../view/layout.js";
import { flowOf } from "../view/metrics.js";
import { stackingOn } from "../view/stacks.js";

/**
 * The document's bookmarked views, well-formed ones only: [{name, x, y, zoom}].
 * @param {{view?: {bookmarks?: unknown}}} doc
 */
export function bookmarksOf(doc) {
  const list = doc.view?.bookmarks;
  if (!Array.isArray(list)) return [];
  const number = (v) => typeof v === "number" && Number.isFinite(v);
  return list.filter((m) => m && typeof m.name === "string" && number(m.x) && number(m.y) && number(m.zoom) && m.zoom > 0);
}

/** @param {import("./index.js").Host} host */
export function viewCommands(host) {
  const { store } = host;
  const editable = () => !store.readOnly;
  const hasLayers = () => store.doc.layers.length > 0;

  /** The service's layered layout when it has one, stretched to the editor's boxes. */
  async function autoLayout() {
    let positions = null;
    try {
      positions = (await host.api.layout(store.doc, { rankdir: flowOf(store.doc) })).positions;
    } catch {
      positions = null; // the service cannot lay out (yet): use the quick layered layout
    }
    const names = store.doc.layers.map((l) => l.name);
    // The service draws its own stacks: a stacked canvas is laid out here.
    if (stackingOn(store.doc) || !positions || !names.every((n) => Array.isArray(positions[n]))) {
      positions = layeredLayout(store.doc);
    } else {
      positions = fitToBoxes(positions);
    }
    store.transact("Auto-layout", (tx) => {
      moveLayers(tx, positions);
      // The new positions are the unfolded drawing's: show it, in the same undoable step.
      if (store.session.fold.on) tx.session.set(["fold"], UNFOLDED);
    });
    host.view?.zoomToFit();
  }

  return [
    { id: "zoom-fit", label: "Zoom to fit", shortcut: ["F"], isEnabled: hasLayers, run: () => host.view.zoomToFit() },
    {
      id: "auto-layout",
      label: "Auto-layout",
      shortcut: ["L"],
      isEnabled: () => editable() && hasLayers(),
      run: autoLayout,
    },
    {
      id: "rename",
      label: "Rename",
      shortcut: ["F2"],
      isEnabled: () => editable() && store.session.selection.size === 1,
      run: () => host.ui.rename([...store.session.selection][0]),
    },
    {
      id: "reveal",
      label: "Show a layer",
      isEnabled: hasLayers,
      run: (name) => {
        store.select([name]);
        host.view?.centreOn(name);
      },
    },
    { id: "templates", label: "Templates", isEnabled: () => true, run: () => host.ui.templates() },
    // Bookmarks of views (issue 17): named places in the document's view.bookmarks, kept
    // with the design; going to one only moves the viewport.
    {
      id: "add-bookmark",
      label: "Bookmark this view",
      isEnabled: () => editable() && hasLayers(),
      run: (name) => {
        const list = bookmarksOf(store.doc);
        const { x, y, zoom } = store.session.viewport;
        const mark = { name: name || `View ${list.length + 1}`, x: Math.round(x), y: Math.round(y), zoom };
        return store.transact(`Bookmark ${mark.name}`, (tx) => {
          setView(tx, "bookmarks", [...list, mark]);
        });
      },
    },
    {
      id: "go-bookmark",
      label: "Go to a bookmarked view",
      isEnabled: () => bookmarksOf(store.doc).length > 0,
      run: (index) => {
        const mark = bookmarksOf(store.doc)[index];
        if (mark) store.setViewport({ x: mark.x, y: mark.y, zoom: mark.zoom });
      },
    },
    {
      id: "delete-bookmark",
      label: "Delete a bookmark",
      isEnabled: () => editable() && bookmarksOf(store.doc).length > 0,
      run: (index) => {
        const list = bookmarksOf(store.doc);
        if (!list[index]) return null;
        return store.transact(`Delete bookmark ${list[index].name}`, (tx) =>
          tx.set(["view", "bookmarks"], list.filter((_, i) => i !== index)),
        );
      },
    },
  ];
}
