"""crypto.hashing: RFC 9380 expand_message_xmd vectors, length-prefix injectivity, transcripts, hash-to-scalar."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto.group import ORDER, Point, Scalar
from crypto.hashing import (
    PROTOCOL_TAG,
    Transcript,
    domain_tag,
    expand_message_xmd,
    hash_fields,
    hash_to_field,
    hash_to_scalar,
    length_prefixed,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
XMD = json.loads((VECTORS / "rfc9380_expand_message_xmd_sha256.json").read_text(encoding="utf-8"))
XMD_CASES = [(s["dst"], s["dst_prime"], t) for s in XMD["sets"] for t in s["tests"]]
XMD_IDS = [f"{len(d)}-{t['msg'][:8] or 'empty'}-{t['len_in_bytes']}" for d, _, t in XMD_CASES]


def rfc9380_reduced_dst(dst: bytes) -> bytes:
    """RFC 9380 §5.3.3: a DST over 255 bytes is replaced by H("H2C-OVERSIZE-DST-" || DST).

    Shailoo never uses such a DST (expand_message_xmd refuses one); the K.2 vectors still exercise the
    expander once the test has reduced the DST itself.
    """
    return dst if len(dst) <= 255 else hashlib.sha256(b"H2C-OVERSIZE-DST-" + dst).digest()


@pytest.mark.parametrize(("dst", "dst_prime", "case"), XMD_CASES, ids=XMD_IDS)
def test_expand_message_xmd_matches_rfc_9380_vector(dst: str, dst_prime: str, case: dict[str, Any]) -> None:
    reduced = rfc9380_reduced_dst(dst.encode())
    assert (reduced + bytes([len(reduced)])).hex() == dst_prime
    out = expand_message_xmd(case["msg"].encode(), reduced, case["len_in_bytes"])
    assert out.hex() == case["uniform_bytes"]


def test_expand_message_xmd_refuses_an_oversized_dst() -> None:
    with pytest.raises(ValueError, match="255"):
        expand_message_xmd(b"", b"x" * 256, 32)


def test_expand_message_xmd_refuses_too_long_an_output() -> None:
    with pytest.raises(ValueError):
        expand_message_xmd(b"", b"dst", 255 * 32 + 1)


# --- length-prefixed hashing -------------------------------------------------------------------


def test_length_prefix_is_eight_byte_big_endian_length() -> None:
    assert length_prefixed(b"abc") == b"\x00\x00\x00\x00\x00\x00\x00\x03abc"
    assert domain_tag("ballot") == PROTOCOL_TAG + b"/ballot"


def test_hash_fields_layout_is_the_documented_one() -> None:
    expected = hashlib.sha256(length_prefixed(b"SHAILOO-V1/t") + length_prefixed(b"a") + length_prefixed(b"")).digest()
    assert hash_fields("t", b"a", b"") == expected


def test_moving_a_byte_between_fields_changes_the_hash() -> None:
    # the classic concatenation attack: ("ab", "c") and ("a", "bc") must not collide
    assert hash_fields("t", b"ab", b"c") != hash_fields("t", b"a", b"bc")
    assert hash_fields("t", b"abc") != hash_fields("t", b"ab", b"c")
    assert hash_fields("t", b"", b"x") != hash_fields("t", b"x", b"")


def test_field_that_looks_like_a_length_prefix_does_not_collide() -> None:
    forged = length_prefixed(b"a") + b"b"  # one field that contains the bytes of two
    assert hash_fields("t", forged) != hash_fields("t", b"a", b"b")


def test_tag_is_separated_from_the_fields() -> None:
    assert hash_fields("ab", b"c") != hash_fields("a", b"bc")
    assert hash_fields("t") != hash_fields("t", b"")


@given(
    st.lists(st.binary(max_size=12), max_size=5),
    st.lists(st.binary(max_size=12), max_size=5),
)
def test_different_field_lists_give_different_hashes(a: list[bytes], b: list[bytes]) -> None:
    if a != b:
        assert hash_fields("prop", *a) != hash_fields("prop", *b)


# --- transcripts ---------------------------------------------------------------------------------

CONTEXT = bytes(range(32))
G = Point.generator()


def reference_transcript(
    context: bytes = CONTEXT, kind: str = "zero_or_one", override: dict[str, bytes] | None = None
) -> Transcript:
    items = {"K": (Scalar(5) * G).to_bytes(), "alpha": (Scalar(6) * G).to_bytes(), "a0": (Scalar(7) * G).to_bytes()}
    items.update(override or {})
    t = Transcript(kind, context)
    for label, data in items.items():
        t.append(label, data)
    return t


def test_transcript_challenge_is_deterministic() -> None:
    assert reference_transcript().challenge() == reference_transcript().challenge()


@pytest.mark.parametrize("label", ["K", "alpha", "a0"])
def test_changing_any_statement_item_changes_the_challenge(label: str) -> None:
    changed = reference_transcript(override={label: (Scalar(99) * G).to_bytes()})
    assert changed.challenge() != reference_transcript().challenge()


def test_changing_context_or_kind_changes_the_challenge() -> None:
    base = reference_transcript().challenge()
    assert reference_transcript(context=bytes(32)).challenge() != base
    assert reference_transcript(kind="schnorr").challenge() != base


def test_relabelling_an_item_changes_the_challenge() -> None:
    a = Transcript("k", CONTEXT).append("x", b"1").challenge()
    b = Transcript("k", CONTEXT).append("y", b"1").challenge()
    assert a != b


def test_typed_appends_equal_their_byte_encodings() -> None:
    p, s = Scalar(3) * G, Scalar(4)
    typed = Transcript("k", CONTEXT).append_point("P", p).append_scalar("s", s).append_points("Ps", [p, G])
    raw = Transcript("k", CONTEXT).append("P", p.to_bytes()).append("s", s.to_bytes())
    raw.append("Ps", p.to_bytes() + G.to_bytes())
    assert typed.challenge() == raw.challenge()


def test_transcript_digest_is_hash_fields_over_context_and_labelled_items() -> None:
    t = Transcript("k", CONTEXT).append("x", b"1")
    assert t.digest() == hash_fields("transcript/k", CONTEXT, b"x", b"1")
    assert t.challenge() == hash_to_scalar(domain_tag("challenge/k"), t.digest())


# --- hash to scalar ------------------------------------------------------------------------------


@given(st.binary(max_size=64))
def test_hash_to_scalar_is_hash_to_field_with_p_equal_to_n(msg: bytes) -> None:
    dst = b"SHAILOO-V1/test"
    assert int(hash_to_scalar(dst, msg)) == hash_to_field(msg, dst, 1, ORDER)[0]


def test_hash_to_scalar_uses_48_bytes_of_expand_message_xmd() -> None:
    dst, msg = b"SHAILOO-V1/test", b"m"
    wide = int.from_bytes(expand_message_xmd(msg, dst, 48), "big")
    assert int(hash_to_scalar(dst, msg)) == wide % ORDER


# --- the spec's worked example, recomputed from docs/spec/crypto.md with hashlib alone ----------


def spec_hash_fields(tag: bytes, *fields: bytes) -> bytes:
    """docs/spec/crypto.md: SHA-256( lp("SHAILOO-V1/" || tag) || lp(f1) || … ), lp = u64be length prefix."""
    data = b"".join(len(f).to_bytes(8, "big") + f for f in (b"SHAILOO-V1/" + tag, *fields))
    return hashlib.sha256(data).digest()


def test_zero_or_one_challenge_of_the_pinned_vector_follows_the_spec() -> None:
    pinned = json.loads((VECTORS / "crypto_proofs.json").read_text(encoding="utf-8"))
    case = pinned["zero_or_one"][0]
    ciphertext, proof = bytes.fromhex(case["ciphertext"]), bytes.fromhex(case["proof"])
    fields = [
        bytes.fromhex(pinned["context"]),
        b"G",
        Point.generator().to_bytes(),
        b"K",
        bytes.fromhex(pinned["public_key"]),
        b"alpha",
        ciphertext[:33],
        b"beta",
        ciphertext[33:],
        b"low",
        (0).to_bytes(4, "big"),
        b"high",
        (1).to_bytes(4, "big"),
        b"commitments",
        proof[: 4 * 33],
    ]
    digest = spec_hash_fields(b"transcript/zero_or_one", *fields)
    wide = expand_message_xmd(digest, b"SHAILOO-V1/challenge/zero_or_one", 48)
    c = int.from_bytes(wide, "big") % ORDER
    assert c == int(case["challenge"], 16)
    # the real branch (m = 0): c_0 is sent, c_1 is the simulated challenge; v_0 = u + c_0·r
    u, c_1, _v_1 = (int(x, 16) for x in case["proof_nonces"])
    c_0 = int.from_bytes(proof[132:164], "big")
    v_0 = int.from_bytes(proof[164:196], "big")
    assert (c_0 + c_1) % ORDER == c
    assert v_0 == (u + c_0 * int(case["nonce"], 16)) % ORDER
