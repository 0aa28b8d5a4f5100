"""Small networks built in code for the render tests (no importer needed)."""

from __future__ import annotations

from typing import Any

from netcanvas.graph.model import Graph, Node


def tiny_resnet() -> Graph:
    """DESIGN 4's example document, as a graph."""
    return Graph(
        "tiny-resnet",
        [
            Node("data", "Input", {"shape": [1, 3, 32, 32]}),
            Node("conv1", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, ["data"]),
            Node("bn1", "BatchNorm2d", {}, ["conv1"]),
            Node("relu1", "ReLU", {}, ["bn1"]),
            Node(
                "conv2", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, ["relu1"]
            ),
            Node("add1", "Add", {}, ["conv2", "relu1"]),
            Node("pool", "AdaptiveAvgPool2d", {"output_size": 1}, ["add1"]),
            Node("flat", "Flatten", {}, ["pool"]),
            Node("fc", "Linear", {"out_features": 10}, ["flat"]),
        ],
    )


def mlp() -> Graph:
    return Graph(
        "mlp",
        [
            Node("x", "Input", {"shape": [1, 784]}),
            Node("fc1", "Linear", {"out_features": 300}, ["x"]),
            Node("act1", "ReLU", {}, ["fc1"]),
            Node("fc2", "Linear", {"out_features": 100}, ["act1"]),
            Node("act2", "ReLU", {}, ["fc2"]),
            Node("fc3", "Linear", {"out_features": 10}, ["act2"]),
        ],
    )


def lenet() -> Graph:
    conv = {"kernel_size": 5}
    return Graph(
        "lenet",
        [
            Node("data", "Input", {"shape": [1, 1, 28, 28]}),
            Node("conv1", "Conv2d", {**conv, "out_channels": 20}, ["data"]),
            Node("pool1", "MaxPool2d", {"kernel_size": 2, "stride": 2}, ["conv1"]),
            Node("conv2", "Conv2d", {**conv, "out_channels": 50}, ["pool1"]),
            Node("pool2", "MaxPool2d", {"kernel_size": 2, "stride": 2}, ["conv2"]),
            Node("flat", "Flatten", {}, ["pool2"]),
            Node("ip1", "Linear", {"out_features": 500}, ["flat"]),
            Node("relu1", "ReLU", {}, ["ip1"], inplace=True),
            Node("ip2", "Linear", {"out_features": 10}, ["relu1"]),
        ],
    )


def resnet(stages: tuple[int, ...], width: int = 8, size: int = 64) -> Graph:
    """A Caffe-like bottleneck ResNet: conv, in-place BatchNorm and ReLU, projection
    shortcuts at each stage's first block, identity shortcuts after."""
    nodes: list[Node] = [Node("data", "Input", {"shape": [1, 3, size, size]})]

    def conv(name: str, src: str, out: int, k: int, stride: int = 1, relu: bool = True) -> str:
        params: dict[str, Any] = {"out_channels": out, "kernel_size": k, "bias": False}
        if stride != 1:
            params["stride"] = stride
        if k > 1:
            params["padding"] = k // 2
        nodes.append(Node(name, "Conv2d", params, [src]))
        nodes.append(Node(f"bn_{name}", "BatchNorm2d", {}, [name], inplace=True))
        last = f"bn_{name}"
        if relu:
            nodes.append(Node(f"{name}_relu", "ReLU", {}, [last], inplace=True))
            last = f"{name}_relu"
        return last

    x = conv("conv1", "data", width, 7, 2)
    nodes.append(Node("pool1", "MaxPool2d", {"kernel_size": 3, "stride": 2}, [x]))
    x = "pool1"
    channels = width
    for s, blocks in enumerate(stages):
        mid = width * 2**s
        out = mid * 4
        for b in range(blocks):
            name = f"res{s + 2}{chr(ord('a') + b)}"
            stride = 2 if b == 0 and s > 0 else 1
            if b == 0:
                shortcut = conv(f"{name}_branch1", x, out, 1, stride, relu=False)
            else:
                shortcut = x
            y = conv(f"{name}_branch2a", x, mid, 1, stride)
            y = conv(f"{name}_branch2b", y, mid, 3)
            y = conv(f"{name}_branch2c", y, out, 1, relu=False)
            nodes.append(Node(name, "Add", {}, [shortcut, y]))
            nodes.append(Node(f"{name}_relu", "ReLU", {}, [name], inplace=True))
            x = f"{name}_relu"
            channels = out
    del channels
    nodes.append(Node("pool5", "AdaptiveAvgPool2d", {"output_size": 1}, [x]))
    nodes.append(Node("flat", "Flatten", {}, ["pool5"]))
    nodes.append(Node("fc", "Linear", {"out_features": 1000}, ["flat"]))
    return Graph(f"resnet-{sum(stages) * 3 + 2}", nodes)


def residual_chain(layers: int) -> Graph:
    """A long plain residual net (conv, relu, conv, add) for the benchmarks."""
    nodes = [Node("data", "Input", {"shape": [1, 16, 32, 32]})]
    x = "data"
    i = 0
    while len(nodes) < layers:
        a, r, b, s = (f"c{i}a", f"r{i}", f"c{i}b", f"add{i}")
        conv = {"out_channels": 16, "kernel_size": 3, "padding": 1}
        nodes += [
            Node(a, "Conv2d", conv, [x]),
            Node(r, "ReLU", {}, [a]),
            Node(b, "Conv2d", conv, [r]),
            Node(s, "Add", {}, [b, x]),
        ]
        x = s
        i += 1
    return Graph(f"residual-{len(nodes)}", nodes)
