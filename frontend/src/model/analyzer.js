// Live analysis: every edit asks the service again, debounced, and only the latest answer
// is kept (an older, slower answer never overwrites a newer one). DOM-free.

/** From this many layers an opened model is analysed again in the background for its ETag. */
const WARM_FROM = 2000;
/** ... that long after it is shown. */
const WARM_AFTER_MS = 300;

export class Analyzer {
  /**
   * request(doc, signal) -> Promise<result>; onResult(result, doc); onError(error, doc).
   * analyze(doc, signal, since) -> Promise<{answer, etag}> (api.analyzeSince), if given, is
   * used instead of request: the Analyzer keeps the last full result and its ETag, asks for
   * only what changed since it, and merges the answer into a full result (mergeAnalysis),
   * so a one-layer edit in a 10k-layer graph moves a few nodes over the wire, not 10k.
   */
  constructor({ request, analyze = null, onResult, onError = () => {}, delay = 100, warmAfter = WARM_AFTER_MS, timers = globalThis }) {
    this.warmAfter = warmAfter;
    this.request = request;
    this.analyze = analyze;
    this.last = null; // {result, etag}: the full result the next answer may build on
    this.onResult = onResult;
    this.onError = onError;
    this.delay = delay;
    this.timers = timers;
    this.timer = null;
    this.sequence = 0;
    this.controller = null;
    this.lastKey = null; // the layers last sent: moving a node needs no new analysis
    this.held = false; // a load is committing a document it analyses itself (prime, expect)
  }

  /**
   * Analyse a document that is about to be committed (a pasted or opened file), before the
   * editor spends time storing and placing it; the schedule() that follows the commit for
   * the same layers is then answered by this request instead of starting another. The
   * analyzer holds (schedule() only notes the layers) until release().
   */
  prime(doc) {
    this.hold();
    this.lastRun = Date.now();
    // No copy: the request writes its body before run() first waits.
    this.run(doc);
  }

  /**
   * The service already answered for this document (an import asked with analysis=true):
   * no request is made for these layers, and deliver() hands the answer over once the
   * document is stored. The analyzer holds until release().
   */
  expect() {
    this.hold();
    if (this.controller) this.controller.abort();
    this.sequence += 1;
    this.lastRun = Date.now();
  }

  /** While a load commits its document, schedule() notes the layers and asks nothing. */
  hold() {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.held = true;
  }

  release() {
    this.held = false;
  }

  deliver(result, doc) {
    this.release();
    this.last = null; // no ETag came with it: the next analysis asks in full
    this.onResult(result, doc);
    if (!this.analyze || doc.layers.length < WARM_FROM) return;
    // After the first screen is painted: the request's body is ~0.1 s of JSON at 50k layers.
    const mine = this.sequence;
    this.timers.setTimeout(() => {
      if (mine === this.sequence && this.last === null) this.warm(doc);
    }, this.warmAfter);
  }

  /**
   * Ask the service for a document already shown, in the background, for the ETag alone:
   * the first edit of a big model just opened then asks for what changed since it (a few
   * ms) instead of a whole analysis (half a second at 10,000 layers). Kept only when no
   * other analysis came in the meantime.
   */
  async warm(doc) {
    const mine = this.sequence;
    try {
      const { answer, etag } = await this.analyze(doc, undefined, null);
      if (mine === this.sequence && this.last === null && etag) this.last = { result: answer, etag };
    } catch {
      // nothing lost: the next edit asks in full
    }
  }

  /**
   * Leading and trailing edge: the first edit after a quiet spell is analysed at once (an
   * edit shows its shapes without waiting), a burst within `delay` collapses into one request
   * for its last document. `key` says which layers these are (the store's count of changes
   * to them, main.js); by default the layers' JSON, which costs ~35 ms at 50,000 layers.
   */
  schedule(doc, key = analysisKey(doc)) {
    // Only the layers decide the analysis: positions and figure settings do not.
    if (key === this.lastKey) return;
    this.lastKey = key;
    if (this.held) return;
    // No copy of the document (30 ms at 10k layers): a request writes its body the moment it
    // runs, and a delayed one should carry the document as it is by then anyway.
    const snapshot = doc;
    const now = Date.now();
    if (this.timer === null && now - (this.lastRun ?? -Infinity) >= this.delay) {
      this.lastRun = now;
      this.run(snapshot);
      return;
    }
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.lastRun = Date.now();
      this.run(snapshot);
    }, this.delay);
  }

  async run(doc) {
    this.sequence += 1;
    const mine = this.sequence;
    if (this.controller) this.controller.abort();
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    this.controller = controller;
    try {
      const result = this.analyze
        ? await this.incremental(doc, controller?.signal, mine)
        : await this.request(doc, controller?.signal);
      if (mine === this.sequence) this.onResult(result, doc);
    } catch (error) {
      if (error?.name === "AbortError") return;
      if (mine === this.sequence) {
        this.lastKey = null; // the same document is asked for again on the next edit
        this.last = null;
        this.onError(error, doc);
      }
    }
  }

  async incremental(doc, signal, mine) {
    const base = this.last;
    let reply;
    try {
      reply = await this.analyze(doc, signal, base?.etag ?? null);
    } catch (error) {
      if (!base || error?.status !== 409) throw error;
      reply = await this.analyze(doc, signal, null); // the server dropped it: ask in full
    }
    const { answer, etag } = reply;
    const partial = base !== null && answer.since != null && answer.since === base.etag;
    const result = partial ? mergeAnalysis(base.result, answer) : answer;
    if (mine === this.sequence) this.last = etag ? { result, etag } : null;
    return result;
  }
}

/**
 * A full analysis result from the one before it and an answer of only what changed
 * (`POST /api/analyze?since=ETAG&changed=only`): changed nodes replace theirs by name,
 * removed ones go, `order` (sent only when it changed) orders the nodes; totals, errors
 * and warnings are the answer's. Neither argument is changed; unchanged node objects are
 * shared with `base`.
 */
export function mergeAnalysis(base, partial) {
  const changed = new Map(partial.nodes.map((node) => [node.name, node]));
  let nodes;
  if (partial.order) {
    const byName = new Map(base.nodes.map((node) => [node.name, node]));
    for (const name of partial.removed ?? []) byName.delete(name);
    nodes = partial.order.map((name) => changed.get(name) ?? byName.get(name));
  } else {
    nodes = base.nodes.map((node) => changed.get(node.name) ?? node);
  }
  const { since: _since, removed: _removed, order: _order, nodes: _nodes, ...rest } = partial;
  return { name: rest.name ?? base.name, nodes, ...rest };
}

const BY_NAME = new WeakMap();

/** An analysis result's nodes by layer name, made once per result for every reader. */
export function nodesByName(result) {
  if (!result) return new Map();
  let found = BY_NAME.get(result);
  if (!found) {
    found = new Map((result.nodes ?? []).map((node) => [node.name, node]));
    BY_NAME.set(result, found);
  }
  return found;
}

function analysisKey(doc) {
  return JSON.stringify(doc.layers ?? doc);
}

/**
 * The hooks the load commands call (host.analysis) so a document being loaded is analysed
 * as early as possible. An import may carry its analysis: the view records it, and the
 * commit's one render draws every shape. Otherwise the service starts on the document while
 * the editor places and stores its layers. A read-only design is analysed when it is shown.
 */
export function loadHooks(analyzer, { store, view }) {
  return {
    expect(doc, analysis) {
      if (store.readOnly) return;
      if (!analysis) {
        analyzer.prime(doc);
        return;
      }
      analyzer.expect();
      view.setAnalysis(analysis, { draw: false });
    },
    /** The load committed `doc` (or failed: no doc). */
    delivered(doc, analysis) {
      if (doc && analysis && !store.readOnly) analyzer.deliver(analysis, doc); // releases it
      else analyzer.release();
    },
  };
}
