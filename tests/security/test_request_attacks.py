"""Attacks on the HTTP surface other than the ballot's content: oversized and malformed bodies, admin routes
without the right token, identification sessions replayed or raced across channels. Stable codes, nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from identity.credentials import CredentialRequest
from mobile_api.schemas import DeviceAttestation
from tests.security.conftest import attempt
from tests.server.harness import AUDITOR, DEVICE_ID, Election


def _json(election: Election, path: str, content: bytes, **headers: str) -> Any:
    return attempt(election, "POST", path, content=content, headers={"content-type": "application/json", **headers})


# --- bodies ------------------------------------------------------------------------------------------------------


def _streamed_oversized(election: Election) -> Any:
    limit = election.components.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b'{"ballot": {"pad": "'
        for _ in range(limit // 65536 + 2):
            yield b"a" * 65536
        yield b'"}}'

    return attempt(election, "POST", "/v1/ballots", content=chunks(), headers={"content-type": "application/json"})


def test_streamed_body_over_the_cap_without_content_length_is_refused(election: Election) -> None:
    """A chunked upload that never declares its length is cut off once it passes the cap: refused, not stored."""
    assert 400 <= _streamed_oversized(election).status < 500


def test_streamed_body_over_the_cap_has_the_stable_payload_too_large_code(election: Election) -> None:
    refusal = _streamed_oversized(election)
    assert (refusal.status, refusal.code) == (413, "payload_too_large")


def test_declared_content_length_over_the_cap_is_refused_before_reading(election: Election) -> None:
    limit = election.components.settings.max_body_bytes
    refusal = _json(election, "/v1/ballots", b"{" + b" " * (limit + 1) + b"}")
    assert (refusal.status, refusal.code) == (413, "payload_too_large")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"{", b'{"ballot": ', b"\xff\xfe\x00garbage", b'{"ballot": NaN}', b"[]", b'""', b"null"],
    ids=["text", "open-brace", "truncated", "not-utf8", "nan", "array", "string", "null"],
)
def test_malformed_body_is_malformed(election: Election, body: bytes) -> None:
    refusal = _json(election, "/v1/ballots", body)
    assert (refusal.status, refusal.code) == (422, "malformed")


NESTED = b'{"ballot": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
HUGE_INTEGER = b'{"bits": ' + b"9" * 100_000 + b"}"


def test_deeply_nested_json_is_refused_not_crashed(election: Election) -> None:
    """100,000 nested arrays: a recursive parser or validator must not turn this into a 500 or a dead worker."""
    assert 400 <= _json(election, "/v1/ballots", NESTED).status < 500


def test_huge_integer_is_refused_not_crashed(election: Election) -> None:
    """A 100,000-digit integer (beyond Python's int-parsing limit) in the body."""
    assert 400 <= _json(election, "/v1/admin/issuer-keys", HUGE_INTEGER, **_operator()).status < 500


@pytest.mark.parametrize("body", [NESTED, HUGE_INTEGER], ids=["nested", "huge-integer"])
def test_unparseable_body_has_the_stable_malformed_code(election: Election, body: bytes) -> None:
    refusal = _json(election, "/v1/admin/issuer-keys", body, **_operator())
    assert (refusal.status, refusal.code) == (422, "malformed")


def _operator() -> dict[str, str]:
    from tests.server.harness import OPERATOR

    return dict(OPERATOR)


# --- admin routes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [("/v1/admin/close", None), ("/v1/admin/tally", {}), ("/v1/admin/channels/open", {"channels": ["app"]})],
)
def test_admin_change_without_a_token_is_unauthorized(election: Election, path: str, body: Any) -> None:
    refusal = attempt(election, "POST", path, json=body)
    assert (refusal.status, refusal.code) == (401, "unauthorized")


@pytest.mark.parametrize("token", ["dev-operator-tokenX", "DEV-OPERATOR-TOKEN", "dev-operator-toke", "x" * 10_000])
def test_admin_change_with_a_near_miss_token_is_unauthorized(election: Election, token: str) -> None:
    refusal = attempt(election, "POST", "/v1/admin/close", headers={"Authorization": f"Bearer {token}"})
    assert (refusal.status, refusal.code) == (401, "unauthorized")


def test_auditor_cannot_close_the_election(election: Election) -> None:
    refusal = attempt(election, "POST", "/v1/admin/close", headers=AUDITOR)
    assert (refusal.status, refusal.code) == (403, "forbidden")


def test_trustee_ceremony_post_during_voting_is_refused(election: Election) -> None:
    body = {"kind": "joint_key", "payload": {"joint_public_key": "02" + "00" * 32}, "dedup_key": "joint_key"}
    refusal = attempt(election, "POST", "/v1/trustees/posts", json=body)
    # The ceremony is over: a post to it is refused as a post to the wrong ceremony (before any phase check).
    assert (refusal.status, refusal.code) == (400, "wrong_ceremony")


# --- identification and credentials ------------------------------------------------------------------------------


def _identified_session(election: Election, number: str, channel: str = "app") -> str:
    client = election.voter_client()
    session = client.start_identification(number, channel)
    assertion = {
        "election_id": election.manifest.election_id,
        "session_id": session.session_id,
        "personal_number": number,
        "method": "document",
        "device_id": DEVICE_ID,
    }
    client.submit_attestation(session.session_id, DeviceAttestation.sign(DEVICE_ID, election.device_key, assertion))
    return session.session_id


def _blinded(election: Election, style_id: str) -> str:
    key = election.voter_client().election().issuer_keys[style_id]
    return CredentialRequest.create(election.manifest.election_id, style_id, key).blinded_message.hex()


def test_same_voter_identified_on_two_channels_at_once_gets_one_credential(election: Election) -> None:
    """The voter (or someone with her documents) opens an app session and a kiosk session and asks for both
    credentials at the same moment: exactly one is issued, the other is refused, one identification recorded."""
    number, style = election.register_voter()
    sessions = [_identified_session(election, number, channel) for channel in ("app", "kiosk")]
    bodies = [{"session_id": s, "blinded_message": _blinded(election, style)} for s in sessions]
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda b: election.http.post("/v1/credentials", json=b), bodies))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.json() for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["code"] == "already_identified"


def test_voter_identified_in_the_app_is_refused_at_the_kiosk(election: Election) -> None:
    number, style = election.register_voter()
    session = _identified_session(election, number, "app")
    response = election.http.post(
        "/v1/credentials", json={"session_id": session, "blinded_message": _blinded(election, style)}
    )
    assert response.status_code == 200
    client = election.voter_client()
    kiosk = client.start_identification(number, "kiosk")
    assertion = {
        "election_id": election.manifest.election_id,
        "session_id": kiosk.session_id,
        "personal_number": number,
        "method": "document",
        "device_id": DEVICE_ID,
    }
    body = DeviceAttestation.sign(DEVICE_ID, election.device_key, assertion).model_dump()
    refusal = attempt(election, "POST", f"/v1/identification/sessions/{kiosk.session_id}/attestation", json=body)
    assert (refusal.status, refusal.code) == (409, "already_identified")


def test_credential_request_replayed_on_a_used_session_is_refused(election: Election) -> None:
    number, style = election.register_voter()
    session = _identified_session(election, number)
    body = {"session_id": session, "blinded_message": _blinded(election, style)}
    assert election.http.post("/v1/credentials", json=body).status_code == 200
    refusal = attempt(election, "POST", "/v1/credentials", json=body)
    # Issuing the credential ends the session: a replay finds no session.
    assert (refusal.status, refusal.code) == (404, "session_invalid")


def test_credential_request_on_a_session_never_identified_is_refused(election: Election) -> None:
    number, style = election.register_voter()
    session = election.voter_client().start_identification(number).session_id
    refusal = attempt(
        election, "POST", "/v1/credentials", json={"session_id": session, "blinded_message": _blinded(election, style)}
    )
    assert (refusal.status, refusal.code) == (404, "session_invalid")


def test_odd_length_hex_blinded_message_is_malformed(election: Election) -> None:
    number, _ = election.register_voter()
    session = _identified_session(election, number)
    refusal = attempt(election, "POST", "/v1/credentials", json={"session_id": session, "blinded_message": "abc"})
    assert (refusal.status, refusal.code) == (422, "malformed")


@pytest.mark.parametrize("session_id", ["../../admin/close", "%2e%2e%2fadmin", "x" * 5000, " "])
def test_forged_session_ids_are_refused(election: Election, session_id: str) -> None:
    body = {"session_id": session_id, "blinded_message": "00" * 256}
    refusal = attempt(election, "POST", "/v1/credentials", json=body)
    assert (refusal.status, refusal.code) == (404, "session_invalid")


def test_attestation_for_another_voter_than_the_session_is_refused(election: Election) -> None:
    """A precinct device's genuine assertion for voter A replayed into voter B's session."""
    a, _ = election.register_voter()
    b, _ = election.register_voter()
    client = election.voter_client()
    session_a = client.start_identification(a)
    session_b = client.start_identification(b)
    assertion = {
        "election_id": election.manifest.election_id,
        "session_id": session_a.session_id,
        "personal_number": a,
        "method": "document",
        "device_id": DEVICE_ID,
    }
    body = DeviceAttestation.sign(DEVICE_ID, election.device_key, assertion).model_dump()
    refusal = attempt(election, "POST", f"/v1/identification/sessions/{session_b.session_id}/attestation", json=body)
    assert (refusal.status, refusal.code) == (403, "identification_failed")


def _face_session(election: Election) -> dict[str, Any]:
    number, _ = election.register_voter()
    response = election.http.post(
        "/v1/identification/sessions", json={"national_id": number, "channel": "app", "method": "face"}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_face_frames_bound_to_another_nonce_are_refused(election: Election) -> None:
    """Frames recorded for one liveness challenge replayed against another session's nonce."""
    first, second = _face_session(election), _face_session(election)
    body = {"frames_base64": ["iVBORw0KGgo="] * 3, "liveness_nonce": first["liveness_nonce"]}
    refusal = attempt(election, "POST", f"/v1/identification/sessions/{second['session_id']}/face", json=body)
    # The nonce is checked before the frames are decoded, so the (invalid) images are never looked at.
    assert (refusal.status, refusal.code) == (403, "nonce_invalid")


def test_credential_for_a_face_session_that_never_passed_the_face_check_is_refused(election: Election) -> None:
    session = _face_session(election)
    style = election.manifest.ballot_styles[0].style_id
    body = {"session_id": session["session_id"], "blinded_message": _blinded(election, style)}
    refusal = attempt(election, "POST", "/v1/credentials", json=body)
    # Only an identified session can ask for a credential: this one was never identified.
    assert (refusal.status, refusal.code) == (404, "session_invalid")
