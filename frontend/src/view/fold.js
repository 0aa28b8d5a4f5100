// Folded groups: the service finds repeated single-entry single-exit blocks (POST
// /api/layout?fold=true answers "groups": [{name, count, copies: [[layer names], ...]}]); the
// canvas shows each closed group as one box "name ×N" in place of all its copies. DOM-free.

import { parseRef } from "../model/document.js";
import { grown } from "./grow.js";
import { layeredLayout } from "./layout.js";
import { parseSection, sectionGroups, sectionIds } from "./sections.js";

/** Keep only well-formed groups whose layers all exist in the document. */
export function validGroups(groups, doc) {
  if (!Array.isArray(groups)) return [];
  const names = new Set(doc.layers.map((layer) => layer.name));
  return groups.filter(
    (g) =>
      g &&
      typeof g.name === "string" &&
      Number.isInteger(g.count) &&
      Array.isArray(g.copies) &&
      g.copies.length > 0 &&
      g.copies.every((copy) => Array.isArray(copy) && copy.length > 0 && copy.every((n) => names.has(n))),
  );
}

/** A box id that cannot clash with a layer name. */
export function groupId(group) {
  return `group:${group.name}`;
}

/**
 * What the canvas shows with the closed groups folded:
 *   hidden: Set of layer names drawn inside a box,
 *   boxes: [{id, group, label, inputs: [layer names], outputs: [layer names]}],
 *   doc: a stand-in document (hidden layers removed, one layer per box, references rewired)
 *        for laying out what is visible.
 * `open` holds the names of groups opened by a double-click: those are drawn as usual.
 */
export function foldView(doc, groups, open = new Set()) {
  const hidden = new Map(); // layer name -> box id
  const closed = validGroups(groups, doc).filter((g) => !open.has(g.name));
  for (const group of closed) {
    for (const copy of group.copies) {
      for (const name of copy) if (!hidden.has(name)) hidden.set(name, groupId(group));
    }
  }
  const boxes = closed.map((group) => ({
    id: groupId(group),
    group,
    label: group.label ?? (group.scope ? group.name : `${group.name} ×${group.count}`),
    inputs: [],
    outputs: [],
  }));
  const boxById = new Map(boxes.map((box) => [box.id, box]));
  const layers = [];
  const placed = new Set();
  for (const layer of doc.layers) {
    const inside = hidden.get(layer.name);
    const sources = (layer.inputs ?? []).map((ref) => parseRef(ref).name);
    if (inside) {
      const box = boxById.get(inside);
      for (const src of sources) {
        const outer = hidden.get(src);
        if (outer !== inside && !box.inputs.includes(outer ?? src)) box.inputs.push(outer ?? src);
      }
      if (!placed.has(inside)) {
        placed.add(inside);
        layers.push({ name: inside, type: "Group", inputs: [] });
      }
      continue;
    }
    const inputs = [];
    for (const src of sources) {
      const via = hidden.get(src) ?? src;
      if (!inputs.includes(via)) inputs.push(via);
      const box = boxById.get(via);
      if (box && !box.outputs.includes(layer.name)) box.outputs.push(layer.name);
    }
    layers.push({ ...layer, inputs });
  }
  for (const layer of layers) {
    const box = boxById.get(layer.name);
    if (box) layer.inputs = [...box.inputs];
  }
  return {
    hidden: new Set(hidden.keys()),
    boxes,
    doc: { ...doc, layers },
  };
}

/** The groups while Fold is off: one array, so the drawing kept for it is found again. */
const NO_GROUPS = Object.freeze([]);

/**
 * What the canvas draws while folded: foldView() of the document with the session's closed
 * groups, and a layout of it; null when nothing is folded. `previous` (the last answer) is
 * kept while the wiring, the figure settings, the groups and the opened groups are the same
 * (the wiring as `wiringKey` says, or spelled out from the layers),
 * so moving a box by hand survives an unrelated edit.
 */
export function foldedDrawing(doc, session, previous = null, wiringKey = null) {
  const { fold } = session;
  const collapsed = collapsedScopes(doc);
  const groups = fold.on ? session.groups : NO_GROUPS;
  if (groups.length === 0 && collapsed.length === 0) return null;
  // `wiringKey` (the store's count of rewiring changes) spares spelling out every layer.
  const wiring = wiringKey ?? doc.layers.map((l) => `${l.name}<${(l.inputs ?? []).join(",")}|${l.scope ?? ""}`).join(";");
  const style = JSON.stringify(doc.view?.style ?? {});
  const opened = [...fold.opened, "\u0001", ...collapsed].join("\u0000");
  const p = previous;
  if (p && p.wiring === wiring && p.style === style && p.groups === groups && p.opened === opened) return p;
  // A collapsed module is one box; a fold inside it is then not drawn at all.
  const scopes = scopeGroups(doc, collapsed);
  const inScope = new Set(scopes.flatMap((g) => g.copies[0]));
  const folds = groups.filter((g) => !g.copies.some((copy) => copy.some((n) => inScope.has(n))));
  const view = foldView(doc, [...scopes, ...folds], new Set(fold.opened));
  view.doc.view = { style: doc.view?.style ?? {} };
  // One box opened in the same drawing: lay out only its layers, in place (grow.js).
  const same = p && p.wiring === wiring && p.style === style && p.groups === groups;
  const positions = (same && grown(p.positions, view)) || layeredLayout(view.doc);
  return { ...view, wiring, style, groups, opened, positions };
}

/** The module paths (layers' `scope`, DESIGN 4) the document's view draws as one box. */
export function collapsedScopes(doc) {
  const list = doc.view?.collapsed;
  return Array.isArray(list) ? list.filter((s) => typeof s === "string" && s) : [];
}

/**
 * One group per collapsed module that holds layers: {name: the scope, count: 1, copies:
 * [its layers], scope: true, kind: its class from view.scopes}. An outer collapsed module
 * takes the layers of an inner one.
 */
export function scopeGroups(doc, collapsed = collapsedScopes(doc)) {
  const modules = collapsed.filter((s) => !parseSection(s));
  const outer = modules.filter((s) => !modules.some((o) => o !== s && s.startsWith(`${o}.`)));
  // One pass over the layers (a 50,000-layer graph opens with ~150 modules collapsed): each
  // layer joins the outermost collapsed module among its enclosing ones, found once per scope.
  const members = new Map(outer.map((scope) => [scope, []]));
  const owner = new Map(); // a layer's scope -> its outermost collapsed module (or null)
  for (const layer of doc.layers) {
    const scope = layer.scope;
    if (typeof scope !== "string" || !scope) continue;
    let list = owner.get(scope);
    if (list === undefined) {
      list = null;
      for (const enclosing of scopesOf(layer)) {
        list = members.get(enclosing) ?? null;
        if (list) break;
      }
      owner.set(scope, list);
    }
    list?.push(layer.name);
  }
  const groups = [];
  for (const scope of outer) {
    const names = members.get(scope);
    if (names.length === 0) continue;
    const kind = doc.view?.scopes?.[scope]?.type;
    groups.push({ name: scope, count: 1, copies: [names], scope: true, kind: typeof kind === "string" ? kind : "module" });
  }
  // Runs of a crowded module's own layers (sections.js), unless that module is collapsed.
  const covered = (scope) => outer.some((o) => scope === o || scope.startsWith(`${o}.`));
  return groups.concat(sectionGroups(doc, collapsed, covered));
}

/** The modules a layer sits in, outermost first (`layer1`, `layer1.0` for scope `layer1.0`). */
export function scopesOf(layer) {
  if (typeof layer?.scope !== "string" || !layer.scope) return [];
  const parts = layer.scope.split(".");
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}

/**
 * The modules a big graph opens collapsed to (issue 17), as Model Explorer opens its graphs:
 * the deepest level of the module tree at which at most `most` boxes and loose layers are in
 * sight, or the top level when even that is more; [] when no layer is in a module.
 */
export function defaultCollapsed(doc, most = 60) {
  // Each distinct scope once, with how many layers sit in it (50,000 layers, ~10,000 scopes).
  const count = new Map();
  for (const l of doc.layers) {
    const scope = typeof l.scope === "string" ? l.scope : "";
    count.set(scope, (count.get(scope) ?? 0) + 1);
  }
  const paths = [...count].map(([scope, n]) => [scope ? scope.split(".") : [], n]);
  const deepest = paths.reduce((most, [p]) => Math.max(most, p.length), 0);
  let chosen = null;
  for (let depth = 1; depth <= deepest; depth += 1) {
    const scopes = new Set();
    let loose = 0;
    for (const [parts, n] of paths) {
      if (parts.length >= depth) scopes.add(parts.slice(0, depth).join("."));
      else loose += n;
    }
    if (chosen !== null && scopes.size + loose > most) break;
    chosen = [...scopes];
    if (scopes.size + loose > most) break;
  }
  // Thousands of layers outside any module: in sections.
  return [...(chosen ?? []), ...sectionIds(doc, "")];
}

/**
 * What to collapse when `scope` is expanded: its direct sub-modules, when it holds more than
 * `most` layers, so opening a stage of a big graph shows its blocks, not thousands of layers.
 */
export function childScopes(doc, scope, most = 100) {
  const prefix = `${scope}.`;
  const inside = doc.layers.filter((l) => typeof l.scope === "string" && (l.scope === scope || l.scope.startsWith(prefix)));
  if (inside.length <= most) return [];
  const sections = sectionIds(doc, scope);
  const children = new Set();
  for (const l of inside) {
    if (l.scope === scope) continue;
    children.add(`${scope}.${l.scope.slice(prefix.length).split(".")[0]}`);
  }
  return [...children, ...sections];
}
