// Pure helpers over the netcanvas document (DESIGN 4) and edits expressed through a
// transaction writer (see store.js). DOM-free.

import { renamedIn } from "./annotations.js";

/** "conv1:1" -> {name: "conv1", index: 1}. A name may itself contain ":" only before a digit tail. */
export function parseRef(ref) {
  // Most references name a first output: no pattern to run (50,000 of them on an open).
  if (!ref.includes(":")) return { name: ref, index: 0 };
  const match = /^(.*):(\d+)$/.exec(ref);
  if (match) return { name: match[1], index: Number(match[2]) };
  return { name: ref, index: 0 };
}

export function formatRef(name, index) {
  return index === 0 ? name : `${name}:${index}`;
}

/**
 * Make every layer's inputs explicit: the document format lets a layer without `inputs` read
 * the previous layer, but an editor must tell "unconnected" from "implicit".
 * sources: set of types that take no input (from the catalogue). With `copy: false` the
 * document is normalized in place (a caller that owns it saves a copy of every layer).
 */
export function normalize(doc, sources = new Set(["Input"]), { copy = true } = {}) {
  const out = copy ? structuredClone(doc) : doc;
  out.netcanvas = out.netcanvas ?? 1;
  out.name = out.name ?? "network";
  out.layers = out.layers ?? [];
  out.view = out.view ?? {};
  out.view.positions = out.view.positions ?? {};
  let previous = null;
  for (const layer of out.layers) {
    if (layer.inputs === undefined || layer.inputs === null) {
      layer.inputs = sources.has(layer.type) || previous === null ? [] : [previous];
    } else if (typeof layer.inputs === "string") {
      layer.inputs = [layer.inputs];
    }
    previous = layer.name;
  }
  return out;
}

/** `{type lowercased}{n}` with the lowest free n from 1 (DESIGN 7). */
export function uniqueName(type, taken) {
  const base = type.toLowerCase();
  let n = 1;
  while (taken.has(`${base}${n}`)) n += 1;
  return `${base}${n}`;
}

/** A name free in `taken`, keeping `wanted` when possible (paste, rename). */
export function freeName(wanted, taken) {
  if (!taken.has(wanted)) return wanted;
  const stem = wanted.replace(/_\d+$/, "");
  let n = 1;
  while (taken.has(`${stem}_${n}`)) n += 1;
  return `${stem}_${n}`;
}

export function layerIndex(doc, name) {
  return doc.layers.findIndex((layer) => layer.name === name);
}

/** Names of the layers `name` reads from. */
export function predecessors(layer) {
  return (layer.inputs ?? []).map((ref) => parseRef(ref).name);
}

/** True when an edge src -> dst would close a cycle (dst already reaches src), or src == dst. */
export function wouldCycle(doc, src, dst) {
  if (src === dst) return true;
  const preds = new Map(doc.layers.map((layer) => [layer.name, predecessors(layer)]));
  // Walk upstream from src: if we meet dst, dst is an ancestor of src.
  const stack = [src];
  const seen = new Set();
  while (stack.length) {
    const name = stack.pop();
    if (name === dst) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const p of preds.get(name) ?? []) stack.push(p);
  }
  return false;
}

/**
 * Edges as {src, srcIndex, dst, dstIndex, ref}; with `hidden` (a Set of names) only those
 * between layers not in it (a collapsed 50,000-layer model draws a few).
 */
export function edges(doc, hidden = null) {
  const names = new Set(doc.layers.map((layer) => layer.name));
  const out = [];
  for (const layer of doc.layers) {
    if (hidden?.has(layer.name)) continue;
    (layer.inputs ?? []).forEach((ref, dstIndex) => {
      const { name, index } = parseRef(ref);
      if (names.has(name) && !hidden?.has(name)) out.push({ src: name, srcIndex: index, dst: layer.name, dstIndex, ref });
    });
  }
  return out;
}

/** Layer settings (everything beside the reserved keys). */
export const RESERVED = new Set(["name", "type", "scope", "inputs", "inplace", "output_shapes", "weights", "tied", "meta"]);

export function layerParams(layer) {
  return Object.fromEntries(Object.entries(layer).filter(([key]) => !RESERVED.has(key)));
}

// ---- edits (each takes a transaction writer `tx` from Store.transact) ----

export function addLayer(tx, layer, position) {
  tx.push(["layers"], layer);
  if (position) tx.set(["view", "positions", layer.name], position.map(Math.round));
}

/** Remove layers and every reference to them. */
export function removeLayers(tx, names) {
  const gone = new Set(names);
  for (let i = tx.doc.layers.length - 1; i >= 0; i -= 1) {
    const layer = tx.doc.layers[i];
    if (gone.has(layer.name)) {
      tx.remove(["layers"], i);
      if (tx.doc.view?.positions?.[layer.name]) tx.set(["view", "positions", layer.name], undefined);
    }
  }
  tx.doc.layers.forEach((layer, i) => {
    const kept = (layer.inputs ?? []).filter((ref) => !gone.has(parseRef(ref).name));
    if (kept.length !== (layer.inputs ?? []).length) tx.set(["layers", i, "inputs"], kept);
  });
}

/** Rename a layer and every reference to it. Returns false when the name is taken or empty. */
export function renameLayer(tx, from, to) {
  const trimmed = to.trim();
  if (!trimmed || trimmed === from || /\s/.test(trimmed) || /:\d+$/.test(trimmed)) return false;
  if (tx.doc.layers.some((layer) => layer.name === trimmed)) return false;
  const i = layerIndex(tx.doc, from);
  if (i < 0) return false;
  tx.set(["layers", i, "name"], trimmed);
  tx.doc.layers.forEach((layer, j) => {
    const refs = layer.inputs ?? [];
    const renamed = refs.map((ref) => {
      const { name, index } = parseRef(ref);
      return name === from ? formatRef(trimmed, index) : ref;
    });
    if (renamed.some((ref, k) => ref !== refs[k])) tx.set(["layers", j, "inputs"], renamed);
  });
  // Annotations name layers too: they follow the rename.
  const notes = tx.doc.view?.annotations;
  if (Array.isArray(notes) && notes.some((n) => JSON.stringify(n).includes(JSON.stringify(from)))) {
    tx.set(["view", "annotations"], notes.map((n) => renamedIn(n, from, trimmed)));
  }
  const pos = tx.doc.view?.positions?.[from];
  if (pos) {
    tx.set(["view", "positions", from], undefined);
    tx.set(["view", "positions", trimmed], pos);
  }
  return true;
}

/**
 * Connect output `srcIndex` of `src` to input slot `dstIndex` of `dst`. `variadic` layers
 * (merges) gain an input instead of replacing one. Returns an error message or null.
 */
export function connect(tx, src, srcIndex, dst, dstIndex, { variadic = false } = {}) {
  if (wouldCycle(tx.doc, src, dst)) {
    return src === dst
      ? `${src} cannot read its own output`
      : `connecting ${src} → ${dst} would make a cycle`;
  }
  const i = layerIndex(tx.doc, dst);
  if (i < 0) return `no layer ${dst}`;
  const ref = formatRef(src, srcIndex);
  const inputs = [...(tx.doc.layers[i].inputs ?? [])];
  if (inputs.includes(ref)) return null;
  if (variadic || dstIndex >= inputs.length) inputs.push(ref);
  else inputs[dstIndex] = ref;
  tx.set(["layers", i, "inputs"], inputs);
  return null;
}

export function disconnect(tx, dst, dstIndex) {
  const i = layerIndex(tx.doc, dst);
  if (i < 0) return;
  const inputs = [...tx.doc.layers[i].inputs];
  inputs.splice(dstIndex, 1);
  tx.set(["layers", i, "inputs"], inputs);
}

/** Set (or with undefined, clear back to its default) one layer setting. */
export function setParam(tx, name, key, value) {
  const i = layerIndex(tx.doc, name);
  if (i < 0) return;
  tx.set(["layers", i, key], value);
}

/** Set `view[key]`, making the document's `view` first when it has none. */
export function setView(tx, key, value) {
  if (!tx.doc.view) tx.set(["view"], {});
  tx.set(["view", key], value);
}

export function moveLayers(tx, moves) {
  for (const [name, pos] of Object.entries(moves)) {
    tx.set(["view", "positions", name], [Math.round(pos[0]), Math.round(pos[1])]);
  }
}

/** A clipboard payload: the chosen layers with their positions. */
export function copyLayers(doc, names) {
  const chosen = new Set(names);
  return {
    layers: structuredClone(doc.layers.filter((layer) => chosen.has(layer.name))),
    positions: Object.fromEntries(
      [...chosen].filter((n) => doc.view?.positions?.[n]).map((n) => [n, doc.view.positions[n]]),
    ),
  };
}

/**
 * Paste a clipboard payload with fresh names, offset on the canvas. References between pasted
 * layers follow the new names; references to layers outside the payload stay when they exist.
 * Returns the new names.
 */
export function pasteLayers(tx, clip, offset = [30, 30]) {
  const taken = new Set(tx.doc.layers.map((layer) => layer.name));
  const renames = new Map();
  for (const layer of clip.layers) {
    const name = freeName(layer.name, taken);
    taken.add(name);
    renames.set(layer.name, name);
  }
  const existing = new Set(tx.doc.layers.map((layer) => layer.name));
  const added = [];
  for (const layer of clip.layers) {
    const copy = structuredClone(layer);
    copy.name = renames.get(layer.name);
    copy.inputs = (layer.inputs ?? [])
      .map((ref) => {
        const { name, index } = parseRef(ref);
        if (renames.has(name)) return formatRef(renames.get(name), index);
        return existing.has(name) ? ref : null;
      })
      .filter((ref) => ref !== null);
    const pos = clip.positions?.[layer.name];
    addLayer(tx, copy, pos ? [pos[0] + offset[0], pos[1] + offset[1]] : null);
    added.push(copy.name);
  }
  return added;
}
