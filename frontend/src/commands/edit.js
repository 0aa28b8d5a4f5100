// Editing commands: delete, copy and paste, select (all, upstream, downstream), nudge,
// undo and redo.

import { copyLayers, edges, moveLayers, pasteLayers, removeLayers } from "../model/document.js";

const NUDGE = 10;
const FINE_NUDGE = 1;
const PASTE_OFFSET = [30, 30];

/** @param {import("./index.js").Host} host */
export function editCommands(host) {
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

  const paste = () => {
    const clip = host.clipboard.get();
    if (!clip || clip.layers.length === 0) return;
    let added = [];
    store.transact("Paste", (tx) => {
      added = pasteLayers(tx, clip, PASTE_OFFSET);
    });
    store.select(added);
  };

  /** The selection and every layer it reads from (or that reads it), transitively. */
  const reach = (downstream) => () => {
    const next = new Map();
    for (const { src, dst } of edges(store.doc)) {
      const [from, to] = downstream ? [src, dst] : [dst, src];
      if (!next.has(from)) next.set(from, []);
      next.get(from).push(to);
    }
    const seen = new Set(selected());
    const stack = [...seen];
    while (stack.length) {
      for (const name of next.get(stack.pop()) ?? []) {
        if (seen.has(name)) continue;
        seen.add(name);
        stack.push(name);
      }
    }
    store.select([...seen]);
  };

  const nudges = [
    ["left", "ArrowLeft", -1, 0],
    ["right", "ArrowRight", 1, 0],
    ["up", "ArrowUp", 0, -1],
    ["down", "ArrowDown", 0, 1],
  ].flatMap(([side, key, x, y]) => [
    { id: `nudge-${side}`, label: `Nudge ${side}`, shortcut: [key], isEnabled: hasSelection, run: nudge(x * NUDGE, y * NUDGE) },
    {
      id: `nudge-${side}-fine`,
      label: `Nudge ${side} 1px`,
      shortcut: [`Shift+${key}`],
      isEnabled: hasSelection,
      run: nudge(x * FINE_NUDGE, y * FINE_NUDGE),
    },
  ]);

  return [
    {
      id: "delete",
      label: "Delete",
      shortcut: ["Delete", "Backspace"],
      isEnabled: hasSelection,
      run: () => store.transact("Delete", (tx) => removeLayers(tx, selected())),
    },
    { id: "undo", label: "Undo", shortcut: ["Mod+Z"], isEnabled: () => store.canUndo(), run: () => store.undo() },
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
      run: paste,
    },
    {
      id: "duplicate",
      label: "Duplicate",
      shortcut: ["Mod+D"],
      isEnabled: hasSelection,
      run: () => {
        host.clipboard.set(copyLayers(store.doc, selected()));
        paste();
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
      id: "select-upstream",
      label: "Select upstream",
      isEnabled: () => store.session.selection.size > 0,
      run: reach(false),
    },
    {
      id: "select-downstream",
      label: "Select downstream",
      isEnabled: () => store.session.selection.size > 0,
      run: reach(true),
    },
    ...nudges,
  ];
}
