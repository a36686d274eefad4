"""What an attacker holding a credential (or watching the board) can build: re-signed, spliced and forged ballots.

Every helper returns wire JSON ready to POST; the attacker always re-signs with a credential key it holds, so a
refusal can only come from the check the test is about, never from the ballot signature.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.contest import KIND_CONTEST_LIMIT, EncryptedContest
from crypto.elgamal import Ciphertext, ciphertext_sum, encrypt
from crypto.group import FIELD_PRIME, ORDER, POINT_BYTES, SCALAR_BYTES, Point, Scalar
from crypto.hashing import Transcript
from crypto.proofs import KIND_ZERO_OR_ONE, DisjunctiveProof, prove_disjunctive, prove_zero_or_one
from record.ballot import EncryptedBallot, ballot_context

G = Point.generator()
HEADER_BYTES = 13
CIPHERTEXT_BYTES = 2 * POINT_BYTES


def signed(ballot: EncryptedBallot, key: Ed25519PrivateKey) -> EncryptedBallot:
    """``ballot`` with a fresh signature by ``key`` (the attacker holds this credential key)."""
    return replace(ballot, signature=key.sign(ballot.signed_bytes()))


def with_contest_bytes(ballot: EncryptedBallot, index: int, data: bytes, key: Ed25519PrivateKey) -> dict[str, Any]:
    """Replace the encrypted bytes of contest ``index`` and re-sign: the wire JSON."""
    contests = list(ballot.contests)
    contests[index] = (contests[index][0], data)
    return signed(replace(ballot, contests=tuple(contests)), key).to_json()


def patch_bytes(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def first_proof_scalar_offset() -> int:
    """Offset in a contest of the first scalar of selection 0's 0/1 proof (after its 4 commitment points)."""
    return HEADER_BYTES + CIPHERTEXT_BYTES + 4 * POINT_BYTES


def first_alpha_offset() -> int:
    return HEADER_BYTES


def off_curve_point() -> bytes:
    """A 33-byte compressed encoding whose x has no y on P-256."""
    x = 1
    while True:
        rhs = (x**3 - 3 * x + 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B) % FIELD_PRIME
        if pow(rhs, (FIELD_PRIME - 1) // 2, FIELD_PRIME) != 1:
            return b"\x02" + x.to_bytes(32, "big")
        x += 1


def uncompressed(point: Point) -> bytes:
    x, y = point.affine()
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")


def scalar_plus_order(value: bytes) -> bytes | None:
    """``value + n`` as 32 bytes when it still fits (the same scalar mod n, a second encoding)."""
    aliased = int.from_bytes(value, "big") + ORDER
    return aliased.to_bytes(SCALAR_BYTES, "big") if aliased < 2**256 else None


# --- forged proofs ---------------------------------------------------------------------------------------------


def weak_fiat_shamir_challenge(context: bytes, commitments: list[Point]) -> Scalar:
    """The challenge of a *weak* Fiat–Shamir 0/1 proof: commitments only, no statement (no key, no ciphertext)."""
    return Transcript(KIND_ZERO_OR_ONE, context).append_points("commitments", commitments).challenge()


def _sqrt_mod_order(value: int) -> int | None:
    """A square root modulo the group order n (n ≡ 1 mod 4: Tonelli–Shanks), or None."""
    n = ORDER
    if value % n == 0:
        return 0
    if pow(value, (n - 1) // 2, n) != 1:
        return None
    q, s = n - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    z = 2
    while pow(z, (n - 1) // 2, n) != n - 1:
        z += 1
    m, c, t, r = s, pow(z, q, n), pow(value, q, n), pow(value, (q + 1) // 2, n)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2, i = t2 * t2 % n, i + 1
        b = pow(c, 1 << (m - i - 1), n)
        m, c, t, r = i, b * b % n, t * b * b % n, r * b % n
    return r


def weak_fiat_shamir_forgery(
    context: bytes, public_key: Point, nonce: Scalar
) -> tuple[Ciphertext, DisjunctiveProof, int, Callable[[Ciphertext, DisjunctiveProof], bool]]:
    """The "how not to prove yourself" attack on a 0/1 proof whose challenge omits the statement.

    The attacker fixes the commitments first (a_j = t_j·G, b_j = t_j·K + d_j·G), takes the weak challenge
    c = H(commitments), and only then picks the plaintext m that makes both branches verify:
    c_j = d_j / (j − m) and c_0 + c_1 = c, i.e. c·m² + (d_0 + d_1 − c)·m − d_0 = 0 (mod n). The ciphertext
    Enc(m; nonce) encrypts a value that is neither 0 nor 1, yet the proof verifies under the weak challenge.
    Returns the ciphertext, the proof, m, and a *weak* verifier (for the test to show the forgery is real).
    """
    n = ORDER
    while True:
        t0, t1, d0, d1 = (secrets.randbelow(n - 1) + 1 for _ in range(4))
        commitments = [
            Point.base_mul(Scalar(t0)),
            public_key * Scalar(t0) + Point.base_mul(Scalar(d0)),
            Point.base_mul(Scalar(t1)),
            public_key * Scalar(t1) + Point.base_mul(Scalar(d1)),
        ]
        c = int(weak_fiat_shamir_challenge(context, commitments))
        b = (d0 + d1 - c) % n
        disc = (b * b + 4 * c * d0) % n
        root = _sqrt_mod_order(disc)
        if root is None or c == 0:
            continue
        m = (-b + root) * pow(2 * c, -1, n) % n
        if m in (0, 1):
            continue
        break
    c0 = d0 * pow(-m % n, -1, n) % n
    c1 = d1 * pow((1 - m) % n, -1, n) % n
    assert (c0 + c1) % n == c
    alpha_secret = int(nonce)
    ciphertext = Ciphertext(Point.base_mul(Scalar(alpha_secret)), public_key * Scalar(alpha_secret) + G * Scalar(m))
    responses = (Scalar((t0 + c0 * alpha_secret) % n), Scalar((t1 + c1 * alpha_secret) % n))
    proof = DisjunctiveProof(
        ((commitments[0], commitments[1]), (commitments[2], commitments[3])), (Scalar(c0),), responses
    )

    def weak_verify(ct: Ciphertext, p: DisjunctiveProof) -> bool:
        points = p.commitment_points()
        challenge = weak_fiat_shamir_challenge(context, points)
        cs = (p.challenges[0], challenge - p.challenges[0])
        for j in (0, 1):
            a, bj = p.commitments[j]
            if p.responses[j] * G != a + cs[j] * ct.alpha:
                return False
            if public_key * p.responses[j] != bj + cs[j] * (ct.beta - G * Scalar(j)):
                return False
        return True

    return ciphertext, proof, m, weak_verify


#: One forged selection: its ciphertext, the nonce it was encrypted with, and its 0/1 proof.
Selection = tuple[Ciphertext, Scalar, DisjunctiveProof]


def selection(context: bytes, public_key: Point, plaintext: int, claimed: int | None = None) -> Selection:
    """Enc(plaintext mod n) with a fresh nonce, and the honest 0/1 prover run on ``claimed`` (default: the
    plaintext, an honest selection). A claim other than the plaintext gives a 0/1 proof that lies."""
    nonce = Scalar.random()
    ciphertext = encrypt(public_key, plaintext % ORDER, nonce)
    claim = plaintext if claimed is None else claimed
    return ciphertext, nonce, prove_disjunctive(KIND_ZERO_OR_ONE, context, public_key, ciphertext, 0, 1, claim, nonce)


def contest_with_honest_limit(
    context: bytes, public_key: Point, selections: list[Selection], marks: int, min_marks: int, max_marks: int
) -> EncryptedContest:
    """The contest of ``selections`` with a limit proof that is VALID for their ciphertexts: the honest prover
    for Σ ciphertexts = Enc(marks; Σ nonces). The plaintexts must add up to ``marks`` (mod n), within the limits;
    then the only proofs that can fail are the selections' own 0/1 proofs."""
    cts = [ct for ct, _, _ in selections]
    total = sum((nonce for _, nonce, _ in selections), Scalar(0))
    limit = prove_disjunctive(
        KIND_CONTEST_LIMIT, context, public_key, ciphertext_sum(cts), min_marks, max_marks, marks, total
    )
    return EncryptedContest(min_marks, max_marks, tuple(cts), tuple(p for _, _, p in selections), limit)


def overvote_contest(
    context: bytes, public_key: Point, selections: int, marks: list[int], min_marks: int, max_marks: int
) -> EncryptedContest:
    """Honest 0/1 proofs for ``marks`` (more than ``max_marks`` ones), and a limit proof that lies about the sum:
    the honest prover run on the claim ``max_marks`` with the real total nonce."""
    nonces = [Scalar.random() for _ in range(selections)]
    cts = [encrypt(public_key, m, r) for m, r in zip(marks, nonces, strict=True)]
    proofs = [prove_zero_or_one(context, public_key, ct, m, r) for ct, m, r in zip(cts, marks, nonces, strict=True)]
    total = sum(nonces, Scalar(0))
    total_ct = ciphertext_sum(cts)
    limit = prove_disjunctive(KIND_CONTEST_LIMIT, context, public_key, total_ct, min_marks, max_marks, max_marks, total)
    return EncryptedContest(min_marks, max_marks, tuple(cts), tuple(proofs), limit)


def reused_nonce_contest(
    context: bytes, public_key: Point, marks: list[int], min_marks: int, max_marks: int
) -> EncryptedContest:
    """Every proof honest, but selections 0 and 1 share one nonce (their alphas are equal)."""
    nonces = [Scalar.random() for _ in marks]
    nonces[1] = nonces[0]
    cts = [encrypt(public_key, m, r) for m, r in zip(marks, nonces, strict=True)]
    proofs = [prove_zero_or_one(context, public_key, ct, m, r) for ct, m, r in zip(cts, marks, nonces, strict=True)]
    total = sum(nonces, Scalar(0))
    total_ct = ciphertext_sum(cts)
    limit = prove_disjunctive(
        KIND_CONTEST_LIMIT, context, public_key, total_ct, min_marks, max_marks, sum(marks), total
    )
    return EncryptedContest(min_marks, max_marks, tuple(cts), tuple(proofs), limit)


def context_of(ballot: EncryptedBallot, base_hash: bytes, contest_id: str) -> bytes:
    return ballot_context(base_hash, ballot.election_id, ballot.style_id, contest_id, ballot.credential.public_key)
