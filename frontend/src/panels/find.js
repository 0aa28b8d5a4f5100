// Find a layer (issue 20, item 4): a box over the canvas matching layer names, types and
// modules (`scope`). Choosing a result opens the collapsed module it sits in, selects it
// and pans the canvas to it (the `reveal` command), as Netron's find does.

import { scopesOf } from "../view/fold.js";
import { sectionOf } from "../view/sections.js";

const MOST = 30; // results listed; typing more narrows them

/**
 * The layers whose name, type or module contains `query` (case-insensitive): exact names
 * first, then names that start with it, then the rest in document order.
 * @param {{layers: Array<{name: string, type: string, scope?: string}>}} doc
 * @param {string} query
 */
export function findLayers(doc, query) {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const rank = (layer) => {
    const name = layer.name.toLowerCase();
    if (name === q) return 0;
    if (name.startsWith(q)) return 1;
    if (name.includes(q)) return 2;
    return 3;
  };
  return doc.layers
    .filter((l) => [l.name, l.type, l.scope ?? ""].some((t) => t.toLowerCase().includes(q)))
    .map((layer, i) => ({ layer, key: rank(layer) * 1e9 + i }))
    .sort((a, b) => a.key - b.key)
    .slice(0, MOST)
    .map(({ layer }) => layer);
}

/**
 * Wire the find box: `root` holds [data-testid=find] and [data-testid=find-results].
 * @param {HTMLElement} root
 * @param {{store: any, run: (id: string, argument?: any) => any}} host
 */
export function bindFind(root, { store, run }) {
  const input = root.querySelector("[data-testid=find]");
  const list = root.querySelector("[data-testid=find-results]");
  let shown = [];

  function show() {
    shown = findLayers(store.doc, input.value);
    list.replaceChildren(
      ...shown.map((layer) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("data-testid", "find-result");
        button.dataset.layer = layer.name;
        button.textContent = layer.name;
        const detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = ` ${layer.type}${layer.scope ? ` · ${layer.scope}` : ""}`;
        button.append(detail);
        button.addEventListener("click", () => choose(layer.name));
        item.append(button);
        return item;
      }),
    );
    list.hidden = shown.length === 0;
  }

  function choose(name) {
    const layer = store.doc.layers.find((l) => l.name === name);
    if (!layer) return;
    // Outermost first; opening a big module collapses its sub-modules, so ask again each time.
    for (const scope of scopesOf(layer)) if ((store.doc.view?.collapsed ?? []).includes(scope)) run("expand-scope", scope);
    const section = sectionOf(store.doc, name, store.doc.view?.collapsed ?? []);
    if (section) run("expand-scope", section);
    run("reveal", name);
    list.hidden = true;
  }

  input.addEventListener("input", show);
  input.addEventListener("focus", show);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && shown.length) {
      event.preventDefault();
      choose(shown[0].name);
    } else if (event.key === "Escape") {
      input.value = "";
      list.hidden = true;
      input.blur();
    }
    event.stopPropagation(); // typing a name is not a canvas shortcut (F, L, Del...)
  });
}
