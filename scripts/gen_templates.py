"""Write the built-in templates (backend/netcanvas/templates/*.yaml).

The big networks are repetitive (ResNet blocks, dense layers, inception modules), so
they are generated here and the YAML files are committed. Every template's parameter
count is checked against its published reference in tests/templates.

    .venv/bin/python scripts/gen_templates.py
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netcanvas.formats import native

OUT = Path(__file__).resolve().parents[1] / "backend" / "netcanvas" / "templates"


class Net:
    """A list of layers being written; `add` returns the new layer's name."""

    def __init__(self, name: str, title: str, description: str, reference: str) -> None:
        self.name = name
        self.meta = {"title": title, "description": description, "reference": reference}
        self.layers: list[dict[str, Any]] = []
        self.last: str | None = None

    def add(
        self, type_: str, name: str, inputs: str | list[str] | None = None, **params: Any
    ) -> str:
        entry: dict[str, Any] = {"name": name, "type": type_}
        if inputs is not None:
            entry["inputs"] = [inputs] if isinstance(inputs, str) else inputs
        elif self.last is not None and type_ != "Input":
            entry["inputs"] = [self.last]
        entry.update(params)
        self.layers.append(entry)
        self.last = name
        return name

    def conv_bn_relu(
        self,
        prefix: str,
        out: int,
        k: int,
        s: int = 1,
        p: int = 0,
        *,
        relu: str = "ReLU",
        groups: int = 1,
        eps: float | None = None,
        inputs: str | None = None,
    ) -> str:
        conv: dict[str, Any] = {"out_channels": out, "kernel_size": k, "bias": False}
        if s != 1:
            conv["stride"] = s
        if p:
            conv["padding"] = p
        if groups != 1:
            conv["groups"] = groups
        self.add("Conv2d", f"{prefix}_conv", inputs, **conv)
        self.add("BatchNorm2d", f"{prefix}_bn", **({"eps": eps} if eps else {}))
        return self.add(relu, f"{prefix}_relu") if relu else self.last or ""

    def document(self) -> dict[str, Any]:
        doc = {"netcanvas": 1, "name": self.name, "layers": self.layers, "meta": self.meta}
        # Through the loader and back: checks every layer and drops default `inputs`.
        return native.to_document(native.from_document(doc))


def lenet5() -> Net:
    net = Net(
        "lenet-5",
        "LeNet-5",
        "LeCun et al. 1998: two tanh convolutions with average pooling, three dense layers",
        "61,706 parameters (LeCun et al. 1998, C3 fully connected)",
    )
    net.add("Input", "image", shape=[1, 1, 32, 32])
    net.add("Conv2d", "c1", out_channels=6, kernel_size=5)
    net.add("Tanh", "c1_tanh")
    net.add("AvgPool2d", "s2", kernel_size=2)
    net.add("Conv2d", "c3", out_channels=16, kernel_size=5)
    net.add("Tanh", "c3_tanh")
    net.add("AvgPool2d", "s4", kernel_size=2)
    net.add("Flatten", "flatten")
    net.add("Linear", "c5", out_features=120)
    net.add("Tanh", "c5_tanh")
    net.add("Linear", "f6", out_features=84)
    net.add("Tanh", "f6_tanh")
    net.add("Linear", "output", out_features=10)
    return net


def mlp_2d() -> Net:
    net = Net(
        "mlp-2d",
        "MLP for 2-D data",
        "Two hidden ReLU layers of 16 for TensorFlow Playground's data (moons, circles, "
        "spiral, xor, blobs): train it in the Train panel",
        "354 parameters (2·16+16 + 16·16+16 + 16·2+2)",
    )
    net.add("Input", "points", shape=[1, 2])
    net.add("Linear", "hidden1", out_features=16)
    net.add("ReLU", "relu1")
    net.add("Linear", "hidden2", out_features=16)
    net.add("ReLU", "relu2")
    net.add("Linear", "logits", out_features=2)
    return net


def lenet_digits() -> Net:
    net = Net(
        "lenet-digits",
        "LeNet for 8×8 digits",
        "A LeNet-style convolutional net for scikit-learn's 8×8 handwritten digits "
        "(the built-in `digits` data set): two conv-ReLU-pool stages and two dense layers",
        "13,706 parameters, the same net in torch.nn (tests/templates)",
    )
    net.add("Input", "digit", shape=[1, 1, 8, 8])
    net.add("Conv2d", "conv1", out_channels=16, kernel_size=3, padding=1)
    net.add("ReLU", "relu1")
    net.add("MaxPool2d", "pool1", kernel_size=2)
    net.add("Conv2d", "conv2", out_channels=32, kernel_size=3, padding=1)
    net.add("ReLU", "relu2")
    net.add("MaxPool2d", "pool2", kernel_size=2)
    net.add("Flatten", "flatten")
    net.add("Linear", "fc1", out_features=64)
    net.add("ReLU", "relu3")
    net.add("Linear", "logits", out_features=10)
    return net


def alexnet() -> Net:
    net = Net(
        "alexnet",
        "AlexNet",
        "Krizhevsky et al. 2012, in torchvision's single-GPU form",
        "torchvision alexnet: 61,100,840 parameters, 0.71 GMACs",
    )
    net.add("Input", "image", shape=[1, 3, 224, 224])
    convs = [
        (64, 11, 4, 2, True),
        (192, 5, 1, 2, True),
        (384, 3, 1, 1, False),
        (256, 3, 1, 1, False),
        (256, 3, 1, 1, True),
    ]
    for i, (out, k, s, p, pool) in enumerate(convs, 1):
        net.add("Conv2d", f"conv{i}", out_channels=out, kernel_size=k, stride=s, padding=p)
        net.add("ReLU", f"relu{i}")
        if pool:
            net.add("MaxPool2d", f"pool{i}", kernel_size=3, stride=2)
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=6)
    net.add("Flatten", "flatten")
    for i in (6, 7):
        net.add("Dropout", f"drop{i}", p=0.5)
        net.add("Linear", f"fc{i}", out_features=4096)
        net.add("ReLU", f"relu{i}")
    net.add("Linear", "fc8", out_features=1000)
    return net


def vgg16() -> Net:
    net = Net(
        "vgg16",
        "VGG-16",
        "Simonyan & Zisserman 2014, configuration D: thirteen 3×3 convolutions",
        "torchvision vgg16: 138,357,544 parameters, 15.47 GMACs",
    )
    net.add("Input", "image", shape=[1, 3, 224, 224])
    for stage, (width, repeat) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1):
        for i in range(1, repeat + 1):
            net.add("Conv2d", f"conv{stage}_{i}", out_channels=width, kernel_size=3, padding=1)
            net.add("ReLU", f"relu{stage}_{i}")
        net.add("MaxPool2d", f"pool{stage}", kernel_size=2, stride=2)
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=7)
    net.add("Flatten", "flatten")
    for i in (6, 7):
        net.add("Linear", f"fc{i}", out_features=4096)
        net.add("ReLU", f"relu{i}")
        net.add("Dropout", f"drop{i}", p=0.5)
    net.add("Linear", "fc8", out_features=1000)
    return net


def _resnet_stem(net: Net) -> None:
    net.add("Input", "image", shape=[1, 3, 224, 224])
    net.conv_bn_relu("conv1", 64, 7, 2, 3)
    net.add("MaxPool2d", "maxpool", kernel_size=3, stride=2, padding=1)


def _resnet_head(net: Net) -> None:
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=1)
    net.add("Flatten", "flatten")
    net.add("Linear", "fc", out_features=1000)


def resnet(depth: int) -> Net:
    bottleneck = depth >= 50
    blocks = {18: [2, 2, 2, 2], 50: [3, 4, 6, 3]}[depth]
    reference = {
        18: "torchvision resnet18: 11,689,512 parameters, 1.81 GMACs",
        50: "torchvision resnet50: 25,557,032 parameters, 4.09 GMACs",
    }[depth]
    net = Net(
        f"resnet{depth}",
        f"ResNet-{depth}",
        f"He et al. 2015, {'bottleneck' if bottleneck else 'basic'} residual blocks "
        "(torchvision; stride on the 3×3 convolution)",
        reference,
    )
    _resnet_stem(net)
    channels = 64
    for stage, count in enumerate(blocks, 1):
        width = 64 * 2 ** (stage - 1)
        out = width * 4 if bottleneck else width
        for b in range(count):
            stride = 2 if stage > 1 and b == 0 else 1
            p = f"layer{stage}_{b}"
            entry = net.last or ""
            if bottleneck:
                net.conv_bn_relu(f"{p}_a", width, 1)
                net.conv_bn_relu(f"{p}_b", width, 3, stride, 1)
                last = net.conv_bn_relu(f"{p}_c", out, 1, relu="")
            else:
                net.conv_bn_relu(f"{p}_a", width, 3, stride, 1)
                last = net.conv_bn_relu(f"{p}_b", width, 3, 1, 1, relu="")
            shortcut = entry
            if stride != 1 or channels != out:
                shortcut = net.conv_bn_relu(f"{p}_down", out, 1, stride, relu="", inputs=entry)
            net.add("Add", f"{p}_add", [last, shortcut])
            net.add("ReLU", f"{p}_relu")
            channels = out
    _resnet_head(net)
    return net


def mobilenet_v2() -> Net:
    net = Net(
        "mobilenet_v2",
        "MobileNetV2",
        "Sandler et al. 2018: inverted residual blocks with linear bottlenecks",
        "torchvision mobilenet_v2: 3,504,872 parameters, 0.30 GMACs",
    )
    net.add("Input", "image", shape=[1, 3, 224, 224])
    net.conv_bn_relu("stem", 32, 3, 2, 1, relu="ReLU6")
    channels = 32
    settings = [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]
    n = 0
    for t, c, repeat, s in settings:
        for i in range(repeat):
            stride = s if i == 0 else 1
            p = f"block{n}"
            entry = net.last or ""
            hidden = channels * t
            if t != 1:
                net.conv_bn_relu(f"{p}_expand", hidden, 1, relu="ReLU6")
            net.conv_bn_relu(f"{p}_dw", hidden, 3, stride, 1, groups=hidden, relu="ReLU6")
            last = net.conv_bn_relu(f"{p}_project", c, 1, relu="")
            if stride == 1 and channels == c:
                net.add("Add", f"{p}_add", [last, entry])
            channels = c
            n += 1
    net.conv_bn_relu("last", 1280, 1, relu="ReLU6")
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=1)
    net.add("Flatten", "flatten")
    net.add("Dropout", "dropout", p=0.2)
    net.add("Linear", "classifier", out_features=1000)
    return net


def squeezenet1_1() -> Net:
    net = Net(
        "squeezenet1_1",
        "SqueezeNet 1.1",
        "Iandola et al. 2016, version 1.1: fire modules (squeeze 1×1, expand 1×1 + 3×3)",
        "torchvision squeezenet1_1: 1,235,496 parameters, 0.35 GMACs",
    )
    net.add("Input", "image", shape=[1, 3, 224, 224])
    net.add("Conv2d", "conv1", out_channels=64, kernel_size=3, stride=2)
    net.add("ReLU", "relu1")
    fires = [
        (16, 64),
        (16, 64),
        "pool",
        (32, 128),
        (32, 128),
        "pool",
        (48, 192),
        (48, 192),
        (64, 256),
        (64, 256),
    ]
    net.add("MaxPool2d", "pool1", kernel_size=3, stride=2, ceil_mode=True)
    pools, f = 1, 2
    for spec in fires:
        if spec == "pool":
            pools += 1
            net.add("MaxPool2d", f"pool{pools}", kernel_size=3, stride=2, ceil_mode=True)
            continue
        squeeze, expand = spec
        p = f"fire{f}"
        net.add("Conv2d", f"{p}_squeeze", out_channels=squeeze, kernel_size=1)
        s = net.add("ReLU", f"{p}_squeeze_relu")
        net.add("Conv2d", f"{p}_expand1x1", s, out_channels=expand, kernel_size=1)
        a = net.add("ReLU", f"{p}_expand1x1_relu")
        net.add("Conv2d", f"{p}_expand3x3", s, out_channels=expand, kernel_size=3, padding=1)
        b = net.add("ReLU", f"{p}_expand3x3_relu")
        net.add("Concat", f"{p}_concat", [a, b])
        f += 1
    net.add("Dropout", "dropout", p=0.5)
    net.add("Conv2d", "conv10", out_channels=1000, kernel_size=1)
    net.add("ReLU", "relu10")
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=1)
    net.add("Flatten", "flatten")
    return net


def densenet121() -> Net:
    net = Net(
        "densenet121",
        "DenseNet-121",
        "Huang et al. 2017: dense blocks of 6, 12, 24, 16 layers, growth rate 32",
        "torchvision densenet121: 7,978,856 parameters, 2.83 GMACs",
    )
    growth, bn_size = 32, 4
    net.add("Input", "image", shape=[1, 3, 224, 224])
    net.conv_bn_relu("conv0", 64, 7, 2, 3)
    features = net.add("MaxPool2d", "pool0", kernel_size=3, stride=2, padding=1)
    channels = 64
    for block, count in enumerate([6, 12, 24, 16], 1):
        for i in range(1, count + 1):
            p = f"block{block}_layer{i}"
            net.add("BatchNorm2d", f"{p}_bn1", features)
            net.add("ReLU", f"{p}_relu1")
            net.add(
                "Conv2d", f"{p}_conv1", out_channels=bn_size * growth, kernel_size=1, bias=False
            )
            net.add("BatchNorm2d", f"{p}_bn2")
            net.add("ReLU", f"{p}_relu2")
            new = net.add(
                "Conv2d", f"{p}_conv2", out_channels=growth, kernel_size=3, padding=1, bias=False
            )
            features = net.add("Concat", f"{p}_concat", [features, new])
            channels += growth
        if block < 4:
            p = f"transition{block}"
            channels //= 2
            net.add("BatchNorm2d", f"{p}_bn")
            net.add("ReLU", f"{p}_relu")
            net.add("Conv2d", f"{p}_conv", out_channels=channels, kernel_size=1, bias=False)
            features = net.add("AvgPool2d", f"{p}_pool", kernel_size=2, stride=2)
    net.add("BatchNorm2d", "norm5")
    net.add("ReLU", "relu5")
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=1)
    net.add("Flatten", "flatten")
    net.add("Linear", "classifier", out_features=1000)
    return net


def googlenet() -> Net:
    net = Net(
        "googlenet",
        "GoogLeNet (Inception v1)",
        "Szegedy et al. 2014: nine inception modules (torchvision form: batch norm, "
        "no auxiliary classifiers)",
        "torchvision googlenet: 6,624,904 parameters, 1.50 GMACs",
    )

    def basic(
        prefix: str, out: int, k: int, s: int = 1, p: int = 0, inputs: str | None = None
    ) -> str:
        return net.conv_bn_relu(prefix, out, k, s, p, eps=0.001, inputs=inputs)

    net.add("Input", "image", shape=[1, 3, 224, 224])
    basic("conv1", 64, 7, 2, 3)
    net.add("MaxPool2d", "maxpool1", kernel_size=3, stride=2, ceil_mode=True)
    basic("conv2", 64, 1)
    basic("conv3", 192, 3, 1, 1)
    net.add("MaxPool2d", "maxpool2", kernel_size=3, stride=2, ceil_mode=True)
    modules: list[tuple[str, tuple[int, ...]] | str] = [
        ("3a", (64, 96, 128, 16, 32, 32)),
        ("3b", (128, 128, 192, 32, 96, 64)),
        "maxpool3",
        ("4a", (192, 96, 208, 16, 48, 64)),
        ("4b", (160, 112, 224, 24, 64, 64)),
        ("4c", (128, 128, 256, 24, 64, 64)),
        ("4d", (112, 144, 288, 32, 64, 64)),
        ("4e", (256, 160, 320, 32, 128, 128)),
        "maxpool4",
        ("5a", (256, 160, 320, 32, 128, 128)),
        ("5b", (384, 192, 384, 48, 128, 128)),
    ]
    for module in modules:
        if module == "maxpool3":
            net.add("MaxPool2d", "maxpool3", kernel_size=3, stride=2, ceil_mode=True)
            continue
        if module == "maxpool4":
            net.add("MaxPool2d", "maxpool4", kernel_size=2, stride=2, ceil_mode=True)
            continue
        tag, (c1, r3, c3, r5, c5, pp) = module
        p, entry = f"inception{tag}", net.last or ""
        b1 = basic(f"{p}_1x1", c1, 1, inputs=entry)
        basic(f"{p}_3x3_reduce", r3, 1, inputs=entry)
        b2 = basic(f"{p}_3x3", c3, 3, 1, 1)
        basic(f"{p}_5x5_reduce", r5, 1, inputs=entry)
        # torchvision's "5x5" branch is a 3×3 convolution (kept for its weights)
        b3 = basic(f"{p}_5x5", c5, 3, 1, 1)
        net.add("MaxPool2d", f"{p}_pool", entry, kernel_size=3, stride=1, padding=1, ceil_mode=True)
        b4 = basic(f"{p}_pool_proj", pp, 1)
        net.add("Concat", f"{p}_concat", [b1, b2, b3, b4])
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=1)
    net.add("Flatten", "flatten")
    net.add("Dropout", "dropout", p=0.2)
    net.add("Linear", "fc", out_features=1000)
    return net


def bert_base() -> Net:
    net = Net(
        "bert_base",
        "BERT-base encoder",
        "Devlin et al. 2018: token + position + segment embeddings, 12 post-norm "
        "Transformer encoder layers (768 wide, 12 heads, GELU), and the [CLS] pooler",
        "Hugging Face BertModel (bert-base-uncased): 109,482,240 parameters",
    )
    tokens, hidden = 128, 768
    net.add("Input", "input_ids", shape=[1, tokens], dtype="int64")
    net.add("Input", "position_ids", shape=[1, tokens], dtype="int64")
    net.add("Input", "token_type_ids", shape=[1, tokens], dtype="int64")
    a = net.add(
        "Embedding", "word_embeddings", "input_ids", num_embeddings=30522, embedding_dim=hidden
    )
    b = net.add(
        "Embedding", "position_embeddings", "position_ids", num_embeddings=512, embedding_dim=hidden
    )
    c = net.add(
        "Embedding",
        "token_type_embeddings",
        "token_type_ids",
        num_embeddings=2,
        embedding_dim=hidden,
    )
    net.add("Add", "embeddings", [a, b, c])
    net.add("LayerNorm", "embeddings_norm", eps=1e-12)
    net.add("Dropout", "embeddings_dropout", p=0.1)
    for i in range(12):
        net.add(
            "TransformerEncoderLayer",
            f"layer{i}",
            nhead=12,
            dim_feedforward=3072,
            dropout=0.1,
            activation="gelu",
            layer_norm_eps=1e-12,
        )
    net.add("Split", "cls_split", dim=1, sections=None, sizes=[1, tokens - 1])
    net.add("Flatten", "cls", "cls_split:0")
    net.add("Linear", "pooler", out_features=hidden)
    net.add("Tanh", "pooler_tanh")
    return net


def lstm_classifier() -> Net:
    net = Net(
        "lstm_text_classifier",
        "LSTM text classifier",
        "Embedding, a two-layer bidirectional LSTM and a linear classifier on the last "
        "hidden states (sentiment analysis, IMDB-sized vocabulary)",
        "torch.nn: Embedding(20000, 128) + LSTM(128, 64, 2 layers, bidirectional) + "
        "Linear(128, 2): 2,758,914 parameters",
    )
    net.add("Input", "tokens", shape=[1, 200], dtype="int64")
    net.add("Embedding", "embedding", num_embeddings=20000, embedding_dim=128)
    net.add("LSTM", "lstm", hidden_size=64, num_layers=2, bidirectional=True)
    # h_n is [layers·directions, N, H]: the last layer's two directions, batch first
    net.add("Split", "h_last", "lstm:1", dim=0, sections=None, sizes=[2, 2])
    net.add("Permute", "batch_first", "h_last:1", dims=[1, 0, 2])
    net.add("Flatten", "features")
    net.add("Dropout", "dropout", p=0.5)
    net.add("Linear", "classifier", out_features=2)
    return net


def conv_autoencoder() -> Net:
    net = Net(
        "conv_autoencoder",
        "Convolutional autoencoder",
        "MNIST-sized autoencoder: strided convolutions down to a 64-channel code, "
        "transposed convolutions back to 1×28×28",
        "torch.nn equivalent: 210,369 parameters; output shape = input shape",
    )
    net.add("Input", "image", shape=[1, 1, 28, 28])
    net.add("Conv2d", "enc1", out_channels=16, kernel_size=3, stride=2, padding=1)
    net.add("ReLU", "enc1_relu")
    net.add("Conv2d", "enc2", out_channels=32, kernel_size=3, stride=2, padding=1)
    net.add("ReLU", "enc2_relu")
    net.add("Conv2d", "code", out_channels=64, kernel_size=7)
    net.add("ConvTranspose2d", "dec1", out_channels=32, kernel_size=7)
    net.add("ReLU", "dec1_relu")
    net.add(
        "ConvTranspose2d",
        "dec2",
        out_channels=16,
        kernel_size=3,
        stride=2,
        padding=1,
        output_padding=1,
    )
    net.add("ReLU", "dec2_relu")
    net.add(
        "ConvTranspose2d",
        "dec3",
        out_channels=1,
        kernel_size=3,
        stride=2,
        padding=1,
        output_padding=1,
    )
    net.add("Sigmoid", "reconstruction")
    return net


def dcgan_generator() -> Net:
    net = Net(
        "dcgan_generator",
        "DCGAN generator",
        "Radford et al. 2015 (PyTorch DCGAN tutorial): a 100-d code to a 3×64×64 image "
        "with transposed convolutions, batch norm and ReLU, tanh output",
        "PyTorch DCGAN tutorial generator (nz=100, ngf=64): 3,576,704 parameters",
    )
    net.add("Input", "z", shape=[1, 100, 1, 1])
    for i, (out, s, p) in enumerate([(512, 1, 0), (256, 2, 1), (128, 2, 1), (64, 2, 1)], 1):
        net.add(
            "ConvTranspose2d",
            f"up{i}",
            out_channels=out,
            kernel_size=4,
            stride=s,
            padding=p,
            bias=False,
        )
        net.add("BatchNorm2d", f"up{i}_bn")
        net.add("ReLU", f"up{i}_relu")
    net.add(
        "ConvTranspose2d", "to_rgb", out_channels=3, kernel_size=4, stride=2, padding=1, bias=False
    )
    net.add("Tanh", "image")
    return net


def unet() -> Net:
    net = Net(
        "unet",
        "U-Net",
        "Ronneberger et al. 2015: the original U-Net with unpadded 3×3 convolutions, "
        "2×2 up-convolutions and cropped skip connections (572×572 in, 388×388 out)",
        "The paper's Fig. 1: a 1×572×572 tile gives a 2×388×388 segmentation map; "
        "torch.nn equivalent: 31,030,658 parameters",
    )
    net.add("Input", "image", shape=[1, 1, 572, 572])
    skips: list[tuple[str, int]] = []
    size = 572
    for level, width in enumerate([64, 128, 256, 512], 1):
        net.add("Conv2d", f"down{level}_conv1", out_channels=width, kernel_size=3)
        net.add("ReLU", f"down{level}_relu1")
        net.add("Conv2d", f"down{level}_conv2", out_channels=width, kernel_size=3)
        skip = net.add("ReLU", f"down{level}_relu2")
        size -= 4
        skips.append((skip, size))
        net.add("MaxPool2d", f"down{level}_pool", kernel_size=2, stride=2)
        size //= 2
    net.add("Conv2d", "bottom_conv1", out_channels=1024, kernel_size=3)
    net.add("ReLU", "bottom_relu1")
    net.add("Conv2d", "bottom_conv2", out_channels=1024, kernel_size=3)
    net.add("ReLU", "bottom_relu2")
    size -= 4
    for level, width in zip([4, 3, 2, 1], [512, 256, 128, 64], strict=True):
        up = net.add(
            "ConvTranspose2d", f"up{level}_upconv", out_channels=width, kernel_size=2, stride=2
        )
        size *= 2
        skip, skip_size = skips[level - 1]
        offset = (skip_size - size) // 2
        crop = net.add("Crop", f"up{level}_crop", [skip, up], axis=2, offset=offset)
        net.add("Concat", f"up{level}_concat", [crop, up])
        net.add("Conv2d", f"up{level}_conv1", out_channels=width, kernel_size=3)
        net.add("ReLU", f"up{level}_relu1")
        net.add("Conv2d", f"up{level}_conv2", out_channels=width, kernel_size=3)
        net.add("ReLU", f"up{level}_relu2")
        size -= 4
    net.add("Conv2d", "segmentation", out_channels=2, kernel_size=1)
    return net


BUILDERS: dict[str, Callable[[], Net]] = {
    "mlp-2d": mlp_2d,
    "lenet-digits": lenet_digits,
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg16": vgg16,
    "resnet18": lambda: resnet(18),
    "resnet50": lambda: resnet(50),
    "mobilenet_v2": mobilenet_v2,
    "squeezenet1_1": squeezenet1_1,
    "densenet121": densenet121,
    "googlenet": googlenet,
    "unet": unet,
    "bert_base": bert_base,
    "lstm_text_classifier": lstm_classifier,
    "conv_autoencoder": conv_autoencoder,
    "dcgan_generator": dcgan_generator,
}

HEADER = "# Generated by scripts/gen_templates.py; edit the script, not this file.\n"


def _yaml_floats(text: str) -> str:
    # repr(1e-12) is "1e-12", which YAML 1.1 reads as a string: write "1.0e-12".
    return re.sub(r"(?<=[\s\[,:])(-?\d+)e([-+]\d+)(?=[\s,\]}])", r"\1.0e\2", text)


def render(slug: str) -> str:
    """The text of one template file, as committed."""
    return HEADER + _yaml_floats(native.to_yaml(BUILDERS[slug]().document()))


def main() -> int:
    for slug in BUILDERS:
        (OUT / f"{slug}.yaml").write_text(render(slug), encoding="utf-8")
    sys.stdout.write(f"wrote {len(BUILDERS)} templates to {OUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
