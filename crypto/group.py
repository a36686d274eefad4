"""The P-256 group: `Scalar` (integers mod n) and `Point` (curve points), through petlib/OpenSSL.

Canonical encodings (docs/spec/crypto.md):

* scalar: 32 bytes, big-endian, value < n;
* point: 33 bytes, compressed SEC1 (0x02/0x03 || x). The identity has no SEC1 compressed form; where a
  protocol allows it (homomorphic sums of nothing) it is written as 33 zero bytes and decoded only when the
  caller passes ``allow_identity=True``.

Values are immutable and valid by construction: `Scalar.from_bytes` and `Point.from_bytes` reject every
non-canonical or off-curve input with a typed error.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any, Final

from petlib.bindings import _C, _FFI
from petlib.bn import Bn, get_ctx
from petlib.ec import EcGroup, EcPt

from crypto.errors import InvalidPointError, NonCanonicalError

#: OpenSSL's NID for P-256 (prime256v1 / secp256r1).
P256_NID: Final = 415
GROUP: Final = EcGroup(P256_NID)
_ORDER_BN: Final = GROUP.order()
#: n, the prime order of P-256.
ORDER: Final[int] = int(_ORDER_BN)
#: p, the field prime of P-256.
FIELD_PRIME: Final[int] = int(GROUP.parameters()["p"])
SCALAR_BYTES: Final = 32
POINT_BYTES: Final = 33
IDENTITY_BYTES: Final = bytes(POINT_BYTES)


def _bn_ctx() -> Any:
    return get_ctx().bnctx


class Scalar:
    """An integer modulo n. Arithmetic wraps modulo n; ``int(s)`` gives the value in [0, n)."""

    __slots__ = ("_bn", "_value")
    _value: int
    _bn: Bn | None

    def __init__(self, value: int) -> None:
        object.__setattr__(self, "_value", value % ORDER)
        object.__setattr__(self, "_bn", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Scalar is immutable")

    # construction -------------------------------------------------------------------------------
    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random non-zero scalar from `secrets`."""
        return cls(secrets.randbelow(ORDER - 1) + 1)

    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode the canonical 32-byte big-endian form; raise `NonCanonicalError` otherwise."""
        if not isinstance(data, bytes | bytearray) or len(data) != SCALAR_BYTES:
            raise NonCanonicalError(f"a scalar is exactly {SCALAR_BYTES} bytes, got {len(data)}")
        value = int.from_bytes(data, "big")
        if value >= ORDER:
            raise NonCanonicalError("scalar is not below the group order n")
        return cls(value)

    @classmethod
    def from_hex(cls, text: str) -> Scalar:
        try:
            raw = bytes.fromhex(text)
        except ValueError as e:
            raise NonCanonicalError("scalar hex is not valid hexadecimal") from e
        return cls.from_bytes(raw)

    # encoding -----------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return self._value.to_bytes(SCALAR_BYTES, "big")

    def hex(self) -> str:
        return self.to_bytes().hex()

    def bn(self) -> Bn:
        """The value as a petlib `Bn` (cached)."""
        if self._bn is None:
            object.__setattr__(self, "_bn", Bn.from_binary(self.to_bytes()))
        assert self._bn is not None
        return self._bn

    # arithmetic ---------------------------------------------------------------------------------
    def __int__(self) -> int:
        return self._value

    def __index__(self) -> int:
        return self._value

    def __add__(self, other: Scalar | int) -> Scalar:
        return Scalar(self._value + int(other))

    __radd__ = __add__

    def __sub__(self, other: Scalar | int) -> Scalar:
        return Scalar(self._value - int(other))

    def __rsub__(self, other: Scalar | int) -> Scalar:
        return Scalar(int(other) - self._value)

    def __neg__(self) -> Scalar:
        return Scalar(-self._value)

    def __mul__(self, other: Scalar | int) -> Scalar:
        if not isinstance(other, Scalar | int):
            return NotImplemented
        return Scalar(self._value * int(other))

    __rmul__ = __mul__

    def inverse(self) -> Scalar:
        if self._value == 0:
            raise ZeroDivisionError("zero has no inverse modulo n")
        return Scalar(pow(self._value, -1, ORDER))

    def __truediv__(self, other: Scalar | int) -> Scalar:
        return self * Scalar(int(other)).inverse()

    def is_zero(self) -> bool:
        return self._value == 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Scalar):
            return self._value == other._value
        if isinstance(other, int):
            return self._value == other % ORDER
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Scalar", self._value))

    def __repr__(self) -> str:
        return f"Scalar(0x{self._value:064x})"


class Point:
    """A point of P-256. Use `Point.generator()`, `Scalar * Point`, `+`, `-`; never construct from raw petlib."""

    __slots__ = ("_encoded", "_pt")
    _pt: EcPt
    _encoded: bytes | None

    def __init__(self, pt: EcPt) -> None:
        object.__setattr__(self, "_pt", pt)
        object.__setattr__(self, "_encoded", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Point is immutable")

    # construction -------------------------------------------------------------------------------
    @staticmethod
    def generator() -> Point:
        """G, the standard generator of P-256."""
        return _GENERATOR

    @staticmethod
    def identity() -> Point:
        return _IDENTITY

    @staticmethod
    def base_mul(k: Scalar | int) -> Point:
        """k·G using OpenSSL's precomputed generator table (several times faster than a variable base)."""
        bn = k.bn() if isinstance(k, Scalar) else Scalar(k).bn()
        result = EcPt(GROUP)
        ok = _C.EC_POINT_mul(GROUP.ecg, result.pt, bn.bn, _FFI.NULL, _FFI.NULL, _bn_ctx())
        if ok != 1:  # pragma: no cover - OpenSSL failure
            raise InvalidPointError("OpenSSL failed to multiply the generator")
        return Point(result)

    @classmethod
    def from_bytes(cls, data: bytes, *, allow_identity: bool = False) -> Point:
        """Decode a 33-byte compressed SEC1 point, checking length, prefix and that it lies on the curve.

        The identity (33 zero bytes) is accepted only with ``allow_identity=True``.
        """
        if not isinstance(data, bytes | bytearray) or len(data) != POINT_BYTES:
            raise NonCanonicalError(f"a point is exactly {POINT_BYTES} bytes, got {len(data)}")
        data = bytes(data)
        if data == IDENTITY_BYTES:
            if allow_identity:
                return _IDENTITY
            raise InvalidPointError("the identity point is not allowed here")
        if data[0] not in (2, 3):
            raise NonCanonicalError("a compressed point starts with 0x02 or 0x03")
        x = int.from_bytes(data[1:], "big")
        if x >= FIELD_PRIME:
            raise NonCanonicalError("point x-coordinate is not below the field prime")
        pt = EcPt(GROUP)
        ok = _C.EC_POINT_oct2point(GROUP.ecg, pt.pt, data, len(data), _bn_ctx())
        if ok != 1 or not GROUP.check_point(pt):
            raise InvalidPointError("bytes do not encode a point on P-256")
        point = cls(pt)
        object.__setattr__(point, "_encoded", data)
        return point

    @classmethod
    def from_hex(cls, text: str, *, allow_identity: bool = False) -> Point:
        try:
            raw = bytes.fromhex(text)
        except ValueError as e:
            raise NonCanonicalError("point hex is not valid hexadecimal") from e
        return cls.from_bytes(raw, allow_identity=allow_identity)

    @classmethod
    def from_affine(cls, x: int, y: int) -> Point:
        """The point (x, y), checked to be on the curve (used by hash-to-curve and test vectors)."""
        if not (0 <= x < FIELD_PRIME and 0 <= y < FIELD_PRIME):
            raise NonCanonicalError("affine coordinates must be below the field prime")
        raw = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
        pt = EcPt(GROUP)
        ok = _C.EC_POINT_oct2point(GROUP.ecg, pt.pt, raw, len(raw), _bn_ctx())
        if ok != 1 or not GROUP.check_point(pt):
            raise InvalidPointError("(x, y) is not on P-256")
        return cls(pt)

    # encoding -----------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        if self._encoded is None:
            encoded = IDENTITY_BYTES if self.is_identity() else self._pt.export()
            object.__setattr__(self, "_encoded", encoded)
        assert self._encoded is not None
        return self._encoded

    def hex(self) -> str:
        return self.to_bytes().hex()

    def affine(self) -> tuple[int, int]:
        if self.is_identity():
            raise InvalidPointError("the identity has no affine coordinates")
        x, y = self._pt.get_affine()
        return int(x), int(y)

    @property
    def ec_point(self) -> EcPt:
        """The underlying petlib point, for multi-scalar multiplication. Do not mutate it."""
        return self._pt

    # arithmetic ---------------------------------------------------------------------------------
    def is_identity(self) -> bool:
        return bool(self._pt.is_infinite())

    def __add__(self, other: Point) -> Point:
        return Point(self._pt + other._pt)

    def __sub__(self, other: Point) -> Point:
        return Point(self._pt - other._pt)

    def __neg__(self) -> Point:
        return Point(-self._pt)

    def __mul__(self, k: Scalar | int) -> Point:
        if self is _GENERATOR:
            return Point.base_mul(k)
        bn = k.bn() if isinstance(k, Scalar) else Scalar(k).bn()
        return Point(bn * self._pt)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return bool(self._pt == other._pt)

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"Point({self.hex()})"


_GENERATOR: Final = Point(GROUP.generator())
_IDENTITY: Final = Point(GROUP.infinite())


def point_sum(points: Iterable[Point]) -> Point:
    """The sum of many points (identity for none)."""
    items = [p.ec_point for p in points]
    if not items:
        return _IDENTITY
    return Point(GROUP.sum(items))


def multi_scalar_mul(scalars: Sequence[Scalar], points: Sequence[Point]) -> Point:
    """Σ kᵢ·Pᵢ in one multi-scalar multiplication (OpenSSL ``EC_POINTs_mul``)."""
    if len(scalars) != len(points):
        raise ValueError("multi_scalar_mul needs as many scalars as points")
    if not points:
        return _IDENTITY
    return Point(GROUP.wsum([s.bn() for s in scalars], [p.ec_point for p in points]))
