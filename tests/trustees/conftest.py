"""Trustee fixtures: a board (in-memory SQLite) with a manifest on it, and fast keystore parameters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from trustees.ceremony import CeremonyParams
from trustees.keystore import KdfParams

#: Tiny Argon2 parameters so tests stay fast; real keystores use `trustees.keystore.DEFAULT_KDF`.
FAST_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)
PARAMS = CeremonyParams(n=5, k=3)


def new_board(election_id: str = "test-2026") -> BulletinBoard:
    """An empty board with a manifest entry (the key ceremony starts after the manifest)."""
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin="cec.shailoo.kg/test")
    board.append("manifest", {"election_id": election_id, "title": "Trustee test election"})
    return board


@pytest.fixture
def board() -> Iterator[BulletinBoard]:
    board = new_board()
    yield board
    board.storage.close()
