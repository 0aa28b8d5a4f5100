// Training commands (issue 13): start a run of the current document on a data set, stop it,
// show a run, and the canvas overlay (issue 14). Starting a run changes no document: it
// sends one (with the saved design's id and revision when it has them) and shows the run.

import { runBody } from "../model/training.js";

/**
 * @param {import("./index.js").Host & {trainer?: import("../model/trainer.js").Trainer}} host
 *   trainer: the runs this editor follows (model/trainer.js) or a fake
 */
export function trainCommands(host) {
  const { store } = host;
  const trainer = () => host.trainer;

  /** {data: {name, path?, settings?}, config: {epochs, lr, ...}} -> the run's id, or null. */
  async function start({ data, config }) {
    const body = runBody(store.doc, host.persistence?.design ?? null, data, config);
    const id = await trainer().start(body);
    if (id) store.setRun(id);
    return id;
  }

  return [
    {
      id: "train-start",
      label: "Start training",
      isEnabled: () =>
        Boolean(trainer()) && !trainer().starting && !trainer().active() && store.doc.layers.length > 1,
      run: start,
    },
    {
      id: "train-stop",
      label: "Stop training",
      isEnabled: () => Boolean(trainer()?.active()),
      run: () => trainer().stop(trainer().active()),
    },
    {
      id: "show-run",
      label: "Show a run",
      isEnabled: () => true,
      run: (id) => store.setRun(id),
    },
    {
      id: "overlay",
      label: "Overlay training statistics on the canvas",
      isEnabled: () => true,
      // argument: true/false to set it, nothing to toggle; or {stat} / {epoch} to change what
      // it shows
      run: (argument) => {
        if (argument && typeof argument === "object") store.setOverlay(argument);
        else store.setOverlay({ on: typeof argument === "boolean" ? argument : !store.session.overlay.on });
      },
    },
    {
      id: "overlay-values",
      label: "Colour the layers by values from a file",
      isEnabled: () => !store.readOnly,
      // argument: a view.overlay ({label, values, log, colors?, ...}) to keep in the
      // document and show, or null to remove it. Undone like any edit.
      run: (values) => {
        const done = store.transact(values ? "Overlay values" : "Remove overlay values", (tx) =>
          tx.set(["view", "overlay"], values ?? undefined),
        );
        if (done && values) store.setOverlay({ on: true, stat: "file" });
        return done;
      },
    },
  ];
}
