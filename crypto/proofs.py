"""Non-interactive zero-knowledge proofs on P-256 (docs/spec/crypto.md, "Proofs").

Every proof is in *commitment form*: the prover sends its commitments and responses, the verifier
recomputes the challenge c from a `crypto.hashing.Transcript`. Keeping the commitments (rather than the
challenge) is what lets `crypto.batch` check thousands of proofs in one multi-scalar multiplication.

Strong Fiat–Shamir: the transcript of every proof starts with the context (the election base hash), its
kind is the proof's domain tag, and it binds the WHOLE statement and then every commitment, each under
its own label, in the order given in each docstring below. Points enter as 33-byte compressed SEC1.

Responses are v = u + c·x (u the prover's nonce, x its witness), so every check reads
``v·Base == commitment + c·Public``.

Each check is expressed as `Relation`s, ``commitment == g·G + Σ kᵢ·Pᵢ``: `verify_*` checks each relation
exactly, and `crypto.batch` folds the relations of many proofs into one random linear combination.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Final

from petlib.bindings import _C
from petlib.bn import Bn, get_ctx
from petlib.ec import EcPt

from crypto.elgamal import Ciphertext
from crypto.errors import InvalidPointError, InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import GROUP, ORDER, POINT_BYTES, SCALAR_BYTES, Point, Scalar
from crypto.hashing import Transcript

G: Final = Point.generator()

#: Transcript kinds (domain tags ``SHAILOO-V1/transcript/<kind>`` and ``SHAILOO-V1/challenge/<kind>``).
KIND_SCHNORR: Final = "schnorr"
KIND_CHAUM_PEDERSEN: Final = "chaum_pedersen"
KIND_DECRYPTION: Final = "correct_decryption"


# --------------------------------------------------------------------------------------------------
# Relations: what a verifier checks, in a form the batch verifier can combine.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Relation:
    """``commitment == generator_coefficient·G + Σ coefficient·point`` (coefficients as ints mod n)."""

    commitment: Point
    generator_coefficient: int
    terms: tuple[tuple[int, Point], ...] = field(default=())


def _bn(value: int) -> Bn:
    return Bn.from_binary((value % ORDER).to_bytes(SCALAR_BYTES, "big"))


def linear_combination(generator_coefficient: int, terms: Sequence[tuple[int, Point]]) -> Point:
    """g·G + Σ kᵢ·Pᵢ in one OpenSSL ``EC_POINTs_mul`` (G through its precomputed table)."""
    result = EcPt(GROUP)
    # Keep every Bn referenced until the call returns: petlib frees the BIGNUM when the Bn is collected.
    g_bn = _bn(generator_coefficient)
    bns = [_bn(k) for k, _ in terms]
    points = [p for _, p in terms]
    ok = _C.EC_POINTs_mul(
        GROUP.ecg,
        result.pt,
        g_bn.bn,
        len(terms),
        [p.ec_point.pt for p in points],
        [b.bn for b in bns],
        get_ctx().bnctx,
    )
    if ok != 1:  # pragma: no cover - OpenSSL failure
        raise InvalidPointError("OpenSSL failed a multi-scalar multiplication")
    return Point(result)


def relation_holds(relation: Relation) -> bool:
    """Evaluate one relation exactly (no randomness)."""
    return linear_combination(relation.generator_coefficient, relation.terms) == relation.commitment


def check_relations(relations: Sequence[Relation], what: str) -> None:
    """Raise `InvalidProofError` naming ``what`` unless every relation holds."""
    for relation in relations:
        if not relation_holds(relation):
            raise InvalidProofError(f"{what} does not verify")


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
