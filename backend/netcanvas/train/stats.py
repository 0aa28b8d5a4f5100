"""Per-layer health while a network trains: activations, weights, gradients, updates.

Once per epoch (and every K steps when asked) the watcher runs one fixed sample batch
forward and backward, with the model's forward hook on every layer (``Network.observe``),
and computes its numbers on the device; only scalars and fixed-bin histogram counts leave
it. The optimiser never sees this pass (its gradients are thrown away).

Flags, each with a one-line reason on the layer:
- ``vanishing_gradient``: its gradient is orders of magnitude below the largest one;
- ``exploding_gradient``: its gradient or its update is huge;
- ``dead_units``: more than half of a ReLU-like layer's units are zero for every sample;
- ``saturated``: more than half of a sigmoid/tanh layer's outputs sit at its limits;
- ``nonfinite``: NaN or Inf in its output or its gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from netcanvas.train.setup import Prepared

BINS = 30
VANISHING_RATIO = 1e-4  # gradient norm below this fraction of the largest layer's
EXPLODING_NORM = 1e3
EXPLODING_UPDATE = 1.0  # weights moved by more than their own norm in one epoch
DEAD_FRACTION = 0.5
SATURATED_FRACTION = 0.5
RELU_LIKE = {"ReLU", "ReLU6", "Hardtanh", "BinaryThreshold"}
SATURATING = {"Sigmoid": (0.01, 0.99), "Tanh": (-0.99, 0.99), "Hardsigmoid": (0.01, 0.99)}

Emit = Callable[[str, dict[str, Any]], None]


class StatsWatcher:
    def __init__(
        self,
        model: nn.Module,
        prepared: Prepared,
        sample: tuple[torch.Tensor, torch.Tensor],
        emit: Emit,
        every_steps: int = 0,
    ) -> None:
        from netcanvas.train.runner import _target, loss_function

        self.model = model
        self.prepared = prepared
        self.x, self.y = sample
        self.emit = emit
        self.every_steps = every_steps
        self.types = {n.name: n.type for n in prepared.graph.nodes}
        self.loss_fn = loss_function(prepared)
        self.target: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = lambda y, out: _target(
            y, out, prepared
        )
        self.previous = self._weights()
        self.steps = 0

    def _weights(self) -> dict[str, list[torch.Tensor]]:
        modules = getattr(self.model, "layer_modules", {})
        out = {}
        for layer, ident in modules.items():
            params = [p.detach().clone() for p in getattr(self.model, ident).parameters()]
            if params:
                out[layer] = params
        return out

    def step_end(self, epoch: int, step: int) -> None:
        self.steps += 1
        if self.every_steps and self.steps % self.every_steps == 0:
            self.emit("layers", {"epoch": epoch, "step": step, "layers": self.measure()})

    def epoch_end(self, epoch: int) -> None:
        layers = self.measure()
        self.emit("layers", {"epoch": epoch, "step": None, "layers": layers})

    def measure(self) -> dict[str, Any]:
        """One forward and backward pass of the sample batch: every layer's numbers."""
        model = self.model
        was_training = model.training
        model.train()
        acts: dict[str, dict[str, Any]] = {}

        def observe(layer: str, value: Any) -> None:
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                acts[layer] = self._activation(layer, value.detach())

        saved = {p: p.grad for p in model.parameters()}
        model.observe = observe  # type: ignore[assignment]
        try:
            out = model(self.x)
            loss = self.loss_fn(out, self.target(self.y, out))
            model.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            model.observe = None  # type: ignore[assignment]
        grads = self._parameters()
        for p, g in saved.items():  # the optimiser's gradients, as they were
            p.grad = g
        model.train(was_training)
        self.previous = self._weights()
        layers = {name: {"stats": stats} for name, stats in acts.items()}
        for name, stats in grads.items():
            layers.setdefault(name, {"stats": {}})["stats"].update(stats)
        self._flag(layers)
        return layers

    def _activation(self, layer: str, value: torch.Tensor) -> dict[str, Any]:
        flat = value.float().reshape(value.shape[0], -1) if value.dim() > 0 else value.reshape(1, 1)
        histogram, finite = _histogram_checked(flat)
        std, mean = torch.std_mean(flat) if flat.numel() > 1 else (torch.zeros(()), flat.mean())
        stats: dict[str, Any] = {
            "act_mean": _num(mean),
            "act_std": _num(std),
            "zero_fraction": _num((flat == 0).float().mean()),
            "act_finite": finite,
        }
        # A unit (feature or channel) is dead when it is zero for every sample.
        units = value.float()
        if units.dim() >= 2:
            per_unit = units.transpose(0, 1).reshape(units.shape[1], -1)
            stats["dead_fraction"] = _num((per_unit == 0).all(dim=1).float().mean())
        bounds = SATURATING.get(self.types.get(layer, ""))
        if bounds is not None:
            low, high = bounds
            stats["saturated_fraction"] = _num(((flat <= low) | (flat >= high)).float().mean())
        else:
            stats["saturated_fraction"] = 0.0
        stats["act_hist"] = histogram
        return stats

    def _parameters(self) -> dict[str, dict[str, Any]]:
        modules = getattr(self.model, "layer_modules", {})
        out: dict[str, dict[str, Any]] = {}
        for layer, ident in modules.items():
            params = list(getattr(self.model, ident).parameters())
            if not params:
                continue
            weight = _norm([p.detach() for p in params])
            grads = [p.grad for p in params if p.grad is not None]
            grad = _norm(grads) if grads else None
            stats: dict[str, Any] = {
                "weight_norm": _num(weight),
                "grad_norm": _num(grad) if grad is not None else None,
                "grad_finite": bool(grad is None or torch.isfinite(grad)),
            }
            before = self.previous.get(layer)
            if before is not None:
                moved = _norm([p.detach() - b for p, b in zip(params, before, strict=True)])
                old = _norm(before)
                stats["update_ratio"] = _num(moved / old) if float(old) > 0 else None
            stats["weight_hist"] = _histogram(torch.cat([p.detach().reshape(-1) for p in params]))
            if grads:
                stats["grad_hist"] = _histogram(torch.cat([g.reshape(-1) for g in grads]))
            out[layer] = stats
        return out

    def _flag(self, layers: dict[str, dict[str, Any]]) -> None:
        norms = [
            v["stats"]["grad_norm"]
            for v in layers.values()
            if isinstance(v["stats"].get("grad_norm"), float)
            and math.isfinite(v["stats"]["grad_norm"])
        ]
        largest = max(norms, default=0.0)
        for name, entry in layers.items():
            stats, flags, reasons = entry["stats"], [], []
            grad = stats.get("grad_norm")
            if (
                not stats.get("act_finite", True)
                or not stats.get("grad_finite", True)
                or (isinstance(grad, float) and not math.isfinite(grad))
            ):
                flags.append("nonfinite")
                reasons.append("NaN or Inf in its output or gradient")
            elif isinstance(grad, float):
                if largest > 0 and grad < VANISHING_RATIO * largest:
                    flags.append("vanishing_gradient")
                    reasons.append(
                        f"gradient norm {grad:.2g}, {largest / max(grad, 1e-45):.1g}× "
                        "below the largest layer's"
                    )
                ratio = stats.get("update_ratio")
                if grad > EXPLODING_NORM or (isinstance(ratio, float) and ratio > EXPLODING_UPDATE):
                    flags.append("exploding_gradient")
                    reasons.append(f"gradient norm {grad:.3g}, update ratio {ratio or 0:.3g}")
            kind = self.types.get(name, "")
            dead = stats.get("dead_fraction")
            if kind in RELU_LIKE and isinstance(dead, float) and dead > DEAD_FRACTION:
                flags.append("dead_units")
                reasons.append(f"{dead:.0%} of its units are zero for every sample")
            saturated = stats.get("saturated_fraction")
            if (
                kind in SATURATING
                and isinstance(saturated, float)
                and saturated > SATURATED_FRACTION
            ):
                flags.append("saturated")
                reasons.append(f"{saturated:.0%} of its outputs sit at the limits")
            entry["flags"] = flags
            entry["reasons"] = reasons


def _norm(tensors: list[torch.Tensor]) -> torch.Tensor:
    """The L2 norm of several tensors taken as one vector."""
    return torch.sqrt(torch.stack([(t.float() ** 2).sum() for t in tensors]).sum())


def _num(value: Any) -> float:
    return float(value.item() if isinstance(value, torch.Tensor) else value)


def _histogram(values: torch.Tensor) -> dict[str, Any]:
    return _histogram_checked(values)[0]


def _histogram_checked(values: torch.Tensor) -> tuple[dict[str, Any], bool]:
    """Fixed-bin counts between the smallest and largest value (TensorBoard's
    distributions, compact), and whether every value was finite. The common all-finite
    case costs one min/max pass and one histc: no mask, no copy."""
    flat = values.reshape(-1)
    if flat.numel() == 0:
        return {"low": 0.0, "high": 0.0, "counts": [0] * BINS}, True
    low_t, high_t = torch.aminmax(flat)
    low, high = float(low_t), float(high_t)
    finite = math.isfinite(low) and math.isfinite(high)
    if not finite:
        flat = flat[torch.isfinite(flat)]
        if flat.numel() == 0:
            return {"low": 0.0, "high": 0.0, "counts": [0] * BINS}, False
        low, high = float(flat.min()), float(flat.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    counts = torch.histc(flat.float(), bins=BINS, min=low, max=high)
    return {"low": low, "high": high, "counts": [int(c) for c in counts.tolist()]}, finite
