"""Graph -> a readable PyTorch ``nn.Module``: submodules in ``__init__``, a straight-line
``forward`` in topological order, one local variable per layer output.

Emitters (``pytorch_layers``, ``pytorch_caffe``) return the submodule constructor (or
None) and the expression ``forward`` evaluates; types torch.nn cannot express are refused
with every offending type named (``check_exportable``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netcanvas.analysis import Analysis
from netcanvas.formats import frame
from netcanvas.formats.code import pytorch_caffe, pytorch_calls, pytorch_layers  # noqa: F401
from netcanvas.formats.code.pytorch_table import EMITTERS, UNSUPPORTED, Py
from netcanvas.formats.names import Names
from netcanvas.graph import shapes
from netcanvas.graph.model import Graph, Node
from netcanvas.graph.shapes import Shape
from netcanvas.layers import lookup

HELPERS = {**pytorch_caffe.HELPERS, **pytorch_calls.HELPERS, **pytorch_layers.HELPERS}
RESERVED = ("self", "torch", "nn", "F", "model", "Network", "forward", "super")


@dataclass
class Line:
    """One layer of the module: its submodule (constructor code, or None) and the
    statement ``forward`` runs, with the variables it reads and writes."""

    node: str
    ident: str
    module: str | None
    expr: str  # the right-hand side, with ``{m}`` and the input variables filled in
    targets: list[str]
    lstm: bool = False  # ``y, (h, c) = ...``: nn.LSTM returns a nested tuple

    def statement(self) -> str:
        if self.lstm:
            return f"{self.targets[0]}, ({self.targets[1]}, {self.targets[2]}) = {self.expr}"
        return f"{', '.join(self.targets)} = {self.expr}"


@dataclass
class Plan:
    """The whole module before it becomes text (or, in ``netcanvas.train``, live modules):
    inputs as (variable, shape, dtype), one Line per layer, the returned variables, and the
    helper classes (``pytorch_caffe.HELPERS``) it needs."""

    inputs: list[tuple[str, Shape, str]]
    lines: list[Line]
    results: list[str]
    helpers: list[str]
    # (submodule, the one whose parameters it shares, "" for the whole module or the one
    # tensor shared: ``weight``, a held tensor's ``value``)
    ties: list[tuple[str, str, str]] = field(default_factory=list)


def check_exportable(graph: Graph, analysis: Analysis | None = None) -> Analysis:
    return frame.check_exportable(
        graph, "PyTorch", EMITTERS, UNSUPPORTED, analysis, pytorch_calls.replayable
    )


def plan(graph: Graph, analysis: Analysis | None = None) -> Plan:
    """Every layer's submodule and forward statement, from the one emitter table."""
    analysis = check_exportable(graph, analysis)
    names = Names(RESERVED, identifiers=True)
    var: dict[tuple[str, int], str] = {}
    out = Plan([], [], [], [])
    consumed: set[str] = set()
    placed: dict[tuple[str, int], Placement] = {}
    for layer in frame.walk(graph, analysis):
        node, refs, outs = layer.node, layer.refs, layer.out_shapes
        consumed.update(r.node for r in refs)
        if node.type == "Input":
            var[(node.name, 0)] = names.add(node.name)
            out.inputs.append((var[(node.name, 0)], outs[0], node.params.get("dtype", "float32")))
            placed[(node.name, 0)] = (None, node.params.get("dtype", "float32"))
            continue
        if lookup(node.type) is None:  # a traced call (check_exportable let it through)
            _traced(node, [var[(r.node, r.index)] for r in refs], outs, names, var, out)
            placed.update({(node.name, k): (None, _traced_dtype(node)) for k in range(len(outs))})
            continue
        params = frame.validated(node)
        have = [placed[(r.node, r.index)] for r in refs]
        want = _wanted(params)
        args = [var[(r.node, r.index)] for r in refs]
        if want is not None:
            args = [_moved(a, h, want) for a, h in zip(args, have, strict=True)]
        spec = lookup(node.type)
        assert spec is not None  # check_exportable refused opaque types
        for k, dtype in enumerate(spec.output_dtypes(params)):
            placed[(node.name, k)] = _produced(want, have, dtype)
        step = Py(node, params, args, frame.in_shapes(analysis, refs), outs)
        module, expr = EMITTERS[node.type](step)
        out.helpers.extend(n for n in step.needs if n not in out.helpers)
        ident = names.add(node.name)
        fill = {f"x{i}": a for i, a in enumerate(args)}
        fill["x"] = args[0] if args else ""
        if module is not None:
            fill["m"] = f"self.{ident}"
        # Later outputs are named after their ports: ``lstm_h_n``, ``attn_weights``.
        ports = spec.outputs_of(params)
        targets = [ident] + [
            names.add(f"{node.name}_{ports[k] if k < len(ports) else k}")
            for k in range(1, len(outs))
        ]
        for k, target in enumerate(targets):
            var[(node.name, k)] = target
        out.lines.append(
            Line(node.name, ident, module, expr.format(**fill), targets, node.type == "LSTM")
        )
    out.ties = _ties(graph, analysis, {line.node: line.ident for line in out.lines if line.module})
    out.results = [
        var[(r.name, k)]
        for r in frame.graph_outputs(graph, analysis, consumed)
        for k in range(len(r.output_shapes))
    ]
    return out


def _ties(graph: Graph, analysis: Analysis, idents: dict[str, str]) -> list[tuple[str, str, str]]:
    """Layers whose parameters the file holds once (``tied``, the holder in
    ``meta.tied_to``) share them again, so the module counts them once as the document
    does: (layer, holder, shared) where ``shared`` is "" for the holder's whole module (same
    type and settings: the dynamo exporter stores equal LayerNorms once), else the one
    tensor shared: the weight (GPT-2's head Linear reading the Embedding's token table), a
    held tensor's table (Swin's window masks, read from one table: lift.share_tables)."""
    nodes = {n.name: n for n in graph.nodes}
    ties = []
    for node in graph.nodes:
        holders = node.meta.get("tied_to")
        if not isinstance(holders, dict) or node.name not in idents:
            continue
        owners = {h for h in holders.values() if h in idents and h in nodes}
        if len(owners) != 1:
            continue
        owner = nodes[owners.pop()]
        p, q = frame.validated(node), frame.validated(owner)
        ins = [analysis[n.inputs[0].split(":")[0]].output_shapes if n.inputs else None
               for n in (node, owner)]  # fmt: skip
        same = node.type == owner.type and p == q and ins[0] == ins[1]
        if node.type == owner.type == "ConstantTensor" and p.table:
            # The table only: each reads its own values through its own index.
            if p.table == q.table and p.learnable and q.learnable:
                if analysis[node.name].params == 0:
                    ties.append((idents[node.name], idents[owner.name], "value"))
        elif same and analysis[node.name].params == 0:
            ties.append((idents[node.name], idents[owner.name], ""))
        elif node.type == "Linear" and owner.type == "Embedding" and len(holders) == 1:
            fan_in = (ins[0] or [()])[0]
            shape = [p.out_features, fan_in[-1] if fan_in else None]
            if list(node.tied.values()) == [shape] == [[q.num_embeddings, q.embedding_dim]]:
                ties.append((idents[node.name], idents[owner.name], "weight"))
    return ties


def _traced(
    node: Node,
    args: list[str],
    outs: list[Shape],
    names: Names,
    var: dict[tuple[str, int], str],
    out: Plan,
) -> None:
    """A layer traced from a live model that no registry type describes: its torch call."""
    module, expr, helpers = pytorch_calls.emit(node, args)
    out.helpers.extend(n for n in helpers if n not in out.helpers)
    ident = names.add(node.name)
    targets = [ident] + [names.add(f"{node.name}_{k}") for k in range(1, len(outs))]
    for k, target in enumerate(targets):
        var[(node.name, k)] = target
    text = expr.replace("{m}", f"self.{ident}") if module is not None else expr
    out.lines.append(Line(node.name, ident, module, text, targets))


def _traced_dtype(node: Node) -> str:
    dtype = node.params.get("dtype") if node.type == "Constant" else None
    return dtype if isinstance(dtype, str) else "float32"


# Where a tensor lives and its element type: (device, None for the default, dtype).
Placement = tuple[str | None, str]
# torch's short dtype names, in full; how wide each float type is (for promotion).
_DTYPES = {"float": "float32", "double": "float64", "half": "float16"}
_WIDTH = {"float16": 1, "bfloat16": 1, "float32": 2, "float64": 3}


def _wanted(params: Any) -> Placement | None:
    """Where a layer with torch's device / dtype settings keeps its parameters (and so
    computes); None for the types that have no parameters to place."""
    if "dtype" not in type(params).model_fields:
        return None
    dtype = params.dtype or "float32"
    return params.device, _DTYPES.get(dtype, dtype)


def _moved(arg: str, have: Placement, want: Placement) -> str:
    """``arg`` moved to the layer's device and, when it holds floats, its precision: a
    layer whose parameters are float16 or on another device takes its input there."""
    parts = []
    if have[0] != want[0]:
        parts.append(repr(want[0]) if want[0] else "torch.get_default_device()")
    if have[1] != want[1] and have[1] in _WIDTH:
        parts.append(f"torch.{want[1]}")
    return f"{arg}.to({', '.join(parts)})" if parts else arg


def _produced(want: Placement | None, have: list[Placement], dtype: str) -> Placement:
    """Where an output lives: a placed layer's place; else its inputs' (floats promoted
    as torch promotes them); int64 for indices."""
    if want is not None:
        return want[0], want[1] if dtype != "int64" else dtype
    device = have[0][0] if have else None
    floats = [h[1] for h in have if h[1] in _WIDTH]
    if dtype == "int64" or not floats:
        return device, dtype if dtype == "int64" or not have else have[0][1]
    widest = max(floats, key=_WIDTH.__getitem__)
    mixed = len(set(floats)) > 1 and _WIDTH[widest] == 1  # float16 with bfloat16
    return device, "float32" if mixed else widest


def generate(
    graph: Graph,
    class_name: str = "Network",
    analysis: Analysis | None = None,
    weights: str | None = None,
) -> str:
    """The Python source of an ``nn.Module`` that builds and runs the graph; with
    ``weights`` (a file name beside the code: ``model.pt``), a ``load_weights`` that reads
    the state_dict netcanvas wrote there (pytorch_state.py)."""
    p = plan(graph, analysis)
    modules = [f"        self.{line.ident} = {line.module}" for line in p.lines if line.module]
    modules += [
        f"        self.{a}.{shared} = self.{b}.{shared}  # tied"
        if shared
        else f"        self.{a} = self.{b}  # the file holds these parameters once"
        for a, b, shared in p.ties
    ]
    lines = [f"        {line.statement()}" for line in p.lines]
    helpers = [HELPERS[n].strip("\n") for n in p.helpers]
    source = _source(graph, class_name, p.inputs, modules, lines, p.results, helpers)
    if weights is None:
        return source
    head, _, main = source.partition('\n\nif __name__ == "__main__":\n')
    head = head.replace("import torch\n", "from pathlib import Path\n\nimport torch\n", 1)
    fresh = f"    model = {class_name}().eval()\n"
    main = main.replace(fresh, f"{fresh}    if WEIGHTS.exists():\n        load_weights(model)\n", 1)
    loader = _LOADER.replace("WEIGHTS_FILE", repr(weights)).replace("CLASS", class_name)
    return f'{head}\n\n{loader}\n\n\nif __name__ == "__main__":\n{main}'


_LOADER = '''# The original model's weights, written beside this file by netcanvas (a state_dict
# under this module's own names): model = load_weights(CLASS()).
WEIGHTS = Path(__file__).with_name(WEIGHTS_FILE)


def load_weights(model: nn.Module, path: str | Path = WEIGHTS) -> nn.Module:
    """Load the weights netcanvas wrote beside this file: a state_dict saved with torch.save
    (.pt), or NumPy's .npz when netcanvas ran without torch. Layers the file holds nothing
    for (netcanvas convert names them) keep their fresh initialisation."""
    if Path(path).suffix == ".npz":
        import numpy

        with numpy.load(path) as data:
            state = {key: torch.from_numpy(data[key]) for key in data.files}
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    own = model.state_dict()
    unknown = sorted(set(state) - set(own))
    if unknown:
        raise KeyError(f"{path}: tensors this module does not have: {unknown[:5]}")
    model.load_state_dict({k: v.reshape(own[k].shape) for k, v in state.items()}, strict=False)
    return model'''


def _source(
    graph: Graph,
    class_name: str,
    inputs: list[tuple[str, Shape, str]],
    modules: list[str],
    lines: list[str],
    results: list[str],
    helpers: list[str],
) -> str:
    title = graph.name.replace("\n", " ")
    signature = ", ".join(f"{name}: torch.Tensor" for name, _, _ in inputs)
    returned = results[0] if len(results) == 1 else f"({', '.join(results)})"
    examples = []
    for name, shape, dtype in inputs:
        if dtype == "int64":
            examples.append(f"    {name} = torch.zeros({tuple(shape)!r}, dtype=torch.long)")
        else:
            examples.append(f"    {name} = torch.randn{tuple(shape)!r}")
    ret_type = "torch.Tensor" if len(results) == 1 else "tuple[torch.Tensor, ...]"
    out = [
        f"# {title}: PyTorch model generated by netcanvas from the netcanvas document",
        f"# '{title}'. Input shapes: "
        + ", ".join(f"{n} {shapes.fmt(s)}" for n, s, _ in inputs)
        + ".",
        "from __future__ import annotations",
        "",
        "import torch",
        "from torch import nn",
        "",
        "",
        *[line for helper in helpers for line in (helper, "", "")],
        f"class {class_name}(nn.Module):",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *modules,
        "",
        f"    def forward(self, {signature}) -> {ret_type}:",
        *lines,
        f"        return {returned}",
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {class_name}().eval()",
        *examples,
        "    with torch.no_grad():",
        f"        result = model({', '.join(n for n, _, _ in inputs)})",
        "    shapes = [result] if isinstance(result, torch.Tensor) else result",
        "    print([tuple(r.shape) for r in shapes])",
        "",
    ]
    return "\n".join(out)
