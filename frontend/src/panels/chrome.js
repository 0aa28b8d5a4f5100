// The editor's chrome: toolbar buttons that run commands (data-command), the keyboard, the
// left panel's tabs, the design's name, and the light/dark interface switch.

import { commandForKey, runCommand } from "../commands/index.js";

const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
const UI_KEY = "netcanvas:ui";

/** Every [data-command] button runs its command; updateButtons() greys out what cannot run. */
export function bindCommandButtons(commands) {
  const buttons = [...document.querySelectorAll("[data-command]")];
  for (const button of buttons) {
    button.addEventListener("click", () => runCommand(commands, button.dataset.command));
  }
  return function updateButtons() {
    for (const button of buttons) {
      const command = commands.get(button.dataset.command);
      if (command) button.disabled = !command.isEnabled();
    }
  };
}

/** Shortcuts run the same commands as the toolbar, except while typing or in a dialog. */
export function bindKeyboard({ commands, store, busy }) {
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing =
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      target?.isContentEditable;
    if (typing || busy()) return;
    if (event.key === "Escape") {
      store.select([]);
      return;
    }
    const command = commandForKey(commands, event);
    if (!command) return;
    event.preventDefault();
    if (command.isEnabled()) command.run();
  });
}

/**
 * The left panel's tabs; answers showTab(which) for "palette", "inspector", "source" or
 * "train". The Train tab widens the panel (its charts need the room).
 */
export function bindTabs({ onSource, onTrain = () => {} }) {
  const design = document.querySelector("#panel-design");
  const source = document.querySelector("#panel-source");
  const train = document.querySelector("#panel-train");
  const tabs = ["palette", "inspector", "source", "train"];
  const showTab = (which) => {
    source.hidden = which !== "source";
    train.hidden = which !== "train";
    design.hidden = which === "source" || which === "train";
    train.closest(".left")?.classList.toggle("wide", which === "train");
    for (const id of tabs) {
      byTestId(`tab-${id}`).setAttribute("aria-selected", String(id === which));
    }
    if (which === "source") onSource();
    if (which === "train") onTrain();
    if (which === "inspector") byTestId("inspector").scrollIntoView({ block: "nearest" });
  };
  for (const id of tabs) {
    byTestId(`tab-${id}`).addEventListener("click", () => showTab(id));
  }
  return showTab;
}

/** The name field renames the design (rename-design); sync() shows the name in force. */
export function bindDesignName({ input, store, run }) {
  input.addEventListener("change", () => run("rename-design", input.value));
  return function sync() {
    if (document.activeElement !== input) input.value = store.doc.name ?? "";
  };
}

/** Light or dark interface, remembered in this browser (not part of any design). */
export function bindUiTheme(button) {
  const stored = localStorage.getItem(UI_KEY);
  const apply = (mode) => {
    document.body.classList.toggle("dark", mode === "dark");
    button.setAttribute("aria-pressed", String(mode === "dark"));
  };
  apply(stored ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  button.addEventListener("click", () => {
    const mode = document.body.classList.contains("dark") ? "light" : "dark";
    localStorage.setItem(UI_KEY, mode);
    apply(mode);
  });
}
