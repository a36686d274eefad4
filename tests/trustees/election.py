"""A small closed election on a board, built the way the server builds it, for the decryption tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from elections.manifest import Manifest
from record.ballot import create_ballot, election_base_hash
from record.ceremony import JointKey
from tests.trustees.cheating import run_ceremony_with_cheaters
from tests.trustees.conftest import post_manifest, roster_manifest, trustee_secrets
from trustees.coordinator import CeremonyParams
from trustees.decryption import recompute_tally
from trustees.in_process import run_key_ceremony
from trustees.keystore_contents import MemoryStore, SecretsStore

PARAMS = CeremonyParams(n=5, k=3)
#: (ballot style index, candidate position) of every ballot cast; the last ballot re-votes with the first one's key.
VOTES = [(0, 0), (0, 2), (0, 2), (1, 5), (1, 2)]


@dataclass
class Election:
    board: BulletinBoard
    manifest: Manifest
    joint_key: JointKey
    trustees: list[SecretsStore]
    #: {style_id: counts per candidate} that the tally must give.
    expected: dict[str, list[int]]


def manifest_board(params: CeremonyParams = PARAMS) -> tuple[BulletinBoard, Manifest]:
    """A board holding the presidential preset's manifest with the trustee roster, as the server posts it (phase
    ``key_ceremony``)."""
    manifest = roster_manifest(None, params)
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin="cec.shailoo.kg/test")
    post_manifest(board, manifest)
    return board, manifest


def open_election(params: CeremonyParams = PARAMS, cheaters: Mapping[int, int] | None = None) -> Election:
    """Manifest on the board and the key ceremony done (phase ``ready``); each dealer of ``cheaters`` sends its
    victim ({dealer: victim}) a bad share and is disqualified."""
    board, manifest = manifest_board(params)
    stores: list[SecretsStore] = [MemoryStore(trustee_secrets(i, params).to_dict()) for i in range(1, params.n + 1)]
    if cheaters:
        joint = run_ceremony_with_cheaters(board, params, stores, cheaters)
    else:
        joint, stores = run_key_ceremony(board, params, stores)
    return Election(board, manifest, joint, stores, {})


def cast_and_close(election: Election, *, post_tally: bool = True) -> Election:
    """Open the channels, cast `VOTES` (the last re-votes), close, and post the encrypted tally like the server."""
    board, manifest = election.board, election.manifest
    base = election_base_hash(manifest, election.joint_key.joint_public_key, {})
    board.append("channels_open", {"channels": ["app"], "election_base_hash": base.hex()})
    styles = sorted(s.style_id for s in manifest.ballot_styles)
    contest = manifest.contests[0]
    keys = [Ed25519PrivateKey.generate() for _ in VOTES]
    keys[-1] = keys[0]  # re-vote: the president preset lets the last ballot of a credential count
    expected: dict[str, list[int]] = {}
    counted: dict[bytes, tuple[str, int]] = {}
    for (style_index, choice), key in zip(VOTES, keys, strict=True):
        style_id = styles[style_index]
        vector = [1 if i == choice else 0 for i in range(len(contest.selections))]
        ballot, _ = create_ballot(
            manifest,
            style_id,
            {contest.contest_id: vector},
            joint_public_key=election.joint_key.joint_public_key,
            base_hash=base,
            credential_key=key,
            msg_prefix=bytes(32),
            registrar_signature=bytes(8),
        )
        board.append("ballot", ballot.to_json())
        counted[ballot.credential.public_key] = (style_id, choice)
    for style_id, choice in counted.values():
        expected.setdefault(style_id, [0] * len(contest.selections))[choice] += 1
    election.expected = expected
    board.append("close", {"reason": "polls closed"})
    if post_tally:
        tally = recompute_tally(board.entries(0, board.size), manifest)
        board.append("encrypted_tally", {**tally.to_json(), "superseded": []}, dedup_key="encrypted_tally")
    return election
