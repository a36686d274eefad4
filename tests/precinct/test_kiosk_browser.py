"""The kiosk screen in headless Chromium, driven by the keyboard alone: Tab, type, Space, Enter — no mouse.

Chromium comes from the Debian package (/usr/bin/chromium); without it the test is skipped locally and fails in
CI (CI=true). axe-core reports no violation on any screen; every request stays on the kiosk's loopback server.
Screenshots go to artifacts/precinct/ (not the repository).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulletin_board.entries import EntryKind
from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker
from tests.browser import Screens, chromium, need_chromium, only_loopback, record_requests, serve_app
from tests.precinct.day import PRECINCT, PrecinctDay, kiosk_for, style_of
from tests.web.node import ensure_packages

PUBLIC_URL = "https://shailoo.example.kg"


@pytest.fixture
def kiosk_url(tmp_path: Path) -> Iterator[tuple[PrecinctDay, str]]:
    need_chromium()
    ensure_packages()  # axe-core
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, _ = kiosk_for(day, f"kiosk-{PRECINCT}-1")
    app = create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url=PUBLIC_URL)
    with serve_app(app) as url:
        yield day, url
    day.close()


def _tab_until(page: Any, condition: str, limit: int = 30) -> None:
    """Press Tab until the focused element satisfies the JavaScript ``condition`` on ``e``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {condition}; }})()"):
            return
    raise AssertionError(f"never focused an element with {condition}")


@pytest.mark.slow
def test_a_voter_votes_with_the_keyboard_alone(kiosk_url: tuple[PrecinctDay, str]) -> None:
    day, url = kiosk_url
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        requests = record_requests(page)
        screens = Screens(page, "precinct")
        page.goto(url)
        screens.check("start-ky")
        # Large text, by keyboard: Tab to the toggle and press Enter.
        _tab_until(page, "e.getAttribute('aria-pressed') === 'false'")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert page.get_attribute("body", "class") == "large"
        screens.check("start-large-ky")
        _tab_until(page, "e.id === 'national_id'")
        page.keyboard.type(number)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{url}/ballot")
        screens.check("ballot-ky")
        _tab_until(page, "e.type === 'radio'")
        page.keyboard.press("ArrowDown")  # the second candidate, chosen with the arrow keys
        assert page.evaluate("document.activeElement.checked") is True
        _tab_until(page, "e.tagName === 'BUTTON' && e.type === 'submit' && e.closest('main') !== null")
        page.keyboard.press("Enter")
        page.wait_for_selector(".code")
        screens.check("review-ky")
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
        screens.check("receipt-ky")
        only_loopback(requests, url)
    ballots = [e for e in day.board.entries(0, day.board.size) if e.kind is EntryKind.BALLOT]
    assert len(ballots) == 1 and ballots[0].payload["precinct_id"] == PRECINCT
    assert len(code) == 19


def test_a_screen_left_alone_goes_back_to_kyrgyz(tmp_path: Path) -> None:
    """The idle script (`/idle.js`): a start page in English, untouched, returns to the empty Kyrgyz start page;
    it waits on an event (the page's language changing), not on a clock."""
    need_chromium()
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    try:
        kiosk, _ = kiosk_for(day, f"kiosk-{PRECINCT}-1")
        app = create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url=PUBLIC_URL, idle_seconds=1)
        with serve_app(app) as url, chromium() as browser:
            page = browser.new_page()
            page.goto(url)
            page.click("button[lang=en]")
            page.wait_for_function("document.documentElement.lang === 'en'")
            page.wait_for_function("document.documentElement.lang === 'ky'", timeout=15_000)
            assert page.url == f"{url}/"
    finally:
        day.close()
