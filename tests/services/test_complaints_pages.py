"""The complaints pages in Kyrgyz, Russian and English: filing by form (with a file) and looking up the status by
code, without JavaScript; and in headless Chromium with screenshots in ``artifacts/services/``."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.observer.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, _need_chromium
from tests.server.harness import Election

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "services"


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
    _need_chromium()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(election.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_filing_in_the_browser(base_url: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 1000})
        for lang in ("ky", "ru", "en"):
            page.goto(f"{base_url}/complaints?lang={lang}")
            page.screenshot(path=str(ARTIFACTS / f"complaints-{lang}.png"), full_page=True)
        page.check("input[value=observer]")
        page.fill("#text", "The precinct opened an hour late")
        page.click("button[type=submit]")
        page.wait_for_selector("#status")
        code = page.inner_text(".code")
        page.screenshot(path=str(ARTIFACTS / "complaint-filed-en.png"), full_page=True)
        page.goto(f"{base_url}/complaints?lang=ky")
        page.fill("#code", code)
        page.click("form[action='/complaints/status'] button")
        page.wait_for_selector("#status")
        assert code in page.inner_text("#status")
        page.screenshot(path=str(ARTIFACTS / "complaint-status-ky.png"), full_page=True)
        browser.close()
