"""The coercion-resistant tally's last steps on the board (docs/spec/record.md §2.15, credentials.md §8): the
trustees' decryption of the tags, the matching, the decryption of the kept ballots' choices only, and the result.

* ``cr_decryption`` — trustee j's decryption shares (with their proofs) of one target, signed with its roster key:

      {"trustee": j, "target": "order" | "tags" | "choices", "shares": hex(N shares of 135 bytes), "signature": hex(64)}

  ``order``: the fully blinded ``order`` chain (`record.cr_board.check_order_blinding`), one per ``cr_ballot`` in
  board order; its decryptions are the order tags, of which `crypto.credentials.keep_last` keeps the last ballot of
  each (the ballots mixed are those). ``tags``: the fully blinded ballot credentials followed by the fully blinded
  roster credentials (`record.cr_board.check_blinding`). ``choices``: for each kept ballot in mixed order, its
  contest ciphertexts (the rest of its mixed row). The shares' context is ``H("cr/decryption-context", B, target)``.
* ``cr_result`` — the server's published result, which anyone recomputes: ``{"election_id", "ballots", "kept",
  "unmatched", "duplicates", "trustees", "counts": {contest_id: [per selection]}, "invalid": {contest_id: n},
  "results": ..., "results_hash": hex}``.

Re-voting: of several ballots with one credential (real or fake) the LAST in board order counts (the first when the
manifest's ``policy.revoting_allowed`` is false). Before the mix the order tags say which board ballots share a
credential (`last_ballots`); only the one that counts of each is mixed. After the mix
the match tags (fresh exponents: an order tag never equals a match tag, `check_unlinkable`) are matched with
`crypto.credentials.match_tags`: a ballot whose tag is on no roster entry (a fake or unregistered credential) is
dropped; no two mixed ballots share a tag (`tags_repeat` otherwise). The board shows which board ballots share a
credential and how many mixed ballots were dropped, never which, nor which board ballot counted.

Every contest kind is a packed number (`record.cr_contests`: a selection index, a party list + preference, or a
bit mask of marks); a number naming no valid choice is an invalid ballot of that contest, as on paper. The kept rows'
slot values are decoded through the election's `record.cr_contests.Layout` (contest, region where the rules need it,
choice) and counted; the rules engine makes the results with the per-region counts the 2021 list threshold needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.credentials import LastBallots, TagMatch, keep_first, keep_last, linked_tags, match_tags
from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext
from crypto.errors import DecryptionError
from crypto.group import Point, Scalar
from crypto.hashing import hash_fields
from crypto.shuffle import Row
from crypto.strict_json import Field
from crypto.threshold import (
    DECRYPTION_SHARE_BYTES,
    DecryptionShare,
    check_decryption_shares,
    combine_decryption_share_vectors,
    compute_decryption_shares,
)
from elections.manifest import Contest, Manifest
from elections.results import compute_results
from elections.results_model import ContestTurnout, Figures, Turnout
from record.cr_board import CrBoardError, read_payload, require_cr
from record.cr_contests import ContestCode, Layout, SlotCount, count_values
from record.trustee_posts import check_trustee_post, sign_trustee_post

DECRYPTION_CONTEXT_TAG: Final = "cr/decryption-context"
TARGETS: Final = ("order", "tags", "choices")
_MAX_FIELD_BYTES: Final = 32 * 1024 * 1024


def choice_bits(contest: Contest) -> int:
    """Bits of a contest's packed choice in this mode (`record.cr_contests.ContestCode`)."""
    return ContestCode.of(contest).bits


def bits_by_contest(manifest: Manifest, style_id: str) -> dict[str, int]:
    return {c: choice_bits(manifest.contest(c)) for c in manifest.ballot_style(style_id).contest_ids}


def mode_contests(manifest: Manifest) -> list[str]:
    """The first ballot style's contests, sorted (what the single-style voter client marks). A ballot of any style
    is accepted: its contests are its own style's (`record.cr_ballot.check_cr_ballot`)."""
    return sorted(manifest.ballot_styles[0].contest_ids)


def decryption_context(base_hash: bytes, target: str) -> bytes:
    return hash_fields(DECRYPTION_CONTEXT_TAG, base_hash, target.encode())


@dataclass(frozen=True)
class CrDecryptionPost:
    trustee: int
    target: str
    shares: tuple[DecryptionShare, ...]

    def to_payload(self) -> dict[str, Any]:
        return {
            "trustee": self.trustee,
            "target": self.target,
            "shares": b"".join(s.to_bytes() for s in self.shares).hex(),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> CrDecryptionPost:
        def shares(data: bytes) -> tuple[DecryptionShare, ...]:
            size = DECRYPTION_SHARE_BYTES
            if not data or len(data) % size:
                raise CrBoardError(f"decryption shares are {size} bytes each", code="non_canonical")
            return tuple(DecryptionShare.from_bytes(data[i : i + size]) for i in range(0, len(data), size))

        def read(f: Field) -> CrDecryptionPost:
            obj = f.as_object({"trustee", "target", "shares", "signature"})
            target = obj["target"].text()
            if target not in TARGETS:
                raise obj["target"].fail(f"the target is one of {TARGETS}")
            trustee = obj["trustee"].integer(minimum=1, maximum=1000)
            parsed = obj["shares"].decode(shares, obj["shares"].hex(max_len=_MAX_FIELD_BYTES))
            if any(s.index != trustee for s in parsed):
                raise obj["shares"].fail("every share is the posting trustee's")
            obj["signature"].hex(64)
            return cls(trustee, target, parsed)

        result: CrDecryptionPost = read_payload("cr_decryption", payload, read)
        return result


def make_decryption_post(
    key: Ed25519PrivateKey,
    manifest: Manifest,
    base_hash: bytes,
    trustee: int,
    secret_share: Scalar,
    target: str,
    ciphertexts: Sequence[Ciphertext],
) -> dict[str, Any]:
    shares = compute_decryption_shares(decryption_context(base_hash, target), trustee, secret_share, ciphertexts)
    post = CrDecryptionPost(trustee, target, shares)
    return sign_trustee_post(key, manifest.manifest_hash(), "cr_decryption", post.to_payload())


def combine(
    manifest: Manifest,
    base_hash: bytes,
    public_shares: Mapping[int, Point],
    target: str,
    ciphertexts: Sequence[Ciphertext],
    posts: Sequence[Mapping[str, Any]],
) -> tuple[list[Point], tuple[int, ...]]:
    """The plaintext points of ``ciphertexts`` from the ``target``'s posts: each signed, one per trustee, its
    shares' proofs checked against the trustee's public share; at least the manifest's threshold of trustees."""
    manifest_hash = manifest.manifest_hash()
    vectors: dict[int, tuple[DecryptionShare, ...]] = {}
    for payload in posts:
        check_trustee_post(manifest, "cr_decryption", payload, manifest_hash=manifest_hash)
        post = CrDecryptionPost.from_payload(payload)
        if post.target != target:
            continue
        if post.trustee in vectors:
            raise CrBoardError(f"trustee {post.trustee} decrypted the {target} twice", code="duplicate_decryption")
        if post.trustee not in public_shares:
            raise CrBoardError(f"trustee {post.trustee} holds no key share", code="unknown_trustee")
        check_decryption_shares(
            decryption_context(base_hash, target), public_shares[post.trustee], ciphertexts, post.shares
        )
        vectors[post.trustee] = post.shares
    k = manifest.trustee_threshold or 1
    if len(vectors) < k:
        raise CrBoardError(
            f"the {target} were decrypted by {len(vectors)} trustees; {k} are needed", code="not_decrypted"
        )
    trustees = tuple(sorted(vectors))
    return combine_decryption_share_vectors(ciphertexts, [vectors[t] for t in trustees], k), trustees


def choice_ciphertexts(rows: Sequence[Row], kept: Sequence[int]) -> list[Ciphertext]:
    """The contest ciphertexts of the kept ballots, in mixed order (what the ``choices`` shares decrypt)."""
    return [ct for i in kept for ct in rows[i][1:]]


@dataclass(frozen=True)
class CrOrder:
    """What the order step established: the order tags (one per ``cr_ballot``, board order), the order chain's
    exponent keys, and how many ballots a later one with their credential superseded."""

    tags: tuple[Point, ...]
    keys: tuple[Point, ...]
    superseded: int


@dataclass(frozen=True)
class CrCount:
    match: TagMatch
    counts: dict[str, list[int]]
    invalid: dict[str, int]
    slots: SlotCount


def count_choices(manifest: Manifest, match: TagMatch, points: Sequence[Point]) -> CrCount:
    """Decode each kept ballot's slot values (`record.cr_contests.Layout.decode`) and count them; a value naming no
    valid choice is an invalid ballot of its contest."""
    layout = Layout.of(manifest)
    if len(points) != layout.width * len(match.kept):
        raise CrBoardError("the decrypted choices are not one per kept ballot and slot", code="malformed")
    # 1,024 baby steps (cached per process): a 2021 list value (≤ 22,527) takes at most 22 giant steps.
    tables = [DiscreteLogTable(layout.table_max(k), 1024) for k in range(layout.width)]
    values = []
    for i, point in enumerate(points):
        try:
            values.append(tables[i % layout.width].decode(point))
        except DecryptionError as e:  # the proofs and the public cell part forbid it: a broken decryption
            raise CrBoardError(f"decrypted value {i} is beyond its slot", code="malformed") from e
    slots = count_values(layout, values)
    return CrCount(match, slots.counts, slots.invalid, slots)


def cr_result_payload(
    manifest: Manifest, ballots: int, roster: int, count: CrCount, trustees: Sequence[int], *, superseded: int
) -> dict[str, Any]:
    """The ``cr_result`` payload: ``ballots`` = every ``cr_ballot`` on the board, ``duplicates`` = the ``superseded``
    ones (a later ballot has their credential), ``unmatched`` = mixed ballots on no roster credential, ``kept`` =
    those counted; counts and the rules engine's results on them. Turnout per contest: registered = the roster (the
    roster does not name styles, so at least the ballots that carried the contest), took part = the kept ballots
    that carried it; per region (regional contests only) registered = took part, the roster naming no region."""
    slots = count.slots
    turnout = Turnout(
        contests={
            c: ContestTurnout(
                registered=max(roster, slots.took_part[c]),
                took_part=slots.took_part[c],
                invalid=slots.invalid[c],
                by_region={
                    r: Figures(
                        registered=slots.took_part_by_region[r][c],
                        took_part=slots.took_part_by_region[r][c],
                        invalid=slots.invalid_by_region[r][c],
                    )
                    for r in slots.by_region
                    if c in slots.by_region[r]
                },
            )
            for c in count.counts
        }
    )
    by_region = {r: counts for r, counts in slots.by_region.items() if counts}
    results = compute_results(manifest, count.counts, turnout, counts_by_region=by_region or None)
    return {
        "election_id": manifest.election_id,
        "ballots": ballots,
        "kept": len(count.match.kept),
        "unmatched": len(count.match.unmatched),
        "duplicates": superseded,
        "trustees": list(trustees),
        "counts": count.counts,
        "invalid": count.invalid,
        "results": results.to_canonical_dict(),
        "results_hash": results.results_hash().hex(),
    }


def check_cr_result(manifest: Manifest, posted: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    """Raise ``result_mismatch`` unless the posted ``cr_result`` is exactly the recomputed one."""
    require_cr(manifest)
    if dict(posted) != dict(expected):
        differ = sorted(k for k in set(posted) | set(expected) if posted.get(k) != expected.get(k))
        raise CrBoardError(f"the published result differs from the recomputed one in {differ}", code="result_mismatch")


def last_ballots(order_tags: Sequence[Point], *, revoting_allowed: bool) -> LastBallots:
    """The election's policy on the decrypted ``order`` target: with re-voting (``policy.revoting_allowed``) the last
    ballot of each credential is mixed (`keep_last`), without it the first (`keep_first`) — as the homomorphic
    mode's weeding (record.md §2.11), except that the server cannot refuse a second ballot at casting since it
    cannot see the credential. The board positions of the ballots to mix and of the others."""
    return keep_last(order_tags) if revoting_allowed else keep_first(order_tags)


def check_unlinkable(order_tags: Sequence[Point], tags: Sequence[Point]) -> None:
    """Raise ``tags_linkable`` if a match tag (of a mixed ballot or of the mixed roster) is also an order tag: the
    match exponents were then the order exponents (y = z), which links every mixed ballot to its board ballot. The
    tally stops before decrypting any choice; a verifier fails the record."""
    linked = linked_tags(order_tags, tags)
    if linked:
        raise CrBoardError(f"{len(linked)} match tags are order tags: the mix would be undone", code="tags_linkable")


def match_from_tags(tags: Sequence[Point], ballots: int) -> TagMatch:
    """`match_tags` of the decrypted ``tags`` target: the first ``ballots`` are the mixed ballots', the rest the
    roster's. Raise ``tags_repeat`` if two mixed ballots share a tag: `keep_last` left one ballot per credential."""
    match = match_tags(tags[:ballots], tags[ballots:])
    if match.duplicates:
        raise CrBoardError(
            f"{len(match.duplicates)} mixed ballots repeat a credential: repeats are removed before the mix",
            code="tags_repeat",
        )
    return match
