"""Refusal vectors: encodings the Python decoders refuse, each with the stable code they refuse it with.

`build_vectors()` returns the document kept in ``tests/vectors/decoding_refusals.json``. A second implementation
(``web/core``, whose vitest suite reads the file) must refuse every ``refused`` case with the same code and accept
every ``accepted`` case, so both sides agree not only on what is valid but on how the invalid is named
(docs/spec/crypto.md §2, §3.5; record.md §2.6 ballot bytes). ``tests/vectors/test_decoding_refusals.py`` rebuilds
the document and fails if the file differs, then checks every case against the Python decoders.

    uv run --frozen python -m tests.vectors.make_decoding_refusals
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from crypto import signing
from crypto.errors import CryptoError
from crypto.group import ORDER, Point, Scalar

PATH: Final = Path(__file__).resolve().parent / "decoding_refusals.json"
_P: Final = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_ED_P: Final = 2**255 - 19


def _outcome(decode: Callable[[bytes], object], data: bytes) -> str:
    try:
        decode(data)
    except CryptoError as e:
        return e.code
    return "accepted"


def _not_on_curve_x() -> int:
    """The smallest x < p for which x³ − 3x + b is not a square mod p (no point has it)."""
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    x = 0
    while True:
        rhs = (x**3 - 3 * x + b) % _P
        if pow(rhs, (_P - 1) // 2, _P) not in (0, 1):
            return x
        x += 1


def _point_cases() -> list[tuple[str, bytes]]:
    g = Point.generator().to_bytes()
    off = _not_on_curve_x()
    return [
        ("generator", g),
        ("2G", (Point.generator() + Point.generator()).to_bytes()),
        ("32 bytes", g[:32]),
        ("34 bytes", g + b"\x00"),
        ("identity (33 zero bytes)", bytes(33)),
        ("uncompressed prefix 04", b"\x04" + g[1:]),
        ("prefix 00 with x of G", b"\x00" + g[1:]),
        ("x = p", b"\x02" + _P.to_bytes(32, "big")),
        ("x = 2^256 - 1", b"\x03" + b"\xff" * 32),
        ("x not on the curve", b"\x02" + off.to_bytes(32, "big")),
    ]


def _scalar_cases() -> list[tuple[str, bytes]]:
    return [
        ("zero", bytes(32)),
        ("n - 1", (ORDER - 1).to_bytes(32, "big")),
        ("n", ORDER.to_bytes(32, "big")),
        ("2^256 - 1", b"\xff" * 32),
        ("31 bytes", bytes(31)),
        ("33 bytes", bytes(33)),
    ]


def _ed25519_cases() -> list[tuple[str, bytes]]:
    valid = bytes.fromhex("8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c")
    cases = [("a valid key", valid), ("31 bytes", valid[:31])]
    cases += [(f"small order #{i}", raw) for i, raw in enumerate(sorted(signing.SMALL_ORDER_ENCODINGS))]
    cases.append(("y = p", _ED_P.to_bytes(32, "little")))
    return cases


def _contest_cases() -> list[tuple[str, bytes]]:
    # The pinned contest of crypto_proofs.json (fixed nonces, so this file is reproducible).
    pinned = json.loads((PATH.parent / "crypto_proofs.json").read_text(encoding="utf-8"))
    good = bytes.fromhex(pinned["contest"]["bytes"])
    wrong_version = b"\x02" + good[1:]
    truncated = good[:-1]
    too_many_marks = good[:9] + (4).to_bytes(4, "big") + good[13:]
    # The first alpha with its prefix byte made 04 (a point is compressed SEC1 only).
    bad_point = good[:13] + b"\x04" + good[14:]
    return [
        ("valid", good),
        ("version 2", wrong_version),
        ("one byte short", truncated),
        ("max_marks above the selections", too_many_marks),
        ("an uncompressed alpha", bad_point),
    ]


def build_vectors() -> dict[str, Any]:
    from crypto.contest import EncryptedContest

    def section(decode: Callable[[bytes], object], cases: list[tuple[str, bytes]]) -> list[dict[str, str]]:
        return [{"name": name, "hex": data.hex(), "outcome": _outcome(decode, data)} for name, data in cases]

    return {
        "format": "shailoo-decoding-refusals/1",
        "description": "Each case: bytes (hex) and how Python's decoder answers: 'accepted' or the refusal's code.",
        "point": section(lambda d: Point.from_bytes(d), _point_cases()),
        "point_allow_identity": section(lambda d: Point.from_bytes(d, allow_identity=True), _point_cases()[4:5]),
        "scalar": section(lambda d: Scalar.from_bytes(d), _scalar_cases()),
        "ed25519_public_key": section(signing.decode_public_key, _ed25519_cases()),
        "contest": section(EncryptedContest.from_bytes, _contest_cases()),
    }


def render() -> str:
    return json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {PATH}")
