"""The decoders of the shuffle, the mixing entries, packed choices and credential proofs, fed arbitrary bytes and
mutations of valid encodings: a valid object or a typed `ShailooError`, never anything else (as tests/fuzz/
test_decoders.py does for the other decoders)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from crypto.credentials import (
    BlindingProof,
    KnowledgeProof,
    RosterProof,
    blind,
    encrypt_credential,
    prove_credential_knowledge,
    prove_roster_credential,
)
from crypto.elgamal import ElGamalKeyPair, encrypt
from crypto.group import Point, Scalar
from crypto.packed import PackedChoice, encrypt_packed
from crypto.shuffle import ShuffleProof, rows_from_bytes, rows_to_bytes, shuffle
from record.mix import MixInput, ShufflePost
from tests.fuzz.test_decoders import FUZZ, _mutated, only_typed_errors

CONTEXT = b"\x42" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0xF023))


def _seeds() -> dict[str, bytes]:
    rows = [(encrypt(KEYS.public, i, Scalar(10 + i)), encrypt(KEYS.public, 1, Scalar(20 + i))) for i in range(3)]
    outputs, _, proof = shuffle(CONTEXT, KEYS.public, rows)
    entry = encrypt_credential(KEYS.public, Scalar(5), Scalar(6))
    return {
        "rows": rows_to_bytes(outputs),
        "shuffle_proof": proof.to_bytes(),
        "packed": encrypt_packed(CONTEXT, KEYS.public, 5, 4).to_bytes(),
        "roster_proof": prove_roster_credential(
            CONTEXT, KEYS.public, Scalar(5), entry, Scalar(6), Point.base_mul(Scalar(7))
        ).to_bytes(),
        "knowledge_proof": prove_credential_knowledge(CONTEXT, KEYS.public, entry, Scalar(5), Scalar(6)).to_bytes(),
        "blinding_proof": blind(CONTEXT, Scalar(8), entry)[1].to_bytes(),
    }


SEEDS = _seeds()
DECODERS: dict[str, Callable[[bytes], object]] = {
    "rows": rows_from_bytes,
    "shuffle_proof": ShuffleProof.from_bytes,
    "packed": PackedChoice.from_bytes,
    "roster_proof": RosterProof.from_bytes,
    "knowledge_proof": KnowledgeProof.from_bytes,
    "blinding_proof": BlindingProof.from_bytes,
}


@pytest.mark.parametrize("name", list(DECODERS))
@FUZZ
@given(data=st.data())
def test_decoder_raises_only_typed_errors(name: str, data: st.DataObject) -> None:
    seed = SEEDS[name]
    raw = data.draw(st.one_of(st.binary(max_size=2 * len(seed) + 8), _mutated(seed)))
    only_typed_errors(lambda: DECODERS[name](raw))


def _shuffle_payload() -> dict[str, Any]:
    rows = [(encrypt(KEYS.public, i, Scalar(30 + i)),) for i in range(2)]
    outputs, _, proof = shuffle(CONTEXT, KEYS.public, rows)
    payload = ShufflePost(1, 0, b"\x00" * 32, tuple(outputs), proof).to_payload()
    return {**payload, "signature": Ed25519PrivateKey.generate().sign(b"x").hex()}


SHUFFLE_PAYLOAD = _shuffle_payload()
JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.text(max_size=20), st.lists(st.integers(), max_size=3)
)


@FUZZ
@given(key=st.sampled_from([*SHUFFLE_PAYLOAD, "extra"]), value=JSON_VALUES)
def test_shuffle_payload_reader_raises_only_typed_errors(key: str, value: Any) -> None:
    only_typed_errors(lambda: ShufflePost.from_payload({**SHUFFLE_PAYLOAD, key: value}))
    only_typed_errors(lambda: MixInput.from_payload({"rows": value}))
