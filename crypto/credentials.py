"""Credentials that can be faked, and their deterministic tags (JCJ / Civitas style; docs/spec/credentials.md).

A voter's secret credential is a scalar s; its public credential is S = s·G. Under the election key K:

* **Encrypted credential** ``Enc_K(S; r) = (r·G, S + r·K)`` — exactly exponential ElGamal of the "message" s, so
  `crypto.elgamal.encrypt(K, s, r)` makes it and everything that shuffles or decrypts ciphertexts handles it.
* **Designated-verifier proof** that a roster entry (an encrypted credential) holds S, made by the registrar for the
  voter whose device key is V = v·G: "I know r with (alpha, beta − S) = (r·G, r·K), OR I know v". The registrar
  proves the first branch; the voter's device, which knows v, can prove the second for ANY S′ — so it can make a
  fake credential s′ with a proof that looks exactly like the real one, and nobody but the voter can tell which
  is which (`prove_roster_credential` / `simulate_roster_credential` / `verify_roster_credential`).
* **Proof of knowledge of an encrypted credential** on a ballot: knowledge of (r, s) with
  (alpha, beta) = (r·G, s·G + r·K), bound to the ballot by the context, so a copied encrypted credential is useless
  on another ballot (`prove_credential_knowledge` / `verify_credential_knowledge`).
* **Blinding** for tags: trustee j with secret z_j and public Z_j = z_j·G raises a ciphertext to z_j,
  (alpha, beta) → (z_j·alpha, z_j·beta), proving one discrete log across G, alpha and beta
  (`blind` / `verify_blinding`). After every trustee, the ciphertext encrypts z·S with z = Π z_j; decrypting it
  gives the **tag** z·S: equal credentials give equal tags, and without z nobody can link a tag to S.
* **Keeping the last ballot** of several with one credential: the trustees blind the board's ballots, in board
  order and before any mix, with a first, separate set of exponents y_j and decrypt these **order tags** y·S;
  `keep_last` keeps the last ballot of each order tag in one pass. The **match tags** z·S after the mix use fresh
  exponents, so an order tag links to no match tag (credentials.md §5).

All proofs are in commitment form with strong Fiat–Shamir transcripts (crypto.md §3.3) and are checked as
`crypto.relations.Relation`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from crypto.elgamal import Ciphertext, encrypt
from crypto.errors import InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import POINT_BYTES, SCALAR_BYTES, Point, Scalar
from crypto.hashing import Transcript
from crypto.proofs import read_points, read_scalars
from crypto.relations import Relation, check_relations

G: Final = Point.generator()
KIND_ROSTER: Final = "roster_credential"
KIND_KNOWLEDGE: Final = "credential_knowledge"
KIND_BLINDING: Final = "credential_blinding"


def _nonzero(value: Scalar | None) -> Scalar:
    if value is None:
        return Scalar.random()
    if not isinstance(value, Scalar) or value.is_zero():
        raise ParameterError("a proof nonce is a non-zero scalar")
    return value


def _points(what: str, *points: Point) -> None:
    for point in points:
        if not isinstance(point, Point) or point.is_identity():
            raise InvalidProofError(f"{what}: every point must be a point other than the identity")


def public_credential(secret: Scalar) -> Point:
    """S = s·G."""
    if secret.is_zero():
        raise ParameterError("a credential is a non-zero scalar")
    return Point.base_mul(secret)


def encrypt_credential(public_key: Point, secret: Scalar, nonce: Scalar) -> Ciphertext:
    """Enc_K(S; r) = (r·G, s·G + r·K)."""
    if secret.is_zero():
        raise ParameterError("a credential is a non-zero scalar")
    return encrypt(public_key, int(secret), nonce)


# --------------------------------------------------------------------------------------------------
# Designated-verifier proof that a roster entry holds S.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterProof:
    """OR-proof: branch A (a1 = u·G, a2 = u·K; knowledge of r) or branch B (b = w·G; knowledge of v).

    Bytes (195): ``a1 ‖ a2 ‖ b ‖ c_A ‖ z_A ‖ z_B``; c_B = c − c_A.
    """

    a1: Point
    a2: Point
    b: Point
    challenge_a: Scalar
    response_a: Scalar
    response_b: Scalar

    SIZE: ClassVar[int] = 3 * POINT_BYTES + 3 * SCALAR_BYTES

    def __post_init__(self) -> None:
        _points("a roster credential proof", self.a1, self.a2, self.b)

    def to_bytes(self) -> bytes:
        points = self.a1.to_bytes() + self.a2.to_bytes() + self.b.to_bytes()
        return points + self.challenge_a.to_bytes() + self.response_a.to_bytes() + self.response_b.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> RosterProof:
        if not isinstance(data, bytes | bytearray) or len(data) != cls.SIZE:
            raise NonCanonicalError(f"a roster credential proof is exactly {cls.SIZE} bytes")
        a1, a2, b = read_points(bytes(data), 0, 3)
        c_a, z_a, z_b = read_scalars(bytes(data), 3 * POINT_BYTES, 3)
        return cls(a1, a2, b, c_a, z_a, z_b)


def _roster_challenge(
    context: bytes,
    public_key: Point,
    credential: Point,
    entry: Ciphertext,
    verifier: Point,
    a1: Point,
    a2: Point,
    b: Point,
) -> Scalar:
    return (
        Transcript(KIND_ROSTER, context)
        .append_point("G", G)
        .append_point("K", public_key)
        .append_point("S", credential)
        .append_point("alpha", entry.alpha)
        .append_point("beta", entry.beta)
        .append_point("V", verifier)
        .append_points("commitments", (a1, a2, b))
        .challenge()
    )


def prove_roster_credential(
    context: bytes,
    public_key: Point,
    secret: Scalar,
    entry: Ciphertext,
    nonce: Scalar,
    verifier: Point,
    nonces: tuple[Scalar, Scalar, Scalar] | None = None,
) -> RosterProof:
    """The registrar's proof, for the device whose key is ``verifier`` = V, that ``entry`` = Enc(s·G; nonce)."""
    u, c_b, z_b = nonces or (Scalar.random(), Scalar.random(), Scalar.random())
    credential = public_credential(secret)
    if encrypt_credential(public_key, secret, nonce) != entry:
        raise ParameterError("the roster entry is not the encryption of this credential under this nonce")
    a1, a2 = Point.base_mul(_nonzero(u)), public_key * u
    b = Point.base_mul(z_b) - verifier * c_b  # branch B simulated
    c = _roster_challenge(context, public_key, credential, entry, verifier, a1, a2, b)
    c_a = c - c_b
    return RosterProof(a1, a2, b, c_a, u + c_a * nonce, z_b)


def simulate_roster_credential(
    context: bytes,
    public_key: Point,
    claimed: Point,
    entry: Ciphertext,
    verifier_secret: Scalar,
    nonces: tuple[Scalar, Scalar, Scalar] | None = None,
) -> RosterProof:
    """The device's proof that ``entry`` holds ``claimed`` (any point: a fake credential's S′), made with v.

    It verifies exactly like the registrar's: to anyone but the device it is a proof that the entry holds S′.
    """
    w, c_a, z_a = nonces or (Scalar.random(), Scalar.random(), Scalar.random())
    verifier = Point.base_mul(verifier_secret)
    a1 = Point.base_mul(z_a) - entry.alpha * c_a  # branch A simulated
    a2 = public_key * z_a - (entry.beta - claimed) * c_a
    b = Point.base_mul(_nonzero(w))
    c = _roster_challenge(context, public_key, claimed, entry, verifier, a1, a2, b)
    c_b = c - c_a
    return RosterProof(a1, a2, b, c_a, z_a, w + c_b * verifier_secret)


def roster_credential_relations(
    context: bytes, public_key: Point, credential: Point, entry: Ciphertext, verifier: Point, proof: RosterProof
) -> list[Relation]:
    _points("a roster credential statement", public_key, credential, entry.alpha, entry.beta, verifier)
    c = _roster_challenge(context, public_key, credential, entry, verifier, proof.a1, proof.a2, proof.b)
    c_a, c_b = int(proof.challenge_a), int(c - proof.challenge_a)
    z_a = int(proof.response_a)
    return [
        Relation(proof.a1, z_a, ((-c_a, entry.alpha),)),  # z_A·G = a1 + c_A·alpha
        Relation(proof.a2, 0, ((z_a, public_key), (-c_a, entry.beta), (c_a, credential))),  # z_A·K = a2 + c_A·(β−S)
        Relation(proof.b, int(proof.response_b), ((-c_b, verifier),)),  # z_B·G = b + c_B·V
    ]


def verify_roster_credential(
    context: bytes, public_key: Point, credential: Point, entry: Ciphertext, verifier: Point, proof: RosterProof
) -> None:
    """Raise `InvalidProofError` unless the proof shows (to the holder of log V alone) that ``entry`` holds S."""
    check_relations(
        roster_credential_relations(context, public_key, credential, entry, verifier, proof),
        "the roster credential proof",
    )


# --------------------------------------------------------------------------------------------------
# Proof of knowledge of (r, s) for an encrypted credential on a ballot.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnowledgeProof:
    """a1 = u1·G, a2 = u2·G + u1·K; v1 = u1 + c·r, v2 = u2 + c·s. Bytes (130): ``a1 ‖ a2 ‖ v1 ‖ v2``."""

    a1: Point
    a2: Point
    v1: Scalar
    v2: Scalar

    SIZE: ClassVar[int] = 2 * POINT_BYTES + 2 * SCALAR_BYTES

    def __post_init__(self) -> None:
        _points("a credential knowledge proof", self.a1, self.a2)

    def to_bytes(self) -> bytes:
        return self.a1.to_bytes() + self.a2.to_bytes() + self.v1.to_bytes() + self.v2.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> KnowledgeProof:
        if not isinstance(data, bytes | bytearray) or len(data) != cls.SIZE:
            raise NonCanonicalError(f"a credential knowledge proof is exactly {cls.SIZE} bytes")
        a1, a2 = read_points(bytes(data), 0, 2)
        v1, v2 = read_scalars(bytes(data), 2 * POINT_BYTES, 2)
        return cls(a1, a2, v1, v2)


def _knowledge_challenge(context: bytes, public_key: Point, ct: Ciphertext, a1: Point, a2: Point) -> Scalar:
    return (
        Transcript(KIND_KNOWLEDGE, context)
        .append_point("G", G)
        .append_point("K", public_key)
        .append_point("alpha", ct.alpha)
        .append_point("beta", ct.beta)
        .append_points("commitments", (a1, a2))
        .challenge()
    )


def prove_credential_knowledge(
    context: bytes,
    public_key: Point,
    ct: Ciphertext,
    secret: Scalar,
    nonce: Scalar,
    nonces: tuple[Scalar, Scalar] | None = None,
) -> KnowledgeProof:
    """Prove knowledge of (nonce, secret) with ct = Enc(secret·G; nonce); ``context`` binds the ballot."""
    u1, u2 = nonces or (Scalar.random(), Scalar.random())
    a1 = Point.base_mul(_nonzero(u1))
    a2 = Point.base_mul(_nonzero(u2)) + public_key * u1
    c = _knowledge_challenge(context, public_key, ct, a1, a2)
    return KnowledgeProof(a1, a2, u1 + c * nonce, u2 + c * secret)


def credential_knowledge_relations(
    context: bytes, public_key: Point, ct: Ciphertext, proof: KnowledgeProof
) -> list[Relation]:
    _points("a credential knowledge statement", public_key, ct.alpha, ct.beta)
    c = int(_knowledge_challenge(context, public_key, ct, proof.a1, proof.a2))
    return [
        Relation(proof.a1, int(proof.v1), ((-c, ct.alpha),)),  # v1·G = a1 + c·alpha
        Relation(proof.a2, int(proof.v2), ((int(proof.v1), public_key), (-c, ct.beta))),  # v2·G + v1·K = a2 + c·β
    ]


def verify_credential_knowledge(context: bytes, public_key: Point, ct: Ciphertext, proof: KnowledgeProof) -> None:
    check_relations(credential_knowledge_relations(context, public_key, ct, proof), "the credential knowledge proof")


# --------------------------------------------------------------------------------------------------
# Blinding by a trustee's exponent, for deterministic tags.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlindingProof:
    """One discrete log across G, alpha, beta: a0 = u·G, a1 = u·alpha, a2 = u·beta, v = u + c·z. Bytes (131)."""

    a0: Point
    a1: Point
    a2: Point
    v: Scalar

    SIZE: ClassVar[int] = 3 * POINT_BYTES + SCALAR_BYTES

    def __post_init__(self) -> None:
        _points("a blinding proof", self.a0, self.a1, self.a2)

    def to_bytes(self) -> bytes:
        return self.a0.to_bytes() + self.a1.to_bytes() + self.a2.to_bytes() + self.v.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> BlindingProof:
        if not isinstance(data, bytes | bytearray) or len(data) != cls.SIZE:
            raise NonCanonicalError(f"a blinding proof is exactly {cls.SIZE} bytes")
        a0, a1, a2 = read_points(bytes(data), 0, 3)
        return cls(a0, a1, a2, Scalar.from_bytes(bytes(data)[3 * POINT_BYTES :]))


def _blinding_challenge(
    context: bytes, exponent_key: Point, before: Ciphertext, after: Ciphertext, a0: Point, a1: Point, a2: Point
) -> Scalar:
    return (
        Transcript(KIND_BLINDING, context)
        .append_point("G", G)
        .append_point("Z", exponent_key)
        .append_points("before", (before.alpha, before.beta))
        .append_points("after", (after.alpha, after.beta))
        .append_points("commitments", (a0, a1, a2))
        .challenge()
    )


def blind(
    context: bytes, exponent: Scalar, ct: Ciphertext, nonce: Scalar | None = None
) -> tuple[Ciphertext, BlindingProof]:
    """(z·alpha, z·beta) and the proof that z = log_G Z for the trustee's published Z = z·G."""
    if exponent.is_zero():
        raise ParameterError("a blinding exponent is a non-zero scalar")
    u = _nonzero(nonce)
    after = Ciphertext(ct.alpha * exponent, ct.beta * exponent)
    a0, a1, a2 = Point.base_mul(u), ct.alpha * u, ct.beta * u
    c = _blinding_challenge(context, Point.base_mul(exponent), ct, after, a0, a1, a2)
    return after, BlindingProof(a0, a1, a2, u + c * exponent)


def blinding_relations(
    context: bytes, exponent_key: Point, before: Ciphertext, after: Ciphertext, proof: BlindingProof
) -> list[Relation]:
    _points("a blinding statement", exponent_key, before.alpha, before.beta, after.alpha, after.beta)
    c = int(_blinding_challenge(context, exponent_key, before, after, proof.a0, proof.a1, proof.a2))
    v = int(proof.v)
    return [
        Relation(proof.a0, v, ((-c, exponent_key),)),
        Relation(proof.a1, 0, ((v, before.alpha), (-c, after.alpha))),
        Relation(proof.a2, 0, ((v, before.beta), (-c, after.beta))),
    ]


def verify_blinding(
    context: bytes, exponent_key: Point, before: Ciphertext, after: Ciphertext, proof: BlindingProof
) -> None:
    check_relations(blinding_relations(context, exponent_key, before, after, proof), "the blinding proof")


# --------------------------------------------------------------------------------------------------
# Matching tags in linear time.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LastBallots:
    """Positions (in board order) of the ballots kept — the last of each order tag (the first without re-voting) —
    and of the others with the same order tag ("superseded"), both ascending."""

    kept: tuple[int, ...]
    superseded: tuple[int, ...]


def keep_last(order_tags: Sequence[Point]) -> LastBallots:
    """Of several ballots with one order tag (one credential, real or fake) keep the last in board order: one pass
    filling a hash map tag → last position, one pass reading it (no pairwise comparison)."""
    return _keep_one(order_tags, last=True)


def keep_first(order_tags: Sequence[Point]) -> LastBallots:
    """Of several ballots with one order tag keep the first in board order (an election without re-voting); the
    later ones are in ``superseded``. Linear like `keep_last`."""
    return _keep_one(order_tags, last=False)


def _keep_one(order_tags: Sequence[Point], *, last: bool) -> LastBallots:
    chosen: dict[bytes, int] = {}
    for position, tag in enumerate(order_tags):
        if last:
            chosen[tag.to_bytes()] = position
        else:
            chosen.setdefault(tag.to_bytes(), position)
    final = set(chosen.values())
    kept = tuple(p for p in range(len(order_tags)) if p in final)
    superseded = tuple(p for p in range(len(order_tags)) if p not in final)
    return LastBallots(kept, superseded)


def linked_tags(order_tags: Sequence[Point], match_tags: Sequence[Point]) -> list[int]:
    """Positions in ``match_tags`` of the tags that are also order tags. With fresh exponents there are none (an
    equal point means y·S = z·S′); one would link a mixed ballot to its board ballot and undo the mix."""
    order = {tag.to_bytes() for tag in order_tags}
    return [i for i, tag in enumerate(match_tags) if tag.to_bytes() in order]


@dataclass(frozen=True)
class TagMatch:
    """Positions (in the mixed ballot list) of the ballots kept, of those whose tag is on no roster entry (fake
    or unregistered credentials), and of those dropped because another ballot with the same tag was kept."""

    kept: tuple[int, ...]
    unmatched: tuple[int, ...]
    duplicates: tuple[int, ...]


def match_tags(ballot_tags: Sequence[Point], roster_tags: Sequence[Point]) -> TagMatch:
    """One pass over each list with a hash set (no pairwise comparison). Of several ballots with one tag the first
    in the mixed list is kept: after the mix that order is random, so which one counts would be chosen by chance.
    The election's tally removes repeats before the mix (`keep_last`), so none reach this function there."""
    roster = {tag.to_bytes() for tag in roster_tags}
    seen: set[bytes] = set()
    kept, unmatched, duplicates = [], [], []
    for position, tag in enumerate(ballot_tags):
        key = tag.to_bytes()
        if key not in roster:
            unmatched.append(position)
        elif key in seen:
            duplicates.append(position)
        else:
            seen.add(key)
            kept.append(position)
    return TagMatch(tuple(kept), tuple(unmatched), tuple(duplicates))
