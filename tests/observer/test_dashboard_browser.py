"""The dashboard in headless Chromium (Playwright): the inclusion proof is checked by the page's own script,
pages read without JavaScript, and screenshots go to ``artifacts/observer/`` (ignored by git).

Chromium comes from the Debian package (``apt-get install -y chromium`` → /usr/bin/chromium); Playwright never
downloads a browser here. Without /usr/bin/chromium the test is skipped locally and fails in CI (CI=true).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from observer.board_export import load_export
from observer.dashboard.app import create_dashboard_app
from observer.dashboard.readers import ExportReader
from tests.observer.election import BuiltElection

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "observer"
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


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser test must run in CI: {reason}")
    print(f"SKIPPED browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def base_url(election: BuiltElection) -> Iterator[str]:
    _need_chromium()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_dashboard_app(ExportReader(load_export(election.path)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_page_checks_the_inclusion_proof_with_webcrypto(
    browser: object, base_url: str, election: BuiltElection
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base_url}/track?lang=ky&code={election.tracking_codes[-1]}")
    page.wait_for_function("document.getElementById('browser-check').className !== ''", timeout=15_000)
    assert page.get_attribute("#browser-check", "class") == "ok"
    assert page.inner_text("#server-check") == page.inner_text("#browser-check")
    _shot(page, "track-ky")

    # The same script on a tampered root must say so.
    script = page.eval_on_selector("script", "s => s.textContent")
    page.eval_on_selector("#proof", "el => { el.dataset.root = '00'.repeat(32); }")
    page.evaluate(f"() => {{ {script} }}")
    page.wait_for_function("document.getElementById('browser-check').className === 'bad'", timeout=15_000)
    page.close()


def test_pages_render_in_the_browser(browser: object, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    for name, path in [
        ("overview-en", "/?lang=en"),
        ("board-ru", "/board?lang=ru"),
        ("tree-heads-en", "/tree-heads?lang=en"),
        ("turnout-ky", "/turnout?lang=ky"),
        ("results-ru", "/results?lang=ru"),
        ("precincts-en", "/precincts?lang=en"),
    ]:
        response = page.goto(base_url + path)
        assert response is not None and response.status == 200
        _shot(page, name)
    page.goto(f"{base_url}/results?lang=ru")
    assert page.locator("details.contest svg").count() >= 1
    page.close()


def test_reading_works_without_javascript(browser: object, base_url: str, election: BuiltElection) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{base_url}/track?lang=en&code={election.tracking_codes[-1]}")
    assert page.inner_text("#server-check") == "verified"
    assert "needs JavaScript" in page.inner_text("#browser-check")
    page.goto(f"{base_url}/board?lang=en")
    assert page.locator("#entries tr").count() > 10
    _shot(page, "board-no-js-en")
    context.close()
