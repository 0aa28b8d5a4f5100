"""The scene as TikZ: a standalone LaTeX document for papers built with LaTeX (what
PlotNeuralNet users write by hand), drawing exactly what the SVG draws.

Coordinates are the scene's px at 0.75 pt each (96 px per inch, as in the SVG), with y
turned upward; colours are defined once each; text keeps its size, weight, anchor and
rotation; mono hatches become TikZ patterns. ``\\input`` the picture alone by taking the
``tikzpicture`` environment out of the document.
"""

from __future__ import annotations

import re

from netcanvas.render.scene import Circle, Line, Polygon, Primitive, Rect, Scene, Text

PT_PER_PX = 0.75
# TeX's dimensions stop at 16,383 pt (and PDF readers' pages at 14,400 pt): a longer
# figure is scaled to fit, and stays vector.
MAX_SIDE_PT = 14_000.0
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "…": r"\ldots{}",
    "→": r"$\rightarrow$",
}
_SPECIAL_RE = re.compile("|".join(re.escape(k) for k in _SPECIAL))
_PATTERNS = ("north east lines", "north west lines", "horizontal lines", "vertical lines",
             "crosshatch", "grid", "dots", "north east lines")  # fmt: skip
_ANCHORS = {"start": "base west", "middle": "base", "end": "base east"}


def escape(text: str) -> str:
    """LaTeX-safe text (ASCII-only for pdflatex: the few symbols we draw become math)."""
    safe = _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], text)
    return safe.encode("ascii", "replace").decode()


class _Writer:
    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.colours: dict[str, str] = {}
        self.body: list[str] = []
        side = max(scene.width, scene.height, 1.0) * PT_PER_PX
        self.scale = PT_PER_PX * min(1.0, MAX_SIDE_PT / side)

    def colour(self, value: str) -> str:
        value = value.lower()
        if value in ("none", ""):
            return "none"
        if re.fullmatch(r"#[0-9a-f]{3}", value):
            value = "#" + "".join(c * 2 for c in value[1:])
        if not re.fullmatch(r"#[0-9a-f]{6}", value):
            return "black"
        if value not in self.colours:
            self.colours[value] = f"c{len(self.colours)}"
        return self.colours[value]

    def xy(self, x: float, y: float) -> str:
        return f"({x * self.scale:.2f}pt,{(self.scene.height - y) * self.scale:.2f}pt)"

    def paint(self, fill: str, stroke: str, width: float, hatch: int | None, opacity: float) -> str:
        parts = []
        if fill not in ("none", "") and hatch is None:
            parts.append(f"fill={self.colour(fill)}")
        if hatch is not None:
            parts.append(f"fill={self.colour(fill)}" if fill not in ("none", "") else "")
            parts.append(f"pattern={{{_PATTERNS[hatch % len(_PATTERNS)]}}}")
        if stroke not in ("none", ""):
            parts.append(f"draw={self.colour(stroke)}, line width={width * self.scale:.2f}pt")
        if opacity < 1:
            parts.append(f"fill opacity={opacity:.2f}")
        return ", ".join(p for p in parts if p)

    def primitive(self, item: Primitive) -> None:
        if isinstance(item, Text):
            size = item.size * self.scale
            weight = r"\bfseries" if item.bold else ""
            rotate = f", rotate={-item.rotate:g}" if item.rotate else ""
            self.body.append(
                f"\\node[anchor={_ANCHORS[item.anchor]}, inner sep=0pt, "
                f"text={self.colour(item.color)}{rotate}, "
                f"font=\\fontsize{{{size:.1f}pt}}{{{size * 1.2:.1f}pt}}\\selectfont{weight}] "
                f"at {self.xy(item.x, item.y)} {{{escape(item.text)}}};"
            )
        elif isinstance(item, Rect):
            style = self.paint(item.fill, item.stroke, item.stroke_width, item.hatch, item.opacity)
            if item.rx:
                style += f", rounded corners={item.rx * self.scale:.2f}pt"
            if item.dash:
                style += ", dashed"
            self.body.append(
                f"\\path[{style}] {self.xy(item.x, item.y + item.h)} rectangle "
                f"{self.xy(item.x + item.w, item.y)};"
            )
        elif isinstance(item, Polygon):
            style = self.paint(item.fill, item.stroke, item.stroke_width, item.hatch, item.opacity)
            path = " -- ".join(self.xy(x, y) for x, y in item.points)
            self.body.append(f"\\path[{style}, line join=round] {path} -- cycle;")
        elif isinstance(item, Line):
            self.line(item.points, item.stroke, item.width, item.arrow, item.dash, item.opacity)
        elif isinstance(item, Circle):
            style = self.paint(item.fill, item.stroke, item.stroke_width, None, 1.0)
            self.body.append(
                f"\\path[{style}] {self.xy(item.cx, item.cy)} circle ({item.r * self.scale:.2f}pt);"
            )

    def line(
        self,
        points: list[tuple[float, float]],
        stroke: str,
        width: float,
        arrow: bool,
        dash: str | None = None,
        opacity: float = 1.0,
    ) -> None:
        if len(points) < 2:
            return
        style = [f"draw={self.colour(stroke)}", f"line width={width * self.scale:.2f}pt"]
        style.append("line join=round")
        if arrow:
            style.append("-{Stealth[length=4.5pt]}")
        if dash:
            style.append("dashed")
        if opacity < 1:
            style.append(f"draw opacity={opacity:.2f}")
        path = " -- ".join(self.xy(x, y) for x, y in points)
        self.body.append(f"\\path[{', '.join(style)}] {path};")

    def document(self) -> str:
        scene = self.scene
        self.body.append(
            f"\\path[fill={self.colour(scene.background)}] {self.xy(0, scene.height)} "
            f"rectangle {self.xy(scene.width, 0)};"
        )
        for item in scene.under:
            self.primitive(item)
        for edge in scene.edges:
            self.line(edge.points, scene.edge_color, 1.1, scene.arrows)
        for box in scene.nodes:
            self.body.append(f"% layer {escape(box.name)}")
            for item in box.items:
                self.primitive(item)
        for edge in scene.edges:
            if edge.label is not None:
                self.primitive(edge.label)
        for item in scene.over:
            self.primitive(item)
        colours = [
            f"\\definecolor{{{name}}}{{HTML}}{{{value.lstrip('#').upper()}}}"
            for value, name in self.colours.items()
            if re.fullmatch(r"#[0-9a-f]{6}", value)
        ]
        title = f"% {escape(scene.title)}\n" if scene.title else ""
        width, height = scene.width * self.scale, scene.height * self.scale
        # article + geometry (in texlive-latex-base) rather than the standalone class
        # (texlive-latex-extra): the page is the picture's size.
        return "\n".join(
            [
                "% Drawn by netcanvas. Compile with pdflatex; or \\input the tikzpicture.",
                title + "\\documentclass{article}",
                "\\usepackage[T1]{fontenc}",
                "\\renewcommand{\\familydefault}{\\sfdefault}  % as the SVG: sans-serif",
                f"\\usepackage[paperwidth={width:.2f}pt,paperheight={height:.2f}pt,margin=0pt]"
                "{geometry}",
                "\\usepackage{tikz}",
                "\\usetikzlibrary{arrows.meta,patterns}",
                "\\pagestyle{empty}",
                "\\begin{document}",
                *colours,
                "\\noindent\\begin{tikzpicture}[x=1pt,y=1pt]",
                *self.body,
                "\\end{tikzpicture}",
                "\\end{document}",
                "",
            ]
        )


def to_tikz(scene: Scene) -> str:
    """The scene as a standalone LaTeX document with one tikzpicture."""
    return _Writer(scene).document()
