"""Catalogue, analyze, import, export, limits and headers, through httpx against the app."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import yaml
from fastapi.testclient import TestClient

from netcanvas import formats
from netcanvas.analysis import analyze
from netcanvas.layers import REGISTRY
from tests.api.conftest import doc


def test_layers_is_the_whole_catalogue(client: TestClient) -> None:
    answer = client.get("/api/layers")
    assert answer.status_code == 200
    by_type = {entry["type"]: entry for entry in answer.json()}
    assert set(by_type) == set(REGISTRY)
    conv = by_type["Conv2d"]
    assert conv["category"] == "convolution"
    assert "out_channels" in conv["params"]["properties"]


def test_formats_lists_the_table_and_the_figures(client: TestClient) -> None:
    answer = client.get("/api/formats").json()
    names = {f["name"]: f for f in answer}
    assert {f.name for f in formats.FORMATS} <= set(names)
    assert names["yaml"]["readable"] and names["yaml"]["kind"] == "model"
    assert names["png"] == {
        "name": "png",
        "kind": "figure",
        "extensions": [".png"],
        "media_type": "image/png",
        "readable": False,
        "writable": True,
        "binary": True,
    }


def test_analyze_answers_exactly_the_summary_json(client: TestClient) -> None:
    answer = client.post("/api/analyze", json=doc())
    assert answer.status_code == 200
    expected = analyze(formats.read(json.dumps(doc()).encode(), "x.json")).to_json()
    assert answer.json() == expected
    # A hand check of the outside fact: conv 3->16 k3 = 16*3*9 + 16; fc 16->10 = 170
    assert answer.json()["totals"]["params"] == 448 + 170
    assert answer.json()["nodes"][1]["output_shapes"] == [[1, 16, 30, 30]]


def test_analyze_since_an_earlier_answer_goes_to_its_worker_and_answers_the_same(
    client: TestClient,
) -> None:
    first = client.post("/api/analyze", json=doc())
    tag = first.headers["etag"]
    pool = client.app.state.pool  # type: ignore[attr-defined]
    assert tag in pool.homes  # the worker that answered it is remembered
    edited = client.post(f"/api/analyze?since={tag}", json=doc(out=8))
    assert edited.status_code == 200
    expected = analyze(formats.read(json.dumps(doc(out=8)).encode(), "x.json")).to_json()
    assert edited.json() == expected
    assert pool.homes[edited.headers["etag"]] == pool.homes[tag]
    stale = client.post('/api/analyze?since="0"', json=doc(out=4))  # a tag nobody holds
    assert stale.status_code == 200 and stale.json()["nodes"][1]["output_shapes"][0][1] == 4


def test_analyze_changed_only_answers_what_changed_since(client: TestClient) -> None:
    first = client.post("/api/analyze", json=doc())
    tag = first.headers["etag"]
    part = client.post(f"/api/analyze?since={tag}&changed=only", json=doc(out=8))
    assert part.status_code == 200
    answer = part.json()
    assert answer["since"] == tag and answer["removed"] == [] and "order" not in answer
    full = analyze(formats.read(json.dumps(doc(out=8)).encode(), "x.json")).to_json()
    assert [n["name"] for n in answer["nodes"]] == ["conv1", "pool", "flat", "fc"]
    changed = {n["name"]: n for n in answer["nodes"]}
    merged = [changed.get(n["name"], n) for n in first.json()["nodes"]]
    assert merged == full["nodes"]
    assert {k: answer[k] for k in ("totals", "errors", "warnings")} == {
        k: full[k] for k in ("totals", "errors", "warnings")
    }
    # The new ETag is the body's, and the full answer for it is still the full one.
    assert part.headers["etag"] == client.post("/api/analyze", json=doc(out=8)).headers["etag"]
    assert client.post("/api/analyze", json=doc(out=8)).json() == full
    # A `since` nobody holds: the full answer, without `since`.
    stale = client.post('/api/analyze?since="0"&changed=only', json=doc(out=4)).json()
    assert "since" not in stale and len(stale["nodes"]) == 5


def test_analyze_reports_graph_errors_in_a_200(client: TestClient) -> None:
    bad = doc()
    bad["layers"][1]["kernel_size"] = 64  # larger than the 32x32 input
    answer = client.post("/api/analyze", json=bad)
    assert answer.status_code == 200
    body = answer.json()
    assert body["nodes"][1]["error"] and body["errors"][0].startswith("conv1:")


def test_unreadable_json_answers_422_with_its_location(client: TestClient) -> None:
    text = '{\n  "layers": [\n    {"type": "Input", "shape": [1, 3]},\n    {"type": "Conv2d",, }\n'
    answer = client.post("/api/analyze", content=text)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail["line"] == 4 and detail["column"] > 1 and detail["message"]


def test_an_unknown_setting_is_located_at_its_key(client: TestClient) -> None:
    text = (
        '{"layers": [\n  {"type": "Input", "shape": [1, 3, 8, 8]},\n'
        '  {"type": "Linear", "out_featurs": 3}\n]}'
    )
    detail = client.post("/api/analyze", content=text).json()["detail"]
    assert "out_featurs" in detail["message"]
    assert (detail["line"], detail["column"]) == (3, 22)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b"null",
        b"\xff\xfe",
        b'{"layers": [{"type": "X", "v": NaN}]}',
        b"[" * 3000,
        b"\x00",
        b'{"layers": [{"type": "Input", "shape": "big"}]}',
        b'{"layers": 3}',
    ],
)
def test_no_body_of_any_shape_is_a_500(client: TestClient, body: bytes) -> None:
    for path in ("/api/analyze", "/api/designs", "/api/export/yaml", "/api/import?format=json"):
        answer = client.post(path, content=body)
        assert answer.status_code == 422, (path, body[:40], answer.text)
        assert set(answer.json()["detail"]) >= {"message", "line", "column"}


def test_body_limit_by_content_length_and_by_streamed_bytes(
    make_client: Callable[..., TestClient],
) -> None:
    small = make_client(max_body_bytes=1000)
    big = json.dumps({**doc(), "meta": {"pad": "x" * 2000}}).encode()
    assert small.post("/api/analyze", content=big).status_code == 413

    def chunks():  # no Content-Length: chunked transfer
        for i in range(0, len(big), 100):
            yield big[i : i + 100]

    answer = small.post("/api/analyze", content=chunks())
    assert answer.status_code == 413
    assert answer.json()["detail"]["message"] == (
        "the request body is larger than the limit (0.000953674 MB, setting "
        "NETCANVAS_MAX_BODY_BYTES)"
    )
    assert small.post("/api/analyze", json=doc()).status_code == 200


def test_uploads_have_their_own_limit_named_in_the_answer(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_body_bytes=1000, max_upload_bytes=5000)
    text = yaml.safe_dump({**doc(), "meta": {"pad": "x" * 2000}}).encode()
    assert client.post("/api/import?format=yaml", content=text).status_code == 200
    huge = text + b"#" * 5000
    answer = client.post("/api/import?format=yaml", content=huge)
    assert answer.status_code == 413
    assert "NETCANVAS_MAX_UPLOAD_BYTES" in answer.json()["detail"]["message"]


def test_node_limit(make_client: Callable[..., TestClient]) -> None:
    limited = make_client(max_nodes=4)
    answer = limited.post("/api/analyze", json=doc())  # 5 layers
    assert answer.status_code == 422
    assert "at most 4" in answer.json()["detail"]["message"]
    yaml_text = yaml.safe_dump(doc()).encode()
    assert limited.post("/api/import?format=yaml", content=yaml_text).status_code == 422


def test_import_yaml_returns_the_document(client: TestClient) -> None:
    text = yaml.safe_dump(doc()).encode()
    answer = client.post("/api/import?format=yaml", content=text)
    assert answer.status_code == 200
    body = answer.json()
    assert [layer["name"] for layer in body["document"]["layers"]] == [
        "data",
        "conv1",
        "pool",
        "flat",
        "fc",
    ]
    assert body["warnings"] == []
    # without a format: guessed from the file name, then from the bytes
    assert client.post("/api/import?filename=net.yaml", content=text).status_code == 200
    assert client.post("/api/import", content=text).status_code == 200


def test_import_errors(client: TestClient) -> None:
    answer = client.post(
        "/api/import?format=yaml", content=b"layers:\n  - {type: Input, shape: [1, 2]\n"
    )
    assert answer.status_code == 422 and answer.json()["detail"]["line"] >= 2
    unknown = client.post("/api/import?format=nope", content=b"x")
    assert unknown.status_code == 422 and "unknown format" in unknown.json()["detail"]["message"]
    assert client.post("/api/import?phase=LATER", content=b"x").status_code == 422


def test_yaml_values_json_cannot_carry_are_refused_at_their_place(client: TestClient) -> None:
    body = b"layers: [{type: X, when: 2020-01-01, b: !!binary aGk=}]"
    answer = client.post("/api/analyze", content=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == {
        "message": "this value cannot be represented in JSON",
        "line": 1,
        "column": body.index(b"!!binary") + 1,
    }


def test_an_unknown_type_is_an_opaque_node_not_an_error(client: TestClient) -> None:
    answer = client.post("/api/analyze", content=b"layers: [{type: X}]")
    assert answer.status_code == 200, answer.text
    (node,) = answer.json()["nodes"]
    assert (node["type"], node["opaque"], node["error"]) == ("X", True, None)


@pytest.mark.skipif("prototxt" not in formats.BY_NAME, reason="the Caffe format is not registered")
def test_import_prototxt_keeps_its_phase(client: TestClient) -> None:
    text = b"""
name: "p"
input: "data"
input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c"
        convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "d" type: "Dropout" bottom: "c" top: "c" include { phase: TRAIN } }
"""
    test = client.post("/api/import?format=prototxt", content=text).json()["document"]
    train = client.post("/api/import?format=prototxt&phase=TRAIN", content=text).json()["document"]
    assert len(train["layers"]) == len(test["layers"]) + 1
    bad = client.post("/api/import?format=prototxt", content=b'layer {\n  name: "x"\n  type: \n')
    assert bad.status_code == 422 and bad.json()["detail"]["line"] >= 2


def test_export_yaml_and_json_round_trip(client: TestClient) -> None:
    answer = client.post("/api/export/yaml", json=doc("my net"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/yaml")
    assert answer.headers["content-disposition"] == 'attachment; filename="my_net.yaml"'
    assert yaml.safe_load(answer.content)["layers"][1]["out_channels"] == 16
    as_json = client.post("/api/export/json", json=doc())
    assert json.loads(as_json.content)["name"] == "tiny"


def test_export_unknown_format_and_bad_options(client: TestClient) -> None:
    assert client.post("/api/export/docx", json=doc()).status_code == 404
    bad = client.post("/api/export/svg?dpi=5", json=doc())
    assert bad.status_code == 422 and "dpi" in bad.json()["detail"]["message"]
    assert client.post("/api/export/svg?colour=red", json=doc()).status_code == 422


def test_export_figures_when_the_renderer_exists(client: TestClient) -> None:
    from netcanvas import render

    answer = client.post("/api/export/svg?theme=dark&rankdir=LR", json=doc())
    if not hasattr(render, "export_figure"):
        assert answer.status_code == 501
        pytest.skip("the renderer has no export_figure yet")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in answer.content[:500]
    png = client.post("/api/export/png?dpi=72", json=doc())
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = client.post("/api/export/pdf", json=doc())
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_layout_when_the_renderer_exists(client: TestClient) -> None:
    from netcanvas import render

    answer = client.post("/api/layout", json=doc())
    if not hasattr(render, "layout_json"):
        assert answer.status_code == 501
        pytest.skip("the renderer has no layout_json yet")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body["positions"]) == {"data", "conv1", "pool", "flat", "fc"}
    assert {(e["from"], e["to"]) for e in body["edges"]} >= {("data", "conv1"), ("flat", "fc")}


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for answer in (
        client.get("/"),
        client.get("/api/layers"),
        client.post("/api/analyze", content=b"{"),
        client.get("/nowhere"),
    ):
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"]
    assert (
        "access-control-allow-origin"
        not in client.get("/api/layers", headers={"Origin": "https://evil.example"}).headers
    )


def test_cors_only_when_configured(make_client: Callable[..., TestClient]) -> None:
    allowed = make_client(cors_origins=["https://lab.example"])
    answer = allowed.get("/api/layers", headers={"Origin": "https://lab.example"})
    assert answer.headers["access-control-allow-origin"] == "https://lab.example"
    other = allowed.get("/api/layers", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_openapi_documents_every_route_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/layers",
        "/api/formats",
        "/api/analyze",
        "/api/layout",
        "/api/import",
        "/api/export/{format}",
        "/api/templates",
        "/api/templates/{slug}",
        "/api/designs",
        "/api/designs/{design_id}",
        "/api/designs/{design_id}/revisions",
        "/api/datasets",
        "/api/runs",
        "/api/runs/{run_id}/events",
        "/healthz",
    ):
        assert path in paths, path
    bodyless = {"/api/runs/{run_id}/cancel"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("post", "put") and path not in bodyless:
                content = operation["requestBody"]["content"]
                assert any("example" in c for c in content.values()), (method, path)
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs/init.js" in docs.text
    assert "<script>" not in docs.text  # no inline script under the CSP


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "version": "0.1.0", "database": "ok"}


def test_healthz_asks_the_database_at_most_once_a_second_and_says_when_it_fails(
    client: TestClient,
) -> None:
    """Under load the check must not queue behind the work it reports on, and a database
    that stops answering is a 503 within the second."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from netcanvas.api.routers import health

    client.get("/healthz")  # the app has started and the database answered
    engine = client.app.state.store.engine  # type: ignore[attr-defined]
    statements: list[str] = []
    broken = False

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)
        if broken:
            raise OperationalError(statement, None, Exception("disk I/O error"))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(20):
            assert client.get("/healthz").status_code == 200
        assert statements == []  # answered within the second: no query at all
        client.app.state.store._answered_at -= health.FRESH_SECONDS  # type: ignore[attr-defined]
        broken = True
        answer = client.get("/healthz")
        assert answer.status_code == 503, answer.text
        assert "database" in answer.text
        assert statements  # asked again once the answer was a second old
        assert client.get("/healthz").status_code == 503  # a failure is not remembered as fine
        broken = False
        assert client.get("/healthz").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_layout_lists_foldable_groups_when_asked(client) -> None:  # type: ignore[no-untyped-def]
    from netcanvas import templates
    from netcanvas.formats import native

    document = native.to_document(templates.get("resnet50").graph())
    plain = client.post("/api/layout", json=document)
    assert plain.status_code == 200 and plain.json().get("groups") is None
    folded = client.post("/api/layout?fold=true", json=document).json()
    assert [g["count"] for g in folded["groups"]] == [2, 3, 5, 2]


def test_import_can_answer_the_analysis_in_the_same_trip(client) -> None:  # type: ignore[no-untyped-def]
    body = b"layers:\n  - {name: x, type: Input, shape: [1, 8]}\n  - {name: fc, type: Linear}\n"
    plain = client.post("/api/import?format=yaml", content=body).json()
    assert plain.get("analysis") is None
    both = client.post("/api/import?format=yaml&analysis=true", content=body).json()
    separate = client.post("/api/analyze", json=both["document"]).json()
    assert both["analysis"] == separate
