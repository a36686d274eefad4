"""The poll worker's override at the kiosk: a voter who walked away after being identified keeps the kiosk
blocked (`Kiosk.begin` refuses everyone else); with the kiosk's PIN the poll worker ends her session. The
credential is erased (nothing can be cast with it), the registrar still counts her as identified, and the kiosk's
audit records the override. A wrong or missing PIN changes nothing but the audit; five wrong PINs in a row lock the
override until an operator resets it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from precinct.errors import KioskSessionError
from precinct.kiosk import MAX_POLL_WORKER_PIN_FAILURES, Kiosk
from precinct.kiosk_text import error_text, texts
from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker
from precinct.outbox import Outbox
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
    assert [(r["event"], r["attempt"]) for r in kiosk.audit()] == [("poll_worker_pin_wrong", 1)]  # the attempt only


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


def test_five_wrong_pins_lock_the_override_until_an_operator_resets_it(
    screen: tuple[PrecinctDay, Kiosk, TestClient],
) -> None:
    """Guessing the PIN at the screen: after MAX_POLL_WORKER_PIN_FAILURES wrong PINs even the right one is refused
    (and changes nothing) until the operator resets the lock; every attempt is in the kiosk's audit."""
    day, kiosk, client = screen
    _walk_away(day, client)
    session = kiosk.current
    for attempt in range(1, MAX_POLL_WORKER_PIN_FAILURES):
        page = client.post("/poll-worker/end", data={"pin": f"{attempt:06d}", "reason": "guess"})
        assert page.status_code == 403 and "bad_poll_worker_pin" in page.text
    last = client.post("/poll-worker/end", data={"pin": "999999", "reason": "guess"})
    assert last.status_code == 423 and error_text("poll_worker_locked", "ky") in last.text
    assert kiosk.poll_worker_locked()
    right = client.post("/poll-worker/end", data={"pin": PIN, "reason": "now the right one"})
    assert right.status_code == 423 and "poll_worker_locked" in right.text
    assert kiosk.current is session and kiosk.voter_in_progress()  # nothing changed
    events = [(r["event"], r.get("attempt"), r.get("outcome")) for r in kiosk.audit()]
    assert events == [
        *(("poll_worker_pin_wrong", n, "refused") for n in range(1, MAX_POLL_WORKER_PIN_FAILURES)),
        ("poll_worker_pin_wrong", MAX_POLL_WORKER_PIN_FAILURES, "locked"),
        ("poll_worker_pin_refused", None, "locked"),
    ]
    assert all(PIN not in str(r) and "guess" not in str(r) for r in kiosk.audit())  # no PIN, no typed text

    with pytest.raises(KioskSessionError) as caught:
        kiosk.reset_poll_worker_lock("  ")
    assert caught.value.code == "operator_required" and kiosk.poll_worker_locked()
    kiosk.reset_poll_worker_lock("operator Asel")
    assert not kiosk.poll_worker_locked()
    assert kiosk.audit()[-1]["event"] == "poll_worker_lock_reset" and kiosk.audit()[-1]["operator"] == "operator Asel"
    ended = client.post("/poll-worker/end", data={"pin": PIN, "reason": "voter left"})
    assert ended.status_code in (200, 303) and kiosk.current is None


def test_a_right_pin_resets_the_count_of_wrong_ones(screen: tuple[PrecinctDay, Kiosk, TestClient]) -> None:
    day, kiosk, client = screen
    for _ in range(2):
        _walk_away(day, client)
        for _ in range(MAX_POLL_WORKER_PIN_FAILURES - 1):
            assert client.post("/poll-worker/end", data={"pin": "000000", "reason": ""}).status_code == 403
        assert client.post("/poll-worker/end", data={"pin": PIN, "reason": ""}).status_code in (200, 303)
    assert not kiosk.poll_worker_locked()


def test_the_lock_holds_across_a_restart_and_the_cli_resets_it(tmp_path: Path) -> None:
    """The count is in the kiosk's outbox (SQLite), not in memory: restarting the kiosk does not unlock it."""
    from typer.testing import CliRunner

    from cli.main import app as cli_app

    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    try:
        kiosk, _ = kiosk_for(day, KIOSK, poll_worker_pin=PIN)
        for _ in range(MAX_POLL_WORKER_PIN_FAILURES):
            with pytest.raises(KioskSessionError):
                kiosk.end_by_poll_worker("000000")
        outbox_path = day.tmp / f"{KIOSK}.sqlite3"
        again = Kiosk(kiosk.identity, kiosk.client, Outbox(outbox_path), poll_worker_pin=PIN)
        with pytest.raises(KioskSessionError) as caught:
            again.end_by_poll_worker(PIN)
        assert caught.value.code == "poll_worker_locked"
        key = tmp_path / "kiosk.key"
        kiosk.identity.save(key)
        args = ["kiosk", "reset-pin-lock", "--key", str(key), "--server", "http://127.0.0.1:9", "--outbox"]
        done = CliRunner().invoke(cli_app, [*args, str(outbox_path), "--operator", "Asel"])
        assert done.exit_code == 0, done.output
        assert not again.poll_worker_locked() and again.end_by_poll_worker(PIN) is False
    finally:
        day.close()
