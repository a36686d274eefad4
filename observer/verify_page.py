"""The verification page served at ``/verify``: the second, independent verifier (``web/verifier``) in the browser.

The page is built from ``web/verify`` by ``npm run build`` in ``web/`` and committed under ``web/dist/verify`` (the
web tests check that the committed files equal a fresh build), so serving it needs no Node.js. It reads an export
the observer chooses (a file, or this server's own ``/v1/board/export``) and verifies it in a Web Worker; nothing
leaves the browser. Every response carries a strict Content-Security-Policy: same origin only, no inline script,
no eval, no framing. ``shailoo-verify.html`` is the same page as one self-contained file, sent as a download to be
opened offline (as a download it is never rendered under this origin).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

VERIFY_PATH: Final = "/verify"
#: Where the built page lives in a checkout.
DEFAULT_PAGE_DIR: Final = Path(__file__).resolve().parents[1] / "web" / "dist" / "verify"
#: The offline copy: the page with its script, style and worker inline.
OFFLINE_FILE: Final = "shailoo-verify.html"
#: Same origin only, no inline script, no eval, no framing; the worker is a file of this origin.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_FILE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.(html|js|css)$")
_MEDIA_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def build_verify_page_router(page_dir: Path = DEFAULT_PAGE_DIR) -> APIRouter:
    """``/verify`` → ``/verify/``; ``/verify/`` the page; ``/verify/<file>`` one file of the build (no sub-folders)."""
    router = APIRouter(include_in_schema=False)
    root = page_dir.resolve()

    def _file(name: str) -> Response:
        path = root / name
        if not _FILE_NAME.match(name) or not path.is_file():
            return Response(status_code=404, headers=SECURITY_HEADERS)
        headers = dict(SECURITY_HEADERS)
        headers["Cache-Control"] = "no-cache"
        if name == OFFLINE_FILE:
            headers["Content-Disposition"] = f'attachment; filename="{OFFLINE_FILE}"'
        return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=headers)

    @router.get(VERIFY_PATH)
    def page_root() -> Response:
        return RedirectResponse(f"{VERIFY_PATH}/", status_code=308, headers=SECURITY_HEADERS)

    @router.get(f"{VERIFY_PATH}/")
    def page() -> Response:
        return _file("index.html")

    @router.get(VERIFY_PATH + "/{name}")
    def asset(name: str) -> Response:
        return _file(name)

    return router
