"""Shared shape arithmetic, checked against hand-computed rows from the conventions."""

from __future__ import annotations

import pytest

from netcanvas.graph import shapes
from netcanvas.graph.shapes import ShapeError


def test_fmt_uses_multiplication_sign() -> None:
    assert shapes.fmt((1, 64, 56, 56)) == "1×64×56×56"
    assert shapes.fmt(()) == "scalar"


def test_caffe_pool_rounding_vectors_from_netscope_issue_25() -> None:
    # 64 wide, kernel 3, pad 1, stride 2: conv 32; Caffe (ceil) pooling 33; floor 32.
    assert shapes.conv_out(64, 3, 2, 2) == 32
    assert shapes.pool_out(64, 3, 2, 1, 1, ceil_mode=True) == 33
    assert shapes.pool_out(64, 3, 2, 1, 1, ceil_mode=False) == 32


def test_ceil_pooling_never_starts_a_window_in_the_padding_only() -> None:
    # 112 -> 56 with kernel 3 stride 2 and no pad needs ceil (ResNet-50 pool1 in Caffe).
    assert shapes.pool_out(112, 3, 2, 0, 0, ceil_mode=True) == 56
    assert shapes.pool_out(5, 2, 2, 1, 1, ceil_mode=True) == 3


def test_same_padding_puts_the_odd_pixel_at_the_end() -> None:
    begin, end = shapes.resolve_padding("same", [10], [4], [1], [1])
    assert (begin, end) == ((1,), (2,))
    begin, end = shapes.resolve_padding([1, 2, 3, 4], [8, 8], [3, 3], [1, 1], [1, 1])
    assert (begin, end) == ((1, 2), (3, 4))


def test_broadcast_message_shows_both_shapes() -> None:
    assert shapes.broadcast([(1, 64, 1, 1), (1, 64, 8, 8)]) == (1, 64, 8, 8)
    with pytest.raises(ShapeError, match="1×64×16×16 and 1×64×8×8 do not broadcast"):
        shapes.broadcast([(1, 64, 16, 16), (1, 64, 8, 8)])


def test_kernel_larger_than_input_is_an_error() -> None:
    with pytest.raises(ShapeError, match="kernel spans 5"):
        shapes.conv_out(3, 5, 1, 0)
