// A training run as the editor knows it, and the pure arithmetic the Train panel draws from:
// server-sent events reduced into one run object, chart series (runs side by side, EMA
// smoothing), the progress fraction, the POST /api/runs body. DOM-free: the node tests
// drive every function here.

/** Statuses after which nothing changes any more (DESIGN 10). */
export const FINISHED = new Set(["done", "failed", "cancelled", "interrupted", "imported"]);

/** The per-epoch numbers a `metrics` event carries (Keras History names). */
export const METRIC_NAMES = ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"];

/**
 * A run: what GET /api/runs/{id} answers, plus what only the event stream tells.
 * @typedef {object} Run
 * @property {string} id
 * @property {string} status
 * @property {string|null} error
 * @property {string|null} note
 * @property {string|null} name
 * @property {object} config  {epochs, batch_size, lr, ...}
 * @property {object} data    {name, path?, settings?}
 * @property {{id: string, revision: number}|null} design
 * @property {string|null} created_at
 * @property {string|null} updated_at
 * @property {object[]} metrics  one row per epoch, by epoch: {epoch, loss, accuracy, ...}
 * @property {object|null} progress  the last `progress` event {epoch, step, steps, seconds, eta}
 * @property {object|null} boundary  the last `boundary` event (2-D data sets)
 * @property {number[][]|null} points  [[x, y, label], ...] sent with the first boundary
 * @property {Map<number, object>} layers  epoch -> {layerName: {stats, flags, reasons}}
 * @property {string[]} artifacts  file names the run wrote
 */

/** @returns {Run} */
export function emptyRun(id, fields = {}) {
  return {
    id,
    status: "queued",
    error: null,
    note: null,
    name: null,
    config: {},
    data: {},
    design: null,
    created_at: null,
    updated_at: null,
    metrics: [],
    progress: null,
    boundary: null,
    points: null,
    layers: new Map(),
    artifacts: [],
    ...fields,
  };
}

/** GET /api/runs/{id}'s answer ({metrics: [{epoch, name, value}]}) as a Run. */
export function runFromJson(json) {
  const byEpoch = new Map();
  for (const { epoch, name, value } of json.metrics ?? []) {
    if (!byEpoch.has(epoch)) byEpoch.set(epoch, { epoch });
    byEpoch.get(epoch)[name] = value;
  }
  const { metrics: _rows, ...rest } = json;
  return emptyRun(json.id, {
    ...rest,
    metrics: [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch),
    artifacts: json.artifacts ?? [],
  });
}

/** One epoch's row, replacing a row of the same epoch (a stream that reconnects replays). */
function withRow(rows, row) {
  const out = rows.filter((r) => r.epoch !== row.epoch);
  out.push(row);
  if (out.length > 1 && out[out.length - 2].epoch > row.epoch) out.sort((a, b) => a.epoch - b.epoch);
  return out;
}

/** A layers payload without its histograms: the overlay needs numbers, not counts. */
function numbersOnly(layers) {
  const out = {};
  for (const [name, entry] of Object.entries(layers ?? {})) {
    const stats = {};
    for (const [key, value] of Object.entries(entry.stats ?? {})) {
      if (!key.endsWith("_hist")) stats[key] = value;
    }
    out[name] = { stats, flags: entry.flags ?? [], reasons: entry.reasons ?? [] };
  }
  return out;
}

/**
 * The run after one server-sent event (GET /api/runs/{id}/events). Never mutates `run`;
 * unknown kinds leave it as it is.
 * @param {Run} run
 * @param {string} kind  status | metrics | progress | layers | boundary | artifact
 * @param {object} payload
 * @returns {Run}
 */
export function reduceEvent(run, kind, payload) {
  switch (kind) {
    case "status":
      return { ...run, status: payload.status, error: payload.error ?? null, note: payload.note ?? null };
    case "metrics": {
      const row = { epoch: payload.epoch };
      for (const name of METRIC_NAMES) if (payload[name] !== undefined) row[name] = payload[name];
      return { ...run, metrics: withRow(run.metrics, row) };
    }
    case "progress":
      return { ...run, progress: { ...payload } };
    case "layers": {
      const layers = new Map(run.layers);
      layers.set(payload.epoch, numbersOnly(payload.layers));
      return { ...run, layers };
    }
    case "boundary":
      return { ...run, boundary: payload, points: payload.points ?? run.points };
    case "artifact":
      return run.artifacts.includes(payload.name) ? run : { ...run, artifacts: [...run.artifacts, payload.name] };
    default:
      return run;
  }
}

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the first points are
 * not pulled towards zero. weight 0 gives the values back; nulls (and non-finite values)
 * stay null and do not enter the average.
 * @param {(number|null)[]} values
 * @param {number} weight  0 <= weight < 1
 */
export function ema(values, weight) {
  const w = Math.min(Math.max(Number(weight) || 0, 0), 0.999);
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return null;
    count += 1;
    last = last * w + (1 - w) * value;
    return w === 0 ? value : last / (1 - w ** count);
  });
}

/**
 * Wall-clock seconds since the run began, per row: an imported log's own `time` (seconds
 * since its first record), else the sum of the trained epochs' `seconds`; null where neither
 * is known.
 * @param {object[]} rows  a run's metrics, by epoch
 * @returns {(number|null)[]}
 */
export function elapsed(rows) {
  let total = 0;
  return rows.map((row) => {
    if (typeof row.time === "number") return row.time;
    if (typeof row.seconds !== "number") return null;
    total += row.seconds;
    return Math.round(total * 1000) / 1000;
  });
}

/**
 * uPlot's data for runs side by side: [epochs, then one array per run and key], aligned on
 * the union of their epochs (null where a run has no such epoch).
 * @param {Run[]} runs
 * @param {string[]} keys  e.g. ["loss", "val_loss"]
 * @param {{smoothing?: number, floor?: number, x?: "step"|"time"}} options  floor: values
 *   below it are raised to it (a log axis cannot show 0); x: the epoch (or an imported log's
 *   step), or the wall-clock seconds of elapsed()
 * @returns {{data: (number|null)[][], points: number, series: {run: string, key: string}[]}}
 */
export function chartData(runs, keys, { smoothing = 0, floor = null, x = "step" } = {}) {
  const xs = new Map(runs.map((run) => [run, x === "time" ? elapsed(run.metrics) : run.metrics.map((row) => row.epoch)]));
  const epochs = [...new Set([...xs.values()].flat().filter((v) => v !== null))].sort((a, b) => a - b);
  const index = new Map(epochs.map((epoch, i) => [epoch, i]));
  const data = [epochs];
  const series = [];
  for (const run of runs) {
    const at = xs.get(run);
    for (const key of keys) {
      const raw = run.metrics.map((row) => (typeof row[key] === "number" ? row[key] : null));
      const smooth = ema(raw, smoothing);
      const column = new Array(epochs.length).fill(null);
      run.metrics.forEach((_row, i) => {
        let value = smooth[i];
        if (value !== null && floor !== null) value = Math.max(value, floor);
        if (at[i] !== null) column[index.get(at[i])] = value;
      });
      data.push(column);
      series.push({ run: run.id, key });
    }
  }
  return { data, points: epochs.length, series };
}

/**
 * How far a run is: {fraction 0..1, epoch, epochs, step, steps, eta}. A finished run that
 * completed is 1; a stopped one stays where it stopped.
 * @param {Run} run
 */
export function progressOf(run) {
  const epochs = Number(run.config?.epochs) || 0;
  const doneEpochs = run.metrics.length ? run.metrics[run.metrics.length - 1].epoch : 0;
  const p = run.progress;
  let fraction = epochs ? doneEpochs / epochs : 0;
  if (p && epochs && p.steps) fraction = Math.max(fraction, (p.epoch - 1 + p.step / p.steps) / epochs);
  if (run.status === "done") fraction = 1;
  return {
    fraction: Math.min(Math.max(fraction, 0), 1),
    epoch: p?.epoch ?? doneEpochs,
    epochs,
    step: p?.step ?? null,
    steps: p?.steps ?? null,
    eta: FINISHED.has(run.status) ? null : p?.eta ?? null,
  };
}

/** "4 s", "2 min 5 s", "1 h 3 min". */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "epoch 3/20 · step 25/25 · 4 s left" for the progress bar's caption. */
export function describeProgress(progress) {
  if (!progress.epochs) return "";
  const parts = [`epoch ${progress.epoch}/${progress.epochs}`];
  if (progress.step !== null && progress.steps) parts.push(`step ${progress.step}/${progress.steps}`);
  if (progress.eta !== null && progress.eta !== undefined) parts.push(`${formatSeconds(progress.eta)} left`);
  return parts.join(" · ");
}

/** The last validation accuracy a run reported (else its training accuracy), or null. */
export function finalAccuracy(run) {
  for (let i = run.metrics.length - 1; i >= 0; i -= 1) {
    const row = run.metrics[i];
    if (typeof row.val_accuracy === "number") return row.val_accuracy;
    if (typeof row.accuracy === "number") return row.accuracy;
  }
  return null;
}

/** The latest epoch a run has layer statistics for, or null. */
export function latestStatsEpoch(run) {
  let latest = null;
  for (const epoch of run.layers.keys()) if (latest === null || epoch > latest) latest = epoch;
  return latest;
}

/**
 * The POST /api/runs body (DESIGN 10): the document as the service reads it, the saved
 * design it is (or null), the data set and the settings.
 */
export function runBody(doc, design, data, config) {
  const cleanData = { name: data.name };
  if (data.path) cleanData.path = data.path;
  if (data.settings && Object.keys(data.settings).length) cleanData.settings = { ...data.settings };
  return {
    document: { netcanvas: doc.netcanvas ?? 1, name: doc.name, layers: doc.layers, view: doc.view ?? {} },
    design: design?.id ? { id: design.id, revision: design.revision } : null,
    data: cleanData,
    config: { device: "auto", ...config },
    stats_every: 0,
    sweep: null,
  };
}
