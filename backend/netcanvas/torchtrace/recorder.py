"""Record one forward pass of a live module as a layer graph.

Forward hooks on every module follow the module stack (which module's ``forward`` is
running: the scope of what happens inside it); a module whose exact class is a registry
type (``modules.module_layer``) becomes one layer and what runs inside it is not
recorded. Everywhere else a ``TorchFunctionMode`` sees each functional call and tensor
method (``torch.cat``, ``+``, ``F.relu``, ``x.view``) and ``functions.map_call`` names its
type. Which layer produced a tensor is looked up by the tensor object's id; every tensor
seen is forgotten when torch frees it, before its id can be reused.

Only the path the example inputs took is drawn (data-dependent branches as they went),
and if ``forward`` raises, what ran before stays, with the error pinned to the module
that raised it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from netcanvas.graph.model import Graph, Node
from netcanvas.layers import lookup
from netcanvas.torchtrace.calls import call_name, constant_settings, encode_call
from netcanvas.torchtrace.functions import Call, Mapped, map_call, tensors_in
from netcanvas.torchtrace.modules import module_layer, plain

Tensor = torch.Tensor


@dataclass
class Frame:
    path: str
    module: nn.Module
    leaf: tuple[str, dict[str, Any]] | None  # the layer a leaf module is
    inputs: list[Tensor] = field(default_factory=list)
    quiet: bool = False  # inside a leaf: nothing is recorded


class Recorder:
    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.graph = Graph(name=type(model).__name__)
        self.produced: dict[int, str] = {}  # id(tensor) -> "node" or "node:k"
        self.watched: set[int] = set()  # ids of live tensors in `produced`
        self.slips = 0  # steps of ours that failed (each a warning)
        self.branched: set[str] = set()  # modules whose forward read a tensor's value
        self.observed: dict[str, list[list[int]]] = {}  # node -> output shapes torch made
        self.frames: list[Frame] = []
        self.busy = False  # our own code runs: its tensor calls are not the model's
        self.taken: set[str] = set()
        self.param_names = {id(p): n for n, p in model.named_parameters()}
        self.buffer_names = {id(b): n for n, b in model.named_buffers()}
        self.counted: set[int] = set()  # parameters some layer already counts
        self.weights: dict[str, list[str]] = {}  # functional layer -> the model's tensors
        self.module_params: dict[str, int] = {}  # leaf layer -> its module's own count
        self.scopes: dict[str, str] = {}  # module path -> class name
        self.paths = {id(m): n for n, m in model.named_modules()}

    # --- the pass ------------------------------------------------------------------------

    def run(self, inputs: tuple[Any, ...]) -> tuple[Any, BaseException | None]:
        given = tensors_in(inputs)  # tensors inside lists and dicts are inputs too
        for i, x in enumerate(given):
            name = self._name("input" if len(given) == 1 else f"input{i}")
            settings: dict[str, Any] = {"shape": plain(x.shape)}
            if not x.is_floating_point():
                settings["dtype"] = "int64"
            self._add(Node(name, "Input", settings), [x])
        handles = []
        for module in self.model.modules():
            try:
                before = module.register_forward_pre_hook(self._enter, with_kwargs=True)
            except RuntimeError:  # a TorchScript module takes no hooks: seen from outside
                continue
            handles.append(before)
            handles.append(module.register_forward_hook(self._leave, with_kwargs=True))
        failure: BaseException | None = None
        result: Any = None
        try:
            with torch.no_grad(), _Mode(self):
                result = self.model(*inputs)
        except Exception as raised:  # the model's own error: keep what ran, say where
            failure = raised
            self._failed(raised)
        finally:
            for handle in handles:
                handle.remove()
        for tensor in tensors_in(result):
            ref = self.produced.get(id(tensor))
            if ref is not None:
                self.graph.meta.setdefault("outputs", []).append(ref)
        self._unused()
        self.graph.view["scopes"] = {
            path: {"type": cls} for path, cls in sorted(self.scopes.items()) if path
        }
        return result, failure

    def _enter(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.busy = True
        try:
            quiet = bool(self.frames) and (
                self.frames[-1].quiet or self.frames[-1].leaf is not None
            )
            path = self.paths.get(id(module), "")
            leaf = None if quiet else self._safely(module_layer, module)
            frame = Frame(path, module, leaf, quiet=quiet)
            if leaf is not None:
                frame.inputs = list(tensors_in((args, kwargs)))
            elif not quiet:
                self._scope(path, module)
            self.frames.append(frame)
        finally:
            self.busy = False

    def _leave(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        frame = self.frames.pop()
        if frame.leaf is not None:
            self.busy = True
            try:
                self._safely(self._leaf, frame, module, output)
            finally:
                self.busy = False

    def _leaf(self, frame: Frame, module: nn.Module, output: Any) -> None:
        """A leaf module ran: one layer of its registry type."""
        assert frame.leaf is not None
        type_, settings = frame.leaf
        outputs = list(tensors_in(output))
        operands = frame.inputs
        if type_ == "MultiheadAttention":
            # query, key, value: one input when they are the same tensor (self-attention)
            operands = operands[:3]
            if len({id(t) for t in operands}) == 1:
                operands = operands[:1]
            outputs = outputs[:1]
        self._count(module.parameters())
        scope = frame.path.rpartition(".")[0]
        name = self._name(frame.path or type_.lower())
        own = sum(p.numel() for p in module.parameters())
        if name == frame.path or not frame.path:
            self.module_params[name] = own
        elif own:  # a shared module's layer type counts its weights at every call
            self.graph.warnings.append(
                f"{name}: {frame.path} runs again; its {own:,} parameters are counted again"
            )
        node = Node(name, type_, dict(settings), self._refs(operands, scope), scope=scope)
        self._add(node, outputs)

    def function(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
        """One functional call or tensor method ran outside every leaf module."""
        if self.frames and (self.frames[-1].quiet or self.frames[-1].leaf is not None):
            return
        name = getattr(func, "__name__", "") or str(func)
        if name == "__get__":  # x.shape, x.T: attribute reads
            owner = getattr(func, "__self__", None)
            name = getattr(owner, "__name__", name)
            if name != "T":
                return
            name = "t"
        operands_all = tensors_in((args, kwargs))
        if name in _READS_VALUES and any(self._known(t) for t in operands_all):
            self._branched(name)
            return
        if name == "__setitem__" and out is None and operands_all:
            out = args[0]  # x[i] = y writes into x
        outputs = list(tensors_in(out))
        if not outputs:
            return
        if not any(self._known(t) for t in operands_all):
            return  # a constant built from nothing the model computed (torch.arange)
        scope = self.frames[-1].path if self.frames else ""
        call = Call(name, args, kwargs, outputs)
        mapped: Mapped | None = map_call(call)
        if mapped is not None and mapped.alias:
            ref = self._ref(mapped.operands[0], scope)
            for tensor in outputs:
                self.produced[id(tensor)] = ref
                self._watch(tensor)
            return
        if mapped is None:
            settings = encode_call(func, name, args, kwargs)
            type_, operands = f"torch.{call_name(func, name)}", list(operands_all)
        else:
            type_, settings, operands = mapped.type, mapped.settings, mapped.operands
            self._count(mapped.absorbed)
        short = type_.lower() if mapped is not None else call_name(func, name)
        node_name = self._name(f"{scope}.{short}" if scope else short)
        node = Node(node_name, type_, settings, self._refs(operands, scope), scope=scope)
        if mapped is None:
            node.output_shapes = [plain(t.shape) for t in outputs]
        elif mapped.absorbed:
            # Which of the model's tensors the layer's own parameters are, in the order
            # its module holds them (weight, bias): enough to give it the model's weights.
            names = [self.param_names.get(id(t)) for t in mapped.absorbed]
            self.weights[node_name] = [n for n in names if n is not None]
        self._add(node, outputs)

    # --- bookkeeping ---------------------------------------------------------------------

    def _known(self, tensor: Tensor) -> bool:
        return id(tensor) in self.produced or id(tensor) in self.param_names

    def _refs(self, operands: list[Tensor], scope: str) -> list[str]:
        return [self._ref(t, scope) for t in operands]

    def _ref(self, tensor: Tensor, scope: str) -> str:
        """The layer output a tensor is; a parameter or constant first seen here becomes a
        source layer of its own (a parameter with its count, so no total drops it)."""
        found = self.produced.get(id(tensor))
        if found is not None:
            return found
        pname = self.param_names.get(id(tensor))
        bname = self.buffer_names.get(id(tensor))
        if pname is not None:
            owner = pname.rpartition(".")[0]
            node = Node(self._name(pname), "Parameter", {"shape": plain(tensor.shape)}, scope=owner)
            if id(tensor) not in self.counted:
                node.meta["params"] = tensor.numel()
                self.counted.add(id(tensor))
        else:
            owner = bname.rpartition(".")[0] if bname else scope
            wanted = bname or (f"{scope}.constant" if scope else "constant")
            node = Node(self._name(wanted), "Constant", constant_settings(tensor), scope=owner)
        node.output_shapes = [plain(tensor.shape)]
        self._add(node, [tensor])
        return node.name

    def _add(self, node: Node, outputs: list[Tensor]) -> None:
        self.graph.nodes.append(node)
        self.taken.add(node.name)
        self.observed[node.name] = [plain(t.shape) for t in outputs]
        for k, tensor in enumerate(outputs):
            self.produced[id(tensor)] = node.name if k == 0 else f"{node.name}:{k}"
            self._watch(tensor)

    def _branched(self, how: str) -> None:
        """The model read a computed tensor's value (``if x.sum() > 0``): what is drawn is
        the path these inputs took, said once per module."""
        where = self.frames[-1].path if self.frames else ""
        if where in self.branched:
            return
        self.branched.add(where)
        self.graph.warnings.append(
            f"{where or type(self.model).__name__}: forward reads a tensor's value "
            f"(Tensor.{how.strip('_')}); the layers drawn are the path the example inputs took"
        )

    def _safely(self, fn: Any, *args: Any) -> Any:
        """Run a step of ours; a bug of ours on an unusual model is a warning of the
        document (that layer is missing), never the model's failure."""
        try:
            return fn(*args)
        except Exception as bug:
            self.slips += 1
            first = args[0] if args else None
            what = first.path if isinstance(first, Frame) else getattr(first, "__name__", "?")
            self.graph.warnings.append(
                f"netcanvas could not record {what}: {type(bug).__name__}: {bug}"
            )
            return None

    def _watch(self, tensor: Tensor) -> None:
        """Forget a tensor's producer when torch frees it, before its id can be reused.
        (Keeping every tensor alive instead costs a pass through fresh memory: DenseNet's
        traced forward took six times its plain forward.)"""
        key = id(tensor)
        if key not in self.watched:
            self.watched.add(key)
            weakref.finalize(tensor, self._forget, key)

    def _forget(self, key: int) -> None:
        self.produced.pop(key, None)
        self.watched.discard(key)

    def _name(self, wanted: str) -> str:
        name, n = wanted, 0
        while name in self.taken:
            n += 1
            name = f"{wanted}_{n}"
        return name

    def _scope(self, path: str, module: nn.Module) -> None:
        self.scopes.setdefault(path, type(module).__name__)

    def _count(self, params: Any) -> None:
        for p in params:
            self.counted.add(id(p))

    def _failed(self, raised: BaseException) -> None:
        """Pin the exception to the innermost module that was running: it becomes an
        opaque layer of its class (its output unknown) and the note says what was raised."""
        frame = next((f for f in reversed(self.frames) if not f.quiet), None)
        text = f"{type(raised).__name__}: {raised}"
        if frame is None:
            self.graph.warnings.append(f"forward raised {text}")
            return
        scope = frame.path.rpartition(".")[0]
        operands = [t for t in frame.inputs if self._known(t)] if frame.leaf else []
        name = self._name(frame.path or type(frame.module).__name__.lower())
        kind = type(frame.module).__name__
        # Opaque even when the class is a registry type: torch never produced its output.
        kind = f"nn.{kind}" if lookup(kind) is not None else kind
        node = Node(name, kind, {}, self._refs(operands, scope), scope=scope)
        own = [p for p in frame.module.parameters() if id(p) not in self.counted]
        if own and frame.leaf is not None:
            node.meta["params"] = sum(p.numel() for p in own)
            self._count(own)
        node.meta["error"] = text
        self.graph.nodes.append(node)
        self.taken.add(name)
        self.graph.warnings.append(
            f"{name}: forward raised {text}; the layers after it did not run and are not drawn"
        )
        self.frames.clear()

    def _unused(self) -> None:
        """Parameters no layer that ran counts (a module forward never called)."""
        for pname, p in self.model.named_parameters():
            if id(p) not in self.counted:
                self.graph.unattributed.append(f"{pname}: {p.numel()} values")


# Reading a computed tensor's value: Python control flow may then depend on the inputs.
_READS_VALUES = {"__bool__", "item", "tolist", "__int__", "__float__", "__index__"}


class _Mode(TorchFunctionMode):
    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_function__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if not self.recorder.busy:
            self.recorder.busy = True
            try:
                self.recorder._safely(self.recorder.function, func, args, kwargs, out)
            finally:
                self.recorder.busy = False
        return out
