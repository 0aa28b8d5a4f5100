"""The docs stay true: the layer catalogue is regenerated from the registry."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator(script: str = "gen_layer_docs.py"):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_layer_catalogue_is_current() -> None:
    gen = _generator()
    assert gen.OUT.read_text() == gen.render(), "docs/layers.md is stale: run `make docs`"


def test_layer_family_index_is_current() -> None:
    """The lazy registry finds each type's family through index.py: a stale index would
    make a new type look opaque."""
    gen = _generator()
    assert gen.INDEX.read_text() == gen.render_index(), "layers/index.py is stale: run `make docs`"


def test_template_files_are_what_their_generator_writes() -> None:
    gen = _generator("gen_templates.py")
    files = {p.stem for p in gen.OUT.glob("*.yaml")}
    assert files == set(gen.BUILDERS), "templates without a builder, or builders not written"
    stale = [
        slug for slug in gen.BUILDERS if (gen.OUT / f"{slug}.yaml").read_text() != gen.render(slug)
    ]
    assert stale == [], f"stale templates: {stale}: run `python scripts/gen_templates.py`"


def test_readme_names_the_two_commands_and_every_cli_verb() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    for verb in (
        "serve",
        "summary",
        "render",
        "convert",
        "diff",
        "train",
        "inspect",
        "runs",
        "plot",
    ):
        assert f"netcanvas {verb}" in readme
