"""The verification page (issue 18): the second verifier in the browser, served at ``/verify`` and as one
offline HTML file, in Debian's Chromium (Playwright).

A ``shailoo demo`` presidential export is given to the page three ways — the file picker, a drop, and the board's
export URL on the same origin — and the statuses of the page's numbered checks must equal those of the Node command
(``node dist/verifier/src/cli.js EXPORT --json``) for the same export and options. A tampered export (one byte of
one ballot's signature flipped) shows a failing check. axe-core finds no violation; screenshots go to
``artifacts/web/``. Every request goes to the page's own origin. Without /usr/bin/chromium or Node the browser
tests are skipped locally and fail in CI (CI=true).

The board's export route is stood in for by a route serving the demo's ``board.jsonl`` at the same path
(``/v1/board/export``), since the demo's record is a file: what is tested is the page reading a same-origin
streamed export, not the board.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.testclient import TestClient

from observer.verify_page import CONTENT_SECURITY_POLICY, OFFLINE_FILE, build_verify_page_router
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Screens, serve_app
from tests.browser import need_chromium as _need_chromium
from tests.observer.election import flip_hex_byte, read_lines, write_lines
from tests.web.node import WEB, ensure_packages, need_node, npm_ci, run

VERIFIER = WEB / "verifier"
CLI = VERIFIER / "dist" / "verifier" / "src" / "cli.js"
DEMO_BITS = "2048"


# -- the server side (no browser) ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(build_verify_page_router())
    return TestClient(app)


def test_the_page_is_served_under_a_strict_policy(client: TestClient) -> None:
    moved = client.get("/verify", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/verify/"
    page = client.get("/verify/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="verify.js">' in page.text
    for name, media in (("verify.js", "text/javascript"), ("worker.js", "text/javascript"), ("verify.css", "text/css")):
        response = client.get(f"/verify/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    for response in (page, client.get("/verify/worker.js"), client.get("/verify/nothing.js")):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_offline_file_is_a_download_and_nothing_else_is_served(client: TestClient) -> None:
    offline = client.get(f"/verify/{OFFLINE_FILE}")
    assert offline.status_code == 200
    assert offline.headers["content-disposition"] == f'attachment; filename="{OFFLINE_FILE}"'
    assert 'id="shailoo-verify-worker" type="text/plain"' in offline.text and 'src="verify.js"' not in offline.text
    for bad in ("/verify/..%2Fpyproject.toml", "/verify/.hidden.js", "/verify/build.mjs", "/verify/index.txt"):
        assert client.get(bad).status_code == 404, bad


def test_the_committed_page_equals_a_fresh_build(tmp_path: Path) -> None:
    node = need_node()[0]
    ensure_packages()
    npm_ci(VERIFIER)  # the page bundles web/verifier's checks with the packages of web/verifier's own lock
    out = tmp_path / "verify"
    done = run([node, "build.mjs", "--verify-out", str(out)], timeout=300)
    assert done.returncode == 0, done.stderr
    fresh = {p.name: p.read_bytes() for p in out.iterdir()}
    served = {p.name: p.read_bytes() for p in (WEB / "dist" / "verify").iterdir()}
    assert sorted(fresh) == sorted(served)
    stale = [name for name in fresh if fresh[name] != served[name]]
    assert not stale, f"web/dist/verify is stale ({stale}): run `npm run build` in web/ and commit"


# -- in Chromium -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ts_cli() -> Path:
    _need_chromium()
    _node, npm = need_node()
    ensure_packages()
    npm_ci(VERIFIER)
    subprocess.run([npm, "run", "--silent", "build"], cwd=VERIFIER, check=True, timeout=300)
    return CLI


@pytest.fixture(scope="module")
def demo(ts_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from cli.main import app

    out = tmp_path_factory.mktemp("verify-page") / "demo"
    result = CliRunner().invoke(app, ["demo", "--voters", "6", "--issuer-bits", DEMO_BITS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "board.jsonl"


@pytest.fixture(scope="module")
def tampered(demo: Path) -> Path:
    """The demo's export with one byte of the first ballot's credential signature flipped."""
    lines = read_lines(demo)
    ballot = next(line for line in lines if line.get("type") == "entry" and line["kind"] == "ballot")
    ballot["payload"]["signature"] = flip_hex_byte(ballot["payload"]["signature"], 3)
    path = demo.with_name("tampered.jsonl")
    write_lines(path, lines)
    return path


def node_statuses(cli: Path, path: Path) -> dict[int, str]:
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, str(cli), str(path), "--json", "--min-issuer-bits", DEMO_BITS],
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    report: dict[str, Any] = json.loads(done.stdout)
    return {c["number"]: c["status"] for c in report["checks"]}


@pytest.fixture(scope="module")
def base_url(demo: Path) -> Iterator[str]:
    app = FastAPI()
    app.include_router(build_verify_page_router())

    @app.get("/v1/board/export")
    def export() -> FileResponse:  # stands in for the board's streamed export route (see the module docstring)
        return FileResponse(demo, media_type="application/x-ndjson")

    with serve_app(app, lifespan="off") as url:
        yield url


@pytest.fixture
def page(base_url: str) -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="ky-KG")
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.requests = requests
        try:
            yield page
        finally:
            context.close()
            browser.close()


def page_statuses(page: Any) -> dict[int, str]:
    page.wait_for_selector("body[data-state=done], body[data-state=error]", timeout=300_000)
    assert page.get_attribute("body", "data-state") == "done", page.inner_text("#summary")
    rows = page.eval_on_selector_all("#checks tbody tr", "rows => rows.map(r => [r.dataset.number, r.dataset.status])")
    return {int(number): status for number, status in rows}


def test_the_page_verifies_the_demo_export_as_the_node_command_does(
    page: Any, base_url: str, demo: Path, ts_cli: Path
) -> None:
    screens = Screens(page, "web", "verify")
    page.goto(f"{base_url}/verify/?min-issuer-bits={DEMO_BITS}")
    page.wait_for_selector("#file")
    assert page.get_attribute("html", "lang") == "ky"
    screens.check("01-start-ky")
    page.evaluate(
        """() => { window.seen = []; new MutationObserver(() => { const bar = document.getElementById('bar');
        if (bar && !bar.hidden) window.seen.push(bar.getAttribute('value')); })
        .observe(document.body, {attributes: true, subtree: true, childList: true}); }"""
    )
    page.set_input_files("#file", str(demo))
    statuses = page_statuses(page)
    shown = [float(v) for v in page.evaluate("() => window.seen") if v is not None]
    assert any(0 < v < 1 for v in shown) and shown == sorted(shown), shown  # the progress bar moved forward
    expected = node_statuses(ts_cli, demo)
    assert statuses == expected
    assert "fail" not in statuses.values() and statuses[20] == "pass"
    assert page.locator("#summary .good").count() == 1
    page.locator("#checks details").first.locator("summary").click()  # evidence opens
    screens.check("02-verified-ky")
    for code, title in (("ru", "Проверьте выборы сами"), ("en", "Verify the election yourself")):
        page.click(f"nav button[lang={code}]")
        assert page.get_attribute("html", "lang") == code and page.inner_text("h1") == title
        assert page_statuses(page) == expected  # the result stays, in the new language
    screens.check("03-verified-en")
    assert all(url.startswith(base_url) for url in page.requests), page.requests


#: What the result table must show for checks 20 and 43, their area, and a status, in each language
#: (web/verify/src/check_names.ts and i18n.ts); English is the verifier's own name.
CHECK_WORDS = {
    "ky": {
        20: "Ар бир бюллетень: коддоо, каттоочунун жана добуш берүү ачкычынын колтамгалары",
        43: "Эрежелер боюнча кайра эсептелген жыйынтыктар жана орундар",
        "ballots": "Бюллетендер",
        "tally": "Эсептөө",
        "pass": "өттү",
    },
    "ru": {
        20: "Каждый бюллетень: кодировка, подписи регистратора и ключа голосования",
        43: "Итоги и мандаты, пересчитанные по правилам",
        "ballots": "Бюллетени",
        "tally": "Подсчёт",
        "pass": "пройдена",
    },
    "en": {
        20: "Every ballot: encodings, registrar and credential signatures",
        43: "Results and seats recomputed by the rules engine",
        "ballots": "Ballots",
        "tally": "Tally",
        "pass": "pass",
    },
}


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_the_result_table_names_the_checks_in_the_pages_language(
    page: Any, base_url: str, demo: Path, ts_cli: Path, lang: str
) -> None:
    page.goto(f"{base_url}/verify/?min-issuer-bits={DEMO_BITS}&lang={lang}")
    page.wait_for_selector("#file")
    page.set_input_files("#file", str(demo))
    statuses = page_statuses(page)
    assert statuses == node_statuses(ts_cli, demo)
    # every check runs in the page now: no "not run yet" line (it appears only when a check says not_implemented)
    assert "not_implemented" not in statuses.values()
    assert page.query_selector("#not-run") is None

    def row(number: int) -> list[str]:
        cells: list[str] = page.eval_on_selector_all(
            f"#checks tbody tr[data-number='{number}'] > *", "cells => cells.map(c => c.textContent)"
        )
        return cells

    shown = {code: CHECK_WORDS[code] for code in (lang, "en")}
    for code, words in shown.items():  # the page's language, then switched to English
        page.click(f"nav button[lang={code}]")
        for number, area in ((20, "ballots"), (43, "tally")):
            cells = row(number)
            assert cells[1] == words[area] and cells[2].startswith(str(words[number])) and cells[3] == words["pass"]
        other = CHECK_WORDS["en" if code != "en" else lang]
        assert str(other[43]) not in page.inner_text("#checks")
        Screens(page, "web", "verify").check(f"06-names-{lang}-{code}")
    # the verifier's explanations stay English, and say so to a screen reader
    assert page.eval_on_selector("#checks tbody tr[data-number='20'] > td:last-child > span", "s => s.lang") == "en"


def test_the_page_reads_the_boards_export_url_streamed(page: Any, base_url: str, demo: Path, ts_cli: Path) -> None:
    page.goto(f"{base_url}/verify/?min-issuer-bits={DEMO_BITS}&lang=en")
    page.wait_for_selector("#url")
    assert page.input_value("#url") == "/v1/board/export"
    page.click("#verify-url")
    assert page_statuses(page) == node_statuses(ts_cli, demo)
    assert f"{base_url}/v1/board/export" in page.requests
    assert all(url.startswith(base_url) for url in page.requests), page.requests


def test_the_page_fetches_no_other_origin(page: Any, base_url: str) -> None:
    elsewhere = "http://127.0.0.2:9/v1/board/export"
    page.goto(f"{base_url}/verify/?lang=en&export={elsewhere}")  # ?export= fills the address field
    assert page.input_value("#url") == elsewhere
    page.click("#verify-url")
    page.wait_for_selector("body[data-state=error]", timeout=60_000)
    assert "(fetch_failed): only this site's own export can be fetched" in page.inner_text("#summary")
    assert not any(url.startswith("http://127.0.0.2") for url in page.requests)


def test_a_dropped_tampered_export_shows_a_failing_check(
    page: Any, base_url: str, tampered: Path, ts_cli: Path
) -> None:
    page.goto(f"{base_url}/verify/?min-issuer-bits={DEMO_BITS}&lang=en")
    page.wait_for_selector("#drop")
    content = tampered.read_text(encoding="utf-8")
    data = page.evaluate_handle(
        "text => { const dt = new DataTransfer(); dt.items.add(new File([text], 'board.jsonl')); return dt; }", content
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": data})
    statuses = page_statuses(page)
    assert statuses == node_statuses(ts_cli, tampered)
    assert statuses[20] == "fail"
    assert page.locator("#summary .bad").count() == 1
    Screens(page, "web", "verify").check("04-tampered-en")


def test_the_saved_single_file_verifies_offline(page: Any, demo: Path, ts_cli: Path) -> None:
    page.goto((WEB / "dist" / "verify" / OFFLINE_FILE).as_uri() + f"?min-issuer-bits={DEMO_BITS}&lang=ru")
    page.wait_for_selector("#file")
    assert page.locator("#url").count() == 0  # no server to fetch from
    assert page.locator("a[download]").count() == 0  # nor a page to save: this is the saved one
    assert page.get_attribute("html", "lang") == "ru"
    page.set_input_files("#file", str(demo))
    assert page_statuses(page) == node_statuses(ts_cli, demo)
    assert str(CHECK_WORDS["ru"][20]) in page.inner_text("#checks tbody tr[data-number='20']")
    assert all(url.startswith(("file:", "blob:")) for url in page.requests), page.requests
    Screens(page, "web", "verify").shot("05-offline-ru")


def test_the_voting_server_serves_the_page(tmp_path: Path) -> None:
    from voting_server.app import create_app
    from voting_server.settings import Settings

    with TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'server.db'}"))) as server:
        page = server.get("/verify/")
        assert page.status_code == 200 and 'src="verify.js"' in page.text
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
