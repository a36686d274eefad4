"""Device chains: the server refuses replays, gaps, forks and forgeries; the observers' verifier finds a replayed
or a dropped batch on a board that took them anyway; a tampered urn is caught by reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import precinct.urn
from bulletin_board.entries import EntryKind
from precinct.devices import DeviceIdentity
from precinct.link import ServiceLink
from precinct.service import PrecinctService
from precinct.urn import CountingUrn
from record.precinct import DeviceBatch, sign_batch
from tests.precinct.day import PRECINCT, PrecinctDay, box_one_as_box_two, sheets, style_of, verify_board
from tests.server.harness import OPERATOR

URN = f"urn-{PRECINCT}-1"


@pytest.fixture
def day(tmp_path: Path) -> Iterator[PrecinctDay]:
    day = PrecinctDay.open(tmp_path)
    yield day
    day.close()


def batches_of(day: PrecinctDay, count: int = 6, batch_size: int = 2) -> tuple[CountingUrn, list[DeviceBatch]]:
    """An urn that read ``count`` sheets in batches of ``batch_size`` (queued, not sent) and closed."""
    urn = day.urn(URN, batch_size=batch_size)
    urn.record_identification(count)
    for record in sheets(day.election.manifest, count, style_id=style_of(day.election.manifest, PRECINCT)):
        urn.read(record)
    urn.close()
    return urn, [DeviceBatch.from_json(r.payload) for r in urn.outbox.records() if r.kind == "precinct_batch"]


def refused(day: PrecinctDay, payload: dict[str, object]) -> str:
    response = day.election.http.post("/v1/precinct/batches", json=payload)
    assert response.status_code >= 400, response.text
    return str(response.json()["code"])


def test_same_batch_twice_is_one_entry_with_the_same_answer(day: PrecinctDay) -> None:
    _, (first, *_) = batches_of(day)
    one = day.election.http.post("/v1/precinct/batches", json=first.to_json()).json()
    two = day.election.http.post("/v1/precinct/batches", json=first.to_json()).json()
    assert one == two
    assert sum(1 for e in day.board.entries(0, day.board.size) if e.kind is EntryKind.PRECINCT_BATCH) == 1


def test_a_protocol_sent_while_voting_is_refused_and_the_urn_sends_it_after_the_close(day: PrecinctDay) -> None:
    """Plaintext precinct counts are published only after the close: the server refuses the protocol while voting,
    writes nothing, and the urn keeps it queued until its first sync after the close."""
    urn, _ = batches_of(day)
    protocol = next(r.payload for r in urn.outbox.records() if r.kind == "precinct_protocol")
    size = day.board.size
    response = day.election.http.post("/v1/precinct/protocols", json=protocol)
    assert (response.status_code, response.json()["code"]) == (409, "protocol_before_close")
    assert day.board.size == size
    assert [a["kind"] for a in urn.sync(day.link())] == ["precinct_batch"] * 3
    assert urn.outbox.pending() == 1
    day.election.close_voting()
    assert [a["kind"] for a in urn.sync(day.link())] == ["precinct_protocol"]
    assert day.board.find_by_dedup_key(f"precinct_protocol:{URN}") is not None


def test_server_refuses_a_gap_in_the_chain(day: PrecinctDay) -> None:
    _, batches = batches_of(day)
    assert refused(day, batches[1].to_json()) == "batch_missing"


def test_server_refuses_a_fork_with_a_used_sequence_number(day: PrecinctDay) -> None:
    urn, (first, *_) = batches_of(day)
    day.election.http.post("/v1/precinct/batches", json=first.to_json())
    fork = sign_batch(
        urn.identity.key,
        election_id=first.election_id,
        device_id=first.device_id,
        precinct_id=first.precinct_id,
        sequence=1,
        previous=first.previous,
        ballots=first.ballots[:1],
    )
    assert refused(day, fork.to_json()) == "batch_conflict"


def test_server_refuses_a_batch_signed_by_another_key(day: PrecinctDay) -> None:
    _, (first, *_) = batches_of(day)
    forged = day.register("urn-forger", "urn")
    payload = sign_batch(forged.key, **{k: getattr(first, k) for k in _FIELDS}).to_json()
    assert refused(day, payload) == "invalid_signature"


def test_server_refuses_an_unregistered_device(day: PrecinctDay) -> None:
    _, (first, *_) = batches_of(day)
    payload = {**first.to_json(), "device_id": "urn-nobody"}
    assert refused(day, payload) == "unknown_device"


def test_server_refuses_a_sheet_whose_proof_was_altered(day: PrecinctDay) -> None:
    urn, (first, *_) = batches_of(day)
    record = first.ballots[0]
    contest_id, data = record.contests[0]
    assert data is not None
    flipped = bytearray(data)
    flipped[-5] ^= 1  # a byte of the limit proof's response scalar
    altered = type(record)(record.sheet, record.style_id, ((contest_id, bytes(flipped)),))
    fields = {k: getattr(first, k) for k in _FIELDS}
    payload = sign_batch(urn.identity.key, **{**fields, "ballots": (altered, *first.ballots[1:])}).to_json()
    assert refused(day, payload) in {"invalid_proof", "non_canonical"}


_FIELDS = ("election_id", "device_id", "precinct_id", "sequence", "previous", "ballots")


def test_observer_finds_a_replayed_batch(day: PrecinctDay) -> None:
    urn, batches = batches_of(day)
    urn.sync(ServiceLink(PrecinctService(day.board)))
    day.board.append(EntryKind.PRECINCT_BATCH, batches[1].to_json())  # the board took batch 2 a second time
    checks = verify_board(day)
    assert checks[31].status == "fail"
    codes = {p["code"] for p in checks[31].evidence["problems"]}
    assert "batch_replayed" in codes
    replayed = max(e.index for e in day.board.entries(0, day.board.size) if e.kind is EntryKind.PRECINCT_BATCH)
    assert replayed in checks[31].evidence["entry_indices"]


def test_observer_finds_a_dropped_batch(day: PrecinctDay) -> None:
    urn, batches = batches_of(day)
    # The board never shows batch 2: batches 1 and 3 and the protocol are there.
    for batch in (batches[0], batches[2]):
        day.board.append(EntryKind.PRECINCT_BATCH, batch.to_json())
    protocol = next(r.payload for r in urn.outbox.records() if r.kind == "precinct_protocol")
    day.election.close_voting()  # protocols come after the close
    day.board.append(EntryKind.PRECINCT_PROTOCOL, protocol)
    checks = verify_board(day)
    assert checks[31].status == "fail"
    assert {p["code"] for p in checks[31].evidence["problems"]} >= {"batch_missing"}


def test_observer_finds_a_dropped_last_batch_through_the_protocol(day: PrecinctDay) -> None:
    urn, batches = batches_of(day)
    for batch in batches[:-1]:
        day.board.append(EntryKind.PRECINCT_BATCH, batch.to_json())
    protocol = next(r.payload for r in urn.outbox.records() if r.kind == "precinct_protocol")
    day.election.close_voting()
    day.board.append(EntryKind.PRECINCT_PROTOCOL, protocol)
    checks = verify_board(day)
    assert checks[31].status == "fail"
    assert "batch_missing" in {p["code"] for p in checks[31].evidence["problems"]}


def test_tampered_urn_is_caught_by_reconciliation(day: PrecinctDay, monkeypatch: pytest.MonkeyPatch) -> None:
    # The urn's software prints the true counts but encrypts every vote for box 1 as a vote for box 2.
    monkeypatch.setattr(precinct.urn, "encrypt_paper_ballot", box_one_as_box_two(precinct.urn.encrypt_paper_ballot))
    urn, _ = batches_of(day, count=20, batch_size=10)
    urn.sync(day.link())  # signed, chained and with valid proofs: the server cannot tell
    day.election.close_voting()
    urn.sync(day.link())  # the protocol, held back until the close
    result = day.tally_and_decrypt()
    checks = verify_board(day)
    assert checks[31].status == "pass"
    assert checks[32].status == "fail"
    (mismatch,) = [d for d in checks[32].evidence["discrepancies"] if d["what"] == "counts of president"]
    assert mismatch["precinct_id"] == PRECINCT
    assert mismatch["decrypted"] == result["counts_by_precinct"][PRECINCT]["president"]
    assert mismatch["protocol"][0] > 0 and mismatch["decrypted"][0] == 0
    assert checks[32].evidence["precincts"] == {PRECINCT: "mismatch"}


def test_the_commission_registers_a_device_through_the_server(day: PrecinctDay) -> None:
    identity = DeviceIdentity.generate("kiosk-pr0002-1", "kiosk", "pr0002")
    body = identity.record().payload()
    anonymous = day.election.http.post("/v1/precinct/devices", json=body)
    assert anonymous.status_code == 401
    registered = day.election.http.post("/v1/precinct/devices", json=body, headers=OPERATOR)
    assert registered.status_code == 200, registered.text
    again = day.election.http.post("/v1/precinct/devices", json=body, headers=OPERATOR)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_entry"
    elsewhere = {**DeviceIdentity.generate("urn-x", "urn", "nowhere").record().payload()}
    assert day.election.http.post("/v1/precinct/devices", json=elsewhere, headers=OPERATOR).status_code >= 400
    head = day.election.http.get("/v1/precinct/devices/kiosk-pr0002-1/head").json()
    assert head["batches"] == 0 and head["last_batch"] == "00" * 32
