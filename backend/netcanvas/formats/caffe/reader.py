"""Caffe prototxt <-> Graph: phases, in-place layers, V1 files, data layers.

Import walks the layers in file order with a table from blob name to the node output
that last wrote it, so in-place layers (top == bottom) become their own nodes chained
in order and a blob read several times branches. Fields we do not map are kept as
prototxt text in ``Node.meta["caffe"]`` and written back on export.

Choices worth knowing:
- A data layer's label top becomes a separate ``Input`` node (int64 class indices,
  shape ``[N]`` when the batch size is known), so every node keeps one output.
- Caffe ``InnerProduct`` imports as the ``InnerProduct`` registry type (flattening from
  ``axis`` on, exactly Caffe's blob shapes); a plain ``Linear`` exports as InnerProduct
  with ``axis: -1``.
- Extra tops that are copies (``Split``, a pooling mask) alias the node's output 0.
- py-faster-rcnn's ``rpn.proposal_layer`` Python layer imports as ``Proposal`` (its
  ``param_str`` read as a literal, never run); other Python layers stay opaque.
"""

from __future__ import annotations

from typing import Any

from netcanvas.formats.base import FormatError
from netcanvas.formats.caffe import syntax as prototxt
from netcanvas.formats.caffe.layers import V1_TYPES, Unmapped, import_layer, output_count, plain
from netcanvas.formats.caffe.numbers import check_numbers
from netcanvas.formats.caffe.syntax import Enum, Message, as_list
from netcanvas.formats.names import Names
from netcanvas.graph.model import Graph, Node
from netcanvas.graph.shapes import Shape
from netcanvas.layers import lookup
from netcanvas.layers.normalization import batch_norm_type
from netcanvas.layers.registry import default_name

DATA_TYPES = {
    "Data",
    "ImageData",
    "HDF5Data",
    "WindowData",
    "DenseImageData",
    "AnnotatedData",
    "VideoData",
    "MemoryData",
    "DummyData",
    "Input",
}
# Data layers whose channel count lives in the database, not in the file.
DB_TYPES = {"Data", "AnnotatedData", "WindowData"}
STRUCTURE = ("name", "type", "bottom", "top")


def load(data: bytes, options: dict[str, Any]) -> Graph:
    """Parse prototxt bytes into a graph.

    Options: ``phase`` TRAIN or TEST (default TEST); ``stages`` the NetState stages.
    What depends on the input shapes (BatchNorm rank, PReLU channels, SegNet unpool
    sizes) is settled by :func:`settle` during the analysis.
    """
    doc = prototxt.parse(data)
    check_numbers(doc, data)
    phase = str(options.get("phase") or "TEST").upper()
    stages = {str(s) for s in as_list(options.get("stages"))}
    return _Importer(doc, phase, stages).run()


class _Importer:
    def __init__(self, doc: Message, phase: str, stages: set[str]) -> None:
        self.doc = doc
        self.phase = phase
        self.stages = stages
        name = doc.get("name")
        self.graph = Graph(name=str(name) if isinstance(name, str) and name else "network")
        self.blobs: dict[str, str] = {}
        self.taken = Names()
        self.warnings: list[str] = []

    def run(self) -> Graph:
        try:
            self._header_inputs()
        except (ValueError, TypeError, AttributeError) as bad:
            raise FormatError(f"input header: {bad}", 1, 1) from None
        for layer in self._layers():
            if self._included(layer):
                try:
                    self._layer(layer)
                except (ValueError, TypeError, AttributeError, KeyError) as bad:
                    # A value of the wrong kind (`num_output: "x"`): Caffe refuses it too.
                    where = layer.get("name", layer.get("type", "?"))
                    raise FormatError(f"layer '{where}': {bad}", layer.line, layer.column) from None
        if self.warnings:
            self.graph.warnings = self.warnings
        return self.graph

    # --- structure -----------------------------------------------------------------

    def _layers(self) -> list[Message]:
        found: list[Message] = []
        for key in ("layer", "layers"):
            for item in as_list(self.doc.get(key)):
                if not isinstance(item, Message):
                    raise FormatError(f"`{key}` must be a {{ }} block", 1, 1)
                if key == "layers":
                    item = _upgrade_v1(item)
                found.append(item)
        # A file may mix V1 `layers` and `layer` blocks: keep the file's order.
        found.sort(key=lambda m: (m.line, m.column))
        return found

    def _included(self, layer: Message) -> bool:
        includes = [r for r in as_list(layer.get("include")) if isinstance(r, dict)]
        if includes:
            return any(self._matches(rule) for rule in includes)
        excludes = [r for r in as_list(layer.get("exclude")) if isinstance(r, dict)]
        return not any(self._matches(rule) for rule in excludes)

    def _matches(self, rule: dict[str, Any]) -> bool:
        """Caffe's NetStateRule against our state (level 0, the chosen stages)."""
        if "phase" in rule and str(rule["phase"]).upper() != self.phase:
            return False
        if "min_level" in rule and _number(rule["min_level"]) > 0:
            return False
        if "max_level" in rule and _number(rule["max_level"]) < 0:
            return False
        if any(str(s) not in self.stages for s in as_list(rule.get("stage"))):
            return False
        return not any(str(s) in self.stages for s in as_list(rule.get("not_stage")))

    def _name(self, wanted: str, fallback_type: str) -> str:
        return self.taken.add(wanted or default_name(fallback_type, self.taken.taken))

    def _add(self, node: Node, tops: list[str], outputs: int) -> None:
        self.graph.nodes.append(node)
        for i, top in enumerate(tops):
            # Tops beyond the node's outputs are copies of output 0 (Split, pool masks).
            self.blobs[top] = node.name if i == 0 or i >= outputs else f"{node.name}:{i}"

    def _header_inputs(self) -> None:
        names = [str(n) for n in as_list(self.doc.get("input"))]
        if not names:
            return
        shapes: list[list[int] | None] = []
        for spec in as_list(self.doc.get("input_shape")):
            dims = spec.get("dim") if isinstance(spec, dict) else None
            shapes.append([int(d) for d in as_list(dims)])
        flat = [int(d) for d in as_list(self.doc.get("input_dim"))]
        if flat and not shapes:
            per = len(flat) // len(names) if len(flat) % len(names) == 0 else 0
            shapes = [flat[i * per : (i + 1) * per] for i in range(len(names))] if per else []
        for i, blob in enumerate(names):
            shape = shapes[i] if i < len(shapes) else None
            params: dict[str, Any] = {"shape": shape} if shape and min(shape) > 0 else {}
            node = Node(self._name(blob, "Input"), "Input", params)
            node.meta["caffe"] = {"type": "Input"}
            self._add(node, [blob], 1)

    # --- one layer -------------------------------------------------------------------

    def _layer(self, layer: Message) -> None:
        ctype = str(layer.get("type", ""))
        if not ctype:
            raise FormatError("layer without a `type`", layer.line, layer.column)
        bottoms = [str(b) for b in as_list(layer.get("bottom"))]
        tops = [str(t) for t in as_list(layer.get("top"))]
        raw_name = layer.get("name")
        wanted = str(raw_name) if isinstance(raw_name, str | Enum) else (tops[0] if tops else "")
        if ctype in DATA_TYPES or (ctype == "Python" and not bottoms):
            self._data_layer(layer, ctype, wanted, tops)
            return
        inputs = [self._blob(b, wanted) for b in bottoms]
        name = self._name(wanted, ctype)
        caffe: dict[str, Any] = {"type": ctype}
        if name != wanted:
            caffe["name"] = wanted
        try:
            type_name, params, blocks = import_layer(ctype, layer)
            used = {b.key: b for b in blocks}
            extras: dict[str, Any] = {}
            for key, value in layer.items():
                if key in STRUCTURE:
                    continue
                if key in used:
                    rest = used[key].rest()
                    if rest:
                        extras[key] = rest
                else:
                    extras[key] = value
            node = Node(name, type_name, params, inputs)
        except Unmapped as why:
            extras = {k: v for k, v in layer.items() if k not in STRUCTURE}
            # A Caffe type spelled like a registry type it does not match stays apart.
            opaque_type = ctype if lookup(ctype) is None else f"Caffe{ctype}"
            node = Node(name, opaque_type, plain(extras), inputs)
            if str(why):  # a known type whose settings we cannot map: say which
                self.warnings.append(f"{name}: {why}: kept as an opaque node")
        if extras:
            caffe["fields"] = prototxt.dump(extras)
        if ctype in ("RNN", "LSTM") and len(inputs) > 1:
            # Caffe's second bottom is the sequence-continuation mask, not a state.
            caffe["extra_bottoms"] = bottoms[1:]
            node.inputs = inputs[:1]
        spec = lookup(node.type)
        outputs = output_count(spec, node.params) if spec is not None else max(len(tops), 1)
        node.inplace = bool(tops) and tops[0] in bottoms
        if not node.inplace and (len(tops) > outputs or tops[:1] != [name]):
            caffe["top"] = tops
        node.meta["caffe"] = caffe
        self._add(node, tops, outputs)

    def _blob(self, blob: str, reader: str) -> str:
        """The node output holding a blob; an unknown blob becomes an implicit input."""
        if blob in self.blobs:
            return self.blobs[blob]
        node = Node(self._name(blob, "Input"), "Input")
        node.meta["caffe"] = {"type": "Input", "implicit": True}
        self._add(node, [blob], 1)
        self.warnings.append(
            f"{node.name}: no layer in phase {self.phase} produces blob '{blob}' "
            f"(read by '{reader}'): it is an input; set its shape with "
            f"--input-shape {node.name}=N,C,H,W"
        )
        return self.blobs[blob]

    def _data_layer(self, layer: Message, ctype: str, wanted: str, tops: list[str]) -> None:
        shapes, dtype_label = _data_shapes(layer, ctype, len(tops))
        extras = {k: v for k, v in layer.items() if k not in STRUCTURE}
        names: list[str] = []
        for i, top in enumerate(tops or [wanted]):
            name = self._name(wanted if i == 0 else top, "Input")
            shape = shapes[i] if i < len(shapes) else None
            params: dict[str, Any] = {"shape": shape} if shape else {}
            if i > 0 and dtype_label:
                params["dtype"] = "int64"
            node = Node(name, "Input", params)
            caffe: dict[str, Any] = {"type": ctype}
            if i == 0:
                if extras:
                    caffe["fields"] = prototxt.dump(extras)
                if tops[:1] != [name]:
                    caffe["top"] = tops
                if name != wanted:
                    caffe["name"] = wanted
            else:
                caffe["label_of"] = names[0]
                if name != top:
                    caffe["top"] = [top]
            node.meta["caffe"] = caffe
            names.append(name)
            self._add(node, [top], 1)
            if i == 0 and shape is not None and ctype in DB_TYPES:
                self.warnings.append(
                    f"{name}: the channel count of '{top}' comes from the database; "
                    f"{shape[1]} is assumed: override with --input-shape {name}=N,C,H,W"
                )
            if shape is None:
                self.warnings.append(
                    f"{name}: the file does not say the shape of blob '{top}': "
                    f"set it with --input-shape {name}=N,C,H,W"
                )
        if len(names) > 1:
            self.graph.node(names[0]).meta["caffe"]["labels"] = names[1:]


def _field(layer: dict[str, Any], block: str, name: str) -> Any:
    value = layer.get(block)
    return value.get(name) if isinstance(value, dict) else None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _upgrade_v1(layer: Message) -> Message:
    """V1 `layers {}`: enum type names, and blobs_lr / weight_decay as `param {}` blocks."""
    out = Message(layer.line, layer.column)
    out.update(layer)
    kind = layer.get("type")
    if isinstance(kind, Enum):
        out["type"] = V1_TYPES.get(str(kind), str(kind).title().replace("_", ""))
    lrs, decays = as_list(out.pop("blobs_lr", None)), as_list(out.pop("weight_decay", None))
    if (lrs or decays) and "param" not in out:
        count = max(len(lrs), len(decays))
        params = []
        for i in range(count):
            entry: dict[str, Any] = {}
            if i < len(lrs):
                entry["lr_mult"] = lrs[i]
            if i < len(decays):
                entry["decay_mult"] = decays[i]
            params.append(entry)
        out["param"] = params
    return out


def _data_shapes(layer: Message, ctype: str, tops: int) -> tuple[list[list[int] | None], bool]:
    """Shapes of a data layer's tops where the file says them, and whether top 1 is a label."""
    if ctype == "Input":
        specs = as_list(_field(layer, "input_param", "shape"))
        dims = [[int(d) for d in as_list(s.get("dim"))] for s in specs if isinstance(s, dict)]
        if len(dims) == 1 and tops > 1:
            dims = dims * tops
        return [d or None for d in dims], False
    if ctype == "DummyData":
        specs = as_list(_field(layer, "dummy_data_param", "shape"))
        dims = [[int(d) for d in as_list(s.get("dim"))] for s in specs if isinstance(s, dict)]
        if not dims:
            legacy = [
                as_list(_field(layer, "dummy_data_param", k))
                for k in ("num", "channels", "height", "width")
            ]
            dims = [[int(v[i]) for v in legacy] for i in range(min(map(len, legacy)))]
        if len(dims) == 1 and tops > 1:
            dims = dims * tops
        return [d or None for d in dims], False
    if ctype == "MemoryData":
        keys = ("batch_size", "channels", "height", "width")
        values = [_field(layer, "memory_data_param", k) for k in keys]
        if all(isinstance(v, int) for v in values):
            return [[int(v) for v in values], [int(values[0])]], True
        return [], True
    param = {
        "Data": "data_param",
        "AnnotatedData": "data_param",
        "ImageData": "image_data_param",
        "WindowData": "window_data_param",
        "DenseImageData": "dense_image_data_param",
        "HDF5Data": "hdf5_data_param",
        "VideoData": "video_data_param",
    }.get(ctype, "")
    batch = _field(layer, param, "batch_size")
    crop = _field(layer, "transform_param", "crop_size") or _field(layer, param, "crop_size")
    height, width = _field(layer, param, "new_height"), _field(layer, param, "new_width")
    color = _field(layer, param, "is_color")
    gray = _field(layer, "transform_param", "force_gray") or color is False
    channels = 1 if gray else 3
    if not isinstance(batch, int) or batch <= 0:
        return [], True
    size: list[int] | None = None
    if isinstance(crop, int) and crop > 0:
        size = [crop, crop]
    elif isinstance(height, int) and isinstance(width, int) and height > 0 and width > 0:
        size = [height, width]
    data = [batch, channels, *size] if size else None
    label: list[int] = [batch, 1, *size] if ctype == "DenseImageData" and size else [batch]
    return [data, label], True


def settle(node: Node, inputs: list[Shape | None]) -> None:
    """What Caffe leaves to the input shape, settled during the one analysis of the file:
    BatchNorm's rank, PReLU's channel count, SegNet's unpooled size."""
    if "caffe" not in node.meta:
        return
    shape = inputs[0] if inputs else None
    if node.type.startswith("BatchNorm"):
        if shape is not None:
            node.type = batch_norm_type(len(shape))
    elif node.type == "PReLU" and node.params.get("num_parameters") == -1:
        # One slope per channel when the channels are known; one shared slope otherwise.
        node.params["num_parameters"] = shape[1] if shape is not None and len(shape) > 1 else 1
    elif node.type == "MaxUnpool2d" and "output_size" not in node.params and shape is not None:
        pads = _pad_out(node)
        if pads != (0, 0):
            scale = int(node.params.get("kernel_size", 2))
            size = [d * scale - pad for d, pad in zip(shape[2:], pads, strict=False)]
            node.params["output_size"] = size


def _pad_out(node: Node) -> tuple[int, int]:
    """SegNet's `pad_out_h/w`: the unpooled size is one less than size·scale."""
    fields = node.meta.get("caffe", {}).get("fields")
    if not isinstance(fields, str) or "pad_out" not in fields:
        return 0, 0
    block = prototxt.parse(fields).get("upsample_param", {})
    return int(bool(block.get("pad_out_h"))), int(bool(block.get("pad_out_w")))
