// The palette: generated from /api/layers, grouped by category, searchable; each item is a
// draggable layer type whose doc shows on hover. A new backend layer appears with no change here.

import { PALETTE_MIME } from "../tools/pointer.js";
import { rstParagraphs, rstPlain } from "../view/rst.js";

const CATEGORY_ORDER = [
  "io", "convolution", "pooling", "linear", "activation", "normalization", "dropout",
  "merge", "reshape", "recurrent", "attention", "losses",
];

function categoryRank(name) {
  const i = CATEGORY_ORDER.indexOf(name);
  return i < 0 ? CATEGORY_ORDER.length : i;
}

function titleCase(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The docstring's paragraphs as elements: ``x`` as <code>, never parsed as HTML (view/rst.js). */
function docParagraphs(text) {
  const tags = { code: "code", strong: "strong", em: "em" };
  return rstParagraphs(text).map((segments) => {
    const p = document.createElement("p");
    for (const { kind, text: part } of segments) {
      if (kind === "text") {
        p.append(part);
      } else {
        const el = document.createElement(tags[kind]);
        el.textContent = part;
        p.appendChild(el);
      }
    }
    return p;
  });
}

export function renderPalette(root, catalogue, { onAdd }) {
  const search = root.querySelector("[data-testid=palette-search]");
  const list = root.querySelector(".palette-list");
  const doc = root.querySelector(".palette-doc");
  const groups = new Map();
  for (const spec of catalogue.values()) {
    if (!groups.has(spec.category)) groups.set(spec.category, []);
    groups.get(spec.category).push(spec);
  }
  list.replaceChildren();
  const items = [];
  for (const category of [...groups.keys()].sort((a, b) => categoryRank(a) - categoryRank(b) || a.localeCompare(b))) {
    const section = document.createElement("section");
    section.className = "palette-group";
    const heading = document.createElement("h3");
    heading.textContent = titleCase(category);
    section.appendChild(heading);
    const ul = document.createElement("ul");
    for (const spec of groups.get(category)) {
      const li = document.createElement("li");
      const item = document.createElement("button");
      item.type = "button";
      item.className = `palette-item cat-${spec.category}`;
      item.draggable = true;
      item.dataset.testid = `palette-item-${spec.type}`;
      item.setAttribute("data-testid", `palette-item-${spec.type}`);
      item.textContent = spec.type;
      item.title = rstPlain(spec.doc || spec.summary);
      item.setAttribute("aria-label", `${spec.type}: ${spec.summary}. Drag onto the canvas or press Enter to add.`);
      item.addEventListener("dragstart", (event) => {
        event.dataTransfer.setData(PALETTE_MIME, spec.type);
        event.dataTransfer.setData("text/plain", spec.type);
        event.dataTransfer.effectAllowed = "copy";
      });
      item.addEventListener("click", () => onAdd(spec.type));
      const show = () => {
        doc.replaceChildren();
        const title = document.createElement("strong");
        title.textContent = spec.type;
        doc.append(title, ...docParagraphs(spec.doc || spec.summary));
        if (spec.aliases?.length) {
          const aliases = document.createElement("p");
          aliases.className = "muted";
          aliases.textContent = `Also: ${spec.aliases.join(", ")}`;
          doc.appendChild(aliases);
        }
      };
      item.addEventListener("mouseenter", show);
      item.addEventListener("focus", show);
      li.appendChild(item);
      ul.appendChild(li);
      items.push({ spec, li, section });
    }
    section.appendChild(ul);
    list.appendChild(section);
  }
  const filter = () => {
    const q = search.value.trim().toLowerCase();
    const visible = new Map();
    for (const { spec, li, section } of items) {
      const hit =
        !q ||
        spec.type.toLowerCase().includes(q) ||
        spec.category.toLowerCase().includes(q) ||
        (spec.aliases ?? []).some((a) => a.toLowerCase().includes(q)) ||
        (spec.summary ?? "").toLowerCase().includes(q);
      li.hidden = !hit;
      visible.set(section, (visible.get(section) ?? 0) + (hit ? 1 : 0));
    }
    for (const [section, count] of visible) section.hidden = count === 0;
  };
  search.addEventListener("input", filter);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const first = items.find(({ li, section }) => !li.hidden && !section.hidden);
      if (first) onAdd(first.spec.type);
    }
  });
}
