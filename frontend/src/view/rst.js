// The little reStructuredText the layer docstrings use (backend/netcanvas/layers), read for
// the palette's help: ``literal`` and `interpreted` text and :role:`x` as code, **strong**,
// *emphasis*, paragraphs split at blank lines. Anything else stays as written. DOM-free: it
// answers segments the palette turns into elements, so no text is ever parsed as HTML.

const INLINE = /``(.+?)``|(?::[\w-]+:)?`([^`]+)`_?|\*\*(.+?)\*\*|\*([^*\s][^*]*?)\*/g;

/**
 * @typedef {{kind: "text"|"code"|"strong"|"em", text: string}} Segment
 */

/** One paragraph's inline markup as segments. @returns {Segment[]} */
export function inlineSegments(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push({ kind: "text", text: text.slice(last, match.index) });
    const [, literal, interpreted, strong, em] = match;
    if (literal !== undefined) out.push({ kind: "code", text: literal });
    else if (interpreted !== undefined) out.push({ kind: "code", text: interpreted });
    else if (strong !== undefined) out.push({ kind: "strong", text: strong });
    else out.push({ kind: "em", text: em });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

/** A line that starts a field of its own ("Input shape: ...", "Output shape: ..."). */
const FIELD = /^[A-Z][\w ()-]{0,30}:\s/;

/**
 * Paragraphs (split at blank lines) of segments. A paragraph's wrapped lines are joined;
 * a line that opens a field ("Input shape:") keeps its line break.
 * @returns {Segment[][]}
 */
export function rstParagraphs(text) {
  return String(text ?? "")
    .split(/\n\s*\n/)
    .map((block) =>
      block
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean)
        .reduce((joined, line) => (joined ? `${joined}${FIELD.test(line) ? "\n" : " "}${line}` : line), ""),
    )
    .filter(Boolean)
    .map(inlineSegments);
}

/** The text without its markup (a tooltip). */
export function rstPlain(text) {
  return rstParagraphs(text)
    .map((segments) => segments.map((s) => s.text).join(""))
    .join("\n\n");
}
