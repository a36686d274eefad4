"""Test vectors of the verifiable shuffle (docs/spec/shuffle.md), deterministic given a seed.

`build_vectors()` returns the document kept in ``tests/vectors/shuffle.json``. Every random value of a case — the
input nonces, the permutation, the re-encryption nonces and every prover nonce — is drawn from `SeededSource`,
which expands the case's seed with RFC 9380 ``expand_message_xmd`` (a test-only source: production provers use
`crypto.shuffle.SecretsSource`, i.e. `secrets`). Each case also gives the intermediate values a second
implementation needs to compare step by step: the generators, the per-input challenges u_j and the challenge c.

``tests/vectors/test_shuffle_vectors.py`` rebuilds the document, compares it with the file, and verifies every
case from the file alone. Regenerate only on a deliberate format change:

    uv run --frozen python -m tests.vectors.make_shuffle_vectors
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

from crypto.elgamal import ElGamalKeyPair, encrypt
from crypto.generators import independent_generator
from crypto.group import ORDER, Scalar
from crypto.hashing import hash_to_field
from crypto.shuffle import (
    GENERATOR_H_LABEL,
    _final_challenge,
    _statement_transcript,
    commitment_generators,
    permutation_challenges,
    rows_to_bytes,
    shuffle,
)

PATH: Final = Path(__file__).resolve().parent / "shuffle.json"
SEED_DST: Final = b"SHAILOO-V1-TEST-VECTORS/shuffle-seed"
#: (name, N rows, width w, plaintext of row i column k = 10·i + k + 1)
CASES: Final = (("one_row", 1, 1), ("three_rows", 3, 1), ("four_rows_width_two", 4, 2), ("eight_rows", 8, 1))


class SeededSource:
    """Deterministic `crypto.shuffle.RandomSource`: draw number i is expand_message_xmd(seed ‖ u64(i))."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0

    def _draw(self, modulus: int) -> int:
        value = hash_to_field(self._seed + self._counter.to_bytes(8, "big"), SEED_DST, 1, modulus)[0]
        self._counter += 1
        return value

    def scalar(self) -> Scalar:
        return Scalar(self._draw(ORDER - 1) + 1)

    def below(self, bound: int) -> int:
        return self._draw(bound)


def build_case(name: str, count: int, width: int) -> dict[str, Any]:
    seed = name.encode("ascii")
    context = hashlib.sha256(b"Shailoo shuffle.json context " + seed).digest()
    source = SeededSource(seed)
    keys = ElGamalKeyPair.from_secret(source.scalar())
    inputs = [tuple(encrypt(keys.public, 10 * i + k + 1, source.scalar()) for k in range(width)) for i in range(count)]
    outputs, permutation, proof = shuffle(context, keys.public, inputs, source)
    transcript = _statement_transcript(context, keys.public, inputs, outputs, proof.permutation_commitments)
    statement_digest = transcript.digest()
    u = permutation_challenges(transcript, count)
    c = _final_challenge(transcript, proof.chain, proof.t1, proof.t2, proof.t3, proof.t4, proof.chain_commitments)
    return {
        "name": name,
        "seed": seed.hex(),
        "context": context.hex(),
        "secret_key": keys.secret.hex(),
        "public_key": keys.public.hex(),
        "inputs": rows_to_bytes(inputs).hex(),
        "permutation": permutation,
        "outputs": rows_to_bytes(outputs).hex(),
        "generators": [p.hex() for p in commitment_generators(count)],
        "statement_digest": statement_digest.hex(),
        "u": [x.hex() for x in u],
        "c": c.hex(),
        "proof": proof.to_bytes().hex(),
        "proof_bytes": len(proof.to_bytes()),
    }


def build_vectors() -> dict[str, Any]:
    return {
        "description": "Verifiable shuffle test vectors (docs/spec/shuffle.md); regenerate with "
        "`uv run --frozen python -m tests.vectors.make_shuffle_vectors`",
        "H": independent_generator(GENERATOR_H_LABEL).hex(),
        "cases": [build_case(name, count, width) for name, count, width in CASES],
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {PATH}")
