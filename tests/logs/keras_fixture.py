"""Train a tiny Keras model (torch backend) for 3 epochs on random data, logging with
CSVLogger and saving History.history as JSON: ``python -m tests.logs.keras_fixture DIR``.

Run as its own process, started when the test session begins, so Keras's slow import
(torch._dynamo) overlaps the other tests.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(folder: Path) -> None:
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] + 0.3 * x[:, 1] > 0).astype("int32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    logger = keras.callbacks.CSVLogger(str(folder / "training.csv"))
    history = model.fit(
        x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[logger]
    )
    (folder / "history.json").write_text(json.dumps(history.history))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
