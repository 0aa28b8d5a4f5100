// The runs this editor knows about and the one it is training: starts runs (POST /api/runs),
// follows their server-sent events into Run objects (training.js reduceEvent), stops them,
// lists a design's runs and fetches what the overlay and the histograms read. It writes no
// document and no session: the train-* commands and the panels decide what is shown.
// DOM-free apart from the EventSource it is given.

import { FINISHED, emptyRun, reduceEvent, runFromJson } from "./training.js";

const LIST_DETAILS = 30; // the newest runs of a list whose details are fetched
const EVENT_KINDS = ["status", "metrics", "progress", "layers", "boundary", "artifact"];

/** The key under which a data set's sample points are remembered (see Trainer.points). */
export function dataKey(data, seed) {
  return JSON.stringify([data?.name ?? "", data?.path ?? "", data?.settings ?? {}, seed ?? 0]);
}

export class Trainer {
  /**
   * @param {{api: object, openEvents?: (url: string) => EventTarget & {close(): void}}} host
   *   api: api.js's training calls (startRun, runs, run, cancelRun, runLayers); openEvents
   *   opens a server-sent event stream (an EventSource in the browser, a fake in tests)
   */
  constructor({ api, openEvents = (url) => new EventSource(url) }) {
    this.api = api;
    this.openEvents = openEvents;
    /** @type {Map<string, import("./training.js").Run>} */
    this.runs = new Map();
    this.streams = new Map(); // run id -> event source
    this.live = null; // the run started from this page, while it can still change
    this.startedHere = new Set();
    this.startError = null; // why the last start was refused, in plain words
    this.starting = false;
    this.points = new Map(); // dataKey -> sample points: only the first epoch sends them
    this.listed = []; // ids of the last runs list, newest first
    this.asking = new Set(); // runs whose details are on their way
    this.listeners = new Set();
  }

  /** Runs this page brought in (imported logs): listed with the document's own runs even
   * when it is not saved, as the runs it started are. */
  adopt(ids) {
    for (const id of ids) this.startedHere.add(id);
  }

  /** fn({id, kind}): kind is an event kind, "start", "list" or "loaded". */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(id, kind) {
    for (const fn of [...this.listeners]) fn({ id, kind });
  }

  get(id) {
    return id ? this.runs.get(id) ?? null : null;
  }

  /** The run started here that is still queued or running, or null. */
  active() {
    const run = this.get(this.live);
    return run && !FINISHED.has(run.status) ? run.id : null;
  }

  /**
   * Start a run from a POST /api/runs body; answers its id, or null when the service
   * refused (startError then says why: the reason of a 422, how to install torch for a 501).
   */
  async start(body) {
    this.starting = true;
    this.startError = null;
    this.emit(null, "start");
    try {
      const answer = await this.api.startRun(body);
      const run = emptyRun(answer.id, {
        status: answer.status ?? "queued",
        name: body.document?.name ?? null,
        config: { ...body.config },
        data: { ...body.data },
        design: body.design ?? null,
        created_at: new Date().toISOString(),
      });
      const points = this.points.get(dataKey(body.data, body.config?.seed));
      if (points) run.points = points;
      this.runs.set(run.id, run);
      this.live = run.id;
      this.startedHere.add(run.id);
      this.follow(run.id);
      return run.id;
    } catch (error) {
      this.startError = refusal(error);
      return null;
    } finally {
      this.starting = false;
      this.emit(this.live, "start");
    }
  }

  /** Ask the service to stop a run; the stream reports the status it ends with. */
  async stop(id) {
    if (!id) return false;
    try {
      await this.api.cancelRun(id);
      return true;
    } catch (error) {
      this.startError = `Could not stop the run: ${error.message}`;
      this.emit(id, "start");
      return false;
    }
  }

  /** Follow a run's events (once per run) until it ends. */
  follow(id) {
    if (this.streams.has(id)) return;
    const source = this.openEvents(`/api/runs/${encodeURIComponent(id)}/events`);
    this.streams.set(id, source);
    for (const kind of EVENT_KINDS) {
      source.addEventListener(kind, (event) => {
        let payload;
        try {
          payload = JSON.parse(event.data);
        } catch {
          payload = null;
        }
        // A line the editor cannot read is skipped: the next one comes.
        if (payload && typeof payload === "object") this.receive(id, kind, payload);
      });
    }
    // The stream ends after a finished run's last status; an EventSource would reconnect
    // (and replay it all) without this. A dropped stream of a running run reconnects.
    source.addEventListener("error", () => {
      if (FINISHED.has(this.runs.get(id)?.status)) this.close(id);
    });
  }

  close(id) {
    this.streams.get(id)?.close();
    this.streams.delete(id);
  }

  /** One event of run `id` (from its stream). */
  receive(id, kind, payload) {
    const before = this.runs.get(id) ?? emptyRun(id);
    const run = reduceEvent(before, kind, payload);
    this.runs.set(id, run);
    if (kind === "boundary" && payload.points) this.points.set(dataKey(run.data, run.config?.seed), payload.points);
    if (kind === "status" && FINISHED.has(run.status)) {
      if (this.live === id) this.live = null;
      // What the service stored (every epoch, every file) is the run's final word.
      this.load(id).catch(() => {});
    }
    this.emit(id, kind);
  }

  /**
   * The runs of a design (or, for a design not saved yet, those named like it), newest
   * first. The list is a summary (no metrics, no files): each run's details follow, a few
   * at a time, as "loaded" events.
   */
  async list({ design = null, name = null } = {}) {
    const answer = await this.api.runs(design ?? undefined);
    const ids = [];
    for (const json of answer) {
      if (!design && !(json.design === null && json.name === name) && !this.startedHere.has(json.id)) continue;
      this.merge(json, { summary: true });
      ids.push(json.id);
    }
    for (const id of this.startedHere) if (!ids.includes(id) && this.runs.has(id)) ids.unshift(id);
    this.listed = ids;
    this.emit(null, "list");
    this.details(ids.slice(0, LIST_DETAILS));
    return ids;
  }

  /** Fetch the details of runs known only from a list (three requests at a time). */
  async details(ids) {
    const queue = ids.filter((id) => !this.runs.get(id)?.detailed && !this.streams.has(id) && !this.asking.has(id));
    for (const id of queue) this.asking.add(id);
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await this.load(id);
        } catch {
          // a run deleted meanwhile: its row keeps the summary
        } finally {
          this.asking.delete(id);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  }

  /**
   * A run's stored state, merged into what the stream told (which is newer while it runs).
   * `summary`: from a list, whose runs come without metrics and files.
   */
  merge(json, { summary = false } = {}) {
    const stored = { ...runFromJson(json), detailed: !summary };
    const known = this.runs.get(json.id);
    if (!known) {
      this.runs.set(json.id, stored);
      return stored;
    }
    const streaming = this.streams.has(json.id) && !FINISHED.has(known.status);
    const merged = streaming
      ? { ...stored, ...known, created_at: stored.created_at, updated_at: stored.updated_at }
      : {
          ...stored,
          progress: known.progress,
          boundary: known.boundary,
          points: known.points,
          layers: known.layers,
          metrics: stored.metrics.length >= known.metrics.length ? stored.metrics : known.metrics,
          artifacts: [...new Set([...known.artifacts, ...stored.artifacts])],
          detailed: known.detailed || stored.detailed,
        };
    this.runs.set(json.id, merged);
    return merged;
  }

  /** Load a run the editor has not seen (GET /api/runs/{id}); follow it if it still runs. */
  async load(id) {
    const run = this.merge(await this.api.run(id));
    if (!FINISHED.has(run.status)) this.follow(id);
    this.emit(id, "loaded");
    return run;
  }

  /**
   * One epoch's layer statistics (epoch null: the latest), from what the stream delivered
   * or GET /api/runs/{id}/layers; answers {epoch, layers} and remembers it.
   */
  async layersAt(id, epoch = null) {
    const run = this.runs.get(id);
    if (run && epoch !== null && run.layers.has(epoch)) return { epoch, layers: run.layers.get(epoch) };
    let answer;
    try {
      answer = await this.api.runLayers(id, epoch);
    } catch {
      answer = { epoch, layers: {} }; // none stored (an imported run): remembered as none
    }
    const current = this.runs.get(id);
    const found = answer.epoch ?? null;
    if (current && (found !== null || epoch !== null)) {
      const layers = new Map(current.layers);
      if (found !== null) layers.set(found, answer.layers ?? {});
      if (epoch !== null && epoch !== found) layers.set(epoch, {});
      this.runs.set(id, { ...current, layers });
    }
    return { epoch: answer.epoch ?? epoch, layers: answer.layers ?? {} };
  }
}

/** Why the service refused a run, in plain words. */
export function refusal(error) {
  if (error?.status === 501) return `Training is not available on this server: ${error.message}`;
  if (error?.status === 422) return `This network cannot train on that data: ${error.message}`;
  if (error?.status === 503) return `The server is busy: ${error.message}`;
  return `Could not start the run: ${error?.message ?? error}`;
}
