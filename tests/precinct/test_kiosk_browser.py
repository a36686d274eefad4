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
        with page.expect_navigation():  # the toggle posts a form; wait for the page it answers with
            page.keyboard.press("Enter")
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


def test_the_poll_workers_screens_and_the_pin_lock(tmp_path: Path) -> None:
    """A voter walks away identified: the start page offers the poll worker's folded form; five wrong PINs lock
    it (the error page says so in Kyrgyz). axe-core finds no violation on these screens either."""
    from precinct.kiosk import MAX_POLL_WORKER_PIN_FAILURES

    need_chromium()
    ensure_packages()
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    try:
        kiosk, _ = kiosk_for(day, f"kiosk-{PRECINCT}-1", poll_worker_pin="482913")
        number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
        app = create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url=PUBLIC_URL)
        with serve_app(app) as url, chromium() as browser:
            page = browser.new_page(viewport={"width": 1024, "height": 900})
            requests = record_requests(page)
            screens = Screens(page, "precinct")
            page.goto(url)
            page.fill("#national_id", number)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{url}/ballot")
            page.goto(url)  # she walked away; the next person sees the start page
            page.click("details.poll-worker summary")
            screens.check("poll-worker-form-ky")
            for attempt in range(MAX_POLL_WORKER_PIN_FAILURES):
                page.goto(url)
                page.click("details.poll-worker summary")
                page.fill("form[action='/poll-worker/end'] input[type=password]", f"{attempt:06d}")
                with page.expect_navigation():
                    page.click("form[action='/poll-worker/end'] button")
            assert "poll_worker_locked" in page.content()
            screens.check("poll-worker-locked-ky")
            only_loopback(requests, url)
        assert kiosk.poll_worker_locked() and kiosk.voter_in_progress()
    finally:
        day.close()
