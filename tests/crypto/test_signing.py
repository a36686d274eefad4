"""Ed25519 in one place (crypto.signing): strict keys, domain-tagged signatures, verification that raises."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto import signing
from crypto.errors import InvalidPointError, InvalidSignatureError, NonCanonicalError

# --- a tiny Edwards25519 in pure Python, only to recompute the small-order points ------------------------------
P = 2**255 - 19
D = (-121665 * pow(121666, -1, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
NEUTRAL = (0, 1)


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P, (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P)


def _times(n: int, a: tuple[int, int]) -> tuple[int, int]:
    out = NEUTRAL
    for _ in range(n):
        out = _add(out, a)
    return out


def _decode(raw: bytes) -> tuple[int, int]:
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P != u:
        x = x * SQRT_M1 % P
    assert v * x * x % P == u, "not on the curve"
    if x & 1 != raw[31] >> 7:
        x = P - x
    return x, y


def test_the_small_order_list_is_exactly_the_eight_torsion_points() -> None:
    points = {_decode(raw) for raw in signing.SMALL_ORDER_ENCODINGS}
    assert len(points) == 8  # the torsion subgroup of Curve25519 has eight elements
    assert all(_times(8, point) == NEUTRAL for point in points)
    assert sum(_times(4, point) != NEUTRAL for point in points) == 4  # four generators of order 8


@pytest.mark.parametrize("raw", sorted(signing.SMALL_ORDER_ENCODINGS), ids=lambda r: r.hex()[:8])
def test_every_small_order_key_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidPointError):
        signing.decode_public_key(raw)


def test_the_neutral_key_forgery_verifies_without_the_check_and_is_refused_with_it() -> None:
    # (R = neutral, S = 0) satisfies [S]B = R + [k]A for A = neutral and every message k: the forgery a
    # degenerate credential or device key would allow. The library alone accepts it; decode_public_key does not.
    neutral = bytes.fromhex("01" + "00" * 31)
    forged = neutral + bytes(32)
    Ed25519PublicKey.from_public_bytes(neutral).verify(forged, b"any message at all")
    with pytest.raises(InvalidPointError):
        signing.verify(neutral, "ballot/signature", b"any message at all", forged)


@pytest.mark.parametrize(
    "raw",
    [
        (P).to_bytes(32, "little"),  # y = p, i.e. 0 unreduced
        (P + 1).to_bytes(32, "little"),  # y = p + 1, i.e. the neutral point's y unreduced
        bytes.fromhex("01" + "00" * 30 + "80"),  # y = 1 with the sign bit: x = 0 cannot be negative
        bytes(31),  # too short
    ],
    ids=["y=p", "y=p+1", "x=0-negative", "short"],
)
def test_non_canonical_keys_are_refused(raw: bytes) -> None:
    with pytest.raises(NonCanonicalError):
        signing.decode_public_key(raw)


def test_a_signature_verifies_only_under_its_own_tag_and_body() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = signing.public_key_bytes(key)
    signature = signing.sign(key, "ballot/signature", b"body")
    signing.verify(public, "ballot/signature", b"body", signature)
    with pytest.raises(InvalidSignatureError):
        signing.verify(public, "precinct/batch", b"body", signature)  # another purpose
    with pytest.raises(InvalidSignatureError):
        signing.verify(public, "ballot/signature", b"bodY", signature)
    with pytest.raises(InvalidSignatureError):
        signing.verify(public, "ballot/signature", b"body", signature[:-1])


def test_the_tagged_message_is_the_length_prefixed_tag_then_the_body() -> None:
    tag = b"SHAILOO-V1/ballot/signature"
    assert signing.tagged_message("ballot/signature", b"xyz") == len(tag).to_bytes(8, "big") + tag + b"xyz"
