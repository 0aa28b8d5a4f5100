// The formats catalogue (GET /api/formats) as the editor reads it: what the Open dialog
// accepts, which format a file is in, what the Export menu offers and what a download is
// called. A format added to the service shows up here with no change. DOM-free.

import { sniffBytes } from "./sniff.js";

/**
 * @typedef {object} FormatInfo
 * @property {string} name          e.g. "onnx"; also the export path /api/export/{name}
 * @property {"model"|"figure"} kind
 * @property {string[]} extensions  with their dot, the first one is written
 * @property {string} media_type
 * @property {boolean} readable     can be opened (POST /api/import?format=name)
 * @property {boolean} writable     can be exported
 * @property {boolean} binary       read and sent as bytes, not text
 * @property {string} [label]       a menu label, when the service gives one
 */

/** @param {FormatInfo[]} formats */
export function readableFormats(formats) {
  return formats.filter((f) => f.readable);
}

/** The Open dialog's `accept` list: every readable extension. */
export function acceptList(formats) {
  return readableFormats(formats).flatMap((f) => f.extensions).join(",");
}

/**
 * The readable format a file is in, by its name: the longest matching extension wins (so
 * ".keras.py" is not read as ".py"), the rule the service itself uses. null when none fits.
 */
export function formatForFile(formats, fileName) {
  const name = fileName.toLowerCase();
  let best = null;
  let length = 0;
  for (const format of readableFormats(formats)) {
    for (const ext of format.extensions) {
      if (name.endsWith(ext.toLowerCase()) && ext.length > length) [best, length] = [format, ext.length];
    }
  }
  return best;
}

/** What the Export menu offers, figures first: every figure format and writable model format. */
export function exportFormats(formats) {
  const figures = formats.filter((f) => f.kind === "figure");
  const models = formats.filter((f) => f.kind === "model" && f.writable);
  return { figures, models };
}

/** "Figure · SVG", "Model · onnx": the service's label when it gives one. */
export function exportLabel(format) {
  if (format.label) return format.label;
  return format.kind === "figure" ? `Figure · ${format.name.toUpperCase()}` : `Model · ${format.name}`;
}

export function isFigureFormat(formats, name) {
  return formats.some((f) => f.name === name && f.kind === "figure");
}

const lastSuffix = (ext) => ext.slice(ext.lastIndexOf("."));

/**
 * A download's name: the design's name made file-safe, and the format's first extension.
 * Formats whose files end alike (PyTorch ".py", Keras ".keras.py") are told apart in the stem
 * instead ("net_pytorch.py", "net_keras.py"), which keeps each an importable module name.
 */
export function fileName(designName, formatName, formats = []) {
  const stem =
    (designName || "network").trim().replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "network";
  const format = formats.find((f) => f.name === formatName);
  const ext = format?.extensions?.[0] ?? `.${formatName}`;
  const suffix = lastSuffix(ext);
  const alike = formats.filter((f) => f.writable && f.extensions?.[0] && lastSuffix(f.extensions[0]) === suffix);
  return alike.length > 1 ? `${stem}_${formatName}${suffix}` : `${stem}${ext}`;
}

/**
 * The readable format of a File: by its name, else by its first bytes (an ONNX model saved
 * or pasted without its extension). null when neither says.
 */
export async function formatOfFile(formats, file) {
  const named = formatForFile(formats, file.name);
  if (named || typeof file.slice !== "function") return named;
  const kind = sniffBytes(new Uint8Array(await file.slice(0, 16).arrayBuffer()));
  return readableFormats(formats).find((f) => f.name === kind) ?? null;
}
