"""RFC 8785 (JSON Canonicalization Scheme) encoding for everything that is hashed or signed.

Wire JSON may differ in spacing or key order; hashes and signatures never do, because they are computed over
`canonical_json`. Crypto values inside records are lowercase hex of their fixed-width encodings.
"""

from __future__ import annotations

from typing import Any

import rfc8785

from crypto.errors import NonCanonicalError
from crypto.hashing import hash_fields


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical bytes of a JSON value.

    RFC 8785 defines a form for floating-point numbers too, and this function accepts them; Shailoo's own records
    use only objects, arrays, strings, integers, booleans and null (the board refuses floats in entry payloads,
    `bulletin_board.entries.canonical_payload`), so that a second verifier never depends on number formatting.
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as e:
        raise NonCanonicalError(f"value cannot be canonicalised as JSON: {e}") from e


def record_hash(tag: str, value: Any) -> bytes:
    """``hash_fields(tag, canonical_json(value))``: the hash of a record under its domain tag."""
    return hash_fields(tag, canonical_json(value))
