"""Convolution oracles: torch.nn.ConvNd / ConvTransposeNd."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import (
    Built,
    Case,
    Oracle,
    channels,
    floats_like,
    inferred,
    placement,
    torch_kwargs,
)


@st.composite
def _conv_case(draw: Any, rank: int, transpose: bool) -> Case:
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    cin = groups * draw(st.integers(1, 4))
    cout = groups * draw(st.integers(1, 4))
    kernel = [draw(st.integers(1, 4)) for _ in range(rank)]
    stride = [draw(st.integers(1, 3)) for _ in range(rank)]
    dilation = [draw(st.integers(1, 2)) for _ in range(rank)]
    if transpose:
        padding: Any = [draw(st.integers(0, k - 1)) for k in kernel]
    else:
        padding = draw(
            st.one_of(
                st.just("valid"),
                st.lists(st.integers(0, 2), min_size=rank, max_size=rank),
                st.integers(0, 2),
                # PyTorch allows 'same' only with stride 1.
                st.just("same") if all(s == 1 for s in stride) else st.just(0),
            )
        )
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel, strict=True)]
    spatial = [draw(st.integers(s, s + 12)) for s in span]
    params: dict[str, Any] = {
        "out_channels": cout,
        "kernel_size": kernel if draw(st.booleans()) or len(set(kernel)) > 1 else kernel[0],
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "bias": draw(st.booleans()),
    }
    if transpose:
        params["output_padding"] = [
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
        ]
    params["padding_mode"] = draw(st.sampled_from(_modes(padding, spatial, transpose)))
    params.update(inferred(draw, "in_channels", cin))
    params.update(placement(draw))
    return params, [(draw(st.integers(1, 2)), cin, *spatial)]


def _modes(padding: Any, spatial: list[int], transpose: bool) -> list[str]:
    """The padding modes torch takes here: reflect needs each pad below the size it
    mirrors, circular at most the size; transposed convolutions pad with zeros only."""
    if transpose:
        return ["zeros"]
    if isinstance(padding, str):  # 'same' pads at most the span, 'valid' nothing
        return ["zeros", "replicate"] if padding == "same" else ["zeros", "reflect", "circular"]
    pads = padding if isinstance(padding, list) else [padding] * len(spatial)
    modes = ["zeros", "replicate"]
    if all(p <= n for p, n in zip(pads, spatial, strict=True)):
        modes.append("circular")
    if all(p < n for p, n in zip(pads, spatial, strict=True)):
        modes.append("reflect")
    return modes


def _build(rank: int, transpose: bool):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        cls = getattr(torch.nn, f"{'ConvTranspose' if transpose else 'Conv'}{rank}d")
        module = cls(**torch_kwargs(p))
        return module, module, [floats_like(shapes[0], p)]

    return build


ORACLES = [
    Oracle(
        f"{'ConvTranspose' if t else 'Conv'}{r}d",
        _conv_case(r, t),
        _build(r, t),
        macs=True,
        sizes=channels("in_channels"),
    )
    for r in (1, 2, 3)
    for t in (False, True)
]
NO_TORCH: dict[str, str] = {}
