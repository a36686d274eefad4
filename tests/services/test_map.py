"""The precinct map: places in the manifest, the dashboard's map page (inline SVG, no tile server) with ballots and
results by precinct and region in ky/ru/en, "find my precinct" on the page and in the API, GeoJSON; a browser
screenshot in ``artifacts/services/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from observer.board_export import load_export
from observer.dashboard.app import create_dashboard_app
from observer.dashboard.readers import ExportReader
from tests.elections.places import CENTRES, sample_places
from tests.observer.election import BuiltElection, build_election, small_president_manifest
from tests.server.harness import Election

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "services"


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
    from tests.observer.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, _need_chromium

    _need_chromium()
    playwright = pytest.importorskip("playwright.sync_api")
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_dashboard_app(ExportReader(load_export(built.path)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1000})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            for lang in ("ky", "ru", "en"):
                page.goto(f"http://127.0.0.1:{port}/map?lang={lang}")
                assert page.locator("#map path").count() == 4
                page.screenshot(path=str(ARTIFACTS / f"map-{lang}.png"), full_page=True)
            page.fill("input[name=q]", "Lenin")
            page.click("#find button")
            page.wait_for_selector("#found")
            page.screenshot(path=str(ARTIFACTS / "map-find-en.png"), full_page=True)
            assert all(u.startswith(f"http://127.0.0.1:{port}/") for u in requests)  # no tile or font server
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
