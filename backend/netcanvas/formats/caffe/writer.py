"""Graph -> Caffe `layer {}` blocks with the rules of ``writer_rules``.

Settings with no Caffe spelling are collected into one UnsupportedError. Fields kept from
an import (fillers, engines, ``param {}``) are merged back, and in-place layers write their
bottom blob again when that is safe.
"""

from __future__ import annotations

from typing import Any

from netcanvas.formats.base import FormatError, UnsupportedError
from netcanvas.formats.caffe import syntax as prototxt
from netcanvas.formats.caffe.detection import (
    python_proposal_blocks,
)
from netcanvas.formats.caffe.layers import output_count, plain
from netcanvas.formats.caffe.syntax import Enum, as_list
from netcanvas.formats.caffe.writer_rules import EXPORTS, SAME_MEANING, bn_blocks
from netcanvas.graph.model import Graph, Node, parse_ref
from netcanvas.layers import lookup


class Exporter:
    """Writes a graph as `layer {}` blocks, restoring in-place tops and kept fields."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.names = {n.name for n in graph.nodes}
        self.order = {n.name: i for i, n in enumerate(graph.nodes)}
        self.blob_of: dict[str, str] = {}
        self.consumers: dict[str, list[str]] = {}
        for node in graph.nodes:
            for ref in node.inputs:
                self.consumers.setdefault(self._canonical(ref), []).append(node.name)

    def _canonical(self, ref: str) -> str:
        parsed = parse_ref(ref, self.names)
        return str(parsed) if parsed is not None else ref

    def run(self) -> str:
        layers: list[dict[str, Any]] = []
        problems: dict[str, list[str]] = {}
        for node in self.graph.nodes:
            caffe = node.meta.get("caffe", {})
            if isinstance(caffe, dict) and caffe.get("label_of") in self.names:
                continue  # written as a top of its data layer
            if isinstance(caffe, dict) and caffe.get("implicit") and "shape" not in node.params:
                self.blob_of[node.name] = str(
                    as_list(caffe.get("top"))[0] if caffe.get("top") else node.name
                )
                continue  # the file named this blob without producing it; so do we
            try:
                layers.extend(self._layers_for(node, caffe if isinstance(caffe, dict) else {}))
            except (ValueError, TypeError, KeyError, AttributeError, IndexError) as why:
                # Settings of a kind Caffe cannot spell (e.g. hand-edited params).
                problems.setdefault(f"{node.type}: {why}", []).append(node.name)
            except FormatError as why:  # kept Caffe fields edited into invalid text
                problems.setdefault(f"meta.caffe.fields: {why}", []).append(node.name)
        if problems:
            listed = "; ".join(
                f"{what} ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})"
                for what, names in problems.items()
            )
            raise UnsupportedError(f"cannot write as Caffe prototxt: {listed}")
        doc: dict[str, Any] = {"name": self.graph.name, "layer": layers}
        try:
            return prototxt.dump(doc)
        except ValueError as why:
            raise UnsupportedError(f"cannot write as Caffe prototxt: {why}") from None

    def _bottoms(self, node: Node) -> list[str]:
        return [self.blob_of.get(self._canonical(ref), ref) for ref in node.inputs]

    def _layers_for(self, node: Node, caffe: dict[str, Any]) -> list[dict[str, Any]]:
        """One layer, or two where Caffe splits what PyTorch does in one module."""
        if (
            node.type.startswith("BatchNorm")
            and node.params.get("affine", True)
            and caffe.get("type") != "BN"
        ):
            # Caffe's BatchNorm only normalises: the learned affine is a Scale after it.
            norm = self._layer(node, caffe, ("BatchNorm", bn_blocks(node.params)))
            top = as_list(norm["top"])[0]
            scale = {
                "name": f"{norm['name']}/scale",
                "type": "Scale",
                "bottom": top,
                "top": top,
                "scale_param": {"bias_term": True},
            }
            return [norm, scale]
        if node.type in ("GlobalAvgPool2d", "GlobalMaxPool2d"):
            # Caffe's global pooling keeps N×C×1×1; PyTorch's global pool is N×C.
            pool_name = f"{node.name}/pool"
            kind = Enum("AVE" if node.type == "GlobalAvgPool2d" else "MAX")
            pool = {
                "name": pool_name,
                "type": "Pooling",
                "bottom": self._bottoms(node),
                "top": pool_name,
                "pooling_param": {"pool": kind, "global_pooling": True},
            }
            flat = self._layer(node, caffe, ("Flatten", {}), [pool_name])
            return [pool, flat]
        return [self._layer(node, caffe)]

    def _layer(
        self,
        node: Node,
        caffe: dict[str, Any],
        kind: tuple[str, dict[str, Any]] | None = None,
        bottoms: list[str] | None = None,
    ) -> dict[str, Any]:
        name = str(caffe.get("name", node.name))
        if bottoms is None:
            bottoms = self._bottoms(node)
        if "extra_bottoms" in caffe:
            bottoms += [str(b) for b in as_list(caffe["extra_bottoms"])]
        ctype, blocks = kind or self._type_and_blocks(node, caffe)
        tops = self._tops(node, caffe, bottoms)
        layer: dict[str, Any] = {"name": name, "type": ctype}
        if bottoms:
            layer["bottom"] = bottoms
        if tops:
            layer["top"] = tops
        fields = caffe.get("fields")
        extras = prototxt.parse(fields) if isinstance(fields, str) else {}
        for key, value in blocks.items():
            merged = dict(extras.pop(key, {})) if isinstance(extras.get(key), dict) else {}
            merged.update(value)
            layer[key] = merged
        for key, value in extras.items():
            if key not in layer:
                layer[key] = value
        return layer

    def _type_and_blocks(self, node: Node, caffe: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        original = str(caffe.get("type", ""))
        if lookup(node.type) is None:
            # Opaque: its params are the Caffe fields; the kept text wins if unchanged.
            fields = caffe.get("fields")
            ctype = original or node.type
            if isinstance(fields, str) and plain(prototxt.parse(fields)) == node.params:
                return ctype, {}
            return ctype, {k: v for k, v in node.params.items() if isinstance(v, dict)}
        if node.type == "Input":
            if original and original != "Input":
                return original, {}
            shape = node.params.get("shape")
            if not shape:
                raise ValueError("an input without a shape cannot be written as Caffe Input")
            return "Input", {"input_param": {"shape": {"dim": list(shape)}}}
        if node.type == "Proposal" and original == "Python":
            return "Python", python_proposal_blocks(node.params, caffe.get("fields"))
        if (original, node.type) in SAME_MEANING:
            return SAME_MEANING[(original, node.type)], {}
        rule = EXPORTS.get(node.type)
        if rule is None:
            raise ValueError("no Caffe equivalent")
        ctype, make = rule
        return ctype, make(node.params)

    def _tops(self, node: Node, caffe: dict[str, Any], bottoms: list[str]) -> list[str]:
        spec = lookup(node.type)
        outputs = output_count(spec, node.params) if spec is not None else 1
        if outputs == 0:
            return []
        if node.inplace and bottoms and self._may_write_in_place(node):
            self.blob_of[node.name] = bottoms[0]
            return [bottoms[0]]
        kept = [str(t) for t in as_list(caffe.get("top"))]
        if caffe.get("labels"):
            kept = kept[:outputs]  # the label tops follow, from the label nodes
        tops = (
            kept
            if len(kept) >= outputs
            else [node.name] + [f"{node.name}_{k}" for k in range(1, outputs)]
        )
        for k in range(outputs):
            self.blob_of[node.name if k == 0 else f"{node.name}:{k}"] = tops[k]
        for label in as_list(caffe.get("labels")):
            if str(label) in self.names:
                label_node = self.graph.node(str(label))
                label_top = as_list(label_node.meta.get("caffe", {}).get("top")) or [label]
                self.blob_of[str(label)] = str(label_top[0])
                tops.append(str(label_top[0]))
        return tops

    def _may_write_in_place(self, node: Node) -> bool:
        """In place only if nobody reads the overwritten blob after this layer."""
        source = self._canonical(node.inputs[0])
        mine = self.order[node.name]
        return all(
            other == node.name or self.order.get(other, -1) < mine
            for other in self.consumers.get(source, [])
        )
