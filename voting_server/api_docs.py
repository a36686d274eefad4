"""``/docs`` (Swagger UI, with "Try it out") and ``/redoc`` (ReDoc), served from this server alone.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a server without internet (a commission's network,
an air-gapped test bench) they are blank, and on one with internet every visit tells a third party who reads the
API reference. Here the same two programs come from the files that the ``fastapi-offline`` package (MIT; it ships
the ``swagger-ui-dist`` bundle, Apache-2.0, and ReDoc's standalone bundle, MIT) installs as package data, served
under ``/docs/assets/``. The pages start them with two small scripts of ours (``/docs/assets/*-init.js``): no
inline script. Each page carries a Content-Security-Policy that lets the browser reach this origin only
(`DOCS_CONTENT_SECURITY_POLICY`), so nothing the bundles try to load from elsewhere (ReDoc's sidebar links a logo
on its vendor's CDN; Swagger UI's online validator is also switched off) leaves the browser. The assets are looked
up when the app is built: a missing file is one line naming the package to reinstall (`DocsAssetsMissingError`),
not a blank page later.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from importlib.resources.abc import Traversable

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response

#: The package whose data files are Swagger UI and ReDoc.
ASSET_PACKAGE = "fastapi_offline"
#: The files served from it, with their media types (nothing else of the package is reachable).
PACKAGE_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ASSETS_PATH = "/docs/assets"

#: Same origin only. Styles may be inline (both programs set element styles and ReDoc writes its stylesheet at run
#: time), which sends no request; ReDoc's search runs in a worker made from a ``blob:`` URL of its own code.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_ASSET_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"}

#: Swagger UI on ``#swagger-ui``; the OpenAPI URL comes from the element's ``data-openapi`` (no inline script).
_SWAGGER_INIT = """\
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
"""

#: ReDoc on ``#redoc``, from the OpenAPI URL in the element's ``data-openapi``; no web fonts are asked for.
_REDOC_INIT = """\
"use strict";
(function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapi, {}, root);
})();
"""

_OWN_ASSETS = {"swagger-init.js": _SWAGGER_INIT, "redoc-init.js": _REDOC_INIT}


class DocsAssetsMissingError(RuntimeError):
    """A file of Swagger UI or ReDoc is not installed."""


def package_assets() -> dict[str, Traversable]:
    """Each served file of `ASSET_PACKAGE`, found; `DocsAssetsMissingError` (one line) if any is absent."""
    try:
        static = files(ASSET_PACKAGE) / "static"
    except ModuleNotFoundError as e:
        raise DocsAssetsMissingError(
            f"the API reference needs the {ASSET_PACKAGE} package: reinstall the server (uv sync)"
        ) from e
    found = {name: static / name for name in PACKAGE_ASSETS}
    missing = sorted(name for name, file in found.items() if not file.is_file())
    if missing:
        raise DocsAssetsMissingError(
            f"{ASSET_PACKAGE} lacks {', '.join(missing)}: reinstall it (uv sync --reinstall-package fastapi-offline)"
        )
    return found


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f'<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon.png">{head}</head>'
        f"<body>{body}</body></html>",
        headers=_PAGE_HEADERS,
    )


def build_api_docs_router(app: FastAPI) -> APIRouter:
    """``GET /docs`` (Swagger UI), ``GET /redoc`` (ReDoc) and their assets, for ``app``'s OpenAPI document."""
    contents = {name: file.read_bytes() for name, file in package_assets().items()}
    router = APIRouter(include_in_schema=False)
    openapi_url = escape(app.openapi_url or "/openapi.json")

    @router.get("/docs", response_class=HTMLResponse)
    def swagger_ui() -> HTMLResponse:
        return _page(
            f"{app.title} – Swagger UI",
            f'<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">',
            f'<main id="swagger-ui" data-openapi="{openapi_url}"></main>'
            f'<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>'
            f'<script src="{ASSETS_PATH}/swagger-init.js"></script>',
        )

    @router.get("/redoc", response_class=HTMLResponse)
    def redoc() -> HTMLResponse:
        return _page(
            f"{app.title} – ReDoc",
            "",
            f'<main id="redoc" data-openapi="{openapi_url}"></main>'
            f'<script src="{ASSETS_PATH}/redoc.standalone.js"></script>'
            f'<script src="{ASSETS_PATH}/redoc-init.js"></script>',
        )

    @router.get(ASSETS_PATH + "/{name}")
    def asset(name: str) -> Response:
        if name in contents:
            return Response(contents[name], media_type=PACKAGE_ASSETS[name], headers=_ASSET_HEADERS)
        if name in _OWN_ASSETS:
            return Response(_OWN_ASSETS[name], media_type="text/javascript; charset=utf-8", headers=_ASSET_HEADERS)
        raise HTTPException(status_code=404, detail=f"no API reference asset {name!r}")

    return router
