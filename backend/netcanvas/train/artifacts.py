"""What a finished run leaves: ``model.onnx`` with the trained weights, ``model.pt`` (the
state_dict), ``metrics.csv`` (Keras CSVLogger's layout) and ``train.py``, a standalone
script that trains the same model on the same data, with DDP under ``torchrun``."""

from __future__ import annotations

import csv
import io
import json
import warnings
from typing import Any

import torch
from torch import nn

from netcanvas.formats.code.pytorch_writer import generate
from netcanvas.train.runner import TrainConfig
from netcanvas.train.setup import Prepared

COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")


def metrics_csv(history: list[dict[str, float]]) -> bytes:
    names = [c for c in COLUMNS if any(c in row for row in history)]
    names += sorted({k for row in history for k in row} - set(names))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in history:
        writer.writerow(["" if row.get(n) is None else row[n] for n in names])
    return out.getvalue().encode()


def state_dict_bytes(model: nn.Module) -> bytes:
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buffer)
    return buffer.getvalue()


def onnx_bytes(model: nn.Module, prepared: Prepared) -> bytes:
    """The trained model as ONNX (opset 17), batch dimension left free."""
    shape = prepared.graph.node(prepared.input_name).params["shape"]
    example = torch.zeros(shape)
    buffer = io.BytesIO()
    model = model.cpu().eval()
    with warnings.catch_warnings():
        # The TorchScript exporter is the one that needs nothing beyond torch itself.
        warnings.simplefilter("ignore")
        # A file object is accepted too, though the stubs say a path.
        torch.onnx.export(  # type: ignore[call-overload,unused-ignore]
            model,
            (example,),
            buffer,  # type: ignore[arg-type,unused-ignore]
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    return buffer.getvalue()


def train_script(prepared: Prepared, data: dict[str, Any], config: TrainConfig) -> bytes:
    """A script that trains the model as the run did; ``torchrun --nproc_per_node N
    train.py`` trains it with DistributedDataParallel (gloo on CPU, nccl on GPUs)."""
    model_code = generate(prepared.graph, class_name="Network").split(
        '\nif __name__ == "__main__":'
    )[0]
    loss = {
        "cross_entropy": "nn.CrossEntropyLoss()",
        "mse": "nn.MSELoss()",
        "bce_with_logits": "nn.BCEWithLogitsLoss()",
    }[prepared.loss]
    batch = prepared.graph.node(prepared.input_name).params["shape"][0]
    settings = {
        "data": data,
        "epochs": config.epochs,
        "batch_size": batch,
        "lr": config.lr,
        "optimizer": config.optimizer,
        "momentum": config.momentum,
        "weight_decay": config.weight_decay,
        "val_split": config.val_split,
        "seed": config.seed,
    }
    return (
        model_code.rstrip()
        + "\n\n\n"
        + _LOOP.replace("__LOSS__", loss).replace(
            "__SETTINGS_JSON__", json.dumps(settings, indent=4)
        )
    ).encode()


_LOOP = '''# --- training (written by netcanvas) -------------------------------------------------
# Plain:        python train.py
# Distributed:  torchrun --nproc_per_node 2 train.py   (DDP; gloo on CPU, nccl on GPUs)
# The data comes from netcanvas's loaders (pip install netcanvas), as in the app.
import json
import os
import sys

import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

SETTINGS = json.loads("""__SETTINGS_JSON__""")


def load_data():
    from netcanvas.train.datasets import load_dataset

    data = SETTINGS["data"]
    dataset = load_dataset(
        data["name"], data.get("path"), data.get("settings"), seed=SETTINGS["seed"]
    )
    return dataset.split(SETTINGS["val_split"], SETTINGS["seed"])


def main() -> int:
    distributed = "RANK" in os.environ
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    device = torch.device("cpu")
    if torch.cuda.is_available():
        device = torch.device(f"cuda:{rank % torch.cuda.device_count()}")
    torch.manual_seed(SETTINGS["seed"])
    train_set, val_set = load_data()
    model = Network().to(device)
    if distributed:
        model = DistributedDataParallel(model)
    loss_fn = __LOSS__
    params = model.parameters()
    kind, lr, decay = SETTINGS["optimizer"], SETTINGS["lr"], SETTINGS["weight_decay"]
    if kind == "sgd":
        momentum = SETTINGS["momentum"]
        optimizer = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=decay)
    elif kind == "adamw":
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=decay)
    else:
        optimizer = torch.optim.Adam(params, lr=lr, weight_decay=decay)
    x = torch.from_numpy(train_set.x).to(device)
    y = torch.from_numpy(train_set.y).to(device)
    batch = SETTINGS["batch_size"]
    generator = torch.Generator().manual_seed(SETTINGS["seed"])
    for epoch in range(1, SETTINGS["epochs"] + 1):
        model.train()
        order = torch.randperm(len(x), generator=generator)
        mine = order[rank::world]  # each process its own share of the epoch
        steps = len(mine) // batch
        for step in range(steps):
            index = mine[step * batch : (step + 1) * batch].to(device)
            loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()  # DDP averages the gradients across processes here
            optimizer.step()
        if rank == 0:
            metrics = evaluate(model, val_set, device, loss_fn)
            print(json.dumps({"epoch": epoch, **metrics}), flush=True)
    if rank == 0:
        net = model.module if distributed else model
        torch.save(net.state_dict(), "model.pt")
    if distributed:
        # Every process waits for rank 0's last evaluation and save: one that tore its
        # process group down while another still used it was aborted by gloo now and then.
        dist.barrier()
        dist.destroy_process_group()
    return 0


def evaluate(model, val_set, device, loss_fn):
    if len(val_set) == 0:
        return {}
    model.eval()
    batch = SETTINGS["batch_size"]
    x = torch.from_numpy(val_set.x).to(device)
    y = torch.from_numpy(val_set.y).to(device)
    total, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            xb, yb = x[start : start + batch], y[start : start + batch]
            real = len(xb)
            if real < batch:  # the model was written for batches of this size
                xb = torch.cat([xb, xb.new_zeros((batch - real, *xb.shape[1:]))])
            out = model(xb)[:real]
            total += float(loss_fn(out, yb)) * real
            if out.dim() == 2 and yb.dtype == torch.long:
                correct += int((out.argmax(1) == yb).sum())
    result = {"val_loss": total / len(x)}
    if y.dtype == torch.long:
        result["val_accuracy"] = correct / len(x)
    return result


if __name__ == "__main__":
    sys.exit(main())
'''
