"""The registry's contract, checked for every layer type at once."""

from __future__ import annotations

import json
import pkgutil

import pytest

import netcanvas.layers as layers
from netcanvas.analysis import analyze
from netcanvas.graph.model import Graph, Node
from netcanvas.layers import FAMILIES, REGISTRY

TYPES = sorted(REGISTRY)


def test_every_family_module_is_listed() -> None:
    modules = {
        m.name
        for m in pkgutil.iter_modules(layers.__path__)
        if m.name not in {"registry", "fields", "index", "validation"}
    }
    assert modules == set(FAMILIES)


def test_registry_has_the_promised_breadth() -> None:
    assert len(REGISTRY) >= 86


@pytest.mark.parametrize("type_name", TYPES)
def test_defaults_validate_and_schema_exports(type_name: str) -> None:
    spec = REGISTRY[type_name]
    spec.Params()  # every setting has a default
    schema = spec.Params.model_json_schema()
    json.dumps(schema)
    for name, field in schema.get("properties", {}).items():
        assert field.get("description"), f"{type_name}.{name} has no description"


@pytest.mark.parametrize("type_name", TYPES)
def test_docstring_has_shape_sections(type_name: str) -> None:
    doc = REGISTRY[type_name].doc
    assert "Input shape:" in doc and "Output shape:" in doc
    assert REGISTRY[type_name].summary


@pytest.mark.parametrize("type_name", TYPES)
def test_infers_on_its_example(type_name: str) -> None:
    spec = REGISTRY[type_name]
    graph = Graph()
    names = []
    for i, shape in enumerate(spec.example_inputs):
        graph.nodes.append(Node(f"in{i}", "Input", {"shape": list(shape)}))
        names.append(f"in{i}")
    graph.nodes.append(Node("layer", type_name, dict(spec.example_params), names))
    result = analyze(graph)["layer"]
    assert result.error is None, result.error
    assert result.output_shapes and all(s is not None for s in result.output_shapes)
    assert all(all(d > 0 for d in s) for s in result.output_shapes if s is not None)
    assert result.params >= 0 and result.macs >= 0
