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
