"""The poll worker's override at the kiosk: a voter who walked away after being identified keeps the kiosk
blocked (`Kiosk.begin` refuses everyone else); with the kiosk's PIN the poll worker ends her session. The
credential is erased (nothing can be cast with it), the registrar still counts her as identified, and the kiosk's
audit records the override. A wrong or missing PIN changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from precinct.kiosk import Kiosk
from precinct.kiosk_text import error_text, texts
from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker
from tests.precinct.day import PRECINCT, PrecinctDay, kiosk_for, style_of

KIOSK = f"kiosk-{PRECINCT}-1"
PIN = "482913"


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[tuple[PrecinctDay, Kiosk, TestClient]]:
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, _ = kiosk_for(day, KIOSK, poll_worker_pin=PIN)
    app = create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url="https://shailoo.example.kg")
    with TestClient(app, base_url="http://kiosk.local") as client:
        yield day, kiosk, client
    day.close()


def _walk_away(day: PrecinctDay, client: TestClient) -> str:
    """A voter is identified, marks a ballot, and leaves without casting."""
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    ballot = client.post("/identify", data={"national_id": number})
    field, value = re.findall(r'name="(contest:[^"]+)" value="([^"]+)"', ballot.text)[0]
    assert client.post("/ballot", data={field: value}).status_code == 200
    return number


def test_the_poll_worker_ends_an_abandoned_session(screen: tuple[PrecinctDay, Kiosk, TestClient]) -> None:
    day, kiosk, client = screen
    first = _walk_away(day, client)
    # Blocked: the next voter cannot begin, and the start page offers the poll worker's form.
    other, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    blocked = client.post("/identify", data={"national_id": other})
    assert blocked.status_code == 409 and "voter_in_progress" in blocked.text
    start = client.get("/").text
    assert 'action="/poll-worker/end"' in start and 'type="password"' in start

    page = client.post("/poll-worker/end", data={"pin": PIN, "reason": "voter left"}, follow_redirects=True)
    assert page.status_code == 200 and texts("ky")["welcome"] in page.text
    assert kiosk.current is None and not kiosk.voter_in_progress()
    [record] = kiosk.audit()
    assert record["event"] == "session_ended_by_poll_worker" and record["voter_identified"] is True
    assert record["reason"] == "voter left" and first not in str(record)  # no personal number in the audit

    # Nothing of hers can be cast any more; the next voter goes ahead.
    assert client.post("/cast", data={"confirm": "yes"}).status_code == 409
    assert client.post("/identify", data={"national_id": other}).status_code == 200


def test_the_registrar_does_not_identify_her_again_after_the_override(
    screen: tuple[PrecinctDay, Kiosk, TestClient],
) -> None:
    day, kiosk, client = screen
    first = _walk_away(day, client)
    client.post("/poll-worker/end", data={"pin": PIN, "reason": ""})
    again = client.post("/identify", data={"national_id": first})
    assert again.status_code == 409 and "already_identified" in again.text
    assert kiosk.current is None or kiosk.current.credential is None


@pytest.mark.parametrize("pin", ["", "000000", PIN + "0"])
def test_a_wrong_pin_changes_nothing(screen: tuple[PrecinctDay, Kiosk, TestClient], pin: str) -> None:
    day, kiosk, client = screen
    _walk_away(day, client)
    session = kiosk.current
    page = client.post("/poll-worker/end", data={"pin": pin, "reason": "x"})
    assert page.status_code == 403 and error_text("bad_poll_worker_pin", "ky") in page.text
    assert kiosk.current is session and kiosk.voter_in_progress() and session is not None
    assert session.credential is not None and session.prepared is not None
    assert kiosk.audit() == []


def test_without_a_pin_in_the_settings_nobody_can_end_a_session(tmp_path: Path) -> None:
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    try:
        kiosk, _ = kiosk_for(day, KIOSK)
        app = create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url="https://shailoo.example.kg")
        with TestClient(app, base_url="http://kiosk.local") as client:
            _walk_away(day, client)
            page = client.post("/poll-worker/end", data={"pin": "", "reason": ""})
            assert page.status_code == 403 and "no_poll_worker_pin" in page.text
            assert kiosk.voter_in_progress() and kiosk.audit() == []
    finally:
        day.close()
