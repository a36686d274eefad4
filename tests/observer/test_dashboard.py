"""The observer dashboard, read as HTML without JavaScript (httpx via the ASGI test client)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bulletin_board import merkle
from observer.board_export import load_export
from observer.dashboard.app import create_dashboard_app
from observer.dashboard.charts import seat_positions
from observer.dashboard.readers import ExportReader
from tests.observer.election import BuiltElection


@pytest.fixture(scope="module")
def client(election: BuiltElection) -> TestClient:
    return TestClient(create_dashboard_app(ExportReader(load_export(election.path))))


@pytest.mark.parametrize(("lang", "word"), [("ky", "Катышуу"), ("ru", "Явка"), ("en", "Turnout")])
def test_every_page_in_three_languages(client: TestClient, lang: str, word: str) -> None:
    for page in ("/", "/board", "/tree-heads", "/turnout", "/track", "/results", "/precincts"):
        response = client.get(page, params={"lang": lang})
        assert response.status_code == 200, page
        assert f'<html lang="{lang}">' in response.text
        assert word in response.text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ky", "Бул шайлоону өз браузериңизде өзүңүз текшериңиз"),
        ("ru", "Проверьте эти выборы сами в своём браузере"),
        ("en", "Verify this election yourself in your browser"),
    ],
)
def test_every_page_links_to_the_verification_page(client: TestClient, lang: str, words: str) -> None:
    for page in ("/", "/board", "/tree-heads", "/results"):
        text = client.get(page, params={"lang": lang}).text
        assert f'<a id="verify-in-browser" href="/verify/?lang={lang}">{words}</a>' in text, page
    # the offline dashboard (`shailoo observe EXPORT`) serves the page the link names
    served = client.get("/verify/")
    assert served.status_code == 200 and 'src="verify.js"' in served.text


def test_kyrgyz_is_the_default_and_unknown_languages_are_refused(client: TestClient) -> None:
    assert '<html lang="ky">' in client.get("/").text
    assert client.get("/", params={"lang": "de"}).status_code == 422


def test_board_explorer_lists_entries_with_their_hashes(client: TestClient, election: BuiltElection) -> None:
    page = client.get("/board", params={"lang": "en"}).text
    first = election.board.entry(0)
    assert first.entry_hash.hex()[:16] in page
    assert "trustee_commitment" in page and "joint_key" in page
    entry = client.get(f"/board/{election.indices['ballot'][0]}", params={"lang": "en"}).text
    assert "&#34;contests&#34;" in entry and 'id="server-check" class="ok"' in entry
    assert client.get("/board/100000").status_code == 404


def test_tree_heads_show_witness_cosignatures(client: TestClient, election: BuiltElection) -> None:
    page = client.get("/tree-heads", params={"lang": "en"}).text
    for head in election.board.tree_heads():
        assert head.root_hash.hex() in page
    assert page.count("witness.osce.test") == len(election.board.tree_heads())


def test_tracking_code_lookup_shows_a_proof_that_checks(client: TestClient, election: BuiltElection) -> None:
    code = election.tracking_codes[-1]
    page = client.get("/track", params={"code": code, "lang": "en"}).text
    assert code in page and "counted" in page
    assert 'id="server-check" class="ok"' in page
    index = int(re.search(r'data-index="(\d+)"', page).group(1))
    size = int(re.search(r'data-size="(\d+)"', page).group(1))
    hashes = [bytes.fromhex(h) for h in re.search(r'data-hashes="([0-9a-f,]*)"', page).group(1).split(",") if h]
    root = bytes.fromhex(re.search(r'data-root="([0-9a-f]+)"', page).group(1))
    merkle.verify_inclusion(election.board.entry(index).entry_hash, index, size, hashes, root)


def test_superseded_and_spoiled_ballots_say_so(client: TestClient, election: BuiltElection) -> None:
    superseded = client.get("/track", params={"code": election.tracking_codes[0], "lang": "en"}).text
    assert "superseded by a later ballot" in superseded
    assert "No ballot with this code" in client.get("/track", params={"code": "AAAA-BBBB-CCCC-DDDD", "lang": "en"}).text


def test_the_tracking_page_shows_the_credential_fingerprint_and_when_the_board_took_it(
    client: TestClient, election: BuiltElection
) -> None:
    """What a voter compares on a second device: the fingerprint of the credential behind her tracking code (the
    same one behind her challenged ballots) and the time the board appended it."""
    from observer.board_export import load_export
    from record.ballot import EncryptedBallot
    from record.window import utc_text

    export = load_export(election.path)
    ballot = next(b for b in export.ballots if b.tracking_code == election.tracking_codes[-1])
    page = client.get("/track", params={"code": ballot.tracking_code, "lang": "en"}).text
    posted = EncryptedBallot.from_json(dict(election.board.entry(ballot.index).payload))
    assert f'<code id="fingerprint">{posted.credential_fingerprint()}</code>' in page
    assert f'<td id="appended-at">{utc_text(ballot.timestamp)}</td>' in page


def test_results_page_has_an_svg_chart_and_the_winner(client: TestClient) -> None:
    page = client.get("/results", params={"lang": "ru"}).text
    assert "<svg" in page and "Голоса" in page
    assert "✓" in page  # the winner, or the pair going to the runoff, is marked
    assert 'id="runoff"' in page or "Избран" in page


def test_turnout_by_region_district_and_precinct(client: TestClient) -> None:
    page = client.get("/turnout", params={"lang": "en"}).text
    for table in ("by-region", "by-district", "by-precinct"):
        assert f'id="{table}"' in page
    assert "batken" in page and "abroad" in page


def test_precinct_reconciliation_status_listed(client: TestClient, election: BuiltElection) -> None:
    page = client.get("/precincts", params={"lang": "en"}).text
    assert page.count("no protocol posted") == len(election.manifest.precincts)


@pytest.mark.parametrize("seats", [1, 5, 54, 90, 120])
def test_hemicycle_has_one_dot_per_seat(seats: int) -> None:
    assert len(seat_positions(seats)) == seats


def test_hemicycle_draws_every_seat_and_names_every_party_with_seats() -> None:
    from observer.dashboard.charts import hemicycle

    svg = hemicycle([("Ata-Jurt", 21), ("Ishenim", 15), ("Empty", 0), ("<Yiman>", 9)], title="seats")
    assert svg.count("<circle") == 45
    assert "Ata-Jurt: 21" in svg and "&lt;Yiman&gt;: 9" in svg and "Empty" not in svg


PAGES = ("/", "/board", "/tree-heads", "/turnout", "/track", "/results", "/precincts", "/board/0")


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_phase_and_outcome_codes_are_words_of_the_page_language(client: TestClient, lang: str) -> None:
    from observer.dashboard.i18n import translate

    overview = client.get("/", params={"lang": lang}).text
    phase = re.search(r'id="phase" data-code="([a-z_]+)">([^<]+)<', overview)
    assert phase is not None and phase.group(2) == translate(f"phase_{phase.group(1)}", lang) != phase.group(1)
    results = client.get("/results", params={"lang": lang}).text
    outcomes = re.findall(r'data-code="([a-z_]+)">([^<]+)<', results)
    assert outcomes
    for code, shown in outcomes:
        assert shown == translate(f"outcome_{code}", lang) != code


def test_turnout_names_regions_and_gives_shares_of_the_register(client: TestClient) -> None:
    from tests.observer.election import small_president_manifest

    manifest = small_president_manifest()
    page = client.get("/turnout", params={"lang": "ru"}).text
    region = manifest.regions[0]
    assert f'data-id="{region.region_id}">{region.name.ru}<' in page
    table = page.split('id="by-region"')[1].split("</table>")[0]
    assert "От внесённых в список, %" in table
    shares = re.findall(r'<td class="num">(\d+\.\d)</td></tr>', table)
    assert shares and all(0 <= float(s) <= 100 for s in shares)


def test_no_empty_table_header_and_scrolling_regions_take_focus(client: TestClient) -> None:
    """What axe reports as ``empty-table-header`` and ``scrollable-region-focusable``."""
    for page in PAGES:
        html = client.get(page, params={"lang": "en"}).text
        assert not re.search(r"<th[^>]*>\s*</th>", html), page
        for tag in re.findall(r"<pre[^>]*>", html) + re.findall(r'<div class="scroll"[^>]*>', html):
            assert 'tabindex="0"' in tag, (page, tag)


def test_the_kiosk_receipt_url_opens_the_ballot_on_the_servers_dashboard(election: BuiltElection) -> None:
    """`precinct.printing.tracking_url` (what the receipt's QR holds) is a page the server's /observe mount serves."""
    from urllib.parse import urlsplit

    from fastapi import FastAPI

    from observer.dashboard.app import build_dashboard_router
    from precinct.printing import tracking_url

    app = FastAPI()
    app.include_router(build_dashboard_router(ExportReader(load_export(election.path)), base="/observe"))
    code = election.tracking_codes[-1]
    url = urlsplit(tracking_url("https://shailoo.example.kg", code))
    page = TestClient(app).get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and 'id="tracked"' in page.text and code in page.text


def _spoiled(election: BuiltElection) -> tuple[str, str]:
    """The challenged ballot's tracking code and the selection its reveal holds."""
    from observer.board_export import fast_canonical
    from record.ballot import tracking_code

    payload = next(
        election.board.entry(i).payload
        for i in range(election.board.size)
        if election.board.entry(i).kind.value == "spoiled_ballot"
    )
    [contest] = payload["reveal"]["contests"]
    held = election.manifest.contest(contest["contest_id"]).selections[contest["selections"].index(1)]
    from crypto.hashing import hash_fields

    return tracking_code(hash_fields("ballot", fast_canonical(payload["ballot"]))), held.selection_id


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_a_challenged_ballot_shows_what_it_held_in_the_page_language(
    client: TestClient, election: BuiltElection, lang: str
) -> None:
    from observer.dashboard.model import selection_label

    code, selection_id = _spoiled(election)
    page = client.get("/track", params={"code": code, "lang": lang}).text
    held = page[page.index('<section id="held">') : page.index("</section>")]
    contest = election.manifest.contests[0]
    assert str(getattr(contest.name, lang)) in held
    assert selection_label(election.manifest, contest.contest_id, selection_id, lang) in held
    assert 'id="not-opened"' not in held


def test_a_reveal_that_does_not_open_its_ballot_shows_no_choices(tmp_path: Path) -> None:
    """The forged reveal differs only in which selection holds the mark; the page shows no choice then."""
    from observer.dashboard.model import selection_label
    from tests.observer.election import build_election

    moved: list[str] = []

    def forge(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind != "spoiled_ballot":
            return payload
        contest = payload["reveal"]["contests"][0]
        vector = contest["selections"]
        marked = vector.index(1)
        forged = [0] * len(vector)
        forged[(marked + 1) % len(vector)] = 1
        moved.append(built_manifest[0].contests[0].selections[(marked + 1) % len(vector)].selection_id)
        reveal = {"contests": [{**contest, "selections": forged}]}
        return {**payload, "reveal": reveal}

    from tests.observer.election import small_president_manifest

    built_manifest = [small_president_manifest()]
    forged = build_election(tmp_path / "export.jsonl", voters=4, revotes=0, tamper=forge)
    client = TestClient(create_dashboard_app(ExportReader(load_export(forged.path))))
    code, _ = _spoiled(forged)
    page = client.get("/track", params={"code": code, "lang": "en"}).text
    held = page[page.index('<section id="held">') : page.index("</section>")]
    assert 'id="not-opened"' in held
    assert selection_label(forged.manifest, forged.manifest.contests[0].contest_id, moved[0], "en") not in held


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("ky", "Облустар боюнча катышуу"), ("ru", "Явка по областям"), ("en", "Turnout by region")],
)
def test_the_overview_shows_the_region_map_with_the_same_figures_as_its_table(
    client: TestClient, lang: str, heading: str
) -> None:
    """Turnout as a share of the register by region: one shaded path per region of the map, the election's regions
    named in the page language, and the table beside it carrying the same shares as the turnout page."""
    from tests.observer.election import small_president_manifest

    manifest = small_president_manifest()
    page = client.get("/", params={"lang": lang}).text
    svg = page.split('<svg id="region-map"')[1].split("</svg>")[0]
    assert f'<title id="region-map-title">{heading}</title>' in svg and '<desc id="region-map-desc">' in svg
    assert len(re.findall(r'<path id="r-', svg)) == 8 and len(re.findall(r'<circle id="r-', svg)) == 1
    table = page.split('id="region-shares"')[1].split("</table>")[0]
    rows = dict(re.findall(r'<tr data-id="([a-z-]+)"[^>]*><th scope="row">[^<]+</th>(.*?)</tr>', table))
    assert set(rows) == {r.region_id for r in manifest.regions}  # abroad too: in the table, not on the map
    turnout = client.get("/turnout", params={"lang": lang}).text.split('id="by-region"')[1].split("</table>")[0]
    shown = 0
    for region in manifest.regions:
        assert f">{getattr(region.name, lang)}<" in table
        cells = re.findall(r'<td class="num">([^<]*)</td>', rows[region.region_id])
        voted, registered, share = cells
        if registered != "—":
            assert share == f"{100 * int(voted) / int(registered):.1f}%"
            shown += 1
            per_region = turnout.split(f'data-id="{region.region_id}">')[1].split("</tr>")[0]
            assert f'<td class="num">{share[:-1]}</td>' in per_region  # the turnout page's share, same figure
        if region.region_id != "abroad":
            drawn = re.search(rf'<path id="r-{region.region_id}" data-share="([0-9.]*)"', svg)
            assert drawn is not None
            assert (drawn.group(1) == "") == (registered == "—")
    assert shown >= 1
    # Regions the election does not hold are drawn blank, named in the page language.
    assert re.search(r'<path id="r-naryn" data-share="" fill="#f2f2f2"', svg)


def test_a_region_the_result_suppresses_is_hatched_on_the_map_and_flagged_for_the_table(
    election: BuiltElection,
) -> None:
    """A region a contest's result lists under ``suppressed_regions`` (too few counted ballots for counts of its
    own) is drawn hatched and flagged for its table row; the other regions keep their shade."""
    from observer.dashboard.mapview import region_turnout_view
    from observer.dashboard.model import DashboardModel

    m = DashboardModel(ExportReader(load_export(election.path))).refresh()
    assert m.result is not None
    contests = m.result.setdefault("results", {}).setdefault("contests", [{}])
    contests[0]["suppressed_regions"] = {"batken": "suppressed: fewer than min_cell_ballots counted ballots"}
    view = region_turnout_view(m, "en")
    svg = str(view["region_svg"])
    assert re.search(r'<path id="r-batken" data-share="[0-9.]*" class="suppressed" fill="url\(#suppressed\)"', svg)
    assert not re.search(r'<path id="r-jalal-abad"[^>]*class="suppressed"', svg)
    assert [f.region_id for f in view["region_figures"] if f.suppressed] == ["batken"]
