"""RFC 9474 RSA blind signatures (RSABSSA) for anonymous voter credentials (docs/spec/blind_rsa.md).

The registrar signs a credential public key without seeing it:

    client                                   registrar
    prepared = prepare(msg)
    blinded, inv = blind(pk, prepared)  --blinded-->
                                        <--blind_sig--  blind_sign(sk, blinded)
    sig = finalize(pk, prepared, blind_sig, inv)
    verify(pk, prepared, sig)   # anyone, later

The default variant is RSABSSA-SHA384-PSS-Randomized; the other three variants of RFC 9474 §5 exist so that
every test vector of the RFC's appendix can be checked. RSA key handling (generation, DER/PEM) and the final
RSASSA-PSS verification go through pycryptodomex; the blinding arithmetic follows the RFC step by step.

Keys: `generate` makes 3072-bit keys by default and refuses fewer bits for elections; a smaller key (never below
2048 bits, the RFC's floor) only with ``insecure_allow_small_for_tests=True``. Decoding a public key from bytes
demands 3072 bits unless the caller lowers ``min_bits`` explicitly.
"""

from __future__ import annotations

import enum
import hashlib
import math
import secrets
from dataclasses import dataclass, field
from typing import Final

from Cryptodome.Hash import SHA384
from Cryptodome.Math.Numbers import Integer
from Cryptodome.PublicKey import RSA
from Cryptodome.Signature import pss

from crypto.errors import CryptoError, InvalidSignatureError, NonCanonicalError, ParameterError
from crypto.hashing import hash_fields

#: The smallest modulus RFC 9474 allows; only tests go below the election minimum, and never below this.
RFC_MIN_MODULUS_BITS: Final = 2048
#: The smallest modulus Shailoo accepts for an election's issuer key.
ELECTION_MIN_MODULUS_BITS: Final = 3072
DEFAULT_PUBLIC_EXPONENT: Final = 65537
#: Length of the random prefix of the Randomized variants (RFC 9474 §4.1, Prepare).
MSG_PREFIX_BYTES: Final = 32
_HASH_BYTES: Final = 48  # SHA-384
_FINGERPRINT_TAG: Final = "blind-rsa/public-key"


class BlindSigningError(CryptoError):
    """The private-key operation produced a value that does not verify: nothing is released (RFC 9474 §4.3)."""

    code = "blind_signing_failed"


class Variant(enum.Enum):
    """The four RSABSSA variants of RFC 9474 §5; the value is the RFC's name."""

    SHA384_PSS_RANDOMIZED = "RSABSSA-SHA384-PSS-Randomized"
    SHA384_PSSZERO_RANDOMIZED = "RSABSSA-SHA384-PSSZERO-Randomized"
    SHA384_PSS_DETERMINISTIC = "RSABSSA-SHA384-PSS-Deterministic"
    SHA384_PSSZERO_DETERMINISTIC = "RSABSSA-SHA384-PSSZERO-Deterministic"

    @property
    def salt_length(self) -> int:
        """sLen of EMSA-PSS: 48 bytes for PSS, 0 for PSSZERO."""
        return 0 if "PSSZERO" in self.value else _HASH_BYTES

    @property
    def randomized(self) -> bool:
        """Whether Prepare prepends a 32-byte random prefix (PrepareRandomize) or is the identity."""
        return self.value.endswith("-Randomized")


DEFAULT_VARIANT: Final = Variant.SHA384_PSS_RANDOMIZED


# --- keys ----------------------------------------------------------------------------------------


def _check_modulus(n: int, e: int, min_bits: int) -> None:
    if min_bits < RFC_MIN_MODULUS_BITS:
        raise ParameterError(f"an RSA blind-signature key has at least {RFC_MIN_MODULUS_BITS} bits")
    if n.bit_length() < min_bits:
        raise ParameterError(f"RSA modulus has {n.bit_length()} bits; at least {min_bits} are required")
    if n % 2 == 0:
        raise ParameterError("RSA modulus must be odd")
    if not (3 <= e < n) or e % 2 == 0:
        raise ParameterError("RSA public exponent must be odd and in [3, n)")


@dataclass(frozen=True)
class BlindRsaPublicKey:
    """An issuer's public key (n, e). Bytes form: DER SubjectPublicKeyInfo (rsaEncryption), see the spec."""

    n: int
    e: int

    def __post_init__(self) -> None:
        _check_modulus(self.n, self.e, RFC_MIN_MODULUS_BITS)

    @property
    def modulus_bits(self) -> int:
        """kBits, the length of n in bits."""
        return self.n.bit_length()

    @property
    def modulus_bytes(self) -> int:
        """kLen, the length of n in bytes: every blinded message, blind signature, inv and signature."""
        return (self.modulus_bits + 7) // 8

    def to_bytes(self) -> bytes:
        """The DER SubjectPublicKeyInfo (RFC 5280 / RFC 8017 rsaEncryption)."""
        return bytes(RSA.construct((self.n, self.e)).export_key(format="DER"))

    @classmethod
    def from_bytes(cls, data: bytes, *, min_bits: int = ELECTION_MIN_MODULUS_BITS) -> BlindRsaPublicKey:
        """Decode the DER SubjectPublicKeyInfo; only the exact canonical encoding of a key of ``min_bits``+."""
        try:
            rsa_key = RSA.import_key(bytes(data))
        except (ValueError, IndexError, TypeError) as e:
            raise NonCanonicalError("bytes are not a DER RSA SubjectPublicKeyInfo") from e
        if rsa_key.has_private():
            raise ParameterError("expected a public key, got a private key")
        key = cls(int(rsa_key.n), int(rsa_key.e))
        _check_modulus(key.n, key.e, min_bits)
        if key.to_bytes() != bytes(data):
            raise NonCanonicalError("RSA public key is not in its canonical DER SubjectPublicKeyInfo form")
        return key

    def fingerprint(self) -> bytes:
        """``hash_fields("blind-rsa/public-key", to_bytes())``: 32 bytes that pin this key."""
        return hash_fields(_FINGERPRINT_TAG, self.to_bytes())

    def _cryptodome(self) -> RSA.RsaKey:
        return RSA.construct((self.n, self.e))


@dataclass(frozen=True)
class BlindRsaPrivateKey:
    """An issuer's private key. ``repr`` shows only the public part."""

    n: int
    e: int
    d: int = field(repr=False)
    p: int = field(repr=False)
    q: int = field(repr=False)

    def __post_init__(self) -> None:
        _check_modulus(self.n, self.e, RFC_MIN_MODULUS_BITS)
        if self.p * self.q != self.n or self.p < 2 or self.q < 2:
            raise ParameterError("RSA private key: p·q differs from n")
        phi = (self.p - 1) * (self.q - 1)
        if (self.e * self.d) % (phi // math.gcd(self.p - 1, self.q - 1)) != 1:
            raise ParameterError("RSA private key: d is not the inverse of e modulo λ(n)")

    @classmethod
    def generate(
        cls,
        bits: int = ELECTION_MIN_MODULUS_BITS,
        *,
        insecure_allow_small_for_tests: bool = False,
    ) -> BlindRsaPrivateKey:
        """A fresh key with e = 65537 (Cryptodome's generator, randomness from the OS).

        ``bits`` must be at least 3072; tests may pass ``insecure_allow_small_for_tests=True`` to go down to 2048.
        """
        floor = RFC_MIN_MODULUS_BITS if insecure_allow_small_for_tests else ELECTION_MIN_MODULUS_BITS
        if bits < floor:
            raise ParameterError(f"an issuer key needs at least {floor} bits, got {bits}")
        rsa_key = RSA.generate(bits, e=DEFAULT_PUBLIC_EXPONENT)
        return cls._from_cryptodome(rsa_key)

    @classmethod
    def _from_cryptodome(cls, rsa_key: RSA.RsaKey) -> BlindRsaPrivateKey:
        if not rsa_key.has_private():
            raise ParameterError("expected a private key, got a public key")
        return cls(int(rsa_key.n), int(rsa_key.e), int(rsa_key.d), int(rsa_key.p), int(rsa_key.q))

    def public_key(self) -> BlindRsaPublicKey:
        return BlindRsaPublicKey(self.n, self.e)

    @property
    def modulus_bits(self) -> int:
        return self.n.bit_length()

    def _cryptodome(self) -> RSA.RsaKey:
        return RSA.construct((self.n, self.e, self.d, self.p, self.q), consistency_check=True)

    def to_bytes(self) -> bytes:
        """Unencrypted PKCS#8 DER. Store it only inside an encrypted keystore."""
        return bytes(self._cryptodome().export_key(format="DER", pkcs=8))

    def to_pem(self, passphrase: str | None = None) -> bytes:
        """PKCS#8 PEM; with a passphrase, encrypted with scrypt + AES-256-CBC (PKCS#5 v2)."""
        key = self._cryptodome()
        if passphrase is None:
            return bytes(key.export_key(format="PEM", pkcs=8))
        return bytes(key.export_key(format="PEM", pkcs=8, passphrase=passphrase, protection="scryptAndAES256-CBC"))

    @classmethod
    def from_bytes(
        cls, data: bytes, *, passphrase: str | None = None, min_bits: int = ELECTION_MIN_MODULUS_BITS
    ) -> BlindRsaPrivateKey:
        """Decode a PKCS#8 (DER or PEM) private key of at least ``min_bits`` bits."""
        try:
            rsa_key = RSA.import_key(bytes(data), passphrase=passphrase)
        except (ValueError, IndexError, TypeError) as e:
            raise NonCanonicalError("bytes are not an RSA private key (wrong format or passphrase)") from e
        key = cls._from_cryptodome(rsa_key)
        _check_modulus(key.n, key.e, min_bits)
        return key

    from_pem = from_bytes


# --- integer/octet helpers (RFC 8017 §4) ---------------------------------------------------------


def _i2osp(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def _os2ip(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _mgf1_sha384(seed: bytes, length: int) -> bytes:
    """MGF1 with SHA-384 (RFC 8017 §B.2.1)."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:length])


def _emsa_pss_encode(message: bytes, em_bits: int, salt: bytes) -> bytes:
    """EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with SHA-384 and MGF1-SHA-384, the salt passed in."""
    em_len = (em_bits + 7) // 8
    m_hash = hashlib.sha384(message).digest()
    if em_len < _HASH_BYTES + len(salt) + 2:
        raise ParameterError("RSA modulus too small for EMSA-PSS with this salt length")
    m_prime = bytes(8) + m_hash + salt
    h = hashlib.sha384(m_prime).digest()
    db = bytes(em_len - len(salt) - _HASH_BYTES - 2) + b"\x01" + salt
    masked_db = bytearray(a ^ b for a, b in zip(db, _mgf1_sha384(h, len(db)), strict=True))
    masked_db[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked_db) + h + b"\xbc"


# --- protocol (RFC 9474 §4) ----------------------------------------------------------------------


def prepare(msg: bytes, variant: Variant = DEFAULT_VARIANT, *, msg_prefix: bytes | None = None) -> bytes:
    """Prepare (RFC 9474 §4.1): ``msg_prefix || msg`` with 32 random bytes for Randomized, else ``msg``.

    ``msg_prefix`` fixes the prefix (test vectors only); it must be 32 bytes.
    """
    if not variant.randomized:
        if msg_prefix:
            raise ParameterError(f"{variant.value} takes no message prefix")
        return bytes(msg)
    if msg_prefix is None:
        msg_prefix = secrets.token_bytes(MSG_PREFIX_BYTES)
    if len(msg_prefix) != MSG_PREFIX_BYTES:
        raise ParameterError(f"the message prefix is exactly {MSG_PREFIX_BYTES} bytes")
    return bytes(msg_prefix) + bytes(msg)


def encode_message(pk: BlindRsaPublicKey, prepared_msg: bytes, variant: Variant, salt: bytes | None) -> bytes:
    """encoded_msg = EMSA-PSS-ENCODE(prepared_msg, kBits − 1) with the variant's salt length.

    RFC 9474 §4.2 writes ``bit_len(n)``; the RFC's vectors and the RSASSA-PSS-VERIFY that checks the final
    signature use emBits = kBits − 1 (RFC 8017 §8.1.1), so that is what is computed here.
    """
    if salt is None:
        salt = secrets.token_bytes(variant.salt_length)
    if len(salt) != variant.salt_length:
        raise ParameterError(f"{variant.value} uses a {variant.salt_length}-byte salt, got {len(salt)}")
    return _emsa_pss_encode(prepared_msg, pk.modulus_bits - 1, bytes(salt))


def blind(
    pk: BlindRsaPublicKey,
    prepared_msg: bytes,
    variant: Variant = DEFAULT_VARIANT,
    *,
    salt: bytes | None = None,
    inv: int | None = None,
) -> tuple[bytes, bytes]:
    """Blind (RFC 9474 §4.2): ``(blinded_msg, inv)``, both kLen bytes. Keep ``inv`` secret until Finalize.

    ``salt`` and ``inv`` are drawn from `secrets` unless given (test vectors fix them).
    """
    m = _os2ip(encode_message(pk, prepared_msg, variant, salt))
    if math.gcd(m, pk.n) != 1:
        raise ParameterError("encoded message shares a factor with n (invalid input)")
    if inv is None:
        r = secrets.randbelow(pk.n - 1) + 1
        if math.gcd(r, pk.n) != 1:  # only if r reveals a factor of n: astronomically unlikely
            raise ParameterError("blinding factor is not invertible modulo n")
        inv = pow(r, -1, pk.n)
    else:
        if not (1 <= inv < pk.n) or math.gcd(inv, pk.n) != 1:
            raise ParameterError("inv must be an invertible integer in [1, n)")
        r = pow(inv, -1, pk.n)
    z = (m * pow(r, pk.e, pk.n)) % pk.n
    return _i2osp(z, pk.modulus_bytes), _i2osp(inv, pk.modulus_bytes)


def _rsasp1_blinded(sk: BlindRsaPrivateKey, m: int) -> int:
    """RSASP1 (RFC 8017 §5.2.1) by CRT, with base blinding so the time taken does not track m.

    The two half-size exponentiations go through pycryptodomex's GMP-backed `Integer` (about 14 times faster
    than Python's ``pow`` at 1536 bits); the rest is plain integer arithmetic.
    """
    n = sk.n
    rho = secrets.randbelow(n - 2) + 2
    blinded = (m * pow(rho, sk.e, n)) % n
    dp, dq = sk.d % (sk.p - 1), sk.d % (sk.q - 1)
    s_p = int(Integer(blinded % sk.p).inplace_pow(dp, sk.p))
    s_q = int(Integer(blinded % sk.q).inplace_pow(dq, sk.q))
    h = ((s_q - s_p) * pow(sk.p, -1, sk.q)) % sk.q
    s_blinded = s_p + h * sk.p
    return (s_blinded * pow(rho, -1, n)) % n


def blind_sign(sk: BlindRsaPrivateKey, blinded_msg: bytes) -> bytes:
    """BlindSign (RFC 9474 §4.3): the blind signature, released only after checking ``s^e = m (mod n)``.

    Raises `NonCanonicalError` if ``blinded_msg`` is not kLen bytes or not below n, and `BlindSigningError` if
    the computation fails its own check (a fault must never leak a wrong value that could reveal a factor).
    """
    k_len = (sk.modulus_bits + 7) // 8
    if len(blinded_msg) != k_len:
        raise NonCanonicalError(f"blinded message must be {k_len} bytes, got {len(blinded_msg)}")
    m = _os2ip(blinded_msg)
    if m >= sk.n:
        raise NonCanonicalError("blinded message is not below the modulus n")
    s = _rsasp1_blinded(sk, m)
    if pow(s, sk.e, sk.n) != m:
        raise BlindSigningError("blind signature failed its own verification; nothing released")
    return _i2osp(s, k_len)


def finalize(
    pk: BlindRsaPublicKey,
    prepared_msg: bytes,
    blind_sig: bytes,
    inv: bytes,
    variant: Variant = DEFAULT_VARIANT,
) -> bytes:
    """Finalize (RFC 9474 §4.4): unblind and verify; returns the RSASSA-PSS signature or raises."""
    k_len = pk.modulus_bytes
    if len(blind_sig) != k_len:
        raise InvalidSignatureError(f"blind signature must be {k_len} bytes, got {len(blind_sig)}")
    if len(inv) != k_len:
        raise ParameterError(f"inv must be {k_len} bytes, got {len(inv)}")
    z = _os2ip(blind_sig)
    if z >= pk.n:
        raise InvalidSignatureError("blind signature is not below the modulus n")
    sig = _i2osp((z * _os2ip(inv)) % pk.n, k_len)
    verify(pk, prepared_msg, sig, variant)
    return sig


def verify(pk: BlindRsaPublicKey, prepared_msg: bytes, sig: bytes, variant: Variant = DEFAULT_VARIANT) -> None:
    """RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) of ``sig`` over the prepared message; raises `InvalidSignatureError`."""
    if len(sig) != pk.modulus_bytes:
        raise InvalidSignatureError(f"signature must be {pk.modulus_bytes} bytes, got {len(sig)}")
    verifier = pss.new(pk._cryptodome(), salt_bytes=variant.salt_length)
    try:
        verifier.verify(SHA384.new(prepared_msg), sig)
    except (ValueError, TypeError) as e:
        raise InvalidSignatureError(f"not a valid {variant.value} signature under this issuer key") from e
