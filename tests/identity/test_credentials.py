"""Credentials: device-made Ed25519 keys, blind-signed per ballot style, checked by anyone."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto import blind_rsa
from crypto.errors import ShailooError
from identity.credentials import (
    CredentialRequest,
    IssuerKeys,
    PublicCredential,
    check_credential,
    credential_message,
)
from identity.errors import CredentialInvalidError, NotEligibleError
from record.ballot import credential_fingerprint
from record.issuer import VARIANT, issuer_keys_from_payload, issuer_keys_payload

ELECTION = "kg-2026-parliament"


def issue(keys: IssuerKeys, style: str = "bishkek-1", election: str = ELECTION) -> PublicCredential:
    request = CredentialRequest.create(election, style, keys.public_keys()[style])
    return request.finalize(keys.blind_sign(style, request.blinded_message)).public


def test_issued_credential_checks_and_names_its_ballot_style(issuer_keys: IssuerKeys) -> None:
    credential = issue(issuer_keys, "osh-2")
    assert check_credential(issuer_keys.public_keys(), ELECTION, credential) == "osh-2"
    assert check_credential(issuer_keys.public_keys(), ELECTION, PublicCredential.from_json(credential.to_json()))


def test_registrar_never_sees_the_credential_key(issuer_keys: IssuerKeys) -> None:
    request = CredentialRequest.create(ELECTION, "bishkek-1", issuer_keys.public_keys()["bishkek-1"])
    credential = request.finalize(issuer_keys.blind_sign("bishkek-1", request.blinded_message)).public
    assert credential.public_key not in request.blinded_message
    assert credential.signature != issuer_keys.blind_sign("bishkek-1", request.blinded_message)


def test_credential_for_another_election_is_refused(issuer_keys: IssuerKeys) -> None:
    with pytest.raises(CredentialInvalidError):
        check_credential(issuer_keys.public_keys(), "another-election", issue(issuer_keys))


def test_credential_relabelled_to_another_ballot_style_is_refused(issuer_keys: IssuerKeys) -> None:
    credential = dataclasses.replace(issue(issuer_keys, "bishkek-1"), ballot_style_id="osh-2")
    with pytest.raises(CredentialInvalidError):
        check_credential(issuer_keys.public_keys(), ELECTION, credential)


def test_signature_moved_to_another_credential_key_is_refused(issuer_keys: IssuerKeys) -> None:
    honest, other = issue(issuer_keys), issue(issuer_keys)
    with pytest.raises(CredentialInvalidError):
        check_credential(issuer_keys.public_keys(), ELECTION, dataclasses.replace(honest, public_key=other.public_key))


def test_signed_under_another_styles_key_is_refused(issuer_keys: IssuerKeys) -> None:
    request = CredentialRequest.create(ELECTION, "bishkek-1", issuer_keys.public_keys()["osh-2"])
    forged = request.finalize(issuer_keys.blind_sign("osh-2", request.blinded_message)).public
    with pytest.raises(CredentialInvalidError):
        check_credential(issuer_keys.public_keys(), ELECTION, forged)


def test_tampered_signature_is_refused(issuer_keys: IssuerKeys) -> None:
    credential = issue(issuer_keys)
    flipped = bytes([credential.signature[0] ^ 1]) + credential.signature[1:]
    with pytest.raises(CredentialInvalidError):
        check_credential(issuer_keys.public_keys(), ELECTION, dataclasses.replace(credential, signature=flipped))


def test_corrupted_blind_signature_fails_at_finalize(issuer_keys: IssuerKeys) -> None:
    request = CredentialRequest.create(ELECTION, "bishkek-1", issuer_keys.public_keys()["bishkek-1"])
    blind_signature = issuer_keys.blind_sign("bishkek-1", request.blinded_message)
    with pytest.raises(CredentialInvalidError):
        request.finalize(blind_signature[:-1] + bytes([blind_signature[-1] ^ 1]))


def test_unknown_ballot_style_gets_no_signature(issuer_keys: IssuerKeys) -> None:
    with pytest.raises(NotEligibleError):
        issuer_keys.blind_sign("nowhere-9", b"\x00" * 256)


def test_credential_message_is_length_prefixed_and_domain_separated() -> None:
    key = bytes(32)
    assert credential_message("ab", "c", key) != credential_message("a", "bc", key)
    assert credential_message("e", "s", key).startswith(
        len(b"SHAILOO-V1/identity/credential").to_bytes(8, "big") + b"SHAILOO-V1/identity/credential"
    )
    with pytest.raises(ShailooError) as refused:
        credential_message("e", "s", bytes(31))
    assert refused.value.code == "credential_invalid"


def test_issuer_keys_payload_round_trips_and_pins_fingerprints(issuer_keys: IssuerKeys) -> None:
    payload = issuer_keys_payload(ELECTION, issuer_keys.public_keys())
    assert [k["ballot_style_id"] for k in payload["keys"]] == ["bishkek-1", "osh-2"]
    assert payload["variant"] == "RSABSSA-SHA384-PSS-Randomized"
    assert issuer_keys_from_payload(payload, min_bits=2048) == issuer_keys.public_keys()
    payload["keys"][0]["fingerprint"] = payload["keys"][1]["fingerprint"]
    with pytest.raises(ShailooError) as refused:
        issuer_keys_from_payload(payload, min_bits=2048)
    assert refused.value.code == "credential_invalid"
    assert "$.keys[0].fingerprint" in refused.value.message


def test_election_keys_below_3072_bits_are_refused_by_default(issuer_keys: IssuerKeys) -> None:
    payload = issuer_keys_payload(ELECTION, issuer_keys.public_keys())
    with pytest.raises(ShailooError) as refused:
        issuer_keys_from_payload(payload)
    assert refused.value.code == "invalid_parameters"
    assert "$.keys[0].public_key" in refused.value.message


def _request_for_key(keys: IssuerKeys, private_key: Ed25519PrivateKey, style: str = "bishkek-1") -> CredentialRequest:
    """A device's credential request for a key it chose itself (the honest device draws a fresh one)."""
    issuer = keys.public_keys()[style]
    public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    prepared = blind_rsa.prepare(credential_message(ELECTION, style, public_key), VARIANT)
    blinded, inv = blind_rsa.blind(issuer, prepared, VARIANT)
    return CredentialRequest(ELECTION, style, issuer, private_key, prepared, blinded, inv)


def test_a_device_that_makes_the_keys_cannot_give_two_voters_one_fingerprint(issuer_keys: IssuerKeys) -> None:
    """The grinding attack on the fingerprint, done as well as a device can do it: it gives voters A and B the very
    same credential key — what grinding keys for a shared fingerprint aims at, with no work at all. Both credentials
    are genuine; their fingerprints still differ, because each hashes the registrar's signature, which the device
    learns only after the registrar signs (once per voter). Under the former key-only fingerprint (40 bits, about
    2^20 key pairs to grind a collision offline) the two were equal."""
    shared = Ed25519PrivateKey.generate()
    for_a, for_b = _request_for_key(issuer_keys, shared), _request_for_key(issuer_keys, shared)
    a = for_a.finalize(issuer_keys.blind_sign("bishkek-1", for_a.blinded_message)).public
    b = for_b.finalize(issuer_keys.blind_sign("bishkek-1", for_b.blinded_message)).public
    for credential in (a, b):
        assert check_credential(issuer_keys.public_keys(), ELECTION, credential) == "bishkek-1"
    assert a.public_key == b.public_key
    assert a.fingerprint != b.fingerprint


def test_the_fingerprint_is_80_bits_of_the_key_the_randomizer_and_the_registrar_signature(
    issuer_keys: IssuerKeys,
) -> None:
    credential = issue(issuer_keys)
    prefix = credential.prepared_message[: blind_rsa.MSG_PREFIX_BYTES]
    fingerprint = credential_fingerprint(credential.public_key, prefix, credential.signature)
    assert fingerprint == credential.fingerprint
    groups = fingerprint.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert len(base64.b32decode("".join(groups))) == 10  # 80 bits
    flip = bytes([credential.signature[0] ^ 1]) + credential.signature[1:]
    assert credential_fingerprint(credential.public_key, prefix, flip) != fingerprint
    assert credential_fingerprint(credential.public_key, bytes(32), credential.signature) != fingerprint
    other = issue(issuer_keys).public_key
    assert credential_fingerprint(other, prefix, credential.signature) != fingerprint
    with pytest.raises(ShailooError) as refused:
        credential_fingerprint(credential.public_key, prefix[:31], credential.signature)
    assert refused.value.code == "malformed"
