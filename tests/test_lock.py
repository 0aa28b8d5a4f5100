"""The lock files and pyproject.toml say the same thing, and every install goes through them."""

from __future__ import annotations

import importlib.util
import re
import shutil
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lock_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_script", ROOT / "scripts" / "lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock = _lock_script()


def test_the_locks_are_in_step_with_pyproject() -> None:
    assert lock.check(lock.read_pyproject()) == []


def _copy_with(tmp_path: Path, edit: str, replacement: str) -> dict[str, object]:
    text = (ROOT / "pyproject.toml").read_text()
    assert edit in text
    path = tmp_path / "pyproject.toml"
    path.write_text(text.replace(edit, replacement, 1))
    with path.open("rb") as f:
        return tomllib.load(f)


def test_a_dependency_added_to_pyproject_only_fails(tmp_path: Path) -> None:
    edited = _copy_with(tmp_path, "dependencies = [\n", 'dependencies = [\n    "left-pad>=1.0",\n')
    problems = lock.check(edited)
    assert "app.txt does not pin left-pad (required as left-pad>=1.0)" in problems
    assert "test.txt does not pin left-pad (required as left-pad>=1.0)" in problems
    assert any("app.txt was not made from pyproject.toml" in p for p in problems)


def test_a_dependency_added_to_an_extra_only_fails(tmp_path: Path) -> None:
    edited = _copy_with(tmp_path, "test = [\n", 'test = [\n    "left-pad>=1.0",\n')
    problems = lock.check(edited)
    assert "test.txt does not pin left-pad (required as left-pad>=1.0)" in problems
    assert not any(p.startswith("app.txt") for p in problems)


def test_a_range_the_lock_falls_outside_fails(tmp_path: Path) -> None:
    edited = _copy_with(tmp_path, '"pyyaml>=6.0"', '"pyyaml>=99"')
    problems = lock.check(edited)
    assert any(re.fullmatch(r"app\.txt pins pyyaml==\S+, outside pyyaml>=99", p) for p in problems)


def test_a_dependency_dropped_from_pyproject_but_still_locked_fails(tmp_path: Path) -> None:
    edited = _copy_with(tmp_path, '    "keras>=3.3",\n', "")
    problems = lock.check(edited)
    assert problems == ["test.txt was not made from pyproject.toml as it is: run `make lock`"]


def test_a_lock_edited_by_hand_fails(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    app = tmp_path / "requirements" / "app.txt"
    text = app.read_text()
    app.write_text(re.sub(r"^pyyaml==\S+", "pyyaml==5.4.1", text, flags=re.M))
    problems = lock.check(lock.read_pyproject(), tmp_path / "requirements")
    assert problems == ["app.txt pins pyyaml==5.4.1, outside pyyaml>=6.0"]


@pytest.mark.parametrize(
    "name", ["app.txt", "run.txt", "test.txt", "build.txt", "uv.txt", "zoo.txt"]
)
def test_every_locked_package_is_exact_and_hashed(name: str) -> None:
    text = (ROOT / "requirements" / name).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
    packages = [e for e in entries if not e.startswith("#")]
    assert packages
    for entry in packages:
        assert re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?==\S+", entry), entry
        assert "--hash=sha256:" in entry, entry


def test_torch_is_the_cpu_build() -> None:
    assert re.search(r"^torch==2\.13\.0\+cpu ", (ROOT / "requirements/test.txt").read_text(), re.M)


def test_every_install_reads_a_lock() -> None:
    """No `pip install` in the Makefile or the Dockerfile resolves versions on its own."""
    for path in (ROOT / "Makefile", ROOT / "docker" / "Dockerfile"):
        text = path.read_text().replace("\\\n", " ")
        installs = re.findall(r"(?:pip|\$\(SYNC\)|pip install)[^\n]*", text)
        commands = [c for c in installs if "install" in c or c.startswith("$(SYNC)")]
        assert commands, path
        for command in commands:
            hashed = "--require-hashes" in command or command.startswith("$(SYNC)")
            assert hashed or "--no-deps" in command, f"{path.name}: {command}"
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes" in makefile.split("SYNC   :=")[1].split("\n")[0]
    for lock_file in ("run.txt", "test.txt", "uv.txt", "build.txt", "zoo.txt"):
        assert f"requirements/{lock_file}" in makefile


def test_the_zoo_pins_its_own_torch_beside_torchvision() -> None:
    pins = lock.pinned((ROOT / "requirements" / "zoo.txt").read_text())
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"
    project = lock.pinned((ROOT / "requirements" / "run.txt").read_text())
    for name in ("pydantic", "pyyaml", "onnx"):  # netcanvas runs there with the same versions
        assert pins[name] == project[name], name
