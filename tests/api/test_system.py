from __future__ import annotations

import re


def test_healthz_answers_without_auth(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_every_response_carries_a_request_id_and_echoes_the_callers(client):
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
    assert client.get("/healthz", headers={"X-Request-Id": "trace-1"}).headers["x-request-id"] == "trace-1"


def test_openapi_json_is_bundled_with_only_local_refs(client):
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    refs = re.findall(r'"\$ref":\s*"([^"]+)"', client.get("/openapi.json").text)
    assert refs and all(ref.startswith("#/") for ref in refs)
    assert document["servers"][0]["url"] == "http://testserver"


def test_docs_page_works_offline_with_packaged_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000, asset
    assert "/openapi.json" in page.text


def test_head_is_answered_for_get_routes(client):
    assert client.head("/healthz").status_code == 200
