"""The precinct map: places in the manifest, the dashboard's map page (inline SVG, no tile server) with ballots and
results by precinct and region in ky/ru/en, "find my precinct" on the page and in the API, GeoJSON; in headless
Chromium with axe-core and screenshots in ``artifacts/services/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from observer.board_export import load_export
from observer.dashboard.app import create_dashboard_app
from observer.dashboard.readers import ExportReader
from tests.browser import Screens, chromium, only_loopback, record_requests, serve_app
from tests.elections.places import CENTRES, sample_places
from tests.observer.election import BuiltElection, build_election, small_president_manifest
from tests.server.harness import Election
from tests.web.node import ensure_packages


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltElection:
    base = small_president_manifest()
    # Eight voters: a minimum cell of 1 lets every region keep its own decrypted counts (record.md §2.11), which
    # the map's leader column reads; with the default minimum these small regions would be merged and show none.
    base = base.model_copy(update={"policy": base.policy.model_copy(update={"min_cell_ballots": 1})})
    manifest = base.with_places(sample_places(base))
    return build_election(tmp_path_factory.mktemp("map") / "export.jsonl", voters=8, revotes=0, manifest=manifest)


@pytest.fixture(scope="module")
def pages(built: BuiltElection) -> TestClient:
    return TestClient(create_dashboard_app(ExportReader(load_export(built.path))))


@pytest.mark.parametrize(
    ("lang", "word"), [("ky", "Участоктордун картасы"), ("ru", "Карта участков"), ("en", "Precinct map")]
)
def test_map_page_draws_every_placed_precinct_without_a_tile_server(pages: TestClient, lang: str, word: str) -> None:
    html = pages.get(f"/map?lang={lang}").text
    assert word in html and '<svg id="map"' in html
    assert html.count('<path id="p-') == 4  # two precincts in each of the two home regions; abroad has no place
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"|href="[^"]*"', "", html.split('<svg id="map"')[1])


def test_map_tables_show_ballots_turnout_and_the_leader_by_region(pages: TestClient, built: BuiltElection) -> None:
    html = pages.get("/map?lang=en").text
    table = html[html.index('id="regions"') : html.index("</table>", html.index('id="regions"'))]
    rows = re.findall(r"<tr><td>([^<]+)</td>((?:<td[^>]*>[^<]*</td>)+)</tr>", table)
    cells = {name: re.findall(r">([^<]*)</td>", rest) for name, rest in rows}
    assert set(cells) == {"Batken Region", "Jalal-Abad Region", "Abroad"}
    # revotes=0: every ballot entry is counted, each in its ballot style's region
    assert sum(int(c[1]) for c in cells.values()) == len(load_export(built.path).of_kind("ballot"))
    assert any(c[1] != "0" and c[3].endswith("%") for c in cells.values())  # ballots over the register counts
    assert any(c[4] not in ("", "—") for c in cells.values())  # the decrypted counts name a leading candidate


def test_find_by_coordinates_and_by_address_on_the_page(pages: TestClient, built: BuiltElection) -> None:
    lon, lat = CENTRES["batken"]
    html = pages.get(f"/map?lang=ru&lat={lat}&lon={lon - 0.11}").text
    assert 'id="found"' in html and "внутри границ" in html and 'class="found"' in html
    assert "Ничего не найдено" in pages.get("/map?lang=ru&q=nowhere+at+all").text
    for bad in ("lat=95&lon=0", "lat=42", "lat=north&lon=74", "lat=nan&lon=74"):
        answer = pages.get(f"/map?lang=en&{bad}")
        assert answer.status_code == 422 and "Coordinates out of range" in answer.text, bad


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path)
    election.manifest = election.manifest.with_places(sample_places(election.manifest))
    yield election
    election.close()


def test_find_api_and_geojson(server: Election) -> None:
    assert server.http.get("/v1/precincts/find", params={"q": "Chui"}).json()["code"] == "wrong_phase"
    server.load_manifest()
    found = server.http.get("/v1/precincts/find", params={"q": "проспект Чуй 100"}).json()["precincts"]
    assert [f["region_id"] for f in found] == ["bishkek"] and found[0]["how"] == "address"
    lon, lat = CENTRES["issyk-kul"]
    by_point = server.http.get("/v1/precincts/find", params={"lat": lat, "lon": lon + 0.11}).json()["precincts"]
    assert by_point[0]["how"] == "inside" and by_point[0]["region_id"] == "issyk-kul"
    assert server.http.get("/v1/precincts/find", params={"lat": lat}).json()["code"] == "malformed"
    assert server.http.get("/v1/precincts/find", params={"lat": 91, "lon": 0}).status_code == 422
    collection = server.http.get("/v1/precincts/geojson").json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 18
    assert "/v1/precincts/find" in server.http.get("/openapi.json").json()["paths"]


def test_map_in_the_browser(built: BuiltElection) -> None:
    """The dashboard's map in ky/ru/en and "find my precinct" by address text and by coordinates: axe-core finds
    no violation, and no request leaves the loopback server (no tile or font server)."""
    ensure_packages()  # axe-core
    app = create_dashboard_app(ExportReader(load_export(built.path)))
    lon, lat = CENTRES["batken"]
    with serve_app(app) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        requests = record_requests(page)
        screens = Screens(page, "services")
        for lang in ("ky", "ru", "en"):
            page.goto(f"{url}/map?lang={lang}")
            assert page.locator("#map path").count() == 4
            screens.check(f"map-{lang}")
        page.fill("input[name=q]", "Lenin")
        page.click("#find button")
        page.wait_for_selector("#found")
        screens.check("map-find-en")
        page.goto(f"{url}/map?lang=ru&lat={lat}&lon={lon - 0.11}")
        assert page.locator("#found").count() == 1 and page.locator(".found").count() >= 1
        screens.check("map-find-coordinates-ru")
        only_loopback(requests, url)


def test_observe_map_and_find_api_of_the_voting_server_in_the_browser(server: Election) -> None:
    """The voting server's own pages: ``/observe/map`` (the dashboard mounted on the live board) and
    ``GET /v1/precincts/find`` answering the browser, by text and by coordinates."""
    ensure_packages()
    server.load_manifest()
    server.components.board.integrate()  # the dashboard reads what a signed tree head covers
    lon, lat = CENTRES["issyk-kul"]
    with serve_app(server.app, lifespan="off") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        requests = record_requests(page)
        screens = Screens(page, "services")
        page.goto(f"{url}/observe/map?lang=ky")
        assert page.locator("#map path").count() >= 1
        screens.check("observe-map-ky")
        page.fill("input[name=q]", "проспект Чуй 100")
        page.click("#find button")
        page.wait_for_selector("#found")
        screens.check("observe-map-find-ky")
        by_text = page.evaluate("async () => (await fetch('/v1/precincts/find?q=Chui')).json()")
        assert by_text["precincts"][0]["region_id"] == "bishkek"
        by_point = page.evaluate(f"async () => (await fetch('/v1/precincts/find?lat={lat}&lon={lon + 0.11}')).json()")
        assert by_point["precincts"][0]["how"] == "inside" and by_point["precincts"][0]["region_id"] == "issyk-kul"
        only_loopback(requests, url)
