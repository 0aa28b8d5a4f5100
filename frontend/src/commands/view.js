// Commands about what the canvas shows and where: zoom to fit, auto-layout, reveal a layer,
// rename (focus the name field), the templates dialog.

import { moveLayers } from "../model/document.js";
import { UNFOLDED } from "../model/session.js";
import { fitToBoxes, layeredLayout } from "../view/layout.js";
import { flowOf } from "../view/metrics.js";
import { stackingOn } from "../view/stacks.js";

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
  ];
}
