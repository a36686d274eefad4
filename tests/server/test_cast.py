"""Casting: the checks a ballot goes through, their error codes, idempotent retries and challenges."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mobile_api.errors import ClientError
from tests.server.harness import Election


def cast_json(election: Election, ballot: dict[str, Any]) -> Any:
    return election.http.post("/v1/ballots", json={"ballot": ballot})


def test_a_valid_ballot_gets_a_receipt_whose_promise_names_it(voting: Election) -> None:
    client, credential = voting.credential()
    prepared = client.prepare_ballot(credential, voting.marks_for(credential))
    receipt = client.cast(prepared)  # the SDK checks the board's signed promise against this ballot
    assert receipt.tracking_code == prepared.tracking_code
    assert len(receipt.tracking_code) == 19 and receipt.tracking_code.count("-") == 3


def test_casting_the_same_ballot_again_returns_the_same_receipt(voting: Election) -> None:
    client, credential = voting.credential()
    prepared = client.prepare_ballot(credential, voting.marks_for(credential))
    first = client.cast(prepared)
    size = voting.components.board.size
    again = client.cast(prepared)
    assert again == first
    assert voting.components.board.size == size  # no second entry


def test_ballot_with_unknown_field_is_malformed(voting: Election) -> None:
    client, credential = voting.credential()
    ballot = client.prepare_ballot(credential, voting.marks_for(credential)).ballot.to_json()
    ballot["extra"] = 1
    response = cast_json(voting, ballot)
    assert response.status_code == 422
    assert response.json()["code"] == "malformed"


def test_request_with_unknown_top_level_field_is_malformed(voting: Election) -> None:
    response = voting.http.post("/v1/ballots", json={"ballot": {}, "surprise": True})
    assert response.status_code == 422 and response.json()["code"] == "malformed"


def test_tampered_ciphertext_is_refused(voting: Election) -> None:
    client, credential = voting.credential()
    ballot = client.prepare_ballot(credential, voting.marks_for(credential)).ballot.to_json()
    tampered = copy.deepcopy(ballot)
    hex_contest = tampered["contests"][0]["encrypted"]
    # Flip the last byte of a proof: the ballot signature no longer covers it.
    tampered["contests"][0]["encrypted"] = hex_contest[:-2] + format(int(hex_contest[-2:], 16) ^ 1, "02x")
    response = cast_json(voting, tampered)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_signature"


def test_proof_forged_by_the_credential_holder_is_refused(voting: Election) -> None:
    """A voter who signs a ballot with a broken proof (e.g. to vote twice for one candidate) is refused."""
    from record.ballot import EncryptedBallot

    client, credential = voting.credential()
    prepared = client.prepare_ballot(credential, voting.marks_for(credential))
    ballot = prepared.ballot
    contest_id, data = ballot.contests[0]
    # Change one response scalar of the limit proof (inside range, still canonical), then sign as the voter.
    broken = data[:-1] + bytes([data[-1] ^ 1])
    unsigned = EncryptedBallot(**{**ballot.__dict__, "contests": ((contest_id, broken), *ballot.contests[1:])})
    signed = EncryptedBallot(**{**unsigned.__dict__, "signature": credential.private_key.sign(unsigned.signed_bytes())})
    response = cast_json(voting, signed.to_json())
    assert response.status_code == 422
    assert response.json()["code"] in ("invalid_proof", "non_canonical")


def test_credential_not_signed_by_the_registrar_is_refused(voting: Election) -> None:
    client, credential = voting.credential()
    ballot = client.prepare_ballot(credential, voting.marks_for(credential)).ballot.to_json()
    signature = bytearray(bytes.fromhex(ballot["credential"]["registrar_signature"]))
    signature[10] ^= 0xFF
    ballot["credential"]["registrar_signature"] = signature.hex()
    response = cast_json(voting, ballot)
    assert response.status_code == 403
    assert response.json()["code"] == "credential_invalid"


def test_second_ballot_of_a_credential_without_revoting_is_credential_spent(voting_no_revote: Election) -> None:
    election = voting_no_revote
    client, credential = election.credential()
    client.cast(client.prepare_ballot(credential, election.marks_for(credential, 0)))
    with pytest.raises(ClientError) as caught:
        client.cast(client.prepare_ballot(credential, election.marks_for(credential, 1)))
    assert caught.value.code == "credential_spent" and caught.value.status == 409


def test_challenged_ballot_is_published_spoiled_and_cannot_then_be_cast(voting: Election) -> None:
    client, credential = voting.credential()
    marks = voting.marks_for(credential, 2)
    prepared = client.prepare_ballot(credential, marks)
    receipt, opened = client.challenge(prepared)
    assert receipt.kind == "spoiled_ballot"
    assert {c: list(v) for c, v in opened.items()} == marks
    with pytest.raises(ClientError) as caught:
        client.cast(prepared)
    assert caught.value.code == "duplicate_ballot"
    # The credential is not spent by a challenge: a fresh ballot is accepted.
    client.cast(client.prepare_ballot(credential, marks))


def test_challenge_with_a_wrong_opening_is_refused(voting: Election) -> None:
    client, credential = voting.credential()
    prepared = client.prepare_ballot(credential, voting.marks_for(credential, 0))
    reveal = prepared.reveal.to_json()
    reveal["contests"][0]["selections"][0] ^= 1
    reveal["contests"][0]["selections"][1] ^= 1
    response = voting.http.post("/v1/challenges", json={"ballot": prepared.ballot.to_json(), "reveal": reveal})
    assert response.status_code == 422
    assert response.json()["code"] == "spoil_mismatch"


def test_oversized_request_is_refused_before_parsing(voting: Election) -> None:
    limit = voting.components.settings.max_body_bytes
    response = voting.http.post(
        "/v1/ballots", content=b"{" + b" " * (limit + 10) + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_receipt_lookup_of_an_unknown_code_is_not_found(voting: Election) -> None:
    response = voting.http.get("/v1/receipts/AAAA-AAAA-AAAA-AAAA")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_voter_is_identified_only_once(voting: Election) -> None:
    from mobile_api.schemas import DeviceAttestation
    from tests.server.harness import DEVICE_ID, personal_number

    client, _ = voting.credential()  # voter 0 identified and credentialed
    session = client.start_identification(personal_number(0))
    assertion = {
        "election_id": voting.manifest.election_id,
        "session_id": session.session_id,
        "personal_number": personal_number(0),
        "method": "document",
        "device_id": DEVICE_ID,
    }
    with pytest.raises(ClientError) as caught:
        client.submit_attestation(session.session_id, DeviceAttestation.sign(DEVICE_ID, voting.device_key, assertion))
    assert caught.value.code == "already_identified"


def test_attestation_by_an_unregistered_device_is_refused(voting: Election) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from mobile_api.schemas import DeviceAttestation
    from tests.server.harness import DEVICE_ID

    number, _ = voting.register_voter()
    client = voting.voter_client()
    session = client.start_identification(number)
    assertion = {
        "election_id": voting.manifest.election_id,
        "session_id": session.session_id,
        "personal_number": number,
        "method": "document",
        "device_id": DEVICE_ID,
    }
    forged = DeviceAttestation.sign(DEVICE_ID, Ed25519PrivateKey.generate(), assertion)
    with pytest.raises(ClientError) as caught:
        client.submit_attestation(session.session_id, forged)
    assert caught.value.code == "invalid_signature"


def test_a_device_registered_during_voting_can_attest(voting: Election) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from mobile_api.schemas import DeviceAttestation
    from tests.server.harness import OPERATOR
    from voting_server.identification import device_public_key

    late = Ed25519PrivateKey.generate()
    body = {"device_id": "late-terminal", "public_key": device_public_key(late).hex()}
    assert voting.http.post("/v1/admin/devices", json=body, headers=OPERATOR).status_code == 200
    number, style = voting.register_voter()
    client = voting.voter_client()
    session = client.start_identification(number)
    assertion = {
        "election_id": voting.manifest.election_id,
        "session_id": session.session_id,
        "personal_number": number,
        "method": "document",
        "device_id": "late-terminal",
    }
    identified = client.submit_attestation(session.session_id, DeviceAttestation.sign("late-terminal", late, assertion))
    assert identified.style_id == style


def test_a_degenerate_device_key_is_refused_and_nothing_is_registered(voting: Election) -> None:
    """The neutral point as a device key would accept the forgery (R = neutral, S = 0) for every assertion: the
    admin API refuses it (crypto.signing.decode_public_key via record.devices) and writes nothing."""
    from tests.server.harness import OPERATOR

    before = voting.components.board.size
    body = {"device_id": "null-terminal", "public_key": "01" + "00" * 31}
    refused = voting.http.post("/v1/admin/devices", json=body, headers=OPERATOR)
    assert refused.json()["code"] == "invalid_point", refused.json()
    assert refused.status_code == 422
    assert voting.components.board.size == before
    assert voting.components.board.find_by_dedup_key("device:null-terminal") is None


def test_the_receipt_and_the_tracking_page_name_the_voters_credential(voting: Election) -> None:
    client, credential = voting.credential()
    prepared = client.prepare_ballot(credential, voting.marks_for(credential))
    receipt = client.cast(prepared)
    assert receipt.credential_fingerprint == credential.public.fingerprint
    assert [len(g) for g in receipt.credential_fingerprint.split("-")] == [4, 4, 4, 4]  # 80 bits
    assert client.cast(prepared).credential_fingerprint == receipt.credential_fingerprint  # the retry's receipt
    voting.components.board.integrate()
    status = client.check_receipt(receipt.tracking_code)
    assert status.credential_fingerprint == credential.public.fingerprint
    assert status.appended_at.endswith("Z")
