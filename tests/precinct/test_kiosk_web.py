"""The kiosk's ballot screen, used the way a keyboard user uses it: form posts only, every control labelled,
in three languages, with a large-text toggle; the printed receipt is a PDF with the tracking code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bulletin_board.entries import EntryKind
from precinct.kiosk_text import error_text, texts
from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker
from tests.precinct.day import PRECINCT, PrecinctDay, kiosk_for, style_of

PUBLIC_URL = "https://shailoo.example.kg"

KIOSK = f"kiosk-{PRECINCT}-1"


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[tuple[PrecinctDay, TestClient]]:
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, _ = kiosk_for(day, KIOSK)
    with TestClient(
        create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url=PUBLIC_URL),
        base_url="http://kiosk.local",
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
    receipt = client.post("/cast", data={"confirm": "yes"})
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


def _label(ballot_html: str, selection_id: str) -> str:
    """The label the ballot page shows for a selection."""
    found = re.search(r'value="' + re.escape(selection_id) + r'"[^>]*>\s*([^<]+?)\s*</label>', ballot_html)
    assert found is not None
    return found.group(1)


def _identified(day: PrecinctDay, client: TestClient) -> tuple[str, list[tuple[str, str]], str]:
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    ballot = client.post("/identify", data={"national_id": number})
    assert ballot.status_code == 200, ballot.text
    return number, re.findall(r'name="(contest:[^"]+)" value="([^"]+)"', ballot.text), ballot.text


def test_review_shows_the_choices_and_casting_needs_the_confirmation(screen: tuple[PrecinctDay, TestClient]) -> None:
    day, client = screen
    _, choices, ballot = _identified(day, client)
    (field, first), (_, second) = choices[0], choices[1]
    review = client.post("/ballot", data={field: first})
    assert _label(ballot, first) in review.text and _label(ballot, second) not in review.text
    assert 'name="confirm"' in review.text and "autofocus" not in review.text.split('action="/cast"')[1][:300]
    # Enter on the review page submits the cast form without the box ticked: refused, nothing cast.
    refused = client.post("/cast")
    assert refused.status_code == 400 and "not_confirmed" in refused.text
    assert EntryKind.BALLOT not in [e.kind for e in day.board.entries(0, day.board.size)]
    assert client.post("/cast", data={"confirm": "yes"}).status_code == 200
    assert [e.kind for e in day.board.entries(0, day.board.size)].count(EntryKind.BALLOT) == 1


def test_a_new_personal_number_never_replaces_a_voter_half_way(screen: tuple[PrecinctDay, TestClient]) -> None:
    """The first voter is identified (her registrar slot is taken); a second number typed now is refused, and she
    still casts her vote; then the second voter begins."""
    day, client = screen
    _, choices, _ = _identified(day, client)
    field, first = choices[0]
    client.post("/ballot", data={field: first})
    second, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    refused = client.post("/identify", data={"national_id": second})
    assert refused.status_code == 409 and "voter_in_progress" in refused.text
    assert client.get("/idle", follow_redirects=False).headers["location"] == "/ballot"  # idle keeps her ballot
    assert client.get("/review").status_code == 200
    assert client.post("/cast", data={"confirm": "yes"}).status_code == 200
    assert [e.kind for e in day.board.entries(0, day.board.size)].count(EntryKind.BALLOT) == 1
    assert client.post("/identify", data={"national_id": second}).status_code == 200


def test_error_pages_speak_the_screen_language(screen: tuple[PrecinctDay, TestClient]) -> None:
    _, client = screen
    page = client.post("/identify", data={"national_id": "00000000000000"})  # Kyrgyz, the default
    assert page.status_code >= 400
    code = re.search(r"\(([a-z_]+)\)</span>", page.text)
    assert code is not None
    assert error_text(code.group(1), "ky") in page.text and error_text(code.group(1), "en") not in page.text


def test_idle_pages_go_back_to_an_empty_start_screen(screen: tuple[PrecinctDay, TestClient]) -> None:
    day, client = screen
    client.post("/settings", data={"lang": "en", "large": "1", "back": "/"})
    start = client.get("/")
    assert '<script src="/idle.js" data-idle-seconds="90" defer>' in start.text
    script = client.get("/idle.js")
    assert script.headers["content-type"].startswith("text/javascript") and "location.assign('/idle')" in script.text
    idle = client.get("/idle", follow_redirects=False)
    assert idle.headers["location"] == "/" and 'lang=""' in idle.headers.get("set-cookie", "").replace(
        "lang=;", 'lang="";'
    )
    client.cookies.clear()
    assert '<html lang="ky">' in client.get("/").text
    _, _, ballot = _identified(day, client)
    assert "idle.js" not in ballot  # a voter's open ballot is never reset under her
    assert texts("ky")["voter_in_progress"] in client.get("/").text


def test_the_receipt_is_a_thermal_printer_roll() -> None:
    from precinct.printing import RECEIPT_WIDTH_MM, receipt_pdf

    pdf = receipt_pdf(
        election_id="e", election_name="Election", precinct_id="p1", tracking_code="SOLY-IPGZ-WGOR-L7WI",
        ballot_hash="ab" * 32, status="on_board", public_url=PUBLIC_URL, language="ky",
        credential_fingerprint="ABCD-EFGH",
    )  # fmt: skip
    box = re.search(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert box is not None
    assert RECEIPT_WIDTH_MM == 80.0 and abs(float(box.group(1)) - 80 / 25.4 * 72) < 0.5


def test_the_receipt_qr_opens_the_public_tracking_page(monkeypatch: pytest.MonkeyPatch) -> None:
    import precinct.printing as printing

    drawn: list[str] = []
    real = printing.qrcode.make
    monkeypatch.setattr(printing.qrcode, "make", lambda data, **kw: drawn.append(data) or real(data, **kw))
    printing.receipt_pdf(
        election_id="e", election_name="Election", precinct_id="p1", tracking_code="SOLY-IPGZ-WGOR-L7WI",
        ballot_hash="ab" * 32, status="on_board", public_url="https://shailoo.example.kg/", language="ky",
    )  # fmt: skip
    assert drawn == ["https://shailoo.example.kg/observe/track?code=SOLY-IPGZ-WGOR-L7WI"]


@pytest.mark.parametrize("url", ["shailoo:receipt", "ftp://cec.kg", "https://", "cec.kg", "https://cec.kg/?x=1"])
def test_a_public_url_that_a_phone_cannot_open_is_refused(url: str) -> None:
    from crypto.errors import ShailooError
    from precinct.printing import tracking_url

    with pytest.raises(ShailooError) as e:
        tracking_url(url, "SOLY-IPGZ-WGOR-L7WI")
    assert e.value.code == "bad_public_url"


def test_the_kiosk_does_not_start_with_a_public_url_a_phone_cannot_open() -> None:
    from crypto.errors import ShailooError

    with pytest.raises(ShailooError) as e:
        create_kiosk_app(object(), identify=identified_by_poll_worker, public_url="shailoo:receipt")  # type: ignore[arg-type]
    assert e.value.code == "bad_public_url"
