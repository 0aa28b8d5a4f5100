// Named commands: the only writers of the store besides the pointer tools (DESIGN 2,
// principle 7). The toolbar, menus, panels and keyboard all run these by id. Commands are
// DOM-free: the host passes in what they need, so the node tests drive them with fakes.

import { annotateCommands } from "./annotate.js";
import { documentCommands } from "./documents.js";
import { editCommands } from "./edit.js";
import { figureCommands } from "./figure.js";
import { trainCommands } from "./train.js";
import { viewCommands } from "./view.js";

/**
 * What commands may use. Only `store` is required: the rest is reached when a command
 * needs it, so a test passes only what it drives.
 * @typedef {object} Host
 * @property {import("../model/store.js").Store} store
 * @property {{get(): object|null, set(payload: object): void}} [clipboard]
 * @property {object} [api]  api.js (layout, template, import, design) or a fake
 * @property {{zoomToFit(): void, centreOn(name: string): void}} [view]
 * @property {{notify(message: string, kind?: string): void, rename(name: string): void,
 *   templates(): void, phase(): string, showText(format: string, text: string): boolean,
 *   sourceChanged(): void, leaveShare(): void}} [ui]
 * @property {{expect(doc: object, analysis: object|null): void,
 *   delivered(doc: object, analysis: object|null): void}} [analysis]
 *   told before and after a document is loaded, so the analysis starts early
 * @property {{forget(): void, adopt(design: object, options?: object): void,
 *   owns(id: string): boolean, save(): Promise<object|null>}} [persistence]
 * @property {{download(format: string): Promise<void>, copy(format: string): Promise<boolean>}} [exporter]
 * @property {() => Set<string>} [sources]  layer types that take no input
 * @property {() => Promise<object[]>} [formats]  the formats catalogue, once it is in
 * @property {(action: () => void) => void} [whenReady]  hold a load until the editor can take it
 * @property {import("../model/trainer.js").Trainer} [trainer]  the runs this editor follows
 */

/**
 * Every command: {id, label, shortcut?, isEnabled(), run(argument?)}.
 * @param {Host} host
 * @returns {Map<string, object>}
 */
export function createCommands(host) {
  const list = [
    ...editCommands(host),
    ...viewCommands(host),
    ...figureCommands(host),
    ...documentCommands(host),
    ...trainCommands(host),
    ...annotateCommands(host),
  ];
  return new Map(list.map((command) => [command.id, command]));
}

/** Run a command when enabled; returns whether it ran. */
export function runCommand(commands, id, argument) {
  const command = commands.get(id);
  if (!command || !command.isEnabled()) return false;
  command.run(argument);
  return true;
}

/** Run a command when enabled and answer what it answers (a promise for async ones). */
export function invoke(commands, id, argument) {
  const command = commands.get(id);
  if (!command) throw new Error(`no command ${id}`);
  return command.isEnabled() ? command.run(argument) : undefined;
}

/** "Mod+Shift+Z" for a keyboard event (Mod = Ctrl, or Cmd on a Mac). */
export function chordOf(event) {
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("Mod");
  if (event.altKey) parts.push("Alt");
  if (event.shiftKey) parts.push("Shift");
  let key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  // On a non-Latin layout (Cyrillic, Greek...) Ctrl+Y reports "н": shortcuts follow the key's
  // place on the keyboard then, as in other editors, so Ctrl+Z / Ctrl+Y still undo and redo.
  const letter = /^Key([A-Z])$/.exec(event.code ?? "");
  if (letter && key.length === 1 && !/[\x20-\x7e]/.test(key)) key = letter[1];
  parts.push(key);
  return parts.join("+");
}

/** The command bound to a key event, or null. */
export function commandForKey(commands, event) {
  const chord = chordOf(event);
  for (const command of commands.values()) {
    if (command.shortcut?.includes(chord)) return command;
  }
  return null;
}
