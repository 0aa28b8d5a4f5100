"""Issue 19's findings, each a test that failed before its fix: numbers located in Caffe
files, the CLI's exit codes and outputs, PNG size bounded before drawing, a huge document
refused before a second parse."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas.cli import main
from netcanvas.formats import FormatError, caffe

NET = (
    'input: "data"\ninput_shape { dim: 1 dim: DIM dim: 8 dim: 8 }\n'
    'layer { name: "c" type: "Convolution" bottom: "data" top: "c"\n'
    "  convolution_param { num_output: NUM kernel_size: 3 } }\n"
)


@pytest.mark.parametrize(
    ("dim", "num", "where", "message"),
    [
        ("3", "2.5", (4, 35), "num_output: 2.5 is not a whole number"),
        ("3", "inf", (4, 35), "num_output: inf is not a finite number"),
        ("3", "-3", (4, 35), "num_output: -3 must not be negative"),
        ("3", "9" * 30, (4, 35), "num_output: " + "9" * 20 + "... (30 digits) is out of range"),
        ("0", "4", (2, 27), "dim: 0 must be at least 1"),
        ("-3", "4", (2, 27), "dim: -3 must be at least 1"),
        ("2.5", "4", (2, 27), "dim: 2.5 is not a whole number"),
        ("nan", "4", (2, 27), "dim: nan is not a finite number"),
    ],
)
def test_caffe_numbers_are_checked_at_their_place(
    dim: str, num: str, where: tuple[int, int], message: str
) -> None:
    with pytest.raises(FormatError) as caught:
        caffe.load(NET.replace("DIM", dim).replace("NUM", num).encode())
    assert (caught.value.line, caught.value.column) == where
    assert caught.value.message.startswith(message)


def test_a_4300_digit_number_is_a_located_error_and_cli_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "huge.prototxt"
    source.write_text(NET.replace("DIM", "3").replace("NUM", "9" * 4400))
    assert main(["summary", str(source)]) == 2
    err = capsys.readouterr().err
    assert err == f"{source}:4:35: the number 99999999999999999999... has 4400 digits: too long\n"


def test_a_reshape_may_still_copy_and_infer_dimensions() -> None:
    text = NET.replace("DIM", "3").replace("NUM", "4") + (
        'layer { name: "r" type: "Reshape" bottom: "c" top: "r"\n'
        "  reshape_param { shape { dim: 0 dim: -1 } } }\n"
    )
    graph = caffe.load(text.encode())
    assert graph.node("r").type == "Reshape"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "net.prototxt"
    path.write_text(NET.replace("DIM", "3").replace("NUM", "4"))
    return path


@pytest.mark.parametrize("verb", ["convert", "render"])
def test_output_problems_exit_2_with_one_line_and_leave_nothing(
    verb: str, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suffix = ".yaml" if verb == "convert" else ".svg"
    cases = {
        str(tmp_path / "missing" / f"out{suffix}"): "does not exist",
        str(tmp_path) + "/": "is a folder",
        str(tmp_path): "is a folder",
    }
    for output, said in cases.items():
        assert main([verb, str(source), "-o", output]) == 2, output
        err = capsys.readouterr().err
        assert err.startswith(f"netcanvas {verb}: -o ") and said in err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.prototxt"]


def test_writing_over_the_input_needs_force(
    source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = source.read_text()
    assert main(["convert", str(source), "-o", str(source)]) == 2
    assert "is the input file: add --force" in capsys.readouterr().err
    assert source.read_text() == before
    assert main(["convert", str(source), "-o", str(source), "--force"]) == 0
    assert source.read_text() != before  # rewritten, as asked


def test_convert_usage_errors_exit_2_like_render(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", str(source), "-o", str(tmp_path / "x.unknown")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["convert", str(source), "-o", str(tmp_path / "x.y"), "--to", "nope"]) == 2
    assert "unknown format 'nope'" in capsys.readouterr().err


def test_a_huge_png_is_refused_before_drawing(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "big.png"
    started = time.monotonic()
    assert main(["render", str(source), "-o", str(out), "--width", "5000in"]) == 2
    err = capsys.readouterr().err
    assert "Mpx); the limit is 24 Mpx: lower the dpi or the width" in err
    assert not out.exists() and time.monotonic() - started < 5


def test_the_api_refuses_a_huge_png_with_its_reason(client: TestClient) -> None:
    from netcanvas import templates
    from netcanvas.formats import native

    document = native.to_document(templates.get("lenet5").graph())
    answer = client.post("/api/export/png?style=alexnet&dpi=1200&width=40in", json=document)
    assert answer.status_code == 422
    assert "the limit is 24 Mpx" in answer.json()["detail"]["message"]


def test_a_document_past_the_node_limit_is_refused_fast(client: TestClient) -> None:
    layers = [{"name": "x", "type": "Input", "shape": [1, 4]}]
    layers += [{"name": f"r{i}", "type": "ReLU"} for i in range(100_000)]
    body = json.dumps({"netcanvas": 1, "layers": layers}).encode()
    started = time.monotonic()
    answer = client.post("/api/analyze", content=body)
    took = time.monotonic() - started
    assert answer.status_code == 422
    assert answer.json()["detail"]["message"].startswith("the document has 100,001 layers")
    assert took < 3, f"refused after {took:.1f} s"
