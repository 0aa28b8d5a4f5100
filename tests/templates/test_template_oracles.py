"""Templates without a published count, checked against the same net built in torch.nn.

Forward passes run on torch's "meta" device: shapes without arithmetic, so even the
U-Net's 150 GMACs cost nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from netcanvas import templates
from netcanvas.analysis import analyze
from tests.conftest import need

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def torch() -> Any:
    need("torch")
    import torch

    return torch


def count(module: Any) -> int:
    return sum(p.numel() for p in module.parameters())


def ours(slug: str) -> tuple[int, tuple[int, ...] | None]:
    result = analyze(templates.get(slug).graph())
    return result.params, result.nodes[-1].output_shapes[0]


def test_unet(torch: Any) -> None:
    nn = torch.nn

    def double(cin: int, cout: int) -> Any:
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.Conv2d(cout, cout, 3), nn.ReLU()
        )

    class UNet(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            widths = [64, 128, 256, 512]
            self.down = nn.ModuleList()
            cin = 1
            for w in widths:
                self.down.append(double(cin, w))
                cin = w
            self.bottom = double(512, 1024)
            self.ups = nn.ModuleList(
                nn.ConvTranspose2d(2 * w, w, 2, stride=2) for w in reversed(widths)
            )
            self.up = nn.ModuleList(double(2 * w, w) for w in reversed(widths))
            self.out = nn.Conv2d(64, 2, 1)

        def forward(self, x: Any) -> Any:
            skips = []
            for block in self.down:
                x = block(x)
                skips.append(x)
                x = torch.nn.functional.max_pool2d(x, 2)
            x = self.bottom(x)
            for up, block, skip in zip(self.ups, self.up, reversed(skips), strict=True):
                x = up(x)
                o = (skip.shape[-1] - x.shape[-1]) // 2
                skip = skip[..., o : o + x.shape[-2], o : o + x.shape[-1]]
                x = block(torch.cat([skip, x], 1))
            return self.out(x)

    net = UNet().to("meta")
    out = net(torch.empty(1, 1, 572, 572, device="meta"))
    assert ours("unet") == (count(net), tuple(out.shape))


def test_lstm_text_classifier(torch: Any) -> None:
    nn = torch.nn
    emb, lstm, fc = (
        nn.Embedding(20000, 128),
        nn.LSTM(128, 64, 2, batch_first=True, bidirectional=True),
        nn.Linear(128, 2),
    )
    tokens = torch.zeros(1, 200, dtype=torch.long)
    _, (h, _) = lstm(emb(tokens))
    features = h[-2:].permute(1, 0, 2).flatten(1)
    out = fc(features)
    assert ours("lstm_text_classifier") == (count(emb) + count(lstm) + count(fc), tuple(out.shape))


def test_conv_autoencoder(torch: Any) -> None:
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 16, 3, 2, 1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, 2, 1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 7),
        nn.ConvTranspose2d(64, 32, 7),
        nn.ReLU(),
        nn.ConvTranspose2d(32, 16, 3, 2, 1, 1),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 3, 2, 1, 1),
        nn.Sigmoid(),
    ).to("meta")
    out = net(torch.empty(1, 1, 28, 28, device="meta"))
    assert ours("conv_autoencoder") == (count(net), tuple(out.shape))


def test_training_templates(torch: Any) -> None:
    nn = torch.nn
    digits = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(128, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )
    assert ours("lenet-digits") == (count(digits), tuple(digits(torch.zeros(1, 1, 8, 8)).shape))
    mlp = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    assert ours("mlp-2d") == (count(mlp), tuple(mlp(torch.zeros(1, 2)).shape))


def test_lenet5_and_dcgan_shapes(torch: Any) -> None:
    nn = torch.nn
    lenet = nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.Tanh(),
        nn.Linear(120, 84),
        nn.Tanh(),
        nn.Linear(84, 10),
    )
    assert ours("lenet5") == (count(lenet), tuple(lenet(torch.zeros(1, 1, 32, 32)).shape))
    layers: list[Any] = []
    cin = 100
    for cout, s, p in [(512, 1, 0), (256, 2, 1), (128, 2, 1), (64, 2, 1)]:
        layers += [
            nn.ConvTranspose2d(cin, cout, 4, s, p, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
        ]
        cin = cout
    gen = nn.Sequential(*layers, nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh()).to(
        "meta"
    )
    out = gen(torch.empty(1, 100, 1, 1, device="meta"))
    assert ours("dcgan_generator") == (count(gen), tuple(out.shape))


def test_bert_encoder_layers_match_torch(torch: Any) -> None:
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(768, 12, 3072, activation="gelu", batch_first=True)
    embeddings = [nn.Embedding(30522, 768), nn.Embedding(512, 768), nn.Embedding(2, 768)]
    pooler = nn.Linear(768, 768)
    expected = 12 * count(layer) + sum(count(e) for e in embeddings) + count(nn.LayerNorm(768))
    assert ours("bert_base") == (expected + count(pooler), (1, 768))
