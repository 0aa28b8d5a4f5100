// Bookmarked views (issue 17, "find your way"): a button beside the find box opens a list of
// the document's bookmarks (view.bookmarks) with "Bookmark this view"; choosing one flies
// there, × deletes it. Every change is a command, so undo knows it.

import { bookmarksOf } from "../commands/view.js";

export class Bookmarks {
  /**
   * @param {HTMLElement} bar  where the button goes
   * @param {{store: any, run: (id: string, argument?: unknown) => unknown}} host
   */
  constructor(bar, host) {
    this.host = host;
    this.root = document.createElement("span");
    this.root.className = "bookmarks";
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.dataset.testid = "bookmarks";
    this.button.textContent = "★ Views";
    this.button.title = "Bookmarked views of this design";
    this.button.setAttribute("aria-haspopup", "menu");
    this.menu = document.createElement("div");
    this.menu.className = "bookmark-menu";
    this.menu.dataset.testid = "bookmark-menu";
    this.menu.setAttribute("role", "menu");
    this.menu.hidden = true;
    this.root.append(this.button, this.menu);
    bar.append(this.root);
    this.button.addEventListener("click", () => {
      this.menu.hidden = !this.menu.hidden;
      if (!this.menu.hidden) this.sync();
    });
    document.addEventListener("pointerdown", (event) => {
      if (!this.root.contains(event.target)) this.menu.hidden = true;
    });
  }

  /** Redraw the list (the document changed, or the menu opened). */
  sync() {
    if (this.menu.hidden) return;
    const { store, run } = this.host;
    const add = this.item("bookmark-add", "Bookmark this view", () => run("add-bookmark"));
    add.disabled = store.readOnly || store.doc.layers.length === 0;
    const rows = bookmarksOf(store.doc).map((mark, i) => {
      const row = document.createElement("span");
      row.className = "bookmark-row";
      const go = this.item(`bookmark-${i}`, mark.name, () => {
        run("go-bookmark", i);
        this.menu.hidden = true;
      });
      const remove = this.item(`bookmark-delete-${i}`, "×", () => run("delete-bookmark", i));
      remove.title = `Delete ${mark.name}`;
      remove.disabled = store.readOnly;
      row.append(go, remove);
      return row;
    });
    this.menu.replaceChildren(add, ...rows);
  }

  item(testid, text, action) {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "menuitem");
    button.dataset.testid = testid;
    button.textContent = text;
    button.addEventListener("click", action);
    return button;
  }
}
