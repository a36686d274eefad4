"""The phase machine: every kind outside its phase is refused with ``wrong_phase`` and nothing is written."""

from __future__ import annotations

import pytest

from bulletin_board.entries import EntryKind
from bulletin_board.errors import WrongPhaseError
from bulletin_board.log import BulletinBoard
from bulletin_board.phases import PHASE_RULES, Phase, allowed_kinds, next_phase, replay_phase

ELECTION = [
    EntryKind.MANIFEST,
    EntryKind.TRUSTEE_COMMITMENT,
    EntryKind.TRUSTEE_SHARE,
    EntryKind.COMPLAINT,
    EntryKind.JOINT_KEY,
    EntryKind.ISSUER_KEYS,
    EntryKind.REGISTER_COUNTS,
    EntryKind.DEVICE_KEY,
    EntryKind.CHANNELS_OPEN,
    EntryKind.ISSUANCE,
    EntryKind.BALLOT,
    EntryKind.SPOILED_BALLOT,
    EntryKind.PRECINCT_BATCH,
    EntryKind.CLOSE,
    EntryKind.PRECINCT_PROTOCOL,
    EntryKind.ENCRYPTED_TALLY,
    EntryKind.DECRYPTION_SHARE,
    EntryKind.RESULT,
    EntryKind.RESULT,
]


def test_a_whole_election_replays_to_decrypted() -> None:
    assert replay_phase(ELECTION) is Phase.DECRYPTED


def test_every_phase_is_reachable_and_every_kind_is_used() -> None:
    reached = {Phase.SETUP, *(p for rules in PHASE_RULES.values() for p in rules.values())}
    assert reached == set(Phase)
    assert {k for rules in PHASE_RULES.values() for k in rules} == set(EntryKind)


@pytest.mark.parametrize("phase", list(Phase))
def test_kinds_outside_their_phase_are_refused(phase: Phase) -> None:
    for kind in set(EntryKind) - allowed_kinds(phase):
        with pytest.raises(WrongPhaseError) as caught:
            next_phase(phase, kind)
        assert caught.value.code == "wrong_phase"


def test_ballot_before_the_channels_open_refused_on_the_board(board: BulletinBoard) -> None:
    board.append("manifest", {"election": "x"})
    with pytest.raises(WrongPhaseError):
        board.append("ballot", {"ballot": 1})
    assert board.size == 1
    assert board.phase is Phase.KEY_CEREMONY


def test_ballot_after_close_refused_and_batch_rolled_back(board: BulletinBoard) -> None:
    kinds = ELECTION[: ELECTION.index(EntryKind.CLOSE) + 1]
    board.append_many([(k, {"n": i}) for i, k in enumerate(kinds)])
    assert board.phase is Phase.CLOSED
    size = board.size
    with pytest.raises(WrongPhaseError) as caught:
        board.append_many([("precinct_protocol", {"p": 1}), ("ballot", {"late": True})])
    assert "entry" in caught.value.message
    assert board.size == size
    board.append("precinct_protocol", {"p": 1})  # paper urns still report after the close
    assert board.size == size + 1


def test_a_precinct_protocol_while_voting_is_refused(board: BulletinBoard) -> None:
    """A protocol's counts are in plain: published while voting, they would tell how a precinct is voting."""
    kinds = ELECTION[: ELECTION.index(EntryKind.CHANNELS_OPEN) + 1]
    board.append_many([(k, {"n": i}) for i, k in enumerate(kinds)])
    assert board.phase is Phase.VOTING
    with pytest.raises(WrongPhaseError):
        board.append("precinct_protocol", {"p": 1})
    assert board.size == len(kinds)


def test_second_manifest_refused(board: BulletinBoard) -> None:
    board.append("manifest", {})
    with pytest.raises(WrongPhaseError):
        board.append("manifest", {})


def test_result_before_tally_refused(board: BulletinBoard) -> None:
    board.append_many([(k, {}) for k in ELECTION[:9]])
    with pytest.raises(WrongPhaseError):
        board.append("result", {})
    with pytest.raises(WrongPhaseError):
        board.append("decryption_share", {})
