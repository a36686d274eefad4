"""The operator who holds everything cannot line identifications up with ballots by time (issue 14, finding 2).

**The operator.** An all-in-one server: one process, one database with the identity tables and the board, the
session store. After the day the operator reads all of it: the identification rows (voter hash, hour, row id),
the audit lines, the board (every ballot's position and signed promise time), the receipt index, what is left in
the session store, the server's log lines. Pessimistically he also knows the **exact** second at which each voter
was identified (a camera at the kiosk, a reverse proxy's access log): more than the database keeps (the hour).

**The day (simulated time; nothing sleeps).** 60 voters arrive one after the other with exponential gaps (mean
30 s: a kiosk, or a quiet hour of the app), each is identified and gets her credential, marks her ballot (20 to
60 s) and her app waits its random delay (0 to 120 s, `mobile_api.client.DEFAULT_CAST_DELAY_MAX_SECONDS`), then
casts. The ballot box integrates ballots in batches of ``INTERVAL`` seconds, each batch in a random order.

**The estimator.** Rank matching: the k-th voter identified is linked to the k-th ballot on the board. With the
exact times of both it is the best matching by time order, and against the old server (each ballot appended on
arrival, no delay in the app) it links most voters.

**The bound.** Call *chance* what an operator could do who knew, for every ballot, the integration interval it
arrived in, and nothing about the order inside it. Within a batch of ``b`` ballots put in a uniformly random order
(independent of everything else he sees), *any* guess of which voter holds which position is right for at most one
voter in expectation (each position holds a given voter with probability ``1/b``); so the expected number of
correct links is at most ``m``, the number of intervals in which ballots arrived. The count of correct links in a
batch is the number of fixed points of a random permutation (or fewer), whose factorial moments are at most 1,
Poisson(1)'s: its moment generating function is at most Poisson(1)'s, and batches are independent, so the total is
dominated by Poisson(m) in the Chernoff sense: ``P(links ≥ x) ≤ e^-m (e·m/x)^x`` for ``x > m``. The test asserts
that the operator links fewer than the smallest ``x`` for which that tail is below 10^-6 (so it fails by chance
once in a million runs) — and the control test shows the same operator, against ballots appended on arrival,
linking more than that.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bulletin_board.entries import EntryKind
from bulletin_board.group_commit import GroupCommitter
from bulletin_board.storage import now_ms
from identity.issuance import IdentificationClaim
from mobile_api.client import DEFAULT_CAST_DELAY_MAX_SECONDS, PreparedBallot, VoterClient
from mobile_api.schemas import Receipt
from tests.server.harness import Election

VOTERS = 60
#: The integration interval of the test's ballot box (seconds) and the tolerance of the manifest's voting-window
#: check that it needs (a ballot's promise may come up to an interval after it was accepted).
INTERVAL = 300
TOLERANCE = 600
MEAN_GAP, MARKING = 30.0, (20.0, 60.0)
TAIL = 1e-6


@dataclass
class Voter:
    identified_at: float  # seconds into the simulated day
    casts_at: float
    voter_hash: str = ""
    client: VoterClient | None = None
    prepared: PreparedBallot | None = None
    receipt: Future[Receipt] | None = None


def schedule(seed: int, delay_max: float) -> list[Voter]:
    """The day's arrivals (test randomness, fixed by ``seed``: it is the voters' behaviour, not the protocol's)."""
    rng = random.Random(seed)
    voters, t = [], 0.0
    for _ in range(VOTERS):
        t += rng.expovariate(1 / MEAN_GAP)
        voters.append(Voter(t, t + rng.uniform(*MARKING) + rng.uniform(0.0, delay_max)))
    return voters


def chance_threshold(intervals: int) -> int:
    """The smallest x with ``e^-m (e m / x)^x ≤ TAIL`` (m = ``intervals``): links at or above it are not chance."""
    m, x = intervals, intervals + 1
    while math.exp(-m) * (math.e * m / x) ** x > TAIL:
        x += 1
    return x


@dataclass
class Day:
    voters: list[Voter]
    entry_of: dict[str, int]  # voter hash -> the board index of her ballot (the truth)
    board_times: dict[int, int]  # board index -> the signed promise time
    claimed_hours: set[tuple[int, int, int]]  # (minute, second, microsecond) of every identification row
    intervals: int  # integration intervals in which ballots arrived


def run_day(tmp: Path, *, batches: bool, delay_max: float, seed: int = 14) -> Day:
    """Identify and cast ``VOTERS`` voters on an all-in-one server on simulated time; return what the operator
    holds after the day, and the truth."""
    election = Election(tmp, registered=VOTERS + 4, policy={"clock_tolerance_seconds": TOLERANCE})
    election.setup_to_voting()
    service = election.components.election
    assert service.committer is not None
    service.committer.close()
    # With batches the interval is the simulated clock's: the test ends each batch at its interval's end.
    committer = GroupCommitter(election.components.board, interval=None if batches else 0.0)
    service.committer = committer
    start_ms = -(-now_ms() // (INTERVAL * 1000)) * INTERVAL * 1000  # an interval boundary, voting open

    def at(seconds: float) -> None:
        election.clock.offset_ms = start_ms + int(seconds * 1000) - now_ms()

    voters = schedule(seed, delay_max)
    events = sorted(
        [(v.identified_at, 0, i) for i, v in enumerate(voters)] + [(v.casts_at, 1, i) for i, v in enumerate(voters)]
    )
    ends = [k * INTERVAL for k in range(1, int(max(v.casts_at for v in voters) // INTERVAL) + 2)]
    election_id = election.manifest.election_id
    issuer = election.components.registrar.issuer
    try:
        with ThreadPoolExecutor(VOTERS) as pool:
            queued = 0
            for when, kind, i in events:
                while batches and ends and ends[0] <= when:  # the interval ended before this event
                    at(ends.pop(0))
                    committer.flush()
                at(when)
                voter = voters[i]
                if kind == 0:  # identification and credential, then the ballot is marked on the device
                    number, _ = election.register_voter()
                    client = election.voter_client()
                    session = client.start_identification(number)
                    identified = election.attest(client, number, session.session_id)
                    credential = client.obtain_credential(session.session_id, identified.style_id)
                    voter.voter_hash = issuer.voter_hash(election_id, number)
                    voter.client = client
                    voter.prepared = client.prepare_ballot(credential, election.marks_for(credential))
                    continue
                assert voter.client is not None and voter.prepared is not None
                voter.receipt = pool.submit(voter.client.cast, voter.prepared)
                queued += 1
                if batches:
                    while committer.waiting + sum(1 for v in voters if v.receipt and v.receipt.done()) < queued:
                        pass  # the cast is checked and waits in the open batch: the arrival order is the events'
                else:
                    voter.receipt.result()
            if batches:
                at(ends[0] if ends else max(v.casts_at for v in voters))
                committer.flush()
            receipts = {v.voter_hash: v.receipt.result() for v in voters if v.receipt is not None}
        board = election.components.board
        ballots = [s for s in board.stored_entries(0, board.size) if s.entry.kind is EntryKind.BALLOT]
        with Session(board.storage.engine) as session:
            claims = session.exec(select(IdentificationClaim)).all()
        return Day(
            voters=voters,
            entry_of={h: r.entry_index for h, r in receipts.items()},
            board_times={s.entry.index: s.timestamp for s in ballots},
            claimed_hours={(c.claimed_at.minute, c.claimed_at.second, c.claimed_at.microsecond) for c in claims},
            intervals=len({int(v.casts_at // INTERVAL) for v in voters}),
        )
    finally:
        committer.close()
        election.close()


def rank_matching(day: Day) -> int:
    """The operator's estimator: the k-th voter identified ↔ the k-th ballot on the board. Returns how many of
    its links are right."""
    by_identification = sorted(day.voters, key=lambda v: v.identified_at)
    by_position = sorted(day.board_times)
    return sum(day.entry_of[v.voter_hash] == index for v, index in zip(by_identification, by_position, strict=True))


@pytest.fixture(scope="module")
def batched_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    yield run_day(tmp_path_factory.mktemp("batched"), batches=True, delay_max=DEFAULT_CAST_DELAY_MAX_SECONDS)


def test_the_operator_links_no_more_voters_than_chance(batched_day: Day) -> None:
    day = batched_day
    links = rank_matching(day)
    threshold = chance_threshold(day.intervals)
    print(f"linked {links} of {VOTERS}; chance expectation at most {day.intervals}; bound {threshold}")
    assert links < threshold


def test_what_the_operator_holds_says_nothing_finer_than_the_interval_or_the_hour(batched_day: Day) -> None:
    """Every ballot's signed time is the end of its batch (one time per batch, a batch per interval at most) and
    every identification row keeps the hour only."""
    assert len(set(day_times := batched_day.board_times.values())) <= batched_day.intervals
    assert len(day_times) == VOTERS
    assert batched_day.claimed_hours == {(0, 0, 0)}


def test_without_batches_the_same_operator_links_more_than_chance(tmp_path: Path) -> None:
    """The control: the old ballot box (each ballot appended on arrival, in arrival order) and an app that casts
    as soon as the ballot is marked. The same estimator then links more voters than the bound allows, so the
    bound is not met by the estimator's weakness."""
    day = run_day(tmp_path, batches=False, delay_max=0.0)
    links = rank_matching(day)
    threshold = chance_threshold(day.intervals)
    print(f"old behaviour: linked {links} of {VOTERS}; bound {threshold} for {day.intervals} intervals")
    assert links >= threshold


def test_the_app_casts_on_a_fresh_connection_after_a_random_delay(election: Election) -> None:
    """The cast goes over a connection made for it (the identification's connection, with its cookie, carries no
    ballot; the cast's carries no cookie), after a delay drawn when the credential came, at most the maximum."""
    seen: dict[str, list[httpx.Request]] = {"identification": [], "cast": []}
    waited: list[float] = []
    election.http.cookies.set("shailoo-session", "identification-only")
    election.http.event_hooks["request"] = [seen["identification"].append]

    def fresh_connection() -> httpx.Client:
        connection = TestClient(election.app, base_url="http://shailoo.test")
        connection.event_hooks["request"] = [seen["cast"].append]
        return connection

    try:
        client = VoterClient(
            election.http, cast_connection=fresh_connection, cast_delay_max_seconds=86_400.0, sleep=waited.append
        )
        _, credential = election.credential(client)
        client.cast(client.prepare_ballot(credential, election.marks_for(credential)))
    finally:
        election.http.event_hooks["request"] = []
        election.http.cookies.clear()
    assert [r.url.path for r in seen["cast"]] == ["/v1/ballots"]
    assert "cookie" not in seen["cast"][0].headers
    assert all(r.url.path != "/v1/ballots" for r in seen["identification"])
    assert len(waited) == 1 and 0 < waited[0] <= 86_400.0  # a draw below the ~1 s the test takes: p ≈ 1e-5


def test_a_connected_client_waits_a_random_delay_by_default() -> None:
    """`VoterClient.connect` (the CLI, a real app) waits up to the default delay; the draws differ."""
    clients = [VoterClient.connect("http://127.0.0.1:9") for _ in range(20)]
    try:
        draws = {c._draw_cast_delay() for c in clients}
    finally:
        for c in clients:
            c.close()
    assert all(0 <= d <= DEFAULT_CAST_DELAY_MAX_SECONDS for d in draws)
    assert len(draws) > 10
