"""The identification session as a voter lives it: start → challenge → frames → match → eligibility → credential."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from identity.credentials import CredentialRequest, IssuerKeys, check_credential
from identity.db import make_engine
from identity.errors import AlreadyIdentifiedError, IdentityError, LockedOutError, SessionError
from identity.issuance import Issuer
from identity.registry import SqlVoterRegistry, VoterRecord
from identity.session import DistrictBallotStyles, IdentificationService
from identity.settings import IdentitySettings
from identity.state import MemoryStateStore, RedisStateStore, SealedSessions, StateStore
from tests.identity.conftest import OBAMA_CENTER, FacePhotos, make_personal_number, synthetic_template
from tests.identity.test_liveness import frames_for
from tests.server.postgres import fresh_postgres_url

SETTINGS = IdentitySettings(max_failures_per_voter=3, max_failures_per_address=5)
DISTRICT_STYLES = {"Bishkek-1": "bishkek-1", "Osh-2": "osh-2"}


def fresh_election() -> str:
    return f"session-test-{secrets.token_hex(6)}"


def fresh_voter(template_source: FacePhotos | None = None) -> VoterRecord:
    birth = dt.date(1985, 7, 9)
    template = template_source.template(OBAMA_CENTER) if template_source else synthetic_template(3)
    return VoterRecord(
        personal_number=make_personal_number(birth, "2", f"{secrets.randbelow(100000):05d}"),
        surname="Токтогулов",
        given_name="Бакыт",
        patronymic="",
        birth_date=birth,
        region="Бишкек",
        district="Bishkek-1",
        precinct="1001",
        face_template=template,
    )


def build_service(engine: Engine, store: StateStore, election: str, keys: IssuerKeys) -> IdentificationService:
    return IdentificationService(
        settings=SETTINGS,
        registry=SqlVoterRegistry(engine, SETTINGS.template_key_bytes),
        issuer=Issuer(engine, SETTINGS.voter_hash_key_bytes),
        election_keys={election: keys},
        ballot_styles=DistrictBallotStyles({election: DISTRICT_STYLES}),
        store=store,
    )


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'identity.db'}")


def identify_and_get_credential(
    service: IdentificationService, election: str, voter: VoterRecord, photos: FacePhotos
) -> None:
    """The whole session; asserts the credential is valid for the voter's ballot style."""
    start = service.start(election, voter.personal_number, "app", "203.0.113.7")
    frames = frames_for(start.challenge.turns, photos)
    verified = service.submit_frames(start.session_id, start.challenge.nonce, frames, "203.0.113.7")
    assert verified.ballot_style_id == "bishkek-1"
    request = CredentialRequest.create(election, verified.ballot_style_id, verified.issuer_key)
    issuance = service.issue_credential(start.session_id, request.blinded_message, "203.0.113.7")
    credential = request.finalize(issuance.blind_signature)
    keys = {verified.ballot_style_id: verified.issuer_key}
    assert check_credential(keys, election, credential) == "bishkek-1"


def second_identification_is_refused(
    service: IdentificationService, election: str, voter: VoterRecord, photos: FacePhotos
) -> None:
    start = service.start(election, voter.personal_number, "kiosk", "198.51.100.1")
    with pytest.raises(AlreadyIdentifiedError):
        service.submit_frames(
            start.session_id, start.challenge.nonce, frames_for(start.challenge.turns, photos), "198.51.100.1"
        )


@pytest.mark.faces
def test_full_session_on_sqlite_without_redis(
    photos: FacePhotos, sqlite_engine: Engine, issuer_keys: IssuerKeys
) -> None:
    election, voter = fresh_election(), fresh_voter(photos)
    service = build_service(sqlite_engine, MemoryStateStore(), election, issuer_keys)
    SqlVoterRegistry(sqlite_engine, SETTINGS.template_key_bytes).add(voter)
    identify_and_get_credential(service, election, voter, photos)
    second_identification_is_refused(service, election, voter, photos)
    issuer = Issuer(sqlite_engine, SETTINGS.voter_hash_key_bytes)
    assert issuer.board_issuance_payload(election)["counts"] == {"bishkek-1": 1}
    events = [(e.event, e.outcome) for e in issuer.audit_log(election)]
    assert ("issuance", "issued") in events and ("eligibility", "already_identified") in events
    assert all(voter.personal_number not in repr(e) for e in issuer.audit_log(election))


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    # A throwaway database: the register refuses to issue for a face registered twice, and every run enrols the
    # same fixture face.
    with fresh_postgres_url(postgres_url) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.faces
@pytest.mark.postgres
@pytest.mark.redis
def test_full_session_against_postgres_and_redis(
    photos: FacePhotos, postgres_engine: Engine, redis_url: str, issuer_keys: IssuerKeys
) -> None:
    election, voter = fresh_election(), fresh_voter(photos)
    store = RedisStateStore(redis_url)
    service = build_service(postgres_engine, store, election, issuer_keys)
    SqlVoterRegistry(postgres_engine, SETTINGS.template_key_bytes).add(voter)
    identify_and_get_credential(service, election, voter, photos)
    second_identification_is_refused(service, election, voter, photos)
    # The second service instance (another API worker) sees the same one-per-election rule through the database,
    # even with an empty Redis.
    other_worker = build_service(postgres_engine, MemoryStateStore(), election, issuer_keys)
    second_identification_is_refused(other_worker, election, voter, photos)
    store.close()


@pytest.mark.redis
def test_redis_state_store_takes_once_and_counts(redis_url: str) -> None:
    store = RedisStateStore(redis_url)
    store.put("k", b"v", 10)
    assert store.take("k") == b"v" and store.take("k") is None
    assert [store.increment("c", 10) for _ in range(3)] == [1, 2, 3] and store.count("c") == 3
    store.close()


def fail_once(service: IdentificationService, election: str, pin: str, address: str) -> None:
    start = service.start(election, pin, "app", address)
    garbage = [f"frame {i}".encode() for i in range(start.challenge.frame_count)]
    with pytest.raises(IdentityError) as caught:
        service.submit_frames(start.session_id, start.challenge.nonce, garbage, address)
    assert caught.value.code in {"image_invalid", "voter_not_found"}


def test_repeated_failures_lock_the_voter_out_from_any_address(sqlite_engine: Engine, issuer_keys: IssuerKeys) -> None:
    election, voter = fresh_election(), fresh_voter()
    service = build_service(sqlite_engine, MemoryStateStore(), election, issuer_keys)
    SqlVoterRegistry(sqlite_engine, SETTINGS.template_key_bytes).add(voter)
    for i in range(SETTINGS.max_failures_per_voter):
        fail_once(service, election, voter.personal_number, f"192.0.2.{i}")
    with pytest.raises(LockedOutError):
        service.start(election, voter.personal_number, "app", "192.0.2.200")


def test_repeated_failures_lock_the_address_out_for_any_voter(sqlite_engine: Engine, issuer_keys: IssuerKeys) -> None:
    election = fresh_election()
    service = build_service(sqlite_engine, MemoryStateStore(), election, issuer_keys)
    for _ in range(SETTINGS.max_failures_per_address):
        fail_once(service, election, fresh_voter().personal_number, "192.0.2.66")
    with pytest.raises(LockedOutError):
        service.start(election, fresh_voter().personal_number, "app", "192.0.2.66")
    service.start(election, fresh_voter().personal_number, "app", "192.0.2.67")


def test_lockout_ends_with_its_window(sqlite_engine: Engine, issuer_keys: IssuerKeys) -> None:
    now = [0.0]
    election, voter = fresh_election(), fresh_voter()
    service = build_service(sqlite_engine, MemoryStateStore(clock=lambda: now[0]), election, issuer_keys)
    for _ in range(SETTINGS.max_failures_per_voter):
        fail_once(service, election, voter.personal_number, "192.0.2.1")
    with pytest.raises(LockedOutError):
        service.start(election, voter.personal_number, "app", "192.0.2.1")
    now[0] += SETTINGS.voter_failure_window_seconds + 1
    service.start(election, voter.personal_number, "app", "192.0.2.1")


def test_steps_cannot_be_replayed_or_skipped(sqlite_engine: Engine, issuer_keys: IssuerKeys) -> None:
    election, voter = fresh_election(), fresh_voter()
    service = build_service(sqlite_engine, MemoryStateStore(), election, issuer_keys)
    start = service.start(election, voter.personal_number, "app", "192.0.2.9")
    with pytest.raises(SessionError):  # skipping the face check
        service.issue_credential(start.session_id, b"\x00" * 256, "192.0.2.9")
    with pytest.raises(SessionError):  # the skip attempt consumed the session
        service.submit_frames(start.session_id, start.challenge.nonce, [b""] * 4, "192.0.2.9")
    with pytest.raises(SessionError):
        service.submit_frames("no-such-session", "nonce", [], "192.0.2.9")


def test_settings_refuse_public_development_keys_in_production() -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(environment="production")
    IdentitySettings(environment="production", template_key="ab" * 32, voter_hash_key="cd" * 32)
    with pytest.raises(ValidationError):
        IdentitySettings(template_key="abcd")


def test_sealed_session_state_moved_to_another_session_or_tampered_is_refused() -> None:
    store = MemoryStateStore()
    sessions = SealedSessions(store, SETTINGS.session_key_bytes, "session", 60)
    sessions.put("victim", {"step": "credential", "voter_hash": "ab" * 32})
    blob = store.take("session:victim")
    assert blob is not None and b"voter_hash" not in blob
    store.put("session:attacker", blob, 60)  # a Redis writer moves a voter's identified state to its own session
    with pytest.raises(SessionError):
        sessions.take("attacker", "credential")
    store.put("session:victim", blob[:-1] + bytes([blob[-1] ^ 1]), 60)
    with pytest.raises(SessionError):
        sessions.take("victim", "credential")
    other_purpose = SealedSessions(store, SETTINGS.session_key_bytes, "voter-session", 60)
    store.put("voter-session:victim", blob, 60)  # the face path's state replayed on the attestation path
    with pytest.raises(SessionError):
        other_purpose.take("victim", "credential")


def test_session_key_is_derived_from_the_template_key_and_is_not_it() -> None:
    other = IdentitySettings(template_key="ab" * 32)
    assert len(SETTINGS.session_key_bytes) == 32
    assert SETTINGS.session_key_bytes not in (SETTINGS.template_key_bytes, SETTINGS.voter_hash_key_bytes)
    assert other.session_key_bytes != SETTINGS.session_key_bytes
