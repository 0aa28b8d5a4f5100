"""Every operator of ONNX's default domain is either mapped to a layer type or read
generically: its shapes from ONNX's own inference for that operator (or its function
body), its parameters the learnable tensors it consumes."""

from __future__ import annotations

import numpy as np
import pytest

from netcanvas import formats
from netcanvas.analysis import analyze
from tests.conftest import need

pytestmark = pytest.mark.oracle

need("onnx")
need("onnxruntime")
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from netcanvas.formats.onnx.reader_table import MAPPERS  # noqa: E402


def test_every_default_domain_operator_is_mapped_or_read_generically() -> None:
    schemas = [s for s in onnx.defs.get_all_schemas() if s.domain == ""]
    assert len(schemas) > 180  # the whole default domain, not a filtered list
    unhandled = [
        s.name
        for s in schemas
        if s.name not in MAPPERS
        and not s.has_type_and_shape_inference_function
        and not s.has_function
        and not s.has_context_dependent_function
    ]
    assert unhandled == []


@pytest.mark.parametrize("op", ["GroupNormalization", "MeanVarianceNormalization"])
def test_operators_defined_by_a_function_body_get_shapes(op: str) -> None:
    """The two standard operators with no inference function of their own."""
    rng = np.random.default_rng(5)
    inits, inputs, attrs = [], ["x"], {}
    if op == "GroupNormalization":
        for name in ("scale", "bias"):
            inits.append(numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), name))
        inputs += ["scale", "bias"]
        attrs = {"num_groups": 2}
    nodes = [
        helper.make_node(op, inputs, ["n"], name="norm", **attrs),
        helper.make_node("Relu", ["n"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes,
        "fn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    imported = formats.read(model.SerializeToString(), "m.onnx")
    analysis = analyze(imported)
    assert analysis.complete, analysis.warnings
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"x": rng.standard_normal((2, 8, 5, 5)).astype(np.float32)})
    assert analysis["relu"].output_shapes[0] == y.shape
    assert analysis.params == (16 if op == "GroupNormalization" else 0)
