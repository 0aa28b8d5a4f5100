"""Reading ONNX nodes as data: attributes, static shapes, and evaluating constant nodes
(the folding of constant and shape subgraphs at import)."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import NodeProto, TensorProto, helper, numpy_helper

SUBGRAPH = (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
INT_TYPES = {TensorProto.INT64, TensorProto.INT32, TensorProto.INT8, TensorProto.UINT8}
RECURRENT = {"LSTM", "GRU", "RNN"}


def static_shape(value: onnx.ValueInfoProto) -> list[int] | None:
    t = value.type.tensor_type
    if not t.HasField("shape"):
        return None
    dims = []
    for d in t.shape.dim:
        if not d.HasField("dim_value") or d.dim_value <= 0:
            return None
        dims.append(int(d.dim_value))
    return dims


def attributes(node: NodeProto) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in node.attribute:
        try:
            value = helper.get_attribute_value(a)
        except Exception:
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, list) and value and isinstance(value[0], bytes):
            value = [v.decode("utf-8", "replace") for v in value]
        elif isinstance(value, TensorProto):
            value = (
                numpy_helper.to_array(value)
                if value.data_location != TensorProto.EXTERNAL
                else None
            )
        out[a.name] = value
    return out


def plain(value: Any) -> bool:
    if isinstance(value, bool | int | float | str):
        return True
    return isinstance(value, list) and all(isinstance(v, int | float | str) for v in value)


def reference(node: NodeProto, args: list[Any], opset: int) -> list[np.ndarray[Any, Any]] | None:
    """Any other all-constant standard operator, through ONNX's reference runtime."""
    from onnx.reference import ReferenceEvaluator

    names = [f"in{k}" if name else "" for k, name in enumerate(node.input)]
    copy = helper.make_node(
        node.op_type, names, [f"out{k}" for k in range(len(node.output))], **_raw_attrs(node)
    )
    feeds = {n: v for n, v in zip(names, args, strict=True) if n}
    inputs = [
        helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
        for n, v in feeds.items()
    ]
    outputs = [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in copy.output]
    model = helper.make_model(
        helper.make_graph([copy], "fold", inputs, outputs),
        opset_imports=[helper.make_opsetid("", opset)],
    )
    try:
        results = ReferenceEvaluator(model).run(None, feeds)
    except Exception:
        return None
    return [np.asarray(r) for r in results]


def _raw_attrs(node: NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def evaluate(node: NodeProto, args: list[Any]) -> list[np.ndarray[Any, Any]] | None:
    """NumPy evaluation of the small ops that shape subgraphs are made of."""
    a = attributes(node)
    op, x = node.op_type, args[0] if args else None
    if op == "Constant":
        for key in ("value", "value_float", "value_int", "value_floats", "value_ints"):
            if key in a and a[key] is not None:
                return [np.asarray(a[key])]
        return None
    assert x is not None
    if op == "Identity":
        return [x]
    if op == "Cast":
        return [x.astype(helper.tensor_dtype_to_np_dtype(a["to"]))]
    if op == "Gather":
        return [np.take(x, args[1], axis=a.get("axis", 0))]
    if op == "Unsqueeze":
        axes: Any = a.get("axes", args[1] if len(args) > 1 else None)
        if axes is None:
            return None
        out = x
        for axis in sorted(int(v) % (x.ndim + len(axes)) for v in axes):
            out = np.expand_dims(out, axis)
        return [out]
    if op == "Squeeze":
        axes = a.get("axes", args[1] if len(args) > 1 else None)
        return [
            np.squeeze(x, axis=tuple(int(v) for v in axes)) if axes is not None else np.squeeze(x)
        ]
    if op == "Concat":
        return [np.concatenate([v for v in args if v is not None], axis=a["axis"])]
    if op == "Reshape":
        target = [int(d) for d in args[1]]
        target = [x.shape[i] if d == 0 else d for i, d in enumerate(target)]
        return [x.reshape(target)]
    if op in ("Mul", "Add", "Sub", "Div"):
        y = args[1]
        fn = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract, "Div": np.divide}[op]
        result = fn(x, y)
        if op == "Div" and np.issubdtype(x.dtype, np.integer):
            result = np.floor_divide(x, y)
        return [np.asarray(result).astype(np.result_type(x, y))]
    if op == "Slice":
        starts, ends = args[1], args[2]
        axes = args[3] if len(args) > 3 and args[3] is not None else range(len(starts))
        steps = args[4] if len(args) > 4 and args[4] is not None else [1] * len(starts)
        index = [slice(None)] * x.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps, strict=False):
            index[int(ax)] = slice(int(s), int(e), int(st))
        return [x[tuple(index)]]
    if op == "ConstantOfShape":
        value = a.get("value")
        fill = np.asarray(value).reshape(-1)[0] if value is not None else np.float32(0)
        return [np.full([int(d) for d in x], fill)]
    if op == "Range":
        return [np.arange(x, args[1], args[2])]
    return None
