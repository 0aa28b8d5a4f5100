// Stacking (DESIGN 1, "Readable at scale"): a layer and its in-place followers (Caffe's
// Conv -> BatchNorm -> Scale -> ReLU, each `inplace: true` on the single consumer of the one
// before) are drawn as one box listing their names. DOM-free.

import { parseRef } from "../model/document.js";

/** True when the document asks for stacked boxes (view.style.stack). */
export function stackingOn(doc) {
  return Boolean(doc.view?.style?.stack);
}

/**
 * The stacks of a document: `head` maps every member to the layer that starts its stack,
 * `members` maps each head to its followers in order. Layers outside any stack appear in
 * neither. A follower joins when it is in-place, reads exactly one tensor (output 0 of the
 * layer before it) and is that layer's only consumer, so nothing leaves the box sideways.
 */
export function findStacks(doc) {
  const consumers = new Map();
  for (const layer of doc.layers) {
    for (const ref of layer.inputs ?? []) {
      const { name } = parseRef(ref);
      consumers.set(name, (consumers.get(name) ?? 0) + 1);
    }
  }
  const byName = new Map(doc.layers.map((layer) => [layer.name, layer]));
  const head = new Map();
  const members = new Map();
  for (const layer of doc.layers) {
    const inputs = layer.inputs ?? [];
    if (layer.inplace !== true || inputs.length !== 1) continue;
    const { name: source, index } = parseRef(inputs[0]);
    if (index !== 0 || !byName.has(source) || consumers.get(source) !== 1) continue;
    if (source === layer.name) continue;
    const top = head.get(source) ?? source;
    head.set(layer.name, top);
    if (!members.has(top)) members.set(top, []);
    members.get(top).push(layer.name);
  }
  return { head, members };
}

/** The layer a member's box hangs from (itself for everything else). */
export function anchorOf(stacks, name) {
  return stacks?.head.get(name) ?? name;
}
