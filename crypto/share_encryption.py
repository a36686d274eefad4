"""Authenticated encryption of DKG shares between trustees, with openable complaints (docs/spec/threshold.md).

A dealer sends trustee i its share s (a scalar) over the public board, encrypted to i's share-encryption key
Y_i = y_i·G by ephemeral-static ECDH on P-256:

    e fresh, E = e·G, S = e·Y_i (= y_i·E)
    key (32) || iv (12) = HKDF-SHA256(ikm = S, salt = none, info = kdf_info(E, Y_i), length 44)
    body = AES-256-GCM(key, iv, plaintext = s (32 bytes), aad = share_aad(context, sender, recipient))

The ECDH is done in `crypto.group` (not in an opaque library call) because of complaints: a recipient who gets
a bad share publishes S together with a Chaum–Pedersen proof that log_G(Y_i) = log_E(S). Anyone can then
check the proof, derive the same key, open the body and see what the dealer really sent, without learning
y_i or any other share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import DecryptionError, NonCanonicalError, ParameterError
from crypto.group import POINT_BYTES, SCALAR_BYTES, Point, Scalar
from crypto.hashing import domain_tag, hash_fields, length_prefixed
from crypto.proofs import ChaumPedersenProof, prove_equal_dlog, verify_equal_dlog
from crypto.strict_json import Field, MalformedFieldError, crypto_error

#: AES-256-GCM tag length; a body is the 32-byte share plus the tag.
_TAG_BYTES: Final = 16
BODY_BYTES: Final = SCALAR_BYTES + _TAG_BYTES
_KEY_BYTES: Final = 32
_IV_BYTES: Final = 12
KDF_TAG: Final = "dkg/share-kdf"
AAD_TAG: Final = "dkg/share-aad"
OPENING_PROOF_TAG: Final = "dkg/share-opening"
MAX_TRUSTEES: Final = 2**16


def u32(value: int) -> bytes:
    """A trustee index or count as 4 bytes big-endian."""
    return value.to_bytes(4, "big")


def check_index(index: int, n: int | None = None) -> None:
    """Trustees are numbered 1..n."""
    upper = MAX_TRUSTEES if n is None else n
    if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= upper:
        raise ParameterError(f"a trustee index is an integer in 1..{upper}, got {index!r}")


def kdf_info(ephemeral: Point, recipient_key: Point) -> bytes:
    """``lp("SHAILOO-V1/dkg/share-kdf") || lp(E) || lp(Y_i)``."""
    return (
        length_prefixed(domain_tag(KDF_TAG))
        + length_prefixed(ephemeral.to_bytes())
        + length_prefixed(recipient_key.to_bytes())
    )


def share_aad(context: bytes, sender: int, recipient: int) -> bytes:
    """``lp("SHAILOO-V1/dkg/share-aad") || lp(context) || u32(sender) || u32(recipient)``."""
    return length_prefixed(domain_tag(AAD_TAG)) + length_prefixed(context) + u32(sender) + u32(recipient)


def _key_and_iv(shared_point: Point, ephemeral: Point, recipient_key: Point) -> tuple[bytes, bytes]:
    okm = HKDF(
        algorithm=hashes.SHA256(), length=_KEY_BYTES + _IV_BYTES, salt=None, info=kdf_info(ephemeral, recipient_key)
    ).derive(shared_point.to_bytes())
    return okm[:_KEY_BYTES], okm[_KEY_BYTES:]


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """The share s_{sender→recipient}, encrypted to the recipient. Bytes (89): ``E (33) || body (48)`` after
    ``u32(sender) || u32(recipient)``."""

    sender: int
    recipient: int
    ephemeral: Point
    body: bytes

    def __post_init__(self) -> None:
        check_index(self.sender)
        check_index(self.recipient)
        if self.sender == self.recipient:
            raise ParameterError("a trustee does not send an encrypted share to itself")
        if not isinstance(self.ephemeral, Point) or self.ephemeral.is_identity():
            raise ParameterError("the ephemeral key is a point other than the identity")
        if not isinstance(self.body, bytes) or len(self.body) != BODY_BYTES:
            raise NonCanonicalError(f"an encrypted share body is exactly {BODY_BYTES} bytes")

    def to_bytes(self) -> bytes:
        return u32(self.sender) + u32(self.recipient) + self.ephemeral.to_bytes() + self.body

    @classmethod
    def from_bytes(cls, data: bytes) -> EncryptedShare:
        size = 8 + POINT_BYTES + BODY_BYTES
        if not isinstance(data, bytes | bytearray) or len(data) != size:
            raise NonCanonicalError(f"an encrypted share is exactly {size} bytes")
        data = bytes(data)
        return cls(
            int.from_bytes(data[0:4], "big"),
            int.from_bytes(data[4:8], "big"),
            Point.from_bytes(data[8 : 8 + POINT_BYTES]),
            data[8 + POINT_BYTES :],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "ephemeral": self.ephemeral.hex(),
            "body": self.body.hex(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncryptedShare:
        """Decode strictly; a refusal is the crypto error of its code (`crypto.strict_json.crypto_error`), its
        message naming the JSON path of the bad field."""
        try:
            return cls.from_field(Field(data))
        except MalformedFieldError as e:
            raise crypto_error(e) from e

    @classmethod
    def from_field(cls, source: Field) -> EncryptedShare:
        """Decode the share at ``source`` (so one of a board payload's ``shares`` keeps its full path)."""
        obj = source.as_object({"sender", "recipient", "ephemeral", "body"})
        sender = obj["sender"].integer(minimum=1, maximum=MAX_TRUSTEES)
        recipient = obj["recipient"].integer(minimum=1, maximum=MAX_TRUSTEES)
        ephemeral = obj["ephemeral"].point()
        body = obj["body"].hex(BODY_BYTES)
        return obj.decode(lambda _: cls(sender, recipient, ephemeral, body))


def encrypt_share(
    context: bytes,
    sender: int,
    recipient: int,
    recipient_key: Point,
    share: Scalar,
    ephemeral_secret: Scalar | None = None,
) -> EncryptedShare:
    """Encrypt ``share`` for ``recipient`` (key Y_i). ``ephemeral_secret`` e is fresh from `secrets` unless given."""
    if not isinstance(recipient_key, Point) or recipient_key.is_identity():
        raise ParameterError("the recipient's share-encryption key is a point other than the identity")
    e = Scalar.random() if ephemeral_secret is None else ephemeral_secret
    if e.is_zero():
        raise ParameterError("the ephemeral secret is a non-zero scalar")
    ephemeral = Point.base_mul(e)
    key, iv = _key_and_iv(recipient_key * e, ephemeral, recipient_key)
    body = AESGCM(key).encrypt(iv, share.to_bytes(), share_aad(context, sender, recipient))
    return EncryptedShare(sender, recipient, ephemeral, body)


def open_share(context: bytes, encrypted: EncryptedShare, shared_point: Point, recipient_key: Point) -> Scalar:
    """Decrypt with the ECDH point S; raise `DecryptionError` if the body does not authenticate or is not a
    canonical scalar. Used by the recipient (S = y_i·E) and by anyone checking a complaint (S revealed)."""
    key, iv = _key_and_iv(shared_point, encrypted.ephemeral, recipient_key)
    try:
        plaintext = AESGCM(key).decrypt(iv, encrypted.body, share_aad(context, encrypted.sender, encrypted.recipient))
    except InvalidTag as e:
        raise DecryptionError("the encrypted share does not authenticate under the recipient's key") from e
    try:
        return Scalar.from_bytes(plaintext)
    except NonCanonicalError as e:
        raise DecryptionError("the decrypted share is not a canonical scalar") from e


def decrypt_share(context: bytes, encrypted: EncryptedShare, recipient_secret: Scalar) -> Scalar:
    """The recipient's decryption: S = y_i·E, then `open_share`."""
    shared_point = encrypted.ephemeral * recipient_secret
    return open_share(context, encrypted, shared_point, Point.base_mul(recipient_secret))


def opening_context(context: bytes, encrypted: EncryptedShare) -> bytes:
    """The Chaum–Pedersen context of a revealed ECDH point: binds the election and the exact encrypted share."""
    return hash_fields(OPENING_PROOF_TAG, context, encrypted.to_bytes())


def reveal_shared_point(
    context: bytes, encrypted: EncryptedShare, recipient_secret: Scalar, nonce: Scalar | None = None
) -> tuple[Point, ChaumPedersenProof]:
    """S = y_i·E and a proof that log_G(Y_i) = log_E(S), so that anyone can open this one share."""
    shared_point = encrypted.ephemeral * recipient_secret
    proof = prove_equal_dlog(
        opening_context(context, encrypted), recipient_secret, Point.generator(), encrypted.ephemeral, nonce
    )
    return shared_point, proof


def verify_shared_point(
    context: bytes, encrypted: EncryptedShare, recipient_key: Point, shared_point: Point, proof: ChaumPedersenProof
) -> None:
    """Raise `InvalidProofError` unless ``shared_point`` is the ECDH point of ``encrypted`` under Y_i."""
    verify_equal_dlog(
        opening_context(context, encrypted), Point.generator(), recipient_key, encrypted.ephemeral, shared_point, proof
    )
