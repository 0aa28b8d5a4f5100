"""Regenerate docs/gallery/: one small figure per style, and a folded ResNet-50.

    .venv/bin/python scripts/gen_gallery.py

Reads the Caffe corpus from ../shared/corpus when it is there (the LeNet, AlexNet and
ResNet-50 deploy files); the other nets are written out below.
"""

from __future__ import annotations

import sys
from pathlib import Path

from netcanvas import formats
from netcanvas.graph.model import Graph
from netcanvas.render import FigureOptions, export_figure

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "gallery"
CORPUS = ROOT.parent / "shared" / "corpus" / "caffe"

TINY_RESNET = b"""
netcanvas: 1
name: tiny-resnet
layers:
  - {name: data, type: Input, shape: [1, 3, 32, 32]}
  - {name: conv1, type: Conv2d, out_channels: 16, kernel_size: 3, padding: 1}
  - {name: bn1, type: BatchNorm2d}
  - {name: relu1, type: ReLU}
  - {name: conv2, type: Conv2d, out_channels: 16, kernel_size: 3, padding: 1}
  - {name: add1, type: Add, inputs: [conv2, relu1]}
  - {name: pool, type: AdaptiveAvgPool2d, output_size: 1}
  - {name: flat, type: Flatten}
  - {name: fc, type: Linear, out_features: 10}
"""

MLP = b"""
netcanvas: 1
name: mlp
layers:
  - {name: input, type: Input, shape: [1, 784]}
  - {name: hidden1, type: Linear, out_features: 128}
  - {name: relu1, type: ReLU}
  - {name: hidden2, type: Linear, out_features: 64}
  - {name: relu2, type: ReLU}
  - {name: output, type: Linear, out_features: 10}
"""

SMALL_CNN = b"""
netcanvas: 1
name: small-cnn
layers:
  - {name: image, type: Input, shape: [1, 3, 64, 64]}
  - {name: conv1, type: Conv2d, out_channels: 32, kernel_size: 3, padding: 1}
  - {name: pool1, type: MaxPool2d, kernel_size: 2, stride: 2}
  - {name: conv2, type: Conv2d, out_channels: 64, kernel_size: 3, padding: 1}
  - {name: pool2, type: MaxPool2d, kernel_size: 2, stride: 2}
  - {name: conv3, type: Conv2d, out_channels: 128, kernel_size: 3, padding: 1}
  - {name: gap, type: AdaptiveAvgPool2d, output_size: 1}
  - {name: flat, type: Flatten}
  - {name: fc, type: Linear, out_features: 10}
"""


def corpus(name: str, fallback: bytes) -> Graph:
    path = CORPUS / name
    if path.is_file():
        return formats.read(path.read_bytes(), path.name)
    return formats.read(fallback, "fallback.yaml")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    tiny = formats.read(TINY_RESNET, "tiny.yaml")
    figures = {
        "graph.svg": (tiny, FigureOptions(show_params=True)),
        "blocks.svg": (
            formats.read(SMALL_CNN, "cnn.yaml"),
            FigureOptions(style="blocks", rankdir="LR"),
        ),
        "fcnn.svg": (formats.read(MLP, "mlp.yaml"), FigureOptions(style="fcnn", rankdir="LR")),
        "lenet.svg": (corpus("lenet_deploy.prototxt", SMALL_CNN), FigureOptions(style="lenet")),
        "alexnet.svg": (
            corpus("alexnet_deploy.prototxt", SMALL_CNN),
            FigureOptions(style="alexnet"),
        ),
    }
    resnet = CORPUS / "resnet50_deploy.prototxt"
    if resnet.is_file():
        figures["resnet50-folded.svg"] = (
            formats.read(resnet.read_bytes(), resnet.name),
            FigureOptions(fold=True, stack=True, show_params=True, title="ResNet-50, folded"),
        )
    else:
        sys.stderr.write(f"skipping the folded ResNet-50: no corpus at {CORPUS}\n")
    for name, (graph, options) in figures.items():
        (OUT / name).write_bytes(export_figure(graph, "svg", options))
        sys.stdout.write(f"wrote docs/gallery/{name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
