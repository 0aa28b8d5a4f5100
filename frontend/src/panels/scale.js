// The "readable at scale" toggles (DESIGN 1): Stack and Fold run their commands (see
// commands/figure.js); this shows whether each is on, and says so when the chosen figure
// style ignores it, instead of leaving it silently without effect. While folded, an edit
// asks the service again what repeats.

import { figureSettings, ineffective } from "../model/figures.js";
import { flowOf } from "../view/metrics.js";
import { stackingOn } from "../view/stacks.js";

const REFOLD_DELAY_MS = 300;

export class ScaleControls {
  /**
   * root: holds the stack-toggle and fold-toggle buttons (which run their commands through
   * data-command); host: {store, run(id), figures(): the figure catalogue, or null until it is in}
   */
  constructor(root, host) {
    this.host = host;
    this.stackButton = root.querySelector('[data-testid="stack-toggle"]');
    this.foldButton = root.querySelector('[data-testid="fold-toggle"]');
    this.rankdirButton = root.querySelector('[data-testid="rankdir-toggle"]');
    this.timer = null;
    // The buttons' own explanations, shown again once a style follows them.
    this.titles = new Map([this.stackButton, this.foldButton].map((b) => [b, b.title]));
  }

  sync() {
    const { store, figures } = this.host;
    const { style } = figureSettings(store.doc, store.session);
    this.show(this.stackButton, stackingOn(store.doc), ineffective(figures(), style, "stacks"));
    this.show(this.foldButton, store.session.fold.on, ineffective(figures(), style, "folds"));
    this.rankdirButton.setAttribute("aria-pressed", String(flowOf(store.doc) === "LR"));
  }

  show(button, on, ignored) {
    button.setAttribute("aria-pressed", String(on));
    const idle = Boolean(on && ignored);
    button.classList.toggle("ineffective", idle);
    if (idle) button.dataset.effect = "none";
    else delete button.dataset.effect;
    button.title = idle ? ignored : this.titles.get(button);
  }

  /** The document changed: while folded, ask again what repeats (after a pause in editing). */
  documentChanged() {
    if (!this.host.store.session.fold.on) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.host.run("refresh-folds"), REFOLD_DELAY_MS);
  }
}
