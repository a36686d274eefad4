"""``/docs`` and ``/redoc`` are the real Swagger UI and ReDoc, served from the files of the ``fastapi-offline``
package with a same-origin Content-Security-Policy (the pages in Chromium: tests/web/test_api_docs_browser.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.metadata import distribution
from pathlib import Path

import pytest

from tests.server.harness import Election
from voting_server import api_docs


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path)
    yield election
    election.close()


def installed_file(name: str) -> bytes:
    """``name`` as the installed distribution lists it in its RECORD (not through the module under test)."""
    dist = distribution("fastapi-offline")
    (record,) = [f for f in dist.files or () if str(f) == f"fastapi_offline/static/{name}"]
    return Path(str(dist.locate_file(record))).read_bytes()


def test_the_asset_routes_serve_the_package_files(fresh: Election) -> None:
    for name, media_type in api_docs.PACKAGE_ASSETS.items():
        response = fresh.http.get(f"/docs/assets/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == media_type
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.content == installed_file(name)
    # Swagger UI and ReDoc themselves, not a page written here.
    assert b"SwaggerUIBundle" in fresh.http.get("/docs/assets/swagger-ui-bundle.js").content
    assert b"Redoc" in fresh.http.get("/docs/assets/redoc.standalone.js").content
    assert fresh.http.get("/docs/assets/swagger-init.js").headers["content-type"].startswith("text/javascript")


def test_nothing_else_of_the_package_or_the_disk_is_reachable(fresh: Election) -> None:
    for name in ("core.py", "__init__.py", "..%2Fcore.py", "%2Fetc%2Fpasswd", "missing.js"):
        response = fresh.http.get(f"/docs/assets/{name}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_the_pages_load_only_same_origin_files_under_a_same_origin_policy(fresh: Election) -> None:
    for path, bundle in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        response = fresh.http.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert directives["script-src"] == "'self'"  # no inline script, no other host
        for name in ("connect-src", "img-src", "font-src", "style-src"):
            assert "http" not in directives[name] and "*" not in directives[name], name
        page = response.text
        assert "<script>" not in page  # every script is a file of this server
        assert f'src="/docs/assets/{bundle}"' in page
        assert not re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page)
        assert 'data-openapi="/openapi.json"' in page


def test_missing_assets_are_one_line_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_docs, "ASSET_PACKAGE", "voting_server")  # a package without those files
    with pytest.raises(api_docs.DocsAssetsMissingError, match=r"voting_server lacks favicon.png, redoc") as e:
        api_docs.package_assets()
    assert "\n" not in str(e.value)
    monkeypatch.setattr(api_docs, "ASSET_PACKAGE", "not_installed_anywhere")
    with pytest.raises(api_docs.DocsAssetsMissingError, match="needs the not_installed_anywhere package"):
        api_docs.package_assets()


def test_the_openapi_document_is_still_served(fresh: Election) -> None:
    assert fresh.http.get("/openapi.json").json()["paths"]["/v1/ballots"]
