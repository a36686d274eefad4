"""RFC 9474 blind RSA: every appendix vector, round trips with fresh keys, and the attacks a registrar faces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.blind_rsa import (
    DEFAULT_VARIANT,
    ELECTION_MIN_MODULUS_BITS,
    MSG_PREFIX_BYTES,
    RFC_MIN_MODULUS_BITS,
    BlindRsaPrivateKey,
    BlindRsaPublicKey,
    Variant,
    blind,
    blind_sign,
    encode_message,
    finalize,
    prepare,
    verify,
)
from crypto.errors import InvalidSignatureError, NonCanonicalError, ParameterError

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load_vectors(name: str) -> list[dict[str, Any]]:
    document: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    vectors: list[dict[str, Any]] = document["vectors"]
    return vectors


RFC_VECTORS = load_vectors("rfc9474.json")


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def rfc_private_key(vector: dict[str, Any]) -> BlindRsaPrivateKey:
    return BlindRsaPrivateKey(
        n=int(vector["n"], 16),
        e=int(vector["e"], 16),
        d=int(vector["d"], 16),
        p=int(vector["p"], 16),
        q=int(vector["q"], 16),
    )


@pytest.fixture(scope="session")
def issuer_key() -> BlindRsaPrivateKey:
    """One 2048-bit key for the whole session: generating election-size keys costs seconds."""
    return BlindRsaPrivateKey.generate(RFC_MIN_MODULUS_BITS, insecure_allow_small_for_tests=True)


@pytest.fixture(scope="session")
def other_issuer_key() -> BlindRsaPrivateKey:
    return BlindRsaPrivateKey.generate(RFC_MIN_MODULUS_BITS, insecure_allow_small_for_tests=True)


# --- RFC 9474 Appendix A ---------------------------------------------------------------------------


def test_vector_file_holds_all_four_variants() -> None:
    assert sorted(v["name"] for v in RFC_VECTORS) == sorted(variant.value for variant in Variant)


@pytest.mark.parametrize("vector", RFC_VECTORS, ids=[v["name"] for v in RFC_VECTORS])
def test_rfc9474_vector(vector: dict[str, Any]) -> None:
    variant = Variant(vector["name"])
    sk = rfc_private_key(vector)
    pk = sk.public_key()

    prepared = prepare(h(vector["msg"]), variant, msg_prefix=h(vector["msg_prefix"]) if variant.randomized else None)
    assert prepared == h(vector["prepared_msg"]) == h(vector["input_msg"])
    assert encode_message(pk, prepared, variant, h(vector["salt"])) == h(vector["encoded_msg"])

    blinded_msg, inv = blind(pk, prepared, variant, salt=h(vector["salt"]), inv=int(vector["inv"], 16))
    assert blinded_msg == h(vector["blinded_msg"])
    assert inv == h(vector["inv"])

    blind_sig = blind_sign(sk, blinded_msg)
    assert blind_sig == h(vector["blind_sig"])

    sig = finalize(pk, prepared, blind_sig, inv, variant)
    assert sig == h(vector["sig"])
    verify(pk, prepared, sig, variant)


@pytest.mark.parametrize("vector", RFC_VECTORS, ids=[v["name"] for v in RFC_VECTORS])
def test_rfc9474_signature_fails_under_another_variant(vector: dict[str, Any]) -> None:
    """The salt length is part of the statement: a PSS signature is not a PSSZERO one and vice versa."""
    variant = Variant(vector["name"])
    pk = rfc_private_key(vector).public_key()
    other = next(v for v in Variant if v.salt_length != variant.salt_length)
    with pytest.raises(InvalidSignatureError):
        verify(pk, h(vector["prepared_msg"]), h(vector["sig"]), other)


def test_rfc_key_round_trips_through_spki_and_pkcs8() -> None:
    sk = rfc_private_key(RFC_VECTORS[0])
    pk = sk.public_key()
    assert BlindRsaPublicKey.from_bytes(pk.to_bytes()) == pk
    assert BlindRsaPrivateKey.from_bytes(sk.to_bytes()) == sk
    assert BlindRsaPrivateKey.from_pem(sk.to_pem()) == sk
    assert pk.modulus_bits == 4096
    assert pk.modulus_bytes == 512


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(Variant), ids=[v.value for v in Variant])
def test_round_trip_with_a_fresh_key(issuer_key: BlindRsaPrivateKey, variant: Variant) -> None:
    pk = issuer_key.public_key()
    prepared = prepare(b"credential public key", variant)
    blinded_msg, inv = blind(pk, prepared, variant)
    sig = finalize(pk, prepared, blind_sign(issuer_key, blinded_msg), inv, variant)
    verify(pk, prepared, sig, variant)


@settings(max_examples=10, deadline=None)
@given(msg=st.binary(max_size=200))
def test_any_message_round_trips(issuer_key: BlindRsaPrivateKey, msg: bytes) -> None:
    pk = issuer_key.public_key()
    prepared = prepare(msg)
    blinded_msg, inv = blind(pk, prepared)
    verify(pk, prepared, finalize(pk, prepared, blind_sign(issuer_key, blinded_msg), inv))


def test_randomized_prepare_adds_a_fresh_32_byte_prefix() -> None:
    first, second = prepare(b"m"), prepare(b"m")
    assert len(first) == MSG_PREFIX_BYTES + 1 and first.endswith(b"m")
    assert first != second
    assert prepare(b"m", Variant.SHA384_PSS_DETERMINISTIC) == b"m"


def test_blinding_hides_the_message(issuer_key: BlindRsaPrivateKey) -> None:
    """Blinding the same prepared message twice gives unrelated blinded messages (fresh r and salt)."""
    pk = issuer_key.public_key()
    prepared = prepare(b"same credential", Variant.SHA384_PSS_DETERMINISTIC)
    first, _ = blind(pk, prepared, Variant.SHA384_PSS_DETERMINISTIC)
    second, _ = blind(pk, prepared, Variant.SHA384_PSS_DETERMINISTIC)
    assert first != second


def test_default_variant_is_pss_randomized() -> None:
    assert DEFAULT_VARIANT is Variant.SHA384_PSS_RANDOMIZED
    assert DEFAULT_VARIANT.salt_length == 48 and DEFAULT_VARIANT.randomized


# --- attacks and bad input -----------------------------------------------------------------------


def test_signature_from_another_key_is_rejected(
    issuer_key: BlindRsaPrivateKey, other_issuer_key: BlindRsaPrivateKey
) -> None:
    prepared = prepare(b"credential")
    pk = other_issuer_key.public_key()
    blinded_msg, inv = blind(pk, prepared)
    sig = finalize(pk, prepared, blind_sign(other_issuer_key, blinded_msg), inv)
    with pytest.raises(InvalidSignatureError) as raised:
        verify(issuer_key.public_key(), prepared, sig)
    assert raised.value.code == "invalid_signature"


def test_blind_signature_from_another_key_fails_finalize(
    issuer_key: BlindRsaPrivateKey, other_issuer_key: BlindRsaPrivateKey
) -> None:
    """A registrar that signs with a key other than the pinned one is caught before the client uses it."""
    pk = issuer_key.public_key()
    prepared = prepare(b"credential")
    # The other key signs only a message below its own modulus; the two fresh moduli are in either order, so draw
    # blindings until the blinded message fits (about one try in two) instead of failing when it does not.
    while True:
        blinded_msg, inv = blind(pk, prepared)
        if int.from_bytes(blinded_msg, "big") < other_issuer_key.n:
            break
    wrong_blind_sig = blind_sign(other_issuer_key, blinded_msg)
    with pytest.raises(InvalidSignatureError):
        finalize(pk, prepared, wrong_blind_sig, inv)


def test_tampered_message_is_rejected(issuer_key: BlindRsaPrivateKey) -> None:
    pk = issuer_key.public_key()
    prepared = prepare(b"credential A")
    blinded_msg, inv = blind(pk, prepared)
    sig = finalize(pk, prepared, blind_sign(issuer_key, blinded_msg), inv)
    tampered = prepared[:-1] + bytes([prepared[-1] ^ 1])
    with pytest.raises(InvalidSignatureError):
        verify(pk, tampered, sig)


def test_tampered_signature_is_rejected(issuer_key: BlindRsaPrivateKey) -> None:
    pk = issuer_key.public_key()
    prepared = prepare(b"credential")
    blinded_msg, inv = blind(pk, prepared)
    sig = finalize(pk, prepared, blind_sign(issuer_key, blinded_msg), inv)
    with pytest.raises(InvalidSignatureError):
        verify(pk, prepared, sig[:-1] + bytes([sig[-1] ^ 1]))


@pytest.mark.parametrize("delta", [-1, 1])
def test_wrong_length_signature_is_rejected(issuer_key: BlindRsaPrivateKey, delta: int) -> None:
    pk = issuer_key.public_key()
    prepared = prepare(b"credential")
    blinded_msg, inv = blind(pk, prepared)
    sig = finalize(pk, prepared, blind_sign(issuer_key, blinded_msg), inv)
    wrong = sig[1:] if delta < 0 else b"\x00" + sig
    with pytest.raises(InvalidSignatureError):
        verify(pk, prepared, wrong)
    with pytest.raises(InvalidSignatureError):
        finalize(pk, prepared, wrong, inv)


def test_blinded_message_not_below_n_is_refused_by_blind_sign(issuer_key: BlindRsaPrivateKey) -> None:
    k_len = (issuer_key.modulus_bits + 7) // 8
    with pytest.raises(NonCanonicalError):
        blind_sign(issuer_key, issuer_key.n.to_bytes(k_len, "big"))
    with pytest.raises(NonCanonicalError):
        blind_sign(issuer_key, b"\xff" * k_len)


def test_wrong_length_blinded_message_is_refused_by_blind_sign(issuer_key: BlindRsaPrivateKey) -> None:
    k_len = (issuer_key.modulus_bits + 7) // 8
    with pytest.raises(NonCanonicalError):
        blind_sign(issuer_key, b"\x01" * (k_len - 1))
    with pytest.raises(NonCanonicalError):
        blind_sign(issuer_key, b"\x01" * (k_len + 1))


def test_salt_of_the_wrong_length_is_refused(issuer_key: BlindRsaPrivateKey) -> None:
    with pytest.raises(ParameterError):
        blind(issuer_key.public_key(), b"m", Variant.SHA384_PSS_RANDOMIZED, salt=b"\x00" * 47)


def test_inv_not_invertible_or_out_of_range_is_refused(issuer_key: BlindRsaPrivateKey) -> None:
    pk = issuer_key.public_key()
    for inv in (0, pk.n, pk.n + 5, issuer_key.p):
        with pytest.raises(ParameterError):
            blind(pk, b"m", inv=inv)


# --- keys ----------------------------------------------------------------------------------------


def test_generate_refuses_keys_below_the_election_minimum() -> None:
    with pytest.raises(ParameterError):
        BlindRsaPrivateKey.generate(ELECTION_MIN_MODULUS_BITS - 1024)
    with pytest.raises(ParameterError):
        BlindRsaPrivateKey.generate(1024, insecure_allow_small_for_tests=True)


def test_small_public_key_is_refused_when_decoded_for_an_election(issuer_key: BlindRsaPrivateKey) -> None:
    der = issuer_key.public_key().to_bytes()
    with pytest.raises(ParameterError):
        BlindRsaPublicKey.from_bytes(der)
    assert BlindRsaPublicKey.from_bytes(der, min_bits=RFC_MIN_MODULUS_BITS) == issuer_key.public_key()


def test_public_key_decoding_is_strict(issuer_key: BlindRsaPrivateKey) -> None:
    der = issuer_key.public_key().to_bytes()
    for bad in (b"", der[:-1], der + b"\x00", b"\x30" + der[1:10]):
        with pytest.raises((NonCanonicalError, ParameterError)):
            BlindRsaPublicKey.from_bytes(bad, min_bits=RFC_MIN_MODULUS_BITS)
    with pytest.raises(ParameterError):
        BlindRsaPublicKey.from_bytes(issuer_key.to_bytes(), min_bits=RFC_MIN_MODULUS_BITS)


def test_inconsistent_private_key_is_refused(issuer_key: BlindRsaPrivateKey) -> None:
    with pytest.raises(ParameterError):
        BlindRsaPrivateKey(issuer_key.n, issuer_key.e, issuer_key.d + 2, issuer_key.p, issuer_key.q)
    with pytest.raises(ParameterError):
        BlindRsaPrivateKey(issuer_key.n, issuer_key.e, issuer_key.d, issuer_key.p, issuer_key.q + 2)


def test_even_modulus_or_exponent_is_refused(issuer_key: BlindRsaPrivateKey) -> None:
    with pytest.raises(ParameterError):
        BlindRsaPublicKey(issuer_key.n + 1, 65537)
    with pytest.raises(ParameterError):
        BlindRsaPublicKey(issuer_key.n, 65536)


def test_encrypted_pem_needs_its_passphrase(issuer_key: BlindRsaPrivateKey) -> None:
    pem = issuer_key.to_pem(passphrase="correct horse")
    assert b"ENCRYPTED" in pem
    loaded = BlindRsaPrivateKey.from_pem(pem, passphrase="correct horse", min_bits=RFC_MIN_MODULUS_BITS)
    assert loaded == issuer_key
    with pytest.raises(NonCanonicalError):
        BlindRsaPrivateKey.from_pem(pem, passphrase="wrong", min_bits=RFC_MIN_MODULUS_BITS)


def test_fingerprint_is_domain_separated_sha256_of_the_spki(issuer_key: BlindRsaPrivateKey) -> None:
    from crypto.hashing import hash_fields

    pk = issuer_key.public_key()
    assert pk.fingerprint() == hash_fields("blind-rsa/public-key", pk.to_bytes())
    assert len(pk.fingerprint()) == 32
    assert pk.fingerprint() != rfc_private_key(RFC_VECTORS[0]).public_key().fingerprint()


def test_private_key_repr_hides_the_secret(issuer_key: BlindRsaPrivateKey) -> None:
    text = repr(issuer_key)
    assert str(issuer_key.d) not in text and str(issuer_key.p) not in text


@pytest.mark.slow
def test_default_generation_is_3072_bits() -> None:
    sk = BlindRsaPrivateKey.generate()
    assert sk.modulus_bits == ELECTION_MIN_MODULUS_BITS
    assert BlindRsaPublicKey.from_bytes(sk.public_key().to_bytes()) == sk.public_key()
