// Input shapes a person set for a Caffe train_val file's data layers, per phase. A data layer
// (Data, ImageData, an LMDB...) rarely says its shape in the file, and the source view reads
// the file again for every phase switch and every edit of its text: what was set in the
// inspector is remembered here per phase and put back into each fresh read. DOM-free.

/** True for an input whose shape comes from outside the file: a Caffe data layer or implicit input. */
export function isDataInput(layer) {
  const caffe = layer?.meta?.caffe;
  return layer?.type === "Input" && Boolean(caffe) && (caffe.type !== "Input" || Boolean(caffe.implicit));
}

export class PhaseShapes {
  constructor() {
    /** @type {Record<string, Record<string, number[]>>} phase -> layer name -> shape */
    this.byPhase = {};
  }

  /** Note the data inputs' shapes in `doc`, the design read for `phase`. */
  remember(phase, doc) {
    const shapes = (this.byPhase[phase] ??= {});
    for (const layer of doc.layers ?? []) {
      if (!isDataInput(layer)) continue;
      if (Array.isArray(layer.shape)) shapes[layer.name] = [...layer.shape];
      else delete shapes[layer.name];
    }
  }

  /**
   * Give the data inputs of a fresh read of `phase` that the file leaves without a shape the
   * shape set before; changes `doc` in place and answers how many it gave.
   */
  apply(phase, doc) {
    const shapes = this.byPhase[phase] ?? {};
    let given = 0;
    for (const layer of doc.layers ?? []) {
      if (isDataInput(layer) && !Array.isArray(layer.shape) && shapes[layer.name]) {
        layer.shape = [...shapes[layer.name]];
        given += 1;
      }
    }
    return given;
  }
}
