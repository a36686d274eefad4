"""The dashboard in headless Chromium (Playwright): the inclusion proof is checked by the page's own script,
pages read without JavaScript, axe-core reports no violation on any page, every request stays on the loopback
server, and screenshots go to ``artifacts/observer/`` (ignored by git).

Chromium comes from the Debian package (`tests.browser`); without /usr/bin/chromium the test is skipped locally and
fails in CI (CI=true).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from observer.board_export import load_export
from observer.dashboard.app import create_dashboard_app
from observer.dashboard.readers import ExportReader
from tests.browser import Screens, chromium, need_chromium, only_loopback, record_requests, serve_app
from tests.observer.election import BuiltElection
from tests.web.node import ensure_packages


@pytest.fixture(scope="module")
def base_url(election: BuiltElection) -> Iterator[str]:
    need_chromium()
    ensure_packages()  # axe-core
    app = create_dashboard_app(ExportReader(load_export(election.path)))
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _first_ballot(election: BuiltElection) -> int:
    from bulletin_board.entries import EntryKind

    board = election.board
    return next(i for i in range(board.size) if board.entry(i).kind is EntryKind.BALLOT)


def _shot(page: Any, name: str) -> None:
    Screens(page, "observer").shot(name)


def test_page_checks_the_inclusion_proof_with_webcrypto(
    browser: object, base_url: str, election: BuiltElection
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base_url}/track?lang=ky&code={election.tracking_codes[-1]}")
    page.wait_for_function("document.getElementById('browser-check').className !== ''", timeout=15_000)
    assert page.get_attribute("#browser-check", "class") == "ok"
    assert page.inner_text("#server-check") == page.inner_text("#browser-check")
    Screens(page, "observer").check("track-ky")

    # The same script on a tampered root must say so.
    script = page.eval_on_selector("script", "s => s.textContent")
    page.eval_on_selector("#proof", "el => { el.dataset.root = '00'.repeat(32); }")
    page.evaluate(f"() => {{ {script} }}")
    page.wait_for_function("document.getElementById('browser-check').className === 'bad'", timeout=15_000)
    page.close()


def test_pages_render_in_the_browser(browser: object, base_url: str, election: BuiltElection) -> None:
    ballot_index = _first_ballot(election)
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    requests = record_requests(page)
    screens = Screens(page, "observer")
    for name, path in [
        ("overview-en", "/?lang=en"),
        ("overview-ky", "/?lang=ky"),
        ("board-ru", "/board?lang=ru"),
        ("tree-heads-en", "/tree-heads?lang=en"),
        ("turnout-ky", "/turnout?lang=ky"),
        ("results-ru", "/results?lang=ru"),
        ("precincts-en", "/precincts?lang=en"),
        ("map-ky", "/map?lang=ky"),
        ("entry-en", "/board/1?lang=en"),
        ("ballot-entry-ru", f"/board/{ballot_index}?lang=ru"),
    ]:
        response = page.goto(base_url + path)
        assert response is not None and response.status == 200
        screens.check(name)  # axe-core: no violation on any page
    page.goto(f"{base_url}/results?lang=ru")
    assert page.locator("details.contest svg").count() >= 1
    page.goto(f"{base_url}/?lang=ru")
    assert page.locator("#region-map path").count() == 8 and page.locator("#region-map").is_visible()
    only_loopback(requests, base_url)
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
