"""What a training-curve figure shows: its options, and which metric of which run goes in
which panel (one panel per metric family, train / validation / test of a family together)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from netcanvas.logs.model import Run
from netcanvas.logs.names import canonical, family, family_of_request
from netcanvas.logs.smoothing import XAxis

Legend = Literal["best", "outside", "none"]
_PHASE_ORDER = ("train", "val", "test")
_PHASE_LABEL = {"val": "validation"}


class PlotError(ValueError):
    """The figure cannot be made: no such metric, nothing to draw, a bad option."""


@dataclass
class PlotOptions:
    """What ``netcanvas plot`` can be told; every field has a paper-ready default.

    >>> PlotOptions(theme="print", width="8.5cm").width
    '8.5cm'
    """

    metrics: Sequence[str] | None = None
    smooth: float = 0.0
    x: XAxis = "step"
    theme: str = "light"
    width: str | None = None  # default: 3.3in for one panel, 6.9in for several
    font_size: float = 8.0
    layout: Sequence[str] | None = None
    log_y: bool = False
    legend: Legend = "best"
    title: str | None = None
    dpi: int = 300

    def check(self) -> None:
        """Raise :class:`PlotError` for an option no figure can have.

        >>> PlotOptions(smooth=0.99).check()
        """
        from netcanvas.render.themes import THEMES

        if self.theme not in THEMES:
            raise PlotError(f"--theme must be one of {', '.join(THEMES)}, got '{self.theme}'")
        if not 0 <= self.smooth < 1:
            raise PlotError(
                f"--smooth must be in [0, 1) as TensorBoard's slider, got {self.smooth:g}"
            )
        if self.x not in ("step", "epoch", "time"):
            raise PlotError(f"--x must be step, epoch or time, got '{self.x}'")
        if self.legend not in ("best", "outside", "none"):
            raise PlotError(f"--legend must be best, outside or none, got '{self.legend}'")
        if not 2 <= self.font_size <= 72:
            raise PlotError(f"--font-size must be between 2 and 72 pt, got {self.font_size:g}")
        if not 10 <= self.dpi <= 2400:
            raise PlotError(f"--dpi must be between 10 and 2400, got {self.dpi}")
        if self.width is not None:
            width_inches(self.width)


def width_inches(text: str) -> float:
    """A physical width in inches (``netcanvas.render.text.parse_length``'s units).

    >>> width_inches("3.3in"), width_inches("8.5cm"), width_inches("240pt")
    (3.3, 3.346456693, 3.333333333)
    """
    from netcanvas.render.text import parse_length

    try:
        pixels, _unit = parse_length(text)
    except ValueError as bad:
        raise PlotError(f"--{bad}") from None
    return round(pixels / 96, 9)


@dataclass
class Entry:
    run_index: int
    run: Run
    metric: str
    phase: str
    key: int  # index of (run, phase) among all entries: the same style in every panel


@dataclass
class Panel:
    family: str
    entries: list[Entry]


def plan(runs: Sequence[Run], options: PlotOptions) -> list[Panel]:
    """Which metric of which run goes in which panel.

    >>> from netcanvas.logs.model import Series
    >>> s = Series.from_points([(0, 1.0)])
    >>> run = Run("a", "a.csv", {"loss": s, "val_loss": s, "accuracy": s, "lr": s})
    >>> [(p.family, [e.metric for e in p.entries]) for p in plan([run], PlotOptions())]
    [('loss', ['loss', 'val_loss']), ('accuracy', ['accuracy'])]
    """
    present = list(dict.fromkeys(m for run in runs for m in run.metrics if m != "epoch"))
    if not present:
        raise PlotError("the logs hold no metrics to plot")
    chosen = present
    if options.metrics:
        chosen = []
        for wanted in options.metrics:
            name = wanted if wanted in present else canonical(wanted)[0]
            if name not in present:
                raise PlotError(f"no run logs '{wanted}' (metrics: {', '.join(present)})")
            chosen.append(name)
    families: list[str] = list(dict.fromkeys(family(m)[0] for m in chosen))
    if options.layout:
        requested = [family_of_request(f) for f in options.layout if f.strip()]
        missing = [f for f in requested if f not in families]
        if missing:
            raise PlotError(
                f"--layout: no metric of family '{missing[0]}' (families: {', '.join(families)})"
            )
        families = list(dict.fromkeys(requested))
    elif not options.metrics:
        common: list[str] = [f for f in ("loss", "accuracy") if f in families]
        families = common or families
    keys: dict[tuple[int, str], int] = {}
    panels = []
    for fam in families:
        entries = []
        for index, run in enumerate(runs):
            mine = [m for m in chosen if m in run.metrics and family(m)[0] == fam]
            mine.sort(key=lambda m: _phase_rank(family(m)[1]))
            for metric in mine:
                phase = family(metric)[1]
                key = keys.setdefault((index, phase), len(keys))
                entries.append(Entry(index, run, metric, phase, key))
        if entries:
            panels.append(Panel(fam, entries))
    return panels


def _phase_rank(phase: str) -> tuple[int, str]:
    base = phase.split(" ", 1)[0]
    return (_PHASE_ORDER.index(base) if base in _PHASE_ORDER else 3, phase)


def legend_labels(panels: list[Panel]) -> list[str]:
    """Legend labels by style key: the run, the phase, or both when both vary.

    >>> from netcanvas.logs.model import Series
    >>> s = Series.from_points([(0, 1.0)])
    >>> runs = [Run("a", "a", {"loss": s, "val_loss": s}), Run("b", "b", {"loss": s})]
    >>> legend_labels(plan(runs, PlotOptions()))
    ['a (train)', 'a (validation)', 'b (train)']
    """
    runs = {e.run_index for p in panels for e in p.entries}
    phases = {e.phase for p in panels for e in p.entries}
    labels: dict[int, str] = {}
    for entry in (e for p in panels for e in p.entries):
        phase = _PHASE_LABEL.get(entry.phase.split(" ", 1)[0], entry.phase.split(" ", 1)[0])
        phase += entry.phase[len(entry.phase.split(" ", 1)[0]) :]
        if len(phases) == 1:
            text = entry.run.name
        elif len(runs) == 1:
            text = phase
        else:
            text = f"{entry.run.name} ({phase})"
        labels.setdefault(entry.key, text)
    return [labels[k] for k in sorted(labels)]
