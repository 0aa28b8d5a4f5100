"""Reshape-family layers in small graphs: errors pinned to the node, Caffe meanings kept."""

from __future__ import annotations

from typing import Any

from netcanvas.analysis import Analysis, NodeResult, analyze
from netcanvas.graph.model import Graph, Node


def run(inputs: dict[str, list[int]], *nodes: Node) -> Analysis:
    graph = Graph(nodes=[Node(n, "Input", {"shape": s}) for n, s in inputs.items()])
    graph.nodes.extend(nodes)
    return analyze(graph)


def one(type_name: str, input_shape: list[int], /, **params: Any) -> NodeResult:
    return run({"x": input_shape}, Node("layer", type_name, params, ["x"]))["layer"]


def test_reshape_count_mismatch_shows_both_shapes() -> None:
    result = run(
        {"x": [1, 64, 7, 7]},
        Node("layer", "Reshape", {"shape": [1, 100]}, ["x"]),
        Node("fc", "Linear", {"out_features": 10}, ["layer"]),
    )
    assert (
        result["layer"].error == "cannot reshape 1×64×7×7 (3136 elements) into 1×100 (100 elements)"
    )
    assert result["x"].error is None
    assert result["fc"].error is None and result["fc"].output_shapes == [None]


def test_reshape_inferred_axis_that_does_not_divide() -> None:
    result = one("Reshape", [1, 64, 7, 7], shape=[0, -1, 100])
    assert result.error == "cannot reshape 1×64×7×7 (3136 elements) into 1×-1×100"


def test_reshape_rejects_two_inferred_axes_and_a_0_past_the_input() -> None:
    assert one("Reshape", [2, 6], shape=[-1, -1]).error == "shape -1×-1 has more than one -1"
    error = one("Reshape", [12], shape=[0, 0]).error
    assert error is not None and "position 1" in error


def test_reshape_caffe_zero_copies_the_input_axis() -> None:
    # Faster R-CNN's rpn_cls_score_reshape: dim {0 2 -1 0} on 9 anchors × 2 scores.
    result = one("Reshape", [1, 18, 38, 50], shape=[0, 2, -1, 0])
    assert result.error is None and result.output_shapes == [(1, 2, 9 * 38, 50)]


def test_permute_that_is_not_a_permutation() -> None:
    result = one("Permute", [2, 3, 4], dims=[0, 1, 1])
    assert result.error == "dims [0, 1, 1] is not a permutation of the 3 axes of 2×3×4"
    short = one("Permute", [2, 3, 4], dims=[1, 0])
    assert short.error == "dims [1, 0] is not a permutation of the 3 axes of 2×3×4"
    assert one("Permute", [2, 3, 4], dims=[0, 5, 1]).error is not None


def test_split_sizes_not_summing_to_the_axis() -> None:
    result = run(
        {"x": [1, 6, 4]},
        Node("split", "Split", {"sizes": [2, 3]}, ["x"]),
        Node("use", "ReLU", {}, ["split:1"]),
    )
    assert result["split"].error == "sizes [2, 3] sum to 5, but axis 1 of 1×6×4 is 6"
    assert result["split"].output_shapes == [None, None]
    assert result["use"].error is None and result["use"].output_shapes == [None]


def test_split_sections_must_divide_and_rules_are_exclusive() -> None:
    error = one("Split", [1, 10], sections=3).error
    assert error == "axis 1 of 1×10 (size 10) does not split into 3 equal parts"
    both = one("Split", [1, 10], sections=2, sizes=[5, 5]).error
    assert both is not None and "not both" in both


def test_split_outputs_are_referenced_by_index() -> None:
    result = run(
        {"x": [1, 6, 4]},
        Node("split", "Split", {"sizes": [1, 2, 3], "dim": -2}, ["x"]),
        Node("cat", "Concat", {"dim": 1}, ["split:2", "split:0"]),
        Node("bad", "ReLU", {}, ["split:3"]),
    )
    assert result["split"].output_shapes == [(1, 1, 4), (1, 2, 4), (1, 3, 4)]
    assert result["cat"].output_shapes == [(1, 4, 4)]
    assert result["bad"].error == "'split' has 3 output(s); there is no output 3"


def test_crop_fcn8s_score_to_the_image() -> None:
    # FCN-8s at 500×500: upscore8 is 568×568 and Crop (axis 2, offset 31) gives
    # 21×500×500 (published figures, shelhamer/fcn.berkeleyvision.org).
    result = run(
        {"upscore8": [1, 21, 568, 568], "data": [1, 3, 500, 500]},
        Node("score", "Crop", {"axis": 2, "offset": 31}, ["upscore8", "data"]),
    )
    assert result["score"].error is None
    assert result["score"].output_shapes == [(1, 21, 500, 500)]


def test_crop_window_outside_the_data() -> None:
    result = run(
        {"data": [1, 8, 10, 10], "ref": [1, 8, 8, 8]},
        Node("crop", "Crop", {"offset": [1, 3]}, ["data", "ref"]),
    )
    assert result["crop"].error == (
        "the window 3..11 on axis 3 falls outside the data (size 10): "
        "data 1×8×10×10, reference 1×8×8×8"
    )
    counts = run(
        {"data": [1, 8, 10, 10], "ref": [1, 8, 8, 8]},
        Node("crop", "Crop", {"offset": [1, 1, 1]}, ["data", "ref"]),
    )
    assert counts["crop"].error == "offset needs 1 or 2 values (axes 2..), got 3"


def test_upsample_mode_needs_its_rank_and_one_target() -> None:
    assert one("Upsample", [1, 3, 8], mode="bilinear").error == (
        "mode 'bilinear' needs a 4-D input, got 1×3×8"
    )
    both = one("Upsample", [1, 3, 8, 8], size=16, scale_factor=2.0).error
    assert both is not None and "not both" in both
    corners = one("Upsample", [1, 3, 8, 8], align_corners=True).error
    assert corners is not None and "align_corners" in corners
    sized = one("Upsample", [1, 3, 8, 8], size=[5, 7], mode="bicubic")
    assert sized.output_shapes == [(1, 3, 5, 7)]


def test_pixel_shuffles_check_divisibility() -> None:
    assert one("PixelShuffle", [1, 8, 4, 4], upscale_factor=2).output_shapes == [(1, 2, 8, 8)]
    assert one("PixelShuffle", [1, 6, 4, 4], upscale_factor=2).error == (
        "channels (6) must be divisible by upscale_factor² (4)"
    )
    assert one("PixelUnshuffle", [1, 2, 6, 5], downscale_factor=2).error == (
        "height (6) and width (5) must be divisible by downscale_factor (2)"
    )


def test_squeeze_keeps_a_named_axis_that_is_not_1_with_a_warning() -> None:
    result = one("Squeeze", [4, 1, 3], dim=[0, 1])
    assert result.error is None and result.output_shapes == [(4, 3)]
    assert result.warnings == ["axis 0 of 4×1×3 has size 4, not 1: it is kept"]


def test_unflatten_sizes_must_multiply_to_the_axis() -> None:
    assert one("Unflatten", [2, 12], unflattened_size=[5, -1]).error == (
        "cannot split axis 1 of 2×12 (size 12) into 5×-1"
    )
    # YOLO v1: the 1470 outputs of the last fc are a 7×7 grid of 30 values.
    grid = one("Unflatten", [1, 1470], unflattened_size=[7, 7, 30])
    assert grid.output_shapes == [(1, 7, 7, 30)]


def test_padding_that_leaves_nothing_is_an_error() -> None:
    assert one("ZeroPad2d", [1, 3, 4, 4], padding=[1, 2, 0, 0]).output_shapes == [(1, 3, 4, 7)]
    error = one("ConstantPad2d", [1, 3, 4, 4], padding=[0, 0, -2, -2], value=1.0).error
    assert error == "padding [0, 0, -2, -2] leaves nothing of 1×3×4×4"
