"""The layer registry: what a layer type is, and the narrow context its rules see.

A layer type is one class in its family file, registered by the :func:`layer`
decorator. It declares a pydantic ``Params`` model, its input ports, a shape rule
``infer(ctx)`` and a cost rule ``cost(ctx)``. Rules never see the graph: only the
validated params and the input shapes (the ONNX ``InferenceContext`` idea).
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, NoReturn, TypeVar

from pydantic import BaseModel, ConfigDict

from netcanvas.graph.shapes import Shape, ShapeError
from netcanvas.layers.index import FAMILIES, FAMILY_OF

P = TypeVar("P", bound=BaseModel)


class UnknownShape(Exception):
    """The shape cannot be known from what the document says; a warning, not an error."""


# Settings shared by many families (``fields.py``) carry an ``x-group`` in their JSON
# schema. The editor's form and the docs list a type's own settings first, then these,
# group by group: sizes read from the input, PyTorch-only arguments that change no shape,
# where the parameters live, deprecated spellings.
SETTING_GROUPS = ("inferred", "torch", "placement", "deprecated")


def _own_settings_first(schema: dict[str, Any]) -> None:
    properties = schema.get("properties")
    if properties:
        rank = {group: i + 1 for i, group in enumerate(SETTING_GROUPS)}
        ordered = sorted(properties.items(), key=lambda item: rank.get(item[1].get("x-group"), 0))
        schema["properties"] = dict(ordered)


class Params(BaseModel):
    """Base of every layer's settings: strict about unknown keys, immutable."""

    # defer_build: a schema is compiled when its type is first used, not at import
    # (130 types compiled eagerly cost ~0.4 s of every command's start-up).
    # NaN and infinity are refused: no rule has a meaning for them (a scale_factor of
    # inf has no output size) and JSON, the API's wire format, cannot carry them.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        defer_build=True,
        allow_inf_nan=False,
        json_schema_extra=_own_settings_first,
    )


class NoParams(Params):
    """A layer without settings."""


@dataclass(slots=True)
class Cost:
    """What one layer costs for the whole batch.

    ``params`` counts learnable parameters as PyTorch does; ``macs`` counts the
    multiply-accumulates of conv / linear / matmul / recurrent / attention work;
    ``flops`` counts other elementwise work (informational, not MACs).
    """

    params: int = 0
    macs: int = 0
    flops: int = 0


class InferContext(Generic[P]):
    """What a shape or cost rule may look at: params, input shapes, its own outputs."""

    __slots__ = ("params", "inputs", "outputs", "warnings")

    def __init__(self, params: P, inputs: Sequence[Shape]) -> None:
        self.params = params
        self.inputs: list[Shape] = list(inputs)
        self.outputs: list[Shape] = []
        self.warnings: list[str] = []

    @property
    def input(self) -> Shape:
        """The first input shape (most layers have exactly one)."""
        return self.inputs[0]

    def fail(self, message: str) -> NoReturn:
        """Stop inference of this layer with a message pinned to it."""
        raise ShapeError(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def inferred(self, setting: str, actual: int, where: str) -> None:
        """A size PyTorch's constructor asks for and the rules read from the input
        (``in_channels``, ``d_model``...): when the document gives it, it must agree."""
        given = getattr(self.params, setting, None)
        if given is not None and given != actual:
            self.fail(f"{setting} is {given}, but {where} is {actual}")

    def unknown(self, message: str) -> NoReturn:
        """Give up on this layer's shape without an error (a warning says why)."""
        raise UnknownShape(message)


class Layer(Generic[P]):
    """A layer type. Subclass per type (families share a base), register with @layer."""

    type: ClassVar[str] = ""
    category: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[builtins.type[BaseModel]] = NoParams
    # Port names shown in the editor; ``max_inputs`` None means the last port repeats.
    input_names: ClassVar[tuple[str, ...]] = ("input",)
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    output_names: ClassVar[tuple[str, ...]] = ("output",)
    # A representative use, for the docs and the registry's contract test.
    example_inputs: ClassVar[tuple[Shape, ...]] = ((1, 8, 16, 16),)
    example_params: ClassVar[dict[str, Any]] = {}

    def num_outputs(self, params: P) -> int:
        """How many outputs this layer has with these settings."""
        return len(self.output_names)

    def outputs_of(self, params: P) -> tuple[str, ...]:
        """The output names these settings give (generated code names variables so)."""
        return self.output_names

    def output_dtypes(self, params: P) -> tuple[str, ...]:
        """The element type of each output: float32, or int64 for indices."""
        return ("float32",) * self.num_outputs(params)

    def settings(self, params: Mapping[str, Any], inplace: bool = False) -> P:
        """A node's settings validated as this type's ``Params``.

        The document's layer-level ``inplace`` key (DESIGN 4: the layer writes into its
        input's buffer, as Caffe's top == bottom) is PyTorch's ``inplace`` argument, so it
        is one setting of the types whose torch module takes it.
        """
        if inplace and "inplace" in self.Params.model_fields:
            params = {**params, "inplace": True}
        # A large model repeats a few settings thousands of times: each distinct one is
        # validated once. repr() tells 1, 1.0, True and "1" apart, as strict validation
        # does; the model is frozen, so one instance can serve every layer.
        key = (self.type, repr(params))
        found = _SETTINGS.get(key)
        if found is None:
            found = self.Params.model_validate(params)
            if len(_SETTINGS) >= _SETTINGS_KEPT:
                _SETTINGS.clear()
            _SETTINGS[key] = found
        return found  # type: ignore[return-value]

    def infer(self, ctx: InferContext[P]) -> list[Shape]:
        """Output shapes from input shapes; ``ctx.fail`` on a mismatch."""
        raise NotImplementedError

    def cost(self, ctx: InferContext[P]) -> Cost:
        """Learnable parameters and MACs; zero unless the family says otherwise."""
        return Cost()

    @property
    def doc(self) -> str:
        return inspect.cleandoc(type(self).__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n\n", 1)[0].replace("\n", " ")

    def arity_text(self) -> str:
        lo, hi = self.min_inputs, self.max_inputs
        if hi is None:
            return f"at least {lo}"
        return str(lo) if lo == hi else f"{lo} to {hi}"


REGISTRY: dict[str, Layer[Any]] = {}

# Validated settings by (type, repr of the settings given): see Layer.settings.
_SETTINGS: dict[tuple[str, str], BaseModel] = {}
_SETTINGS_KEPT = 20_000

_SECTIONS = ("Input shape:", "Output shape:")


def layer(
    category: str, *, name: str | None = None, aliases: tuple[str, ...] = ()
) -> Callable[[type[Layer[P]]], type[Layer[P]]]:
    """Register a layer class under its class name (or ``name``) in ``category``.

    ``aliases`` are other tools' names for the type, used by palette search.
    """

    def register(cls: type[Layer[P]]) -> type[Layer[P]]:
        type_name = name or cls.__name__
        if type_name in REGISTRY:
            raise ValueError(f"layer type {type_name} registered twice")
        doc = inspect.cleandoc(cls.__doc__ or "")
        missing = [s for s in _SECTIONS if s not in doc]
        if missing:
            raise ValueError(f"{type_name}: docstring lacks {', '.join(missing)}")
        cls.type = type_name
        cls.category = category
        cls.aliases = aliases
        REGISTRY[type_name] = cls()
        return cls

    return register


def lookup(type_name: str) -> Layer[Any] | None:
    """The layer for a type name, or None (an opaque type).

    A type's family file is imported on first use (``index.FAMILY_OF`` says which), so
    a command that reads a ResNet never builds the attention or detection models.
    Aliases are search words for the palette (``Dense`` finds ``Linear``); documents
    always name the canonical type, so a Caffe ``num_output`` never meets ``Conv2d``.
    """
    spec = REGISTRY.get(type_name)
    if spec is None and type_name in FAMILY_OF:
        importlib.import_module(f"netcanvas.layers.{FAMILY_OF[type_name]}")
        spec = REGISTRY.get(type_name)
    return spec


def load_all() -> dict[str, Layer[Any]]:
    """Import every family: the whole registry, for the catalogue and the docs."""
    for family in FAMILIES:
        importlib.import_module(f"netcanvas.layers.{family}")
    return REGISTRY


def catalogue() -> list[dict[str, Any]]:
    """Every type as data: the palette and the inspector are generated from this."""
    out = []
    for spec in load_all().values():
        out.append(
            {
                "type": spec.type,
                "category": spec.category,
                "aliases": list(spec.aliases),
                "summary": spec.summary,
                "doc": spec.doc,
                "inputs": list(spec.input_names),
                "min_inputs": spec.min_inputs,
                "max_inputs": spec.max_inputs,
                "outputs": list(spec.output_names),
                "params": spec.Params.model_json_schema(),
            }
        )
    return out


def default_name(type_name: str, taken: set[str]) -> str:
    """``conv2d1``, ``conv2d2``...: the lowest free ``{type lowercased}{n}``."""
    base = re.sub(r"[^a-z0-9_]", "", type_name.lower()) or "layer"
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def prod(values: Sequence[int]) -> int:
    return math.prod(values)
