"""The complaints pages in Kyrgyz, Russian and English: filing by form (with a file) and looking up the status by
code, without JavaScript; and in headless Chromium with axe-core and screenshots in ``artifacts/services/``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import Screens, chromium, need_chromium, only_loopback, record_requests, serve_app
from tests.server.harness import Election
from tests.web.node import ensure_packages


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    built = Election(tmp_path_factory.mktemp("complaint-pages"))
    built.load_manifest()
    yield built
    built.close()


@pytest.mark.parametrize(
    ("lang", "title"), [("ky", "Даттануулар реестри"), ("ru", "Реестр жалоб"), ("en", "Complaints")]
)
def test_form_page_in_each_language(election: Election, lang: str, title: str) -> None:
    page = election.http.get(f"/complaints?lang={lang}")
    assert page.status_code == 200 and title in page.text and f'lang="{lang}"' in page.text


def test_filing_by_form_with_a_file_then_status_by_code(election: Election) -> None:
    size = election.components.board.size
    answer = election.http.post(
        "/complaints?lang=ru",
        data={"complainant": "candidate", "category": "other", "text": "Агитация в день выборов"},
        files=[("files", ("note.txt", b"witness notes", "text/plain"))],
    )
    assert answer.status_code == 200, answer.text
    code = re.search(r"C-[0-9A-Z]{16}", answer.text)
    assert code is not None and "на рассмотрении" in answer.text
    assert election.components.board.size == size + 1
    status = election.http.get(f"/complaints/status?lang=en&code={code.group(0)}")
    assert "open" in status.text and "Агитация" not in status.text


def test_form_errors_are_shown_with_their_code_and_change_nothing(election: Election) -> None:
    size = election.components.board.size
    answer = election.http.post(
        "/complaints?lang=en", data={"complainant": "voter", "category": "ballot_missing", "promise": "nonsense"}
    )
    assert answer.status_code == 422 and "invalid_promise" in answer.text
    too_big = election.http.post(
        "/complaints?lang=en",
        data={"complainant": "voter", "category": "other", "text": "t"},
        files=[("files", ("big.png", b"x" * (256 * 1024 + 1), "image/png"))],
    )
    assert too_big.status_code == 413 and "attachment_too_large" in too_big.text
    missing = election.http.get("/complaints/status?lang=ky&code=C-0000000000000000")
    assert missing.status_code == 404 and "unknown_complaint" in missing.text
    assert election.components.board.size == size


@pytest.fixture(scope="module")
def base_url(election: Election) -> Iterator[str]:
    need_chromium()
    ensure_packages()  # axe-core
    with serve_app(election.app, lifespan="off") as url:
        yield url


def test_filing_in_the_browser(base_url: str) -> None:
    """The form in ky/ru/en, a complaint filed, its status by code: axe-core finds no violation on any page and
    no request leaves the loopback server."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 900, "height": 1000})
        requests = record_requests(page)
        screens = Screens(page, "services")
        for lang in ("ky", "ru", "en"):
            page.goto(f"{base_url}/complaints?lang={lang}")
            screens.check(f"complaints-{lang}")
        page.check("input[value=observer]")
        page.fill("#text", "The precinct opened an hour late")
        page.click("button[type=submit]")
        page.wait_for_selector("#status")
        code = page.inner_text(".code")
        screens.check("complaint-filed-en")
        page.goto(f"{base_url}/complaints?lang=ky")
        page.fill("#code", code)
        page.click("form[action='/complaints/status'] button")
        page.wait_for_selector("#status")
        assert code in page.inner_text("#status")
        screens.check("complaint-status-ky")
        page.goto(f"{base_url}/complaints/status?lang=ru&code=C-0000000000000000")
        assert "unknown_complaint" in page.content()
        screens.check("complaint-unknown-ru")
        only_loopback(requests, base_url)
