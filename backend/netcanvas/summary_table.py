"""The human table of `netcanvas summary` and of the Python API's ``Summary``: one row
per layer, then totals and problems (Keras ``summary()``-like)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis


def human(n: float, unit: str = "") -> str:
    """1234567 -> '1.23 M'."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.2f} {suffix}{unit}"
    return f"{n:g} {unit}".rstrip()


def format_table(analysis: Analysis) -> str:
    """A Keras-``summary()``-like table: one row per layer, then totals and problems."""
    from netcanvas.graph.shapes import fmt

    total = analysis.params or 1
    rows = []
    for n in analysis.nodes:
        shape = ", ".join(fmt(s) for s in n.output_shapes) or "?"
        mark = "  !" if n.error else ""
        rows.append(
            (
                f"{n.name} ({n.type}){mark}",
                shape,
                f"{n.params:,}",
                f"{n.macs:,}",
                f"{100 * n.params / total:.1f}%",
            )
        )
    head = ("Layer (type)", "Output shape", "Params", "MACs", "% params")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = "  ".join("─" * w for w in widths)

    def row(cells: tuple[str, ...]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs).rstrip()

    out = [f'Network "{analysis.name}"', line, row(head), line.replace("─", "═")]
    out += [row(r) for r in rows]
    out += [
        line,
        f"Total params:      {analysis.params:,} ({human(analysis.params)})",
        f"Total MACs:        {analysis.macs:,} ({human(analysis.macs)})",
        f"Activation memory: {analysis.activation_bytes / 2**20:,.2f} MB",
    ]
    if not analysis.complete and analysis.ok:
        out += ["", *(f"Caveat: {reason}." for reason in analysis.incomplete_reasons)]
    if analysis.errors:
        out += ["", f"Errors ({len(analysis.errors)}):", *(f"  {e}" for e in analysis.errors)]
    if analysis.warnings:
        out += ["", f"Warnings ({len(analysis.warnings)}):", *(f"  {w}" for w in analysis.warnings)]
    return "\n".join(out) + "\n"
