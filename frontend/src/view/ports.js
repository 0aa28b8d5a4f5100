// How many ports a node draws, from its layer type (the catalogue's spec) and its analysis.
// DOM-free.

/** Whether a layer takes any number of inputs (merges; an unknown type too). */
export function isVariadic(spec) {
  if (!spec) return true;
  return spec.max_inputs === null || spec.max_inputs === undefined || spec.max_inputs > spec.inputs.length;
}

/** Input ports: the fixed inputs, or one per connection plus a free one. */
export function inputPorts(spec, layer) {
  const connected = (layer.inputs ?? []).length;
  if (!spec) return Math.max(1, connected);
  if (spec.max_inputs === 0) return 0;
  if (isVariadic(spec)) return connected + 1;
  return Math.max(spec.inputs.length, connected, 1);
}

/** Output ports: the declared outputs, or as many as the analysis found. */
export function outputPorts(spec, result) {
  const declared = spec ? spec.outputs.length : 1;
  return Math.max(1, declared, result?.output_shapes?.length ?? 0);
}
