"""Blind RSA at its edges: key checks at their boundaries, the stored formats, the blinding factor's range.
(Written to kill mutants that survived `.ci/mutation`.)"""

from __future__ import annotations

import base64

import pytest

import crypto.blind_rsa
from crypto.blind_rsa import (
    DEFAULT_VARIANT,
    RFC_MIN_MODULUS_BITS,
    BlindRsaPrivateKey,
    BlindRsaPublicKey,
    blind,
    encode_message,
    finalize,
    prepare,
)
from crypto.errors import InvalidSignatureError, ParameterError
from tests.crypto.test_blind_rsa import issuer_key  # noqa: F401 - the session fixture

#: DER of the rsaEncryption OID (1.2.840.113549.1.1.1): in a PKCS#8 key, absent from a PKCS#1 one.
RSA_ENCRYPTION_OID = bytes.fromhex("06092a864886f70d010101")
#: DER of the scrypt OID (1.3.6.1.4.1.11591.4.11), in an encrypted PKCS#8 key protected with scrypt.
SCRYPT_OID = bytes.fromhex("06092b06010401da47040b")
SALT = bytes(48)


def test_an_even_modulus_is_refused_whatever_its_other_factors(issuer_key: BlindRsaPrivateKey) -> None:  # noqa: F811
    even = issuer_key.n + 1 if (issuer_key.n + 1) % 3 else issuer_key.n + 3  # even, and not a multiple of 3
    with pytest.raises(ParameterError, match="must be odd"):
        BlindRsaPublicKey(even, 65537)


def test_public_exponent_bounds(issuer_key: BlindRsaPrivateKey) -> None:  # noqa: F811
    n = issuer_key.n
    assert BlindRsaPublicKey(n, 3).e == 3  # the smallest exponent RFC 8017 allows
    assert BlindRsaPublicKey(n, n - 2).e == n - 2
    with pytest.raises(ParameterError, match=r"in \[3, n\)"):
        BlindRsaPublicKey(n, n)


def test_private_key_with_a_trivial_factor_is_refused(issuer_key: BlindRsaPrivateKey) -> None:  # noqa: F811
    k = issuer_key
    for p, q in ((1, k.n), (k.n, 1)):
        with pytest.raises(ParameterError):
            BlindRsaPrivateKey(k.n, k.e, k.d, p, q)


def test_private_exponent_must_invert_e_modulo_lambda_not_only_modulo_p_minus_1(
    issuer_key: BlindRsaPrivateKey,  # noqa: F811
) -> None:
    k = issuer_key
    for d in (k.d + (k.p - 1), k.d + (k.q - 1)):  # right modulo one of p − 1, q − 1 only
        with pytest.raises(ParameterError, match="modulo λ"):
            BlindRsaPrivateKey(k.n, k.e, d, k.p, k.q)


def test_private_key_is_stored_as_pkcs8(issuer_key: BlindRsaPrivateKey) -> None:  # noqa: F811
    der = issuer_key.to_bytes()
    assert der[0] == 0x30 and RSA_ENCRYPTION_OID in der[:40]  # DER, PKCS#8 (not PKCS#1, not PEM)
    assert issuer_key.to_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    encrypted = issuer_key.to_pem(passphrase="correct horse")
    assert encrypted.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    body = b"".join(line for line in encrypted.splitlines() if not line.startswith(b"-----"))
    assert SCRYPT_OID in base64.b64decode(body)


def test_blinding_factor_is_drawn_from_one_to_n_minus_one(
    issuer_key: BlindRsaPrivateKey,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """r = 1 leaves the message as it is; r = n − 1 negates it (e is odd). Driven by the extremes of randbelow."""
    pk = issuer_key.public_key()
    msg = prepare(b"ballot credential")
    m = int.from_bytes(encode_message(pk, msg, DEFAULT_VARIANT, salt=SALT), "big")
    bounds: list[int] = []

    def lowest(bound: int) -> int:
        bounds.append(bound)
        return 0

    monkeypatch.setattr(crypto.blind_rsa.secrets, "randbelow", lowest)
    blinded, inv = blind(pk, msg, salt=SALT)
    assert (int.from_bytes(blinded, "big"), int.from_bytes(inv, "big")) == (m, 1)
    monkeypatch.setattr(crypto.blind_rsa.secrets, "randbelow", lambda bound: bound - 1)
    blinded, inv = blind(pk, msg, salt=SALT)
    assert (int.from_bytes(blinded, "big"), int.from_bytes(inv, "big")) == (pk.n - m, pk.n - 1)
    assert bounds == [pk.n - 1]


def test_inv_of_one_is_allowed(issuer_key: BlindRsaPrivateKey) -> None:  # noqa: F811
    pk = issuer_key.public_key()
    msg = prepare(b"ballot credential")
    blinded, inv = blind(pk, msg, salt=SALT, inv=1)
    assert int.from_bytes(blinded, "big") == int.from_bytes(encode_message(pk, msg, DEFAULT_VARIANT, salt=SALT), "big")
    assert int.from_bytes(inv, "big") == 1


def test_blind_signature_equal_to_n_is_refused_before_unblinding(issuer_key: BlindRsaPrivateKey) -> None:  # noqa: F811
    pk = issuer_key.public_key()
    msg = prepare(b"ballot credential")
    _, inv = blind(pk, msg)
    with pytest.raises(InvalidSignatureError, match="not below the modulus"):
        finalize(pk, msg, pk.n.to_bytes(pk.modulus_bytes, "big"), inv)
    assert pk.modulus_bits >= RFC_MIN_MODULUS_BITS
