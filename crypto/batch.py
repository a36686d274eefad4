"""Batch verification of many proofs in one multi-scalar multiplication (docs/spec/crypto.md, "Batch").

Every proof reduces to relations ``C == g·G + Σ kᵢ·Pᵢ`` (`crypto.proofs.Relation`) once its challenge is
recomputed. `BatchVerifier` gives each relation an independent random 128-bit weight ρ from `secrets` and
checks Σ ρ·(g·G + Σ kᵢ·Pᵢ − C) = identity with one OpenSSL ``EC_POINTs_mul``. If every proof is valid
the sum is the identity; if any relation is false it is the identity with probability at most 2^-128.

When the sum is not the identity, each proof is checked alone and `InvalidProofError` names the index
(in the order of the ``add_*`` calls) and label of the first bad proof; `invalid_indices` lists them all
(so a server can refuse exactly the bad ballots of a batch).

Statement errors found while adding (wrong number of branches, an identity point, a nonce reused in a
contest) raise at once, naming the index, with the code of the underlying error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from crypto.contest import EncryptedContest, contest_relations
from crypto.elgamal import Ciphertext
from crypto.errors import InvalidProofError
from crypto.group import Point
from crypto.proofs import (
    KIND_RANGE,
    ChaumPedersenProof,
    DisjunctiveProof,
    SchnorrProof,
    correct_decryption_relations,
    disjunctive_relations,
    equal_dlog_relations,
    knowledge_relations,
    zero_or_one_relations,
)
from crypto.relations import Relation, RelationAccumulator, failing_groups

_T = TypeVar("_T")


class BatchVerifier:
    """Collect proofs with ``add_*`` (each returns the proof's index), then call `verify` once."""

    __slots__ = ("_accumulator", "_entries")

    def __init__(self) -> None:
        self._entries: list[tuple[str, list[tuple[str, list[Relation]]]]] = []
        self._accumulator = RelationAccumulator()

    def __len__(self) -> int:
        return len(self._entries)

    def _add(self, label: str, groups: list[tuple[str, list[Relation]]]) -> int:
        index = len(self._entries)
        self._entries.append((label, groups))
        for _, relations in groups:
            self._accumulator.add(relations)
        return index

    def _statement(self, label: str, build: Callable[[], _T]) -> _T:
        """Run a relation builder, re-raising a statement error with the index it would have had."""
        try:
            return build()
        except InvalidProofError as e:
            raise InvalidProofError(f"proof {len(self._entries)} ({label}): {e.message}", code=e.code) from e

    # ------------------------------------------------------------------------------------------
    def add_relations(self, label: str, relations: list[Relation]) -> int:
        """Add an already computed group of relations (for proof kinds defined elsewhere)."""
        return self._add(label, [(label, relations)])

    def add_knowledge(self, context: bytes, public: Point, proof: SchnorrProof, label: str = "schnorr") -> int:
        relations = self._statement(label, lambda: knowledge_relations(context, public, proof))
        return self.add_relations(label, relations)

    def add_equal_dlog(
        self,
        context: bytes,
        base1: Point,
        public1: Point,
        base2: Point,
        public2: Point,
        proof: ChaumPedersenProof,
        label: str = "chaum_pedersen",
    ) -> int:
        relations = self._statement(label, lambda: equal_dlog_relations(context, base1, public1, base2, public2, proof))
        return self.add_relations(label, relations)

    def add_correct_decryption(
        self,
        context: bytes,
        public_share: Point,
        ciphertext: Ciphertext,
        share: Point,
        proof: ChaumPedersenProof,
        label: str = "correct_decryption",
    ) -> int:
        relations = self._statement(
            label, lambda: correct_decryption_relations(context, public_share, ciphertext, share, proof)
        )
        return self.add_relations(label, relations)

    def add_zero_or_one(
        self,
        context: bytes,
        public_key: Point,
        ciphertext: Ciphertext,
        proof: DisjunctiveProof,
        label: str = "zero_or_one",
    ) -> int:
        relations = self._statement(label, lambda: zero_or_one_relations(context, public_key, ciphertext, proof))
        return self.add_relations(label, relations)

    def add_range(
        self,
        context: bytes,
        public_key: Point,
        ciphertext: Ciphertext,
        max_value: int,
        proof: DisjunctiveProof,
        label: str = "range",
    ) -> int:
        relations = self._statement(
            label, lambda: disjunctive_relations(KIND_RANGE, context, public_key, ciphertext, 0, max_value, proof)
        )
        return self.add_relations(label, relations)

    def add_contest(
        self,
        context: bytes,
        public_key: Point,
        contest: EncryptedContest,
        min_marks: int,
        max_marks: int,
        label: str = "contest",
    ) -> int:
        """Add every proof of a contest as ONE entry; a failure names the contest's index and the selection."""
        groups = self._statement(label, lambda: contest_relations(context, public_key, contest, min_marks, max_marks))
        return self._add(label, groups)

    # ------------------------------------------------------------------------------------------
    def invalid_indices(self) -> list[int]:
        """Indices of the entries that fail on their own (empty when the whole batch verifies)."""
        if self._accumulator.holds():
            return []
        return [i for i, (_, groups) in enumerate(self._entries) if failing_groups(groups)]

    def verify(self) -> None:
        """Raise `InvalidProofError` naming the first bad entry unless every added proof verifies."""
        if self._accumulator.holds():
            return
        for index, (label, groups) in enumerate(self._entries):
            bad = failing_groups(groups)
            if bad:
                detail = f": {groups[bad[0]][0]}" if len(groups) > 1 else ""
                raise InvalidProofError(f"proof {index} ({label}) does not verify{detail}")
        # A false relation surviving alone is a 2^-128 event; treat a mismatch as a failure, never a pass.
        raise InvalidProofError("the batch does not verify, yet every proof verifies alone")  # pragma: no cover


def verify_zero_or_one_batch(
    context: bytes, public_key: Point, items: Sequence[tuple[Ciphertext, DisjunctiveProof]]
) -> None:
    """Verify many (ciphertext, 0/1 proof) pairs under one key in one batch."""
    verifier = BatchVerifier()
    for ciphertext, proof in items:
        verifier.add_zero_or_one(context, public_key, ciphertext, proof)
    verifier.verify()
