"""A kiosk day: identification at the kiosk, challenge, casts online, a link that drops mid-day, a sync whose
answers are lost, a second sync — every ballot on the board exactly once — then the kiosk's protocol reconciled."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from mobile_api.errors import ClientError
from mobile_api.schemas import DeviceAttestation
from precinct.devices import DeviceIdentity
from precinct.errors import KioskSessionError, LinkDownError
from record.attestation import identification_assertion
from tests.precinct.day import PRECINCT, PrecinctDay, kiosk_for, style_of, verify_board
from tests.security.test_vote_buying import nonces_of, reachable_ints
from tests.server.harness import DEVICE_ID

KIOSK = f"kiosk-{PRECINCT}-1"


def marks_for(day: PrecinctDay, style_id: str, index: int) -> dict[str, list[str]]:
    manifest = day.election.manifest
    style = manifest.ballot_style(style_id)
    return {c: [manifest.contest(c).selections[index].selection_id] for c in style.contest_ids}


def test_kiosk_offline_mid_day_syncs_twice_without_duplicates(tmp_path: Path) -> None:
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, link = kiosk_for(day, KIOSK)

    # Voter 1 identifies at the kiosk, challenges a first ballot (it opens to their marks), then casts.
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    kiosk.begin(number)
    style = kiosk.identify_here()
    marks = marks_for(day, style, 0)
    kiosk.prepare(marks)
    opened = kiosk.challenge()
    assert {c: list(v) for c, v in opened.items()} == marks
    prepared = kiosk.prepare(marks)
    nonces = nonces_of(prepared)
    first = kiosk.cast()
    assert first.status == "on_board" and first.entry_index is not None
    assert prepared.is_spent and not nonces & reachable_ints(prepared)  # the randomness left the kiosk's memory
    with pytest.raises(KioskSessionError):  # the session and its credential are gone
        kiosk.prepare(marks)

    # Voter 2 is identified and marks the ballot; the link drops before the cast: the receipt says "queued".
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    kiosk.begin(number)
    style2 = kiosk.identify_here()
    kiosk.prepare(marks_for(day, style2, 1))
    link.mode = "down"
    second = kiosk.cast()
    assert second.status == "queued" and second.entry_index is None

    # While the link is down nobody new can be identified (the registrar is central).
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    with pytest.raises(LinkDownError):
        kiosk.begin(number)

    # The link comes back but loses every answer: the server takes the ballot, the kiosk never hears.
    link.mode = "lose_answers"
    assert kiosk.sync() == []
    assert kiosk.pending() == 2  # the queued ballot and the kiosk's batch listing both ballots

    # A second sync sends the same bytes again: same receipt, the ballot on the board once.
    link.mode = "up"
    answers = kiosk.sync()
    assert answers[0]["tracking_code"] == second.tracking_code
    assert kiosk.pending() == 0 and kiosk.sync() == []
    ballots = [e for e in day.board.entries(0, day.board.size) if e.kind is EntryKind.BALLOT]
    assert len(ballots) == 2
    assert [e.payload["precinct_id"] for e in ballots] == [PRECINCT, PRECINCT]
    day.board.integrate()
    assert kiosk.client.check_receipt(second.tracking_code).entry_index == answers[0]["entry_index"]

    # The close: the kiosk's protocol closes its chain; trustees decrypt; the verifier reconciles the precinct.
    # Two voters are below the minimum cell (10): the protocol prints no counts and the precinct's subtotal is
    # never decrypted — either would show how these two people voted. Nor is their ballot style's: two ballots are
    # the whole election here, so they count in the one nation cell (record.md §2.11, "Small cells").
    protocol = kiosk.close()
    assert (protocol.voters_identified, protocol.ballots_read, protocol.batches) == (2, 2, 1)
    assert protocol.contests == ()
    assert kiosk.sync() == [] and kiosk.pending() == 1  # the protocol waits for the election's close
    day.election.close_voting()
    assert [a["kind"] for a in kiosk.sync()] == ["precinct_protocol"]
    result = day.tally_and_decrypt()
    assert PRECINCT not in result["counts_by_precinct"]
    contest_id = day.election.manifest.ballot_style(style).contest_ids[0]
    counted = [s for s, contests in result["counts_by_style"].items() if any(map(sum, contests.values()))]
    assert counted == ["nation"]
    assert sum(result["counts_by_style"]["nation"][contest_id]) == 2
    checks = verify_board(day)
    for number in (30, 31, 32):
        assert checks[number].status == "pass", (number, checks[number].message)
    assert checks[32].evidence["precincts"][PRECINCT] == "below_minimum_cell"
    day.close()


def test_identification_by_the_precincts_biometric_terminal(tmp_path: Path) -> None:
    """The precinct's terminal signs the assertion; one signed by an unregistered terminal identifies no one."""
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, _ = kiosk_for(day, KIOSK)
    manifest = day.election.manifest
    terminal = DeviceIdentity(DEVICE_ID, "identification", PRECINCT, day.election.device_key)
    impostor = DeviceIdentity(DEVICE_ID, "identification", PRECINCT, Ed25519PrivateKey.generate())

    def assertion(by: DeviceIdentity, number: str) -> DeviceAttestation:
        session = kiosk.current
        assert session is not None
        claim = identification_assertion(
            election_id=manifest.election_id,
            session_id=session.session_id,
            personal_number=number,
            device_id=by.device_id,
            method="biometric",
            at=1_764_000_000,
        )
        return DeviceAttestation.sign(by.device_id, by.key, claim)

    number, style = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    kiosk.begin(number)
    with pytest.raises(ClientError) as refused:
        kiosk.identify_with(assertion(impostor, number))
    assert refused.value.code == "invalid_signature"
    kiosk.begin(number)
    assert kiosk.identify_with(assertion(terminal, number)) == style
    assert kiosk.current is not None and kiosk.current.credential is not None
    day.close()


def test_the_kiosk_refuses_a_receipt_naming_another_credential(tmp_path: Path) -> None:
    """The receipt promises exactly the kiosk's ballot but names another credential's fingerprint (a server, or
    anything on the link, that would have the kiosk print a fingerprint that is not the voter's): the kiosk refuses
    it rather than print it."""
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, link = kiosk_for(day, KIOSK)
    number, _ = day.election.register_voter(style_of(day.election.manifest, PRECINCT))
    kiosk.begin(number)
    kiosk.prepare(marks_for(day, kiosk.identify_here(), 0))
    link.mode = "relabel_fingerprint"
    with pytest.raises(ClientError) as refused:
        kiosk.cast()
    assert refused.value.code == "receipt_invalid" and "another credential" in refused.value.message
