"""The decryption ceremony: every k-subset agrees, wrong shares are named, k−1 reveal nothing, no early decryption."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

import trustees.decryption as decryption
from crypto.group import Point
from record.ceremony import Post
from tests.trustees.conftest import signed
from tests.trustees.election import PARAMS, Election, cast_and_close, open_election
from trustees.coordinator import BoardTransport
from trustees.decryption import (
    check_posted_tally,
    combine_tally,
    combine_tally_from_board,
    decryption_post,
    run_decryption,
)
from trustees.errors import InvalidDecryptionShareError, NotEnoughSharesError, TallyMismatchError, WrongPhaseError
from trustees.keystore_contents import TrusteeSecrets


@pytest.fixture(scope="module")
def closed() -> Election:
    return cast_and_close(open_election())


def _counts_by_style(combined_counts: dict[str, dict[str, list[int]]]) -> dict[str, list[int]]:
    return {style: contests["president"] for style, contests in combined_counts.items() if any(contests["president"])}


def test_three_of_five_with_two_absent_decrypts_the_tally(closed: Election) -> None:
    board = closed.board
    transport = BoardTransport(board, PARAMS)
    with pytest.raises(NotEnoughSharesError):
        combine_tally_from_board(board)
    for store in (closed.trustees[1], closed.trustees[3], closed.trustees[4]):  # trustees 1 and 3 are absent
        status = run_decryption(store, transport)
        assert status.posted
    combined = combine_tally_from_board(board)
    assert combined.trustees == (2, 4, 5)
    assert combined.rejected == {}
    assert _counts_by_style(combined.counts_by_style) == closed.expected
    # Running a trustee again posts nothing more.
    size = board.size
    assert not run_decryption(closed.trustees[1], transport).posted
    assert board.size == size


def test_every_k_subset_gives_the_same_result(closed: Election) -> None:
    """Shares from all five trustees, combined three at a time in every possible way."""
    entries = [e for e in closed.board.entries(0, closed.board.size) if e.kind.value != "decryption_share"]
    on_board = check_posted_tally(entries)
    posts = {}
    for store in closed.trustees:
        secrets = TrusteeSecrets.from_dict(store.secrets)
        assert secrets.key_share is not None
        posts[secrets.index] = decryption_post(secrets.key_share, on_board, secrets.identity_key)
    results = set()
    for subset in itertools.combinations(sorted(posts), PARAMS.k):
        with_shares = entries + [_as_entry(len(entries) + i, posts[t]) for i, t in enumerate(subset)]
        combined = combine_tally(with_shares)
        assert combined.trustees == subset
        results.add(repr(sorted(_counts_by_style(combined.counts_by_style).items())))
    assert len(results) == 1
    assert results == {repr(sorted(closed.expected.items()))}


def test_after_a_cheating_dealer_is_disqualified_every_three_trustees_decrypt_the_tally() -> None:
    """Trustee 2 sent trustee 4 a bad share and was disqualified; the key comes from dealers 1, 3, 4, 5. Every
    trustee still holds a share of it — the cheater and its victim too — so all ten 3-subsets of the five
    decrypt the tally correctly."""
    election = cast_and_close(open_election(cheaters={2: 4}))
    assert election.joint_key.qualified == (1, 3, 4, 5) and set(election.joint_key.disqualified) == {2}
    entries = election.board.entries(0, election.board.size)
    on_board = check_posted_tally(entries)
    posts = {}
    for store in election.trustees:
        secrets = TrusteeSecrets.from_dict(store.secrets)
        assert secrets.key_share is not None
        posts[secrets.index] = decryption_post(secrets.key_share, on_board, secrets.identity_key)
    subsets = list(itertools.combinations(sorted(posts), PARAMS.k))
    assert len(subsets) == 10
    for subset in subsets:
        with_shares = entries + [_as_entry(len(entries) + i, posts[t]) for i, t in enumerate(subset)]
        combined = combine_tally(with_shares)
        assert combined.trustees == subset and combined.rejected == {}
        assert _counts_by_style(combined.counts_by_style) == election.expected, subset


def _as_entry(index: int, post: Post):  # type: ignore[no-untyped-def]
    from bulletin_board.entries import Entry

    return Entry.create(index, post.kind, post.payload)


def test_wrong_partial_decryption_is_refused_and_its_trustee_named() -> None:
    election = cast_and_close(open_election())
    board = election.board
    entries = board.entries(0, board.size)
    on_board = check_posted_tally(entries)
    secrets = TrusteeSecrets.from_dict(election.trustees[0].secrets)
    assert secrets.key_share is not None
    honest = decryption_post(secrets.key_share, on_board, secrets.identity_key)
    # Trustee 1 replaces its first share point by another point, keeping the proof.
    forged_hex = list(honest.payload["shares"])
    raw = bytearray(bytes.fromhex(forged_hex[0]))
    raw[4:37] = Point.base_mul(7).to_bytes()
    forged_hex[0] = raw.hex()
    forged = signed(board, Post(honest.kind, {**honest.payload, "shares": forged_hex}, honest.dedup_key), 1)
    with pytest.raises(InvalidDecryptionShareError) as info:
        BoardTransport(board, PARAMS).post([forged])
    assert info.value.trustee == 1 and info.value.code == "invalid_decryption_share"
    assert board.find_by_dedup_key(honest.dedup_key) is None
    # Posted behind the coordinator's back, it is rejected by the combiner, which names trustee 1 ...
    board.append(forged.kind, forged.payload, dedup_key=forged.dedup_key)
    transport = BoardTransport(board, PARAMS)
    for store in election.trustees[1:3]:
        run_decryption(store, transport)
    # ... and with only k−1 valid trustees nothing is revealed.
    with pytest.raises(NotEnoughSharesError) as not_enough:
        combine_tally_from_board(board)
    assert "1" in not_enough.value.message
    run_decryption(election.trustees[3], transport)
    combined = combine_tally_from_board(board)
    assert combined.rejected.keys() == {1}
    assert combined.trustees == (2, 3, 4)
    assert _counts_by_style(combined.counts_by_style) == election.expected


def test_trustee_refuses_to_decrypt_before_the_close() -> None:
    election = open_election()
    with pytest.raises(WrongPhaseError) as info:
        run_decryption(election.trustees[0], BoardTransport(election.board, PARAMS))
    assert info.value.code == "wrong_phase"


def test_trustee_refuses_when_the_tally_is_not_posted_yet() -> None:
    election = cast_and_close(open_election(), post_tally=False)
    with pytest.raises(WrongPhaseError):
        run_decryption(election.trustees[0], BoardTransport(election.board, PARAMS))


def test_trustee_refuses_a_tally_that_is_not_the_sum_of_the_ballots() -> None:
    """The server posts a tally that drops the last ballot: the trustee recomputes and refuses."""
    election = cast_and_close(open_election(), post_tally=False)
    board = election.board
    from trustees.decryption import recompute_tally

    entries = board.entries(0, board.size)
    ballots = [e for e in entries if e.kind.value == "ballot"]
    without_last = [e for e in entries if e.index != ballots[1].index]
    forged = recompute_tally(without_last, election.manifest)
    board.append("encrypted_tally", {**forged.to_json(), "superseded": []}, dedup_key="encrypted_tally")
    with pytest.raises(TallyMismatchError) as info:
        run_decryption(election.trustees[0], BoardTransport(board, PARAMS))
    assert info.value.code == "tally_mismatch"


def test_shares_in_several_parts_combine_and_a_half_posted_trustee_resumes(monkeypatch: pytest.MonkeyPatch) -> None:
    """With 2 shares a part, every trustee posts several ``decryption_share`` entries; nothing combines until k
    trustees have every part on the board, and a trustee that stopped half-way posts only what is missing."""
    import bulletin_board.entries

    monkeypatch.setattr(bulletin_board.entries, "DECRYPTION_SHARES_PER_PART", 2)
    election = cast_and_close(open_election())
    board = election.board
    on_board = check_posted_tally(board.entries(0, board.size))
    assert on_board.parts >= 2
    transport = BoardTransport(board, PARAMS)
    first = TrusteeSecrets.from_dict(election.trustees[0].secrets)
    assert first.key_share is not None
    transport.post([decryption_post(first.key_share, on_board, first.identity_key, 0)])  # then it stops
    for store in election.trustees[1:3]:
        run_decryption(store, transport)
    with pytest.raises(NotEnoughSharesError):
        combine_tally_from_board(board)
    size = board.size
    status = run_decryption(election.trustees[0], transport)
    assert status.posted and board.size == size + on_board.parts - 1
    combined = combine_tally_from_board(board)
    assert combined.trustees == (1, 2, 3)
    assert _counts_by_style(combined.counts_by_style) == election.expected


def test_decryption_reports_progress_after_each_posted_part() -> None:
    """``on_progress`` is told after each part is on the board (a trustee sees its 40-second turn move), and a
    second run has nothing left to post."""
    election = cast_and_close(open_election())
    board = election.board
    transport = BoardTransport(board, PARAMS)
    seen: list[tuple[int, int, int]] = []
    status = run_decryption(election.trustees[0], transport, on_progress=lambda d, t: seen.append((d, t, board.size)))
    assert status.posted
    parts = seen[0][1]
    assert parts >= 1 and [(d, t) for d, t, _ in seen] == [(d, parts) for d in range(parts + 1)]
    # Each report comes once its part is on the board: one more entry per report.
    assert [size - seen[0][2] for _, _, size in seen] == list(range(parts + 1))
    again: list[tuple[int, int]] = []
    assert not run_decryption(election.trustees[0], transport, on_progress=lambda d, t: again.append((d, t))).posted
    assert again == [(0, 0)]


def test_a_trustee_refuses_a_tally_with_a_cell_below_the_minimum_even_when_its_recount_agrees(
    closed: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trustees' own refusal (`check_minimum_cells` in `check_posted_tally`), apart from the recount: the
    board's election keeps styles of 1-3 ballots apart (minimum 1); read under the default minimum of 10 and with
    a recount that agrees with the posted tally (an operator and a trustee build that both skip the merge), the
    trustee still refuses to decrypt, with a stable code. Fails when that check is removed."""
    entries = [e for e in closed.board.entries(0, closed.board.size) if e.kind.value != "decryption_share"]
    real = decryption.read_tally(entries)
    assert any(0 < g.ballots < 10 for g in real.tally.styles)
    policy = real.manifest.policy.model_copy(update={"min_cell_ballots": 10})
    strict = dataclasses.replace(real, manifest=real.manifest.model_copy(update={"policy": policy}))
    monkeypatch.setattr(decryption, "read_tally", lambda _entries: strict)
    monkeypatch.setattr(decryption, "recompute_tally", lambda _entries, _manifest: real.tally)
    with pytest.raises(TallyMismatchError) as refused:
        check_posted_tally(entries)
    assert refused.value.code == "cell_below_minimum"
