"""Matplotlib style settings derived from netcanvas's figure themes (``render/themes.py``).

Each theme gives the figure its background, text, axis and grid colours; the line colours
are the theme's accent colours that stand out enough from its background to draw a thin
line: a contrast ratio of at least 3 (WCAG 2.1's bar for graphics), or 2 for the
``colorblind`` theme's Okabe-Ito palette, which keeps its orange and sky blue and drops
only its yellow. ``mono`` draws
every line in the text colour and tells series apart by dash pattern and marker.
Text is DejaVu Sans (shipped with matplotlib: the same glyphs everywhere); PDF embeds it
as TrueType (``pdf.fonttype`` 42) so its text can be selected and searched.
"""

from __future__ import annotations

from typing import Any

from netcanvas.render.themes import OKABE_ITO, THEMES, Theme, mix

# Dash patterns (matplotlib on/off sequences in line widths) and markers for mono.
DASHES: tuple[tuple[float, tuple[float, ...] | None], ...] = (
    (0, None),
    (0, (5.0, 2.0)),
    (0, (1.0, 1.5)),
    (0, (6.0, 1.5, 1.0, 1.5)),
    (0, (3.0, 1.5)),
    (0, (8.0, 2.0, 1.0, 2.0, 1.0, 2.0)),
    (0, (1.0, 3.0)),
    (0, (10.0, 3.0)),
)
MARKERS = ("o", "s", "^", "D", "v", "x", "+", "*")
# Line style of each phase for the colour themes (colour tells the runs apart).
PHASE_DASHES = {"train": "-", "val": "--", "test": ":"}
SALT = "netcanvas"


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours.

    >>> round(contrast("#000000", "#FFFFFF"), 1)
    21.0
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def line_colours(theme: Theme) -> list[str]:
    """The theme's colours for lines, in its order, those too faint on its background left out.

    >>> line_colours(THEMES["mono"])
    ['#000000']
    >>> "#F0E442" in line_colours(THEMES["colorblind"])  # Okabe-Ito yellow on white
    False
    """
    if theme.hatched:
        return [theme.text]
    source = OKABE_ITO if theme.name == "colorblind" else theme.accents
    least = 2.0 if theme.name == "colorblind" else 3.0
    chosen = [c for c in dict.fromkeys(source) if contrast(c, theme.background) >= least]
    return chosen or [theme.text]


def rc_params(theme_name: str, font_size: float) -> dict[str, Any]:
    """Matplotlib ``rcParams`` for a netcanvas theme at a base font size in points.

    >>> rc = rc_params("dark", 8)
    >>> rc["axes.facecolor"], rc["pdf.fonttype"]
    ('#1E1F24', 42)
    """
    from cycler import cycler

    theme = THEMES[theme_name]
    axis = theme.muted
    grid = mix(theme.background, theme.text, 0.14)
    small = font_size * 0.9
    return {
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": font_size,
        "axes.titlesize": font_size,
        "axes.labelsize": font_size,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "legend.fontsize": small,
        "figure.titlesize": font_size * 1.15,
        "figure.facecolor": theme.background,
        "savefig.facecolor": theme.background,
        "axes.facecolor": theme.background,
        "axes.edgecolor": axis,
        "axes.labelcolor": theme.text,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "axes.prop_cycle": cycler(color=line_colours(theme)),
        "grid.color": grid,
        "grid.linewidth": 0.5,
        "text.color": theme.text,
        "xtick.color": axis,
        "ytick.color": axis,
        "xtick.labelcolor": theme.text,
        "ytick.labelcolor": theme.text,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 2.5,
        "ytick.major.size": 2.5,
        "lines.linewidth": 1.1,
        "lines.markersize": 3.0,
        "legend.frameon": True,
        "legend.framealpha": 0.85,
        "legend.facecolor": theme.background,
        "legend.edgecolor": grid,
        "legend.fancybox": False,
        "legend.handlelength": 2.6,
        "legend.borderaxespad": 0.4,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "none",
        "svg.hashsalt": SALT,
        "path.simplify": True,
    }


def series_style(
    theme_name: str, index: int, run_index: int, phase: str, runs: int
) -> dict[str, Any]:
    """Keyword arguments of ``Axes.plot`` for one series.

    Colour themes: one colour per run and one dash per phase (train solid, validation
    dashed), or one colour per phase when there is one run. ``mono``: the text colour,
    dash pattern ``index``, and a marker per run when there are several.

    >>> series_style("mono", 1, 0, "val", 1)["dashes"]
    (5.0, 2.0)
    """
    theme = THEMES[theme_name]
    style: dict[str, Any]
    if theme.hatched:
        _, dashes = DASHES[index % len(DASHES)]
        style = {"color": theme.text, "linestyle": "-"}
        if dashes is not None:
            style["dashes"] = dashes
        if runs > 1:
            style.update(marker=MARKERS[run_index % len(MARKERS)], markerfacecolor="none")
        return style
    colours = line_colours(theme)
    colour = colours[(run_index if runs > 1 else index) % len(colours)]
    style = {"color": colour, "linestyle": PHASE_DASHES.get(phase.split(" ", 1)[0], "-.")}
    if phase.endswith("(step)"):
        style.update(linewidth=0.7, alpha=0.6)
    return style
