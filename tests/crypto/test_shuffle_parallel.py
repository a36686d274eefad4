"""The chunked shuffle prover and checker (crypto.shuffle_parallel): its proof is the ordinary one (verify_shuffle
accepts it), its checker refuses what verify_shuffle refuses, and it runs on a local Dask cluster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crypto.elgamal import Ciphertext, ElGamalKeyPair, decrypt_to_point, encrypt
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.shuffle import Row, verify_shuffle
from crypto.shuffle_parallel import shuffle_chunked, verify_shuffle_chunked

CONTEXT = b"\x61" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0xABCDEF))
ROWS: list[Row] = [
    (encrypt(KEYS.public, i, Scalar(1000 + i)), encrypt(KEYS.public, 7, Scalar(2000 + i))) for i in range(23)
]


def local_map(function: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
    return [function(task) for task in tasks]


def _plain(rows: list[Row]) -> list[tuple[Point, ...]]:
    return sorted((tuple(decrypt_to_point(ct, KEYS.secret) for ct in row) for row in rows), key=repr)


def test_the_chunked_proof_is_an_ordinary_shuffle_proof() -> None:
    outputs, proof = shuffle_chunked(CONTEXT, KEYS.public, ROWS, local_map, chunk=5)
    verify_shuffle(CONTEXT, KEYS.public, ROWS, outputs, proof)
    verify_shuffle_chunked(CONTEXT, KEYS.public, ROWS, outputs, proof, local_map, chunk=4)
    assert _plain(outputs) == _plain(ROWS)
    assert [row[0].to_bytes() for row in outputs] != [row[0].to_bytes() for row in ROWS]  # re-encrypted


def test_the_chunked_checker_refuses_an_altered_output_or_another_context() -> None:
    outputs, proof = shuffle_chunked(CONTEXT, KEYS.public, ROWS, local_map, chunk=5)
    first = outputs[0][0]
    altered = [(Ciphertext(first.alpha, first.beta + Point.generator()), outputs[0][1]), *outputs[1:]]
    with pytest.raises(InvalidProofError):
        verify_shuffle_chunked(CONTEXT, KEYS.public, ROWS, altered, proof, local_map, chunk=4)
    with pytest.raises(InvalidProofError):
        verify_shuffle_chunked(b"\x62" * 32, KEYS.public, ROWS, outputs, proof, local_map, chunk=4)
    with pytest.raises(InvalidProofError):  # a dropped row (the last input twice)
        verify_shuffle_chunked(CONTEXT, KEYS.public, ROWS, [*outputs[:-1], outputs[0]], proof, local_map, chunk=4)


def test_it_runs_on_a_local_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is a dependency; absent here")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):

        def dask_map(function: Callable[[Any], Any], tasks: list[Any]) -> list[Any]:
            return list(client.gather(client.map(function, tasks, pure=False)))

        outputs, proof = shuffle_chunked(CONTEXT, KEYS.public, ROWS, dask_map, chunk=6)
        verify_shuffle_chunked(CONTEXT, KEYS.public, ROWS, outputs, proof, dask_map, chunk=6)
    verify_shuffle(CONTEXT, KEYS.public, ROWS, outputs, proof)
