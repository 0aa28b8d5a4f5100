// The layered layout of a big document, off the main thread (issue 17): a Web Worker that
// runs layout.js on the layers the canvas posts ({key, doc}) and answers {key, positions}.
// 50,000 layers take ~250 ms to lay out, which would freeze the page for fifteen frames;
// a big model opens collapsed, so the first screen needs only its boxes, laid out at once.

import { layeredLayout } from "./layout.js";

self.onmessage = ({ data }) => {
  self.postMessage({ key: data.key, positions: layeredLayout(data.doc) });
};
