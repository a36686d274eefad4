"""Non-interactive zero-knowledge proofs on P-256 (docs/spec/crypto.md, "Proofs").

Every proof is in *commitment form*: the prover sends its commitments and responses, the verifier
recomputes the challenge c from a `crypto.hashing.Transcript`. Keeping the commitments (rather than the
challenge) is what lets `crypto.batch` check thousands of proofs in one multi-scalar multiplication.

Strong Fiat–Shamir: the transcript of every proof starts with the context (the election base hash), its
kind is the proof's domain tag, and it binds the WHOLE statement (every base and public point) and then
every commitment, each under its own label. Points enter as 33-byte compressed SEC1, integers as u32
big-endian. Transcripts, in order (label = value):

===================== ====================================================================================
kind                  transcript fields after the context
===================== ====================================================================================
schnorr               G, K = public, a = commitment
chaum_pedersen        g1, h1, g2, h2, a1, a2
correct_decryption    G, K_i = trustee's public share, alpha, beta, M = decryption share, a1 (u·G), a2 (u·alpha)
zero_or_one, range,   G, K, alpha, beta, low (u32), high (u32), commitments = a_low‖b_low‖…‖a_high‖b_high
contest_limit
===================== ====================================================================================

Responses are v = u + c·x (u the prover's nonce, x its witness), so every check reads
``v·Base == commitment + c·Public``. Wire bytes (scalars 32-byte big-endian, each < n; points never the
identity): Schnorr ``a ‖ v`` (65); Chaum–Pedersen ``a1 ‖ a2 ‖ v`` (98); disjunctive with B branches
``(a_j ‖ b_j for each j) ‖ (c_j for all but the last j) ‖ (v_j for each j)`` (130·B − 32; 228 for 0/1).

Each check is expressed as `Relation`s, ``commitment == g·G + Σ kᵢ·Pᵢ``. `verify_*` checks the relations
of one proof as one random linear combination (`crypto.relations`, error 2^-128); `crypto.batch`
folds the relations of many proofs into one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from crypto.elgamal import Ciphertext, generator_plus_mul
from crypto.errors import InvalidPointError, InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import ORDER, POINT_BYTES, SCALAR_BYTES, Point, Scalar
from crypto.hashing import Transcript
from crypto.relations import Relation, check_relations

G: Final = Point.generator()

#: Transcript kinds (domain tags ``SHAILOO-V1/transcript/<kind>`` and ``SHAILOO-V1/challenge/<kind>``).
KIND_SCHNORR: Final = "schnorr"
KIND_CHAUM_PEDERSEN: Final = "chaum_pedersen"
KIND_DECRYPTION: Final = "correct_decryption"


# --------------------------------------------------------------------------------------------------
# Encoding helpers.
# --------------------------------------------------------------------------------------------------


def _nonce_or_random(nonce: Scalar | None) -> Scalar:
    if nonce is None:
        return Scalar.random()
    if not isinstance(nonce, Scalar) or nonce.is_zero():
        raise ParameterError("a proof nonce is a non-zero scalar")
    return nonce


def _check_length(data: bytes, expected: int, what: str) -> bytes:
    if not isinstance(data, bytes | bytearray) or len(data) != expected:
        raise NonCanonicalError(f"{what} is exactly {expected} bytes")
    return bytes(data)


def _require_points(what: str, *points: Point) -> None:
    for point in points:
        if not isinstance(point, Point) or point.is_identity():
            raise InvalidProofError(f"{what}: every statement point must be a point other than the identity")


def _check_proof_values(what: str, points: Sequence[Point], scalars: Sequence[Scalar]) -> None:
    """A proof object is valid by construction: commitments are non-identity points, responses scalars."""
    for point in points:
        if not isinstance(point, Point) or point.is_identity():
            raise InvalidPointError(f"{what}: a commitment must be a point other than the identity")
    for scalar in scalars:
        if not isinstance(scalar, Scalar):
            raise ParameterError(f"{what}: challenges and responses are scalars")


def read_points(data: bytes, offset: int, count: int) -> list[Point]:
    """``count`` consecutive non-identity compressed points starting at ``offset``."""
    return [Point.from_bytes(data[offset + i * POINT_BYTES : offset + (i + 1) * POINT_BYTES]) for i in range(count)]


def read_scalars(data: bytes, offset: int, count: int) -> list[Scalar]:
    """``count`` consecutive canonical scalars (each < n) starting at ``offset``."""
    return [Scalar.from_bytes(data[offset + i * SCALAR_BYTES : offset + (i + 1) * SCALAR_BYTES]) for i in range(count)]


# --------------------------------------------------------------------------------------------------
# Schnorr proof of knowledge of x with K = x·G.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Commitment a = u·G and response v = u + c·x. Bytes (65): ``a (33) || v (32)``."""

    commitment: Point
    response: Scalar

    SIZE: ClassVar[int] = POINT_BYTES + SCALAR_BYTES

    def __post_init__(self) -> None:
        _check_proof_values("Schnorr proof", (self.commitment,), (self.response,))

    def to_bytes(self) -> bytes:
        return self.commitment.to_bytes() + self.response.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> SchnorrProof:
        """Strict: 65 bytes, commitment on the curve and not the identity, response < n."""
        data = _check_length(data, cls.SIZE, "a Schnorr proof")
        return cls(Point.from_bytes(data[:POINT_BYTES]), Scalar.from_bytes(data[POINT_BYTES:]))


def schnorr_challenge(context: bytes, public: Point, commitment: Point) -> Scalar:
    """c = Transcript("schnorr", context): "G" = G, "K" = public, "a" = commitment."""
    return (
        Transcript(KIND_SCHNORR, context)
        .append_point("G", G)
        .append_point("K", public)
        .append_point("a", commitment)
        .challenge()
    )


def prove_knowledge(context: bytes, secret: Scalar, nonce: Scalar | None = None) -> SchnorrProof:
    """Prove knowledge of ``secret`` for the statement K = secret·G."""
    if not isinstance(secret, Scalar) or secret.is_zero():
        raise ParameterError("the secret of a Schnorr proof is a non-zero scalar")
    u = _nonce_or_random(nonce)
    commitment = Point.base_mul(u)
    c = schnorr_challenge(context, Point.base_mul(secret), commitment)
    return SchnorrProof(commitment, u + c * secret)


def knowledge_relations(context: bytes, public: Point, proof: SchnorrProof) -> list[Relation]:
    """The relation a == v·G − c·K."""
    _require_points("Schnorr proof", public, proof.commitment)
    c = schnorr_challenge(context, public, proof.commitment)
    return [Relation(proof.commitment, int(proof.response), ((-int(c), public),))]


def verify_knowledge(context: bytes, public: Point, proof: SchnorrProof) -> None:
    """Raise `InvalidProofError` unless ``proof`` shows knowledge of log_G(public) under ``context``."""
    check_relations(knowledge_relations(context, public, proof), "the Schnorr proof of knowledge")


# --------------------------------------------------------------------------------------------------
# Chaum–Pedersen proof of equal discrete logs: h1 = x·g1 and h2 = x·g2.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChaumPedersenProof:
    """Commitments a1 = u·g1, a2 = u·g2 and response v = u + c·x. Bytes (98): ``a1 || a2 || v``."""

    commitment1: Point
    commitment2: Point
    response: Scalar

    SIZE: ClassVar[int] = 2 * POINT_BYTES + SCALAR_BYTES

    def __post_init__(self) -> None:
        _check_proof_values("Chaum–Pedersen proof", (self.commitment1, self.commitment2), (self.response,))

    def to_bytes(self) -> bytes:
        return self.commitment1.to_bytes() + self.commitment2.to_bytes() + self.response.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> ChaumPedersenProof:
        """Strict: 98 bytes, both commitments on the curve and not the identity, response < n."""
        data = _check_length(data, cls.SIZE, "a Chaum–Pedersen proof")
        a1, a2 = read_points(data, 0, 2)
        return cls(a1, a2, Scalar.from_bytes(data[2 * POINT_BYTES :]))


def equal_dlog_challenge(
    context: bytes, base1: Point, public1: Point, base2: Point, public2: Point, a1: Point, a2: Point
) -> Scalar:
    """c = Transcript("chaum_pedersen", context): "g1", "h1", "g2", "h2", then "a1", "a2"."""
    return (
        Transcript(KIND_CHAUM_PEDERSEN, context)
        .append_point("g1", base1)
        .append_point("h1", public1)
        .append_point("g2", base2)
        .append_point("h2", public2)
        .append_point("a1", a1)
        .append_point("a2", a2)
        .challenge()
    )


def prove_equal_dlog(
    context: bytes, secret: Scalar, base1: Point, base2: Point, nonce: Scalar | None = None
) -> ChaumPedersenProof:
    """Prove log_{base1}(secret·base1) == log_{base2}(secret·base2)."""
    if not isinstance(secret, Scalar) or secret.is_zero():
        raise ParameterError("the secret of a Chaum–Pedersen proof is a non-zero scalar")
    _require_points("Chaum–Pedersen statement", base1, base2)
    u = _nonce_or_random(nonce)
    a1, a2 = base1 * u, base2 * u
    c = equal_dlog_challenge(context, base1, base1 * secret, base2, base2 * secret, a1, a2)
    return ChaumPedersenProof(a1, a2, u + c * secret)


def _pair_relations(
    proof: ChaumPedersenProof, c: Scalar, base1: Point, public1: Point, base2: Point, public2: Point
) -> list[Relation]:
    """a1 == v·g1 − c·h1 and a2 == v·g2 − c·h2 (a base equal to G goes through the generator table)."""
    v, minus_c = int(proof.response), -int(c)
    relations = []
    for commitment, base, public in ((proof.commitment1, base1, public1), (proof.commitment2, base2, public2)):
        if base == G:
            relations.append(Relation(commitment, v, ((minus_c, public),)))
        else:
            relations.append(Relation(commitment, 0, ((v, base), (minus_c, public))))
    return relations


def equal_dlog_relations(
    context: bytes, base1: Point, public1: Point, base2: Point, public2: Point, proof: ChaumPedersenProof
) -> list[Relation]:
    _require_points("Chaum–Pedersen proof", base1, public1, base2, public2, proof.commitment1, proof.commitment2)
    c = equal_dlog_challenge(context, base1, public1, base2, public2, proof.commitment1, proof.commitment2)
    return _pair_relations(proof, c, base1, public1, base2, public2)


def verify_equal_dlog(
    context: bytes, base1: Point, public1: Point, base2: Point, public2: Point, proof: ChaumPedersenProof
) -> None:
    """Raise `InvalidProofError` unless log_{base1}(public1) == log_{base2}(public2) is proved."""
    check_relations(equal_dlog_relations(context, base1, public1, base2, public2, proof), "the Chaum–Pedersen proof")


# --------------------------------------------------------------------------------------------------
# Correct (partial) decryption: share M = s·alpha where K_i = s·G.
# --------------------------------------------------------------------------------------------------


def decryption_challenge(
    context: bytes, public_share: Point, ciphertext: Ciphertext, share: Point, a1: Point, a2: Point
) -> Scalar:
    """c = Transcript("correct_decryption", context): "G", "K_i" = public_share, "alpha", "beta",
    "M" = share, then "a1" (= u·G), "a2" (= u·alpha)."""
    return (
        Transcript(KIND_DECRYPTION, context)
        .append_point("G", G)
        .append_point("K_i", public_share)
        .append_point("alpha", ciphertext.alpha)
        .append_point("beta", ciphertext.beta)
        .append_point("M", share)
        .append_point("a1", a1)
        .append_point("a2", a2)
        .challenge()
    )


def prove_correct_decryption(
    context: bytes, secret: Scalar, ciphertext: Ciphertext, nonce: Scalar | None = None
) -> tuple[Point, ChaumPedersenProof]:
    """The share M = secret·alpha and a proof that log_G(K_i) == log_alpha(M), K_i = secret·G.

    alpha must not be the identity (a ciphertext with alpha = identity, such as the tally of no ballots,
    needs no decryption: its m·G is beta). beta may be anything; it is bound into the challenge.
    """
    if not isinstance(secret, Scalar) or secret.is_zero():
        raise ParameterError("a decryption key share is a non-zero scalar")
    _require_points("decryption statement", ciphertext.alpha)
    u = _nonce_or_random(nonce)
    share = ciphertext.alpha * secret
    a1, a2 = Point.base_mul(u), ciphertext.alpha * u
    c = decryption_challenge(context, Point.base_mul(secret), ciphertext, share, a1, a2)
    return share, ChaumPedersenProof(a1, a2, u + c * secret)


def correct_decryption_relations(
    context: bytes, public_share: Point, ciphertext: Ciphertext, share: Point, proof: ChaumPedersenProof
) -> list[Relation]:
    _require_points(
        "decryption proof",
        public_share,
        ciphertext.alpha,
        share,
        proof.commitment1,
        proof.commitment2,
    )
    c = decryption_challenge(context, public_share, ciphertext, share, proof.commitment1, proof.commitment2)
    return _pair_relations(proof, c, G, public_share, ciphertext.alpha, share)


def verify_correct_decryption(
    context: bytes, public_share: Point, ciphertext: Ciphertext, share: Point, proof: ChaumPedersenProof
) -> None:
    """Raise `InvalidProofError` unless ``share`` = s·alpha for the s with ``public_share`` = s·G."""
    check_relations(
        correct_decryption_relations(context, public_share, ciphertext, share, proof), "the decryption proof"
    )


# --------------------------------------------------------------------------------------------------
# Disjunctive Chaum–Pedersen: (alpha, beta) encrypts some j in [low, high] under K.
# --------------------------------------------------------------------------------------------------

KIND_ZERO_OR_ONE: Final = "zero_or_one"
KIND_RANGE: Final = "range"
#: The largest number of branches a disjunctive proof may have (a contest limit or range of 0..255).
MAX_BRANCHES: Final = 256
#: Bytes of a 0/1 proof: 4 commitments, 1 challenge, 2 responses.
ZERO_OR_ONE_PROOF_BYTES: Final = 4 * POINT_BYTES + 3 * SCALAR_BYTES


def disjunctive_proof_size(branches: int) -> int:
    """66·B + 32·(2B − 1) bytes for B branches (B = 2: 228)."""
    return 2 * POINT_BYTES * branches + SCALAR_BYTES * (2 * branches - 1)


@dataclass(frozen=True, slots=True)
class DisjunctiveProof:
    """A disjunctive Chaum–Pedersen proof that a ciphertext encrypts one of low, low+1, …, high.

    For each branch j (value ``low + index``): commitments a_j, b_j and response v_j; challenges c_j for
    every branch but the last, whose challenge is c − Σ c_j. Branch j proves
    ``alpha = r·G`` and ``beta − j·G = r·K`` with the same r:

        v_j·G == a_j + c_j·alpha        v_j·K == b_j + c_j·(beta − j·G)

    Why commitment form: an encrypted selection with its 0/1 proof is 66 + 228 = 294 bytes (the
    challenge form, c_0, c_1, v_0, v_1, would be 66 + 128 = 194 bytes), but only the commitment form lets a
    verifier fold thousands of proofs into one multi-scalar multiplication, and both fit in 300 bytes.

    Bytes, B = high − low + 1 branches (B = 2 for a 0/1 proof: 228 bytes):
    ``a_low || b_low || … || a_high || b_high`` (33 each) ``|| c_low || … || c_{high−1}`` (32 each)
    ``|| v_low || … || v_high`` (32 each).
    """

    commitments: tuple[tuple[Point, Point], ...]
    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]

    def __post_init__(self) -> None:
        branches = len(self.commitments)
        if not 1 <= branches <= MAX_BRANCHES:
            raise ParameterError(f"a disjunctive proof has 1 to {MAX_BRANCHES} branches")
        if len(self.challenges) != branches - 1 or len(self.responses) != branches:
            raise ParameterError("a disjunctive proof has B commitment pairs, B − 1 challenges and B responses")
        _check_proof_values("disjunctive proof", self.commitment_points(), self.challenges + self.responses)

    @property
    def branches(self) -> int:
        return len(self.commitments)

    def commitment_points(self) -> list[Point]:
        """a_low, b_low, a_low+1, b_low+1, … in wire order."""
        return [point for pair in self.commitments for point in pair]

    def to_bytes(self) -> bytes:
        return b"".join(
            [p.to_bytes() for p in self.commitment_points()]
            + [c.to_bytes() for c in self.challenges]
            + [v.to_bytes() for v in self.responses]
        )

    @classmethod
    def from_bytes(cls, data: bytes, branches: int) -> DisjunctiveProof:
        """Strict: exact size for ``branches``, commitments on the curve and not the identity, scalars < n."""
        if not 1 <= branches <= MAX_BRANCHES:
            raise ParameterError(f"a disjunctive proof has 1 to {MAX_BRANCHES} branches")
        data = _check_length(data, disjunctive_proof_size(branches), f"a {branches}-branch disjunctive proof")
        points = read_points(data, 0, 2 * branches)
        scalars = read_scalars(data, 2 * branches * POINT_BYTES, 2 * branches - 1)
        return cls(
            tuple(zip(points[0::2], points[1::2], strict=True)),
            tuple(scalars[: branches - 1]),
            tuple(scalars[branches - 1 :]),
        )


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def disjunctive_challenge(
    kind: str, context: bytes, public_key: Point, ciphertext: Ciphertext, low: int, high: int, commitments: list[Point]
) -> Scalar:
    """c = Transcript(kind, context): "G", "K", "alpha", "beta", "low" (u32be), "high" (u32be),
    "commitments" = a_low || b_low || … || a_high || b_high (33 bytes each)."""
    return (
        Transcript(kind, context)
        .append_point("G", G)
        .append_point("K", public_key)
        .append_point("alpha", ciphertext.alpha)
        .append_point("beta", ciphertext.beta)
        .append("low", _u32(low))
        .append("high", _u32(high))
        .append_points("commitments", commitments)
        .challenge()
    )


def _check_bounds(low: int, high: int) -> None:
    if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high < 2**32):
        raise ParameterError("a disjunctive proof needs 0 <= low <= high < 2^32")
    if high - low + 1 > MAX_BRANCHES:
        raise ParameterError(f"a disjunctive proof has at most {MAX_BRANCHES} branches")


def prove_disjunctive(
    kind: str,
    context: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    low: int,
    high: int,
    message: int,
    nonce: Scalar,
    proof_nonces: Sequence[Scalar] | None = None,
) -> DisjunctiveProof:
    """Prove that ``ciphertext`` = Enc_K(message; nonce) with low <= message <= high.

    ``proof_nonces`` (tests only; random when None) has 2B − 1 scalars: u for the real branch, then
    (c_j, v_j) for each simulated branch j in increasing order.

    The prover uses its knowledge of r to turn every commitment into at most one G-table multiplication
    and one multiplication by K: a_j = (v_j − c_j·r)·G and b_j = (v_j − c_j·r)·K − c_j·(m − j)·G.
    """
    _check_bounds(low, high)
    if not low <= message <= high:
        raise ParameterError(f"the message {message} is outside [{low}, {high}]")
    _require_points("disjunctive statement", public_key, ciphertext.alpha, ciphertext.beta)
    if not isinstance(nonce, Scalar) or nonce.is_zero():
        raise ParameterError("the encryption nonce is a non-zero scalar")
    branches = high - low + 1
    if proof_nonces is None:
        proof_nonces = [Scalar.random() for _ in range(2 * branches - 1)]
    if len(proof_nonces) != 2 * branches - 1 or proof_nonces[0].is_zero():
        raise ParameterError(f"a {branches}-branch proof takes {2 * branches - 1} nonces, the first non-zero")
    u, simulated = proof_nonces[0], iter(proof_nonces[1:])
    r = int(nonce)
    commitments: list[tuple[Point, Point]] = []
    fake: dict[int, tuple[Scalar, Scalar]] = {}
    for j in range(low, high + 1):
        if j == message:
            commitments.append((Point.base_mul(u), public_key * u))
            continue
        c_j, v_j = next(simulated), next(simulated)
        fake[j] = (c_j, v_j)
        w = v_j - c_j * r  # so that v_j·G − c_j·alpha = w·G
        commitments.append((Point.base_mul(w), generator_plus_mul(-(c_j * (message - j)), w, public_key)))
    c = disjunctive_challenge(
        kind, context, public_key, ciphertext, low, high, [p for pair in commitments for p in pair]
    )
    c_real = c - sum((c_j for c_j, _ in fake.values()), Scalar(0))
    challenges = [fake[j][0] if j != message else c_real for j in range(low, high + 1)]
    responses = [fake[j][1] if j != message else u + c_real * r for j in range(low, high + 1)]
    return DisjunctiveProof(tuple(commitments), tuple(challenges[:-1]), tuple(responses))


def disjunctive_relations(
    kind: str, context: bytes, public_key: Point, ciphertext: Ciphertext, low: int, high: int, proof: DisjunctiveProof
) -> list[Relation]:
    """The 2B relations of a disjunctive proof after recomputing its challenge:
    a_j == v_j·G − c_j·alpha and b_j == c_j·j·G + v_j·K − c_j·beta."""
    _check_bounds(low, high)
    if proof.branches != high - low + 1:
        raise InvalidProofError(f"the proof has {proof.branches} branches, the statement needs {high - low + 1}")
    _require_points("disjunctive proof", public_key, ciphertext.alpha, ciphertext.beta)
    commitments = proof.commitment_points()
    c = disjunctive_challenge(kind, context, public_key, ciphertext, low, high, commitments)
    challenges = [int(x) for x in proof.challenges]
    challenges.append((int(c) - sum(challenges)) % ORDER)
    relations = []
    for index, ((a_j, b_j), c_j, v_j) in enumerate(zip(proof.commitments, challenges, proof.responses, strict=True)):
        v = int(v_j)
        relations.append(Relation(a_j, v, ((-c_j, ciphertext.alpha),)))
        relations.append(Relation(b_j, c_j * (low + index), ((v, public_key), (-c_j, ciphertext.beta))))
    return relations


def prove_zero_or_one(
    context: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    message: int,
    nonce: Scalar,
    proof_nonces: Sequence[Scalar] | None = None,
) -> DisjunctiveProof:
    """Prove that ``ciphertext`` = Enc_K(message; nonce) encrypts 0 or 1 (kind "zero_or_one", 228 bytes).

    ``proof_nonces`` (tests only) is (u, c_sim, v_sim): the real branch's nonce, then the simulated
    branch's challenge and response.
    """
    return prove_disjunctive(KIND_ZERO_OR_ONE, context, public_key, ciphertext, 0, 1, message, nonce, proof_nonces)


def zero_or_one_relations(
    context: bytes, public_key: Point, ciphertext: Ciphertext, proof: DisjunctiveProof
) -> list[Relation]:
    return disjunctive_relations(KIND_ZERO_OR_ONE, context, public_key, ciphertext, 0, 1, proof)


def verify_zero_or_one(context: bytes, public_key: Point, ciphertext: Ciphertext, proof: DisjunctiveProof) -> None:
    """Raise `InvalidProofError` unless ``proof`` shows that ``ciphertext`` encrypts 0 or 1 under K."""
    check_relations(zero_or_one_relations(context, public_key, ciphertext, proof), "the 0-or-1 proof")


def prove_range(
    context: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    message: int,
    nonce: Scalar,
    max_value: int,
    proof_nonces: Sequence[Scalar] | None = None,
) -> DisjunctiveProof:
    """Prove that ``ciphertext`` encrypts a value in 0..max_value (kind "range", max_value + 1 branches)."""
    return prove_disjunctive(KIND_RANGE, context, public_key, ciphertext, 0, max_value, message, nonce, proof_nonces)


def verify_range(
    context: bytes, public_key: Point, ciphertext: Ciphertext, max_value: int, proof: DisjunctiveProof
) -> None:
    """Raise `InvalidProofError` unless ``proof`` shows that ``ciphertext`` encrypts a value in 0..max_value."""
    relations = disjunctive_relations(KIND_RANGE, context, public_key, ciphertext, 0, max_value, proof)
    check_relations(relations, "the range proof")
