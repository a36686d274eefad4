"""A packed choice: one small number encrypted bit by bit, combined into ONE ciphertext (docs/spec/credentials.md §6).

A contest whose choice is one of a few thousand combinations — the 2021 party list: a list (or "against all") and an
optional preference for one of its candidates — is encoded as a number m < 2^b and sent as b ciphertexts of its bits
Enc(m_i; r_i), each with a compact 0/1 proof (`BitProof`) whose context also names the bit's position, so bits
cannot be moved. Anyone combines them into ``Σ 2^i·Enc(m_i) = Enc(m; Σ 2^i·r_i)``: one ciphertext that a mix
shuffles and a trustee decrypts (m < 2^b, a tiny discrete log). The proofs show only that m < 2^b; a number that
names no valid combination (a list that does not exist, a preference beyond the list) is found after decryption and
counted as an invalid ballot, as on paper.

**The compact bit proof** is the Cramer–Damgård–Schoenmakers OR-proof of (α = r·G ∧ β = r·K) ∨ (α = r·G ∧
β − G = r·K) in challenge–response form: four scalars (c₀, c₁, s₀, s₁), 128 bytes, against 228 for the commitment
form of `crypto.proofs` (which a verifier can batch; this one it recomputes). The checker recomputes, for j ∈ {0, 1},
``A_j = s_j·G − c_j·α`` and ``B_j = s_j·K − c_j·(β − j·G)`` and requires

    c₀ + c₁ = hash_to_scalar("SHAILOO-V1/packed/bit-proof",
                             H("packed/bit-proof", context_i, K, α, β, A₀, B₀, A₁, B₁))   (mod n)

with ``context_i = bit_context(context, i, b)``. Every decoded scalar is canonical (< n), every point on the curve.

Bytes: ``u8(2) ‖ u8(b) ‖ b × (ciphertext (66) ‖ c₀ ‖ c₁ ‖ s₀ ‖ s₁ (4 × 32))`` = 2 + 194·b (11 bits: 2,136 bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from crypto.contest import REUSED_NONCE_CODE
from crypto.elgamal import CIPHERTEXT_BYTES, Ciphertext, encrypt
from crypto.errors import InvalidProofError, NonCanonicalError, ParameterError
from crypto.group import ORDER, SCALAR_BYTES, Point, Scalar, multi_scalar_mul
from crypto.hashing import domain_tag, hash_fields, hash_to_scalar
from crypto.relations import linear_combination

PACKED_VERSION: Final = 2
MAX_BITS: Final = 24
BIT_CONTEXT_TAG: Final = "packed/bit"
BIT_PROOF_TAG: Final = "packed/bit-proof"
BIT_PROOF_BYTES: Final = 4 * SCALAR_BYTES
_BIT_BYTES: Final = CIPHERTEXT_BYTES + BIT_PROOF_BYTES


def bit_context(context: bytes, position: int, bits: int) -> bytes:
    """``hash_fields("packed/bit", context, u32(position), u32(bits))``: the context of bit ``position``'s proof."""
    return hash_fields(BIT_CONTEXT_TAG, context, position.to_bytes(4, "big"), bits.to_bytes(4, "big"))


@dataclass(frozen=True, slots=True)
class BitProof:
    """(c₀, c₁, s₀, s₁): the compact proof that a ciphertext encrypts 0 or 1."""

    c0: Scalar
    c1: Scalar
    s0: Scalar
    s1: Scalar

    def to_bytes(self) -> bytes:
        return b"".join(x.to_bytes() for x in (self.c0, self.c1, self.s0, self.s1))

    @classmethod
    def from_bytes(cls, data: bytes) -> BitProof:
        if len(data) != BIT_PROOF_BYTES:
            raise NonCanonicalError(f"a bit proof is {BIT_PROOF_BYTES} bytes")
        c0, c1, s0, s1 = (
            Scalar.from_bytes(data[i : i + SCALAR_BYTES]) for i in range(0, BIT_PROOF_BYTES, SCALAR_BYTES)
        )
        return cls(c0, c1, s0, s1)


def _commitments(public_key: Point, ct: Ciphertext, c: Sequence[int], s: Sequence[int]) -> list[Point]:
    """A_0, B_0, A_1, B_1 from challenges and responses: A_j = s_j·G − c_j·α, B_j = s_j·K − c_j·(β − j·G)."""
    out = []
    for j in (0, 1):
        out.append(linear_combination(s[j], ((-c[j], ct.alpha),)))
        out.append(linear_combination(j * c[j], ((s[j], public_key), (-c[j], ct.beta))))
    return out


def _challenge(context: bytes, public_key: Point, ct: Ciphertext, commitments: Sequence[Point]) -> int:
    digest = hash_fields(BIT_PROOF_TAG, context, *(p.to_bytes() for p in (public_key, ct.alpha, ct.beta, *commitments)))
    return int(hash_to_scalar(domain_tag(BIT_PROOF_TAG), digest))


def prove_bit(
    context: bytes,
    public_key: Point,
    ct: Ciphertext,
    bit: int,
    nonce: Scalar,
    proof_nonces: Sequence[Scalar] | None = None,
) -> BitProof:
    """Prove that ``ct`` = Enc_K(bit; nonce) with bit 0 or 1. ``proof_nonces`` (tests only): (w, c_sim, s_sim)."""
    if bit not in (0, 1):
        raise ParameterError("a bit is 0 or 1")
    w, c_sim, s_sim = (int(x) for x in (proof_nonces or [Scalar.random(), Scalar.random(), Scalar.random()]))
    other = 1 - bit
    c, s = [0, 0], [0, 0]
    c[other], s[other] = c_sim, s_sim
    simulated = _commitments(public_key, ct, c, s)
    real = [Point.base_mul(w), public_key * w]
    commitments = [*real, *simulated[2:]] if bit == 0 else [*simulated[:2], *real]
    total = _challenge(context, public_key, ct, commitments)
    c[bit] = (total - c_sim) % ORDER
    s[bit] = (w + c[bit] * int(nonce)) % ORDER
    return BitProof(Scalar(c[0]), Scalar(c[1]), Scalar(s[0]), Scalar(s[1]))


def verify_bit(context: bytes, public_key: Point, ct: Ciphertext, proof: BitProof) -> bool:
    c, s = [int(proof.c0), int(proof.c1)], [int(proof.s0), int(proof.s1)]
    commitments = _commitments(public_key, ct, c, s)
    return (c[0] + c[1]) % ORDER == _challenge(context, public_key, ct, commitments)


@dataclass(frozen=True, slots=True)
class PackedChoice:
    """The bits' ciphertexts (least significant first) and their compact 0/1 proofs."""

    ciphertexts: tuple[Ciphertext, ...]
    proofs: tuple[BitProof, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.ciphertexts) <= MAX_BITS or len(self.proofs) != len(self.ciphertexts):
            raise ParameterError(f"a packed choice has 1 to {MAX_BITS} bits, each with its proof")

    @property
    def bits(self) -> int:
        return len(self.ciphertexts)

    def combined(self) -> Ciphertext:
        """Σ 2^i·Enc(m_i): the one ciphertext of m."""
        weights = [Scalar(1 << i) for i in range(self.bits)]
        return Ciphertext(
            multi_scalar_mul(weights, [ct.alpha for ct in self.ciphertexts]),
            multi_scalar_mul(weights, [ct.beta for ct in self.ciphertexts]),
        )

    def to_bytes(self) -> bytes:
        body = b"".join(ct.to_bytes() + p.to_bytes() for ct, p in zip(self.ciphertexts, self.proofs, strict=True))
        return bytes([PACKED_VERSION, self.bits]) + body

    @classmethod
    def from_bytes(cls, data: bytes) -> PackedChoice:
        if not isinstance(data, bytes | bytearray) or len(data) < 2:
            raise NonCanonicalError("a packed choice starts with a 2-byte header")
        data = bytes(data)
        if data[0] != PACKED_VERSION:
            raise NonCanonicalError(f"unknown packed choice version {data[0]}")
        bits = data[1]
        if not 1 <= bits <= MAX_BITS or len(data) != 2 + bits * _BIT_BYTES:
            raise NonCanonicalError(f"a packed choice of {bits} bits is {2 + bits * _BIT_BYTES} bytes")
        cts, proofs = [], []
        for i in range(bits):
            start = 2 + i * _BIT_BYTES
            cts.append(Ciphertext.from_bytes(data[start : start + CIPHERTEXT_BYTES]))
            proofs.append(BitProof.from_bytes(data[start + CIPHERTEXT_BYTES : start + _BIT_BYTES]))
        return cls(tuple(cts), tuple(proofs))


def encrypt_packed(
    context: bytes, public_key: Point, value: int, bits: int, nonces: Sequence[Scalar] | None = None
) -> PackedChoice:
    """Encrypt ``value`` (0 ≤ value < 2^bits) bit by bit with a compact 0/1 proof for each."""
    if not 1 <= bits <= MAX_BITS or not 0 <= value < (1 << bits):
        raise ParameterError(f"a packed value has 1 to {MAX_BITS} bits and fits in them")
    rs = list(nonces) if nonces is not None else [Scalar.random() for _ in range(bits)]
    if len(rs) != bits:
        raise ParameterError("one nonce per bit")
    cts, proofs = [], []
    for i, r in enumerate(rs):
        bit = (value >> i) & 1
        ct = encrypt(public_key, bit, r)
        cts.append(ct)
        proofs.append(prove_bit(bit_context(context, i, bits), public_key, ct, bit, r))
    return PackedChoice(tuple(cts), tuple(proofs))


def verify_packed(context: bytes, public_key: Point, packed: PackedChoice, bits: int) -> None:
    """Raise `InvalidProofError` unless every bit is proved 0 or 1 at its position, with ``bits`` bits."""
    if packed.bits != bits:
        raise ParameterError(f"this contest's choice has {bits} bits, not {packed.bits}")
    if len({ct.alpha.to_bytes() for ct in packed.ciphertexts}) != bits:
        # Two bits under one nonce would reveal whether they are equal.
        raise InvalidProofError("two bits of a packed choice share alpha (a reused nonce)", code=REUSED_NONCE_CODE)
    for i, (ct, proof) in enumerate(zip(packed.ciphertexts, packed.proofs, strict=True)):
        if not verify_bit(bit_context(context, i, bits), public_key, ct, proof):
            raise InvalidProofError(f"bit {i} of the packed choice is not proved 0 or 1")


# --------------------------------------------------------------------------------------------------
# The party-list code: (list, preference) ↔ m.
# --------------------------------------------------------------------------------------------------


def party_list_bits(parties: int, positions: int) -> tuple[int, int]:
    """Bits for the list (0 … parties − 1, and ``parties`` for "against all") and for the preference (0 = none)."""
    return parties.bit_length(), positions.bit_length()


def encode_party_list(party: int, preference: int, parties: int, positions: int) -> int:
    """m = party + 2^list_bits · preference; ``party == parties`` is "against all" (then preference 0)."""
    list_bits, _ = party_list_bits(parties, positions)
    if not 0 <= party <= parties or not 0 <= preference <= positions or (party == parties and preference):
        raise ParameterError("no such list, preference or combination")
    return party + (preference << list_bits)


def decode_party_list(value: int, list_lengths: Sequence[int], positions: int) -> tuple[int, int] | None:
    """(party, preference) for a decrypted m, or None for an invalid ballot (no such list, or a preference beyond
    the list's length, or a preference with "against all")."""
    parties = len(list_lengths)
    list_bits, _ = party_list_bits(parties, positions)
    party, preference = value & ((1 << list_bits) - 1), value >> list_bits
    if party > parties or preference > positions:
        return None
    if party == parties:
        return (party, 0) if preference == 0 else None
    return (party, preference) if preference <= list_lengths[party] else None
