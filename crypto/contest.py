"""An encrypted contest: one ciphertext per selection, a 0/1 proof for each, and a limit proof.

(docs/spec/crypto.md, "Encrypted contest".) A voter marks selections of a contest; selection i holds
m_i ∈ {0, 1}, encrypted as Enc_K(m_i; r_i) with its own nonce. The contest proves:

* for every selection, a disjunctive Chaum–Pedersen proof (kind "zero_or_one") that m_i ∈ {0, 1};
* for the homomorphic sum S = Σ Enc(m_i; r_i) = Enc(Σ m_i; Σ r_i), a disjunctive proof (kind
  "contest_limit", branches low = min_marks … high = max_marks) that min_marks <= Σ m_i <= max_marks.
  When min_marks == max_marks it has one branch: a plain Chaum–Pedersen proof that S encrypts exactly L.

No two selections may share alpha (= the same nonce r, which would reveal m_i − m_j from beta_i − beta_j):
`verify_contest` rejects such a contest with the code ``reused_nonce``.

Bytes (`EncryptedContest.to_bytes`), all integers big-endian:

    version (u8, = 1) || N (u32) || min_marks (u32) || max_marks (u32)
    || N × ( ciphertext (66) || 0/1 proof (228) )        -- 294 bytes per selection
    || limit proof (disjunctive, B = max_marks − min_marks + 1 branches: 130·B − 32 bytes)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from crypto.elgamal import CIPHERTEXT_BYTES, Ciphertext, check_public_key, ciphertext_sum, encrypt
from crypto.errors import InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import Point, Scalar
from crypto.proofs import (
    KIND_ZERO_OR_ONE,
    MAX_BRANCHES,
    ZERO_OR_ONE_PROOF_BYTES,
    DisjunctiveProof,
    disjunctive_proof_size,
    disjunctive_relations,
    prove_disjunctive,
    prove_zero_or_one,
)
from crypto.relations import Relation, check_relation_groups, check_relations

KIND_CONTEST_LIMIT: Final = "contest_limit"
CONTEST_FORMAT_VERSION: Final = 1
#: Bytes of one encrypted selection with its 0/1 proof.
SELECTION_BYTES: Final = CIPHERTEXT_BYTES + ZERO_OR_ONE_PROOF_BYTES
_HEADER_BYTES: Final = 1 + 4 + 4 + 4
#: A contest never has more selections than this (the largest Kyrgyz ballot has 1,156).
MAX_SELECTIONS: Final = 100_000
REUSED_NONCE_CODE: Final = "reused_nonce"


def _check_limits(selection_count: int, min_marks: int, max_marks: int) -> None:
    if not 1 <= selection_count <= MAX_SELECTIONS:
        raise ParameterError(f"a contest has 1 to {MAX_SELECTIONS} selections")
    if not (isinstance(min_marks, int) and isinstance(max_marks, int) and 0 <= min_marks <= max_marks):
        raise ParameterError("contest limits need 0 <= min_marks <= max_marks")
    if max_marks > selection_count or max_marks - min_marks + 1 > MAX_BRANCHES:
        raise ParameterError("max_marks exceeds the selections, or the limit range is too wide for a proof")


@dataclass(frozen=True, slots=True)
class EncryptedContest:
    """Ciphertexts, their 0/1 proofs and the limit proof of one contest (see the module docstring)."""

    min_marks: int
    max_marks: int
    ciphertexts: tuple[Ciphertext, ...]
    selection_proofs: tuple[DisjunctiveProof, ...]
    limit_proof: DisjunctiveProof

    def __post_init__(self) -> None:
        _check_limits(len(self.ciphertexts), self.min_marks, self.max_marks)
        if len(self.selection_proofs) != len(self.ciphertexts):
            raise ParameterError("a contest has one 0/1 proof per ciphertext")
        if any(p.branches != 2 for p in self.selection_proofs):
            raise ParameterError("a selection proof is a two-branch (0/1) proof")
        if self.limit_proof.branches != self.max_marks - self.min_marks + 1:
            raise ParameterError("the limit proof has one branch per allowed number of marks")

    def sum(self) -> Ciphertext:
        """S = Σ ciphertexts: encrypts the number of marks."""
        return ciphertext_sum(self.ciphertexts)

    def to_bytes(self) -> bytes:
        header = (
            bytes([CONTEST_FORMAT_VERSION])
            + len(self.ciphertexts).to_bytes(4, "big")
            + self.min_marks.to_bytes(4, "big")
            + self.max_marks.to_bytes(4, "big")
        )
        body = b"".join(
            ct.to_bytes() + proof.to_bytes() for ct, proof in zip(self.ciphertexts, self.selection_proofs, strict=True)
        )
        return header + body + self.limit_proof.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> EncryptedContest:
        """Strict decoding: version, exact total length, every point on the curve and not the identity,
        every scalar < n. Raises `NonCanonicalError`/`InvalidPointError`/`ParameterError`."""
        if not isinstance(data, bytes | bytearray) or len(data) < _HEADER_BYTES:
            raise NonCanonicalError("an encrypted contest starts with a 13-byte header")
        data = bytes(data)
        if data[0] != CONTEST_FORMAT_VERSION:
            raise NonCanonicalError(f"unknown encrypted contest format version {data[0]}")
        count, min_marks, max_marks = (int.from_bytes(data[i : i + 4], "big") for i in (1, 5, 9))
        _check_limits(count, min_marks, max_marks)
        branches = max_marks - min_marks + 1
        expected = _HEADER_BYTES + count * SELECTION_BYTES + disjunctive_proof_size(branches)
        if len(data) != expected:
            raise NonCanonicalError(f"an encrypted contest of {count} selections is {expected} bytes, not {len(data)}")
        ciphertexts, proofs = [], []
        for i in range(count):
            start = _HEADER_BYTES + i * SELECTION_BYTES
            ciphertexts.append(Ciphertext.from_bytes(data[start : start + CIPHERTEXT_BYTES]))
            proofs.append(DisjunctiveProof.from_bytes(data[start + CIPHERTEXT_BYTES : start + SELECTION_BYTES], 2))
        limit = DisjunctiveProof.from_bytes(data[_HEADER_BYTES + count * SELECTION_BYTES :], branches)
        return cls(min_marks, max_marks, tuple(ciphertexts), tuple(proofs), limit)


def encrypt_contest(
    context: bytes,
    public_key: Point,
    selections: Sequence[int],
    min_marks: int,
    max_marks: int,
    nonces: Sequence[Scalar] | None = None,
) -> tuple[EncryptedContest, list[Scalar]]:
    """Encrypt and prove a contest; returns it with the nonces r_i (kept by the device for a Benaloh
    challenge, never published otherwise). ``nonces`` (tests only) are drawn from `secrets` when None."""
    check_public_key(public_key)
    _check_limits(len(selections), min_marks, max_marks)
    if any(isinstance(m, bool) or m not in (0, 1) for m in selections):
        raise ParameterError("every selection is 0 or 1")
    marks = sum(selections)
    if not min_marks <= marks <= max_marks:
        raise ParameterError(f"{marks} marks is outside the contest's limits [{min_marks}, {max_marks}]")
    if nonces is None:
        nonces = [Scalar.random() for _ in selections]
    nonces = list(nonces)
    if len(nonces) != len(selections):
        raise ParameterError("one nonce per selection")
    if len({int(r) for r in nonces}) != len(nonces):
        raise ParameterError("every selection needs its own nonce")
    ciphertexts = [encrypt(public_key, m, r) for m, r in zip(selections, nonces, strict=True)]
    proofs = [
        prove_zero_or_one(context, public_key, ct, m, r)
        for ct, m, r in zip(ciphertexts, selections, nonces, strict=True)
    ]
    total_nonce = sum(nonces, Scalar(0))
    limit = prove_disjunctive(
        KIND_CONTEST_LIMIT, context, public_key, ciphertext_sum(ciphertexts), min_marks, max_marks, marks, total_nonce
    )
    contest = EncryptedContest(min_marks, max_marks, tuple(ciphertexts), tuple(proofs), limit)
    return contest, nonces


def check_distinct_nonces(contest: EncryptedContest) -> None:
    """Raise `InvalidProofError` (code ``reused_nonce``) if two selections share alpha, i.e. a nonce."""
    seen: dict[bytes, int] = {}
    for index, ct in enumerate(contest.ciphertexts):
        first = seen.setdefault(ct.alpha.to_bytes(), index)
        if first != index:
            raise InvalidProofError(
                f"selections {first} and {index} share alpha: the same nonce was used twice", code=REUSED_NONCE_CODE
            )


def contest_relations(
    context: bytes, public_key: Point, contest: EncryptedContest, min_marks: int, max_marks: int
) -> list[tuple[str, list[Relation]]]:
    """Structure checks, then (label, relations) for every selection proof and the limit proof."""
    check_public_key(public_key)
    if (contest.min_marks, contest.max_marks) != (min_marks, max_marks):
        raise InvalidProofError(
            f"the contest claims limits [{contest.min_marks}, {contest.max_marks}], "
            f"the manifest says [{min_marks}, {max_marks}]"
        )
    check_distinct_nonces(contest)
    labelled = [
        (f"selection {i}", disjunctive_relations(KIND_ZERO_OR_ONE, context, public_key, ct, 0, 1, proof))
        for i, (ct, proof) in enumerate(zip(contest.ciphertexts, contest.selection_proofs, strict=True))
    ]
    total = contest.sum()
    limit = disjunctive_relations(
        KIND_CONTEST_LIMIT, context, public_key, total, min_marks, max_marks, contest.limit_proof
    )
    labelled.append(("limit proof", limit))
    return labelled


def prove_contest_limit(
    context: bytes,
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    marks: int,
    nonce_sum: Scalar,
    min_marks: int,
    max_marks: int,
    proof_nonces: Sequence[Scalar] | None = None,
) -> DisjunctiveProof:
    """Prove that Σ ciphertexts (which encrypts ``marks`` with nonce ``nonce_sum``) encrypts a value in
    [min_marks, max_marks]; exactly L when min_marks == max_marks == L."""
    _check_limits(len(ciphertexts), min_marks, max_marks)
    total = ciphertext_sum(ciphertexts)
    return prove_disjunctive(
        KIND_CONTEST_LIMIT, context, public_key, total, min_marks, max_marks, marks, nonce_sum, proof_nonces
    )


def verify_contest_limit(
    context: bytes,
    public_key: Point,
    ciphertexts: Sequence[Ciphertext],
    min_marks: int,
    max_marks: int,
    proof: DisjunctiveProof,
) -> None:
    """Raise `InvalidProofError` unless Σ ciphertexts encrypts a value in [min_marks, max_marks]."""
    _check_limits(len(ciphertexts), min_marks, max_marks)
    relations = disjunctive_relations(
        KIND_CONTEST_LIMIT, context, public_key, ciphertext_sum(ciphertexts), min_marks, max_marks, proof
    )
    check_relations(relations, "the contest limit proof")


def verify_contest(
    context: bytes, public_key: Point, contest: EncryptedContest, min_marks: int, max_marks: int
) -> None:
    """Raise `InvalidProofError` unless the contest is well formed for [min_marks, max_marks], no nonce is
    reused, every selection encrypts 0 or 1 and the marks are within the limits.

    All proofs of the contest are checked in one random linear combination; on failure each is checked
    alone so the error names the selection (or the limit proof) that is wrong.
    """
    check_relation_groups(contest_relations(context, public_key, contest, min_marks, max_marks))
