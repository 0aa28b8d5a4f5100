"""The built-in template gallery: one netcanvas YAML file per template, slug = file stem.

Each file's ``meta`` carries ``title``, ``description`` and the ``reference`` its numbers
are checked against (tests/templates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from netcanvas.formats import native
from netcanvas.graph.model import Graph

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Template:
    slug: str
    name: str
    description: str
    reference: str
    text: str

    def graph(self) -> Graph:
        return native.load(self.text)


@cache
def slugs() -> tuple[str, ...]:
    folder = resources.files(__name__)
    return tuple(
        sorted(
            entry.name.removesuffix(".yaml")
            for entry in folder.iterdir()
            if entry.name.endswith(".yaml")
        )
    )


@cache
def get(slug: str) -> Template:
    """The template named ``slug``; KeyError if there is none."""
    if not SLUG.match(slug) or slug not in slugs():
        raise KeyError(slug)
    text = resources.files(__name__).joinpath(f"{slug}.yaml").read_text(encoding="utf-8")
    graph = native.load(text)
    meta = graph.meta
    return Template(
        slug=slug,
        name=str(meta.get("title", graph.name)),
        description=str(meta.get("description", "")),
        reference=str(meta.get("reference", "")),
        text=text,
    )


def all_templates() -> list[Template]:
    return [get(slug) for slug in slugs()]
