"""Synthetic residual networks of any size, shared by the benchmarks."""

from __future__ import annotations


def residual_yaml(
    layers: int, channels: int = 64, size: int = 56, blocks_per_module: int = 0
) -> str:
    """A ResNet-like chain of (conv, bn, relu, conv, bn, add, relu) blocks, ~`layers` long.

    With `blocks_per_module`, block B is the module `stageS.blockB` (S = B // that), as an
    ONNX export's module tree gives them.
    """
    lines = [
        "netcanvas: 1",
        f"name: residual-{layers}",
        "layers:",
        f"  - {{name: data, type: Input, shape: [1, {channels}, {size}, {size}]}}",
    ]
    prev, i = "data", 0
    while len(lines) - 3 < layers:
        b = f"b{i}"
        sc = ""
        if blocks_per_module:
            sc = f", scope: stage{i // blocks_per_module}.block{i % blocks_per_module}"
        conv = f"out_channels: {channels}, kernel_size: 3, padding: 1, bias: false{sc}"
        lines += [
            f"  - {{name: {b}_conv1, type: Conv2d, inputs: [{prev}], {conv}}}",
            f"  - {{name: {b}_bn1, type: BatchNorm2d{sc}}}",
            f"  - {{name: {b}_relu1, type: ReLU{sc}}}",
            f"  - {{name: {b}_conv2, type: Conv2d, {conv}}}",
            f"  - {{name: {b}_bn2, type: BatchNorm2d{sc}}}",
            f"  - {{name: {b}_add, type: Add, inputs: [{b}_bn2, {prev}]{sc}}}",
            f"  - {{name: {b}_relu2, type: ReLU{sc}}}",
        ]
        prev, i = f"{b}_relu2", i + 1
    return "\n".join(lines) + "\n"


BLOCKS_PER_STAGE = 48


def scoped_yaml(layers: int, channels: int = 16, size: int = 8, modules: bool = True) -> str:
    """A narrow residual chain of ~`layers` layers, each block a module `stageS.blockB`
    (or none), as an ONNX export's module tree gives them."""
    return residual_yaml(layers, channels, size, BLOCKS_PER_STAGE if modules else 0)
