"""Tally orchestration: close → weed → aggregate → encrypted tally → trustees' shares → combine → results.

1. `TallyService.start` (phase ``closed``): read every ``ballot`` entry, weed (`elections.aggregate.weed`),
   aggregate per ballot style, contest and selection (and per precinct), post ``encrypted_tally``.
2. `TallyService.submit_share`: a trustee's decryption shares for every non-empty ciphertext of the tally, each
   with its Chaum–Pedersen proof; all checked in one batch against the trustee's public share X_i before the
   entry is posted. An invalid share is refused with ``invalid_decryption_share`` naming the trustee.
3. As soon as k valid trustees' shares are on the board: Lagrange combination, discrete logs, the rules engine
   (`elections.results.compute_results_by_style`), and the ``result`` entry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bulletin_board.checkpoint import SignedPromise
from bulletin_board.entries import Entry, EntryKind
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.phases import Phase
from crypto.batch import BatchVerifier
from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext
from crypto.errors import CryptoError, InvalidProofError
from crypto.group import Point
from crypto.threshold import DecryptionShare, combine_decryption_share_vectors
from elections.aggregate import (
    CastBallot,
    EncryptedTally,
    aggregate,
    decryptable_positions,
    decryption_context,
    weed,
)
from elections.encrypted_ballot import EncryptedBallot
from elections.manifest import Manifest
from elections.precinct_tally import paper_ballots_from_entries
from elections.results import compute_results_by_style
from elections.results_model import ContestTurnout, ElectionResults, Figures, Turnout
from mobile_api.errors import ApiError
from voting_server.election import ElectionService
from voting_server.logs import get_logger

_log = get_logger("tally")


@dataclass(frozen=True)
class PostedTally:
    """The encrypted tally entry and what the trustees need to decrypt it."""

    entry: Entry
    tally: EncryptedTally
    context: bytes
    positions: tuple[int, ...]

    @property
    def ciphertexts(self) -> list[Ciphertext]:
        every = self.tally.ciphertexts()
        return [every[i] for i in self.positions]


@dataclass(frozen=True)
class PublishedResults:
    counts_by_style: dict[str, dict[str, list[int]]]
    counts_by_precinct: dict[str, dict[str, list[int]]]
    results: ElectionResults
    trustees: tuple[int, ...]


class TallyService:
    """Runs the tally of the election held by an `ElectionService`."""

    def __init__(self, election: ElectionService) -> None:
        self.election = election

    # --- 1. weed and aggregate ----------------------------------------------------------------------------------

    def cast_ballots(self) -> list[CastBallot]:
        """Every ``ballot`` entry of the board, decoded (they were fully checked when cast)."""
        board = self.election.board
        ballots = []
        for stored in board.storage.iter_entries(0, board.size):
            entry = stored.entry
            if entry.kind is EntryKind.BALLOT:
                ballot = EncryptedBallot.from_json(dict(entry.payload))
                ballots.append(CastBallot(entry.index, ballot, tuple(ballot.decode_contests())))
        return ballots

    def paper_ballots(self) -> list[CastBallot]:
        """The counting urns' scanned ballots (``precinct_batch`` entries, checked when posted; docs/precinct.md)."""
        board = self.election.board
        batches = [
            (s.entry.index, s.entry.payload)
            for s in board.storage.iter_entries(0, board.size)
            if s.entry.kind is EntryKind.PRECINCT_BATCH
        ]
        return paper_ballots_from_entries(batches)

    def start(self, registered_by_region: Mapping[str, int] | None = None) -> SignedPromise:
        """Weed, aggregate and post the encrypted tally (phase ``closed`` only)."""
        if self.election.phase is not Phase.CLOSED:
            raise ApiError(
                f"the tally starts after the close; the election is {self.election.phase.value}", code="wrong_phase"
            )
        manifest = self.election.state().require_manifest()
        weeded = weed(self.cast_ballots(), revoting_allowed=manifest.policy.revoting_allowed)
        tally = aggregate(manifest, [*weeded.counted, *self.paper_ballots()])
        registered = dict(registered_by_region or self._issued_by_region(manifest))
        payload = {
            **tally.to_json(),
            "superseded": list(weeded.superseded),
            "refused_second": list(weeded.refused_second),
            "registered_by_region": {r: registered.get(r, 0) for r in sorted(registered)},
        }
        try:
            promise = self.election.board.append(EntryKind.ENCRYPTED_TALLY, payload, dedup_key="encrypted_tally")
        except DuplicateEntryError as e:
            raise ApiError("the encrypted tally is already posted", code="wrong_phase") from e
        _log.info("encrypted tally posted", extra={"ballots_counted": tally.ballots_counted, "index": promise.index})
        return promise

    def _issued_by_region(self, manifest: Manifest) -> dict[str, int]:
        """Credentials issued per region, from the board's ``issuance`` entry (the registered count when the
        commission gives none)."""
        board = self.election.board
        counts: dict[str, int] = {}
        for stored in board.storage.iter_entries(0, board.size):
            if stored.entry.kind is EntryKind.ISSUANCE:
                for style_id, n in stored.entry.payload.get("counts", {}).items():
                    region = manifest.ballot_style(style_id).region_id
                    counts[region] = counts.get(region, 0) + int(n)
        return counts

    def posted_tally(self) -> PostedTally:
        board = self.election.board
        entry = board.find_by_dedup_key("encrypted_tally")
        if entry is None:
            raise ApiError("no encrypted tally on the board yet", code="wrong_phase")
        tally = EncryptedTally.from_json(entry.payload)
        _, _, _, base = self.election.state().require_voting_material()
        context = decryption_context(base, entry.payload_hash)
        return PostedTally(entry, tally, context, tuple(decryptable_positions(tally.ciphertexts())))

    # --- 2. decryption shares -----------------------------------------------------------------------------------

    def submit_share(self, trustee: int, shares: Sequence[DecryptionShare]) -> SignedPromise:
        """Check a trustee's shares (one batch) and post them; combine when k trustees have posted."""
        if self.election.phase is not Phase.TALLYING:
            raise ApiError(
                f"decryption shares are accepted while tallying, not {self.election.phase.value}", code="wrong_phase"
            )
        joint = self.election.state().require_voting_material()[1]
        posted = self.posted_tally()
        if not 1 <= trustee <= joint.n:
            raise ApiError(f"there is no trustee {trustee}", code="invalid_decryption_share")
        ciphertexts = posted.ciphertexts
        if len(shares) != len(ciphertexts) or any(s.index != trustee for s in shares):
            raise ApiError(f"trustee {trustee} must give one share per ciphertext", code="invalid_decryption_share")
        public_share = joint.public_share(trustee)
        verifier = BatchVerifier()
        for position, (ct, share) in enumerate(zip(ciphertexts, shares, strict=True)):
            verifier.add_correct_decryption(
                posted.context, public_share, ct, share.share_point, share.proof, f"share {position}"
            )
        try:
            verifier.verify()
        except InvalidProofError as e:
            raise ApiError(f"trustee {trustee}: {e.message}", code="invalid_decryption_share") from e
        payload = {
            "trustee": trustee,
            "tally_entry": posted.entry.index,
            "shares": [s.to_bytes().hex() for s in shares],
        }
        try:
            promise = self.election.board.append(
                EntryKind.DECRYPTION_SHARE, payload, dedup_key=f"decryption_share:{trustee}"
            )
        except DuplicateEntryError as e:
            raise ApiError(f"trustee {trustee} has already posted its shares", code="duplicate_entry") from e
        _log.info("decryption shares accepted", extra={"trustee": trustee, "count": len(shares)})
        return promise

    def shares_on_board(self) -> dict[int, list[DecryptionShare]]:
        board = self.election.board
        found: dict[int, list[DecryptionShare]] = {}
        for stored in board.storage.iter_entries(0, board.size):
            entry = stored.entry
            if entry.kind is EntryKind.DECRYPTION_SHARE:
                trustee = int(entry.payload["trustee"])
                found[trustee] = [DecryptionShare.from_bytes(bytes.fromhex(h)) for h in entry.payload["shares"]]
        return found

    # --- 3. combine, decode, rules, publish ---------------------------------------------------------------------

    def combine_if_ready(self) -> PublishedResults | None:
        """With k trustees' shares on the board: decrypt, run the rules, post ``result``. Else ``None``."""
        state = self.election.state()
        manifest, joint, _, _ = state.require_voting_material()
        shares = self.shares_on_board()
        if len(shares) < joint.k or self.election.phase is not Phase.TALLYING:
            return None
        chosen = sorted(shares)[: joint.k]
        posted = self.posted_tally()
        points = combine_decryption_share_vectors(posted.ciphertexts, [shares[t] for t in chosen], joint.k)
        counts = self._decode(posted, points)
        published = self._results(manifest, posted, counts, tuple(chosen))
        payload = {
            "election_id": manifest.election_id,
            "tally_entry": posted.entry.index,
            "trustees": list(published.trustees),
            "counts_by_style": published.counts_by_style,
            "counts_by_precinct": published.counts_by_precinct,
            "results": published.results.to_canonical_dict(),
            "results_hash": published.results.results_hash().hex(),
        }
        self.election.board.append(EntryKind.RESULT, payload, dedup_key="result")
        _log.info("results published", extra={"trustees": list(chosen)})
        return published

    def _decode(self, posted: PostedTally, points: Sequence[Point]) -> list[int]:
        """Counts for every ciphertext of the tally: empty sums are 0, the others by discrete log."""
        bound = max(posted.tally.ballots_counted, 1)
        table = DiscreteLogTable(bound, max(16, math.isqrt(bound) + 1))
        counts = [0] * len(posted.tally.ciphertexts())
        try:
            for position, point in zip(posted.positions, points, strict=True):
                counts[position] = 0 if point.is_identity() else table.decode(point)
        except CryptoError as e:
            raise ApiError(f"a tally does not decrypt to a count: {e.message}", code="decryption_failed") from e
        return counts

    def _results(
        self, manifest: Manifest, posted: PostedTally, counts: Sequence[int], trustees: tuple[int, ...]
    ) -> PublishedResults:
        flat = iter(counts)
        by_style: dict[str, dict[str, list[int]]] = {}
        for group in posted.tally.styles:
            by_style[group.key] = {cid: [next(flat) for _ in cts] for cid, cts in group.contests}
        by_precinct: dict[str, dict[str, list[int]]] = {}
        for group in posted.tally.precincts:
            by_precinct[group.key] = {cid: [next(flat) for _ in cts] for cid, cts in group.contests}
        registered = {str(k): int(v) for k, v in posted.entry.payload.get("registered_by_region", {}).items()}
        turnout = turnout_from_tally(manifest, posted.tally, registered)
        results = compute_results_by_style(manifest, by_style, turnout)
        return PublishedResults(by_style, by_precinct, results, trustees)


def turnout_from_tally(manifest: Manifest, tally: EncryptedTally, registered_by_region: Mapping[str, int]) -> Turnout:
    """Per contest: voters who took part = ballots counted with that contest, per region too. Electronic ballots
    are never invalid (the proofs guarantee their shape)."""
    ballots_by_style = {g.key: g.ballots for g in tally.styles}
    contests: dict[str, ContestTurnout] = {}
    for contest in manifest.contests:
        by_region: dict[str, list[int]] = {}
        for style in manifest.ballot_styles:
            if contest.contest_id in style.contest_ids:
                figures = by_region.setdefault(style.region_id, [0, 0])
                figures[1] += ballots_by_style.get(style.style_id, 0)
        for region_id, figures in by_region.items():
            figures[0] = max(int(registered_by_region.get(region_id, 0)), figures[1])
        regions = {r: Figures(registered=f[0], took_part=f[1], invalid=0) for r, f in by_region.items()}
        contests[contest.contest_id] = ContestTurnout(
            registered=sum(f.registered for f in regions.values()),
            took_part=sum(f.took_part for f in regions.values()),
            invalid=0,
            by_region=regions,
        )
    return Turnout(contests=contests)


def counts_payload(counts: Mapping[str, Any]) -> dict[str, Any]:
    return dict(counts)
