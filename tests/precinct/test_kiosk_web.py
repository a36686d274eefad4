"""The kiosk's ballot screen, used the way a keyboard user uses it: form posts only, every control labelled,
in three languages, with a large-text toggle; the printed receipt is a PDF with the tracking code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bulletin_board.entries import EntryKind
from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker
from tests.precinct.day import PRECINCT, PrecinctDay, kiosk_for, style_of

KIOSK = f"kiosk-{PRECINCT}-1"


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[tuple[PrecinctDay, TestClient]]:
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, _ = kiosk_for(day, KIOSK)
    with TestClient(
        create_kiosk_app(kiosk, identify=identified_by_poll_worker), base_url="http://kiosk.local"
    ) as client:
        yield day, client
    day.close()


def labelled_controls(html: str) -> tuple[set[str], set[str]]:
    ids = set(re.findall(r'<input[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    return ids, labelled


def test_vote_at_the_kiosk_with_form_posts_only(screen: tuple[PrecinctDay, TestClient]) -> None:
    day, client = screen
    start = client.get("/")
    assert start.status_code == 200 and '<html lang="ky">' in start.text
    ids, labelled = labelled_controls(start.text)
    assert ids and ids <= labelled

    # The voter switches to Russian and large text (each a button in a form).
    client.post("/settings", data={"lang": "ru", "back": "/"})
    page = client.post("/settings", data={"large": "1", "back": "/"})
    assert '<html lang="ru">' in page.text and '<body class="large">' in page.text

    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    ballot = client.post("/identify", data={"national_id": number})
    assert ballot.status_code == 200 and "<fieldset>" in ballot.text and "<legend>" in ballot.text
    ids, labelled = labelled_controls(ballot.text)
    assert ids <= labelled  # every radio button has its label
    choices = re.findall(r'name="(contest:[^"]+)" value="([^"]+)"', ballot.text)
    contest_field, first_choice = choices[0]

    # Challenge a first ballot: the page says what it held; then a new ballot, cast.
    review = client.post("/ballot", data={contest_field: first_choice})
    code = re.search(r'class="code"[^>]*>([A-Z2-7-]+)<', review.text)
    assert code is not None
    challenged = client.post("/challenge")
    assert challenged.status_code == 200 and "<li>" in challenged.text
    client.post("/ballot", data={contest_field: first_choice})
    receipt = client.post("/cast")
    assert receipt.status_code == 200
    tracking = re.search(r'class="code">([A-Z2-7-]+)<', receipt.text)
    assert tracking is not None
    pdf = client.get(f"/receipt/{tracking.group(1)}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    kinds = [e.kind for e in day.board.entries(0, day.board.size)]
    assert kinds.count(EntryKind.BALLOT) == 1 and kinds.count(EntryKind.SPOILED_BALLOT) == 1

    # The session is over: the ballot page refuses until the next voter identifies.
    after = client.get("/ballot")
    assert after.status_code == 409 and 'role="alert"' in after.text


def test_unknown_voter_gets_an_error_page_in_their_language(screen: tuple[PrecinctDay, TestClient]) -> None:
    _, client = screen
    client.post("/settings", data={"lang": "en", "back": "/"})
    page = client.post("/identify", data={"national_id": "not-a-number"})
    assert page.status_code >= 400 and '<html lang="en">' in page.text and "Error" in page.text
