"""The close is atomic with the issuance counts it publishes: voters identified and casting while the operator
closes never make an honest election fail check 44 (ballots counted ≤ credentials issued, per ballot style).

The registrar stops issuing first (`identity.issuance.Issuer.stop_issuing`, a gate every issuance passes in its own
transaction), then the counts are read, then counts and close are appended in one board transaction. Before that
fix the counts were read while credentials were still being issued: a voter identified and casting between the
read and the close made check 44 fail.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mobile_api.errors import ClientError
from observer.board_export import load_export
from observer.context import VerifyOptions
from observer.report import Status
from observer.verify import run_checks
from tests.server.harness import OPERATOR, Election

VOTERS = 12


def _voter(election: Election, number: str | None, holding: tuple[Any, Any] | None = None) -> str:
    """One voter: identify and take a credential (unless ``holding`` one already), then cast. Returns what happened
    (``cast`` or the refusal's code)."""
    try:
        if holding is None:
            assert number is not None
            client = election.voter_client()
            session = client.start_identification(number)
            identified = election.attest(client, number, session.session_id)
            credential = client.obtain_credential(session.session_id, identified.style_id)
        else:
            client, credential = holding
        client.cast(client.prepare_ballot(credential, election.marks_for(credential)))
    except ClientError as e:
        return e.code
    return "cast"


def _race(election: Election) -> Counter[str]:
    """Voters in threads while the operator closes early (the manifest allows it, so the voting window stays open
    and only the close decides who is in time): a third already hold their credential, the others are identified
    and take theirs during the race."""
    holding = [election.credential() for _ in range(VOTERS // 3)]
    numbers = [election.register_voter()[0] for _ in range(VOTERS - len(holding))]
    started = threading.Barrier(VOTERS + 1)

    def vote(number: str | None, held: tuple[Any, Any] | None) -> str:
        started.wait()
        return _voter(election, number, held)

    with ThreadPoolExecutor(max_workers=VOTERS) as pool:
        outcomes = [pool.submit(vote, None, h) for h in holding] + [pool.submit(vote, n, None) for n in numbers]
        started.wait()
        response = election.http.post("/v1/admin/close", headers=OPERATOR, json={"reason": "closing under load"})
        assert response.status_code == 200, response.text
        return Counter(f.result() for f in outcomes)


def _check_44(election: Election, tmp_path: Path) -> Any:
    export = tmp_path / "board.jsonl"
    export.write_bytes(election.http.get("/v1/board/export").content)
    return run_checks(load_export(export), VerifyOptions(min_issuer_bits=2048, min_witnesses=0)).check(44)


class CastCounter:
    """Counts the ballots the server accepted (by wrapping the voter API's cast), and lets a thread wait for more."""

    def __init__(self, election: Election) -> None:
        self.accepted = 0
        self._changed = threading.Condition()
        ballots = election.components.voter_services.ballots
        original = ballots.cast

        def cast(ballot: dict[str, Any], *device: Any) -> Any:
            receipt = original(ballot, *device)
            with self._changed:
                self.accepted += 1
                self._changed.notify_all()
            return receipt

        ballots.cast = cast  # type: ignore[method-assign]

    def wait_beyond(self, count: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.accepted > count, timeout=timeout)


def _slow_count(election: Election, casts: CastCounter) -> None:
    """Widen the gap between reading the registrar's counts and the close: after the read, wait (up to 3 s) until
    the server has accepted more ballots than the counts hold credentials. Only a credential issued after the read
    can cast such a ballot; before the fix one always did, now none can, and the wait runs out."""
    issuer = election.components.registrar.issuer
    read_counts = issuer.board_issuance_payload

    def counts_then_wait(election_id: str) -> dict[str, Any]:
        payload = read_counts(election_id)
        casts.wait_beyond(sum(payload["counts"].values()), timeout=3)
        return payload

    issuer.board_issuance_payload = counts_then_wait  # type: ignore[method-assign]


def _a_voter_between_count_and_close(tmp_path: Path, database_url: str | None = None) -> None:
    election = Election(tmp_path, database_url=database_url, policy={"early_close_allowed": True}).setup_to_voting()
    try:
        _slow_count(election, CastCounter(election))
        outcomes = _race(election)
        check = _check_44(election, tmp_path)
    finally:
        election.close()
    assert check.status is Status.PASS, (check.message, check.evidence, outcomes)
    assert outcomes["cast"] >= 1 and sum(outcomes.values()) == VOTERS
    assert set(outcomes) <= {"cast", "issuance_closed", "wrong_phase"}, outcomes


def test_a_voter_identified_and_casting_between_the_count_and_the_close_cannot_break_check_44(
    tmp_path: Path,
) -> None:
    _a_voter_between_count_and_close(tmp_path)


@pytest.mark.postgres
def test_the_count_and_the_close_race_no_voter_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    from tests.server.postgres import fresh_postgres_url

    with fresh_postgres_url(postgres_url) as url:
        _a_voter_between_count_and_close(tmp_path, url)


@pytest.mark.parametrize("round_", range(3))
def test_voters_racing_the_close_leave_check_44_passing_every_time(tmp_path: Path, round_: int) -> None:
    election = Election(tmp_path, policy={"early_close_allowed": True}).setup_to_voting()
    try:
        outcomes = _race(election)
        check = _check_44(election, tmp_path)
    finally:
        election.close()
    assert check.status is Status.PASS, (check.message, check.evidence, outcomes)
    assert sum(outcomes.values()) == VOTERS
