"""Model zoo script (runs in .venv-zoo): export models to ONNX and measure them in torch.

    python zoo_onnx_export.py OUT_DIR NAME[@dynamo] ...

Each NAME is a torchvision classification model (random weights) or one of the
transformer stacks written here (``gpt2`` with a causal mask and tied embeddings,
``bert`` with position and token-type tables). Writes OUT_DIR/NAME.onnx and prints one
JSON line: per model the torch parameter count, the BatchNorm parameters the exporter
folds into convolutions, MACs (FlopCounterMode / 2, math attention), the output shape.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import onnx
import torch
import torchvision.models as tvm
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

warnings.filterwarnings("ignore")
torch.manual_seed(0)


class Block(nn.Module):
    """Pre-norm transformer block; ``causal`` masks the future as GPT-2 does."""

    def __init__(self, dim: int, heads: int, causal: bool, context: int) -> None:
        super().__init__()
        self.heads, self.causal = heads, causal
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc, self.out = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
        mask = torch.triu(torch.full((context, context), float("-inf")), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (y.view(n, t, self.heads, d // self.heads).transpose(1, 2) for y in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.heads)
        if self.causal:
            scores = scores + self.mask[:t, :t]
        y = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(n, t, d)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class Stack(nn.Module):
    """GPT-2 (causal, learned positions, head tied to the token table) or BERT
    (bidirectional, position and token-type tables, a pooler)."""

    def __init__(self, kind: str, vocab: int = 500, dim: int = 64, layers: int = 2) -> None:
        super().__init__()
        self.kind = kind
        self.tokens = nn.Embedding(vocab, dim)
        self.positions = nn.Embedding(32, dim)
        if kind == "bert":
            self.types = nn.Embedding(2, dim)
        self.blocks = nn.ModuleList(Block(dim, 4, kind == "gpt2", 32) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        if kind == "bert":
            self.pooler = nn.Linear(dim, dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.tokens(ids) + self.positions(positions)
        if self.kind == "bert":
            x = x + self.types(torch.zeros_like(ids))
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        if self.kind == "bert":
            return torch.tanh(self.pooler(x[:, 0]))
        return x @ self.tokens.weight.t()  # tied: the head reads the token table


def build(name: str) -> tuple[nn.Module, torch.Tensor]:
    if name in ("gpt2", "bert"):
        return Stack(name).eval(), torch.randint(0, 500, (1, 16))
    inception = name in ("googlenet", "inception_v3")
    extra = {"aux_logits": False, "init_weights": False} if inception else {}
    model = getattr(tvm, name)(weights=None, **extra).eval()
    side = 299 if name == "inception_v3" else 224
    return model, torch.randn(1, 3, side, side)


def folded_batchnorm(model: nn.Module, path: Path) -> int:
    """Parameters the exporter removes by folding a BatchNorm into the convolution before it
    (its weight and bias go, the convolution gains a bias of the same channels)."""
    kept = {t.name for t in onnx.load(str(path), load_external_data=False).graph.initializer}
    kept |= {o for n in onnx.load(str(path), load_external_data=False).graph.node for o in n.output}
    return sum(
        m.num_features
        for n, m in model.named_modules()
        if isinstance(m, nn.BatchNorm2d) and f"{n}.weight" not in kept
    )


def main() -> None:
    out = Path(sys.argv[1])
    facts = {}
    for spec in sys.argv[2:]:
        name, _, how = spec.partition("@")
        model, x = build(name)
        path = out / f"{name}{'_dynamo' if how else ''}.onnx"
        # Not under no_grad: torch would take MultiheadAttention's fused fast path, which
        # neither exporter can write (ViT).
        # Weights as a trained model's are, not a fresh one's: the dynamo exporter's
        # optimiser stores equal tensors once, whatever layers own them (every LayerNorm's
        # fresh ones and zeros would become one tensor), and a zero-initialised head (ViT's)
        # would give outputs of zeros, which compare equal whatever the weights.
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 1e-2)
        if how == "dynamo":
            torch.onnx.export(model, (x,), str(path), opset_version=18, dynamo=True,
                              external_data=False)  # fmt: skip
        else:
            torch.onnx.export(model, (x,), str(path), opset_version=17, dynamo=False,
                              do_constant_folding=False)  # fmt: skip
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
            with FlopCounterMode(display=False) as counter:
                y = model(x)
        unique = {id(p): p.numel() for p in model.parameters()}  # tied weights once
        facts[path.stem] = {
            "path": str(path),
            "params": sum(unique.values()),
            "folded_bn": folded_batchnorm(model, path),
            "macs": counter.get_total_flops() // 2,
            "output": list(y.shape),
            "modules": {
                n: sum(p.numel() for p in m.parameters()) for n, m in model.named_children()
            },
        }
    print(json.dumps(facts))


if __name__ == "__main__":
    main()
