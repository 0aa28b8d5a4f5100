"""Every built-in template against its published reference (parameters, MACs, shapes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas import templates
from netcanvas.analysis import Analysis, analyze
from netcanvas.api.app import create_app
from netcanvas.api.settings import Settings

# Published parameter counts: torchvision's model docs (weights metadata, num_params),
# Hugging Face's bert-base-uncased BertModel, LeCun et al. 1998 (LeNet-5 with C3 fully
# connected), the PyTorch DCGAN tutorial generator (nz=100, ngf=64, nc=3).
PUBLISHED_PARAMS = {
    "mlp-2d": 354,
    "lenet5": 61_706,
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "resnet18": 11_689_512,
    "resnet50": 25_557_032,
    "mobilenet_v2": 3_504_872,
    "squeezenet1_1": 1_235_496,
    "densenet121": 7_978_856,
    "googlenet": 6_624_904,
    "bert_base": 109_482_240,
    "dcgan_generator": 3_576_704,
}
# torchvision's docs list "GFLOPS" that are multiply-accumulates, to two decimals.
PUBLISHED_GMACS = {
    "alexnet": 0.71,
    "vgg16": 15.47,
    "resnet18": 1.81,
    "resnet50": 4.09,
    "mobilenet_v2": 0.30,
    "squeezenet1_1": 0.35,
    "densenet121": 2.83,
    "googlenet": 1.50,
}
REQUIRED = {
    *PUBLISHED_PARAMS,
    "unet",
    "lstm_text_classifier",
    "conv_autoencoder",
}


def analysed(slug: str) -> Analysis:
    return analyze(templates.get(slug).graph())


def test_the_gallery_has_every_promised_template() -> None:
    assert REQUIRED <= set(templates.slugs())
    assert len(templates.slugs()) >= 14


@pytest.mark.parametrize("slug", templates.slugs())
def test_every_template_analyses_cleanly_and_is_described(slug: str) -> None:
    template = templates.get(slug)
    result = analyze(template.graph())
    assert result.errors == [] and result.warnings == []
    assert template.name and template.description and template.reference


@pytest.mark.parametrize("slug", sorted(PUBLISHED_PARAMS))
def test_params_equal_the_published_count(slug: str) -> None:
    assert analysed(slug).params == PUBLISHED_PARAMS[slug]


@pytest.mark.parametrize("slug", sorted(PUBLISHED_GMACS))
def test_macs_match_torchvision(slug: str) -> None:
    assert round(analysed(slug).macs / 1e9, 2) == PUBLISHED_GMACS[slug]


def test_imagenet_classifiers_end_in_1000_classes() -> None:
    for slug in PUBLISHED_GMACS:
        assert analysed(slug).nodes[-1].output_shapes == [(1, 1000)], slug


def test_unet_maps_a_572_tile_to_388() -> None:
    # Ronneberger et al. 2015, Fig. 1: input tile 572×572, output map 388×388, 2 classes
    assert analysed("unet").nodes[-1].output_shapes == [(1, 2, 388, 388)]


def test_autoencoder_reconstructs_its_input_shape() -> None:
    result = analysed("conv_autoencoder")
    assert result.nodes[-1].output_shapes == result.nodes[0].output_shapes


def test_dcgan_generator_draws_a_64px_rgb_image() -> None:
    assert analysed("dcgan_generator").nodes[-1].output_shapes == [(1, 3, 64, 64)]


def test_unknown_slugs() -> None:
    for slug in ("nope", "../native", "", "UNET"):
        with pytest.raises(KeyError):
            templates.get(slug)


def test_the_api_serves_the_gallery(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}")))
    listed = {t["slug"]: t for t in client.get("/api/templates").json()}
    assert set(listed) == set(templates.slugs())
    assert listed["resnet18"]["params"] == PUBLISHED_PARAMS["resnet18"]
    assert listed["resnet18"]["name"] == "ResNet-18"
    one = client.get("/api/templates/resnet50").json()
    assert one["document"]["layers"][0]["type"] == "Input"
    # The served document analyses to the same count through /api/analyze
    totals = client.post("/api/analyze", json=one["document"]).json()["totals"]
    assert totals["params"] == PUBLISHED_PARAMS["resnet50"]
    assert client.get("/api/templates/nope").status_code == 404
