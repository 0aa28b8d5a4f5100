// "Readable at scale" toolbar toggles (DESIGN 1): Stack draws in-place followers inside their
// producer's box (a figure setting, view.style.stack, undoable with its layout); Fold asks the
// service for repeated blocks (POST /api/layout?fold=true, "groups") and shows each as one
// "name ×N" box until it is double-clicked open.

import { api } from "../api.js";
import { moveLayers } from "../model/document.js";
import { layeredLayout } from "../view/layout.js";
import { stackingOn } from "../view/stacks.js";

const REFOLD_DELAY_MS = 300;

export class ScaleControls {
  /** host: {store, view, stackButton, foldButton, zoomToFit(), notify(message, kind)} */
  constructor(host) {
    this.host = host;
    this.timer = null;
    this.sequence = 0;
    host.stackButton.addEventListener("click", () => this.toggleStack());
    host.foldButton.addEventListener("click", () => this.toggleFold());
  }

  sync() {
    const { store, view, stackButton, foldButton } = this.host;
    stackButton.setAttribute("aria-pressed", String(stackingOn(store.doc)));
    foldButton.setAttribute("aria-pressed", String(view.folded));
  }

  toggleStack() {
    const { store } = this.host;
    const on = !stackingOn(store.doc);
    store.transact(on ? "Stack in-place layers" : "Unstack in-place layers", (tx) => {
      if (!tx.doc.view) tx.set(["view"], {});
      tx.set(["view", "style"], { ...(tx.doc.view.style ?? {}), stack: on });
      moveLayers(tx, layeredLayout(tx.doc));
    });
    this.host.zoomToFit();
  }

  async groups() {
    const answer = await api.layout(this.host.store.doc, { fold: "true" });
    return Array.isArray(answer?.groups) ? answer.groups : [];
  }

  async toggleFold() {
    const { view, notify } = this.host;
    if (view.folded) {
      view.setFolded(false);
      this.sync();
      this.host.zoomToFit();
      return;
    }
    let groups = [];
    try {
      groups = await this.groups();
    } catch (error) {
      notify(`Cannot find repeated blocks: ${error.message}`, "error");
      return;
    }
    if (groups.length === 0) {
      notify("No repeated blocks to fold in this design.");
      return;
    }
    view.setGroups(groups);
    view.setFolded(true);
    this.sync();
    this.host.zoomToFit();
    notify(`Folded ${groups.length} repeated block(s); double-click a box to open it.`);
  }

  /** The document changed: re-sync the buttons, and while folded ask again what repeats. */
  documentChanged() {
    this.sync();
    if (!this.host.view.folded) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      const mine = ++this.sequence;
      try {
        const groups = await this.groups();
        if (mine === this.sequence && this.host.view.folded) this.host.view.setGroups(groups);
      } catch {
        // keep the groups we have: the next edit asks again
      }
    }, REFOLD_DELAY_MS);
  }
}
