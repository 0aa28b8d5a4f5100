"""Metric names matched to Keras's ``History`` names, and what each metric means.

The five Keras names (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``) are
kept. Other names are split into a *phase*, a *base* and an *affix* and rebuilt the Keras way
when the base is known or the phase is explicit:

==========================================  =====================================
logged as                                   read as
==========================================  =====================================
``acc``, ``train_acc``, ``epoch_accuracy``   ``accuracy``
``epoch_loss``, ``train_loss``,             ``loss``
``train/loss``, ``Loss/train``,
``train_loss_epoch``, ``training_loss``
``val_acc``, ``val/acc``, ``eval_accuracy``  ``val_accuracy``
``val/loss``, ``valid_loss``,                ``val_loss``
``validation_loss``, ``Loss/val``,
``val_loss_epoch``, ``eval_loss``
``test/loss``, ``Loss/test``                 ``test_loss``
``learning_rate``, ``epoch_lr``,             ``lr``
``lr-Adam`` (Lightning's LR monitor)
``train_loss_step``, ``batch_loss``          ``loss_step`` (logged every step)
``val/f1``, ``train/f1``                     ``val_f1``, ``f1``
``grad_norm``, ``Accuracy/top5``             unchanged (nothing known to map)
==========================================  =====================================

Phases: ``train``/``training`` (no prefix), ``val``/``valid``/``validation``/``eval``/
``evaluation``/``dev`` (``val_``), ``test`` (``test_``). Separators ``_ / . -`` and spaces;
case is ignored once something is recognised. ``_epoch`` suffixes (Lightning's
epoch-level aggregates) and Keras TensorBoard's ``epoch_`` prefix are dropped; ``_step``
suffixes and ``batch_`` prefixes become ``_step``. When two names of one run map to the
same name, the closer one wins (an exact Keras name, then an alias, then a per-step
variant) and the other keeps its logged name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

KERAS_NAMES = ("loss", "accuracy", "val_loss", "val_accuracy", "lr")
_SPLIT = re.compile(r"[\s/._\-]+")
_PHASES = {
    "train": "",
    "training": "",
    "val": "val_",
    "valid": "val_",
    "validation": "val_",
    "eval": "val_",
    "evaluation": "val_",
    "dev": "val_",
    "test": "test_",
}
_ALIASES = {"acc": "accuracy", "learning_rate": "lr", "lr": "lr", "loss": "loss"}
_KNOWN_BASES = {"loss", "accuracy", "lr"}

_MIN_WORDS = {
    "loss", "error", "err", "mse", "mae", "rmse", "nll", "perplexity", "ppl", "wer", "cer",
    "entropy", "crossentropy", "fid", "bpd", "bpc",
}  # fmt: skip
_MAX_WORDS = {
    "accuracy", "acc", "auc", "f1", "precision", "recall", "iou", "miou", "map", "bleu",
    "rouge", "dice", "r2", "top1", "top5", "psnr", "ssim", "score",
}  # fmt: skip


def canonical(name: str) -> tuple[str, int]:
    """The Keras-style name of a logged metric and how closely it matched.

    The rank is 0 for a Keras name as logged, 1 for an alias, 2 for a per-step variant and
    3 for a name left as it was.

    >>> canonical("val_acc"), canonical("Loss/train"), canonical("grad_norm")
    (('val_accuracy', 1), ('loss', 1), ('grad_norm', 3))
    """
    if name in KERAS_NAMES:
        return name, 0
    tokens = [t for t in _SPLIT.split(name.strip().lower()) if t]
    if not tokens:
        return name, 3
    phase: str | None = None
    for index in (0, -1):
        if len(tokens) > 1 and tokens[index] in _PHASES:
            phase = _PHASES[tokens.pop(index)]
            break
    per_step = False
    if len(tokens) > 1 and tokens[0] in ("epoch", "batch"):
        per_step = tokens.pop(0) == "batch"
    if len(tokens) > 1 and tokens[-1] in ("epoch", "step"):
        per_step = tokens.pop() == "step" or per_step
    if phase is None and len(tokens) > 1 and tokens[0] in _PHASES:
        phase = _PHASES[tokens.pop(0)]  # e.g. train_loss_step: the suffix came off first
    base = "_".join(tokens)
    if tokens[0] == "lr" and "-" in name:
        base = "lr"  # Lightning's LearningRateMonitor: lr-Adam, lr-SGD/pg1
    base = _ALIASES.get(base, base)
    if base not in _KNOWN_BASES and phase is None:
        return name, 3
    result = (phase or "") + base + ("_step" if per_step else "")
    return result, 2 if per_step else 1


def canonical_names(names: Iterable[str]) -> dict[str, str]:
    """Map each logged name of one run to its Keras-style name, without collisions.

    >>> canonical_names(["train_loss_step", "train_loss_epoch", "val_acc"])
    {'train_loss_step': 'loss_step', 'train_loss_epoch': 'loss', 'val_acc': 'val_accuracy'}
    """
    names = list(names)
    ranked = sorted(
        ((canonical(n)[1], i, n, canonical(n)[0]) for i, n in enumerate(names)),
    )
    taken: set[str] = set()
    result: dict[str, str] = {}
    for _rank, _index, raw, mapped in ranked:
        target = mapped if mapped not in taken else raw
        if target in taken:  # the raw name itself was claimed by another mapping
            target = f"{raw} ({len(taken)})"
        taken.add(target)
        result[raw] = target
    return {n: result[n] for n in names}


Goal = Literal["min", "max"]


def goal(name: str) -> Goal | None:
    """Whether lower or higher is better for a metric: ``min`` for losses and errors,
    ``max`` for accuracies and scores, ``None`` when the name does not say (``lr``).

    >>> goal("val_loss"), goal("top5_accuracy"), goal("lr")
    ('min', 'max', None)
    """
    tokens = set(_SPLIT.split(name.lower()))
    if tokens & _MIN_WORDS:
        return "min"
    if tokens & _MAX_WORDS or any(t.endswith("accuracy") for t in tokens):
        return "max"
    return None


def family(name: str) -> tuple[str, str]:
    """The panel a metric belongs in and its phase within it.

    >>> family("val_loss"), family("loss"), family("loss_step"), family("test_accuracy")
    (('loss', 'val'), ('loss', 'train'), ('loss', 'train (step)'), ('accuracy', 'test'))
    """
    phase = "train"
    base = name
    for prefix, label in (("val_", "val"), ("test_", "test")):
        if name.startswith(prefix) and len(name) > len(prefix):
            phase, base = label, name[len(prefix) :]
            break
    if base.endswith("_step") and len(base) > 5:
        base = base[:-5]
        phase += " (step)"
    return base, phase


def family_of_request(name: str) -> str:
    """A family named on the command line (``--layout acc,learning_rate``), made canonical.

    >>> family_of_request("acc"), family_of_request("Loss")
    ('accuracy', 'loss')
    """
    key = name.strip().lower()
    return _ALIASES.get(key, key)
