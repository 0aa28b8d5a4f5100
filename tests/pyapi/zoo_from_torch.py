"""Zoo script: trace torchvision models (random weights) and a GPT-2-style decoder with
``nc.from_torch`` and print, per model, what torch itself says beside what netcanvas drew.

Run by tests/pyapi/test_zoo_from_torch.py in the zoo's Python (tests/zoo.py); prints one
JSON object on its last line: {model: {...}}. Nothing here decides pass or fail.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from typing import Any

import torch
import torchvision
from torch import nn
from torch.nn import functional as F  # noqa: N812
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

import netcanvas as nc


class CausalSelfAttention(nn.Module):
    """GPT-2's attention, written out (nanoGPT's explicit path)."""

    def __init__(self, d: int, heads: int, context: int) -> None:
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.heads = heads
        self.register_buffer(
            "mask", torch.tril(torch.ones(context, context)).view(1, 1, context, context)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.size()
        q, k, v = self.c_attn(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, d: int, heads: int, context: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, heads, context)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(
            nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(
        self, vocab: int = 1000, context: int = 64, d: int = 128, heads: int = 4, layers: int = 4
    ) -> None:
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(context, d)
        self.h = nn.ModuleList(Block(d, heads, context) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(0, idx.size(1), dtype=torch.long)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def build(name: str) -> tuple[nn.Module, torch.Tensor]:
    m = torchvision.models
    image = (1, 3, 224, 224)
    if name == "gpt2":
        return GPT(), torch.randint(0, 1000, (1, 64))
    if name == "googlenet":
        return m.googlenet(weights=None, aux_logits=False, init_weights=False), torch.randn(*image)
    if name == "inception_v3":
        model = m.inception_v3(weights=None, aux_logits=False, init_weights=False)
        return model, torch.randn(1, 3, 299, 299)
    return getattr(m, name)(weights=None), torch.randn(*image)


def measure(name: str) -> dict[str, Any]:
    torch.manual_seed(0)
    model, x = build(name)
    model.eval()
    # nn.MultiheadAttention's fused inference kernel and the CPU flash-attention kernel
    # are invisible to FlopCounterMode (it would count none of ViT's attention): count the
    # plain path (the same arithmetic as matmuls it sees).
    torch.backends.mha.set_fastpath_enabled(False)
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH):
        counter = FlopCounterMode(display=False)
        with counter:
            expected = model(x)
    torch.backends.mha.set_fastpath_enabled(True)
    started = time.perf_counter()
    doc = nc.from_torch(model, x)
    seconds = time.perf_counter() - started
    summary = doc.summary().to_dict()
    drawn = {n["name"]: n["output_shapes"] for n in summary["nodes"]}
    mismatched = {
        k: {"torch": v, "netcanvas": drawn.get(k)}
        for k, v in doc.observed.items()
        if drawn.get(k) is None or drawn[k][: len(v)] != v
    }
    out: dict[str, Any] = {
        "params": summary["totals"]["params"],
        "torch_params": sum(p.numel() for p in model.parameters()),
        "macs": summary["totals"]["macs"],
        "torch_macs": counter.get_total_flops() / 2,
        "layers": len(summary["nodes"]),
        "observed": len(doc.observed),
        "mismatched": dict(list(mismatched.items())[:5]),
        "mismatched_count": len(mismatched),
        "errors": summary["errors"][:5],
        "complete": summary["totals"]["complete"],
        "output_shape": list(expected.shape),
        "seconds": seconds,
    }
    if name == "resnet50":
        out["depth1"] = drawn_at_depth_1(doc, model, counter)
    try:
        rebuilt = doc.to_torch().eval()
        with torch.no_grad():
            y = rebuilt(x)
        out["to_torch"] = {
            "params": sum(p.numel() for p in rebuilt.parameters()),
            "output_shape": list(y.shape),
            "same_function": same_function(doc, model, rebuilt, x, expected),
        }
    except Exception as failure:  # reported, judged by the test
        out["to_torch"] = {"error": f"{type(failure).__name__}: {failure}"[:300]}
    return out


def same_function(doc: Any, model: nn.Module, rebuilt: nn.Module, x: Any, expected: Any) -> Any:
    """Give the rebuilt module the model's own weights and compare outputs: every setting
    read back from a module (eps, padding, ceil_mode, approximate...) must be right."""
    modules = dict(model.named_modules())
    params = dict(model.named_parameters())
    placed = rebuilt.layer_modules
    with torch.no_grad():
        for node in doc.graph.nodes:
            target = getattr(rebuilt, placed[node.name]) if node.name in placed else None
            if target is None:
                continue
            if node.type == "Parameter":
                target.value.copy_(params[node.name])
            elif node.name in doc.weights:
                for mine, theirs in zip(target.parameters(), doc.weights[node.name], strict=True):
                    mine.copy_(params[theirs])
            elif node.name in modules:
                target.load_state_dict(modules[node.name].state_dict())
        got = rebuilt(x)
    return float((got - expected).abs().max() / (expected.abs().max() + 1e-12))


def drawn_at_depth_1(doc: Any, model: nn.Module, counter: FlopCounterMode) -> dict[str, Any]:
    """The boxes of the depth-1 figure beside torch's count per top-level module."""
    svg = doc.figure("svg", depth=1, show_params=True).decode()
    boxes = re.findall(r'<g id="node-([^"]+)" class="node"', svg)
    from netcanvas.render.depth import collapse

    _, analysis = collapse(doc.graph, doc.analysis, 1)
    flops = counter.get_flop_counts()
    root = type(model).__name__
    return {
        "boxes": boxes,
        "params": {r.name: r.params for r in analysis.nodes},
        "macs": {r.name: r.macs for r in analysis.nodes},
        "torch_params": {
            n: sum(p.numel() for p in m.parameters()) for n, m in model.named_children()
        },
        "torch_macs": {
            n: sum(flops.get(f"{root}.{n}", {}).values()) / 2 for n, _ in model.named_children()
        },
    }


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(json.dumps({name: measure(name) for name in sys.argv[1:]}))
