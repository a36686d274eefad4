"""Discrete logarithms of small counts: m from m·G (docs/spec/crypto.md, "Decoding counts").

A tally decrypts to m·G, never to m. `DiscreteLogTable` recovers m in [0, max_value] by baby-step
giant-step: a table of the encodings of j·G for 0 <= j < B (B = ``baby_steps``, 2^16 by default), then
giant steps P − i·B·G for i = 0, 1, … until one lands in the table (m = i·B + j). With B = 2^16 and
max_value = 10^7 that is at most 153 giant steps.

The baby-step table depends only on B, so it is built once per process (about half a second for 2^16
entries) and shared by every `DiscreteLogTable` and by `discrete_log`.
"""

from __future__ import annotations

from typing import Final

from petlib.bindings import _C
from petlib.bn import get_ctx
from petlib.ec import EcPt

from crypto.errors import DecryptionError, ParameterError
from crypto.group import GROUP, Point

DEFAULT_MAX_VALUE: Final = 10_000_000
DEFAULT_BABY_STEPS: Final = 1 << 16
#: Keep a table no bigger than this many entries (2^22 entries is a few hundred MB in Python).
MAX_BABY_STEPS: Final = 1 << 22

_BABY_TABLES: dict[int, dict[bytes, int]] = {}


def _baby_table(baby_steps: int) -> dict[bytes, int]:
    """{encoding of j·G: j for 0 <= j < baby_steps}, cached per process."""
    table = _BABY_TABLES.get(baby_steps)
    if table is not None:
        return table
    generator = Point.generator().ec_point
    ctx = get_ctx().bnctx
    points = [GROUP.infinite()]
    for _ in range(1, baby_steps):
        nxt = EcPt(GROUP)
        _C.EC_POINT_add(GROUP.ecg, nxt.pt, points[-1].pt, generator.pt, ctx)
        points.append(nxt)
    # One field inversion for all points (Montgomery's trick) makes each export below cheap.
    finite = [p.pt for p in points[1:]]
    if finite and _C.EC_POINTs_make_affine(GROUP.ecg, len(finite), finite, ctx) != 1:  # pragma: no cover
        raise ParameterError("OpenSSL failed to normalise the baby-step table")
    table = {Point(p).to_bytes(): j for j, p in enumerate(points)}
    _BABY_TABLES[baby_steps] = table
    return table


class DiscreteLogTable:
    """Decode m·G to m for any 0 <= m <= ``max_value`` (baby-step giant-step, cached baby steps)."""

    __slots__ = ("_baby", "_giant_count", "_giant_stride", "baby_steps", "max_value")

    def __init__(self, max_value: int = DEFAULT_MAX_VALUE, baby_steps: int = DEFAULT_BABY_STEPS) -> None:
        if not isinstance(max_value, int) or max_value < 0:
            raise ParameterError("max_value is a non-negative integer")
        if not isinstance(baby_steps, int) or not 1 <= baby_steps <= MAX_BABY_STEPS:
            raise ParameterError(f"baby_steps is between 1 and {MAX_BABY_STEPS}")
        self.max_value = max_value
        self.baby_steps = baby_steps
        self._baby = _baby_table(baby_steps)
        self._giant_count = max_value // baby_steps + 1
        self._giant_stride = Point.base_mul(baby_steps)

    def decode(self, point: Point) -> int:
        """m with point = m·G and 0 <= m <= max_value; raise `DecryptionError` if there is none."""
        if not isinstance(point, Point):
            raise ParameterError("decode takes a Point")
        current = point
        for giant in range(self._giant_count):
            baby = self._baby.get(current.to_bytes())
            if baby is not None:
                value = giant * self.baby_steps + baby
                if value <= self.max_value:
                    return value
                break
            current = current - self._giant_stride
        raise DecryptionError(f"the plaintext is not a count between 0 and {self.max_value}")


_SHARED: dict[tuple[int, int], DiscreteLogTable] = {}


def discrete_log(point: Point, max_value: int = DEFAULT_MAX_VALUE) -> int:
    """m with point = m·G, 0 <= m <= max_value, using a table shared by the whole process."""
    key = (max_value, DEFAULT_BABY_STEPS)
    table = _SHARED.get(key)
    if table is None:
        table = _SHARED[key] = DiscreteLogTable(max_value)
    return table.decode(point)
