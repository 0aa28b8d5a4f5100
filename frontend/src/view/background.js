// Positions for a big document's layers that have none yet, computed by layoutworker.js
// while the canvas shows what is collapsed (issue 17). The answer for an older wiring is
// dropped; `onDone` is called when the positions for the latest one are in.

export class BackgroundLayout {
  /** @param {() => void} onDone */
  constructor(onDone) {
    this.onDone = onDone;
    this.worker = null;
    this.key = null; // the wiring asked for last
    this.positions = null; // its answer, once in
  }

  /**
   * Lay out `doc` unless its wiring `key` was already asked for. The layers are posted after
   * the next frame: copying 50,000 of them to the worker takes ~200 ms that the first screen
   * should not wait for.
   */
  request(doc, key) {
    if (key === this.key) return;
    this.key = key;
    this.positions = null;
    requestAnimationFrame(() => setTimeout(() => this.post(doc, key), 0));
  }

  post(doc, key) {
    if (key !== this.key) return; // asked again since
    if (!this.worker) {
      this.worker = new Worker(new URL("./layoutworker.js", import.meta.url), { type: "module" });
      this.worker.onmessage = ({ data }) => {
        if (data.key !== this.key) return;
        this.positions = data.positions;
        this.onDone();
      };
    }
    // Only what the layout reads: names, types and wiring, and the figure settings.
    const layers = doc.layers.map(({ name, type, inputs, inplace }) => ({ name, type, inputs, inplace }));
    this.worker.postMessage({ key, doc: { layers, view: { style: doc.view?.style ?? {} } } });
  }

  /** Whether every layer of `doc` has a place, from the document or from the worker. */
  complete(doc) {
    const own = doc.view?.positions ?? {};
    if (Object.keys(own).length >= doc.layers.length) return true;
    return this.positions !== null;
  }
}
