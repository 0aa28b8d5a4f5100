// Sections (issue 17): a module, or the top level, with more than SECTION_FROM layers of its
// own is drawn as runs of SECTION_SIZE consecutive layers, each one box like a collapsed
// module, so a 50,000-layer graph without modules still opens as a hundred boxes. A section
// is named in view.collapsed as "§<module>:<first>-<last>" (positions among the module's own
// layers in document order; "" is the top level), so opening one is the same undoable
// change as opening a module. DOM-free.

export const SECTION_FROM = 1000;
export const SECTION_SIZE = 500;
const PATTERN = /^§(.*):(\d+)-(\d+)$/;

/** {scope, first, last} of a section id, or null for a module's name. */
export function parseSection(id) {
  const match = PATTERN.exec(id);
  return match ? { scope: match[1], first: Number(match[2]), last: Number(match[3]) } : null;
}

/** A layer's own module ("" at the top level). */
const ownScope = (layer) => (typeof layer.scope === "string" ? layer.scope : "");

/** The section ids of `scope` when it has more than SECTION_FROM layers of its own, else []. */
export function sectionIds(doc, scope) {
  const count = doc.layers.reduce((n, layer) => n + (ownScope(layer) === scope ? 1 : 0), 0);
  if (count <= SECTION_FROM) return [];
  const ids = [];
  for (let first = 0; first < count; first += SECTION_SIZE) {
    ids.push(`§${scope}:${first}-${Math.min(count, first + SECTION_SIZE) - 1}`);
  }
  return ids;
}

/** "layers 501–1,000" or "encoder 1–500": what a section box says. */
export function sectionLabel(id) {
  const { scope, first, last } = parseSection(id);
  const n = (i) => (i + 1).toLocaleString("en-US");
  return `${scope || "layers"} ${n(first)}–${n(last)}`;
}

/**
 * Groups (as fold.js scopeGroups makes them) for the collapsed sections `ids`; `covered(scope)`
 * says a module is inside a collapsed one, whose box holds the section's layers already.
 */
export function sectionGroups(doc, ids, covered) {
  const wanted = new Map();
  for (const id of ids) {
    const section = parseSection(id);
    if (section && !covered(section.scope)) wanted.set(id, section);
  }
  if (wanted.size === 0) return [];
  const own = new Map([...wanted.values()].map((s) => [s.scope, []]));
  for (const layer of doc.layers) own.get(ownScope(layer))?.push(layer.name);
  const groups = [];
  for (const [id, { scope, first, last }] of wanted) {
    const names = own.get(scope).slice(first, last + 1);
    if (names.length) groups.push({ name: id, count: 1, copies: [names], scope: true, kind: "section", label: sectionLabel(id) });
  }
  return groups;
}

/** The collapsed section that holds layer `name`, or null. */
export function sectionOf(doc, name, collapsed) {
  const layer = doc.layers.find((l) => l.name === name);
  if (!layer) return null;
  const scope = ownScope(layer);
  const index = doc.layers.filter((l) => ownScope(l) === scope).indexOf(layer);
  for (const id of collapsed) {
    const s = parseSection(id);
    if (s && s.scope === scope && s.first <= index && index <= s.last) return id;
  }
  return null;
}
