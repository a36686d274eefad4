"""Domain-separated, length-prefixed hashing (docs/spec/crypto.md, "Hashing").

* `hash_fields(tag, *fields)`: SHA-256 over ``lp(PROTOCOL_TAG || "/" || tag) || lp(f1) || ... || lp(fn)``
  where ``lp(x) = u64be(len(x)) || x``. No two different field lists give the same input bytes.
* `expand_message_xmd` and `hash_to_field` follow RFC 9380 §5.3.1 and §5.2 with SHA-256.
* `hash_to_scalar(dst, msg)`: RFC 9380 ``hash_to_field`` with p = n (the P-256 group order), L = 48, count = 1.
* `Transcript`: the Fiat–Shamir transcript; every challenge binds the context (election base hash), the
  proof kind's tag, the whole statement and all commitments.
"""

from __future__ import annotations

import hashlib
from typing import Final

from crypto.group import ORDER, Point, Scalar

#: Prefix of every Shailoo domain tag; the version changes only with an incompatible encoding.
PROTOCOL_TAG: Final = b"SHAILOO-V1"
_SHA256_BLOCK: Final = 64
_SHA256_OUT: Final = 32
#: L for P-256 in RFC 9380: ceil((ceil(log2(p)) + k) / 8) with k = 128.
HASH_TO_FIELD_L: Final = 48


def length_prefixed(data: bytes) -> bytes:
    """``u64be(len(data)) || data``."""
    return len(data).to_bytes(8, "big") + data


def domain_tag(tag: str) -> bytes:
    """The full domain tag ``SHAILOO-V1/<tag>`` as bytes."""
    return PROTOCOL_TAG + b"/" + tag.encode("ascii")


def hash_fields(tag: str, *fields: bytes) -> bytes:
    """SHA-256 of the length-prefixed domain tag followed by every length-prefixed field."""
    h = hashlib.sha256(length_prefixed(domain_tag(tag)))
    for field in fields:
        h.update(length_prefixed(field))
    return h.digest()


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 §5.3.1 expand_message_xmd with SHA-256."""
    if len(dst) > 255:
        raise ValueError("RFC 9380 DST longer than 255 bytes must be hashed first")
    ell = -(-len_in_bytes // _SHA256_OUT)
    if ell > 255 or len_in_bytes > 65535:
        raise ValueError("expand_message_xmd: requested output too long")
    dst_prime = dst + bytes([len(dst)])
    z_pad = bytes(_SHA256_BLOCK)
    l_i_b_str = len_in_bytes.to_bytes(2, "big")
    b0 = hashlib.sha256(z_pad + msg + l_i_b_str + b"\x00" + dst_prime).digest()
    b_i = hashlib.sha256(b0 + b"\x01" + dst_prime).digest()
    out = [b_i]
    for i in range(2, ell + 1):
        b_i = hashlib.sha256(bytes(x ^ y for x, y in zip(b0, b_i, strict=True)) + bytes([i]) + dst_prime).digest()
        out.append(b_i)
    return b"".join(out)[:len_in_bytes]


def hash_to_field(msg: bytes, dst: bytes, count: int, modulus: int, length: int = HASH_TO_FIELD_L) -> list[int]:
    """RFC 9380 §5.2 hash_to_field for a prime field (m = 1)."""
    uniform = expand_message_xmd(msg, dst, count * length)
    return [int.from_bytes(uniform[i * length : (i + 1) * length], "big") % modulus for i in range(count)]


def hash_to_scalar(dst: bytes, msg: bytes) -> Scalar:
    """A scalar mod n from ``msg`` under domain ``dst`` (RFC 9380 hash_to_field with p = n)."""
    return Scalar(hash_to_field(msg, dst, 1, ORDER)[0])


class Transcript:
    """A Fiat–Shamir transcript.

    The challenge is ``hash_to_scalar(domain_tag("challenge/" + kind), H)`` where ``H`` is `hash_fields`
    over: the context (election base hash), then for every appended item its label and its bytes.
    """

    __slots__ = ("_fields", "_kind")

    def __init__(self, kind: str, context: bytes) -> None:
        self._kind = kind
        self._fields: list[bytes] = [context]

    def append(self, label: str, data: bytes) -> Transcript:
        self._fields.append(label.encode("ascii"))
        self._fields.append(data)
        return self

    def append_point(self, label: str, point: Point) -> Transcript:
        return self.append(label, point.to_bytes())

    def append_points(self, label: str, points: list[Point] | tuple[Point, ...]) -> Transcript:
        return self.append(label, b"".join(p.to_bytes() for p in points))

    def append_scalar(self, label: str, scalar: Scalar) -> Transcript:
        return self.append(label, scalar.to_bytes())

    def digest(self) -> bytes:
        return hash_fields("transcript/" + self._kind, *self._fields)

    def challenge(self) -> Scalar:
        return hash_to_scalar(domain_tag("challenge/" + self._kind), self.digest())
