"""Caffe's detection heads, both ways: SSD's DetectionOutput and Faster R-CNN's proposals.

py-faster-rcnn's proposal layer is a ``Python`` layer (``rpn.proposal_layer``) whose
``param_str`` is read as a literal, never run, and written back as the same Python
layer; forks spell it as a C++ ``Proposal`` type with ``proposal_param``.
DetectionOutput is read with the file's meaning and Caffe's defaults where the file is
silent; settings our layer cannot honour keep the layer opaque.
"""

from __future__ import annotations

import ast
from typing import Any

from netcanvas.formats.caffe import syntax as prototxt
from netcanvas.formats.caffe.blocks import Block, Params, Unmapped
from netcanvas.formats.caffe.syntax import Enum
from netcanvas.layers import lookup

Blocks = dict[str, Params]

# --- import ----------------------------------------------------------------------------

# py-faster-rcnn's region-proposal Python layer (module, class), and the param_str keys
# it (or a fork) reads; its other settings come from its config file (TEST defaults).
PROPOSAL_LAYER = ("rpn.proposal_layer", "ProposalLayer")
PARAM_STR_KEYS = ("feat_stride", "scales", "ratios")


def python_in(b: Block) -> tuple[str, Params]:
    # Read without marking: the whole python_param is kept verbatim for the way back.
    if (str(b.data.get("module")), str(b.data.get("layer"))) != PROPOSAL_LAYER:
        raise Unmapped("")  # someone's own Python code: opaque, as any unknown type
    return "Proposal", param_str_params(str(b.data.get("param_str", "")))


def param_str_params(text: str) -> Params:
    """Proposal params from py-faster-rcnn's ``param_str`` (``'feat_stride': 16``).

    py-faster-rcnn reads it as YAML: one ``'key': value`` per line, or a ``{}`` flow
    mapping. Both are (once the lines are joined) a Python dict literal, which
    ``ast.literal_eval`` reads without running anything.
    """
    source = text.strip()
    if not source.startswith("{"):
        source = "{" + ", ".join(line for line in source.splitlines() if line.strip()) + "}"
    try:
        value = ast.literal_eval(source)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Unmapped(f"param_str {text!r} is not a Python dict literal") from None
    if not isinstance(value, dict):
        raise Unmapped(f"param_str {text!r} is not a dict")
    params: Params = {}
    for key, item in value.items():
        if key == "feat_stride" and isinstance(item, int) and not isinstance(item, bool):
            params[key] = item
        elif key in ("scales", "ratios") and _numbers(item):
            params[key] = [float(v) for v in item]
        else:
            raise Unmapped(f"param_str entry {key!r}: {item!r} has no Proposal setting")
    return params


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(map(_is_number, value))


def proposal_in(b: Block) -> tuple[str, Params]:
    """A fork's C++ ``Proposal`` type (OpenCV reads the same ``proposal_param``)."""
    params: Params = {
        "feat_stride": int(b.get("feat_stride", 16)),
        "base_size": int(b.get("base_size", 16)),
        "min_size": int(b.get("min_size", 16)),
        "pre_nms_top_n": int(b.get("pre_nms_topn", 6000)),
        "post_nms_top_n": int(b.get("post_nms_topn", 300)),
        "nms_threshold": float(b.get("nms_thresh", 0.7)),
    }
    params["ratios"] = [float(v) for v in b.values("ratio") or [0.5, 1, 2]]
    params["scales"] = [float(v) for v in b.values("scale") or [8, 16, 32]]
    return "Proposal", params


# Caffe's confidence_threshold when the file gives none (-FLT_MAX): every score passes.
NO_THRESHOLD = -3.4028234663852886e38
# detection_output_param fields that only write files or draw: the output is the same.
_SIDE_OUTPUTS = frozenset({"save_output_param", "visualize", "visualize_threshold", "save_file"})


def detection_output_in(b: Block) -> tuple[str, Params]:
    """SSD's DetectionOutput with the file's meaning, Caffe's defaults where it is silent.

    Our layer (and its ONNX export) is the share_location, CENTER_SIZE, background 0
    case; any other setting keeps the layer opaque rather than run as something else.
    """
    if not b.has("num_classes"):
        raise Unmapped("num_classes missing (Caffe requires it)")
    # Caffe's default, then ours: any other value is a different algorithm.
    for name, default, ours in (
        ("share_location", True, True),
        ("background_label_id", 0, 0),
        ("code_type", "CORNER", "CENTER_SIZE"),
        ("variance_encoded_in_target", False, False),
    ):
        value = b.get(name, default)
        value = str(value) if isinstance(value, Enum) else type(default)(value)
        if value != ours:
            implied = "" if b.has(name) else " (Caffe's default)"
            raise Unmapped(
                f"{name}: {_spelled(value)}{implied} is not supported, only {_spelled(ours)}"
            )
    if b.has("nms_param") and not isinstance(b.data["nms_param"], dict):
        raise Unmapped("nms_param is not a single block")  # else its settings would go
    nms = Block(b.data, "nms_param")
    b.used.add("nms_param")
    if float(nms.get("eta", 1.0)) != 1.0:
        raise Unmapped(f"adaptive NMS (eta: {nms.get('eta')}) is not supported")
    chosen: Params = {}
    for option, unset in (("nms_threshold", 0.3), ("top_k", -1)):
        # Some forks also take these two flat in detection_output_param.
        given = [v for v in (nms.get(option), b.get(option)) if v is not None]
        if len(set(given)) > 1:
            raise Unmapped(f"{option} given twice, as {given[0]} and {given[1]}")
        chosen[option] = given[0] if given else unset
    threshold = b.get("confidence_threshold")
    params: Params = {
        "num_classes": int(b.get("num_classes")),
        "keep_top_k": int(b.get("keep_top_k", -1)),
        "top_k": int(chosen["top_k"]),
        "nms_threshold": float(chosen["nms_threshold"]),
        "confidence_threshold": NO_THRESHOLD if threshold is None else float(threshold),
    }
    unknown = sorted(set(nms.rest()) | (set(b.rest()) - _SIDE_OUTPUTS))
    if unknown:
        raise Unmapped(f"{', '.join(unknown)}: no such DetectionOutput setting here")
    return "DetectionOutput", params


def _spelled(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)  # prototxt spelling


# --- export ----------------------------------------------------------------------------


def proposal_out(p: Params) -> Blocks:
    full = _proposal_settings(p)
    return {
        "proposal_param": {
            "feat_stride": full["feat_stride"],
            "base_size": full["base_size"],
            "min_size": full["min_size"],
            "ratio": full["ratios"],
            "scale": full["scales"],
            "pre_nms_topn": full["pre_nms_top_n"],
            "post_nms_topn": full["post_nms_top_n"],
            "nms_thresh": full["nms_threshold"],
        }
    }


def _proposal_settings(p: Params) -> Params:
    spec = lookup("Proposal")
    assert spec is not None
    return dict(spec.Params.model_validate(p).model_dump())


def python_proposal_blocks(p: Params, fields: Any) -> Blocks:
    """py-faster-rcnn's Python layer again: the kept ``param_str`` if it still holds."""
    full, defaults = _proposal_settings(p), _proposal_settings({})
    config = [k for k in full if k not in PARAM_STR_KEYS and full[k] != defaults[k]]
    if config:
        raise ValueError(
            f"py-faster-rcnn's ProposalLayer takes {', '.join(config)} from its config "
            "file, not from the prototxt"
        )
    kept = prototxt.parse(fields).get("python_param", {}) if isinstance(fields, str) else {}
    text = kept.get("param_str") if isinstance(kept, dict) else None
    try:
        if isinstance(text, str) and _proposal_settings(param_str_params(text)) == full:
            return {}
    except Unmapped:
        pass  # the kept text no longer parses: written afresh below
    entries = [
        f"'{k}': {_literal(full[k])}"
        for k in PARAM_STR_KEYS
        if k == "feat_stride" or full[k] != defaults[k]
    ]
    # Braces around several entries: a YAML flow mapping and a Python dict alike.
    text = entries[0] if len(entries) == 1 else "{" + ", ".join(entries) + "}"
    module, name = PROPOSAL_LAYER
    return {"python_param": {"module": module, "layer": name, "param_str": text}}


def _literal(value: Any) -> str:
    """A number or list as py-faster-rcnn writes them (``16``, ``[8, 16, 32]``)."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return str(int(value)) if float(value).is_integer() else repr(value)


def detection_output_out(p: Params) -> Blocks:
    """Every setting spelled out: Caffe's defaults (CORNER code, NMS 0.3) are not ours."""
    spec = lookup("DetectionOutput")
    assert spec is not None
    full = spec.Params.model_validate(p).model_dump()
    nms: Params = {"nms_threshold": full["nms_threshold"]}
    if full["top_k"] != -1:
        nms["top_k"] = full["top_k"]
    block: Params = {
        "num_classes": full["num_classes"],
        "nms_param": nms,
        "code_type": Enum("CENTER_SIZE"),
        "keep_top_k": full["keep_top_k"],
    }
    if full["confidence_threshold"] > NO_THRESHOLD:  # else left out: Caffe's "every score"
        block["confidence_threshold"] = full["confidence_threshold"]
    return {"detection_output_param": block}
