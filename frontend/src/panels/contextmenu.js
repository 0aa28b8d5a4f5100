// The canvas's context menu: right click (or the Menu key) on a layer, a collapsed module or
// empty canvas lists what can be done there. Every item is a named command, so the menu
// adds no way of changing the document that undo does not know; items whose command is
// disabled are left out rather than greyed, so the menu stays short.

/**
 * One item: a command id (with its argument) and the label shown; `key` is the shortcut.
 * @typedef {{id: string, label: string, arg?: unknown, key?: string}} Item
 */

/** What the menu offers for a layer, a collapsed module box, or empty canvas. */
export function menuItems(doc, { node = null, group = null, collapsed = [], annotation = null } = {}) {
  if (annotation !== null) {
    return [
      { id: "edit-annotation-text", label: "Edit text…", arg: annotation },
      { id: "delete-annotation", label: "Delete annotation", arg: annotation },
    ];
  }
  if (group !== null) {
    return collapsed.includes(group)
      ? [{ id: "expand-scope", label: `Open module ${group}`, arg: group }]
      : [{ id: "open-group", label: "Open this block", arg: group }];
  }
  if (node === null) {
    return [
      { id: "paste", label: "Paste", key: "Ctrl+V" },
      { id: "select-all", label: "Select all", key: "Ctrl+A" },
      { id: "auto-layout", label: "Auto-layout", key: "L" },
      { id: "zoom-fit", label: "Zoom to fit", key: "F" },
      { id: "rankdir", label: "Left to right / top to bottom" },
      { id: "fold", label: "Fold repeated blocks" },
      { id: "collapse-all-scopes", label: "Collapse the modules" },
      { id: "expand-all-scopes", label: "Open every module" },
    ];
  }
  const layer = doc.layers.find((l) => l.name === node);
  const items = [
    { id: "rename", label: "Rename", key: "F2" },
    { id: "duplicate", label: "Duplicate", key: "Ctrl+D" },
    { id: "copy", label: "Copy", key: "Ctrl+C" },
    { id: "delete", label: "Delete", key: "Del" },
    { id: "select-upstream", label: "Select upstream" },
    { id: "select-downstream", label: "Select downstream" },
  ];
  if (layer?.type === "Input") items.push({ id: "set-input-shape", label: "Set input shape…", arg: node });
  // The layer's module and every module around it, innermost first: draw one as a box.
  const parts = (layer?.scope ?? "").split(".").filter(Boolean);
  for (let depth = parts.length; depth > 0; depth -= 1) {
    const scope = parts.slice(0, depth).join(".");
    items.push({ id: "collapse-scope", label: `Collapse module ${scope}`, arg: scope });
  }
  return items;
}

export class ContextMenu {
  /**
   * svg: the canvas; host: {store, commands, run, extra: Map<id, {isEnabled, run}>} where
   * `extra` holds actions that are not document commands (set input shape opens a field).
   */
  constructor(svg, host) {
    this.svg = svg;
    this.host = host;
    this.menu = document.createElement("div");
    this.menu.className = "context-menu";
    this.menu.dataset.testid = "context-menu";
    this.menu.setAttribute("role", "menu");
    this.menu.hidden = true;
    svg.parentElement.append(this.menu);
    // The Menu key and Shift+F10 open it on the selection. Some browsers also send a
    // contextmenu event for them, with no pointer: that one must not open it again.
    svg.addEventListener("contextmenu", (event) => {
      if (event.pointerType) this.open(event);
      else if (this.menu.hidden) this.openAtSelection(event);
      else event.preventDefault();
    });
    // On the page, as the other shortcuts: a click on a layer leaves the focus on the body.
    document.addEventListener("keydown", (event) => {
      const typing = event.target.closest?.("input, textarea, select, dialog, [contenteditable]");
      if (typing || !(event.key === "ContextMenu" || (event.shiftKey && event.key === "F10"))) return;
      this.openAtSelection(event);
    });
    this.menu.addEventListener("keydown", (event) => this.key(event));
    this.menu.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-index]");
      if (button) this.choose(Number(button.dataset.index));
    });
    // Anything else the pointer does, or the window losing focus, closes the menu.
    document.addEventListener("pointerdown", (event) => {
      if (!this.menu.hidden && !this.menu.contains(event.target)) this.close();
    }, true);
    window.addEventListener("blur", () => this.close());
    this.items = [];
  }

  open(event) {
    event.preventDefault();
    const node = event.target.closest?.("[data-node]")?.dataset.node ?? null;
    const group = event.target.closest?.("[data-group]")?.dataset.group ?? null;
    const note = event.target.closest?.("[data-annotation]")?.dataset.annotation;
    const annotation = note === undefined ? null : Number(note);
    const { store } = this.host;
    // A right click on a layer outside the selection acts on that layer alone, as in
    // every desktop editor; inside it, on the whole selection.
    if (node !== null && !store.session.selection.has(node)) store.select([node]);
    if (node === null && group === null && annotation === null) store.select([]);
    this.show(event.clientX, event.clientY, { node, group, annotation });
  }

  openAtSelection(event) {
    const [name] = this.host.store.session.selection;
    const element = name ? this.svg.querySelector(`[data-node="${CSS.escape(name)}"]`) : null;
    const rect = (element ?? this.svg).getBoundingClientRect();
    event.preventDefault();
    this.show(rect.left + 20, rect.top + 20, { node: element ? name : null });
  }

  show(x, y, where) {
    const { store } = this.host;
    const collapsed = Array.isArray(store.doc.view?.collapsed) ? store.doc.view.collapsed : [];
    this.items = menuItems(store.doc, { ...where, collapsed }).filter((item) => this.enabled(item));
    if (this.items.length === 0) return;
    this.menu.replaceChildren(
      ...this.items.map((item, index) => {
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "menuitem");
        button.dataset.testid = `menu-${item.id}`;
        button.dataset.index = String(index);
        button.textContent = item.label;
        if (item.key) {
          const key = document.createElement("kbd");
          key.textContent = item.key;
          button.append(key);
        }
        return button;
      }),
    );
    this.menu.hidden = false;
    // Inside the canvas's box, whatever corner was clicked.
    const box = this.svg.parentElement.getBoundingClientRect();
    const { width, height } = this.menu.getBoundingClientRect();
    const left = Math.min(x - box.left, box.width - width - 4);
    const top = Math.min(y - box.top, box.height - height - 4);
    this.menu.style.left = `${Math.max(4, left)}px`;
    this.menu.style.top = `${Math.max(4, top)}px`;
    this.menu.querySelector("button")?.focus();
  }

  enabled(item) {
    const extra = this.host.extra?.get(item.id);
    if (extra) return extra.isEnabled(item.arg);
    return Boolean(this.host.commands().get(item.id)?.isEnabled());
  }

  choose(index) {
    const item = this.items[index];
    this.close();
    if (!item) return;
    const extra = this.host.extra?.get(item.id);
    if (extra) extra.run(item.arg);
    else this.host.run(item.id, item.arg);
  }

  key(event) {
    const buttons = [...this.menu.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "Escape") {
      this.close();
      this.svg.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      buttons[(at + step + buttons.length) % buttons.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      buttons[event.key === "Home" ? 0 : buttons.length - 1]?.focus();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  close() {
    this.menu.hidden = true;
  }
}
