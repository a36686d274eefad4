"""The API reference in Debian's Chromium: ``/docs`` is Swagger UI (its "Try it out" answers from this server) and
``/redoc`` is ReDoc, both from the files of the ``fastapi-offline`` package, and no request leaves loopback.

Every request the browser sends to the network passes a Playwright route: one off loopback is recorded and aborted
(so the test itself never sends traffic away). ReDoc's sidebar links an image on its vendor's CDN; the pages'
Content-Security-Policy stops it before the network (Playwright reports it failed with ``csp``), so the route never
sees it. Without the policy the route sees it and the test fails. Screenshots go to ``artifacts/api-docs/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import ARTIFACTS, chromium, need_chromium, serve_app
from tests.server.harness import Election


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_chromium()
    election = Election(tmp_path_factory.mktemp("api-docs"))
    try:
        with serve_app(election.app, lifespan="off") as url:
            yield url
    finally:
        election.close()


class Traffic:
    """What a page asked for: URLs that reached the network layer, and requests that failed (with the reason)."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.sent: list[str] = []
        self.away: list[str] = []
        self.failed: list[tuple[str, str | None]] = []
        self.base_url = base_url

        def guard(route: Any) -> None:
            url = route.request.url
            self.sent.append(url)
            if url.startswith((base_url + "/", "data:", "blob:")):
                route.continue_()
            else:
                self.away.append(url)
                route.abort("blockedbyclient")

        page.route("**/*", guard)
        page.on("requestfailed", lambda r: self.failed.append((r.url, r.failure)))


def open_page(browser: Any, url: str) -> tuple[Any, Traffic]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    return page, Traffic(page, url)


def test_swagger_ui_renders_every_operation_and_tries_one_out(site: str) -> None:
    with chromium() as browser:
        page, traffic = open_page(browser, site)
        page.goto(site + "/docs")
        page.wait_for_selector(".opblock")
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/v1/ballots" in paths and "/v1/admin/tally" in paths and "/health" in paths
        # "Try it out" on GET /health: Swagger UI asks this server and shows the answer.
        health = page.locator("#operations-health-health_health_get")
        health.locator(".opblock-summary").click()
        health.locator("button.try-out__btn").click()
        health.locator("button.execute").click()
        page.wait_for_selector("#operations-health-health_health_get .live-responses-table .response-col_status")
        status = health.locator(".live-responses-table tbody .response-col_status").first.inner_text()
        assert status.strip() == "200"
        (ARTIFACTS / "api-docs").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api-docs" / "swagger-ui.png"))
        assert site + "/docs/assets/swagger-ui-bundle.js" in traffic.sent
        assert site + "/health" in traffic.sent
        assert traffic.away == [] and traffic.failed == []


def test_redoc_renders_every_operation_and_nothing_leaves_loopback(site: str) -> None:
    with chromium() as browser:
        page, traffic = open_page(browser, site)
        page.goto(site + "/redoc")
        page.wait_for_selector("[data-section-id]")
        page.wait_for_load_state("networkidle")
        sections = page.locator("[data-section-id^='operation/']").count()
        assert sections >= 40
        text = page.locator("#redoc").inner_text()
        assert "/v1/ballots" in text and "/v1/admin/tally" in text
        (ARTIFACTS / "api-docs").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api-docs" / "redoc.png"))
        assert site + "/docs/assets/redoc.standalone.js" in traffic.sent
        assert traffic.away == []
        # What ReDoc tried to fetch from elsewhere was stopped by the page's policy, before the network.
        assert all(reason == "csp" for _, reason in traffic.failed), traffic.failed
