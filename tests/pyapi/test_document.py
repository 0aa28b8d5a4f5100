"""The Python API's document against the command line: the same file gives the same
summary object, the same figure bytes and the same exported files as `netcanvas`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import netcanvas as nc
from netcanvas.cli import main

TEMPLATES = Path(__file__).resolve().parents[2] / "backend" / "netcanvas" / "templates"
CAFFE = Path(__file__).resolve().parents[1] / "fixtures" / "caffe" / "small_train_test.prototxt"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.mark.parametrize("path", [TEMPLATES / "resnet18.yaml", CAFFE])
def test_summary_equals_the_cli(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = nc.load(path)
    _, printed = cli(capsys, "summary", str(path), "--json")
    assert doc.summary().to_dict() == json.loads(printed)
    _, table = cli(capsys, "summary", str(path))
    assert str(doc.summary()) == table


def test_load_bytes_with_a_format(capsys: pytest.CaptureFixture[str]) -> None:
    path = TEMPLATES / "lenet5.yaml"
    doc = nc.load(path.read_bytes(), format="yaml")
    _, printed = cli(capsys, "summary", str(path), "--json")
    assert doc.summary().to_dict() == json.loads(printed)


def test_load_takes_input_shapes_like_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    doc = nc.load(TEMPLATES / "lenet5.yaml", input_shapes={"image": [4, 1, 32, 32]})
    _, printed = cli(
        capsys, "summary", str(TEMPLATES / "lenet5.yaml"), "--json", "--input-shape",
        "image=4,1,32,32",
    )  # fmt: skip
    assert doc.summary().to_dict() == json.loads(printed)


FIGURES = [
    ("svg", {}, []),
    ("svg", {"style": "blocks", "theme": "dark", "fold": True}, ["--style", "blocks",
                                                                "--theme", "dark", "--fold"]),
    ("svg", {"rankdir": "LR", "show_params": True, "show_macs": True, "title": "R18"},
     ["--rankdir", "LR", "--show-params", "--show-macs", "--title", "R18"]),
    ("svg", {"overlay": "macs", "stack": True, "show_shapes": False},
     ["--overlay", "macs", "--stack", "--no-shapes"]),
    ("png", {"dpi": 48}, ["--dpi", "48"]),
    ("pdf", {"theme": "print", "width": "3.3in"}, ["--theme", "print", "--width", "3.3in"]),
    ("tex", {}, []),
]  # fmt: skip


@pytest.mark.parametrize(("ext", "options", "argv"), FIGURES)
def test_render_writes_the_cli_bytes(
    ext: str, options: dict[str, object], argv: list[str], tmp_path: Path
) -> None:
    source = TEMPLATES / "resnet18.yaml"
    ours, theirs = tmp_path / f"api.{ext}", tmp_path / f"cli.{ext}"
    nc.load(source).render(ours, **options)
    assert main(["render", str(source), "-o", str(theirs), *argv]) == 0
    assert undated(ours.read_bytes()) == undated(theirs.read_bytes())


def undated(data: bytes) -> bytes:
    """cairo stamps each PDF with the second it was made: that field alone may differ."""
    return re.sub(rb"/CreationDate \(D:\d+Z\)", b"/CreationDate ()", data)


def test_render_overlay_from_a_file(tmp_path: Path) -> None:
    source = TEMPLATES / "lenet5.yaml"
    values = tmp_path / "latency.csv"
    values.write_text("node,value\nconv1,3.5\nconv2,1.25\n")
    ours, theirs = tmp_path / "api.svg", tmp_path / "cli.svg"
    nc.load(source).render(ours, overlay=str(values))
    assert main(["render", str(source), "-o", str(theirs), "--overlay", str(values)]) == 0
    assert ours.read_bytes() == theirs.read_bytes()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("out.yaml", None), ("out.json", None), ("out.prototxt", None), ("out.onnx", None),
     ("out.py", None), ("out.keras.py", None), ("out.txt", "yaml")],
)  # fmt: skip
def test_save_writes_the_cli_bytes(name: str, fmt: str | None, tmp_path: Path) -> None:
    source = TEMPLATES / "resnet18.yaml"
    (tmp_path / "api").mkdir()
    (tmp_path / "cli").mkdir()
    ours, theirs = tmp_path / "api" / name, tmp_path / "cli" / name
    nc.load(source).save(ours, format=fmt)
    argv = ["convert", str(source), "-o", str(theirs)] + (["--to", fmt] if fmt else [])
    assert main(argv) == 0
    assert ours.read_bytes() == theirs.read_bytes()


def test_convert_is_save_with_a_dynamic_batch(tmp_path: Path) -> None:
    source = TEMPLATES / "lenet5.yaml"
    ours, theirs = tmp_path / "api.onnx", tmp_path / "cli.onnx"
    nc.load(source).convert(ours, dynamic_batch=True)
    assert main(["convert", str(source), "-o", str(theirs), "--dynamic-batch"]) == 0
    assert ours.read_bytes() == theirs.read_bytes()


def test_to_torch_runs_with_the_documents_shapes() -> None:
    import torch

    doc = nc.load(TEMPLATES / "resnet18.yaml")
    model = doc.to_torch().eval()
    summary = doc.summary().to_dict()
    assert sum(p.numel() for p in model.parameters()) == summary["totals"]["params"]
    first = summary["nodes"][0]["output_shapes"][0]
    with torch.no_grad():
        out = model(torch.randn(*first))
    assert list(out.shape) == summary["nodes"][-1]["output_shapes"][0]


def test_unreadable_bytes_raise_the_located_format_error() -> None:
    with pytest.raises(nc.FormatError) as raised:
        nc.load(b"layers: [{type: Conv2d, kernel_size: -3}]", format="yaml")
    assert raised.value.line == 1
