"""The training loop: one function the CLI, the API's worker process and the Python API
share. It reports through callbacks and never imports the web or the store.

Epoch metrics use Keras ``History`` names (``loss``, ``accuracy``, ``val_loss``,
``val_accuracy``, ``lr``) plus ``seconds``. The same seed on the same machine gives the
same curves: the split, the initial weights and the batch order all come from it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from netcanvas.train.datasets import Dataset
from netcanvas.train.setup import Prepared, TrainError, build


class TrainConfig(BaseModel):
    """The settings of one run (DESIGN 10)."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = Field(10, ge=1, le=10_000, description="Passes over the training data")
    batch_size: int = Field(32, ge=1, le=65_536, description="Samples per step")
    lr: float = Field(0.01, gt=0, le=10, description="Learning rate")
    optimizer: Literal["sgd", "adam", "adamw"] = Field("adam", description="Optimiser")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum")
    weight_decay: float = Field(0.0, ge=0, le=1, description="L2 penalty (decoupled for adamw)")
    schedule: Literal["constant", "step", "cosine"] = Field(
        "constant", description="Learning-rate schedule over the epochs"
    )
    val_split: float = Field(0.2, ge=0, le=0.9, description="Fraction held out for validation")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed of the split, weights and order")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where to train")
    max_seconds: float | None = Field(
        None, gt=0, description="Stop (status done, with a note) after this long"
    )


Emit = Callable[[str, dict[str, Any]], None]


@dataclass
class Result:
    model: nn.Module
    history: list[dict[str, float]] = field(default_factory=list)
    stopped: str | None = None  # why training ended early (cancelled, time limit)


class NonFiniteLoss(TrainError):
    pass


def device_for(choice: str) -> torch.device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise TrainError("device 'cuda' was asked for, but this machine has no CUDA GPU")
        return torch.device("cuda")
    return torch.device("cpu")


def loss_function(prepared: Prepared) -> nn.Module:
    params = prepared.loss_params
    if prepared.loss == "cross_entropy":
        return nn.CrossEntropyLoss(label_smoothing=float(params.get("label_smoothing", 0.0)))
    if prepared.loss == "bce_with_logits":
        return nn.BCEWithLogitsLoss()
    return nn.MSELoss()


def _optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)


def _schedule(
    optimizer: torch.optim.Optimizer, config: TrainConfig
) -> torch.optim.lr_scheduler.LRScheduler | None:
    if config.schedule == "step":
        step = max(1, config.epochs // 3)
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=step, gamma=0.1)
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    return None


def _tensors(data: Dataset, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(np.ascontiguousarray(data.x)).to(device)
    y = torch.from_numpy(np.ascontiguousarray(data.y)).to(device)
    return x, y


def train(
    prepared: Prepared,
    dataset: Dataset,
    config: TrainConfig,
    emit: Emit | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_model: Callable[[nn.Module, tuple[torch.Tensor, torch.Tensor]], Any] | None = None,
) -> Result:
    """Train; ``emit(kind, payload)`` gets ``progress`` (throttled) and ``metrics`` (each
    epoch) events; ``should_stop()`` is asked between steps; ``on_model`` is called once
    with the built model and a fixed sample batch (the statistics hooks use it) and may
    return an object whose ``epoch_end(epoch)`` is called after each epoch."""
    emit = emit or (lambda kind, payload: None)
    should_stop = should_stop or (lambda: False)
    torch.manual_seed(config.seed)
    device = device_for(config.device)
    train_set, val_set = dataset.split(config.val_split, config.seed)
    batch = prepared.graph.node(prepared.input_name).params["shape"][0]
    if len(train_set) < batch:
        raise TrainError(
            f"the training part has {len(train_set)} samples, fewer than one batch of {batch}"
        )
    model = build(prepared).to(device)
    loss_fn = loss_function(prepared)
    optimizer = _optimizer(model, config)
    scheduler = _schedule(optimizer, config)
    x_train, y_train = _tensors(train_set, device)
    x_val, y_val = _tensors(val_set, device) if len(val_set) else (None, None)
    classify = prepared.loss == "cross_entropy"
    order = torch.Generator().manual_seed(config.seed)
    watcher = on_model(model, (x_train[:batch], y_train[:batch])) if on_model else None
    steps = len(train_set) // batch  # whole batches: the model was built for this size
    result = Result(model)
    started = time.monotonic()
    last_progress = 0.0
    for epoch in range(1, config.epochs + 1):
        model.train()
        epoch_start = time.monotonic()
        permutation = torch.randperm(len(train_set), generator=order).to(device)
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        for step in range(steps):
            index = permutation[step * batch : (step + 1) * batch]
            xb, yb = x_train[index], y_train[index]
            out = _single(model(xb))
            loss = loss_fn(out, _target(yb, out, prepared))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.detach()
            if classify:
                correct += (out.detach().argmax(1) == yb).sum()
            if watcher is not None and hasattr(watcher, "step_end"):
                watcher.step_end(epoch, step + 1)
            now = time.monotonic()
            if now - last_progress > 0.25 or step == steps - 1:
                last_progress = now
                done = (epoch - 1 + (step + 1) / steps) / config.epochs
                elapsed = now - started
                emit(
                    "progress",
                    {
                        "epoch": epoch,
                        "step": step + 1,
                        "steps": steps,
                        "seconds": round(elapsed, 3),
                        "eta": round(elapsed / done - elapsed, 1) if done > 0 else None,
                    },
                )
            if should_stop():
                result.stopped = "cancelled"
                break
        if result.stopped:
            break
        train_loss = float(total_loss) / steps
        if not math.isfinite(train_loss):
            raise NonFiniteLoss(
                f"the loss became {train_loss} in epoch {epoch}: training stopped "
                "(try a smaller learning rate)"
            )
        metrics: dict[str, float] = {"epoch": epoch, "loss": train_loss}
        if classify:
            metrics["accuracy"] = int(correct) / (steps * batch)
        if x_val is not None and y_val is not None:
            metrics.update(evaluate(model, x_val, y_val, batch, loss_fn, prepared))
        metrics["lr"] = float(optimizer.param_groups[0]["lr"])
        if scheduler is not None:
            scheduler.step()
        metrics["seconds"] = round(time.monotonic() - epoch_start, 4)
        if watcher is not None:
            watcher.epoch_end(epoch)
        result.history.append(metrics)
        # `wall` (not a metric) lets a listener measure how late the event arrives.
        emit("metrics", {**metrics, "wall": time.time()})
        if config.max_seconds is not None and time.monotonic() - started > config.max_seconds:
            result.stopped = f"time limit of {config.max_seconds:g} s reached"
            break
    return result


def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch: int,
    loss_fn: nn.Module,
    prepared: Prepared,
) -> dict[str, float]:
    """Validation loss and accuracy, in batches of the built size (the last one padded;
    padding rows are not counted)."""
    model.eval()
    total, correct, count = 0.0, 0, len(x)
    with torch.no_grad():
        for start in range(0, count, batch):
            xb, yb = x[start : start + batch], y[start : start + batch]
            real = len(xb)
            if real < batch:
                xb = torch.cat([xb, xb.new_zeros((batch - real, *xb.shape[1:]))])
            out = _single(model(xb))[:real]
            total += float(loss_fn(out, _target(yb, out, prepared))) * real
            if prepared.loss == "cross_entropy":
                correct += int((out.argmax(1) == yb).sum())
    metrics = {"val_loss": total / count}
    if prepared.loss == "cross_entropy":
        metrics["val_accuracy"] = correct / count
    return metrics


def _single(out: Any) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    raise TrainError("the network has several outputs; training needs one")


def _target(y: torch.Tensor, out: torch.Tensor, prepared: Prepared) -> torch.Tensor:
    if prepared.loss == "bce_with_logits" and y.dtype == torch.long:
        return nn.functional.one_hot(y, out.shape[1]).to(out.dtype)
    if prepared.loss == "mse" and y.shape != out.shape:
        return y.reshape(out.shape).to(out.dtype)
    return y
