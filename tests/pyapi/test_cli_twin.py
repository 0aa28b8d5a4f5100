"""`netcanvas summary|render|convert FILE.py:NAME`: the user's module traced from the
command line gives what nc.from_torch gives in Python, with located errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import netcanvas as nc  # noqa: E402
from netcanvas.cli import main  # noqa: E402

MODEL = """
import torch
from torch import nn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.features(x).mean([2, 3]))


def build():
    return Small()


def with_inputs():
    return Small(), (torch.randn(2, 3, 8, 8),)


def broken():
    x = 1
    raise ValueError("no weights here")
"""


@pytest.fixture()
def user_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_model.py"
    path.write_text(MODEL)
    return path


def load_small(path: Path) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("small_for_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["build", "Small"])
def test_summary_of_a_callable_or_class(
    name: str, user_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["summary", f"{user_file}:{name}", "--input-shape", "1,3,16,16", "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    model = load_small(user_file).Small().eval()  # type: ignore[attr-defined]
    expected = nc.from_torch(model, torch.randn(1, 3, 16, 16)).summary().to_dict()
    assert printed == expected
    assert printed["totals"]["params"] == sum(p.numel() for p in model.parameters())


def test_a_builder_may_return_its_inputs(
    user_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", f"{user_file}:with_inputs", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["nodes"][0]["output_shapes"] == [[2, 3, 8, 8]]


def test_render_and_convert_equal_the_python_api(user_file: Path, tmp_path: Path) -> None:
    target = f"{user_file}:build"
    shape = ["--input-shape", "1,3,16,16"]
    assert main(["render", target, *shape, "--depth", "1", "-o", str(tmp_path / "cli.svg")]) == 0
    assert main(["convert", target, *shape, "-o", str(tmp_path / "cli.yaml")]) == 0
    model = load_small(user_file).Small().eval()  # type: ignore[attr-defined]
    doc = nc.from_torch(model, torch.randn(1, 3, 16, 16))
    doc.render(tmp_path / "api.svg", depth=1)
    doc.save(tmp_path / "api.yaml")
    assert (tmp_path / "cli.svg").read_bytes() == (tmp_path / "api.svg").read_bytes()
    assert (tmp_path / "cli.yaml").read_bytes() == (tmp_path / "api.yaml").read_bytes()


def test_an_exception_in_the_users_code_is_located(
    user_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", f"{user_file}:broken", "--input-shape", "1,3,16,16"]) == 2
    line = MODEL.splitlines().index('    raise ValueError("no weights here")') + 1
    assert capsys.readouterr().err == f"{user_file}:{line}:1: ValueError: no weights here\n"


def test_a_missing_name_or_shape_exits_2(
    user_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", f"{user_file}:nope", "--input-shape", "1,3,16,16"]) == 2
    assert "has no 'nope'" in capsys.readouterr().err
    assert main(["summary", f"{user_file}:build"]) == 2
    assert "--input-shape" in capsys.readouterr().err


def test_as_a_process(user_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "summary", f"{user_file.name}:build",
         "--input-shape", "1,3,16,16"],
        cwd=user_file.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "features.0 (Conv2d)" in done.stdout
