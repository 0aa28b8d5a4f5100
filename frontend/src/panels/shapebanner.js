// The canvas banner for inputs without a shape (a Caffe train_val file's data layers, an
// implicit input): every shape after them is "?", so it says which and takes the person to
// the field that sets one (the inspector's `shape`, kept per phase: model/phases.js).

/** Inputs of `doc` that have no shape. */
export function shapelessInputs(doc) {
  return doc.layers.filter((layer) => layer.type === "Input" && !Array.isArray(layer.shape)).map((l) => l.name);
}

/**
 * @param {{banner: HTMLElement, store: object, phase(): string, setShape(name: string): void}} host
 * @returns {() => void} call when the document changed
 */
export function bindShapeBanner({ banner, store, phase, setShape }) {
  const text = banner.querySelector(".shape-banner-text");
  const button = banner.querySelector("[data-testid=shape-banner-set]");
  let first = null;
  button.addEventListener("click", () => first && setShape(first));
  return () => {
    const names = shapelessInputs(store.doc);
    banner.hidden = names.length === 0 || store.readOnly;
    if (!names.length) return;
    first = names[0];
    const listed = names.length > 3 ? `${names.slice(0, 3).join(", ")}…` : names.join(", ");
    text.textContent = `${names.length === 1 ? "An input has" : `${names.length} inputs have`} no shape (${listed}), so the shapes after ${names.length === 1 ? "it" : "them"} are unknown (phase ${phase()}).`;
    button.textContent = `Set ${first}'s shape`;
  };
}
