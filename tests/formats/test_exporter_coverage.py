"""Every registry type is either written by each exporter or refused with a reason."""

from __future__ import annotations

import importlib

import pytest

from netcanvas.layers import REGISTRY

# exporter -> the module holding its EMITTERS and UNSUPPORTED tables once filled
EXPORTERS = {
    "ONNX": "netcanvas.formats.onnx.ops",
    "PyTorch": "netcanvas.formats.code.pytorch_writer",
    "Keras": "netcanvas.formats.code.keras_writer",
}


@pytest.mark.parametrize("target", sorted(EXPORTERS))
def test_every_registered_type_is_mapped_or_listed(target: str) -> None:
    tables = importlib.import_module(EXPORTERS[target])
    emitters, unsupported = tables.EMITTERS, tables.UNSUPPORTED
    loose = sorted(set(REGISTRY) - set(emitters) - set(unsupported) - {"Input"})
    assert not loose, f"types with neither a {target} emitter nor a listed reason: {loose}"
    assert not set(emitters) & set(unsupported), "a type is both written and refused"
    assert not set(emitters) - set(REGISTRY), "an emitter for a type the registry lacks"


@pytest.mark.parametrize("target", sorted(EXPORTERS))
@pytest.mark.parametrize("type_name", ["CrossEntropyLoss", "MSELoss", "Accuracy"])
def test_training_losses_are_refused_with_a_reason(target: str, type_name: str) -> None:
    unsupported = importlib.import_module(EXPORTERS[target]).UNSUPPORTED
    assert unsupported[type_name]
