"""Unpickling that can only build NumPy arrays and plain containers.

A pickle is a program: an ordinary ``pickle.load`` of a hostile file can call ``os.system``.
CIFAR's batches are pickles, so they are read with an unpickler whose ``find_class`` knows a
short allow-list (what NumPy's array reconstruction and plain Python containers need) and
refuses every other global before anything runs. The allowed callables are wrapped so that
they only do what a real array pickle asks of them: no object arrays, no ``bytes(10**12)``.
"""

from __future__ import annotations

import codecs
import io
import pickle
from typing import Any

import numpy as np

# Taken from live objects rather than imported by module name: NumPy 2 moved numpy.core to
# numpy._core, and both spellings appear in real files (CIFAR's own were written by NumPy 1).
_RECONSTRUCT: Any = np.array(0).__reduce__()[0]
_FROMBUFFER: Any = np.arange(2).__reduce_ex__(5)[0]
_SCALAR: Any = np.int64(0).__reduce__()[0]


class Refused(pickle.UnpicklingError):
    """The pickle asked for something outside what an array pickle needs."""


class _ArrayClass:
    """Stands for ``numpy.ndarray`` inside a pickle: passed to _reconstruct, never called.

    Handing out the real class would let the pickle call ``ndarray((10**12,))``.
    """

    def __call__(self, *args: Any) -> Any:
        raise Refused("calling numpy.ndarray directly")


ARRAY_CLASS = _ArrayClass()


def _reconstruct(subtype: Any, shape: Any, typecode: Any) -> Any:
    # NumPy always pickles arrays as _reconstruct(ndarray, (0,), b'b') and then sets the state.
    if subtype is not ARRAY_CLASS or tuple(shape) != (0,):
        raise Refused("numpy _reconstruct with arguments NumPy never writes")
    return _RECONSTRUCT(np.ndarray, (0,), typecode)


def _dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype[Any]:
    dtype = np.dtype(
        spec.decode("ascii") if isinstance(spec, bytes) else spec, bool(align), bool(copy)
    )
    if dtype.hasobject:
        raise Refused("arrays of Python objects")
    return dtype


def _no_size(kind: type[bytes] | type[bytearray]) -> Any:
    def build(*args: Any) -> bytes | bytearray:
        # bytes(n) / bytearray(n) allocate n zero bytes: refused, only copies of data are built.
        if args and isinstance(args[0], int):
            raise Refused(f"{kind.__name__}(size)")
        return kind(*args)

    return build


def _latin1(text: Any, encoding: Any = "utf-8") -> bytes:
    # Python 3 writes bytes into protocol-2 pickles as _codecs.encode(text, "latin1").
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise Refused(f"_codecs.encode with encoding {encoding!r}")
    return codecs.encode(text, "latin1")


ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): ARRAY_CLASS,
    ("numpy", "dtype"): _dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _SCALAR,
    ("numpy._core.multiarray", "scalar"): _SCALAR,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
    ("_codecs", "encode"): _latin1,
}
for _module in ("builtins", "__builtin__"):
    for _type in (list, dict, tuple, set, frozenset, str, int, float, bool):
        ALLOWED[(_module, _type.__name__)] = _type
    ALLOWED[(_module, "bytes")] = _no_size(bytes)
    ALLOWED[(_module, "bytearray")] = _no_size(bytearray)


class RefusedGlobal(Refused):
    """The pickle named a global outside the allow-list (``os.system``, ``builtins.eval``...)."""

    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"{module}.{name}")
        self.module = module
        self.name = name


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals in ``ALLOWED``."""

    def find_class(self, module: str, name: str) -> Any:
        """The allowed object for ``module.name``; anything else raises RefusedGlobal."""
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise RefusedGlobal(module, name) from None

    def persistent_load(self, pid: Any) -> Any:
        """Persistent ids would hand control to the caller's objects: refused."""
        raise Refused("persistent ids")


def safe_loads(data: bytes) -> Any:
    """Unpickle ``data`` (Python 2 strings come back as bytes, as CIFAR's own loader does)."""
    # Reading from memory (the caller capped the file size) means a length field in the pickle
    # cannot make the reader allocate more than the file holds.
    return SafeUnpickler(io.BytesIO(data), encoding="bytes").load()
