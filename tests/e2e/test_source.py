"""The source view, opening files, and the Caffe phase switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import open_document, paste, tid

pytestmark = pytest.mark.e2e


def show_source(page: Page, fmt: str) -> None:
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option(fmt)


def test_paste_googlenet_prototxt_and_see_every_node_and_shape(
    page: Page, caffe_corpus: Path
) -> None:
    text = (caffe_corpus / "googlenet_deploy.prototxt").read_text()
    show_source(page, "prototxt")
    paste(page, "source-editor", text)
    # Blob shapes published for bvlc_googlenet deploy at batch 10 (corpus REFERENCE.md).
    published = {
        "conv1/7x7_s2": "10×64×112×112",
        "pool1/3x3_s2": "10×64×56×56",
        "inception_3a/output": "10×256×28×28",
        "inception_3b/output": "10×480×28×28",
        "inception_4e/output": "10×832×14×14",
        "pool4/3x3_s2": "10×832×7×7",
        "inception_5b/output": "10×1024×7×7",
        "pool5/7x7_s1": "10×1024×1×1",
        "prob": "10×1000",
    }
    for name, shape in published.items():
        expect(tid(page, f"shape-{name}")).to_have_text(shape, timeout=15000)
    # One node per `layer {` (the data layer is an Input layer of its own here).
    assert page.locator(".node").count() == text.count("layer {") == 143
    expect(tid(page, "source-error")).to_be_hidden()
    assert page.locator(".node.has-error").count() == 0


def test_a_parse_error_is_shown_with_its_line(page: Page) -> None:
    show_source(page, "yaml")
    tid(page, "source-editor").fill(
        "netcanvas: 1\nname: broken\nlayers:\n  - {name: data, type: Input, shape: [1, 3, 8, 8]}\n"
        "  - {name: c, type: Conv2d, out_chanels: 4}\n"
    )
    error = tid(page, "source-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("line 5")
    expect(error).to_contain_text("out_chanels")
    # The canvas keeps the last good document instead of emptying.
    expect(tid(page, "node-data")).to_be_attached()


def test_typing_yaml_redraws_the_canvas_and_canvas_edits_update_the_text(page: Page) -> None:
    show_source(page, "yaml")
    tid(page, "source-editor").fill(
        "netcanvas: 1\nname: typed\nlayers:\n  - {name: x, type: Input, shape: [1, 3, 16, 16]}\n"
        "  - {name: conv, type: Conv2d, out_channels: 5, kernel_size: 3}\n"
    )
    expect(tid(page, "shape-conv")).to_have_text("1×5×14×14")
    expect(tid(page, "node-data")).to_have_count(0)
    # An edit on the canvas side (undo) rewrites the text.
    tid(page, "undo").click()
    expect(tid(page, "node-conv")).to_have_count(0)
    expect(tid(page, "source-editor")).not_to_have_value(re.compile("conv"))


def test_switch_the_caffe_phase(page: Page, caffe_corpus: Path) -> None:
    text = (caffe_corpus / "lenet_train_test.prototxt").read_text()
    show_source(page, "prototxt")
    tid(page, "phase-select").select_option("TEST")
    paste(page, "source-editor", text)
    expect(tid(page, "node-accuracy")).to_be_attached(timeout=10000)
    tid(page, "phase-select").select_option("TRAIN")
    expect(tid(page, "node-accuracy")).to_have_count(0)
    expect(tid(page, "node-loss")).to_be_attached()
    tid(page, "phase-select").select_option("TEST")
    expect(tid(page, "node-accuracy")).to_be_attached()


def test_open_an_onnx_file(page: Page, tmp_path: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.zeros((8, 3, 3, 3), dtype=np.float32), "w")
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
            helper.make_node("Relu", ["c"], ["y"], name="act"),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 10, 10])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 8, 8])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    path = tmp_path / "tiny.onnx"
    onnx.save(model, str(path))
    tid(page, "open-file").set_input_files(str(path))
    expect(page.locator(".node-shape", has_text="1×8×8×8").first).to_be_visible(timeout=10000)
    expect(tid(page, "toast")).to_contain_text("tiny.onnx")


def test_an_onnx_file_whose_weights_no_layer_holds_shows_incomplete_totals(
    page: Page, tmp_path: Path
) -> None:
    """A weight read only by a branch that folds away (its shape feeds a constant) is in
    the file but in no layer: the stats say the totals are a lower bound, not exact."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 4), dtype=np.float32), "w")
    graph = helper.make_graph(
        [
            helper.make_node("Shape", ["w"], ["ws"]),
            helper.make_node("Cast", ["ws"], ["wsf"], to=TensorProto.FLOAT),
            helper.make_node("ReduceSum", ["wsf"], ["n"], keepdims=0),
            helper.make_node("Mul", ["x", "n"], ["y"], name="scaled"),
        ],
        "hidden",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "hidden.onnx"
    onnx.save(model, str(path))
    tid(page, "open-file").set_input_files(str(path))
    expect(tid(page, "stats-errors")).to_contain_text("totals incomplete", timeout=10000)
    expect(tid(page, "stats-params")).to_contain_text("≥")
    assert "w: 16 values" in (tid(page, "stats-errors").get_attribute("title") or "")


def test_open_a_prototxt_file_by_dropping_it(page: Page, caffe_corpus: Path) -> None:
    data = (caffe_corpus / "lenet_deploy.prototxt").read_text()
    handle = page.evaluate_handle(
        """(text) => { const dt = new DataTransfer();
        dt.items.add(new File([text], 'lenet_deploy.prototxt', {type: 'text/plain'}));
        return dt; }""",
        data,
    )
    page.dispatch_event("body", "drop", {"dataTransfer": handle})
    expect(tid(page, "shape-conv1")).to_have_text("64×20×24×24", timeout=10000)
    expect(tid(page, "shape-pool2")).to_have_text("64×50×4×4")


def test_source_shows_the_current_design(page: Page) -> None:
    open_document(
        page,
        {"name": "shown", "layers": [{"name": "inp", "type": "Input", "shape": [1, 1, 4, 4]}]},
    )
    show_source(page, "yaml")
    expect(tid(page, "source-editor")).to_have_value(re.compile(r"name: inp"))
    tid(page, "source-format").select_option("json")
    expect(tid(page, "source-editor")).to_have_value(re.compile(r'"name": "inp"'))
