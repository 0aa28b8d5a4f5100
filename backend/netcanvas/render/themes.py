"""The five colour themes. A theme maps layer categories to fills and names the few
other colours a figure uses; styles never hard-code a colour."""

from __future__ import annotations

from dataclasses import dataclass, field

# Categories in a fixed order so each gets the same colour in every figure. A category
# the list does not know (a family added later) still gets a stable colour by name.
CATEGORIES = (
    # The commonest first: the colour-blind palette has 8 colours and these get them.
    "convolution",
    "pooling",
    "linear",
    "activation",
    "normalization",
    "merge",
    "io",
    "reshape",
    "dropout",
    "recurrent",
    "attention",
    "loss",
    "elementwise",
    "reduction",
    "detection",
)
OPAQUE = "opaque"

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common form
# of colour-vision deficiency.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#999999",  # grey
)


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str  # secondary text: settings, shapes
    stroke: str  # box outlines
    edge: str
    fills: tuple[str, ...]  # one per category, in CATEGORIES order, cycling
    accents: tuple[str, ...]  # stronger variant of each fill (category strip, 3-D sides)
    error: str = "#D62728"
    group: str = "#555555"
    opaque_fill: str = "#EEEEEE"
    hatched: bool = False  # mono: categories told apart by hatch patterns, not hue
    stroke_width: float = 1.0
    extra: dict[str, str] = field(default_factory=dict)

    def index(self, category: str) -> int:
        if category in CATEGORIES:
            return CATEGORIES.index(category)
        return sum(map(ord, category)) % len(CATEGORIES)

    def fill(self, category: str) -> str:
        if category == OPAQUE:
            return self.opaque_fill
        return self.fills[self.index(category) % len(self.fills)]

    def accent(self, category: str) -> str:
        if category == OPAQUE:
            return self.muted
        return self.accents[self.index(category) % len(self.accents)]


def mix(colour: str, other: str, amount: float) -> str:
    """Blend two #rrggbb colours: ``amount`` of ``other`` into ``colour``."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(x + (y - x) * amount) for x, y in zip(a, b, strict=True)]
    return "#" + "".join(f"{v:02X}" for v in mixed)


# Hues for light/dark/print, one per category, in CATEGORIES order.
_HUES = (
    "#4E79A7",  # convolution: blue
    "#E15759",  # pooling: red
    "#9C6ADE",  # linear: purple
    "#EDC948",  # activation: yellow
    "#59A14F",  # normalization: green
    "#76B7B2",  # merge: teal
    "#9D7660",  # io: brown
    "#B07AA1",  # reshape: mauve
    "#BAB0AC",  # dropout: grey
    "#F28E2B",  # recurrent: orange
    "#FF9DA7",  # attention: pink
    "#79706E",  # loss: dark grey
    "#8CD17D",  # elementwise: light green
    "#D4A6C8",  # reduction: lilac
    "#A0CBE8",  # detection: light blue
)

THEMES: dict[str, Theme] = {
    "light": Theme(
        "light",
        background="#FFFFFF",
        text="#1A1A1A",
        muted="#4D4D4D",
        stroke="#5F6B7A",
        edge="#5F6B7A",
        fills=tuple(mix(h, "#FFFFFF", 0.72) for h in _HUES),
        accents=_HUES,
    ),
    "dark": Theme(
        "dark",
        background="#1E1F24",
        text="#F0F0F0",
        muted="#C4C7CE",
        stroke="#9AA3B0",
        edge="#9AA3B0",
        fills=tuple(mix(h, "#1E1F24", 0.55) for h in _HUES),
        accents=_HUES,
        error="#FF6B6B",
        group="#C4C7CE",
        opaque_fill="#3A3C44",
    ),
    "print": Theme(
        "print",
        background="#FFFFFF",
        text="#000000",
        muted="#222222",
        stroke="#000000",
        edge="#000000",
        fills=tuple(mix(h, "#FFFFFF", 0.82) for h in _HUES),
        accents=tuple(mix(h, "#000000", 0.15) for h in _HUES),
        group="#000000",
        stroke_width=0.8,
    ),
    "colorblind": Theme(
        "colorblind",
        background="#FFFFFF",
        text="#000000",
        muted="#333333",
        stroke="#444444",
        edge="#444444",
        fills=tuple(mix(c, "#FFFFFF", 0.62) for c in OKABE_ITO),
        accents=OKABE_ITO,
        error="#D55E00",
    ),
    "mono": Theme(
        "mono",
        background="#FFFFFF",
        text="#000000",
        muted="#000000",
        stroke="#000000",
        edge="#000000",
        fills=("#FFFFFF",),
        accents=("#000000",),
        error="#000000",
        group="#000000",
        opaque_fill="#FFFFFF",
        hatched=True,
    ),
}

# Mono hatch patterns, one per category: (angle in degrees, spacing px, crossed, dotted).
HATCHES: tuple[tuple[int, float, bool, bool], ...] = (
    (45, 4.0, False, False),
    (-45, 4.0, False, False),
    (0, 4.0, False, False),
    (90, 4.0, False, False),
    (45, 5.0, True, False),
    (0, 5.0, True, False),
    (0, 4.0, False, True),
    (45, 7.0, False, False),
    (-45, 7.0, True, False),
    (0, 7.0, False, False),
    (90, 7.0, False, False),
    (0, 6.0, False, True),
    (45, 3.0, False, False),
    (90, 5.0, True, False),
    (-45, 5.0, False, True),
)


def get_theme(name: str) -> Theme:
    return THEMES[name]
