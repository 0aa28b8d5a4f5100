// Annotation commands: add a note, arrow, box or highlight for the selected layers, edit a
// note's text, delete one. Each is one undoable step on the document's view.annotations.

import { annotationsOf, makeAnnotation, withText } from "../model/annotations.js";
import { setView } from "../model/document.js";

/** @param {import("./index.js").Host} host */
export function annotateCommands(host) {
  const { store } = host;
  const editable = () => !store.readOnly;

  const write = (label, notes) =>
    store.transact(label, (tx) => {
      setView(tx, "annotations", notes);
    });

  return [
    {
      id: "annotate",
      label: "Annotate the selected layers",
      isEnabled: () => editable() && store.session.selection.size > 0,
      run: ({ kind, text = "" }) => {
        const { note, error } = makeAnnotation(kind, [...store.session.selection], text);
        if (error) {
          host.ui?.notify(`Cannot add the ${kind}: ${error}`, "error");
          return null;
        }
        return write(`Add a ${kind}`, [...annotationsOf(store.doc), note]);
      },
    },
    {
      id: "edit-annotation",
      label: "Edit an annotation's text",
      isEnabled: () => editable() && annotationsOf(store.doc).length > 0,
      run: ({ index, text }) => {
        const notes = annotationsOf(store.doc);
        if (!notes[index]) return null;
        return write("Edit an annotation", notes.map((n, i) => (i === index ? withText(n, text) : n)));
      },
    },
    {
      id: "delete-annotation",
      label: "Delete an annotation",
      isEnabled: () => editable() && annotationsOf(store.doc).length > 0,
      run: (index) => {
        const notes = annotationsOf(store.doc);
        if (!notes[index]) return null;
        return write("Delete an annotation", notes.filter((_, i) => i !== index));
      },
    },
  ];
}
