"""RFC 9380 hash-to-curve for P-256: the suite ``P256_XMD:SHA-256_SSWU_RO_`` (docs/spec/crypto.md, "Generators").

``hash_to_curve(msg, dst)`` follows RFC 9380 §3 with the parameters of §8.2:

1. ``u0, u1 = hash_to_field(msg, dst, count=2)`` over the field prime p (expand_message_xmd with SHA-256, L = 48);
2. ``Q0 = map_to_curve(u0)``, ``Q1 = map_to_curve(u1)`` with the simplified SWU map (§6.6.2), Z = −10;
3. ``P = Q0 + Q1``; clear_cofactor is the identity map because P-256 has cofactor h = 1.

The output is a random oracle into the group: nobody learns a discrete logarithm of it with respect to G.
The arithmetic is plain Python integers and is *not* constant-time; Shailoo hashes only public inputs
(generator labels), never secrets.
"""

from __future__ import annotations

from typing import Final

from crypto.group import FIELD_PRIME, GROUP, Point
from crypto.hashing import hash_to_field

_P: Final = FIELD_PRIME
#: Curve coefficients of P-256 (y² = x³ + A·x + B), A = −3.
CURVE_A: Final[int] = int(GROUP.parameters()["a"])
CURVE_B: Final[int] = int(GROUP.parameters()["b"])
#: Z for P-256 in RFC 9380 §8.2: −10 mod p.
SSWU_Z: Final[int] = _P - 10
#: p ≡ 3 (mod 4), so a square root of a square x is x^((p + 1) / 4).
_SQRT_EXP: Final = (_P + 1) // 4
_LEGENDRE_EXP: Final = (_P - 1) // 2

_MINUS_B_OVER_A: Final = (-CURVE_B) * pow(CURVE_A, -1, _P) % _P
_X1_EXCEPTIONAL: Final = CURVE_B * pow(SSWU_Z * CURVE_A, -1, _P) % _P

assert _P % 4 == 3  # the square-root shortcut above depends on it


def _inv0(x: int) -> int:
    """RFC 9380 inv0: the inverse of x in GF(p), with inv0(0) = 0."""
    return pow(x, _P - 2, _P)


def _is_square(x: int) -> bool:
    """True when x is a square in GF(p) (zero included), by Euler's criterion."""
    return pow(x, _LEGENDRE_EXP, _P) in (0, 1)


def _sqrt(x: int) -> int:
    """A square root of a square x in GF(p) (p ≡ 3 mod 4)."""
    root = pow(x, _SQRT_EXP, _P)
    if root * root % _P != x % _P:  # pragma: no cover - callers only pass squares
        raise ArithmeticError("not a square in GF(p)")
    return root


def sgn0(x: int) -> int:
    """RFC 9380 §4.1 sgn0 for a prime field: the parity of x (as an integer in [0, p))."""
    return (x % _P) & 1


def _curve_rhs(x: int) -> int:
    return (x * x * x + CURVE_A * x + CURVE_B) % _P


def map_to_curve_simple_swu(u: int) -> tuple[int, int]:
    """RFC 9380 §6.6.2 simplified SWU map: a field element u to affine (x, y) on P-256."""
    u %= _P
    z_u2 = SSWU_Z * u * u % _P
    tv1 = _inv0((z_u2 * z_u2 + z_u2) % _P)
    # exceptional case Z²u⁴ + Zu² = 0 (tv1 = 0): x1 = B / (Z·A); otherwise x1 = (−B / A)·(1 + tv1)
    x1 = _X1_EXCEPTIONAL if tv1 == 0 else _MINUS_B_OVER_A * (1 + tv1) % _P
    gx1 = _curve_rhs(x1)
    if _is_square(gx1):
        x, y = x1, _sqrt(gx1)
    else:
        # then g(Z·u²·x1) is a square (the map's defining property)
        x = z_u2 * x1 % _P
        y = _sqrt(_curve_rhs(x))
    if sgn0(u) != sgn0(y):
        y = (-y) % _P
    return x, y


def map_to_curve(u: int) -> Point:
    """The simplified SWU map as a `Point` (always a valid, non-identity point)."""
    x, y = map_to_curve_simple_swu(u)
    return Point.from_affine(x, y)


def hash_to_curve(msg: bytes, dst: bytes) -> Point:
    """RFC 9380 ``hash_to_curve`` for P256_XMD:SHA-256_SSWU_RO_ under domain separation tag ``dst``.

    The result is the identity only with negligible probability (Q1 = −Q0); callers that need a
    generator must reject it (see `crypto.generators`).
    """
    u0, u1 = hash_to_field(msg, dst, 2, _P)
    return map_to_curve(u0) + map_to_curve(u1)
