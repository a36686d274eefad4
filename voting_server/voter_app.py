"""The voter web app (``web/``) served at ``/app``: a static PWA built from ``web/app`` and ``web/core``.

The build is committed under ``web/dist/app`` (`npm run build` in ``web/`` remakes it; the web tests check that the
committed files equal a fresh build), so ``shailoo serve`` and ``shailoo demo`` need no Node.js. Every response
carries a strict Content-Security-Policy: the page may talk to this server only, load nothing from a third party,
and run only its own script files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

APP_PATH: Final = "/app"
#: Where the built app lives in a checkout.
DEFAULT_APP_DIR: Final = Path(__file__).resolve().parents[1] / "web" / "dist" / "app"
#: The app's whole policy: same origin only, no inline script, no eval, no framing.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_MEDIA_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}


def build_voter_app_router(app_dir: Path = DEFAULT_APP_DIR) -> APIRouter:
    """``/app`` → ``/app/``; ``/app/`` the shell; ``/app/<file>`` one file of the build (no sub-folders)."""
    router = APIRouter(include_in_schema=False)
    root = app_dir.resolve()

    def _file(name: str) -> Response:
        path = root / name
        if not _FILE_NAME.match(name) or ".." in name or not path.is_file() or path.suffix not in _MEDIA_TYPES:
            return Response(status_code=404, headers=SECURITY_HEADERS)
        headers = dict(SECURITY_HEADERS)
        # The shell and the service worker are revalidated; the service worker keeps the offline copy.
        headers["Cache-Control"] = "no-cache"
        if name == "sw.js":
            headers["Service-Worker-Allowed"] = f"{APP_PATH}/"
        return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=headers)

    @router.get(APP_PATH)
    def app_root() -> Response:
        return RedirectResponse(f"{APP_PATH}/", status_code=308, headers=SECURITY_HEADERS)

    @router.get(f"{APP_PATH}/")
    def shell() -> Response:
        return _file("index.html")

    @router.get(APP_PATH + "/{name}")
    def asset(name: str) -> Response:
        return _file(name)

    return router
