"""Tally orchestration: close → weed → aggregate → encrypted tally → trustees' shares → combine → results.

1. `TallyService.start` (phase ``closed``): read every ``ballot`` entry, weed (`record.tally.weed`),
   aggregate per ballot style, contest and selection (and per precinct), take the registered voters from the
   registrar's ``register_counts`` entry, post ``encrypted_tally`` (`record.counting.encrypted_tally_payload`: a
   function of the board alone). Called again, it computes the tally again and returns the posted entry if equal.
2. `TallyService.submit_share`: a trustee's decryption shares for every non-empty ciphertext of the tally, each
   with its Chaum–Pedersen proof, in parts of `bulletin_board.entries.DECRYPTION_SHARES_PER_PART` shares (one
   entry and one request each, so a trustee's ~43,000 shares of the 2021 parliamentary tally never make one
   ~11 MB body), signed by the trustee's roster key; each part checked in one batch against the trustee's public
   share X_i before the entry is posted (`trustees.decryption`). An invalid share is refused with
   ``invalid_decryption_share`` naming the trustee.
3. As soon as k valid trustees' shares are on the board: Lagrange combination and discrete logs
   (`trustees.decryption.combine_tally`, the code an observer runs too), the rules engine
   (`elections.results.compute_results_by_style`), and the ``result`` entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bulletin_board.checkpoint import SignedPromise
from bulletin_board.entries import EntryKind
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.phases import Phase
from crypto.canonical import canonical_json
from crypto.threshold import DecryptionShare
from elections.results import compute_results_by_style
from elections.results_model import ElectionResults
from mobile_api.errors import ApiError
from record.ceremony import Post
from record.counting import counted_set_from_entries, encrypted_tally_payload
from record.errors import RecordError
from record.lifecycle import DecryptionSharePart, ResultEntry
from record.tally import (
    CountedSet,
    TallyBookkeeping,
    decryptable_positions,
    decryption_context,
    turnout_from_tally,
)
from trustees.decryption import (
    TallyOnBoard,
    accept_decryption_post,
    combine_tally_from_board,
    parse_tally,
    share_slot,
)
from trustees.errors import NotEnoughSharesError
from voting_server.election import ElectionService
from voting_server.logs import get_logger

_log = get_logger("tally")


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

    def counted(self) -> CountedSet:
        """What the tally adds up (`record.counting.counted_set_from_entries`, as the trustees compute it)."""
        board = self.election.board
        manifest = self.election.state().require_manifest()
        entries = (stored.entry for stored in board.storage.iter_entries(0, board.size))
        return counted_set_from_entries(entries, revoting_allowed=manifest.policy.revoting_allowed)

    def payload(self) -> dict[str, Any]:
        """The ``encrypted_tally`` payload the board gives now (`record.counting.encrypted_tally_payload`): the
        counted set and the registrar's register counts; nothing from the operator."""
        board = self.election.board
        manifest = self.election.state().require_manifest()
        entries = (stored.entry for stored in board.storage.iter_entries(0, board.size))
        try:
            return encrypted_tally_payload(entries, manifest)
        except RecordError as e:
            raise ApiError(e.message, code=e.code if e.code != "record_error" else "wrong_phase") from e

    def start(self) -> SignedPromise:
        """Post the encrypted tally (phase ``closed``). Idempotent: once posted, the tally is computed again from the
        board and the posted entry's promise returned when the two are the same bytes (``tally_mismatch`` if not)."""
        manifest = self.election.state().require_manifest()
        if manifest.policy.mode == "coercion_resistant":  # that mode mixes instead (trustees.cr_in_process)
            raise ApiError("a coercion-resistant election has no homomorphic tally", code="wrong_mode")
        phase = self.election.phase
        if phase in (Phase.TALLYING, Phase.DECRYPTED):
            return self.recompute()
        if phase is not Phase.CLOSED:
            raise ApiError(f"the tally starts after the close; the election is {phase.value}", code="wrong_phase")
        payload = self.payload()
        try:
            promise = self.election.board.append(EntryKind.ENCRYPTED_TALLY, payload, dedup_key="encrypted_tally")
        except DuplicateEntryError:
            return self.recompute()  # a concurrent request posted it first
        _log.info(
            "encrypted tally posted", extra={"ballots_counted": payload["ballots_counted"], "index": promise.index}
        )
        return promise

    def recompute(self) -> SignedPromise:
        """The posted tally's promise, after computing the tally again from the board and finding the same payload."""
        board = self.election.board
        posted = board.find_by_dedup_key("encrypted_tally")
        if posted is None:
            raise ApiError("no encrypted tally on the board yet", code="wrong_phase")
        if canonical_json(self.payload()) != canonical_json(dict(posted.payload)):
            raise ApiError("the posted encrypted tally is not the one the board gives", code="tally_mismatch")
        return board.promise(posted.index)

    def has_tally(self) -> bool:
        return self.election.board.find_by_dedup_key("encrypted_tally") is not None

    def posted_tally(self) -> TallyOnBoard:
        board = self.election.board
        entry = board.find_by_dedup_key("encrypted_tally")
        if entry is None:
            raise ApiError("no encrypted tally on the board yet", code="wrong_phase")
        tally = parse_tally(entry)
        manifest, joint, _, base = self.election.state().require_voting_material()
        context = decryption_context(base, entry.payload_hash)
        return TallyOnBoard(entry, tally, manifest, joint, context, tuple(decryptable_positions(tally.ciphertexts())))

    # --- 2. decryption shares -----------------------------------------------------------------------------------

    def submit_share(
        self,
        trustee: int,
        shares: Sequence[DecryptionShare],
        *,
        tally_entry: int | None = None,
        part: int = 0,
        parts: int | None = None,
        signature: str | None = None,
        allow_unauthenticated: bool = False,
    ) -> bool:
        """Check a trustee's signature (by its roster identity key) and its shares against X_i in one batch
        (`trustees.decryption.accept_decryption_post`), then post them; ``False`` if that trustee's slot is already
        filled (a retry). The shares are part ``part`` of ``parts`` (default: the tally's part count) of the trustee's
        shares (`trustees.decryption`); ``tally_entry`` defaults to the posted tally's index."""
        if self.election.phase is not Phase.TALLYING:
            raise ApiError(
                f"decryption shares are accepted while tallying, not {self.election.phase.value}", code="wrong_phase"
            )
        posted = self.posted_tally()
        payload = DecryptionSharePart(
            trustee,
            posted.entry.index if tally_entry is None else tally_entry,
            part,
            posted.parts if parts is None else parts,
            tuple(shares),
            signature,
        ).to_payload()
        appended = accept_decryption_post(
            self.election.board,
            Post(EntryKind.DECRYPTION_SHARE, payload, share_slot(trustee, part)),
            allow_unauthenticated=allow_unauthenticated,
        )
        _log.info("decryption shares", extra={"trustee": trustee, "count": len(shares), "appended": appended})
        return appended

    # --- 3. combine, decode, rules, publish ---------------------------------------------------------------------

    def combine_if_ready(self) -> PublishedResults | None:
        """With k valid trustees' shares on the board (`trustees.decryption.combine_tally`): decode, run the rules,
        post ``result``. ``None`` while fewer than k valid trustees have posted."""
        if self.election.phase is not Phase.TALLYING:
            return None
        manifest = self.election.state().require_manifest()
        try:
            combined = combine_tally_from_board(self.election.board)
        except NotEnoughSharesError:
            return None
        posted = self.posted_tally()
        registered = TallyBookkeeping.from_payload(posted.entry.payload).registered_by_region
        turnout = turnout_from_tally(manifest, posted.tally, registered)
        results = compute_results_by_style(manifest, combined.counts_by_style, turnout)
        published = PublishedResults(combined.counts_by_style, combined.counts_by_precinct, results, combined.trustees)
        entry = ResultEntry(
            election_id=manifest.election_id,
            tally_entry=posted.entry.index,
            trustees=tuple(combined.trustees),
            rejected_trustees={str(t): reason for t, reason in sorted(combined.rejected.items())},
            counts_by_style={g: {c: tuple(v) for c, v in cs.items()} for g, cs in combined.counts_by_style.items()},
            counts_by_precinct={
                g: {c: tuple(v) for c, v in cs.items()} for g, cs in combined.counts_by_precinct.items()
            },
            turnout=turnout.model_dump(mode="json"),
            results=results.to_canonical_dict(),
            results_hash=results.results_hash(),
        )
        self.election.board.append(EntryKind.RESULT, entry.to_payload(), dedup_key="result")
        _log.info("results published", extra={"trustees": list(combined.trustees)})
        return published
