"""Pooling oracles: torch.nn pooling modules; global pools as adaptive + flatten."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats, maybe


@st.composite
def _pool_case(draw: Any, rank: int, kind: str) -> Case:
    kernel = [draw(st.integers(1, 4)) for _ in range(rank)]
    stride = draw(st.one_of(st.none(), st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    padding = [draw(st.integers(0, k // 2)) for k in kernel]
    dilation = [draw(st.integers(1, 2)) for _ in range(rank)] if kind == "max" else [1] * rank
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel, strict=True)]
    spatial = [draw(st.integers(s, s + 12)) for s in span]
    params: dict[str, Any] = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "ceil_mode": draw(st.booleans()),
    }
    if kind == "max":
        params["dilation"] = dilation
        params["return_indices"] = draw(st.booleans())
    else:
        params["count_include_pad"] = draw(st.booleans())
        if rank > 1 and draw(st.booleans()):  # AvgPool1d has no divisor_override
            params["divisor_override"] = draw(st.integers(1, 9))
    return params, [(draw(st.integers(1, 2)), draw(st.integers(1, 4)), *spatial)]


def _pool(rank: int, kind: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        cls = getattr(torch.nn, f"{'MaxPool' if kind == 'max' else 'AvgPool'}{rank}d")
        module = cls(**p)
        return module, module, [floats(shapes[0])]

    return build


@st.composite
def _adaptive_case(draw: Any, rank: int, kind: str) -> Case:
    out = [draw(st.integers(1, 5)) for _ in range(rank)]
    spatial = [draw(st.integers(1, 12)) for _ in range(rank)]
    size: Any = out[0] if len(set(out)) == 1 and draw(st.booleans()) else out
    params: dict[str, Any] = {"output_size": size}
    if kind == "max":
        params.update(maybe(draw, {"return_indices": st.booleans()}))
    return params, [(draw(st.integers(1, 2)), draw(st.integers(1, 4)), *spatial)]


def _adaptive(rank: int, kind: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        cls = getattr(torch.nn, f"Adaptive{'Max' if kind == 'max' else 'Avg'}Pool{rank}d")
        module = cls(**p)
        return module, module, [floats(shapes[0])]

    return build


def _global(kind: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        pool = torch.nn.AdaptiveMaxPool2d(1) if kind == "max" else torch.nn.AdaptiveAvgPool2d(1)
        module = torch.nn.Sequential(pool, torch.nn.Flatten())
        return module, module, [floats(shapes[0])]

    return build


_global_case = st.tuples(
    st.just({}),
    st.tuples(st.integers(1, 2), st.integers(1, 4), st.integers(1, 9), st.integers(1, 9)).map(
        lambda s: [s]
    ),
)

ORACLES = [
    *(Oracle(f"MaxPool{r}d", _pool_case(r, "max"), _pool(r, "max")) for r in (1, 2, 3)),
    *(Oracle(f"AvgPool{r}d", _pool_case(r, "avg"), _pool(r, "avg")) for r in (1, 2, 3)),
    *(
        Oracle(f"AdaptiveAvgPool{r}d", _adaptive_case(r, "avg"), _adaptive(r, "avg"))
        for r in (1, 2, 3)
    ),
    *(
        Oracle(f"AdaptiveMaxPool{r}d", _adaptive_case(r, "max"), _adaptive(r, "max"))
        for r in (1, 2)
    ),
    Oracle("GlobalAvgPool2d", _global_case, _global("avg")),
    Oracle("GlobalMaxPool2d", _global_case, _global("max")),
]
NO_TORCH: dict[str, str] = {}
