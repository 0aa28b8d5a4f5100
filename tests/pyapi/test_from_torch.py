"""nc.from_torch on plain torch.nn models (the project's own torch): the numbers are
torch's, scopes follow the module tree, and what cannot be mapped is kept, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import netcanvas as nc  # noqa: E402
from netcanvas.formats import native  # noqa: E402


class Block(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)) + x)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2)
        self.stage = nn.Sequential(Block(8), Block(8))
        self.gate = nn.Parameter(torch.ones(1, 8, 1, 1))
        self.head = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stage(self.stem(x)) * self.gate
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.head(x).softmax(dim=-1)


def torch_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_numbers_are_torchs() -> None:
    model = Net().eval()
    x = torch.randn(2, 3, 33, 33)
    doc = nc.from_torch(model, x)
    totals = doc.summary().to_dict()["totals"]
    assert totals["params"] == torch_params(model)
    assert totals["complete"]
    convs = [n for n in doc.graph.nodes if n.type == "Conv2d"]
    # conv MACs: out elements x in_channels x k x k, as torch computes them
    stem = doc.analysis["stem"]
    assert stem.macs == 2 * 8 * 16 * 16 * 3 * 3 * 3
    assert len(convs) == 3
    with torch.no_grad():
        expected = model(x)
    assert doc.analysis.nodes[-1].output_shapes[0] == tuple(expected.shape)


def test_scopes_follow_the_module_tree() -> None:
    doc = nc.from_torch(Net().eval(), torch.randn(1, 3, 16, 16))
    scope = {n.name: n.scope for n in doc.graph.nodes}
    assert scope["stage.0.conv"] == "stage.0"
    assert scope["stem"] == ""
    assert scope["stage.1.add"] == "stage.1"  # the functional `+` inside Block.forward
    assert doc.graph.view["scopes"] == {
        "stage": {"type": "Sequential"},
        "stage.0": {"type": "Block"},
        "stage.1": {"type": "Block"},
    }


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_scopes_round_trip_through_the_document(fmt: str, tmp_path: Path) -> None:
    doc = nc.from_torch(Net().eval(), torch.randn(1, 3, 16, 16))
    path = tmp_path / f"net.{fmt}"
    doc.save(path)
    again = nc.load(path)
    assert [(n.name, n.scope) for n in again.graph.nodes] == [
        (n.name, n.scope) for n in doc.graph.nodes
    ]
    assert again.summary().to_dict() == doc.summary().to_dict()
    assert again.graph.view["scopes"] == doc.graph.view["scopes"]


def test_a_bad_scope_is_a_located_error() -> None:
    text = b"layers:\n  - {type: Input, shape: [1, 4]}\n  - {type: ReLU, scope: 'a..b'}\n"
    with pytest.raises(nc.FormatError) as raised:
        native.load(text, {})
    assert (raised.value.line, "scope" in raised.value.message) == (3, True)


def test_settings_are_read_back_from_the_module() -> None:
    model = nn.Sequential(
        nn.Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2), dilation=1, groups=3, bias=False),
        nn.MaxPool2d(3, stride=2, ceil_mode=True),
        nn.LeakyReLU(0.2),
    ).eval()
    doc = nc.from_torch(model, torch.randn(1, 3, 20, 20))
    conv, pool, act = doc.graph.nodes[1:]
    assert conv.params["kernel_size"] == [3, 5]
    assert conv.params["groups"] == 3 and conv.params["bias"] is False
    assert pool.params["ceil_mode"] is True
    assert act.params["negative_slope"] == 0.2
    rebuilt = doc.to_torch()
    assert torch_params(rebuilt) == torch_params(model)


class Odd(nn.Module):
    """A module whose own code does something no layer type names."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cumsum(x, dim=1) * self.scale + torch.special.erfc(x)


def test_unknown_calls_are_opaque_with_torchs_shapes() -> None:
    model = nn.Sequential(nn.Linear(3, 4), Odd()).eval()
    x = torch.randn(2, 3)
    doc = nc.from_torch(model, x)
    summary = doc.summary().to_dict()
    assert summary["errors"] == []
    assert summary["totals"]["params"] == torch_params(model)
    opaque = {n["type"]: n for n in summary["nodes"] if n["opaque"]}
    assert opaque["torch.cumsum"]["output_shapes"] == [[2, 4]]
    assert any(t.endswith("erfc") for t in opaque)
    with torch.no_grad():
        assert summary["nodes"][-1]["output_shapes"] == [list(model(x).shape)]


class Fails(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 8)
        self.b = nn.Linear(5, 2)  # wrong in_features: forward raises here
        self.c = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c(self.b(torch.relu(self.a(x))))


def test_an_exception_is_pinned_to_the_module_that_raised() -> None:
    doc = nc.from_torch(Fails().eval(), torch.randn(1, 4))
    names = [n.name for n in doc.graph.nodes]
    assert names[:3] == ["input", "a", "relu"]
    assert names[-1] == "b"
    assert isinstance(doc.error, RuntimeError)
    assert any(w.startswith("b: forward raised RuntimeError") for w in doc.analysis.warnings)
    summary = doc.summary().to_dict()
    assert not summary["totals"]["complete"]
    # what ran is counted; the module that raised keeps its own parameters
    assert summary["totals"]["params"] == 4 * 8 + 8 + 5 * 2 + 2
    assert "c.weight: 4 values" in doc.graph.unattributed


def test_only_the_branch_that_ran_is_drawn() -> None:
    class Branchy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.big, self.small = nn.Linear(4, 4), nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.big(x) if x.sum() > 0 else self.small(x)

    doc = nc.from_torch(Branchy().eval(), torch.ones(1, 4))
    assert "big" in doc.graph.names() and "small" not in doc.graph.names()
    assert "one forward pass" in doc.graph.meta["source"]
    assert "Branchy: forward reads a tensor's value (Tensor.bool)" in doc.analysis.warnings[0]
    # the branch not taken is not lost silently: its parameters are named
    assert doc.graph.unattributed == ["small.weight: 16 values", "small.bias: 4 values"]


def test_lstm_and_attention_modules() -> None:
    class Seq(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(50, 16)
            self.attn = nn.MultiheadAttention(16, 4, batch_first=True)
            self.lstm = nn.LSTM(16, 8, batch_first=True)

        def forward(self, idx: torch.Tensor) -> torch.Tensor:
            x = self.emb(idx)
            x, _ = self.attn(x, x, x, need_weights=False)
            y, _ = self.lstm(x)
            return y

    model = Seq().eval()
    doc = nc.from_torch(model, torch.randint(0, 50, (2, 7)))
    summary = doc.summary().to_dict()
    assert summary["errors"] == []
    assert summary["totals"]["params"] == torch_params(model)
    types = [n["type"] for n in summary["nodes"]]
    assert types == ["Input", "Embedding", "MultiheadAttention", "LSTM"]
    assert summary["nodes"][-1]["output_shapes"][0] == [2, 7, 8]


def test_render_depth_draws_modules_as_boxes_like_the_cli(tmp_path: Path) -> None:
    from netcanvas.cli import main

    model = Net().eval()
    doc = nc.from_torch(model, torch.randn(1, 3, 16, 16))
    saved = doc.save(tmp_path / "net.yaml")
    ours, theirs = tmp_path / "api.svg", tmp_path / "cli.svg"
    doc.render(ours, depth=1)
    assert main(["render", str(saved), "-o", str(theirs), "--depth", "1"]) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    svg = ours.read_text()
    boxes = svg.split('<g id="node-')[1:]
    names = [b.split('"')[0] for b in boxes]
    assert "stage" in names and not any(n.startswith("stage.") for n in names)
    stage = boxes[names.index("stage")]
    expected = sum(p.numel() for p in model.stage.parameters())
    assert f"params {expected / 1e3:.2f}k" in stage  # 2 × (conv 576 + bn 16)
    assert ">Sequential<" in stage


def test_from_torch_depth_is_the_figures_default(tmp_path: Path) -> None:
    doc = nc.from_torch(Net().eval(), torch.randn(1, 3, 16, 16), depth=1)
    assert doc.figure("svg") == doc.figure("svg", depth=1)
    assert doc.figure("svg") != nc.from_torch(Net().eval(), torch.randn(1, 3, 16, 16)).figure("svg")


def test_the_meta_pass_draws_what_the_real_pass_draws() -> None:
    model = Net().eval()
    x = torch.randn(2, 3, 33, 33)
    fast = nc.from_torch(model, x, meta=True)
    real = nc.from_torch(model, x, meta=False)
    assert fast.output.device.type == "meta" and real.output.device.type == "cpu"
    assert fast.summary().to_dict() == real.summary().to_dict()
    assert fast.to_dict() == real.to_dict()


def test_data_dependent_code_falls_back_to_the_real_pass() -> None:
    class Gate(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 if x.sum() > 0 else x  # needs the values: meta cannot say

    assert nc.from_torch(Gate(), torch.ones(1, 3), meta=True).error is not None
    doc = nc.from_torch(Gate(), torch.ones(1, 3))
    assert doc.error is None
    assert [n.type for n in doc.graph.nodes][-1] == "Power"


def test_inputs_in_a_list_and_modules_called_with_keywords() -> None:
    class Pair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

        def forward(self, pair: list[torch.Tensor]) -> torch.Tensor:
            a, b = pair
            out, _ = self.attn(query=a, key=b, value=b, need_weights=False)
            return out

    model = Pair().eval()
    doc = nc.from_torch(model, [torch.randn(1, 5, 8), torch.randn(1, 7, 8)])
    summary = doc.summary().to_dict()
    assert [n["type"] for n in summary["nodes"]] == ["Input", "Input", "MultiheadAttention"]
    assert summary["nodes"][-1]["inputs"] == ["input0", "input1", "input1"]
    assert summary["nodes"][-1]["output_shapes"][0] == [1, 5, 8]
    assert summary["totals"]["params"] == torch_params(model)


def test_fold_understands_collapsed_modules() -> None:
    from netcanvas.render.depth import collapse
    from netcanvas.render.fold import find_folds

    class Deep(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.stage = nn.Sequential(*(Block(8) for _ in range(5)))
            self.wide = nn.Sequential(nn.Conv2d(8, 16, 1), Block(16), Block(16))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.wide(self.stage(self.stem(x)))

    doc = nc.from_torch(Deep().eval(), torch.randn(1, 3, 8, 8))
    graph, _ = collapse(doc.graph, doc.analysis, 2)
    folds = {f.name: f.count for f in find_folds(graph)}
    # the five blocks of `stage` fold at once; `wide`'s two other blocks are not the same
    assert folds == {"stage.0–stage.4": 5, "wide.1–wide.2": 2}
    svg = doc.figure("svg", depth=2, fold=True).decode()
    assert "×5" in svg


def test_the_export_api_draws_the_same_depth(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from netcanvas.api.app import create_app
    from netcanvas.api.settings import Settings

    doc = nc.from_torch(Net().eval(), torch.randn(1, 3, 16, 16))
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}"))
    with TestClient(app) as client:
        answer = client.post("/api/export/svg?depth=1", json=doc.to_dict())
        analysed = client.post("/api/analyze", json=doc.to_dict())
    assert answer.status_code == 200
    assert answer.content == doc.figure("svg", depth=1)
    assert analysed.json() == doc.summary().to_dict()  # scope and meta.params read there too
