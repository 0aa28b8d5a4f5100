"""A netcanvas document -> a live ``torch.nn.Module``, from the PyTorch code exporter's own
plan, so the generated code and the built module can never disagree.

The plan gives each layer's submodule constructor and forward expression as Python
expressions (``nn.Conv2d(3, 8, 3, padding=1)``, ``torch.cat([a, b], dim=1)``). They are
not executed: each is parsed once and compiled into closures by a small interpreter that
knows only calls, attributes, names, constants, containers, subscripts and arithmetic,
over ``torch``, ``nn``, ``F`` and the layers' own variables. A setting the user typed can
therefore never run as code. The few helper classes some Caffe layers need
(``pytorch_caffe.HELPERS``) are fixed source text of ours, with no user value in them;
they are the one thing defined with ``exec``.

    >>> from netcanvas import templates
    >>> model = build_module(templates.get("lenet5").graph())
    >>> sum(p.numel() for p in model.parameters())
    61706
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F  # noqa: N812  (the name the generated code uses)
from torch import nn

from netcanvas.formats.code.pytorch_writer import HELPERS, Plan, plan

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis
    from netcanvas.graph.model import Graph

Compiled = Callable[["Network", dict[str, Any]], Any]


class BuildError(ValueError):
    """An expression of the plan that the interpreter does not take (a bug of ours)."""


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}


@dataclass(frozen=True)
class Step:
    node: str  # the layer this step computes
    targets: tuple[str, ...]
    run: Compiled
    nested: bool  # ``y, (h, c) = lstm(x)``


class Network(nn.Module):
    """The built model: submodules as attributes named as in the generated code (so their
    ``state_dict`` keys are the same), and a forward pass that runs the compiled steps."""

    def __init__(self, inputs: Sequence[str], steps: Sequence[Step], results: Sequence[str]):
        super().__init__()
        self.input_names = tuple(inputs)
        self._steps = tuple(steps)
        self.result_names = tuple(results)
        # layer name -> the submodule that holds its parameters (if any)
        self.layer_modules: dict[str, str] = {}
        # Called with (layer name, its first output) after each step while set: the
        # statistics watcher's forward hook on every layer, modules or not.
        self.observe: Callable[[str, Any], None] | None = None

    @property
    def layers(self) -> list[str]:
        return [step.node for step in self._steps]

    def forward(self, *args: torch.Tensor) -> Any:
        if len(args) != len(self.input_names):
            raise TypeError(f"the model takes {len(self.input_names)} input(s), got {len(args)}")
        values: dict[str, Any] = dict(zip(self.input_names, args, strict=True))
        observe = self.observe
        for step in self._steps:
            out = step.run(self, values)
            if observe is not None:
                observe(step.node, out if len(step.targets) == 1 else out[0])
            if len(step.targets) == 1:
                values[step.targets[0]] = out
            elif step.nested:
                values[step.targets[0]] = out[0]
                values[step.targets[1]], values[step.targets[2]] = out[1]
            else:
                for name, value in zip(step.targets, out, strict=True):
                    values[name] = value
        if len(self.result_names) == 1:
            return values[self.result_names[0]]
        return tuple(values[name] for name in self.result_names)


def build_module(graph: Graph, analysis: Analysis | None = None) -> Network:
    """The document as a live module (fresh torch initialisation), or UnsupportedError
    naming what PyTorch cannot express, as the code export would."""
    return build_from_plan(plan(graph, analysis))


def build_from_plan(p: Plan) -> Network:
    scope: dict[str, Any] = {"torch": torch, "nn": nn, "F": F}
    for name in p.helpers:
        # Our own fixed source (no user value in it): see the module docstring.
        exec(HELPERS[name], scope)  # noqa: S102
    variables = {name for name, _, _ in p.inputs}
    steps: list[Step] = []
    modules: list[tuple[str, nn.Module]] = []
    owners: list[str] = []
    for line in p.lines:
        if line.module is not None:
            built = _compile(line.module, scope, set())(None, {})  # type: ignore[arg-type]
            if not isinstance(built, nn.Module):
                raise BuildError(f"{line.node}: {line.module} is not a module")
            modules.append((line.ident, built))
            owners.append(line.node)
        run = _compile(line.expr, scope, variables)
        steps.append(Step(line.node, tuple(line.targets), run, line.lstm))
        variables.update(line.targets)
    network = Network([name for name, _, _ in p.inputs], steps, p.results)
    for (ident, module), node in zip(modules, owners, strict=True):
        network.add_module(ident, module)
        network.layer_modules[node] = ident
    for tied, holder, shared in p.ties:
        if not shared:
            network.add_module(tied, getattr(network, holder))
        else:
            setattr(getattr(network, tied), shared, getattr(getattr(network, holder), shared))
    return network


def _compile(source: str, scope: dict[str, Any], variables: set[str]) -> Compiled:
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as bad:
        raise BuildError(f"cannot read {source!r}: {bad.msg}") from None
    return _node(tree.body, scope, variables)


def _node(node: ast.expr, scope: dict[str, Any], variables: set[str]) -> Compiled:
    def sub(child: ast.expr) -> Compiled:
        return _node(child, scope, variables)

    if isinstance(node, ast.Constant):
        value = node.value
        return lambda m, v: value
    if isinstance(node, ast.Name):
        name = node.id
        if name == "self":
            return lambda m, v: m
        if name in variables:
            return lambda m, v: v[name]
        if name in scope:
            found = scope[name]
            return lambda m, v: found
        raise BuildError(f"unknown name {name!r}")
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise BuildError(f"private attribute {node.attr!r}")
        base, attr = sub(node.value), node.attr
        return lambda m, v: getattr(base(m, v), attr)
    if isinstance(node, ast.Call):
        return _call(node, sub)
    if isinstance(node, ast.Tuple | ast.List):
        items = [sub(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return lambda m, v: tuple(i(m, v) for i in items)
        return lambda m, v: [i(m, v) for i in items]
    if isinstance(node, ast.Subscript):
        base, index = sub(node.value), sub(node.slice)
        return lambda m, v: base(m, v)[index(m, v)]
    if isinstance(node, ast.Slice):
        parts = [sub(p) if p is not None else None for p in (node.lower, node.upper, node.step)]
        return lambda m, v: slice(*(p(m, v) if p is not None else None for p in parts))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        fn, left, right = _BINARY[type(node.op)], sub(node.left), sub(node.right)
        return lambda m, v: fn(left(m, v), right(m, v))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        fn1, operand = _UNARY[type(node.op)], sub(node.operand)
        return lambda m, v: fn1(operand(m, v))
    raise BuildError(f"expression {ast.dump(node)[:80]} is not one the builder takes")


def _call(node: ast.Call, sub: Callable[[ast.expr], Compiled]) -> Compiled:
    func = sub(node.func)
    positional: list[tuple[bool, Compiled]] = []
    for arg in node.args:
        starred = isinstance(arg, ast.Starred)
        positional.append((starred, sub(arg.value if isinstance(arg, ast.Starred) else arg)))
    named: list[tuple[str, Compiled]] = []
    for keyword in node.keywords:
        if keyword.arg is None:
            raise BuildError("**keywords are not taken")
        named.append((keyword.arg, sub(keyword.value)))

    def call(m: Network, v: dict[str, Any]) -> Any:
        args: list[Any] = []
        for starred, fn in positional:
            if starred:
                args.extend(fn(m, v))
            else:
                args.append(fn(m, v))
        return func(m, v)(*args, **{k: fn(m, v) for k, fn in named})

    return call
