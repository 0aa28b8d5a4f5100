"""Structural analysis: references, topological order, problems named per node."""

from __future__ import annotations

from netcanvas.graph.model import Graph, Node, Ref, analyse_structure, parse_ref


def chain(*specs: tuple[str, list[str]]) -> Graph:
    return Graph(nodes=[Node(name, "Identity", {}, inputs) for name, inputs in specs])


def test_refs_resolve_name_and_output_index() -> None:
    names = {"split", "a:b"}
    assert parse_ref("split", names) == Ref("split", 0)
    assert parse_ref("split:2", names) == Ref("split", 2)
    assert parse_ref("a:b", names) == Ref("a:b", 0)  # a colon inside a name wins
    assert parse_ref("nothing", names) is None
    assert parse_ref("split:x", names) is None


def test_order_is_topological_and_stable() -> None:
    graph = chain(("c", ["b"]), ("a", []), ("b", ["a"]), ("d", ["a"]))
    assert analyse_structure(graph).order == ["a", "b", "c", "d"]


def test_duplicate_and_dangling_and_self_reference_are_pinned() -> None:
    graph = chain(("a", []), ("a", []), ("b", ["ghost"]), ("c", ["c"]))
    errors = analyse_structure(graph).errors
    assert "duplicate name 'a'" in errors["a"][0]
    assert errors["b"] == ["input 'ghost' does not exist"]
    assert errors["c"] == ["takes its own output as input"]


def test_cycle_names_its_nodes_and_spares_the_rest() -> None:
    graph = chain(("in", []), ("x", ["in", "z"]), ("y", ["x"]), ("z", ["y"]), ("after", ["z"]))
    structure = analyse_structure(graph)
    assert structure.cyclic == {"x", "y", "z"}
    message = structure.errors["x"][0]
    assert message.startswith("cycle: ")
    assert all(n in message for n in ("x", "y", "z"))
    # Every node still appears, those behind the cycle at the end.
    assert structure.order[0] == "in"
    assert set(structure.order) == {"in", "x", "y", "z", "after"}
    assert "after" not in structure.errors


def test_cycle_text_follows_the_data_flow() -> None:
    graph = chain(("a", ["c"]), ("b", ["a"]), ("c", ["b"]))
    text = analyse_structure(graph).errors["a"][0]
    flow = text.removeprefix("cycle: ").split(" -> ")
    assert flow[0] == flow[-1] and len(flow) == 4
    for src, dst in zip(flow, flow[1:], strict=False):
        assert src in graph.node(dst).inputs
