"""What the browser tests share: Debian's Chromium under Playwright, an app served on a loopback port, axe-core on
every screen with a screenshot, the loopback-only check of every request, and a voter registered with the face of
the fixture photographs.

Chromium comes from the Debian package (``apt-get install -y chromium`` → /usr/bin/chromium); Playwright never
downloads a browser. Without it a browser test is skipped locally (the reason printed) and fails in CI (CI=true).
axe-core is web/'s npm package (`tests.web.node.ensure_packages` installs web/'s locked packages once).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from identity.registry import SqlVoterRegistry, VoterRecord
from tests.identity.conftest import OBAMA_CENTER, FacePhotos

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: Headless, no network of Chromium's own (no updates, no sync, no QUIC probes).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A fake camera, allowed without a prompt; add ``--use-file-for-fake-video-capture=<y4m>`` to play a video.
FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
#: The axe-core rule sets every page is checked against.
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def need_chromium() -> None:
    """Skip (locally, with the reason printed) or fail (in CI) without Debian's Chromium."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser test must run in CI: {reason}")
    print(f"SKIPPED browser test: {reason}")
    pytest.skip(reason)


@contextmanager
def serve_app(app: Any, *, lifespan: str = "auto") -> Iterator[str]:
    """``app`` served over HTTP on a free loopback port; its base URL. ``lifespan="off"`` for an app whose
    components are already running (the server harness started them): uvicorn then only serves HTTP."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``)."""
    need_chromium()
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def record_requests(page: Any) -> list[str]:
    """Every URL ``page`` requests from now on."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    return requests


def only_loopback(requests: list[str], base_url: str) -> None:
    """No request left the server's origin: no third party, no tile server, no analytics."""
    assert requests
    assert all(u.startswith((base_url, "data:", "blob:")) for u in requests), requests


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (rule id and the nodes it names)."""
    from tests.web.node import WEB

    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        source = (WEB / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
        # Evaluated through the DevTools protocol: the page's CSP (no inline script) still holds for the page.
        page.evaluate(f"() => {{ const module = undefined; {source}\n; window.axe = axe; }}")
    violations: list[dict[str, Any]] = page.evaluate(
        f"async () => (await axe.run(document, {{runOnly: {AXE_RULES!r}}})).violations"
        ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return violations


class Screens:
    """A screenshot of each screen into ``artifacts/<folder>/<prefix>-<name>.png``, and axe-core's check of it."""

    def __init__(self, page: Any, folder: str, prefix: str = "") -> None:
        self.page = page
        self.folder = ARTIFACTS / folder
        self.prefix = prefix
        self.seen: list[str] = []

    def check(self, name: str) -> None:
        """Screenshot, then no axe violation."""
        result = axe_violations(self.page)
        self.shot(name)
        assert result == [], f"axe violations on {name}: {result}"

    def shot(self, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        file = f"{self.prefix}-{name}.png" if self.prefix else f"{name}.png"
        self.page.screenshot(path=str(self.folder / file), full_page=True)
        self.seen.append(name)


def register_face_voter(
    registry: Any, photos: FacePhotos, number: str, *, region: str, district: str, surname: str = "Face"
) -> str:
    """Put a voter whose registry photo is the fixture face (`OBAMA_CENTER`) on the register; her number."""
    assert isinstance(registry, SqlVoterRegistry)
    registry.add(
        VoterRecord(
            personal_number=number,
            surname=surname,
            given_name="Voter",
            patronymic="",
            birth_date=dt.date(int(number[5:9]), int(number[3:5]), int(number[1:3])),
            region=region,
            district=district,
            precinct="p1",
            face_template=photos.template(OBAMA_CENTER),
        )
    )
    return number
