"""The model builder and the PyTorch code exporter come from one plan: for every template
the built module and the generated code have the same parameters and, with the same
weights, the same outputs."""

from __future__ import annotations

import types

import pytest

torch = pytest.importorskip("torch")

from netcanvas import templates  # noqa: E402
from netcanvas.formats.base import UnsupportedError  # noqa: E402
from netcanvas.formats.code.pytorch_writer import generate  # noqa: E402
from netcanvas.graph.model import Graph, Node  # noqa: E402
from netcanvas.train.builder import BuildError, _compile, build_module  # noqa: E402

SLUGS = templates.slugs()


def _generated(graph: Graph) -> torch.nn.Module:
    """The oracle: the generated file run as Python, as a user would run it."""
    module = types.ModuleType("generated")
    exec(generate(graph), module.__dict__)  # noqa: S102  (our exporter's output, in a test)
    return module.Network()


def _inputs(graph: Graph) -> list[torch.Tensor]:
    out = []
    torch.manual_seed(0)
    for node in graph.nodes:
        if node.type == "Input":
            shape = node.params["shape"]
            if node.params.get("dtype") == "int64":
                out.append(torch.randint(0, 2, shape))
            else:
                out.append(torch.randn(shape))
    return out


def _flat(result: object) -> list[torch.Tensor]:
    if isinstance(result, torch.Tensor):
        return [result]
    return [t for item in result for t in _flat(item)]  # type: ignore[attr-defined]


@pytest.mark.oracle
@pytest.mark.parametrize("slug", SLUGS)
def test_built_module_equals_the_generated_code(slug: str) -> None:
    graph = templates.get(slug).graph()
    try:
        built = build_module(graph)
    except UnsupportedError:
        with pytest.raises(UnsupportedError):
            generate(graph)
        return
    code = _generated(graph)
    assert list(built.state_dict()) == list(code.state_dict())
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in code.parameters())
    code.load_state_dict(built.state_dict())
    built.eval()
    code.eval()
    inputs = _inputs(graph)
    with torch.no_grad():
        ours, theirs = _flat(built(*inputs)), _flat(code(*inputs))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b)


def test_a_setting_cannot_smuggle_code_into_the_builder() -> None:
    scope = {"torch": torch}
    for source in ("__import__('os').system('true')", "torch.__class__", "(lambda: 1)()"):
        with pytest.raises(BuildError):
            _compile(source, scope, set())


def test_builds_a_caffe_helper_layer_and_trains_it() -> None:
    graph = Graph(
        "scale",
        [
            Node("x", "Input", {"shape": [2, 3, 4, 4]}),
            Node("s", "Scale", {"axis": 1, "bias": True}, ["x"]),
        ],
    )
    model = build_module(graph)
    assert sum(p.numel() for p in model.parameters()) == 6
    model(torch.randn(2, 3, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
