"""Verifiable re-encryption shuffle of ElGamal ciphertext rows (docs/spec/shuffle.md).

A mixer takes N rows (each a tuple of w ciphertexts under the election key K), permutes them with a secret
permutation ψ and re-encrypts every ciphertext with a fresh nonce:

    output[i][k] = input[ψ(i)][k] + Enc_K(0; ρ[i][k])        (Enc_K(0; ρ) = (ρ·G, ρ·K))

and proves in zero knowledge that the outputs are such a shuffle of the inputs, without revealing ψ or the
ρ. The proof is the Terelius–Wikström proof of a shuffle (in the step-by-step form of the CHVote protocol
specification), written here for the additive group P-256, ciphertext rows of width w, and Shailoo's
commitment-form proofs (responses s = ω + c·x; the verifier recomputes every challenge):

* a Pedersen commitment to the permutation matrix, column by column: c_ψ(i) = r_ψ(i)·G + h_i, with
  generators H, h_1 … h_N from `crypto.generators` (nobody knows a discrete logarithm between them);
* per-input challenges u_j hashed from the whole statement and the commitments;
* a commitment chain ĉ_i = r̂_i·G + u_ψ(i)·ĉ_{i−1} (ĉ_0 = H) whose end shows Π u_ψ(i) = Π u_j;
* one Schnorr-like sigma protocol proving, with one challenge c, that the committed matrix has columns summing
  to one (t1), that the chain is well formed (t2, t̂_i), that the committed matrix maps u to u' (t3), and that
  Σ u_j·input_j equals Σ u'_i·output_i up to a re-encryption (t4, one pair per column of the rows).

`verify_shuffle` (the checker beside the prover) turns all of these into `crypto.relations.Relation`s and checks
them as one random linear combination: a few multi-scalar multiplications over about (4 + 4w)·N points.

Randomness is explicit: every prover function takes a `RandomSource` (default: `SecretsSource`, i.e. `secrets`);
the test vectors pass a seeded deterministic one.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, Protocol

from crypto.elgamal import CIPHERTEXT_BYTES, Ciphertext, generator_plus_mul
from crypto.errors import InvalidProofError, NonCanonicalError, ParameterError
from crypto.generators import independent_generator
from crypto.group import POINT_BYTES, SCALAR_BYTES, Point, Scalar, multi_scalar_mul, point_sum
from crypto.hashing import Transcript, domain_tag, hash_to_scalar
from crypto.proofs import read_points, read_scalars
from crypto.relations import Relation, check_relations

G: Final = Point.generator()
#: Transcript kind (domain tags ``SHAILOO-V1/transcript/shuffle`` and ``SHAILOO-V1/challenge/shuffle``).
KIND_SHUFFLE: Final = "shuffle"
#: DST of the per-input challenges u_j: ``SHAILOO-V1/challenge/shuffle-weights``.
WEIGHTS_DST: Final = domain_tag("challenge/shuffle-weights")
#: Labels of the commitment generators: H = gen("shuffle/H"), h_i = gen("shuffle/h/<i>") for i = 0, 1, ….
GENERATOR_H_LABEL: Final = "shuffle/H"
GENERATOR_PREFIX: Final = "shuffle/h/"
SHUFFLE_PROOF_VERSION: Final = 1
ROWS_VERSION: Final = 1
#: Largest list a proof or a row list may describe (the wire's u32 allows more; memory does not).
MAX_ROWS: Final = 1_000_000
MAX_WIDTH: Final = 64
#: Stable code of a statement whose shapes disagree (a dropped or added row, another width).
SHAPE_MISMATCH_CODE: Final = "shuffle_shape_mismatch"

Row = tuple[Ciphertext, ...]


class ShuffleShapeError(InvalidProofError):
    """Inputs, outputs and proof do not describe the same number of rows of the same width."""

    code = SHAPE_MISMATCH_CODE


# --------------------------------------------------------------------------------------------------
# Randomness and generators.
# --------------------------------------------------------------------------------------------------


class RandomSource(Protocol):
    """Where a prover's secrets come from: `SecretsSource` in production, a seeded source in vector scripts."""

    def scalar(self) -> Scalar:
        """A uniformly random non-zero scalar."""
        ...

    def below(self, bound: int) -> int:
        """A uniformly random integer in [0, bound)."""
        ...


class SecretsSource:
    """Randomness from the `secrets` module."""

    def scalar(self) -> Scalar:
        return Scalar.random()

    def below(self, bound: int) -> int:
        return secrets.randbelow(bound)


_GENERATORS: list[Point] = []
#: Held while the list grows, so that two threads never both append generator i (the list would then be misordered).
_GENERATORS_LOCK: Final = threading.Lock()


def commitment_generators(count: int) -> list[Point]:
    """h_0 … h_{count−1}: ``independent_generator("shuffle/h/<i>")``, computed once per process and kept.

    Each costs one RFC 9380 hash to curve (about 0.7 ms in Python), so the first shuffle of a large list
    pays that once; later ones reuse the list.
    """
    if count > MAX_ROWS:
        raise ParameterError(f"a shuffle has at most {MAX_ROWS} rows")
    if len(_GENERATORS) < count:
        with _GENERATORS_LOCK:
            while len(_GENERATORS) < count:
                _GENERATORS.append(independent_generator(f"{GENERATOR_PREFIX}{len(_GENERATORS)}"))
    return _GENERATORS[:count]


def cached_generator_count() -> int:
    """How many generators h_i this process holds already."""
    return len(_GENERATORS)


def install_generators(start: int, points: Sequence[Point]) -> None:
    """Add h_start … h_{start+len−1}, computed elsewhere (`crypto.shuffle_parallel`), to this process's cache.
    ``start`` must be the cache's length (else nothing is added: another thread got there first)."""
    if start + len(points) > MAX_ROWS:
        raise ParameterError(f"a shuffle has at most {MAX_ROWS} rows")
    with _GENERATORS_LOCK:
        if len(_GENERATORS) == start:
            _GENERATORS.extend(points)


def random_permutation(count: int, source: RandomSource) -> list[int]:
    """A uniformly random permutation of range(count) (Fisher–Yates, draws from ``source``)."""
    permutation = list(range(count))
    for i in range(count - 1, 0, -1):
        j = source.below(i + 1)
        permutation[i], permutation[j] = permutation[j], permutation[i]
    return permutation


# --------------------------------------------------------------------------------------------------
# Rows: validation and bytes.
# --------------------------------------------------------------------------------------------------


def check_rows(rows: Sequence[Row], what: str) -> int:
    """Return the common width w of ``rows``; raise unless there is at least one row, all of one width
    1 ≤ w ≤ MAX_WIDTH, made of ciphertexts none of whose points is the identity."""
    if not rows:
        raise ShuffleShapeError(f"{what}: a shuffle needs at least one row")
    if len(rows) > MAX_ROWS:
        raise ShuffleShapeError(f"{what}: at most {MAX_ROWS} rows")
    width = len(rows[0])
    if not 1 <= width <= MAX_WIDTH:
        raise ShuffleShapeError(f"{what}: a row holds 1 to {MAX_WIDTH} ciphertexts")
    for index, row in enumerate(rows):
        if not isinstance(row, tuple) or len(row) != width:
            raise ShuffleShapeError(f"{what}: row {index} is not a tuple of {width} ciphertexts")
        for ct in row:
            if not isinstance(ct, Ciphertext) or ct.alpha.is_identity() or ct.beta.is_identity():
                raise InvalidProofError(f"{what}: row {index} holds the identity or a non-ciphertext")
    return width


def rows_to_bytes(rows: Sequence[Row]) -> bytes:
    """``u8(1) ‖ u32(N) ‖ u32(w) ‖ N·w ciphertexts (66 bytes each, row by row)``."""
    width = check_rows(rows, "rows")
    body = b"".join(ct.to_bytes() for row in rows for ct in row)
    return bytes([ROWS_VERSION]) + len(rows).to_bytes(4, "big") + width.to_bytes(4, "big") + body


def rows_from_bytes(data: bytes) -> list[Row]:
    """Strict inverse of `rows_to_bytes`: version, bounds, exact length, every point valid and not the identity."""
    if not isinstance(data, bytes | bytearray) or len(data) < 9:
        raise NonCanonicalError("a row list starts with a 9-byte header")
    data = bytes(data)
    if data[0] != ROWS_VERSION:
        raise NonCanonicalError(f"unknown row list version {data[0]}")
    count, width = int.from_bytes(data[1:5], "big"), int.from_bytes(data[5:9], "big")
    if not 1 <= count <= MAX_ROWS or not 1 <= width <= MAX_WIDTH:
        raise NonCanonicalError("a row list has 1 to 1,000,000 rows of 1 to 64 ciphertexts")
    if len(data) != 9 + count * width * CIPHERTEXT_BYTES:
        raise NonCanonicalError(f"a list of {count} rows of width {width} is {9 + count * width * 66} bytes")
    rows = []
    offset = 9
    for _ in range(count):
        row = []
        for _ in range(width):
            row.append(Ciphertext.from_bytes(data[offset : offset + CIPHERTEXT_BYTES]))
            offset += CIPHERTEXT_BYTES
        rows.append(tuple(row))
    return rows


def _rows_field(rows: Sequence[Row]) -> bytes:
    return b"".join(ct.to_bytes() for row in rows for ct in row)


# --------------------------------------------------------------------------------------------------
# The proof object.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    """Terelius–Wikström proof of a shuffle of N rows of width w, in commitment form.

    Fields (spec symbols): ``permutation_commitments`` c_0…c_{N−1}, ``chain`` ĉ_1…ĉ_N, ``t1``, ``t2``, ``t3``,
    ``t4`` ((t4α_k, t4β_k) for each column k), ``chain_commitments`` t̂_1…t̂_N, ``s1``, ``s2``, ``s3``,
    ``s4`` (one per column), ``chain_responses`` ŝ_1…ŝ_N, ``permutation_responses`` s'_1…s'_N.

    Bytes: ``u8(1) ‖ u32(N) ‖ u32(w) ‖ c (33·N) ‖ ĉ (33·N) ‖ t1 ‖ t2 ‖ t3 ‖ t4 (66·w) ‖ t̂ (33·N)
    ‖ s1 ‖ s2 ‖ s3 ‖ s4 (32·w) ‖ ŝ (32·N) ‖ s' (32·N)`` = 9 + 163·N + 98·w + 195 bytes.
    """

    permutation_commitments: tuple[Point, ...]
    chain: tuple[Point, ...]
    t1: Point
    t2: Point
    t3: Point
    t4: tuple[tuple[Point, Point], ...]
    chain_commitments: tuple[Point, ...]
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]
    chain_responses: tuple[Scalar, ...]
    permutation_responses: tuple[Scalar, ...]

    HEADER: ClassVar[int] = 9

    def __post_init__(self) -> None:
        count, width = len(self.permutation_commitments), len(self.t4)
        if not 1 <= count <= MAX_ROWS or not 1 <= width <= MAX_WIDTH:
            raise ParameterError("a shuffle proof covers 1 to 1,000,000 rows of width 1 to 64")
        for name in ("chain", "chain_commitments", "chain_responses", "permutation_responses"):
            if len(getattr(self, name)) != count:
                raise ParameterError(f"a shuffle proof of {count} rows has {count} {name}")
        if len(self.s4) != width:
            raise ParameterError("a shuffle proof has one s4 per column")
        points = [*self.permutation_commitments, *self.chain, self.t1, self.t2, self.t3, *self.chain_commitments]
        points += [p for pair in self.t4 for p in pair]
        for point in points:
            if not isinstance(point, Point) or point.is_identity():
                raise InvalidProofError("a shuffle proof's commitments are points other than the identity")
        scalars = [self.s1, self.s2, self.s3, *self.s4, *self.chain_responses, *self.permutation_responses]
        if not all(isinstance(s, Scalar) for s in scalars):
            raise ParameterError("a shuffle proof's responses are scalars")

    @property
    def count(self) -> int:
        return len(self.permutation_commitments)

    @property
    def width(self) -> int:
        return len(self.t4)

    @staticmethod
    def size(count: int, width: int) -> int:
        return ShuffleProof.HEADER + 163 * count + 98 * width + 3 * POINT_BYTES + 3 * SCALAR_BYTES

    def to_bytes(self) -> bytes:
        parts = [bytes([SHUFFLE_PROOF_VERSION]), self.count.to_bytes(4, "big"), self.width.to_bytes(4, "big")]
        parts += [p.to_bytes() for p in (*self.permutation_commitments, *self.chain, self.t1, self.t2, self.t3)]
        parts += [p.to_bytes() for pair in self.t4 for p in pair]
        parts += [p.to_bytes() for p in self.chain_commitments]
        parts += [s.to_bytes() for s in (self.s1, self.s2, self.s3, *self.s4)]
        parts += [s.to_bytes() for s in (*self.chain_responses, *self.permutation_responses)]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> ShuffleProof:
        """Strict: version, bounds, exact length, every point on P-256 and not the identity, every scalar < n."""
        if not isinstance(data, bytes | bytearray) or len(data) < cls.HEADER:
            raise NonCanonicalError("a shuffle proof starts with a 9-byte header")
        data = bytes(data)
        if data[0] != SHUFFLE_PROOF_VERSION:
            raise NonCanonicalError(f"unknown shuffle proof version {data[0]}")
        n, w = int.from_bytes(data[1:5], "big"), int.from_bytes(data[5:9], "big")
        if not 1 <= n <= MAX_ROWS or not 1 <= w <= MAX_WIDTH:
            raise NonCanonicalError("a shuffle proof covers 1 to 1,000,000 rows of width 1 to 64")
        if len(data) != cls.size(n, w):
            raise NonCanonicalError(f"a shuffle proof of {n} rows of width {w} is {cls.size(n, w)} bytes")
        offset = cls.HEADER
        points = read_points(data, offset, 3 * n + 3 + 2 * w)
        offset += len(points) * POINT_BYTES
        scalars = read_scalars(data, offset, 3 + w + 2 * n)
        c, chain, (t1, t2, t3) = points[:n], points[n : 2 * n], points[2 * n : 2 * n + 3]
        t4_flat = points[2 * n + 3 : 2 * n + 3 + 2 * w]
        t_hat = points[2 * n + 3 + 2 * w :]
        return cls(
            permutation_commitments=tuple(c),
            chain=tuple(chain),
            t1=t1,
            t2=t2,
            t3=t3,
            t4=tuple((t4_flat[2 * k], t4_flat[2 * k + 1]) for k in range(w)),
            chain_commitments=tuple(t_hat),
            s1=scalars[0],
            s2=scalars[1],
            s3=scalars[2],
            s4=tuple(scalars[3 : 3 + w]),
            chain_responses=tuple(scalars[3 + w : 3 + w + n]),
            permutation_responses=tuple(scalars[3 + w + n :]),
        )


# --------------------------------------------------------------------------------------------------
# Challenges.
# --------------------------------------------------------------------------------------------------


def _statement_transcript(
    context: bytes, public_key: Point, inputs: Sequence[Row], outputs: Sequence[Row], commitments: Sequence[Point]
) -> Transcript:
    """The transcript up to the permutation commitments (spec §4): everything the u_j depend on."""
    width = len(inputs[0])
    return (
        Transcript(KIND_SHUFFLE, context)
        .append("N", len(inputs).to_bytes(4, "big"))
        .append("width", width.to_bytes(4, "big"))
        .append_point("G", G)
        .append_point("H", independent_generator(GENERATOR_H_LABEL))
        .append("generators", GENERATOR_PREFIX.encode("ascii"))
        .append_point("K", public_key)
        .append("inputs", _rows_field(inputs))
        .append("outputs", _rows_field(outputs))
        .append_points("commitments", tuple(commitments))
    )


def permutation_challenges(transcript: Transcript, count: int) -> list[Scalar]:
    """u_j = hash_to_scalar(WEIGHTS_DST, digest ‖ u32(j)) for j < count, digest = the transcript so far."""
    digest = transcript.digest()
    return [hash_to_scalar(WEIGHTS_DST, digest + j.to_bytes(4, "big")) for j in range(count)]


def _final_challenge(
    transcript: Transcript,
    chain: Sequence[Point],
    t1: Point,
    t2: Point,
    t3: Point,
    t4: Sequence[tuple[Point, Point]],
    t_hat: Sequence[Point],
) -> Scalar:
    return (
        transcript.append_points("chain", tuple(chain))
        .append_point("t1", t1)
        .append_point("t2", t2)
        .append_point("t3", t3)
        .append_points("t4", tuple(p for pair in t4 for p in pair))
        .append_points("t_hat", tuple(t_hat))
        .challenge()
    )


# --------------------------------------------------------------------------------------------------
# Prover.
# --------------------------------------------------------------------------------------------------


def reencrypt(public_key: Point, ciphertext: Ciphertext, nonce: Scalar) -> Ciphertext:
    """ciphertext + Enc_K(0; nonce) = (alpha + ρ·G, beta + ρ·K)."""
    if nonce.is_zero():
        raise ParameterError("a re-encryption nonce is a non-zero scalar")
    return Ciphertext(ciphertext.alpha + Point.base_mul(nonce), ciphertext.beta + public_key * nonce)


def shuffle(
    context: bytes, public_key: Point, inputs: Sequence[Row], source: RandomSource | None = None
) -> tuple[list[Row], list[int], ShuffleProof]:
    """Shuffle ``inputs`` with a fresh random permutation and nonces; return (outputs, ψ, proof).

    ψ is returned for tests and must otherwise be forgotten: it links every output to its input.
    """
    source = source or SecretsSource()
    width = check_rows(inputs, "shuffle inputs")
    permutation = random_permutation(len(inputs), source)
    nonces = [tuple(source.scalar() for _ in range(width)) for _ in inputs]
    outputs = [
        tuple(reencrypt(public_key, ct, r) for ct, r in zip(inputs[j], nonces[i], strict=True))
        for i, j in enumerate(permutation)
    ]
    proof = prove_shuffle(context, public_key, inputs, outputs, permutation, nonces, source)
    return outputs, permutation, proof


def prove_shuffle(
    context: bytes,
    public_key: Point,
    inputs: Sequence[Row],
    outputs: Sequence[Row],
    permutation: Sequence[int],
    nonces: Sequence[Sequence[Scalar]],
    source: RandomSource | None = None,
) -> ShuffleProof:
    """Prove that output[i][k] = input[ψ(i)][k] + Enc(0; nonces[i][k]) with ψ = ``permutation``."""
    count = len(inputs)
    width = check_rows(inputs, "shuffle inputs")
    if check_rows(outputs, "shuffle outputs") != width or len(outputs) != count:
        raise ShuffleShapeError("inputs and outputs must have the same number of rows of the same width")
    if sorted(permutation) != list(range(count)):
        raise ParameterError("the permutation must list every input index once")
    if len(nonces) != count or any(len(r) != width for r in nonces):
        raise ParameterError("one nonce per output ciphertext")
    return _prove(context, public_key, inputs, outputs, permutation, nonces, source or SecretsSource())


@dataclass(frozen=True, slots=True)
class _Cheat:
    """How a cheating mixer deviates (tests only; the honest prover passes none).

    ``matrix``: the N×N matrix B the mixer uses instead of the permutation matrix (B[i][ψ(i)] = 1): it
    claims u'_i = Σ_j B[i][j]·u_j and commits to c_j = r_j·G + Σ_i B[i][j]·h_i, unless ``commit_permutation``,
    when it commits to the permutation honestly; ``forge_chain_end``: ĉ_N opens to Π u_j whatever u' is.
    """

    matrix: tuple[tuple[Scalar, ...], ...] | None = None
    commit_permutation: bool = False
    forge_chain_end: bool = False


def _prove(
    context: bytes,
    public_key: Point,
    inputs: Sequence[Row],
    outputs: Sequence[Row],
    permutation: Sequence[int],
    nonces: Sequence[Sequence[Scalar]],
    source: RandomSource,
    cheat: _Cheat | None = None,
) -> ShuffleProof:
    """The arithmetic of the prover, with no check of its witness (tests use it to play a cheating mixer)."""
    count, width = len(inputs), len(inputs[0])
    h = commitment_generators(count)
    big_h = independent_generator(GENERATOR_H_LABEL)
    cheat = cheat or _Cheat()

    # Commitment to the permutation matrix, column ψ(i) holding h_i: c_ψ(i) = r_ψ(i)·G + h_i.
    r = [source.scalar() for _ in range(count)]
    if cheat.matrix is None or cheat.commit_permutation:
        inverse = [0] * count
        for i, j in enumerate(permutation):
            inverse[j] = i
        commitments = [Point.base_mul(r[j]) + h[inverse[j]] for j in range(count)]
    else:
        matrix = cheat.matrix
        commitments = [Point.base_mul(r[j]) + multi_scalar_mul([row[j] for row in matrix], h) for j in range(count)]

    transcript = _statement_transcript(context, public_key, inputs, outputs, commitments)
    u = permutation_challenges(transcript, count)
    if cheat.matrix is None:
        u_prime = [u[j] for j in permutation]
    else:
        u_prime = [Scalar(sum(int(b) * int(x) for b, x in zip(row, u, strict=True))) for row in cheat.matrix]

    # Commitment chain ĉ_i = r̂_i·G + u'_i·ĉ_{i−1}, ĉ_0 = H.
    r_hat = [source.scalar() for _ in range(count)]
    chain = []
    previous = big_h
    for i in range(count):
        previous = generator_plus_mul(r_hat[i], u_prime[i], previous)
        chain.append(previous)
    if cheat.forge_chain_end:
        u_product = Scalar(1)
        for x in u:
            u_product = u_product * x
        chain[-1] = generator_plus_mul(r_hat[-1], u_product, big_h)

    # Aggregated witnesses: r̄ = Σ r_j, r̂ = Σ r̂_i·Π_{k>i} u'_k, r̃ = Σ r_j·u_j, r'_k = Σ ρ_{i,k}·u'_i.
    r_bar = sum((int(x) for x in r), 0)
    r_hat_sum = Scalar(0)
    suffix = Scalar(1)
    if cheat.forge_chain_end:
        r_hat_sum, count_links = r_hat[-1], 0
    else:
        count_links = count
    for i in range(count_links - 1, -1, -1):
        r_hat_sum = r_hat_sum + r_hat[i] * suffix
        suffix = suffix * u_prime[i]
    r_tilde = sum((int(a) * int(b) for a, b in zip(r, u, strict=True)), 0)
    r_prime = [sum((int(nonces[i][k]) * int(u_prime[i]) for i in range(count)), 0) for k in range(width)]

    omega1, omega2, omega3 = source.scalar(), source.scalar(), source.scalar()
    omega4 = [source.scalar() for _ in range(width)]
    omega_hat = [source.scalar() for _ in range(count)]
    omega_prime = [source.scalar() for _ in range(count)]

    t1 = Point.base_mul(omega1)
    t2 = Point.base_mul(omega2)
    t3 = Point.base_mul(omega3) + multi_scalar_mul(omega_prime, h)
    t4 = []
    for k in range(width):
        alphas = [row[k].alpha for row in outputs]
        betas = [row[k].beta for row in outputs]
        t4.append(
            (
                multi_scalar_mul(omega_prime, alphas) - Point.base_mul(omega4[k]),
                multi_scalar_mul(omega_prime, betas) - public_key * omega4[k],
            )
        )
    previous_chain = [big_h, *chain[:-1]]
    t_hat = [generator_plus_mul(omega_hat[i], omega_prime[i], previous_chain[i]) for i in range(count)]

    c = _final_challenge(transcript, chain, t1, t2, t3, t4, t_hat)
    return ShuffleProof(
        permutation_commitments=tuple(commitments),
        chain=tuple(chain),
        t1=t1,
        t2=t2,
        t3=t3,
        t4=tuple(t4),
        chain_commitments=tuple(t_hat),
        s1=omega1 + c * r_bar,
        s2=omega2 + c * r_hat_sum,
        s3=omega3 + c * r_tilde,
        s4=tuple(omega4[k] + c * r_prime[k] for k in range(width)),
        chain_responses=tuple(omega_hat[i] + c * r_hat[i] for i in range(count)),
        permutation_responses=tuple(omega_prime[i] + c * u_prime[i] for i in range(count)),
    )


# --------------------------------------------------------------------------------------------------
# Checker.
# --------------------------------------------------------------------------------------------------


def _weighted(factor: int, weights: Sequence[int], points: Sequence[Point]) -> list[tuple[int, Point]]:
    """The terms (factor·weight_j, point_j)."""
    return [(factor * x, point) for x, point in zip(weights, points, strict=True)]


def shuffle_relations(
    context: bytes, public_key: Point, inputs: Sequence[Row], outputs: Sequence[Row], proof: ShuffleProof
) -> list[Relation]:
    """The relations of spec §5 (raise `ShuffleShapeError` if the shapes disagree)."""
    if not isinstance(public_key, Point) or public_key.is_identity():
        raise InvalidProofError("the shuffle's public key must be a point other than the identity")
    count = len(inputs)
    width = check_rows(inputs, "shuffle inputs")
    if len(outputs) != count or check_rows(outputs, "shuffle outputs") != width:
        raise ShuffleShapeError(f"{count} rows went in but {len(outputs)} came out (or of another width)")
    if proof.count != count or proof.width != width:
        raise ShuffleShapeError(f"the proof covers {proof.count} rows of width {proof.width}, not {count} of {width}")
    h = commitment_generators(count)
    big_h = independent_generator(GENERATOR_H_LABEL)

    transcript = _statement_transcript(context, public_key, inputs, outputs, proof.permutation_commitments)
    u = [int(x) for x in permutation_challenges(transcript, count)]
    c = int(_final_challenge(transcript, proof.chain, proof.t1, proof.t2, proof.t3, proof.t4, proof.chain_commitments))
    minus_c = -c
    u_product = Scalar(1)
    for x in u:
        u_product = u_product * x
    s_prime = [int(s) for s in proof.permutation_responses]
    commitments = proof.permutation_commitments

    relations = [
        # t1 == s1·G − c·(Σ c_j − Σ h_i): every h_i is committed with total weight one (B's rows sum to one).
        Relation(proof.t1, int(proof.s1), ((minus_c, point_sum(commitments)), (c, point_sum(h)))),
        # t2 == s2·G − c·(ĉ_N − Π u_j·H): the chain ends in Π u_j, so u' is a permutation of u.
        Relation(proof.t2, int(proof.s2), ((minus_c, proof.chain[-1]), (c * int(u_product), big_h))),
        # t3 == s3·G + Σ s'_i·h_i − c·Σ u_j·c_j: the committed matrix maps u to the u' of the responses.
        Relation(
            proof.t3,
            int(proof.s3),
            (*zip(s_prime, h, strict=True), *_weighted(minus_c, u, commitments)),
        ),
    ]
    # t4 per column k: Σ s'_i·output_i − s4·(G, K) − c·Σ u_j·input_j; the outputs re-encrypt the permuted inputs.
    for k in range(width):
        t4_alpha, t4_beta = proof.t4[k]
        s4 = int(proof.s4[k])
        relations.append(
            Relation(
                t4_alpha,
                -s4,
                (
                    *zip(s_prime, (row[k].alpha for row in outputs), strict=True),
                    *_weighted(minus_c, u, [row[k].alpha for row in inputs]),
                ),
            )
        )
        relations.append(
            Relation(
                t4_beta,
                0,
                (
                    (-s4, public_key),
                    *zip(s_prime, (row[k].beta for row in outputs), strict=True),
                    *_weighted(minus_c, u, [row[k].beta for row in inputs]),
                ),
            )
        )
    # t̂_i == ŝ_i·G + s'_i·ĉ_{i−1} − c·ĉ_i: each chain link multiplies by the committed u'_i.
    previous = big_h
    for i in range(count):
        relations.append(
            Relation(
                proof.chain_commitments[i],
                int(proof.chain_responses[i]),
                ((s_prime[i], previous), (minus_c, proof.chain[i])),
            )
        )
        previous = proof.chain[i]
    return relations


def verify_shuffle(
    context: bytes, public_key: Point, inputs: Sequence[Row], outputs: Sequence[Row], proof: ShuffleProof
) -> None:
    """Raise unless ``proof`` shows that ``outputs`` is a re-encryption shuffle of ``inputs`` under ``context``.

    `ShuffleShapeError` (code ``shuffle_shape_mismatch``) if the counts or widths differ, `InvalidProofError`
    (code ``invalid_proof``) if the proof does not verify.
    """
    check_relations(shuffle_relations(context, public_key, inputs, outputs, proof), "the shuffle proof")
