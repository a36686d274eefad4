"""The baseline: ElectionGuard 1.4's group operations, reproduced with gmpy2 (not its code).

ElectionGuard 1.x works in the order-q subgroup of Z_p^* with its published "standard" parameters:
a 4096-bit prime p, q = 2^256 − 189, cofactor r = (p − 1) / q and generator g = 2^r mod p. A selection is
an exponential ElGamal ciphertext (α, β) = (g^R, g^m · K^R) with a disjunctive Chaum–Pedersen proof that
m ∈ {0, 1}, stored as nine numbers: four commitments a0, b0, a1, b1 mod p, the challenges c0, c1, c and the
responses v0, v1 mod q. Its verifier checks, for every received element x mod p, that 0 ≤ x < p and
x^q = 1 mod p (one exponentiation by q each: six per selection), then the four proof equations.

As in ElectionGuard 1.4 (its default "HIGH_MEMORY_USE" setting), powers of g use a fixed-base radix table
with 13-bit windows (20 rows × 8,192 entries of 512 bytes, about 84 MB); other powers are gmpy2 ``powmod``.
The challenge hash here is SHA-256 over the '|'-separated hexadecimal strings of the inputs, reduced
mod q: the same kind and size of work as ElectionGuard's hash (which costs microseconds next to the
milliseconds of 4096-bit exponentiations), not a byte-compatible copy of it.

This module exists only to be timed by ``bench/crypto.py`` in the same run as Shailoo's P-256 code.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

import gmpy2
from gmpy2 import mpz, powmod

# ElectionGuard 1.x standard parameters (specification v1.0 onwards; electionguard-python constants).
P = mpz(
    "1044388881413152506691752710716624382579964249047383780384233483283953907971553643537729993126875883902173634"
    "0177774163605029260829463779429557044985420976148418252467735806893983863204397479111608977315510749039672438"
    "8342713291881374801626975452234350528589881677721176191239277291448552115552164104927344620757896193984061946"
    "6145806859275053476560973295158703823395710210329314709715239251736552384080845836048778667318931418338422443"
    "8910259118847234330847012077719019445932866249799173913505646626327237030079642298491547561968906152522865330"
    "8964318490270692608174414928951741824915363417834207538187413164601344479689458210687053153580366625457960263"
    "2453103741452569793905551901541856173251385047414840392753585581909950158046256810542678368121278509960520957"
    "6247379429146003106466097926650128583973814357559028513120712481025994423089513270392508188924937674233296637"
    "8370919071616202352966921730093978317141580823314682300076691778928615400604228142373370646290524377485454312"
    "7239500245873582012663666430583862778167369547603016344242729592244544608279405999759391099769165589722584216"
    "0174684645762173185579484617657707009132204605575985747171734082529135962422811902989665006686256201381882655"
    "30628036538314433100326660047110143"
)
Q = mpz(2**256 - 189)
R = mpz(
    "9019518416950528558373478086511232658951474842525520401496114928154304263969655687927867442562559311457926593"
    "5107572676490636286812410642609536091809474648009584673909494850964296531229169287048415472651262474081678566"
    "2002481550868447281974638411536914832254869643932797975294831171250611389004528790733565630894563014196947248"
    "4100558565879585476547782717283106837945923693806973017510492730838409381014701258202694245760602718602550739"
    "2052972579409699923717993258701797461916724647367214246176399733240902889520062604832228942699281799701536342"
    "2039028725583762533166855593303919919461982437586929127109893500069978534640505516039468863707459951905265551"
    "7388596327473273906029869030988064607361165803129718773877185415445291671089029845994683414682274353665003204"
    "2931072844731960335886978450875565265140926787440317722268554095233544767376604076194365310801898370761648181"
    "3103910439777662812832524770967843102336919727212657839485675206059101381280743768162425186707476963805209773"
    "7959472027002770963255207757153746376691827309573603635608169799503216990026029763868313819255248026666854405"
    "409059422844776556067163611304891154793770115766608153679099327786"
)
G = mpz(
    "1193597561986412318581396514284395855611059149026869850782527966804746378567528339788844225945161706653124233"
    "9383011860840806359450808781327776983508474688358996379852723787081723336909438797840558575919533950976880349"
    "6494994109693743279157584139079471178850751266233150727771094796709619646350222242437970473900636242584673413"
    "2241371391393462549121726286510286944277895236830702641023324130846631004026358892837907413424012593566607610"
    "7576636567275432986324169276086254015102380016326917355032062324939863024753192485599786310977695521440304472"
    "7497968354022277828136634059011708099779241302941071701051050378539485717425482151777277387633806111112178267"
    "0353157264012852945983976771163898936427254988311279779152003591518337673580913652922303632484101249168258145"
    "1485270377045702410273869437550204938880497903562823220995954919936698647187484078446613290308330845835645817"
    "7839111623113116525230200791649979270165318729763550486200224695556789081331596212761936863634467236301450039"
    "3997769636617556848630123967881494792560161578141293291924907983092489145353896505945731567256966573021528745"
    "1006300253205262263803311397867225468014712845026598350319386557693241928200301209352630263122149141821152878"
    "1074474515924597472841036553107847"
)
ELEMENT_BYTES = 512  # an element mod p, fixed width
EXPONENT_BYTES = 32  # an element mod q
#: ElectionGuard 1.4's default table window ("HIGH_MEMORY_USE").
DEFAULT_WINDOW_BITS = 13


def check_parameters() -> None:
    """Check that the constants above were copied right: p − 1 = q·r, q prime, g of order q."""
    if P - 1 != Q * R or P.bit_length() != 4096:
        raise ValueError("p − 1 ≠ q·r: the ElectionGuard constants are mistyped")
    if not gmpy2.is_prime(Q, 25) or not gmpy2.is_prime(P, 5):
        raise ValueError("p or q is not prime")
    if powmod(2, R, P) != G or powmod(G, Q, P) != 1:
        raise ValueError("g is not 2^r mod p of order q")


class FixedBaseTable:
    """Powers of one base mod p by table look-up: row i holds base^(j·2^(w·i)) for j < 2^w.

    A 256-bit exponent is cut into ceil(256 / w) windows of w bits; its power is the product of one
    table entry per window (no squarings). Memory: ceil(256/w) · 2^w elements of 512 bytes.
    """

    def __init__(self, base: mpz, window_bits: int = DEFAULT_WINDOW_BITS) -> None:
        self.window_bits = window_bits
        self.rows: list[list[mpz]] = []
        row_base = mpz(base)
        for _ in range(-(-256 // window_bits)):
            row = [mpz(1)]
            acc = mpz(1)
            for _ in range((1 << window_bits) - 1):
                acc = acc * row_base % P
                row.append(acc)
            self.rows.append(row)
            row_base = acc * row_base % P  # base^(2^(w·(i+1)))

    def pow(self, exponent: int) -> mpz:
        e = mpz(exponent) % Q
        mask = (1 << self.window_bits) - 1
        result = mpz(1)
        for row in self.rows:
            result = result * row[int(e & mask)] % P
            e >>= self.window_bits
        return result


class Group:
    """g-powers through the table, everything else through gmpy2."""

    def __init__(self, window_bits: int = DEFAULT_WINDOW_BITS) -> None:
        self.table = FixedBaseTable(G, window_bits)

    def g_pow(self, exponent: int) -> mpz:
        return self.table.pow(exponent)

    @staticmethod
    def pow_p(base: mpz, exponent: int) -> mpz:
        return powmod(base, exponent, P)

    @staticmethod
    def is_valid_residue(x: mpz) -> bool:
        """ElectionGuard's membership check: 0 ≤ x < p and x^q = 1 mod p."""
        return bool(0 <= x < P and powmod(x, Q, P) == 1)


def random_q() -> mpz:
    return mpz(secrets.randbelow(int(Q) - 1) + 1)


def hash_elems(*elements: int) -> mpz:
    """SHA-256 over '|' + hex(e1) + '|' + ... + hex(en) + '|', as an integer mod q."""
    text = "|" + "".join(f"{int(e):X}|" for e in elements)
    return mpz(int.from_bytes(hashlib.sha256(text.encode("ascii")).digest(), "big")) % Q


@dataclass(frozen=True)
class Ciphertext:
    alpha: mpz  # g^R
    beta: mpz  # g^m · K^R


@dataclass(frozen=True)
class DisjunctiveProof:
    """ElectionGuard 1.x disjunctive Chaum–Pedersen proof: (a0, b0, a1, b1, c0, c1, c, v0, v1)."""

    a0: mpz
    b0: mpz
    a1: mpz
    b1: mpz
    c0: mpz
    c1: mpz
    c: mpz
    v0: mpz
    v1: mpz


@dataclass(frozen=True)
class ConstantProof:
    """ElectionGuard 1.x constant Chaum–Pedersen proof that a contest's sum encrypts L: (a, b, c, v)."""

    a: mpz
    b: mpz
    c: mpz
    v: mpz
    constant: int


def keypair(group: Group) -> tuple[mpz, mpz]:
    secret = mpz(secrets.randbelow(int(Q) - 2) + 2)
    return secret, group.g_pow(secret)


def encrypt(group: Group, public_key: mpz, message: int, nonce: mpz) -> Ciphertext:
    """(g^R, g^m · K^R), computed as ElectionGuard does: g^m by the table too."""
    return Ciphertext(group.g_pow(nonce), group.g_pow(message) * group.pow_p(public_key, nonce) % P)


def add(a: Ciphertext, b: Ciphertext) -> Ciphertext:
    return Ciphertext(a.alpha * b.alpha % P, a.beta * b.beta % P)


def prove_zero_or_one(
    group: Group, public_key: mpz, ct: Ciphertext, message: int, nonce: mpz, extended_hash: mpz
) -> DisjunctiveProof:
    """The real branch is Chaum–Pedersen for m; the other is simulated from a chosen challenge."""
    alpha, beta, k = ct.alpha, ct.beta, public_key
    u, fake_c, fake_v = random_q(), random_q(), random_q()
    minus_c = Q - fake_c
    if message == 0:
        a0, b0 = group.g_pow(u), group.pow_p(k, u)
        a1 = group.g_pow(fake_v) * group.pow_p(alpha, minus_c) % P
        b1 = group.pow_p(k, fake_v) * group.g_pow(fake_c) % P * group.pow_p(beta, minus_c) % P
        c = hash_elems(extended_hash, alpha, beta, a0, b0, a1, b1)
        c0 = (c - fake_c) % Q
        return DisjunctiveProof(a0, b0, a1, b1, c0, fake_c, c, (u + c0 * nonce) % Q, fake_v)
    if message == 1:
        a0 = group.g_pow(fake_v) * group.pow_p(alpha, minus_c) % P
        b0 = group.pow_p(k, fake_v) * group.pow_p(beta, minus_c) % P
        a1, b1 = group.g_pow(u), group.pow_p(k, u)
        c = hash_elems(extended_hash, alpha, beta, a0, b0, a1, b1)
        c1 = (c - fake_c) % Q
        return DisjunctiveProof(a0, b0, a1, b1, fake_c, c1, c, fake_v, (u + c1 * nonce) % Q)
    raise ValueError("only 0 or 1 can be proved")


def verify_zero_or_one(
    group: Group, public_key: mpz, ct: Ciphertext, proof: DisjunctiveProof, extended_hash: mpz
) -> None:
    """ElectionGuard's checks: six subgroup memberships, ranges, the challenge, four equations."""
    alpha, beta, k = ct.alpha, ct.beta, public_key
    pf = proof
    elements_ok = all(group.is_valid_residue(x) for x in (alpha, beta, pf.a0, pf.b0, pf.a1, pf.b1))
    exponents_ok = all(0 <= x < Q for x in (pf.c0, pf.c1, pf.v0, pf.v1))
    challenge_ok = (pf.c0 + pf.c1) % Q == pf.c == hash_elems(extended_hash, alpha, beta, pf.a0, pf.b0, pf.a1, pf.b1)
    eq_g0 = group.g_pow(pf.v0) == pf.a0 * group.pow_p(alpha, pf.c0) % P
    eq_g1 = group.g_pow(pf.v1) == pf.a1 * group.pow_p(alpha, pf.c1) % P
    eq_k0 = group.pow_p(k, pf.v0) == pf.b0 * group.pow_p(beta, pf.c0) % P
    eq_k1 = group.g_pow(pf.c1) * group.pow_p(k, pf.v1) % P == pf.b1 * group.pow_p(beta, pf.c1) % P
    if not (elements_ok and exponents_ok and challenge_ok and eq_g0 and eq_g1 and eq_k0 and eq_k1):
        raise ValueError("invalid disjunctive Chaum–Pedersen proof")


def prove_constant(
    group: Group, public_key: mpz, ct: Ciphertext, constant: int, nonce: mpz, extended_hash: mpz
) -> ConstantProof:
    """Proof that ``ct`` (a contest's homomorphic sum, nonce = sum of nonces) encrypts ``constant``."""
    u = random_q()
    a, b = group.g_pow(u), group.pow_p(public_key, u)
    c = hash_elems(extended_hash, ct.alpha, ct.beta, a, b)
    return ConstantProof(a, b, c, (u + c * nonce) % Q, constant)


def verify_constant(group: Group, public_key: mpz, ct: Ciphertext, proof: ConstantProof, extended_hash: mpz) -> None:
    elements_ok = all(group.is_valid_residue(x) for x in (ct.alpha, ct.beta, proof.a, proof.b))
    challenge_ok = proof.c == hash_elems(extended_hash, ct.alpha, ct.beta, proof.a, proof.b)
    eq_g = group.g_pow(proof.v) == proof.a * group.pow_p(ct.alpha, proof.c) % P
    eq_k = (
        group.g_pow(proof.c * proof.constant) * group.pow_p(public_key, proof.v) % P
        == proof.b * group.pow_p(ct.beta, proof.c) % P
    )
    if not (elements_ok and challenge_ok and eq_g and eq_k):
        raise ValueError("invalid constant Chaum–Pedersen proof")


# --- serialized forms (for the size comparison and for verify-from-bytes) -----------------------


def selection_to_bytes(ct: Ciphertext, proof: DisjunctiveProof) -> bytes:
    """Fixed-width binary: α, β, a0, b0, a1, b1 (512 bytes each), c0, c1, c, v0, v1 (32 bytes each)."""
    big = (ct.alpha, ct.beta, proof.a0, proof.b0, proof.a1, proof.b1)
    small = (proof.c0, proof.c1, proof.c, proof.v0, proof.v1)
    return b"".join(int(x).to_bytes(ELEMENT_BYTES, "big") for x in big) + b"".join(
        int(x).to_bytes(EXPONENT_BYTES, "big") for x in small
    )


def selection_from_bytes(data: bytes) -> tuple[Ciphertext, DisjunctiveProof]:
    if len(data) != 6 * ELEMENT_BYTES + 5 * EXPONENT_BYTES:
        raise ValueError("wrong length for an encrypted selection")
    big = [mpz(int.from_bytes(data[i * ELEMENT_BYTES : (i + 1) * ELEMENT_BYTES], "big")) for i in range(6)]
    base = 6 * ELEMENT_BYTES
    small = [
        mpz(int.from_bytes(data[base + i * EXPONENT_BYTES : base + (i + 1) * EXPONENT_BYTES], "big")) for i in range(5)
    ]
    return Ciphertext(big[0], big[1]), DisjunctiveProof(*big[2:], *small)


def selection_to_json(ct: Ciphertext, proof: DisjunctiveProof) -> bytes:
    """The JSON shape ElectionGuard publishes for a selection: named fields, uppercase hex strings."""
    document = {
        "ciphertext": {"pad": f"{int(ct.alpha):X}", "data": f"{int(ct.beta):X}"},
        "proof": {
            "proof_zero_pad": f"{int(proof.a0):X}",
            "proof_zero_data": f"{int(proof.b0):X}",
            "proof_one_pad": f"{int(proof.a1):X}",
            "proof_one_data": f"{int(proof.b1):X}",
            "proof_zero_challenge": f"{int(proof.c0):X}",
            "proof_one_challenge": f"{int(proof.c1):X}",
            "challenge": f"{int(proof.c):X}",
            "proof_zero_response": f"{int(proof.v0):X}",
            "proof_one_response": f"{int(proof.v1):X}",
            "usage": "SelectionValue",
        },
    }
    return json.dumps(document, indent=2).encode()
