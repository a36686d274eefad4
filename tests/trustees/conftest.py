"""Trustee fixtures: a board (in-memory SQLite) with a manifest naming the trustee roster, the trustees' identity
keys, and fast keystore parameters."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from elections.manifest import Manifest, TrusteeRosterEntry
from elections.presets import build_preset
from record.ceremony import Post
from trustees.ceremony_steps import new_trustee_secrets
from trustees.coordinator import CeremonyParams
from trustees.identity import board_manifest, identity_public_key, sign_post
from trustees.keystore import KdfParams
from trustees.keystore_contents import TrusteeSecrets

#: Tiny Argon2 parameters so tests stay fast; real keystores use `trustees.keystore.DEFAULT_KDF`.
FAST_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)
PARAMS = CeremonyParams(n=5, k=3)
#: The identity keys of trustees 1..5, fixed so every test's manifest can name them in its roster.
IDENTITY_KEYS = [hashlib.sha256(f"shailoo test trustee {i}".encode()).digest() for i in range(1, 6)]
ROSTER = tuple(
    TrusteeRosterEntry(index=i, name=f"Trustee {i}", public_key=identity_public_key(key))
    for i, key in enumerate(IDENTITY_KEYS, start=1)
)


def trustee_secrets(index: int, params: CeremonyParams = PARAMS) -> TrusteeSecrets:
    """Fresh secrets of trustee ``index`` holding the identity key the test roster names."""
    secrets = new_trustee_secrets(index, params)
    secrets.identity_key = IDENTITY_KEYS[index - 1]
    return secrets


def roster_manifest(
    election_id: str | None = "test-2026", params: CeremonyParams = PARAMS, keys: dict[int, str] | None = None
) -> Manifest:
    """The presidential preset (as election ``election_id`` if given) with the test trustees' roster (n, k of
    ``params``); ``keys`` replaces some trustees' identity public keys."""
    manifest = build_preset("president")
    if election_id is not None:
        manifest = manifest.model_copy(update={"election_id": election_id})
    roster = [e.model_copy(update={"public_key": (keys or {}).get(e.index, e.public_key)}) for e in ROSTER]
    # These tests decrypt each ballot style's few ballots on its own: a minimum cell of 1 keeps the styles apart
    # (the merge of small cells is tests/record/test_cells.py's subject).
    policy = manifest.policy.model_copy(update={"min_cell_ballots": 1})
    return manifest.model_copy(update={"policy": policy}).with_trustees(roster[: params.n], params.k)


def signed(board: BulletinBoard, post: Post, index: int) -> Post:
    """``post`` signed with trustee ``index``'s test identity key for the election on ``board``."""
    return sign_post(IDENTITY_KEYS[index - 1], board_manifest(board.entries(0, board.size)), post)


def post_manifest(board: BulletinBoard, manifest: Manifest) -> None:
    board.append(
        "manifest",
        {"manifest": manifest.to_canonical_dict(), "manifest_hash": manifest.manifest_hash().hex()},
        dedup_key="manifest",
    )


def new_board(election_id: str = "test-2026", keys: dict[int, str] | None = None) -> BulletinBoard:
    """An empty board with a manifest entry naming the test roster (the key ceremony starts after the manifest)."""
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin="cec.shailoo.kg/test")
    post_manifest(board, roster_manifest(election_id, keys=keys))
    return board


@pytest.fixture
def board() -> Iterator[BulletinBoard]:
    board = new_board()
    yield board
    board.storage.close()
