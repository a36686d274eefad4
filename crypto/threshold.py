"""Dealer-free k-of-n threshold ElGamal on P-256: Feldman VSS, Pedersen DKG, threshold decryption.

docs/spec/threshold.md gives every encoding and domain tag. Trustees are numbered 1..n; any k of them decrypt.
Each step has its check beside it, and randomness is passed in (tests) or drawn from `secrets`:

1. `dkg_step1` — trustee j picks f_j(x) = a_{j,0} + … + a_{j,k−1}·x^{k−1} and a share-encryption key y_j, and
   publishes a `TrusteeCommitment`: C_{j,t} = a_{j,t}·G, Y_j = y_j·G, Schnorr proofs of knowledge of a_{j,0}
   and y_j. Checked by `dkg_step1_check` / `dkg_check_commitments`.
2. `dkg_step2` — trustee j sends s_{j→i} = f_j(i) to every other trustee i, encrypted to Y_i
   (`crypto.share_encryption`).
3. `dkg_step3` — trustee i decrypts and checks every received share against C_{j,·} (`check_share`); a bad one
   becomes a `Complaint` that opens the encrypted share for everyone. `check_complaint` says who cheated.
4. `dkg_finish` — over the qualified dealers Q: K = Σ_{j∈Q} C_{j,0}, x_i = Σ_{j∈Q} s_{j→i}, and every
   X_i = Σ_{j∈Q} Σ_t C_{j,t}·i^t (`public_share`, computable by anyone).

Decryption: trustee i publishes M_i = x_i·alpha with a Chaum–Pedersen proof (`compute_decryption_share`,
`check_decryption_share`); any k shares combine by Lagrange interpolation at 0 into m·G = beta − Σ λ_i·M_i.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeVar

from crypto.batch import BatchVerifier
from crypto.elgamal import Ciphertext
from crypto.errors import (
    DecryptionError,
    InvalidProofError,
    InvalidShareError,
    NonCanonicalError,
    ParameterError,
)
from crypto.group import POINT_BYTES, Point, Scalar, multi_scalar_mul, point_sum
from crypto.hashing import hash_fields
from crypto.proofs import (
    ChaumPedersenProof,
    SchnorrProof,
    prove_correct_decryption,
    prove_knowledge,
    verify_correct_decryption,
    verify_knowledge,
)
from crypto.share_encryption import (
    EncryptedShare,
    check_index,
    decrypt_share,
    encrypt_share,
    open_share,
    reveal_shared_point,
    u32,
    verify_shared_point,
)
from crypto.strict_json import Field, MalformedFieldError, crypto_error

COEFFICIENT_POK_TAG: Final = "dkg/coefficient-pok"
SHARE_KEY_POK_TAG: Final = "dkg/share-key-pok"
MAX_TRUSTEES: Final = 255


# --------------------------------------------------------------------------------------------------
# Feldman verifiable secret sharing
# --------------------------------------------------------------------------------------------------


def check_parameters(n: int, k: int) -> None:
    """1 <= k <= n <= 255."""
    for name, value in (("n", n), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"{name} must be an integer")
    if not 1 <= k <= n <= MAX_TRUSTEES:
        raise ParameterError(f"need 1 <= k <= n <= {MAX_TRUSTEES}, got n={n}, k={k}")


def evaluate_polynomial(coefficients: Sequence[Scalar], x: int) -> Scalar:
    """f(x) = Σ a_t·x^t mod n (Horner)."""
    result = Scalar(0)
    for coefficient in reversed(coefficients):
        result = result * x + coefficient
    return result


def feldman_commitments(coefficients: Sequence[Scalar]) -> tuple[Point, ...]:
    """C_t = a_t·G for every coefficient."""
    return tuple(Point.base_mul(a) for a in coefficients)


def share_commitment(index: int, commitments: Sequence[Point]) -> Point:
    """Σ_t C_t·index^t: the point s·G that the share s = f(index) must match."""
    powers = [Scalar(pow(index, t)) for t in range(len(commitments))]
    return multi_scalar_mul(powers, list(commitments))


def check_share(index: int, share: Scalar, commitments: Sequence[Point]) -> None:
    """Raise `InvalidShareError` unless share·G = Σ_t C_t·index^t (Feldman's check)."""
    check_index(index)
    if not isinstance(share, Scalar) or Point.base_mul(share) != share_commitment(index, commitments):
        raise InvalidShareError(f"the share for trustee {index} does not match the dealer's commitments")


# --------------------------------------------------------------------------------------------------
# Step 1: commitments and proofs of knowledge
# --------------------------------------------------------------------------------------------------


def _pok_context(tag: str, context: bytes, index: int, n: int, k: int) -> bytes:
    """hash_fields(tag, context, u32(index), u32(n), u32(k)): one proof per trustee, never replayable."""
    return hash_fields(tag, context, u32(index), u32(n), u32(k))


@dataclass(frozen=True)
class TrusteeSecretState:
    """What trustee ``index`` keeps secret between the steps: its polynomial and its share-encryption key."""

    index: int
    n: int
    k: int
    coefficients: tuple[Scalar, ...] = field(repr=False)
    share_key_secret: Scalar = field(repr=False)

    def __post_init__(self) -> None:
        check_parameters(self.n, self.k)
        check_index(self.index, self.n)
        if len(self.coefficients) != self.k or any(a.is_zero() for a in self.coefficients):
            raise ParameterError("a trustee polynomial has k non-zero coefficients")
        if self.share_key_secret.is_zero():
            raise ParameterError("the share-encryption secret is a non-zero scalar")

    def share_for(self, recipient: int) -> Scalar:
        """s_{index→recipient} = f(recipient)."""
        check_index(recipient, self.n)
        return evaluate_polynomial(self.coefficients, recipient)

    def to_dict(self) -> dict[str, Any]:
        """Secret material: store only inside an encrypted keystore."""
        return {
            "index": self.index,
            "n": self.n,
            "k": self.k,
            "coefficients": [a.hex() for a in self.coefficients],
            "share_key_secret": self.share_key_secret.hex(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrusteeSecretState:
        """Decode strictly; a refusal is the crypto error of its code, naming the JSON path (`_decoded`)."""
        return _decoded(cls.from_field, data)

    @classmethod
    def from_field(cls, source: Field) -> TrusteeSecretState:
        obj = source.as_object({"index", "n", "k", "coefficients", "share_key_secret"})
        index, n, k = _index_n_k(obj)
        coefficients = _k_elements(obj["coefficients"], k, Field.scalar)
        share_key_secret = obj["share_key_secret"].scalar()
        return obj.decode(lambda _: cls(index, n, k, coefficients, share_key_secret))


@dataclass(frozen=True)
class TrusteeCommitment:
    """Trustee ``index``'s public step-1 message: Feldman commitments C_0..C_{k−1}, share-encryption key Y,
    and Schnorr proofs of knowledge of a_0 (for C_0) and y (for Y)."""

    index: int
    n: int
    k: int
    coefficient_commitments: tuple[Point, ...]
    coefficient_proof: SchnorrProof
    share_public_key: Point
    share_key_proof: SchnorrProof

    def __post_init__(self) -> None:
        check_parameters(self.n, self.k)
        check_index(self.index, self.n)
        if len(self.coefficient_commitments) != self.k:
            raise ParameterError(f"trustee {self.index} must commit to exactly k = {self.k} coefficients")
        points = (*self.coefficient_commitments, self.share_public_key)
        if any(not isinstance(p, Point) or p.is_identity() for p in points):
            raise ParameterError("commitments and keys are points other than the identity")

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "n": self.n,
            "k": self.k,
            "coefficient_commitments": [c.hex() for c in self.coefficient_commitments],
            "coefficient_proof": self.coefficient_proof.to_bytes().hex(),
            "share_public_key": self.share_public_key.hex(),
            "share_key_proof": self.share_key_proof.to_bytes().hex(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrusteeCommitment:
        """Decode strictly; a refusal is the crypto error of its code, naming the JSON path (`_decoded`)."""
        return _decoded(cls.from_field, data)

    @classmethod
    def from_field(cls, source: Field) -> TrusteeCommitment:
        """Decode the commitment at ``source`` (so the ``commitment`` of a board payload keeps its full path)."""
        obj = source.as_object(_COMMITMENT_KEYS)
        index, n, k = _index_n_k(obj)
        commitments = _k_elements(obj["coefficient_commitments"], k, Field.point)
        coefficient_proof = _schnorr_proof(obj["coefficient_proof"])
        share_public_key = obj["share_public_key"].point()
        share_key_proof = _schnorr_proof(obj["share_key_proof"])
        return obj.decode(lambda _: cls(index, n, k, commitments, coefficient_proof, share_public_key, share_key_proof))


def dkg_step1(
    context: bytes,
    index: int,
    n: int,
    k: int,
    *,
    coefficients: Sequence[Scalar] | None = None,
    share_key_secret: Scalar | None = None,
    proof_nonces: tuple[Scalar, Scalar] | None = None,
) -> tuple[TrusteeSecretState, TrusteeCommitment]:
    """Trustee ``index`` of n (threshold k) starts the DKG. Randomness from `secrets` unless given (tests)."""
    check_parameters(n, k)
    check_index(index, n)
    coefficients = tuple(coefficients) if coefficients is not None else tuple(Scalar.random() for _ in range(k))
    share_key_secret = share_key_secret if share_key_secret is not None else Scalar.random()
    state = TrusteeSecretState(index, n, k, coefficients, share_key_secret)
    nonce_a, nonce_y = proof_nonces if proof_nonces is not None else (None, None)
    commitment = TrusteeCommitment(
        index=index,
        n=n,
        k=k,
        coefficient_commitments=feldman_commitments(coefficients),
        coefficient_proof=prove_knowledge(
            _pok_context(COEFFICIENT_POK_TAG, context, index, n, k), coefficients[0], nonce_a
        ),
        share_public_key=Point.base_mul(share_key_secret),
        share_key_proof=prove_knowledge(
            _pok_context(SHARE_KEY_POK_TAG, context, index, n, k), share_key_secret, nonce_y
        ),
    )
    return state, commitment


def dkg_step1_check(context: bytes, commitment: TrusteeCommitment) -> None:
    """Raise `InvalidProofError` unless both proofs of knowledge hold for this trustee under ``context``."""
    c = commitment
    verify_knowledge(
        _pok_context(COEFFICIENT_POK_TAG, context, c.index, c.n, c.k), c.coefficient_commitments[0], c.coefficient_proof
    )
    verify_knowledge(_pok_context(SHARE_KEY_POK_TAG, context, c.index, c.n, c.k), c.share_public_key, c.share_key_proof)


def dkg_check_commitments(context: bytes, commitments: Sequence[TrusteeCommitment], n: int, k: int) -> None:
    """Check the whole step-1 round: trustees 1..n exactly once, the same (n, k), every proof, and no copied
    C_0 or Y (a trustee replaying another's values)."""
    check_parameters(n, k)
    if sorted(c.index for c in commitments) != list(range(1, n + 1)):
        raise ParameterError(f"expected one commitment from each of trustees 1..{n}")
    dkg_check_participants(context, commitments, n, k)


def dkg_check_participants(context: bytes, commitments: Sequence[TrusteeCommitment], n: int, k: int) -> None:
    """Check the commitments of the trustees taking part — P, at least k of 1..n, each at most once: the same
    (n, k), every proof, and no copied C_0 or Y. A trustee with no valid commitment takes no part (it deals
    nothing and, having no share-encryption key, receives nothing)."""
    check_parameters(n, k)
    indices = [c.index for c in commitments]
    if len(set(indices)) != len(indices) or not all(1 <= i <= n for i in indices):
        raise ParameterError(f"expected at most one commitment from each of trustees 1..{n}")
    if len(indices) < k:
        raise ParameterError(f"a {k}-of-{n} ceremony needs at least {k} trustees taking part, not {len(indices)}")
    if any((c.n, c.k) != (n, k) for c in commitments):
        raise ParameterError(f"every commitment must be for n={n}, k={k}")
    for commitment in commitments:
        dkg_step1_check(context, commitment)
    keys = [c.coefficient_commitments[0] for c in commitments] + [c.share_public_key for c in commitments]
    if len(set(keys)) != len(keys):
        raise InvalidProofError("two trustees published the same commitment or key")


def _by_index(commitments: Sequence[TrusteeCommitment]) -> dict[int, TrusteeCommitment]:
    indexed = {c.index: c for c in commitments}
    if len(indexed) != len(commitments):
        raise ParameterError("two commitments carry the same trustee index")
    return indexed


# --------------------------------------------------------------------------------------------------
# Step 2: encrypted shares
# --------------------------------------------------------------------------------------------------


def dkg_step2(
    context: bytes,
    state: TrusteeSecretState,
    commitments: Sequence[TrusteeCommitment],
    *,
    ephemeral_secrets: Mapping[int, Scalar] | None = None,
) -> tuple[EncryptedShare, ...]:
    """Check the commitments of the trustees taking part (`dkg_check_participants`: all n in a ceremony where
    everyone committed), then encrypt f(i) to each other participant i (in order of i)."""
    dkg_check_participants(context, commitments, state.n, state.k)
    indexed = _by_index(commitments)
    if state.index not in indexed:
        raise ParameterError(f"trustee {state.index} has no commitment among the participants")
    shares = []
    for recipient in sorted(indexed):
        if recipient == state.index:
            continue
        ephemeral = ephemeral_secrets[recipient] if ephemeral_secrets is not None else None
        shares.append(
            encrypt_share(
                context,
                state.index,
                recipient,
                indexed[recipient].share_public_key,
                state.share_for(recipient),
                ephemeral,
            )
        )
    return tuple(shares)


# --------------------------------------------------------------------------------------------------
# Step 3: check received shares; complaints that anyone can judge
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Complaint:
    """Trustee ``complainer`` says the share from ``accused`` is bad, and opens it for everyone: the ECDH point
    S = y·E of that encrypted share, a Chaum–Pedersen proof that log_G(Y) = log_E(S), and the share it decrypted
    (``None`` if the body did not authenticate or was not a scalar)."""

    complainer: int
    accused: int
    shared_point: Point
    proof: ChaumPedersenProof
    revealed_share: Scalar | None

    def __post_init__(self) -> None:
        check_index(self.complainer)
        check_index(self.accused)
        if self.complainer == self.accused:
            raise ParameterError("a trustee cannot complain about itself")

    def to_dict(self) -> dict[str, Any]:
        return {
            "complainer": self.complainer,
            "accused": self.accused,
            "shared_point": self.shared_point.hex(),
            "proof": self.proof.to_bytes().hex(),
            "revealed_share": None if self.revealed_share is None else self.revealed_share.hex(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Complaint:
        """Decode strictly; a refusal is the crypto error of its code, naming the JSON path (`_decoded`)."""
        return _decoded(cls.from_field, data)

    @classmethod
    def from_field(cls, source: Field) -> Complaint:
        """Decode the complaint at ``source`` (one of a board payload's ``complaints`` keeps its full path)."""
        obj = source.as_object({"complainer", "accused", "shared_point", "proof", "revealed_share"})
        complainer = obj["complainer"].integer(minimum=1, maximum=MAX_TRUSTEES)
        accused = obj["accused"].integer(minimum=1, maximum=MAX_TRUSTEES)
        shared_point = obj["shared_point"].point()
        proof = _chaum_pedersen_proof(obj["proof"])
        revealed = obj["revealed_share"]
        revealed_share = None if revealed.value is None else revealed.scalar()
        return obj.decode(lambda _: cls(complainer, accused, shared_point, proof, revealed_share))


@dataclass(frozen=True)
class ReceivedShares:
    """Trustee ``index``'s result of step 3. ``shares`` (secret!) maps each dealer whose share checked out —
    including the trustee itself — to s_{dealer→index}; ``complaints`` are public; ``missing`` lists dealers
    that sent nothing."""

    index: int
    shares: Mapping[int, Scalar] = field(repr=False)
    complaints: tuple[Complaint, ...]
    missing: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "shares", MappingProxyType(dict(self.shares)))


def make_complaint(
    context: bytes, state: TrusteeSecretState, encrypted: EncryptedShare, nonce: Scalar | None = None
) -> Complaint:
    """Open ``encrypted`` (addressed to this trustee) publicly, as a complaint against its sender."""
    if encrypted.recipient != state.index:
        raise ParameterError("a trustee can only complain about a share addressed to it")
    shared_point, proof = reveal_shared_point(context, encrypted, state.share_key_secret, nonce)
    try:
        revealed: Scalar | None = decrypt_share(context, encrypted, state.share_key_secret)
    except DecryptionError:
        revealed = None
    return Complaint(state.index, encrypted.sender, shared_point, proof, revealed)


def dkg_step3(
    context: bytes,
    state: TrusteeSecretState,
    commitments: Sequence[TrusteeCommitment],
    encrypted_shares: Sequence[EncryptedShare],
    *,
    complaint_nonces: Mapping[int, Scalar] | None = None,
) -> ReceivedShares:
    """Decrypt and check every share addressed to this trustee by a participant (``commitments``, as in
    `dkg_step2`); complain about each bad one."""
    dkg_check_participants(context, commitments, state.n, state.k)
    indexed = _by_index(commitments)
    senders = [e.sender for e in encrypted_shares]
    if any(e.recipient != state.index for e in encrypted_shares) or len(set(senders)) != len(senders):
        raise ParameterError(f"pass each share addressed to trustee {state.index} exactly once")
    if any(s not in indexed for s in senders):
        raise ParameterError("a share comes from a trustee that takes no part (no valid commitment)")
    accepted = {state.index: state.share_for(state.index)}
    complaints = []
    for encrypted in sorted(encrypted_shares, key=lambda e: e.sender):
        try:
            share = decrypt_share(context, encrypted, state.share_key_secret)
            check_share(state.index, share, indexed[encrypted.sender].coefficient_commitments)
            accepted[encrypted.sender] = share
        except (DecryptionError, InvalidShareError):
            nonce = complaint_nonces.get(encrypted.sender) if complaint_nonces is not None else None
            complaints.append(make_complaint(context, state, encrypted, nonce))
    missing = tuple(j for j in sorted(indexed) if j != state.index and j not in senders)
    return ReceivedShares(state.index, accepted, tuple(complaints), missing)


@dataclass(frozen=True)
class ComplaintVerdict:
    """Who cheated, by `check_complaint`. ``reason`` is a stable code (see docs/spec/threshold.md)."""

    complainer: int
    accused: int
    guilty: int
    reason: str


def check_complaint(
    context: bytes,
    complaint: Complaint,
    encrypted_share: EncryptedShare,
    accused_commitment: TrusteeCommitment,
    complainer_commitment: TrusteeCommitment,
) -> ComplaintVerdict:
    """Judge a complaint from public data only. The accused (dealer) is guilty if the opened share does not
    decrypt or does not match its commitments; otherwise the complainer is (false or malformed complaint)."""
    if not (
        complaint.complainer == encrypted_share.recipient == complainer_commitment.index
        and complaint.accused == encrypted_share.sender == accused_commitment.index
    ):
        raise ParameterError("complaint, encrypted share and commitments do not concern the same two trustees")

    def verdict(guilty: int, reason: str) -> ComplaintVerdict:
        return ComplaintVerdict(complaint.complainer, complaint.accused, guilty, reason)

    recipient_key = complainer_commitment.share_public_key
    try:
        verify_shared_point(context, encrypted_share, recipient_key, complaint.shared_point, complaint.proof)
    except InvalidProofError:
        return verdict(complaint.complainer, "invalid_opening_proof")
    try:
        share = open_share(context, encrypted_share, complaint.shared_point, recipient_key)
    except DecryptionError:
        return verdict(complaint.accused, "undecryptable_share")
    if complaint.revealed_share != share:
        return verdict(complaint.complainer, "misreported_share")
    try:
        check_share(complaint.complainer, share, accused_commitment.coefficient_commitments)
    except InvalidShareError:
        return verdict(complaint.accused, "share_inconsistent_with_commitments")
    return verdict(complaint.complainer, "false_complaint")


# --------------------------------------------------------------------------------------------------
# Step 4: joint key, key shares, public shares
# --------------------------------------------------------------------------------------------------


def joint_public_key(qualified: Sequence[TrusteeCommitment]) -> Point:
    """K = Σ_{j∈Q} C_{j,0}."""
    if not qualified:
        raise ParameterError("the joint key needs at least one qualified trustee")
    return point_sum(c.coefficient_commitments[0] for c in qualified)


def public_share(index: int, qualified: Sequence[TrusteeCommitment]) -> Point:
    """X_i = Σ_{j∈Q} Σ_t C_{j,t}·i^t: trustee i's public key share, from the commitments alone."""
    check_index(index)
    scalars = [Scalar(pow(index, t)) for c in qualified for t in range(len(c.coefficient_commitments))]
    points = [point for c in qualified for point in c.coefficient_commitments]
    return multi_scalar_mul(scalars, points)


def public_shares(n: int, qualified: Sequence[TrusteeCommitment]) -> tuple[Point, ...]:
    """(X_1, …, X_n)."""
    return tuple(public_share(i, qualified) for i in range(1, n + 1))


@dataclass(frozen=True)
class TrusteeKeyShare:
    """Trustee ``index``'s result of the DKG: x_i (secret), X_i = x_i·G, and the joint key K."""

    index: int
    n: int
    k: int
    secret_share: Scalar = field(repr=False)
    public_share: Point
    joint_public_key: Point

    def __post_init__(self) -> None:
        check_parameters(self.n, self.k)
        check_index(self.index, self.n)
        if self.secret_share.is_zero() or Point.base_mul(self.secret_share) != self.public_share:
            raise InvalidShareError("the key share does not match its public share")

    def to_dict(self) -> dict[str, Any]:
        """Secret material: store only inside an encrypted keystore."""
        return {
            "index": self.index,
            "n": self.n,
            "k": self.k,
            "secret_share": self.secret_share.hex(),
            "public_share": self.public_share.hex(),
            "joint_public_key": self.joint_public_key.hex(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrusteeKeyShare:
        """Decode strictly; a refusal is the crypto error of its code, naming the JSON path (`_decoded`)."""
        return _decoded(cls.from_field, data)

    @classmethod
    def from_field(cls, source: Field) -> TrusteeKeyShare:
        obj = source.as_object({"index", "n", "k", "secret_share", "public_share", "joint_public_key"})
        index, n, k = _index_n_k(obj)
        secret_share = obj["secret_share"].scalar()
        public = obj["public_share"].point()
        joint = obj["joint_public_key"].point()
        return obj.decode(lambda _: cls(index, n, k, secret_share, public, joint))


def dkg_finish(
    context: bytes,
    state: TrusteeSecretState,
    qualified: Sequence[TrusteeCommitment],
    received: ReceivedShares,
) -> TrusteeKeyShare:
    """x_i = Σ_{j∈Q} s_{j→i} over the qualified dealers Q (their commitments in ``qualified``), checked again
    against the commitments and against X_i."""
    if received.index != state.index:
        raise ParameterError("these received shares belong to another trustee")
    if not qualified:
        raise ParameterError("at least one qualified dealer is needed")
    indexed = _by_index(qualified)
    for commitment in qualified:
        dkg_step1_check(context, commitment)
        if (commitment.n, commitment.k) != (state.n, state.k):
            raise ParameterError(f"every commitment must be for n={state.n}, k={state.k}")
    absent = sorted(set(indexed) - set(received.shares))
    if absent:
        raise InvalidShareError(f"trustee {state.index} holds no valid share from qualified dealers {absent}")
    for dealer, commitment in indexed.items():
        check_share(state.index, received.shares[dealer], commitment.coefficient_commitments)
    secret_share = sum((received.shares[dealer] for dealer in indexed), Scalar(0))
    return TrusteeKeyShare(
        state.index, state.n, state.k, secret_share, public_share(state.index, qualified), joint_public_key(qualified)
    )


# --------------------------------------------------------------------------------------------------
# Threshold decryption
# --------------------------------------------------------------------------------------------------

DECRYPTION_SHARE_BYTES: Final = 4 + POINT_BYTES + ChaumPedersenProof.SIZE


@dataclass(frozen=True)
class DecryptionShare:
    """Trustee ``index``'s M_i = x_i·alpha with a proof that log_G(X_i) = log_alpha(M_i).
    Bytes (135): ``u32(index) || M_i (33) || proof (98)``."""

    index: int
    share_point: Point
    proof: ChaumPedersenProof

    def __post_init__(self) -> None:
        check_index(self.index)
        if not isinstance(self.share_point, Point) or self.share_point.is_identity():
            raise ParameterError("a decryption share is a point other than the identity")

    def to_bytes(self) -> bytes:
        return u32(self.index) + self.share_point.to_bytes() + self.proof.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> DecryptionShare:
        if not isinstance(data, bytes | bytearray) or len(data) != DECRYPTION_SHARE_BYTES:
            raise NonCanonicalError(f"a decryption share is exactly {DECRYPTION_SHARE_BYTES} bytes")
        data = bytes(data)
        return cls(
            int.from_bytes(data[:4], "big"),
            Point.from_bytes(data[4 : 4 + POINT_BYTES]),
            ChaumPedersenProof.from_bytes(data[4 + POINT_BYTES :]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "share_point": self.share_point.hex(), "proof": self.proof.to_bytes().hex()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecryptionShare:
        """Decode strictly; a refusal is the crypto error of its code, naming the JSON path (`_decoded`)."""
        return _decoded(cls.from_field, data)

    @classmethod
    def from_field(cls, source: Field) -> DecryptionShare:
        obj = source.as_object({"index", "share_point", "proof"})
        index = obj["index"].integer(minimum=1, maximum=MAX_TRUSTEES)
        share_point = obj["share_point"].point()
        proof = _chaum_pedersen_proof(obj["proof"])
        return obj.decode(lambda _: cls(index, share_point, proof))


def compute_decryption_share(
    context: bytes, index: int, secret_share: Scalar, ciphertext: Ciphertext, nonce: Scalar | None = None
) -> DecryptionShare:
    """M_i = x_i·alpha and its proof (kind "correct_decryption" of `crypto.proofs`)."""
    check_index(index)
    if ciphertext.alpha.is_identity():
        raise ParameterError("alpha is the identity: nothing to decrypt (m·G = beta)")
    share_point, proof = prove_correct_decryption(context, secret_share, ciphertext, nonce)
    return DecryptionShare(index, share_point, proof)


def check_decryption_share(context: bytes, public_share: Point, ciphertext: Ciphertext, share: DecryptionShare) -> None:
    """Raise `InvalidProofError` unless ``share`` is x_i·alpha for the x_i behind ``public_share`` = X_i."""
    verify_correct_decryption(context, public_share, ciphertext, share.share_point, share.proof)


def lagrange_coefficient(index: int, indices: Sequence[int]) -> Scalar:
    """λ_index = Π_{j∈indices, j≠index} j / (j − index) mod n: interpolation at 0 over ``indices``."""
    if index not in indices or len(set(indices)) != len(indices):
        raise ParameterError("the Lagrange set must hold distinct indices including the one asked for")
    numerator, denominator = Scalar(1), Scalar(1)
    for j in indices:
        if j != index:
            numerator = numerator * j
            denominator = denominator * (j - index)
    return numerator / denominator


def _check_share_set(indices: Sequence[int], k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ParameterError("the threshold k is a positive integer")
    for index in indices:
        check_index(index)
    if len(set(indices)) != len(indices):
        raise ParameterError("two decryption shares come from the same trustee")
    if len(indices) < k:
        raise InvalidShareError(f"{len(indices)} decryption shares given; the threshold is {k}")


def combine_decryption_shares(ciphertext: Ciphertext, shares: Sequence[DecryptionShare], k: int) -> Point:
    """m·G = beta − Σ λ_i·M_i over the given shares (at least k, distinct trustees). Check each share first
    with `check_decryption_share`: combining does not verify proofs."""
    indices = [s.index for s in shares]
    _check_share_set(indices, k)
    lambdas = [lagrange_coefficient(i, indices) for i in indices]
    return ciphertext.beta - multi_scalar_mul(lambdas, [s.share_point for s in shares])


# --- whole tallies: one share per ciphertext ----------------------------------------------------


def compute_decryption_shares(
    context: bytes,
    index: int,
    secret_share: Scalar,
    ciphertexts: Sequence[Ciphertext],
    nonces: Sequence[Scalar] | None = None,
) -> tuple[DecryptionShare, ...]:
    """A trustee's shares for a whole tally, in the order of ``ciphertexts``."""
    if nonces is not None and len(nonces) != len(ciphertexts):
        raise ParameterError("one proof nonce per ciphertext")
    return tuple(
        compute_decryption_share(context, index, secret_share, ct, None if nonces is None else nonces[position])
        for position, ct in enumerate(ciphertexts)
    )


def check_decryption_shares(
    context: bytes, public_share: Point, ciphertexts: Sequence[Ciphertext], shares: Sequence[DecryptionShare]
) -> None:
    """Check a trustee's shares for a whole tally in one batch (`crypto.batch`, random linear combination);
    if it fails, the error names the first bad position."""
    if len(shares) != len(ciphertexts):
        raise ParameterError(f"{len(shares)} decryption shares for {len(ciphertexts)} ciphertexts")
    if len({s.index for s in shares}) > 1:
        raise ParameterError("a batch of decryption shares comes from one trustee")
    verifier = BatchVerifier()
    for position, (ciphertext, share) in enumerate(zip(ciphertexts, shares, strict=True)):
        label = f"decryption share {position} of trustee {share.index}"
        verifier.add_correct_decryption(context, public_share, ciphertext, share.share_point, share.proof, label)
    verifier.verify()


def combine_decryption_share_vectors(
    ciphertexts: Sequence[Ciphertext], shares_by_trustee: Sequence[Sequence[DecryptionShare]], k: int
) -> list[Point]:
    """m_c·G for every ciphertext c, from k or more trustees' share vectors (Lagrange coefficients once)."""
    indices = [shares[0].index if shares else 0 for shares in shares_by_trustee]
    _check_share_set(indices, k)
    for index, shares in zip(indices, shares_by_trustee, strict=True):
        if len(shares) != len(ciphertexts) or any(s.index != index for s in shares):
            raise ParameterError(f"trustee {index} must give one share per ciphertext, all with its index")
    lambdas = [lagrange_coefficient(i, indices) for i in indices]
    return [
        ct.beta - multi_scalar_mul(lambdas, [shares[position].share_point for shares in shares_by_trustee])
        for position, ct in enumerate(ciphertexts)
    ]


# --------------------------------------------------------------------------------------------------
# Decoding helpers
# --------------------------------------------------------------------------------------------------


_T = TypeVar("_T")
_COMMITMENT_KEYS: Final = frozenset(
    {"index", "n", "k", "coefficient_commitments", "coefficient_proof", "share_public_key", "share_key_proof"}
)


def _decoded(decode: Callable[[Field], _T], data: object) -> _T:
    """``decode`` of ``data`` read through `crypto.strict_json.Field`; a refusal becomes the crypto error of its
    code (`NonCanonicalError` for ``malformed`` and ``non_canonical``, `InvalidPointError`, `ParameterError` …)
    with a message that starts with the JSON path of the bad field."""
    try:
        return decode(Field(data))
    except MalformedFieldError as e:
        raise crypto_error(e) from e


def _index_n_k(obj: Field) -> tuple[int, int, int]:
    """A trustee's ``index``, ``n`` and ``k``: 1 <= k <= n <= 255 and index in 1..n."""
    n = obj["n"].integer(minimum=1, maximum=MAX_TRUSTEES)
    return obj["index"].integer(minimum=1, maximum=n), n, obj["k"].integer(minimum=1, maximum=n)


def _k_elements(source: Field, k: int, read: Callable[[Field], _T]) -> tuple[_T, ...]:
    """The list at ``source``, of at most ``k`` elements, each read by ``read``, then checked to hold exactly
    ``k``: an element that does not decode is refused as such (``invalid_point``) whatever the count."""
    elements = tuple(read(e) for e in source.items(max_len=k))
    if len(elements) != k:
        raise source.fail(f"must hold exactly k = {k} elements, not {len(elements)}")
    return elements


def _schnorr_proof(source: Field) -> SchnorrProof:
    return source.decode(SchnorrProof.from_bytes, source.hex(SchnorrProof.SIZE))


def _chaum_pedersen_proof(source: Field) -> ChaumPedersenProof:
    return source.decode(ChaumPedersenProof.from_bytes, source.hex(ChaumPedersenProof.SIZE))
