"""The figures' bytes are pinned: a change made for speed (the writer, the layout, text
measurement) must not move a single byte of any figure.

Each case is a net, the options and a format; the SHA-256 of the file is recorded. A
change that means to alter the drawing updates the digests, and says why in its commit:
``python -m tests.render.test_golden`` prints the current ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netcanvas.graph.model import Graph, Node
from netcanvas.render import export_figure
from netcanvas.render.options import FigureOptions
from tests.conftest import CORPUS
from tests.render.nets import lenet, mlp, residual_chain, resnet, tiny_resnet


def odd_names() -> Graph:
    """Names that need escaping or wrapping, a layer with an error, a hand-made group."""
    long = "/features/denseblock1/denselayer1/norm1/Conv_with_a_rather_long_tail"
    return Graph(
        "odd <names> & 'quotes'",
        [
            Node("data", "Input", {"shape": [1, 3, 16, 16]}),
            Node(long, "Conv2d", {"out_channels": 4, "kernel_size": [3, 1], "stride": 2}, ["data"]),
            Node('a<b>&"c"', "ReLU", {}, [long]),
            Node("bad", "Add", {}, ['a<b>&"c"', "nowhere"]),
            Node("fc", "Linear", {"out_features": 3}, ['a<b>&"c"']),
        ],
        view={"groups": {"front": [long, 'a<b>&"c"']}},
    )


NETS: dict[str, Callable[[], Graph]] = {
    "tiny": tiny_resnet,
    "mlp": mlp,
    "lenet": lenet,
    "resnet50": lambda: resnet((3, 4, 6, 3)),
    "chain": lambda: residual_chain(600),
    "odd": odd_names,
}

CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "tiny-graph": ("tiny", {}, "svg"),
    "tiny-graph-lr-dark": ("tiny", {"rankdir": "LR", "theme": "dark"}, "svg"),
    "tiny-graph-counts": (
        "tiny",
        {"show_params": True, "show_macs": True, "title": "T", "width": "3.3in"},
        "svg",
    ),
    "tiny-overlay": ("tiny", {"overlay": "macs", "theme": "print"}, "svg"),
    "tiny-blocks": ("tiny", {"style": "blocks"}, "svg"),
    "tiny-tex": ("tiny", {}, "tex"),
    "mlp-fcnn": ("mlp", {"style": "fcnn"}, "svg"),
    "lenet-lenet": ("lenet", {"style": "lenet", "theme": "colorblind"}, "svg"),
    "lenet-alexnet": ("lenet", {"style": "alexnet"}, "svg"),
    "lenet-stack-mono": ("lenet", {"stack": True, "theme": "mono"}, "svg"),
    "resnet50-graph": ("resnet50", {}, "svg"),
    "resnet50-fold": ("resnet50", {"fold": True, "show_params": True}, "svg"),
    "resnet50-stack-lr": ("resnet50", {"stack": True, "rankdir": "LR"}, "svg"),
    "resnet50-stack-tb": ("resnet50", {"stack": True}, "svg"),
    "resnet50-blocks-fold": ("resnet50", {"style": "blocks", "fold": True}, "svg"),
    "resnet50-mono-names": ("resnet50", {"theme": "mono", "show_names": False}, "svg"),
    "chain-graph": ("chain", {}, "svg"),
    "chain-no-shapes": ("chain", {"show_shapes": False, "font_size": 8}, "svg"),
    "odd-graph": ("odd", {}, "svg"),
    "odd-stack-lr": ("odd", {"stack": True, "rankdir": "LR", "theme": "mono"}, "svg"),
}

DIGESTS = {
    "tiny-graph": "866a111767115b34b614c00d59b70e0c2780590c991661fc277f0c903432ac55",
    "tiny-graph-lr-dark": "a537f4e68ede2d618edfee1d5072da561ccd6bf37599a3271d01842cd70b251a",
    "tiny-graph-counts": "e1c70d6751031668f1eff7bb8ead2845918aae1b38e5bc49d9b1cad1066f8ee8",
    "tiny-overlay": "529a47328021c5257f729417291106996f4c8fd7d05e329d60fb29788e2ce3b5",
    "tiny-blocks": "89c0881e8fa406f8547f68700dc9f0bd035b6ee89444bb79030da6be8dbd6926",
    "tiny-tex": "010e015e2522e6ec1a4311a51f5caad9b5b0204388ba730cf971764c71b60862",
    "mlp-fcnn": "c3e332ffc766a86f1a725ec17d5cbd3da1b05c90911d02a41f5b5869264fe04c",
    "lenet-lenet": "7d268a0c5743c44454bad716c6b8cea5c367c762bae4984223729348931424aa",
    "lenet-alexnet": "4c45c3aea1ff6d4e2889af8c64604cb09da332c6108c2aaf4740b8b8b3120cdf",
    "lenet-stack-mono": "4da15df0efeb2549be92e507a502ece9667b6ec3d48a00b300842f999b33ca27",
    "resnet50-graph": "6b158a96631a90a6abc90bd69a6f430e8c2de34c732271180da3491308277342",
    "resnet50-fold": "f2ab8e06f558de5deadb5225abbe957b530fa05847245e9a79c2851662b6ca34",
    "resnet50-stack-lr": "11128d5edf7c24ccd5625b62e90692a01955e67b7824d4e144d560733886470d",
    "resnet50-stack-tb": "649657ac33a71b8ee918efa27f7501fbaa8def3cdc72fbf843ac6415451a2488",
    "resnet50-blocks-fold": "3b6bb98dad935d01937705baa89ffe1f5f86e9138bff2f2d7b7c17f858ed987e",
    "resnet50-mono-names": "2f84f5af673cec9084b65bb60c1042f31bd78a6b11abca7e2cf0480f9560c345",
    "chain-graph": "f607d543a9aa4db1464c6bcbb2384a47d7f52581c0c75125b5193b3e1cfbac59",
    "chain-no-shapes": "9328af1a87572ad46e03ecc12fb9e4708e8b3d3f6e6dec9eaf9ca9762ad5af9a",
    "odd-graph": "c889d178b91853fd465147f30e7b9b30e4eaa0b5bda138524b57bc3b76680cbd",
    "odd-stack-lr": "d9ba2e678092a748e07b8c96a55cbc860f243609361aad89fa9db54df934bada",
}

# Real nets of the corpus (skipped without it): ResNet-152 is the benchmark's net,
# GoogLeNet has wide ranks, DenseNet-121 routes edges on buses.
CORPUS_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "resnet152": ("resnet152_deploy.prototxt", {}),
    "resnet152-stack-fold": ("resnet152_deploy.prototxt", {"stack": True, "fold": True}),
    "googlenet-lr": ("googlenet_deploy.prototxt", {"rankdir": "LR", "theme": "colorblind"}),
    "densenet121": ("densenet121_deploy.prototxt", {"show_macs": True}),
}

CORPUS_DIGESTS = {
    "resnet152": "c4e7dc793aec8ec9c2c0b47f5be6b70dde03915ae66285de32e3d8a788c46ccc",
    "resnet152-stack-fold": "925a9b10fde7ad6ed3e5bacec7509157e711f3468353ffe4e1a649ad21d5c63f",
    "googlenet-lr": "7773fcf0dd1ceb3f674620fc6b7a03d70d36bde3128c1b079523cc61670fedcc",
    "densenet121": "5e30b20f5ae4524882fee4c72cc76425d1fdd5a8073004ea914596454275073e",
}


def digest(graph: Graph, options: dict[str, Any], fmt: str) -> str:
    data = export_figure(graph, fmt, FigureOptions(**options))
    return hashlib.sha256(data).hexdigest()


def corpus_graph(name: str) -> Graph:
    from netcanvas import formats

    path = CORPUS / "caffe" / name
    return formats.read(path.read_bytes(), path.name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_figure_bytes_are_pinned(case: str) -> None:
    net, options, fmt = CASES[case]
    assert digest(NETS[net](), options, fmt) == DIGESTS[case]


@pytest.mark.parametrize("case", sorted(CORPUS_CASES))
def test_corpus_figure_bytes_are_pinned(caffe_corpus: Path, case: str) -> None:
    name, options = CORPUS_CASES[case]
    assert digest(corpus_graph(name), options, "svg") == CORPUS_DIGESTS[case]


def main() -> None:
    for case, (net, options, fmt) in CASES.items():
        print(f'    "{case}": "{digest(NETS[net](), options, fmt)}",')
    if (CORPUS / "caffe").is_dir():
        for case, (name, options) in CORPUS_CASES.items():
            print(f'    "{case}": "{digest(corpus_graph(name), options, "svg")}",')


if __name__ == "__main__":
    main()


def test_remembered_numbers_keep_the_sign_of_zero() -> None:
    """The SVG writer reuses a number's text by value, and 0.0 == -0.0: elements with a
    zero are written in full, exactly as the plain writer writes them."""
    from netcanvas.render.scene import Rect, Text
    from netcanvas.render.svg import _primitive, _Writer

    writer = _Writer()
    items = [
        *(Text(x, 1.0, "a", 10.0, "#000") for x in (0.0, -0.0, 0.04, -0.04)),
        *(Text(3.0, 1.0, "b", size, "#000") for size in (0.0, -0.0)),
        *(Rect(x, 1.0, 2.0, 3.0, "#fff") for x in (0.0, -0.0)),
        *(Rect(5.0, 1.0, w, 3.0, "#fff") for w in (0.0, -0.0)),
        *(Rect(5.0, 1.0, 2.0, 3.0, "#fff", "#000", sw) for sw in (0.0, -0.0)),
        *(Rect(5.0, 1.0, 2.0, 3.0, "#fff", opacity=o) for o in (0.0, -0.0)),
    ]
    assert [writer.primitive(item) for item in items] == [_primitive(item) for item in items]
