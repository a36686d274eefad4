"""The shuffle vectors (``tests/vectors/shuffle.json``) against the code and against the file alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crypto.elgamal import ElGamalKeyPair, decrypt_to_point
from crypto.errors import InvalidProofError
from crypto.generators import independent_generator
from crypto.group import Point, Scalar
from crypto.hashing import domain_tag, hash_to_scalar
from crypto.shuffle import ShuffleProof, rows_from_bytes, verify_shuffle
from tests.vectors.make_shuffle_vectors import PATH, build_vectors, render

DOCUMENT: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))


def test_the_file_is_what_the_generator_writes() -> None:
    assert PATH.read_text(encoding="utf-8") == render(build_vectors())


@pytest.mark.parametrize("case", DOCUMENT["cases"], ids=lambda c: c["name"])
def test_each_case_verifies_from_the_file_alone(case: dict[str, Any]) -> None:
    context = bytes.fromhex(case["context"])
    keys = ElGamalKeyPair.from_secret(Scalar.from_hex(case["secret_key"]))
    assert keys.public == Point.from_hex(case["public_key"])
    inputs, outputs = rows_from_bytes(bytes.fromhex(case["inputs"])), rows_from_bytes(bytes.fromhex(case["outputs"]))
    proof = ShuffleProof.from_bytes(bytes.fromhex(case["proof"]))
    assert len(bytes.fromhex(case["proof"])) == case["proof_bytes"] == ShuffleProof.size(len(inputs), len(inputs[0]))
    verify_shuffle(context, keys.public, inputs, outputs, proof)
    # The permutation in the file is the one used: output i decrypts to input ψ(i).
    for i, j in enumerate(case["permutation"]):
        for k in range(len(inputs[0])):
            assert decrypt_to_point(outputs[i][k], keys.secret) == decrypt_to_point(inputs[j][k], keys.secret)
    # Spec §3: the generators and the per-input challenges u_j from their definitions.
    assert [independent_generator(f"shuffle/h/{i}").hex() for i in range(len(inputs))] == case["generators"]
    digest = bytes.fromhex(case["statement_digest"])
    dst = domain_tag("challenge/shuffle-weights")
    assert [hash_to_scalar(dst, digest + j.to_bytes(4, "big")).hex() for j in range(len(inputs))] == case["u"]
    with pytest.raises(InvalidProofError):
        verify_shuffle(bytes(32), keys.public, inputs, outputs, proof)


def test_the_commitment_base_h_is_pinned() -> None:
    assert independent_generator("shuffle/H").hex() == DOCUMENT["H"]
