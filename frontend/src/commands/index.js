// Named commands: the toolbar, menus and keyboard all run these, nothing else writes.
// DOM-free: the host passes in what a command needs (store, clipboard, view actions).

import { copyLayers, moveLayers, pasteLayers, removeLayers } from "../model/document.js";

const NUDGE = 10;
const FINE_NUDGE = 1;

/**
 * host: {store, clipboard: {get(), set(payload)}, view: {zoomToFit(), autoLayout()},
 *        ui: {rename(name), notify(message)}}
 */
export function createCommands(host) {
  const { store } = host;
  const selected = () => [...store.session.selection];
  const editable = () => !store.readOnly;
  const hasSelection = () => editable() && store.session.selection.size > 0;

  const nudge = (dx, dy) => () => {
    const positions = store.doc.view?.positions ?? {};
    const moves = {};
    for (const name of selected()) {
      const [x, y] = positions[name] ?? [0, 0];
      moves[name] = [x + dx, y + dy];
    }
    store.transact("Nudge", (tx) => moveLayers(tx, moves), { merge: "nudge" });
  };

  const paste = (offset) => {
    const clip = host.clipboard.get();
    if (!clip || clip.layers.length === 0) return;
    let added = [];
    store.transact("Paste", (tx) => {
      added = pasteLayers(tx, clip, offset);
    });
    store.select(added);
  };

  const list = [
    {
      id: "delete",
      label: "Delete",
      shortcut: ["Delete", "Backspace"],
      isEnabled: hasSelection,
      run: () => store.transact("Delete", (tx) => removeLayers(tx, selected())),
    },
    {
      id: "undo",
      label: "Undo",
      shortcut: ["Mod+Z"],
      isEnabled: () => store.canUndo(),
      run: () => store.undo(),
    },
    {
      id: "redo",
      label: "Redo",
      shortcut: ["Mod+Shift+Z", "Mod+Y"],
      isEnabled: () => store.canRedo(),
      run: () => store.redo(),
    },
    {
      id: "copy",
      label: "Copy",
      shortcut: ["Mod+C"],
      isEnabled: () => store.session.selection.size > 0,
      run: () => host.clipboard.set(copyLayers(store.doc, selected())),
    },
    {
      id: "paste",
      label: "Paste",
      shortcut: ["Mod+V"],
      isEnabled: () => editable() && Boolean(host.clipboard.get()),
      run: () => paste([30, 30]),
    },
    {
      id: "duplicate",
      label: "Duplicate",
      shortcut: ["Mod+D"],
      isEnabled: hasSelection,
      run: () => {
        host.clipboard.set(copyLayers(store.doc, selected()));
        paste([30, 30]);
      },
    },
    {
      id: "select-all",
      label: "Select all",
      shortcut: ["Mod+A"],
      isEnabled: () => store.doc.layers.length > 0,
      run: () => store.select(store.doc.layers.map((layer) => layer.name)),
    },
    {
      id: "zoom-fit",
      label: "Zoom to fit",
      shortcut: ["F"],
      isEnabled: () => store.doc.layers.length > 0,
      run: () => host.view.zoomToFit(),
    },
    {
      id: "auto-layout",
      label: "Auto-layout",
      shortcut: ["L"],
      isEnabled: () => editable() && store.doc.layers.length > 0,
      run: () => host.view.autoLayout(),
    },
    {
      id: "rename",
      label: "Rename",
      shortcut: ["F2"],
      isEnabled: () => editable() && store.session.selection.size === 1,
      run: () => host.ui.rename(selected()[0]),
    },
    { id: "nudge-left", label: "Nudge left", shortcut: ["ArrowLeft"], run: nudge(-NUDGE, 0) },
    { id: "nudge-right", label: "Nudge right", shortcut: ["ArrowRight"], run: nudge(NUDGE, 0) },
    { id: "nudge-up", label: "Nudge up", shortcut: ["ArrowUp"], run: nudge(0, -NUDGE) },
    { id: "nudge-down", label: "Nudge down", shortcut: ["ArrowDown"], run: nudge(0, NUDGE) },
    { id: "nudge-left-fine", label: "Nudge left 1px", shortcut: ["Shift+ArrowLeft"], run: nudge(-FINE_NUDGE, 0) },
    { id: "nudge-right-fine", label: "Nudge right 1px", shortcut: ["Shift+ArrowRight"], run: nudge(FINE_NUDGE, 0) },
    { id: "nudge-up-fine", label: "Nudge up 1px", shortcut: ["Shift+ArrowUp"], run: nudge(0, -FINE_NUDGE) },
    { id: "nudge-down-fine", label: "Nudge down 1px", shortcut: ["Shift+ArrowDown"], run: nudge(0, FINE_NUDGE) },
  ];
  for (const command of list) {
    if (command.id.startsWith("nudge")) command.isEnabled = hasSelection;
  }
  return new Map(list.map((command) => [command.id, command]));
}

/** Run a command when enabled; returns whether it ran. */
export function runCommand(commands, id) {
  const command = commands.get(id);
  if (!command || !command.isEnabled()) return false;
  command.run();
  return true;
}

/** "Mod+Shift+Z" for a keyboard event (Mod = Ctrl, or Cmd on a Mac). */
export function chordOf(event) {
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("Mod");
  if (event.altKey) parts.push("Alt");
  if (event.shiftKey) parts.push("Shift");
  const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
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
