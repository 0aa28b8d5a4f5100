"""Keras layer classes -> registry layers: each call goes to its family's converter
(``families``); a class with no converter becomes an opaque node with the shapes Keras
recorded, never a failure."""

from __future__ import annotations

from typing import Any

from netcanvas.formats.base import FormatError
from netcanvas.formats.keras import families  # noqa: F401  (fills CONVERTERS)
from netcanvas.formats.keras.call import CONVERTERS, Call
from netcanvas.formats.keras.reader import Builder, KShape, Tensor, ours
from netcanvas.graph.model import Node


def convert(
    b: Builder,
    cls: str,
    cfg: dict[str, Any],
    name: str,
    scope: str,
    ins: list[Tensor],
    outs: list[KShape | None],
    consts: list[float],
) -> list[Tensor]:
    call = Call(b, cls, cfg, name, scope, ins, outs, consts)
    fn = CONVERTERS.get(cls, _opaque)
    try:
        made = fn(call)
    except FormatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError) as err:
        # A setting missing or of the wrong kind: said with the layer it belongs to.
        what = f"missing setting {err}" if isinstance(err, KeyError) else str(err)
        raise FormatError(f"layer '{name}' ({cls}): {what}"[:300]) from None
    if call.made and b.graph.nodes[-1].name == call.made[-1]:
        # The layer's own name goes to its last node (the one later layers read).
        _rename(b, call.made[-1], b.unique(name, scope), made)
    return made


def _rename(b: Builder, old: str, new: str, made: list[Tensor]) -> None:
    b.graph.nodes[-1].name = new
    for t in made:
        if t.ref == old:
            t.ref = new
        elif t.ref.startswith(f"{old}:"):
            t.ref = new + t.ref[len(old) :]


def _opaque(call: Call) -> list[Tensor]:
    """A class with no registry type: kept with its plain settings and Keras's shapes."""
    params = {
        k: v for k, v in call.cfg.items() if k not in ("name", "dtype", "trainable") and _plain(v)
    }
    cf = bool(call.ins) and call.ins[0].cf
    node = Node(call.name, call.cls, params, [t.ref for t in call.ins], scope=call.scope)
    shapes = [s for s in call.outs if s is not None]
    if len(shapes) == len(call.outs) and shapes:
        node.output_shapes = [ours(s, cf and len(s) >= 3) for s in shapes]
    ref = call.b.add(node)
    call.warn("no registry type: drawn as an opaque node (its weights are not counted)")
    return [call.out(ref if i == 0 else f"{ref}:{i}", cf, i) for i in range(max(len(call.outs), 1))]


def _plain(value: Any) -> bool:
    if isinstance(value, bool | int | float | str) or value is None:
        return True
    return isinstance(value, list) and all(_plain(v) and not isinstance(v, list) for v in value)
