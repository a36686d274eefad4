"""Personal data in the session store: between identification and the credential, Redis (and the in-process store
that stands in for it) holds no personal number and no birth date in clear.

The operator of the Redis server, a backup of it or anyone who can run ``SCAN`` there is an attacker here: every
key and every value of the test database is read (``SCAN`` + ``GET``/``HGETALL``/``LRANGE``/``SMEMBERS``/
``ZRANGE``) and searched for the voter's personal number and birth date in the forms a program would write them,
and for the registrar's keyed voter hash: the board publishes it at the close, so in clear it would tie a session
to the board's list; sealed (`identity.state.SealedSessions`), nothing in the store is readable.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from pathlib import Path

import pytest
import redis

from identity.credentials import CredentialRequest, IssuerKeys, check_credential
from identity.db import make_engine
from identity.issuance import Issuer
from identity.personal_number import parse_personal_number
from identity.registry import SqlVoterRegistry
from identity.session import DistrictBallotStyles, IdentificationService
from identity.settings import IdentitySettings
from identity.state import MemoryStateStore, RedisStateStore
from tests.identity.conftest import FacePhotos
from tests.identity.test_liveness import frames_for
from tests.identity.test_session import fresh_voter
from tests.server.harness import Election


@pytest.fixture(scope="module")
def photos(faces_dir: Path) -> FacePhotos:
    return FacePhotos(faces_dir)


@pytest.fixture(scope="module")
def issuer_keys() -> IssuerKeys:
    return IssuerKeys.generate(["bishkek-1"], bits=2048, insecure_allow_small_for_tests=True)


def redis_contents(url: str) -> list[bytes]:
    """Every key of the database and every value under it, as bytes."""
    client = redis.Redis.from_url(url)
    found: list[bytes] = []
    try:
        for key in client.scan_iter(count=1000):
            found.append(key)
            kind = client.type(key)
            if kind == b"string":
                found.append(client.get(key) or b"")
            elif kind == b"hash":
                for field, value in client.hgetall(key).items():
                    found += [field, value]
            elif kind == b"list":
                found += client.lrange(key, 0, -1)
            elif kind == b"set":
                found += list(client.smembers(key))
            elif kind == b"zset":
                found += [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
            elif kind != b"none":  # expired between SCAN and TYPE
                raise AssertionError(f"unexpected Redis type {kind!r} under {key!r}: read it too")
    finally:
        client.close()
    return found


def memory_contents(store: MemoryStateStore) -> list[bytes]:
    """The in-process store's keys and values, as bytes."""
    found: list[bytes] = []
    for key, (_, value) in store._entries.items():
        found += [key.encode(), value if isinstance(value, bytes) else str(value).encode()]
    return found


def clear_forms(personal_number: str) -> list[bytes]:
    """The personal number and its birth date as a program would write them: text, hex, base64, and the date as
    ISO, DDMMYYYY, YYYYMMDD and DD.MM.YYYY."""
    birth = parse_personal_number(personal_number).birth_date
    raw = personal_number.encode()
    return [
        raw,
        raw.hex().encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
        birth.isoformat().encode(),
        f"{birth:%d%m%Y}".encode(),
        f"{birth:%Y%m%d}".encode(),
        f"{birth:%d.%m.%Y}".encode(),
    ]


def assert_no_personal_data(personal_number: str, contents: Iterable[bytes], voter_hash: str | None = None) -> None:
    contents = list(contents)
    assert contents, "the session store is empty: the scan would prove nothing"
    forms = clear_forms(personal_number) + ([voter_hash.encode()] if voter_hash else [])
    leaks = [(form, blob[:120]) for form in forms for blob in contents if form in blob]
    assert not leaks, f"personal data in clear in the session store: {leaks}"


@pytest.mark.redis
def test_redis_holds_no_personal_number_between_attestation_and_credential(tmp_path: Path, redis_url: str) -> None:
    election = Election(tmp_path, redis_url=redis_url).setup_to_voting()
    try:
        client = election.voter_client()
        number, _ = election.register_voter()
        session = client.start_identification(number)
        assert_no_personal_data(number, redis_contents(redis_url))  # waiting for the device's assertion
        identified = election.attest(client, number, session.session_id)
        hashed = election.components.registrar.issuer.voter_hash(election.manifest.election_id, number)
        assert_no_personal_data(number, redis_contents(redis_url), hashed)  # identified, waiting for the credential
        credential = client.obtain_credential(session.session_id, identified.style_id)
        assert credential.public.ballot_style_id == identified.style_id  # the state still served the next step
    finally:
        election.close()


def test_in_process_store_holds_no_personal_number_between_attestation_and_credential(tmp_path: Path) -> None:
    election = Election(tmp_path).setup_to_voting()
    try:
        store = election.components.registrar.store
        assert isinstance(store, MemoryStateStore)
        client = election.voter_client()
        number, _ = election.register_voter()
        session = client.start_identification(number)
        style = election.attest(client, number, session.session_id).style_id
        hashed = election.components.registrar.issuer.voter_hash(election.manifest.election_id, number)
        assert_no_personal_data(number, memory_contents(store), hashed)
        assert client.obtain_credential(session.session_id, style).public.ballot_style_id == style
    finally:
        election.close()


@pytest.mark.faces
@pytest.mark.redis
def test_redis_holds_no_personal_number_between_face_check_and_credential(
    tmp_path: Path, photos: FacePhotos, redis_url: str, issuer_keys: IssuerKeys
) -> None:
    settings = IdentitySettings()
    engine = make_engine(f"sqlite:///{tmp_path / 'identity.db'}")
    election = f"redis-scan-{secrets.token_hex(4)}"
    voter = fresh_voter(photos)
    SqlVoterRegistry(engine, settings.template_key_bytes).add(voter)
    store = RedisStateStore(redis_url)
    issuer = Issuer(engine, settings.voter_hash_key_bytes)
    hashed = issuer.voter_hash(election, voter.personal_number)
    service = IdentificationService(
        settings=settings,
        registry=SqlVoterRegistry(engine, settings.template_key_bytes),
        issuer=issuer,
        election_keys={election: issuer_keys},
        ballot_styles=DistrictBallotStyles({election: {"Bishkek-1": "bishkek-1"}}),
        store=store,
    )
    try:
        start = service.start(election, voter.personal_number, "app", "203.0.113.7")
        assert_no_personal_data(voter.personal_number, redis_contents(redis_url), hashed)  # waiting for the frames
        frames = frames_for(start.challenge.turns, photos)
        verified = service.submit_frames(start.session_id, start.challenge.nonce, frames, "203.0.113.7")
        assert_no_personal_data(voter.personal_number, redis_contents(redis_url), hashed)  # before the credential
        request = CredentialRequest.create(election, verified.ballot_style_id, verified.issuer_key)
        issuance = service.issue_credential(start.session_id, request.blinded_message, "203.0.113.7")
        credential = request.finalize(issuance.blind_signature)
        assert check_credential({"bishkek-1": verified.issuer_key}, election, credential) == "bishkek-1"
    finally:
        store.close()
        engine.dispose()
