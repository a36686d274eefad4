"""The kiosk screen in headless Chromium, driven by the keyboard alone: Tab, type, Space, Enter — no mouse.

Chromium comes from the Debian package (/usr/bin/chromium); without it the test is skipped locally and fails in
CI (CI=true). Screenshots go to artifacts/precinct/ (not the repository).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bulletin_board.entries import EntryKind
from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker
from tests.precinct.day import PRECINCT, PrecinctDay, kiosk_for, style_of

PUBLIC_URL = "https://shailoo.example.kg"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "precinct"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser test must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def kiosk_url(tmp_path: Path) -> Iterator[tuple[PrecinctDay, str]]:
    _need_chromium()
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, _ = kiosk_for(day, f"kiosk-{PRECINCT}-1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url=PUBLIC_URL),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield day, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    day.close()


def _tab_until(page: Any, condition: str, limit: int = 30) -> None:
    """Press Tab until the focused element satisfies the JavaScript ``condition`` on ``e``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {condition}; }})()"):
            return
    raise AssertionError(f"never focused an element with {condition}")


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.slow
def test_a_voter_votes_with_the_keyboard_alone(kiosk_url: tuple[PrecinctDay, str]) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    day, url = kiosk_url
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        page.goto(url)
        # Large text, by keyboard: Tab to the toggle and press Enter.
        _tab_until(page, "e.getAttribute('aria-pressed') === 'false'")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert page.get_attribute("body", "class") == "large"
        _shot(page, "start-large-ky")
        _tab_until(page, "e.id === 'national_id'")
        page.keyboard.type(number)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/ballot")
        _shot(page, "ballot-ky")
        _tab_until(page, "e.type === 'radio'")
        page.keyboard.press("ArrowDown")  # the second candidate, chosen with the arrow keys
        assert page.evaluate("document.activeElement.checked") is True
        _tab_until(page, "e.tagName === 'BUTTON' && e.type === 'submit' && e.closest('main') !== null")
        page.keyboard.press("Enter")
        page.wait_for_selector(".code")
        _shot(page, "review-ky")
        # The review lists the choice; Enter alone casts nothing: the voter ticks the confirmation, then casts.
        assert page.locator("dl.choices dd").count() >= 1
        page.keyboard.press("Enter")
        assert page.locator("p[role=status]").count() == 0
        _tab_until(page, "e.name === 'confirm'")
        page.keyboard.press("Space")
        _tab_until(page, "e.tagName === 'BUTTON' && e.closest('form').getAttribute('action') === '/cast'")
        page.keyboard.press("Enter")
        page.wait_for_selector("p[role=status]")
        code = page.inner_text("main .code")
        _shot(page, "receipt-ky")
        browser.close()
    ballots = [e for e in day.board.entries(0, day.board.size) if e.kind is EntryKind.BALLOT]
    assert len(ballots) == 1 and ballots[0].payload["precinct_id"] == PRECINCT
    assert len(code) == 19
