"""Credentials: device-made Ed25519 keys, blind-signed per ballot style, checked by anyone."""

from __future__ import annotations

import dataclasses

import pytest

from crypto.errors import ShailooError
from identity.credentials import (
    CredentialRequest,
    IssuerKeys,
    PublicCredential,
    check_credential,
    credential_message,
)
from identity.errors import CredentialInvalidError, NotEligibleError
from record.issuer import issuer_keys_from_payload, issuer_keys_payload

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
