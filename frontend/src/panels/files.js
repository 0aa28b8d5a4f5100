// Opening files: the Open button's file picker and a file dropped anywhere on the page both
// run the open-file command. What the picker offers comes from the formats catalogue.

import { acceptList } from "../model/formats.js";

/**
 * button: the Open button; input: its <input type=file>; formats: a promise of the formats
 * catalogue; run(id, argument) runs a command.
 */
export function bindFiles({ button, input, formats, run }) {
  formats.then(
    (list) => {
      input.accept = acceptList(list);
      button.title = `Open a model file: ${acceptList(list).replaceAll(",", " ")} (or drop it on the page)`;
    },
    () => {}, // the command says what went wrong when a file comes
  );
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    if (input.files[0]) run("open-file", input.files[0]);
    input.value = "";
  });
  window.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
  });
  window.addEventListener("drop", (event) => {
    const file = event.dataTransfer?.files?.[0];
    if (!file) return;
    event.preventDefault();
    run("open-file", file);
  });
}
