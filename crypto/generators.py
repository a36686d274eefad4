"""Independent generators of P-256 derived from a published seed (docs/spec/crypto.md, "Generators").

``independent_generator(label) = hash_to_curve(UTF-8(label), GENERATOR_DST)`` with the RFC 9380 suite
P256_XMD:SHA-256_SSWU_RO_ (`crypto.hash_to_curve`). The seed is public: the fixed tag `GENERATOR_DST`
and the label. Because hash_to_curve behaves as a random oracle into the group, nobody — including
whoever chose the label — knows the discrete logarithm of such a generator with respect to the
standard generator G or to any other generator derived this way. Protocols that need a second base
with unknown relation to G (Pedersen-style commitments, range proofs) take it from here, and anyone
can recompute it from the label alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from crypto.errors import ParameterError
from crypto.group import Point
from crypto.hash_to_curve import hash_to_curve

#: The RFC 9380 domain separation tag of Shailoo's generators (the "published seed").
GENERATOR_DST: Final = b"SHAILOO-V1-CS01-with-P256_XMD:SHA-256_SSWU_RO_"


@lru_cache(maxsize=256)
def independent_generator(label: str) -> Point:
    """The generator named ``label``: ``hash_to_curve(label.encode("utf-8"), GENERATOR_DST)``.

    Deterministic and cached. Raises `ParameterError` for an empty label, and (with negligible
    probability) if the hash lands on the identity, which no generator may be.
    """
    if not label:
        raise ParameterError("a generator label must not be empty")
    point = hash_to_curve(label.encode("utf-8"), GENERATOR_DST)
    if point.is_identity():  # pragma: no cover - probability about 2^-256
        raise ParameterError(f"generator {label!r} hashed to the identity")
    return point
