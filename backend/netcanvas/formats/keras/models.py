"""Walk a Keras Functional or Sequential config, calling each layer on its input tensors;
a nested model becomes a scope (its name) and is walked with the caller's tensors."""

from __future__ import annotations

from typing import Any

from netcanvas.formats.base import FormatError
from netcanvas.formats.keras.reader import MODELS, Builder, KShape, Tensor, ours
from netcanvas.graph.model import Node

History = tuple[str, int, int]


def read_model(
    builder: Builder, spec: dict[str, Any], scope: str, inputs: list[Tensor] | None
) -> list[Tensor]:
    config = _object(spec.get("config"), "model config")
    if spec.get("class_name") == "Sequential":
        return _sequential(builder, config, scope, inputs)
    return _functional(builder, config, scope, inputs)


def call_layer(
    builder: Builder,
    spec: dict[str, Any],
    ins: list[Tensor],
    outs: list[KShape | None],
    scope: str,
    call: int,
    consts: list[float] | None = None,
) -> list[Tensor]:
    from netcanvas.formats.keras.layers import convert

    class_name = str(spec.get("class_name"))
    config = _object(spec.get("config", {}), f"config of a {class_name} layer")
    name = str(config.get("name") or spec.get("name") or class_name.lower())
    if class_name in MODELS:
        inner = f"{scope}.{name}" if scope else name
        builder.graph.view.setdefault("scopes", {})[inner] = {"type": class_name}
        return read_model(builder, spec, inner, ins)
    if call:
        name = f"{name}_{call}"
    return convert(builder, class_name, config, name, scope, ins, outs, consts or [])


def _sequential(
    builder: Builder, config: dict[str, Any], scope: str, inputs: list[Tensor] | None
) -> list[Tensor]:
    layers = [_object(s, "layer") for s in _list(config.get("layers"), "Sequential layers")]
    if layers and layers[0].get("class_name") == "InputLayer":
        first, layers = layers[0], layers[1:]
        if inputs is None:
            inputs = [_input(builder, first, scope, _consumers_cf(layers[:1]))]
    if inputs is None:
        shape = config.get("build_input_shape") or _build_shape(layers[0] if layers else {})
        if shape is None:
            raise FormatError("a Sequential model with no input shape (never built)")
        spec = {"class_name": "InputLayer", "config": {"name": "input", "batch_shape": shape}}
        inputs = [_input(builder, spec, scope, _consumers_cf(layers[:1]))]
    current = inputs
    for i, spec in enumerate(layers):
        following = _build_shape(layers[i + 1]) if i + 1 < len(layers) else None
        current = call_layer(builder, spec, current[:1], [following], scope, 0)
        if following is not None:
            current[0].shape = following
    return current


def _functional(
    builder: Builder, config: dict[str, Any], scope: str, inputs: list[Tensor] | None
) -> list[Tensor]:
    specs = [_object(s, "layer") for s in _list(config.get("layers"), "model layers")]
    shapes = _seen_shapes(specs)
    tensors: dict[History, Tensor] = {}
    input_refs = [_history(r) for r in _refs(config.get("input_layers"), "input_layers")]
    by_name = {str(_object(s.get("config", {}), "layer config").get("name", "")): s for s in specs}
    for i, ref in enumerate(input_refs):
        if inputs is not None:
            if i >= len(inputs):
                raise FormatError(f"nested model '{config.get('name')}' takes more inputs")
            tensors[ref] = inputs[i]
        else:
            spec = by_name.get(ref[0])
            if spec is None:
                raise FormatError(f"input layer '{ref[0]}' is not among the layers")
            wants = _consumers_cf([s for s in specs if ref[0] in _sources(s)])
            tensors[ref] = _input(builder, spec, scope, wants)
    pending = [s for s in specs if s.get("class_name") != "InputLayer"]
    while pending:
        left = []
        for spec in pending:
            if not _try_calls(builder, spec, tensors, shapes, scope):
                left.append(spec)
        if len(left) == len(pending):
            missing = left[0].get("name") or left[0].get("config", {}).get("name")
            raise FormatError(f"layer '{missing}' reads a tensor no layer makes (or a cycle)")
        pending = left
    outputs = []
    for ref in (_history(r) for r in _refs(config.get("output_layers"), "output_layers")):
        if ref not in tensors:
            raise FormatError(f"output '{ref[0]}' is not made by any layer")
        outputs.append(tensors[ref])
    return outputs


def _try_calls(
    builder: Builder,
    spec: dict[str, Any],
    tensors: dict[History, Tensor],
    shapes: dict[History, KShape],
    scope: str,
) -> bool:
    """Call the layer once per inbound node when all its inputs exist; False to wait."""
    calls = _calls(spec)
    if any(ref not in tensors for call in calls for ref, _ in call):
        return False
    name = str(spec.get("config", {}).get("name") or spec.get("name"))
    for index, call in enumerate(calls):
        ins = []
        for ref, shape in call:
            t = tensors[ref]
            ins.append(Tensor(t.ref, shape if shape is not None else t.shape, t.cf))
        outs = [shapes.get((name, index, k)) for k in range(_max_index(shapes, name, index) + 1)]
        consts = _constants(spec, index)
        for k, t in enumerate(call_layer(builder, spec, ins, outs, scope, index, consts)):
            tensors[(name, index, k)] = t
    return True


def _max_index(shapes: dict[History, KShape], name: str, call: int) -> int:
    return max((k for (n, c, k) in shapes if n == name and c == call), default=0)


def _calls(spec: dict[str, Any]) -> list[list[tuple[History, KShape | None]]]:
    """Each inbound node's input tensors, in order: Keras 3 dicts or Keras 2 lists."""
    calls = []
    for node in _list(spec.get("inbound_nodes", []), "inbound_nodes"):
        found: list[tuple[History, KShape | None]] = []
        if isinstance(node, dict):
            _walk(node.get("args", []), found)
            _walk(node.get("kwargs", {}), found)
        elif isinstance(node, list):  # Keras 2: [[name, call, index, kwargs], ...]
            for item in node:
                if isinstance(item, list) and len(item) >= 3:
                    found.append((_history(item[:3]), None))
        calls.append(found)
    return calls


def _constants(spec: dict[str, Any], index: int) -> list[float]:
    """The numbers among a call's arguments (``x + 3.0`` records Add(x, 3.0))."""
    nodes = spec.get("inbound_nodes") or []
    node = nodes[index] if index < len(nodes) else None
    args = node.get("args", []) if isinstance(node, dict) else []
    return [float(a) for a in args if isinstance(a, int | float) and not isinstance(a, bool)]


def _walk(value: Any, found: list[tuple[History, KShape | None]]) -> None:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            cfg = _object(value.get("config"), "tensor")
            found.append((_history(cfg.get("keras_history")), _shape(cfg.get("shape"))))
            return
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


def _seen_shapes(specs: list[dict[str, Any]]) -> dict[History, KShape]:
    """Every tensor's Keras shape, as the layers that read it record it."""
    seen: dict[History, KShape] = {}
    for spec in specs:
        for call in _calls(spec):
            for ref, shape in call:
                if shape is not None:
                    seen[ref] = shape
    return seen


def _sources(spec: dict[str, Any]) -> set[str]:
    return {ref[0] for call in _calls(spec) for ref, _ in call}


def _consumers_cf(specs: list[dict[str, Any]]) -> bool | None:
    """Whether the layers reading an input want it channels_last (None: no spatial layer)."""
    for spec in specs:
        fmt = spec.get("config", {}).get("data_format") if isinstance(spec, dict) else None
        if fmt in ("channels_last", "channels_first"):
            return bool(fmt == "channels_last")
    return None


def _input(builder: Builder, spec: dict[str, Any], scope: str, wants_cf: bool | None) -> Tensor:
    config = _object(spec.get("config", {}), "InputLayer config")
    raw = config.get("batch_shape") or config.get("batch_input_shape")
    shape = _shape(raw)
    if shape is None:
        raise FormatError(f"input '{config.get('name')}' has no batch_shape")
    cf = wants_cf if wants_cf is not None else len(shape) >= 4
    if any(d is None for d in shape[1:]):
        builder.graph.warnings.append(
            f"input '{config.get('name')}' has sizes Keras leaves open {list(shape)}: drawn as 1"
        )
    name = str(config.get("name") or "input")
    params: dict[str, Any] = {"shape": ours(shape, cf)}
    dtype = config.get("dtype")
    if isinstance(dtype, str) and dtype.startswith(("int", "uint")):
        params["dtype"] = "int64"  # our inputs are float32 or int64 (token ids)
    ref = builder.add(Node(name, "Input", params, [], scope=scope))
    return Tensor(ref, shape, cf)


def _build_shape(spec: dict[str, Any]) -> KShape | None:
    build = spec.get("build_config") if isinstance(spec, dict) else None
    return _shape(build.get("input_shape")) if isinstance(build, dict) else None


def _shape(raw: Any) -> KShape | None:
    if not isinstance(raw, list) or not all(d is None or isinstance(d, int) for d in raw):
        return None
    return tuple(raw)


def _history(raw: Any) -> History:
    if not isinstance(raw, list) or len(raw) < 3 or not isinstance(raw[0], str):
        raise FormatError(f"a tensor reference is not [layer, call, index]: {raw!r}"[:200])
    try:
        return raw[0], int(raw[1]), int(raw[2])
    except (TypeError, ValueError):
        raise FormatError(
            f"a tensor reference is not [layer, call, index]: {raw!r}"[:200]
        ) from None


def _refs(value: Any, what: str) -> list[Any]:
    """A model's inputs or outputs: one [layer, call, index] or a list of them."""
    items = _list(value, what)
    return [items] if items and isinstance(items[0], str) else items


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise FormatError(f"{what} is not a list")
    return value
