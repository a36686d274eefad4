"""The shuffle's prover and checker with their per-row work split into chunks that a caller-given ``mapper`` runs
(a Dask client's map, a process pool's, or the builtin `map`): the proof is the one of `crypto.shuffle` (spec
shuffle.md), byte for byte the same format, and `crypto.shuffle.verify_shuffle` accepts it.

What runs in chunks, because the math allows it (every item depends only on its own row and public values):

* the generators h_i (one hash to curve each), installed in `crypto.shuffle`'s cache;
* the re-encryption of every row, and the permutation commitments c_j = r_j·G + h_{ψ⁻¹(j)};
* the commitment chain: ĉ_i = r̂_i·G + u'_i·ĉ_{i−1} is sequential as written, but unrolled it is
  ĉ_i = R_i·G + U_i·H with U_i = Π_{k≤i} u'_k and R_i = r̂_i + u'_i·R_{i−1} — scalars the coordinator computes in
  one cheap pass — so every ĉ_i is an independent two-term multiplication;
* t̂_i = ω̂_i·G + ω'_i·ĉ_{i−1}, and the multi-scalar multiplications of t3 and t4 as sums of chunk partials;
* in the checker, the one random linear combination of every relation (`crypto.relations.RelationAccumulator`)
  as chunk partials whose sum must be the identity.

What stays with the coordinator: the random values (`secrets`), the transcript hashes and challenges, the scalar
arithmetic. Points cross process boundaries uncompressed (65 bytes: no square root to decode) and
are checked to lie on the curve on arrival (`Point.from_affine`). ``mapper`` is trusted like the mixer's own
processes: a worker that lies produces a proof that fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from petlib.ec import POINT_CONVERSION_UNCOMPRESSED

from crypto.elgamal import Ciphertext, generator_plus_mul
from crypto.errors import InvalidProofError, ParameterError
from crypto.generators import independent_generator
from crypto.group import ORDER, Point, Scalar, point_sum
from crypto.relations import RelationAccumulator, linear_combination
from crypto.shuffle import (
    GENERATOR_H_LABEL,
    GENERATOR_PREFIX,
    MAX_ROWS,
    Row,
    SecretsSource,
    ShuffleProof,
    _final_challenge,
    _statement_transcript,
    cached_generator_count,
    check_rows,
    commitment_generators,
    install_generators,
    permutation_challenges,
    random_permutation,
    shuffle_relations,
)

T = TypeVar("T")
R = TypeVar("R")
#: ``mapper(function, tasks)`` returns ``[function(task) for task in tasks]`` in order, wherever it runs them.
Mapper = Callable[[Callable[[Any], Any], list[Any]], Iterable[Any]]


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _wire(point: Point) -> bytes:
    """The uncompressed SEC1 encoding (65 bytes; the identity is the one byte 00)."""
    return bytes(point.ec_point.export(POINT_CONVERSION_UNCOMPRESSED))


def _unwire(data: bytes) -> Point:
    if data == b"\x00":
        return Point.identity()
    if len(data) != 65 or data[0] != 4:
        raise ParameterError("a point on the wire is 65 bytes, uncompressed")
    return Point.from_affine(int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))


def _points(data: Sequence[bytes]) -> list[Point]:
    return [_unwire(b) for b in data]


# -- worker tasks: top-level functions of bytes and ints, so any process pool can run them --------------------


def _task_generators(span: tuple[int, int]) -> list[bytes]:
    return [_wire(independent_generator(f"{GENERATOR_PREFIX}{i}")) for i in range(*span)]


def _task_reencrypt(task: tuple[bytes, list[list[tuple[bytes, bytes]]], list[list[int]]]) -> list[list[bytes]]:
    key_bytes, rows, nonces = task
    key = _unwire(key_bytes)
    out = []
    for row, row_nonces in zip(rows, nonces, strict=True):
        cells = []
        for (alpha, beta), r in zip(row, row_nonces, strict=True):
            a = _unwire(alpha) + Point.base_mul(r)
            b = _unwire(beta) + key * r
            cells.append(_wire(a) + _wire(b))
        out.append(cells)
    return out


def _task_two_term(task: tuple[bytes, list[tuple[int, int, bytes]]]) -> list[bytes]:
    """[g·G + k·P] for each (g, k, P) — commitments (k = 1), chain links (P = H), t̂_i."""
    _, items = task
    return [_wire(generator_plus_mul(g, Scalar(k), _unwire(p))) for g, k, p in items]


def _task_msm(task: tuple[int, list[tuple[int, bytes]]]) -> bytes:
    generator, terms = task
    return _wire(linear_combination(generator, [(k, _unwire(p)) for k, p in terms]))


# -- coordinator -----------------------------------------------------------------------------------------------


def generators_chunked(count: int, mapper: Mapper, chunk: int) -> list[Point]:
    """h_0 … h_{count−1} computed in chunks by ``mapper`` and installed in `crypto.shuffle`'s cache."""
    if count > MAX_ROWS:
        raise ParameterError(f"a shuffle has at most {MAX_ROWS} rows")
    start = cached_generator_count()
    spans = [(s, min(s + chunk, count)) for s in range(start, count, chunk)]
    if spans:
        install_generators(start, _points([b for part in mapper(_task_generators, spans) for b in part]))
    return commitment_generators(count)


def _msm(mapper: Mapper, chunk: int, generator: int, terms: Sequence[tuple[int, Point]]) -> Point:
    tasks = [
        (generator if i == 0 else 0, [(k % ORDER, _wire(p)) for k, p in part])
        for i, part in enumerate(_chunks(terms, chunk))
    ] or [(generator, [])]
    return point_sum(_unwire(b) for b in mapper(_task_msm, tasks))


def _two_term(mapper: Mapper, chunk: int, items: Sequence[tuple[int, int, Point]]) -> list[Point]:
    tasks = [(b"", [(g % ORDER, k % ORDER, _wire(p)) for g, k, p in part]) for part in _chunks(items, chunk)]
    return _points([b for part in mapper(_task_two_term, tasks) for b in part])


def shuffle_chunked(
    context: bytes, public_key: Point, inputs: Sequence[Row], mapper: Mapper, chunk: int = 500
) -> tuple[list[Row], ShuffleProof]:
    """`crypto.shuffle.shuffle` with its per-row work in chunks run by ``mapper``; (outputs, proof)."""
    source = SecretsSource()
    count, width = len(inputs), check_rows(inputs, "shuffle inputs")
    h = generators_chunked(count, mapper, chunk)
    big_h = independent_generator(GENERATOR_H_LABEL)
    permutation = random_permutation(count, source)
    nonces = [[int(source.scalar()) for _ in range(width)] for _ in range(count)]
    permuted = [[(_wire(ct.alpha), _wire(ct.beta)) for ct in inputs[j]] for j in permutation]
    tasks = [
        (_wire(public_key), list(rows), list(ns))
        for rows, ns in zip(_chunks(permuted, chunk), _chunks(nonces, chunk), strict=True)
    ]
    outputs: list[Row] = [
        tuple(Ciphertext(_unwire(c[:65]), _unwire(c[65:])) for c in row)
        for part in mapper(_task_reencrypt, tasks)
        for row in part
    ]

    r = [int(source.scalar()) for _ in range(count)]
    inverse = [0] * count
    for i, j in enumerate(permutation):
        inverse[j] = i
    commitments = _two_term(mapper, chunk, [(r[j], 1, h[inverse[j]]) for j in range(count)])

    transcript = _statement_transcript(context, public_key, inputs, outputs, commitments)
    u = [int(x) for x in permutation_challenges(transcript, count)]
    u_prime = [u[j] for j in permutation]

    # The chain unrolled: ĉ_i = R_i·G + U_i·H.
    r_hat = [int(source.scalar()) for _ in range(count)]
    big_r, big_u, unrolled = 0, 1, []
    for i in range(count):
        big_r = (r_hat[i] + u_prime[i] * big_r) % ORDER
        big_u = (u_prime[i] * big_u) % ORDER
        unrolled.append((big_r, big_u, big_h))
    chain = _two_term(mapper, chunk, unrolled)

    r_bar = sum(r) % ORDER
    r_hat_sum, suffix = 0, 1
    for i in range(count - 1, -1, -1):
        r_hat_sum = (r_hat_sum + r_hat[i] * suffix) % ORDER
        suffix = (suffix * u_prime[i]) % ORDER
    r_tilde = sum(a * b for a, b in zip(r, u, strict=True)) % ORDER
    r_prime = [sum(nonces[i][k] * u_prime[i] for i in range(count)) % ORDER for k in range(width)]

    omega1, omega2, omega3 = (int(source.scalar()) for _ in range(3))
    omega4 = [int(source.scalar()) for _ in range(width)]
    omega_hat = [int(source.scalar()) for _ in range(count)]
    omega_prime = [int(source.scalar()) for _ in range(count)]
    t1, t2 = Point.base_mul(omega1), Point.base_mul(omega2)
    t3 = _msm(mapper, chunk, omega3, list(zip(omega_prime, h, strict=True)))
    t4 = []
    for k in range(width):
        alphas = _msm(mapper, chunk, -omega4[k], list(zip(omega_prime, (row[k].alpha for row in outputs), strict=True)))
        betas = _msm(
            mapper,
            chunk,
            0,
            [(-omega4[k], public_key), *zip(omega_prime, (row[k].beta for row in outputs), strict=True)],
        )
        t4.append((alphas, betas))
    previous_chain = [big_h, *chain[:-1]]
    t_hat = _two_term(mapper, chunk, [(omega_hat[i], omega_prime[i], previous_chain[i]) for i in range(count)])

    c = int(_final_challenge(transcript, chain, t1, t2, t3, t4, t_hat))
    proof = ShuffleProof(
        permutation_commitments=tuple(commitments),
        chain=tuple(chain),
        t1=t1,
        t2=t2,
        t3=t3,
        t4=tuple(t4),
        chain_commitments=tuple(t_hat),
        s1=Scalar((omega1 + c * r_bar) % ORDER),
        s2=Scalar((omega2 + c * r_hat_sum) % ORDER),
        s3=Scalar((omega3 + c * r_tilde) % ORDER),
        s4=tuple(Scalar((omega4[k] + c * r_prime[k]) % ORDER) for k in range(width)),
        chain_responses=tuple(Scalar((omega_hat[i] + c * r_hat[i]) % ORDER) for i in range(count)),
        permutation_responses=tuple(Scalar((omega_prime[i] + c * u_prime[i]) % ORDER) for i in range(count)),
    )
    return outputs, proof


def verify_shuffle_chunked(
    context: bytes,
    public_key: Point,
    inputs: Sequence[Row],
    outputs: Sequence[Row],
    proof: ShuffleProof,
    mapper: Mapper,
    chunk: int = 500,
) -> None:
    """`crypto.shuffle.verify_shuffle` with the generators and the final multi-scalar multiplication in chunks:
    the same relations (`shuffle_relations`), one random 128-bit weight each, summed by chunk partials."""
    generators_chunked(len(inputs), mapper, chunk)
    accumulator = RelationAccumulator()
    accumulator.add(shuffle_relations(context, public_key, inputs, outputs, proof))
    generator, terms = accumulator.combination()
    if not _msm(mapper, chunk, generator, terms).is_identity():
        raise InvalidProofError("the shuffle proof does not verify")
