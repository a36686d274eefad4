"""The manifest's voting window, enforced by the server on its own clock (record.window): no ballot, challenge,
identification or credential outside it; no close before ``voting_closes`` unless the policy allows an early close,
which then records the operator's reason. Every refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulletin_board.entries import EntryKind
from bulletin_board.storage import now_ms
from record.lifecycle import Close
from record.window import utc_ms, utc_text
from tests.security.conftest import attempt, written_state
from tests.server.harness import DEVICE_ID, OPERATOR, Election
from voting_server.identification import device_public_key


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path).setup_to_voting()
    yield election
    election.close()


@pytest.fixture
def early_close(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path, policy={"early_close_allowed": True}).setup_to_voting()
    yield election
    election.close()


def _close_entry(election: Election) -> Close:
    entry = election.components.board.find_by_dedup_key("close")
    assert entry is not None and entry.kind is EntryKind.CLOSE
    return Close.from_payload(entry.payload)


def test_a_ballot_two_seconds_after_voting_closes_is_refused(voting: Election) -> None:
    client, credential = voting.credential()
    ballot = client.prepare_ballot(credential, voting.marks_for(credential)).ballot.to_json()
    offset = voting.clock.offset_ms
    voting.clock.travel_to(voting.manifest.dates.voting_closes, plus_seconds=2)
    try:
        refusal = attempt(voting, "POST", "/v1/ballots", json={"ballot": ballot})
    finally:
        voting.clock.offset_ms = offset
    assert (refusal.status, refusal.code) == (409, "outside_voting_window")
    assert voting.http.post("/v1/ballots", json={"ballot": ballot}).status_code == 200  # back in the window


def test_a_ballot_before_voting_opens_is_refused(voting: Election) -> None:
    client, credential = voting.credential()
    ballot = client.prepare_ballot(credential, voting.marks_for(credential)).ballot.to_json()
    offset = voting.clock.offset_ms
    voting.clock.travel_to(voting.manifest.dates.voting_opens, plus_seconds=-2)
    try:
        refusal = attempt(voting, "POST", "/v1/ballots", json={"ballot": ballot})
    finally:
        voting.clock.offset_ms = offset
    assert refusal.code == "outside_voting_window"


def test_no_identification_and_no_credential_after_voting_closes(voting: Election) -> None:
    client = voting.voter_client()
    number, _ = voting.register_voter()
    session = client.start_identification(number)
    identified = voting.attest(client, number, session.session_id)
    offset = voting.clock.offset_ms
    voting.clock.travel_to(voting.manifest.dates.voting_closes, plus_seconds=1)
    try:
        late = attempt(
            voting, "POST", "/v1/credentials", json={"session_id": session.session_id, "blinded_message": "00" * 256}
        )
        other, _ = voting.register_voter()
        started = attempt(voting, "POST", "/v1/identification/sessions", json={"national_id": other})
    finally:
        voting.clock.offset_ms = offset
    assert late.code == started.code == "outside_voting_window"
    assert identified.style_id  # identified in time; the credential alone came too late


def test_a_retry_of_a_ballot_accepted_in_time_gets_its_receipt_after_the_window(voting: Election) -> None:
    client, credential = voting.credential()
    prepared = client.prepare_ballot(credential, voting.marks_for(credential))
    body = {"ballot": prepared.ballot.to_json()}
    first = voting.http.post("/v1/ballots", json=body).json()
    offset = voting.clock.offset_ms
    voting.clock.travel_to(voting.manifest.dates.voting_closes, plus_seconds=30)
    try:
        again = voting.http.post("/v1/ballots", json=body)
    finally:
        voting.clock.offset_ms = offset
    assert again.status_code == 200 and again.json() == first


def test_closing_eleven_hours_early_is_refused_without_the_policy(fresh: Election) -> None:
    fresh.clock.travel_to(fresh.manifest.dates.voting_closes, plus_seconds=-11 * 3600)
    refusal = attempt(fresh, "POST", "/v1/admin/close", headers=OPERATOR, json={"reason": "the operator is tired"})
    assert (refusal.status, refusal.code) == (409, "close_too_early")
    assert fresh.components.board.phase.value == "voting"


def test_the_close_records_when_it_was_made(fresh: Election) -> None:
    fresh.clock.travel_to(fresh.manifest.dates.voting_closes, plus_seconds=5)
    fresh.admin("POST", "/v1/admin/close")
    close = _close_entry(fresh)
    assert 5_000 <= close.closed_at_ms - utc_ms(fresh.manifest.dates.voting_closes) <= 60_000
    assert close.early_close_reason is None


def test_an_early_close_where_the_policy_allows_it_needs_and_records_a_reason(early_close: Election) -> None:
    early_close.clock.travel_to(early_close.manifest.dates.voting_closes, plus_seconds=-3600)
    refusal = attempt(early_close, "POST", "/v1/admin/close", headers=OPERATOR)
    assert refusal.code == "close_too_early"
    before = written_state(early_close)["board_size"]
    early_close.admin("POST", "/v1/admin/close", json={"reason": "flood at the counting centre"})
    close = _close_entry(early_close)
    assert close.early_close_reason == "flood at the counting centre"
    assert close.closed_at_ms < utc_ms(early_close.manifest.dates.voting_closes)
    assert early_close.components.board.size == before + 2  # issuance and close


def test_a_preset_loaded_by_name_can_have_its_window_moved(tmp_path: Path) -> None:
    election = Election(tmp_path)
    try:
        body = {"preset": "president", "voting_opens": "2030-05-05T02:00:00Z", "voting_closes": "2030-05-05T14:00:00Z"}
        election.admin("POST", "/v1/admin/manifest", json=body)
        entry = election.components.board.find_by_dedup_key("manifest")
        assert entry is not None
        assert entry.payload["manifest"]["dates"]["voting_closes"] == "2030-05-05T14:00:00Z"
        half = election.http.post(
            "/v1/admin/manifest", headers=OPERATOR, json={"preset": "president", "voting_opens": "x"}
        )
        assert half.json()["code"] == "malformed"
    finally:
        election.close()


def _before_voting(tmp_path: Path, **policy: Any) -> Election:
    """An election whose keys and register counts are on the board (``ready``), voting not yet open, and the
    clock half an hour before ``voting_opens``."""
    election = Election(tmp_path, policy=policy)
    election.load_manifest()
    election.key_ceremony()
    election.publish_issuer_keys()
    election.count_register()
    public = device_public_key(election.device_key).hex()  # the precinct terminal that attests identities
    election.admin("POST", "/v1/admin/devices", json={"device_id": DEVICE_ID, "public_key": public})
    election.clock.travel_to(election.manifest.dates.voting_opens, plus_seconds=-1800)
    return election


def test_credentials_may_be_obtained_in_the_registration_window_before_voting_opens(tmp_path: Path) -> None:
    """``policy.registration_opens``: a voter identified and given her credential a day before voting opens casts
    it once voting opens; her ballot is refused before (the ballot box is not open)."""
    opens = now_ms() - 3_600_000  # `todays_window` opens voting an hour ago
    election = _before_voting(tmp_path, registration_opens=utc_text(opens - 24 * 3_600_000))
    try:
        assert election.components.board.phase.value == "ready"
        client, credential = election.credential()
        prepared = client.prepare_ballot(credential, election.marks_for(credential))
        early = attempt(election, "POST", "/v1/ballots", json={"ballot": prepared.ballot.to_json()})
        assert early.code == "wrong_phase"
        election.admin("POST", "/v1/admin/channels/open", json={"channels": ["app", "kiosk"]})
        election.clock.offset_ms = 0  # voting is open
        receipt = client.cast(prepared)
        assert receipt.kind == "ballot"
    finally:
        election.close()


def test_without_a_registration_window_nobody_is_identified_before_voting_opens(tmp_path: Path) -> None:
    election = _before_voting(tmp_path)
    try:
        number, _ = election.register_voter()
        refused = attempt(election, "POST", "/v1/identification/sessions", json={"national_id": number})
    finally:
        election.close()
    assert refused.code == "wrong_phase"


def test_nobody_is_identified_before_the_registration_window_opens(tmp_path: Path) -> None:
    opens = now_ms() - 3_600_000
    election = _before_voting(tmp_path, registration_opens=utc_text(opens - 600_000))  # 10 minutes before voting
    try:
        number, _ = election.register_voter()
        refused = attempt(election, "POST", "/v1/identification/sessions", json={"national_id": number})
    finally:
        election.close()
    assert refused.code == "outside_voting_window"
