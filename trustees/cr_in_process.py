"""The coercion-resistant tally after the close, with the trustees in one process (the demo-grade server flow and
the tests, as `trustees.in_process` runs the key ceremony): docs/spec/credentials.md §8.

Every step is posted to the board and is what the verifier re-checks (checks 46–49): each trustee's blinding of the
ballots' encrypted credentials in board order and the decryption of these order tags (the last ballot of each
credential is kept), the ballots' ``mix_input`` (recomputed from the kept ``cr_ballot`` entries), a shuffle by
each working trustee, the roster's ``mix_input`` and
shuffles, each trustee's blinding of both lists, the trustees' decryption of the tags, the matching, the
decryption of the kept ballots' choices, and ``cr_result``. Each trustee signs with its roster identity key and
uses its own key share; nothing here is trusted by the verifier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.log import BulletinBoard
from crypto.elgamal import Ciphertext
from crypto.group import Point, Scalar
from crypto.shuffle import Row
from elections.manifest import Manifest
from record.ceremony import JointKey
from record.cr_board import (
    ORDER,
    BlindingPost,
    ballot_credentials,
    ballot_mix_input,
    check_roster,
    credential_column,
    make_blinding_post,
    refuse_reused_keys,
    roster_mix_input,
)
from record.cr_contests import Layout
from record.cr_tally import (
    CrCount,
    check_unlinkable,
    choice_ciphertexts,
    combine,
    count_choices,
    cr_result_payload,
    last_ballots,
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


#: ``exponent(step, trustee)`` gives a trustee's blinding exponent for ``step`` (``"order"`` or ``"match"``). Honest
#: trustees draw a fresh one for each step (`fresh_exponent`); tests pass others to play trustees who reuse one.
ExponentSource = Callable[[str, WorkingTrustee], Scalar]
Post = Callable[[EntryKind, dict[str, Any]], None]


def fresh_exponent(step: str, trustee: WorkingTrustee) -> Scalar:
    """A new secret exponent from `secrets` (via `Scalar.random`), never reused between steps."""
    return Scalar.random()


def run_cr_tally(
    board: BulletinBoard,
    manifest: Manifest,
    base_hash: bytes,
    joint: JointKey,
    trustees: Sequence[WorkingTrustee],
    *,
    post: Post | None = None,
    exponent: ExponentSource = fresh_exponent,
) -> tuple[CrCount, dict[str, Any]]:
    """Run the whole tally on ``board`` (phase ``closed``) with ``trustees`` in this order; the count and the
    posted ``cr_result`` payload. ``post(kind, payload)`` appends an entry (default: to ``board``; the demo passes
    one that lets a test play a dishonest server). Each list is read back from the board after it is posted.

    The trustees stop (`CrBoardError`) before decrypting the match tags if an exponent key of the order tags is
    reused for the match tags (``blinding_key_reused``), and before decrypting any choice if a match tag equals an
    order tag (``tags_linkable``): either would link mixed ballots to board ballots."""
    key = joint.joint_public_key
    shares = dict(enumerate(joint.public_shares, start=1))

    def posted(kind: EntryKind) -> list[dict[str, Any]]:
        return [dict(e.payload) for e in board.entries(0, board.size) if e.kind is kind]

    def append(kind: EntryKind, payload: dict[str, Any]) -> None:
        if post is None:
            board.append(kind, payload)
        else:
            post(kind, payload)

    def newest_blinding() -> list[Ciphertext]:
        return list(BlindingPost.from_payload(posted(EntryKind.CR_BLINDING)[-1]).outputs)

    def decrypt(target: str, ciphertexts: list[Ciphertext]) -> tuple[list[Point], tuple[int, ...]]:
        for t in trustees:
            append(
                EntryKind.CR_DECRYPTION,
                make_decryption_post(t.identity, manifest, base_hash, t.index, t.share, target, ciphertexts),
            )
        return combine(manifest, base_hash, shares, target, ciphertexts, posted(EntryKind.CR_DECRYPTION))

    # 1. Order tags: every ballot's encrypted credential in board order, blinded by each trustee with an exponent of
    #    this step only, then decrypted; the last ballot of each order tag is kept.
    ballots = posted(EntryKind.CR_BALLOT)
    column = ballot_credentials(ballots)
    order_keys = []
    for position, t in enumerate(trustees):
        y = exponent(ORDER, t)
        order_keys.append(Point.base_mul(y))
        append(
            EntryKind.CR_BLINDING,
            make_blinding_post(t.identity, manifest, base_hash, t.index, ORDER, position, y, column),
        )
        column = newest_blinding()
    order_tags, _ = decrypt(ORDER, column)
    last = last_ballots(order_tags, revoting_allowed=manifest.policy.revoting_allowed)
    # 2. Mix the kept ballots (the mix input anyone recomputes from the ballots and the order tags) and the roster.
    append(EntryKind.MIX_INPUT, ballot_mix_input(ballots, last.kept, Layout.of(manifest), key))
    rows: list[Row] = list(MixInput.from_payload(posted(EntryKind.MIX_INPUT)[-1]).rows)
    for position, t in enumerate(trustees):
        append(EntryKind.SHUFFLE, make_shuffle_post(t.identity, manifest, base_hash, key, t.index, position, rows))
        rows = list(ShufflePost.from_payload(posted(EntryKind.SHUFFLE)[-1]).outputs)
    roster = check_roster(manifest, posted(EntryKind.CR_ROSTER))
    append(EntryKind.MIX_INPUT, roster_mix_input(roster))
    roster_rows: list[Row] = [(ct,) for ct in roster]
    for position, t in enumerate(trustees):
        shuffled = make_shuffle_post(
            t.identity, manifest, base_hash, key, t.index, position, roster_rows, which="roster"
        )
        append(EntryKind.SHUFFLE, shuffled)
        roster_rows = list(ShufflePost.from_payload(posted(EntryKind.SHUFFLE)[-1]).outputs)
    # 3. Match tags: both mixed lists blinded with a FRESH exponent per trustee (one for both lists), decrypted.
    lists = {"ballots": credential_column(rows), "roster": [row[0] for row in roster_rows]}
    match_keys = []
    for position, t in enumerate(trustees):
        z = exponent("match", t)
        match_keys.append(Point.base_mul(z))
        for which in ("ballots", "roster"):
            append(
                EntryKind.CR_BLINDING,
                make_blinding_post(t.identity, manifest, base_hash, t.index, which, position, z, lists[which]),
            )
            lists[which] = newest_blinding()
    refuse_reused_keys(order_keys, match_keys)
    tags, _ = decrypt("tags", [*lists["ballots"], *lists["roster"]])
    check_unlinkable(order_tags, tags)
    match = match_from_tags(tags, len(rows))
    # 4. Only the kept ballots' choices are decrypted.
    points, used = decrypt("choices", choice_ciphertexts(rows, match.kept))
    count = count_choices(manifest, match, points)
    result = cr_result_payload(manifest, len(ballots), len(roster), count, used, superseded=len(last.superseded))
    append(EntryKind.CR_RESULT, result)
    return count, result
