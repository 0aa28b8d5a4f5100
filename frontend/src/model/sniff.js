// What format a pasted text is in, from its first words: the source view reads a paste in
// the format it is written in, whatever the format menu said before. DOM-free.

/**
 * "json", "prototxt", "yaml", or null when the text does not say.
 * JSON starts with a brace or bracket and parses; prototxt has `layer {` / `layers {` blocks
 * or Caffe's input fields (`input_dim:`, `input_shape {`); netcanvas YAML has a `netcanvas:`
 * or `layers:` key. Only the start of a long text is looked at.
 * @param {string} text
 * @returns {"json"|"prototxt"|"yaml"|null}
 */
export function sniffFormat(text) {
  const head = text.slice(0, 20000);
  const start = head.trimStart();
  if (start.startsWith("{") || start.startsWith("[")) {
    try {
      JSON.parse(text);
      return "json";
    } catch {
      // A brace that is not JSON is still not YAML nor prototxt at the first character.
      return /^\{\s*"/.test(start) ? "json" : null;
    }
  }
  if (/^\s*layers?\s*\{/m.test(head) || /^\s*(input_dim|input_shape)\s*[:{]/m.test(head)) return "prototxt";
  if (/^netcanvas\s*:/m.test(head) || /^layers\s*:/m.test(head)) return "yaml";
  return null;
}

/**
 * "onnx" when the first bytes of a file are a serialized ONNX model, else null: a
 * ModelProto starts with field 1 (ir_version, a varint: byte 0x08) and has its producer or
 * graph (a length-delimited field, 0x12 or 0x3a) within the first bytes. So a model saved
 * without its extension (or pasted as a file) still opens as ONNX.
 * @param {Uint8Array} head  the first 16 bytes or more
 * @returns {"onnx"|null}
 */
export function sniffBytes(head) {
  return head.length > 2 && head[0] === 0x08 && head.slice(0, 16).includes(0x12) ? "onnx" : null;
}
