"""The coercion-resistant tally after the close, with the trustees in one process (the demo-grade server flow and
the tests, as `trustees.in_process` runs the key ceremony): docs/spec/credentials.md §8.

Every step is posted to the board and is what the verifier re-checks (checks 46–49): the ballots' ``mix_input``
(recomputed from the ``cr_ballot`` entries), a shuffle by each working trustee, the roster's ``mix_input`` and
shuffles, each trustee's blinding of both lists, the trustees' decryption of the tags, the matching, the
decryption of the kept ballots' choices, and ``cr_result``. Each trustee signs with its roster identity key and
uses its own key share; nothing here is trusted by the verifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.log import BulletinBoard
from crypto.group import Scalar
from crypto.shuffle import Row
from elections.manifest import Manifest
from record.ceremony import JointKey
from record.cr_board import (
    BlindingPost,
    ballot_mix_input,
    check_roster,
    credential_column,
    make_blinding_post,
    roster_mix_input,
)
from record.cr_contests import Layout
from record.cr_tally import (
    CrCount,
    choice_ciphertexts,
    combine,
    count_choices,
    cr_result_payload,
    make_decryption_post,
    match_from_tags,
)
from record.mix import MixInput, ShufflePost, make_shuffle_post
from trustees.errors import CeremonyError
from trustees.keystore_contents import SecretsStore, TrusteeSecrets


@dataclass(frozen=True)
class WorkingTrustee:
    """A trustee taking part in the tally: its index, roster identity key and key share."""

    index: int
    identity: Ed25519PrivateKey
    share: Scalar

    @classmethod
    def from_store(cls, store: SecretsStore) -> WorkingTrustee:
        secrets_ = TrusteeSecrets.from_dict(store.secrets)
        if secrets_.identity_key is None or secrets_.key_share is None:
            raise CeremonyError(f"trustee {secrets_.index} holds no identity key or key share")
        return cls(
            secrets_.index,
            Ed25519PrivateKey.from_private_bytes(secrets_.identity_key),
            secrets_.key_share.secret_share,
        )


def run_cr_tally(
    board: BulletinBoard, manifest: Manifest, base_hash: bytes, joint: JointKey, trustees: Sequence[WorkingTrustee]
) -> tuple[CrCount, dict[str, Any]]:
    """Run the whole tally on ``board`` (phase ``closed``) with ``trustees`` in this order; the count and the
    posted ``cr_result`` payload."""
    key = joint.joint_public_key

    def posted(kind: EntryKind) -> list[dict[str, Any]]:
        return [dict(e.payload) for e in board.entries(0, board.size) if e.kind is kind]

    def append(kind: EntryKind, payload: dict[str, Any]) -> None:
        board.append(kind, payload)

    ballots = posted(EntryKind.CR_BALLOT)
    append(EntryKind.MIX_INPUT, ballot_mix_input(ballots, Layout.of(manifest), key))
    rows: list[Row] = list(MixInput.from_payload(posted(EntryKind.MIX_INPUT)[0]).rows)
    for position, t in enumerate(trustees):
        append(EntryKind.SHUFFLE, make_shuffle_post(t.identity, manifest, base_hash, key, t.index, position, rows))
        rows = list(ShufflePost.from_payload(posted(EntryKind.SHUFFLE)[-1]).outputs)
    roster = check_roster(manifest, posted(EntryKind.CR_ROSTER))
    append(EntryKind.MIX_INPUT, roster_mix_input(roster))
    roster_rows: list[Row] = [(ct,) for ct in roster]
    for position, t in enumerate(trustees):
        post = make_shuffle_post(t.identity, manifest, base_hash, key, t.index, position, roster_rows, which="roster")
        append(EntryKind.SHUFFLE, post)
        roster_rows = list(ShufflePost.from_payload(posted(EntryKind.SHUFFLE)[-1]).outputs)
    lists = {"ballots": credential_column(rows), "roster": [row[0] for row in roster_rows]}
    for position, t in enumerate(trustees):
        exponent = Scalar.random()
        for which in ("ballots", "roster"):
            append(
                EntryKind.CR_BLINDING,
                make_blinding_post(t.identity, manifest, base_hash, t.index, which, position, exponent, lists[which]),
            )
            lists[which] = list(BlindingPost.from_payload(posted(EntryKind.CR_BLINDING)[-1]).outputs)
    tag_cts = [*lists["ballots"], *lists["roster"]]
    shares = dict(enumerate(joint.public_shares, start=1))
    for t in trustees:
        append(
            EntryKind.CR_DECRYPTION,
            make_decryption_post(t.identity, manifest, base_hash, t.index, t.share, "tags", tag_cts),
        )
    tags, _ = combine(manifest, base_hash, shares, "tags", tag_cts, posted(EntryKind.CR_DECRYPTION))
    match = match_from_tags(tags, len(rows))
    choice_cts = choice_ciphertexts(rows, match.kept)
    for t in trustees:
        append(
            EntryKind.CR_DECRYPTION,
            make_decryption_post(t.identity, manifest, base_hash, t.index, t.share, "choices", choice_cts),
        )
    points, used = combine(manifest, base_hash, shares, "choices", choice_cts, posted(EntryKind.CR_DECRYPTION))
    count = count_choices(manifest, match, points)
    result = cr_result_payload(manifest, len(rows), len(roster), count, used)
    append(EntryKind.CR_RESULT, result)
    return count, result
