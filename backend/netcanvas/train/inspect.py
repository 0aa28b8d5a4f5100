"""Look inside a trained network: each layer's feature maps for one sample, the class
probabilities, and a saliency map (the input gradient), from a run's files or from any
ONNX file that carries its weights (through onnxruntime, every intermediate exposed).

    netcanvas inspect runs/moons --sample 3 -o maps/
    netcanvas inspect model.onnx -o maps/            # a seeded random input of its shape

``maps/`` receives one PNG grid per layer with spatial outputs (channels side by side,
each scaled to its own range), ``saliency.png`` for image inputs, and ``maps.json``
listing every layer's shape, its file, per-channel min/max, and the probabilities.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

MAX_CHANNELS = 64  # channels drawn per layer (the first ones)
TILE = 64  # px per channel in the grid (nearest-neighbour scaled)


class InspectError(ValueError):
    """The source cannot be inspected (a run without weights, an unreadable ONNX file)."""


def grid_png(maps: np.ndarray[Any, Any]) -> tuple[bytes, list[list[float]]]:
    """``[C, H, W]`` -> one PNG of the first channels side by side (each scaled to its own
    min..max) and the per-channel [min, max] used."""
    from PIL import Image

    channels = maps[:MAX_CHANNELS]
    count = len(channels)
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    h, w = channels.shape[1:]
    scale = max(1, TILE // max(h, w))
    sheet = np.full((rows * (h * scale + 2), cols * (w * scale + 2)), 255, dtype=np.uint8)
    ranges = []
    for i, channel in enumerate(channels):
        low, high = float(channel.min()), float(channel.max())
        ranges.append([low, high])
        norm = (channel - low) / (high - low) if high > low else np.zeros_like(channel)
        tile = np.kron((norm * 255).astype(np.uint8), np.ones((scale, scale), dtype=np.uint8))
        r, c = divmod(i, cols)
        y, x = r * (h * scale + 2), c * (w * scale + 2)
        sheet[y : y + h * scale, x : x + w * scale] = tile
    out = io.BytesIO()
    Image.fromarray(sheet, mode="L").save(out, format="PNG")
    return out.getvalue(), ranges


def _softmax(logits: np.ndarray[Any, Any]) -> list[float]:
    z = logits - logits.max()
    e = np.exp(z)
    return [float(v) for v in e / e.sum()]


def inspect_run(folder: Path, sample: int) -> dict[str, Any]:
    """Feature maps of a `netcanvas train` output folder (run.json + model.pt)."""
    import torch

    from netcanvas.formats import native
    from netcanvas.train.builder import build_module
    from netcanvas.train.datasets import load_dataset
    from netcanvas.train.setup import prepare

    try:
        run = json.loads((folder / "run.json").read_text())
        state = torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    except (OSError, ValueError, RuntimeError) as bad:
        raise InspectError(
            f"{folder}: not a run folder with run.json and model.pt ({bad})"
        ) from None
    if "document" not in run:
        raise InspectError(f"{folder}/run.json does not hold the document it trained")
    graph = native.from_document(run["document"])
    data = run["data"]
    dataset = load_dataset(data["name"], data.get("path"), data.get("settings"), seed=0)
    if not 0 <= sample < len(dataset):
        raise InspectError(f"--sample {sample}: the data set has {len(dataset)} samples")
    batch = int(run["config"]["batch_size"])
    prepared = prepare(graph, dataset, batch)
    model = build_module(prepared.graph, prepared.analysis)
    model.load_state_dict(state)
    model.eval()
    x = torch.zeros((batch, *dataset.x.shape[1:]))
    x[0] = torch.from_numpy(dataset.x[sample])
    x.requires_grad_(True)
    outputs: dict[str, np.ndarray[Any, Any]] = {}

    def observe(layer: str, value: Any) -> None:
        if isinstance(value, torch.Tensor):
            outputs[layer] = value[0].detach().numpy()

    model.observe = observe
    logits = model(x)
    model.observe = None
    top = int(logits[0].argmax())
    logits[0, top].backward()
    saliency = x.grad[0].abs().amax(dim=0).numpy() if x.grad is not None else None
    answer = _maps(outputs, saliency if x.dim() == 4 else None)
    answer["probabilities"] = _softmax(logits[0].detach().numpy())
    answer["label"] = int(dataset.y[sample]) if dataset.task == "classification" else None
    answer["classes"] = dataset.classes
    return answer


def inspect_onnx(path: Path, seed: int = 0) -> dict[str, Any]:
    """Feature maps of an ONNX file with weights: onnxruntime, every value exposed."""
    import onnx
    import onnxruntime as ort

    try:
        model = onnx.load(str(path))
    except Exception as bad:  # noqa: BLE001  (onnx raises many kinds for a bad file)
        raise InspectError(f"{path}: not a readable ONNX file ({bad})") from None
    inferred = onnx.shape_inference.infer_shapes(model)
    known = {v.name: v for v in list(inferred.graph.value_info)}
    outputs = {o.name for o in model.graph.output}
    for node in model.graph.node:
        for name in node.output:
            if name and name not in outputs:
                model.graph.output.append(known.get(name) or onnx.ValueInfoProto(name=name))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {}
    rng = np.random.default_rng(seed)
    for spec in session.get_inputs():
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in spec.shape]
        feed[spec.name] = rng.standard_normal(shape).astype(np.float32)
    names = [o.name for o in session.get_outputs()]
    values = session.run(None, feed)
    by_node = {}
    for node in model.graph.node:
        if node.output and node.output[0] in names:
            label = node.name or node.output[0]
            by_node[label] = values[names.index(node.output[0])][0]
    answer = _maps(by_node, None)
    final = values[names.index(model.graph.output[0].name)]
    answer["probabilities"] = _softmax(final[0].reshape(-1)) if final.ndim == 2 else None
    return answer


def _maps(
    outputs: dict[str, np.ndarray[Any, Any]], saliency: np.ndarray[Any, Any] | None
) -> dict[str, Any]:
    layers: dict[str, Any] = {}
    images: dict[str, bytes] = {}
    for layer, value in outputs.items():
        entry: dict[str, Any] = {"shape": list(value.shape)}
        if value.ndim == 3 and value.shape[1] * value.shape[2] > 1:
            png, ranges = grid_png(value.astype(np.float32))
            file = _file_name(layer) + ".png"
            images[file] = png
            entry.update(file=file, channels=min(len(value), MAX_CHANNELS), ranges=ranges)
        layers[layer] = entry
    answer: dict[str, Any] = {"layers": layers, "images": images}
    if saliency is not None:
        images["saliency.png"] = grid_png(saliency[None].astype(np.float32))[0]
        answer["saliency"] = "saliency.png"
    return answer


def _file_name(layer: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in layer)[:80] or "layer"


def write(answer: dict[str, Any], out: Path) -> None:
    """The PNGs and maps.json into ``out`` (made if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, data in answer["images"].items():
        (out / name).write_bytes(data)
    listing = {k: v for k, v in answer.items() if k != "images"}
    (out / "maps.json").write_text(json.dumps(listing, indent=1))
