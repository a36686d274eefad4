"""The observer dashboard, read as HTML without JavaScript (httpx via the ASGI test client)."""

from __future__ import annotations

import re

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
