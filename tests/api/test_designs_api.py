"""Saved designs over HTTP: create, share, update with revisions and keys, restore."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.api.conftest import doc


def create(client: TestClient, name: str = "v1") -> dict[str, object]:
    answer = client.post("/api/designs", json={"document": doc(name)})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_create_read_update_flow(client: TestClient) -> None:
    made = create(client)
    assert set(made) == {"id", "revision", "edit_key"} and made["revision"] == 1
    url = f"/api/designs/{made['id']}"
    read = client.get(url).json()
    assert (read["id"], read["revision"], read["document"]["name"]) == (made["id"], 1, "v1")
    assert "edit_key" not in read
    saved = client.put(
        url, json={"revision": 1, "document": doc("v2")}, headers={"X-Edit-Key": made["edit_key"]}
    )
    assert saved.status_code == 200 and saved.json() == {"id": made["id"], "revision": 2}
    assert client.get(url).json()["document"]["name"] == "v2"


def test_stale_put_is_409_with_the_current_revision(client: TestClient) -> None:
    made = create(client)
    url, key = f"/api/designs/{made['id']}", {"X-Edit-Key": str(made["edit_key"])}
    assert (
        client.put(url, json={"revision": 1, "document": doc("a")}, headers=key).status_code == 200
    )
    stale = client.put(url, json={"revision": 1, "document": doc("b")}, headers=key)
    assert stale.status_code == 409
    assert stale.json()["detail"]["current_revision"] == 2
    assert client.get(url).json()["document"]["name"] == "a"


def test_key_rules(client: TestClient) -> None:
    made = create(client)
    url = f"/api/designs/{made['id']}"
    body = {"revision": 1, "document": doc("x")}
    assert client.put(url, json=body).status_code == 403
    assert client.put(url, json=body, headers={"X-Edit-Key": "guess"}).status_code == 403
    assert client.delete(url).status_code == 403
    other = create(client)
    assert (
        client.put(url, json=body, headers={"X-Edit-Key": str(other["edit_key"])}).status_code
        == 403
    )
    assert client.get(url).json()["revision"] == 1
    assert client.delete(url, headers={"X-Edit-Key": str(made["edit_key"])}).status_code == 204
    assert client.get(url).status_code == 404


def test_history_and_restore(client: TestClient) -> None:
    made = create(client, "first")
    url, key = f"/api/designs/{made['id']}", {"X-Edit-Key": str(made["edit_key"])}
    client.put(url, json={"revision": 1, "document": doc("second", out=8)}, headers=key)
    history = client.get(f"{url}/revisions").json()
    assert history["revision"] == 2
    assert [(r["number"], r["name"], r["layers"]) for r in history["revisions"]] == [
        (1, "first", 5),
        (2, "second", 5),
    ]
    old = client.get(f"{url}/revisions/1").json()
    assert old["revision"] == 1 and old["document"]["name"] == "first"
    restored = client.put(url, json={"revision": 2, "document": old["document"]}, headers=key)
    assert restored.json()["revision"] == 3
    assert client.get(url).json()["document"] == old["document"]
    assert client.get(f"{url}/revisions/9").status_code == 404


def test_invalid_documents_are_refused_with_a_location(client: TestClient) -> None:
    text = '{"document": {"layers": [\n  {"type": "Conv2d", "kernel_size": -3}\n]}}'
    answer = client.post("/api/designs", content=text)
    assert answer.status_code == 422
    assert answer.json()["detail"]["line"] == 2
    made = create(client)
    url, key = f"/api/designs/{made['id']}", {"X-Edit-Key": str(made["edit_key"])}
    for body in (
        {"document": doc()},
        {"revision": "1", "document": doc()},
        {"revision": 1, "document": doc(), "extra": 1},
        {"revision": 0, "document": doc()},
    ):
        assert client.put(url, json=body, headers=key).status_code == 422, body
    assert client.get(url).json()["revision"] == 1


def test_list_shows_only_a_count(client: TestClient) -> None:
    create(client)
    create(client)
    assert client.get("/api/designs").json() == {"count": 2}


def test_a_saved_design_survives_a_new_app_on_the_same_file(
    make_client: Callable[..., TestClient],
) -> None:
    made = create(make_client())
    again = make_client()  # a second app, the same SQLite file: a restart
    assert again.get(f"/api/designs/{made['id']}").json()["document"]["name"] == "v1"


def test_share_links_serve_the_editor_page(
    make_client: Callable[..., TestClient], tmp_path
) -> None:
    site = tmp_path / "site"
    (site / "src").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>editor</title>")
    (site / "src" / "main.js").write_text("export const x = 1;\n")
    client = make_client(frontend_dir=site)
    made = create(client)
    for path in ("/", f"/d/{made['id']}"):
        page = client.get(path)
        assert page.status_code == 200 and "<title>editor</title>" in page.text
    script = client.get("/src/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/src/../../etc/passwd").status_code == 404
    assert client.get("/api/nothing").status_code == 404


def test_placeholder_page_without_a_frontend(
    make_client: Callable[..., TestClient], tmp_path
) -> None:
    client = make_client(frontend_dir=tmp_path / "absent")
    page = client.get("/")
    assert page.status_code == 200 and "netcanvas" in page.text
    assert client.get("/d/abc").status_code == 200


def test_405_lists_every_method_of_the_path(client: TestClient) -> None:
    answer = client.request("PATCH", "/api/designs")
    assert answer.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in answer.headers["allow"].split(",")}
    assert client.request("PATCH", "/api/designs/abc").headers["allow"].count("PUT") == 1
