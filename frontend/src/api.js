// Thin wrappers over the HTTP API (DESIGN 6). Errors become ApiError with the server's detail.

export class ApiError extends Error {
  constructor(status, detail) {
    const message =
      typeof detail === "string" ? detail : detail?.message ?? JSON.stringify(detail ?? "error");
    super(message);
    this.status = status;
    this.detail = detail;
  }

  /** "line 3, column 5: message" when the server located the problem. */
  get located() {
    const d = this.detail;
    if (d && typeof d === "object" && d.line) return `line ${d.line}, column ${d.column ?? 1}: ${d.message}`;
    return this.message;
  }
}

async function check(response) {
  if (response.ok) return response;
  let detail = response.statusText;
  try {
    const body = await response.json();
    detail = body.detail ?? body;
    if (Array.isArray(detail)) detail = detail.map((d) => d.msg ?? JSON.stringify(d)).join("; ");
  } catch {
    // a body that is not JSON: keep the status text
  }
  throw new ApiError(response.status, detail);
}

const json = (body) => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

async function getJson(url, init) {
  return (await check(await fetch(url, init))).json();
}

/** The document as the service expects it: positions live in view, inputs explicit. */
export function wireDocument(doc) {
  return { netcanvas: doc.netcanvas ?? 1, name: doc.name, layers: doc.layers, view: doc.view ?? {} };
}

/**
 * What an analysis reads: the layers, not the view (a drag or a collapsed module would
 * otherwise make the body differ from the one an incremental answer builds on).
 */
function analysisBody(doc) {
  return { netcanvas: doc.netcanvas ?? 1, name: doc.name, layers: doc.layers };
}

export const api = {
  layers: () => getJson("/api/layers"),
  /** [{name, kind: "model"|"figure", extensions, media_type, readable, writable, binary}] */
  formats: () => getJson("/api/formats"),
  /** {styles: [{name, label, description, folds, stacks, options}], themes, formats} */
  figures: () => getJson("/api/figures"),
  diff: (a, b) => getJson("/api/diff", json({ a: wireDocument(a), b: wireDocument(b) })),
  analyze: (doc, signal) => getJson("/api/analyze", { ...json(analysisBody(doc)), signal }),
  /**
   * The analysis as an edit of the answer whose ETag is `since` (docs/scale.md): the server
   * answers only what changed, `{since, nodes, removed, order?, totals, errors, warnings}`,
   * or the full answer (no `since` key) when it no longer holds that one. -> {answer, etag}
   */
  analyzeSince: async (doc, signal, since) => {
    const query = since ? `?${new URLSearchParams({ since, changed: "only" })}` : "";
    const response = await check(await fetch(`/api/analyze${query}`, { ...json(analysisBody(doc)), signal }));
    return { answer: await response.json(), etag: response.headers.get("ETag") };
  },
  layout: (doc, params = {}) =>
    getJson(`/api/layout?${new URLSearchParams(params)}`, json(wireDocument(doc))),
  templates: () => getJson("/api/templates"),
  template: (slug) => getJson(`/api/templates/${encodeURIComponent(slug)}`),

  /** Raw file bytes or text -> {document, warnings}. */
  import: (format, body, params = {}) => {
    const query = new URLSearchParams({ format, ...params });
    return getJson(`/api/import?${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body,
    });
  },

  /** Document -> {blob, filename}. */
  export: async (format, doc, params = {}, signal) => {
    const query = new URLSearchParams(params);
    const response = await check(
      await fetch(`/api/export/${format}?${query}`, { ...json(wireDocument(doc)), signal }),
    );
    const disposition = response.headers.get("Content-Disposition") ?? "";
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    return { blob: await response.blob(), filename: match ? decodeURIComponent(match[1]) : null };
  },

  createDesign: (doc) => getJson("/api/designs", json({ document: wireDocument(doc) })),
  updateDesign: (id, revision, doc, key) =>
    getJson(`/api/designs/${encodeURIComponent(id)}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-Edit-Key": key },
      body: JSON.stringify({ revision, document: wireDocument(doc) }),
    }),
  design: (id) => getJson(`/api/designs/${encodeURIComponent(id)}`),
  /** One saved revision of a design: {id, revision, document}. */
  designRevision: (id, revision) =>
    getJson(`/api/designs/${encodeURIComponent(id)}/revisions/${encodeURIComponent(revision)}`),

  // Training (DESIGN 10)
  /** [{name, kind, task, input_shape, classes, settings}] */
  datasets: () => getJson("/api/datasets"),
  /** POST /api/runs -> {id, status}; 422 a pair that cannot train, 501 no torch. */
  startRun: (body) => getJson("/api/runs", json(body)),
  /** Runs, newest first; only one design's when `design` is given. */
  runs: (design) => getJson(design ? `/api/runs?${new URLSearchParams({ design })}` : "/api/runs"),
  run: (id) => getJson(`/api/runs/${encodeURIComponent(id)}`),
  cancelRun: (id) => getJson(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
  /** {epoch, layers: {name: {stats, flags, reasons}}}; epoch null = the latest. */
  runLayers: (id, epoch = null) =>
    getJson(`/api/runs/${encodeURIComponent(id)}/layers${epoch === null ? "" : `?epoch=${encodeURIComponent(epoch)}`}`),
  /** {layer, epochs: [{epoch, weight_hist?, grad_hist?, act_hist}]} */
  histograms: (id, layer) =>
    getJson(`/api/runs/${encodeURIComponent(id)}/histograms/${encodeURIComponent(layer)}`),
  /** A log file or a zip of run folders -> {runs: [{id, name, metrics}]} (status "imported"). */
  importLogs: (filename, body, design = null) => {
    const query = new URLSearchParams({ filename });
    if (design) {
      query.set("design", design.id);
      query.set("revision", String(design.revision));
    }
    return getJson(`/api/logs?${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body,
    });
  },
  /** Runs' curves as the file `netcanvas plot` writes -> Blob (svg, pdf or png). */
  plot: async (runs, params) => {
    const response = await check(await fetch(`/api/plot?${new URLSearchParams(params)}`, json({ runs })));
    return response.blob();
  },
  /** A trained run's feature maps for one sample (images base64 PNG). */
  activations: (id, sample) =>
    getJson(`/api/runs/${encodeURIComponent(id)}/activations`, json({ sample })),
  /** An ONNX file's feature maps with its own weights, on a seeded random input. */
  inspectOnnx: (body) =>
    getJson("/api/inspect", { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body }),
  /** A profiler's CSV or Model Explorer node data -> {overlay: view.overlay}. */
  overlayValues: (filename, body) =>
    getJson(`/api/overlay?${new URLSearchParams({ filename })}`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body,
    }),
  artifactUrl: (id, name) => `/api/runs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}`,
};
