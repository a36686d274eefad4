"""One identification per voter per election, across channels, under concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crypto.errors import NonCanonicalError
from identity.credentials import CredentialRequest, IssuerKeys, check_credential
from identity.db import make_engine
from identity.errors import AlreadyIdentifiedError, IssuanceClosedError
from identity.issuance import IdentificationClaim, Issuance, IssuanceRecord, Issuer, voter_hash
from tests.identity.conftest import make_personal_number

HASH_KEY = bytes(range(32, 64))
PIN = "21403199000042"
STYLE = "bishkek-1"


def new_election() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'issuance.db'}")


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url, pool_size=10, max_overflow=10, pool_timeout=120)
    yield engine
    engine.dispose()


def request_for(keys: IssuerKeys, election: str, style: str = STYLE) -> CredentialRequest:
    return CredentialRequest.create(election, style, keys.public_keys()[style])


def race(engine: Engine, keys: IssuerKeys, attempts: int = 100) -> tuple[str, list[Issuance], list[CredentialRequest]]:
    """``attempts`` threads ask at the same moment for a credential for one voter."""
    issuer = Issuer(engine, HASH_KEY)
    election = new_election()
    requests = [request_for(keys, election) for _ in range(attempts)]
    start = threading.Barrier(attempts)

    def attempt(index: int) -> Issuance | None:
        start.wait()
        try:
            return issuer.issue(election, PIN, STYLE, "app", requests[index].blinded_message, keys)
        except AlreadyIdentifiedError:
            return None

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(attempt, range(attempts)))
    winners = [(r, requests[i]) for i, r in enumerate(results) if r is not None]
    return election, [w[0] for w in winners], [w[1] for w in winners]


def assert_exactly_one_credential(engine: Engine, keys: IssuerKeys) -> None:
    election, issued, requests = race(engine, keys)
    assert len(issued) == 1
    credential = requests[0].finalize(issued[0].blind_signature)
    assert check_credential(keys.public_keys(), election, credential) == STYLE
    with Session(engine) as session:
        claims = session.exec(select(IdentificationClaim).where(IdentificationClaim.election_id == election)).all()
        records = session.exec(select(IssuanceRecord).where(IssuanceRecord.election_id == election)).all()
    assert len(claims) == len(records) == 1
    refusals = [e for e in Issuer(engine, HASH_KEY).audit_log(election) if e.outcome == "already_identified"]
    assert len(refusals) == 99


@pytest.mark.slow
def test_hundred_parallel_requests_for_one_voter_give_one_credential_on_sqlite(
    sqlite_engine: Engine, issuer_keys: IssuerKeys
) -> None:
    assert_exactly_one_credential(sqlite_engine, issuer_keys)


@pytest.mark.slow
@pytest.mark.postgres
def test_hundred_parallel_requests_for_one_voter_give_one_credential_on_postgres(
    postgres_engine: Engine, issuer_keys: IssuerKeys
) -> None:
    assert_exactly_one_credential(postgres_engine, issuer_keys)


def test_identified_at_a_precinct_then_refused_in_the_app(sqlite_engine: Engine, issuer_keys: IssuerKeys) -> None:
    issuer, election = Issuer(sqlite_engine, HASH_KEY), new_election()
    paper = issuer.issue(election, PIN, STYLE, "precinct", None, None)
    assert paper.blind_signature == b""
    with pytest.raises(AlreadyIdentifiedError):
        issuer.issue(election, PIN, STYLE, "app", request_for(issuer_keys, election).blinded_message, issuer_keys)
    with pytest.raises(AlreadyIdentifiedError):
        issuer.issue(election, PIN, STYLE, "kiosk", None, None)
    assert issuer.is_identified(election, PIN)


def test_the_same_voter_may_be_identified_once_in_each_election(sqlite_engine: Engine) -> None:
    issuer = Issuer(sqlite_engine, HASH_KEY)
    first, second = (
        issuer.issue("e-1", PIN, STYLE, "app", None, None),
        issuer.issue("e-2", PIN, STYLE, "app", None, None),
    )
    assert first.voter_hash != second.voter_hash  # per-election hashes cannot be linked across elections


def test_malformed_blinded_message_takes_no_slot(sqlite_engine: Engine, issuer_keys: IssuerKeys) -> None:
    issuer, election = Issuer(sqlite_engine, HASH_KEY), new_election()
    with pytest.raises(NonCanonicalError):
        issuer.issue(election, PIN, STYLE, "app", b"\xff" * 256, issuer_keys)
    assert not issuer.is_identified(election, PIN)
    issuer.issue(election, PIN, STYLE, "app", request_for(issuer_keys, election).blinded_message, issuer_keys)


def test_board_payload_has_counts_and_keyed_hashes_never_the_number(sqlite_engine: Engine) -> None:
    issuer, election = Issuer(sqlite_engine, HASH_KEY), new_election()
    pins = [make_personal_number(dt.date(1980, 1, 1 + i)) for i in range(3)]
    for pin, style in zip(pins, ["bishkek-1", "bishkek-1", "osh-2"], strict=True):
        issuer.issue(election, pin, style, "kiosk", None, None)
    payload = issuer.board_issuance_payload(election)
    assert payload["counts"] == {"bishkek-1": 2, "osh-2": 1}
    assert payload["voter_hashes"] == sorted(voter_hash(HASH_KEY, election, p) for p in pins)
    text = json.dumps(payload) + json.dumps([e.model_dump(mode="json") for e in issuer.audit_log()])
    assert not any(pin in text for pin in pins)


def _issue_while_stopping(engine: Engine) -> None:
    """Issuances from 8 threads while the registrar stops issuing: every issuance either committed before the stop
    (and is in the counts read after it) or was refused with ``issuance_closed`` and wrote nothing."""
    issuer, election = Issuer(engine, HASH_KEY), new_election()
    pins = [make_personal_number(dt.date(1970, 1, 1) + dt.timedelta(days=i)) for i in range(40)]
    stop, stopped = threading.Event(), threading.Event()

    def attempt(pin: str) -> str:
        if pin == pins[10]:
            stop.set()
        if pins.index(pin) >= 30:  # the last ten come after the stop for sure (the ones between race with it)
            stopped.wait(timeout=60)
        try:
            issuer.issue(election, pin, STYLE, "kiosk", None, None)
        except IssuanceClosedError:
            return "closed"
        return "issued"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = [pool.submit(attempt, p) for p in pins]
        stop.wait()
        issuer.stop_issuing(election)
        counted = issuer.board_issuance_payload(election)["counts"].get(STYLE, 0)
        stopped.set()
        results = [f.result() for f in outcomes]
    assert counted == results.count("issued")  # nothing committed after the counts were read
    assert issuer.board_issuance_payload(election)["counts"].get(STYLE, 0) == counted
    assert "closed" in results and not issuer.is_issuing(election)
    with Session(engine) as session:
        claims = session.exec(select(IdentificationClaim).where(IdentificationClaim.election_id == election)).all()
    assert len(claims) == counted  # a refused issuance left no claim


def test_no_issuance_commits_after_the_registrar_stops_issuing(sqlite_engine: Engine) -> None:
    _issue_while_stopping(sqlite_engine)


@pytest.mark.postgres
def test_no_issuance_commits_after_the_registrar_stops_issuing_on_postgres(postgres_engine: Engine) -> None:
    _issue_while_stopping(postgres_engine)


def test_voter_hash_depends_on_the_registrar_key() -> None:
    assert voter_hash(HASH_KEY, "e", PIN) != voter_hash(bytes(32), "e", PIN)
    assert len(voter_hash(HASH_KEY, "e", PIN)) == 64


def test_unknown_channel_is_refused(sqlite_engine: Engine) -> None:
    with pytest.raises(ValueError):
        Issuer(sqlite_engine, HASH_KEY).issue("e", PIN, STYLE, "fax", None, None)  # type: ignore[arg-type]


def test_identification_records_keep_no_finer_time_than_the_hour(
    sqlite_engine: Engine, issuer_keys: IssuerKeys
) -> None:
    """What an operator holding the identity database reads: the hour of each identification, never the minute,
    second or microsecond that would line it up with a ballot's arrival on the board."""
    from identity.audit import AuditEvent

    moment = dt.datetime(2026, 12, 3, 11, 47, 31, 123456, tzinfo=dt.UTC)
    issuer = Issuer(sqlite_engine, HASH_KEY, clock=lambda: moment)
    election = new_election()
    issuer.issue(election, PIN, STYLE, "app", request_for(issuer_keys, election).blinded_message, issuer_keys)
    with Session(sqlite_engine) as session:
        times = [c.claimed_at for c in session.exec(select(IdentificationClaim)).all()]
        times += [a.at for a in session.exec(select(AuditEvent)).all()]
    assert times
    assert {(t.minute, t.second, t.microsecond) for t in times} == {(0, 0, 0)}
    assert {t.hour for t in times} == {11}


@pytest.mark.parametrize("engine_name", ["sqlite_engine", pytest.param("postgres_engine", marks=pytest.mark.postgres)])
def test_identification_rows_are_not_numbered_in_arrival_order(
    engine_name: str, issuer_keys: IssuerKeys, request: pytest.FixtureRequest
) -> None:
    """Row ids are the other clock of the identity database: 30 voters identified one after the other within one
    hour must not come back in that order by id (an autoincrement id would; 30 random ids keep the arrival order
    with chance 1/30!), in the claims, the issuance records or the audit lines."""
    from identity.audit import AuditEvent

    engine: Engine = request.getfixturevalue(engine_name)
    issuer = Issuer(engine, HASH_KEY, clock=lambda: dt.datetime(2026, 12, 3, 11, 5, tzinfo=dt.UTC))
    election = new_election()
    arrival = []
    for i in range(30):
        pin = make_personal_number(dt.date(1980, 1, 1) + dt.timedelta(days=i), serial=f"{i:05d}")
        issuer.issue(election, pin, STYLE, "app", request_for(issuer_keys, election).blinded_message, issuer_keys)
        arrival.append(issuer.voter_hash(election, pin))
    with Session(engine) as session:
        claims = session.exec(select(IdentificationClaim).where(IdentificationClaim.election_id == election)).all()
        records = session.exec(select(IssuanceRecord).where(IssuanceRecord.election_id == election)).all()
        audit = session.exec(select(AuditEvent).where(AuditEvent.election_id == election)).all()
    for rows in (claims, records, audit):
        by_id = [r.voter_hash for r in sorted(rows, key=lambda r: r.id)]
        assert sorted(by_id) == sorted(arrival)
        assert by_id != arrival
