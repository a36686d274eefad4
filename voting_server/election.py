"""The election service: the board plus everything the server does to it (setup, casting, challenges, close).

Every change is a board entry; the board's phase machine (`bulletin_board.phases`) refuses anything out of
phase with ``wrong_phase`` and writes nothing. Uniqueness is the database's job, through the board's unique
``dedup_key``:

* re-voting off: a ballot's key is ``credential:<key>``, so of 100 parallel casts with one credential exactly one
  commits, whatever Redis does; the others get ``credential_spent`` (or the same receipt if they are the very same
  ballot: an idempotent retry);
* re-voting on: the key is ``ballot:<ballot hash>``: every distinct ballot is kept, a retry returns the receipt;
* a challenged ballot: ``spoiled:<ballot hash>``; a spoiled ballot can never be cast afterwards.

Time is the manifest's (`record.window`): ballots and challenges only while ``voting_opens ≤ now ≤ voting_closes``
by the server's clock (``outside_voting_window``), and a close before ``voting_closes`` only where the policy allows
an early close, with the operator's reason (``close_too_early``). The clock is injected (unix milliseconds, the
board's own clock), so tests and the demo run on the election day's time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from bulletin_board.checkpoint import SignedPromise
from bulletin_board.entries import Entry, EntryKind
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.group_commit import GroupCommitter
from bulletin_board.log import BulletinBoard
from bulletin_board.phases import Phase
from bulletin_board.storage import now_ms
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.errors import ShailooError
from elections.manifest import Manifest
from mobile_api.errors import ApiError
from mobile_api.schemas import Receipt, ReceiptStatus
from record.annulment import PrecinctAnnulment
from record.ballot import (
    BallotCheckError,
    BallotReveal,
    EncryptedBallot,
    SpoiledBallot,
    check_ballot,
    check_ballot_envelope,
    check_spoiled,
)
from record.ceremony import JointKey
from record.devices import DeviceRecord, PrecinctBindingError, check_precinct_binding, device_slot
from record.issuer import issuer_keys_payload
from record.lifecycle import ChannelsOpen, Close
from record.register import RegisterCounts
from record.window import VotingWindow, utc_text
from voting_server.logs import get_logger
from voting_server.receipts import ReceiptIndex
from voting_server.state import SETUP_KINDS, ElectionState, state_from_entries

_log = get_logger("election")
_VOTING_PHASES = frozenset({Phase.VOTING})


@dataclass(frozen=True)
class PendingCast:
    """A checked ballot waiting for its batch (`ElectionService.begin_cast`)."""

    election_id: str
    ballot: EncryptedBallot
    ballot_hash: bytes
    committed: Future[SignedPromise]


def _phase_error(message: str) -> ApiError:
    return ApiError(message, code="wrong_phase")


class ElectionService:
    """One election on one board. Thread-safe: the board and the database serialise what must be serialised."""

    def __init__(
        self,
        board: BulletinBoard,
        receipts: ReceiptIndex,
        *,
        min_issuer_bits: int,
        committer: GroupCommitter | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.board = board
        #: The server's clock (unix milliseconds): the voting window is judged by it.
        self.clock = clock
        self.receipts = receipts
        # Ballots from concurrent requests are committed together: one transaction and one disk flush per batch.
        self.committer = committer
        self._min_issuer_bits = min_issuer_bits
        self._lock = threading.Lock()
        self._state: ElectionState | None = None
        self._state_size = -1

    # --- the election as the board says -------------------------------------------------------------------------

    def state(self) -> ElectionState:
        """The election state, re-read from the board's setup entries until voting opens (then it is fixed)."""
        with self._lock:
            if self._state is not None and self._state.channels_open:
                return self._state
            size = self.board.size
            if self._state is None or size != self._state_size:
                setup = [e for e in self.board.entries(0, size) if e.kind in SETUP_KINDS]
                self._state = state_from_entries(setup, min_issuer_bits=self._min_issuer_bits)
                self._state_size = size
            return self._state

    @property
    def phase(self) -> Phase:
        return self.board.phase

    def window(self) -> VotingWindow:
        """The manifest's voting window (`record.window`)."""
        return VotingWindow.of(self.state().require_manifest())

    def require_window_open(self, what: str) -> None:
        """``outside_voting_window`` unless the server's clock is inside the manifest's voting window."""
        self.window().check_open(self.clock(), what)

    def _append(self, kind: EntryKind, payload: Mapping[str, Any], dedup_key: str | None = None) -> SignedPromise:
        if self.committer is not None and kind in (EntryKind.BALLOT, EntryKind.SPOILED_BALLOT):
            return self.committer.append(kind, payload, dedup_key=dedup_key)
        promise = self.board.append(kind, payload, dedup_key=dedup_key)
        _log.info("board entry appended", extra={"kind": kind.value, "index": promise.index})
        return promise

    def flush_ballots(self) -> None:
        """Commit the open batch of ballots now (`GroupCommitter.flush`)."""
        if self.committer is not None:
            self.committer.flush()

    # --- setup (operator) ---------------------------------------------------------------------------------------

    def load_manifest(self, manifest: Manifest) -> SignedPromise:
        payload = {"manifest": manifest.to_canonical_dict(), "manifest_hash": manifest.manifest_hash().hex()}
        return self._append(EntryKind.MANIFEST, payload, dedup_key="manifest")

    def post_issuer_keys(self, public_keys: Mapping[str, BlindRsaPublicKey]) -> SignedPromise:
        manifest = self.state().require_manifest()
        unknown = set(public_keys) - {s.style_id for s in manifest.ballot_styles}
        if unknown:
            raise ApiError(f"issuer keys for unknown ballot styles {sorted(unknown)}", code="unknown_id")
        for key in public_keys.values():
            if key.modulus_bits < self._min_issuer_bits:
                raise ApiError(f"issuer keys need at least {self._min_issuer_bits} bits", code="invalid_parameters")
        return self._append(EntryKind.ISSUER_KEYS, issuer_keys_payload(manifest.election_id, public_keys))

    def register_device(self, device_id: str, public_key: bytes, role: str) -> SignedPromise:
        """Post a device's ``device_key`` entry (`record.devices.DeviceRecord`: strict, no small-order key)."""
        try:
            record = DeviceRecord.from_payload({"device_id": device_id, "role": role, "public_key": public_key.hex()})
        except ShailooError as e:
            raise ApiError(e.message, code=e.code) from e
        return self._append(EntryKind.DEVICE_KEY, record.payload(), dedup_key=device_slot(device_id))

    def post_setup_entry(self, kind: EntryKind, payload: Mapping[str, Any]) -> SignedPromise:
        """A trustee ceremony entry (commitment, encrypted share, complaint) as the trustees' tools post it."""
        allowed = {EntryKind.TRUSTEE_COMMITMENT, EntryKind.TRUSTEE_SHARE, EntryKind.COMPLAINT, EntryKind.JOINT_KEY}
        if kind not in allowed:
            raise ApiError(f"{kind.value} is not a trustee ceremony entry", code="forbidden")
        return self._append(kind, payload)

    def post_register_counts(self, counts: RegisterCounts) -> SignedPromise:
        """Post the registrar's signed register counts (`record.register`; once, before voting opens)."""
        manifest = self.state().require_manifest()
        counts.check(manifest)
        return self._append(EntryKind.REGISTER_COUNTS, counts.to_payload(), dedup_key="register_counts")

    def annul_precinct(self, annulment: PrecinctAnnulment) -> SignedPromise:
        """Post the commission's signed ``precinct_annulment`` (`record.annulment`): only after the close and before
        the encrypted tally (the phase machine), once per precinct (``duplicate_entry`` for a second)."""
        manifest = self.state().require_manifest()
        try:
            annulment.check(manifest)
        except ShailooError as e:
            raise ApiError(e.message, code=e.code) from e
        if self.phase is not Phase.CLOSED:
            raise _phase_error(
                f"the election is {self.phase.value}: a precinct is annulled after the close and before the tally"
            )
        slot = f"precinct_annulment:{annulment.precinct_id}"
        return self._append(EntryKind.PRECINCT_ANNULMENT, annulment.to_payload(), dedup_key=slot)

    def open_channels(self, channels: Sequence[str]) -> SignedPromise:
        state = self.state()
        manifest, _, issuer_keys, base = state.require_voting_material()
        missing = {s.style_id for s in manifest.ballot_styles} - set(issuer_keys)
        if missing and not state.coercion_resistant:  # that mode's credentials are on the cr_roster instead
            raise _phase_error(f"ballot styles without an issuer key: {sorted(missing)}")
        if self.board.find_by_dedup_key("register_counts") is None:
            raise _phase_error("the registrar's register counts are not on the board: post them before voting opens")
        payload = ChannelsOpen(tuple(channels), base).to_payload()
        return self._append(EntryKind.CHANNELS_OPEN, payload, dedup_key="channels_open")

    def close(self, issuance_payload: Mapping[str, Any] | None = None, *, reason: str | None = None) -> SignedPromise:
        """Post the registrar's issuance counts (if given) and the close, in one transaction. The close records the
        server's time; before ``voting_closes`` it needs the manifest's permission and the operator's ``reason``."""
        if self.phase is not Phase.VOTING:
            raise _phase_error(f"the election is {self.phase.value}, not voting: nothing to close")
        manifest = self.state().require_manifest()
        self.flush_ballots()  # every ballot accepted before the close is on the board before the close
        closed_at = self.clock()
        window = self.window()
        window.check_close(closed_at, reason)
        early_reason = reason if closed_at < window.closes_ms else None  # an on-time close needs no reason
        items: list[tuple[EntryKind | str, Mapping[str, Any]]] = []
        keys: list[str | None] = []
        if issuance_payload is not None:
            items.append((EntryKind.ISSUANCE, issuance_payload))
            keys.append("issuance:final")
        close = Close(manifest.election_id, self.board.size, utc_text(closed_at), early_reason)
        items.append((EntryKind.CLOSE, close.to_payload()))
        keys.append("close")
        return self.board.append_many(items, dedup_keys=keys)[-1]

    def post_final_issuance(self, issuance_payload: Mapping[str, Any]) -> SignedPromise:
        """A separate registrar's final issuance counts (``issuance:final``), posted while voting, after it stopped
        issuing; the ballot box's close then follows them (`close` without a payload). Posting the same counts
        again returns the first promise; other counts are ``duplicate_entry``."""
        if self.phase is not Phase.VOTING:
            raise _phase_error(f"the election is {self.phase.value}, not voting: issuance counts come before the close")
        existing = self.board.find_by_dedup_key("issuance:final")
        if existing is not None:
            if dict(existing.payload) != dict(issuance_payload):
                raise ApiError("other final issuance counts are already on the board", code="duplicate_entry")
            return self.board.promise(existing.index)
        return self._append(EntryKind.ISSUANCE, issuance_payload, dedup_key="issuance:final")

    def check_close_allowed(self, reason: str | None) -> None:
        """``wrong_phase`` unless voting, ``close_too_early`` if the manifest does not allow a close now."""
        if self.phase is not Phase.VOTING:
            raise _phase_error(f"the election is {self.phase.value}, not voting: nothing to close")
        self.window().check_close(self.clock(), reason)

    # --- casting ------------------------------------------------------------------------------------------------

    def _voting_material(self) -> tuple[Manifest, JointKey, Mapping[str, BlindRsaPublicKey], bytes]:
        phase = self.phase
        if phase not in _VOTING_PHASES:
            raise _phase_error(f"the election is {phase.value}: ballots are accepted only while voting")
        return self.state().require_voting_material()

    def cast(
        self, value: Mapping[str, Any], device_id: str | None = None, device_signature: str | None = None
    ) -> Receipt:
        """Check a ballot cheapest first, append it, and return the receipt (the same one on a retry). Waits for
        the ballot's batch; `begin_cast` and `finish_cast` are the same in two steps, for a caller that waits for
        the batch without holding a thread."""
        step = self.begin_cast(value, device_id, device_signature)
        return step if isinstance(step, Receipt) else self.finish_cast(step)

    def begin_cast(
        self, value: Mapping[str, Any], device_id: str | None = None, device_signature: str | None = None
    ) -> Receipt | PendingCast:
        """Check the ballot and queue it for its batch: the receipt of a retry at once, or a `PendingCast` whose
        ``committed`` future completes when the batch is on the board (then `finish_cast`)."""
        manifest, joint, issuer_keys, base = self._voting_material()
        ballot = EncryptedBallot.from_json(dict(value))
        self._check_precinct(manifest, ballot, device_id, device_signature)
        ballot_hash = ballot.ballot_hash()
        existing = self._existing_receipt(ballot, ballot_hash)
        if existing is not None:
            return existing  # a retry of a ballot accepted in time gets its receipt, even just after the window
        VotingWindow.of(manifest).check_open(self.clock(), "ballots")
        revoting = manifest.policy.revoting_allowed
        credential = ballot.credential.public_key.hex()
        if not revoting and self.board.find_by_dedup_key(f"credential:{credential}") is not None:
            # A cheap read first; the unique dedup key below is what actually decides under concurrency.
            return self._same_ballot_or_spent(ballot, ballot_hash)
        if self.board.find_by_dedup_key(f"spoiled:{ballot_hash.hex()}") is not None:
            raise ApiError("this ballot was challenged and published; make a new one", code="duplicate_ballot")
        check_ballot(
            ballot, manifest=manifest, issuer_keys=issuer_keys, joint_public_key=joint.joint_public_key, base_hash=base
        )
        dedup = f"ballot:{ballot_hash.hex()}" if revoting else f"credential:{credential}"
        if self.committer is not None:  # a credential's ballots keep their order in a batch (the last one counts)
            committed = self.committer.submit(EntryKind.BALLOT, ballot.to_json(), dedup_key=dedup, group=credential)
        else:
            committed = Future()
            try:
                committed.set_result(self.board.append(EntryKind.BALLOT, ballot.to_json(), dedup_key=dedup))
            except Exception as e:  # handed to `finish_cast`, which raises it
                committed.set_exception(e)
        return PendingCast(manifest.election_id, ballot, ballot_hash, committed)

    def finish_cast(self, pending: PendingCast) -> Receipt:
        """The receipt of a ballot `begin_cast` queued, once its batch is committed (waits for it otherwise)."""
        try:
            promise = pending.committed.result()
        except DuplicateEntryError:
            return self._same_ballot_or_spent(pending.ballot, pending.ballot_hash)
        return self._receipt(pending.election_id, pending.ballot, pending.ballot_hash, promise, "ballot")

    def _check_precinct(
        self, manifest: Manifest, ballot: EncryptedBallot, device_id: str | None, signature: str | None
    ) -> None:
        """A ballot names a precinct only when that precinct's kiosk casts it (`record.devices`)."""
        device = None
        if ballot.precinct_id is not None and device_id is not None:
            entry = self.board.find_by_dedup_key(device_slot(device_id))
            device = DeviceRecord.from_payload(entry.payload) if entry is not None else None
        try:
            check_precinct_binding(manifest, ballot, device, bytes.fromhex(signature) if signature else None)
        except PrecinctBindingError as e:
            raise ApiError(e.message, code=e.code) from e

    def _same_ballot_or_spent(self, ballot: EncryptedBallot, ballot_hash: bytes) -> Receipt:
        """The credential's ballot is on the board: if it is this very ballot (an identical retry that raced its
        original, which committed after our first look-up) its receipt, otherwise ``credential_spent``."""
        again = self._existing_receipt(ballot, ballot_hash)
        if again is not None:
            return again
        raise ApiError("this credential has already cast its ballot", code="credential_spent")

    def _existing_receipt(self, ballot: EncryptedBallot, ballot_hash: bytes) -> Receipt | None:
        """The receipt of this very ballot if it is already on the board (an idempotent retry)."""
        for key in (f"ballot:{ballot_hash.hex()}", f"credential:{ballot.credential.public_key.hex()}"):
            entry = self.board.find_by_dedup_key(key)
            if entry is not None and entry.kind is EntryKind.BALLOT and entry.payload == ballot.to_json():
                return self._receipt(ballot.election_id, ballot, ballot_hash, self.board.promise(entry.index), "ballot")
        return None

    def _receipt(
        self, election_id: str, ballot: EncryptedBallot, ballot_hash: bytes, promise: SignedPromise, kind: str
    ) -> Receipt:
        """The receipt of ``ballot`` at ``promise``. A cast is never answered with the receipt of another ballot —
        above all not of a ballot under another credential: the promise must name exactly this ballot's entry, and
        the receipt carries the fingerprint of the credential that signed it."""
        if kind == "ballot" and Entry.create(promise.index, EntryKind.BALLOT, ballot.to_json()).entry_hash != (
            promise.entry_hash
        ):
            raise ShailooError("a receipt for another entry than this ballot's was about to be sent", code="internal")
        code = ballot.tracking_code()
        self.receipts.record(code, ballot_hash, promise.index, kind)
        return Receipt(
            election_id=election_id,
            tracking_code=code,
            credential_fingerprint=ballot.credential_fingerprint(),
            ballot_hash=ballot_hash.hex(),
            entry_index=promise.index,
            entry_hash=promise.entry_hash.hex(),
            kind="ballot" if kind == "ballot" else "spoiled_ballot",
            promise=promise.to_text(),
        )

    # --- challenges ---------------------------------------------------------------------------------------------

    def challenge(self, value: Mapping[str, Any], reveal_value: Mapping[str, Any]) -> Receipt:
        """Publish a challenged ballot with its randomness (never counted) after checking that it opens."""
        manifest, joint, issuer_keys, _ = self._voting_material()
        VotingWindow.of(manifest).check_open(self.clock(), "challenges")
        if not manifest.policy.challenge_allowed:
            raise ApiError("this election does not offer challenges", code="challenge_not_allowed")
        ballot = EncryptedBallot.from_json(dict(value))
        reveal = BallotReveal.from_json(dict(reveal_value))
        ballot_hash = ballot.ballot_hash()
        key = f"spoiled:{ballot_hash.hex()}"
        previous = self.board.find_by_dedup_key(key)
        if previous is not None:
            return self._receipt(
                manifest.election_id, ballot, ballot_hash, self.board.promise(previous.index), "spoiled"
            )
        if self._existing_receipt(ballot, ballot_hash) is not None:
            raise ApiError("this ballot was cast; a cast ballot cannot be challenged", code="duplicate_ballot")
        check_ballot_envelope(ballot, manifest=manifest, issuer_keys=issuer_keys)
        check_spoiled(ballot, reveal, manifest=manifest, joint_public_key=joint.joint_public_key)
        payload = SpoiledBallot(ballot, reveal).to_payload()
        try:
            promise = self._append(EntryKind.SPOILED_BALLOT, payload, dedup_key=key)
        except DuplicateEntryError:
            entry = self.board.find_by_dedup_key(key)
            if entry is None:
                raise
            promise = self.board.promise(entry.index)
        return self._receipt(manifest.election_id, ballot, ballot_hash, promise, "spoiled")

    # --- receipts -----------------------------------------------------------------------------------------------

    def receipt_status(self, tracking_code: str) -> ReceiptStatus:
        found = self.receipts.find(tracking_code.strip().upper())
        if found is None:
            raise ApiError("no ballot with this tracking code", code="not_found")
        ballot_hash, index, kind = found
        entry: Entry = self.board.entry(index)
        cast = (
            SpoiledBallot.from_payload(entry.payload).ballot
            if entry.kind is EntryKind.SPOILED_BALLOT
            else EncryptedBallot.from_json(dict(entry.payload))
        )
        head = self.board.tree_head()
        proof = None
        if head.size > index:
            proof = self.board.inclusion_proof(index, head.size).to_json()
        return ReceiptStatus(
            tracking_code=tracking_code.strip().upper(),
            ballot_hash=ballot_hash.hex(),
            entry_index=index,
            kind=kind if kind == "ballot" else "spoiled_ballot",
            entry_hash=entry.entry_hash.hex(),
            credential_fingerprint=cast.credential_fingerprint(),
            appended_at=utc_text(self.board.promise(index).timestamp),
            tree_head=head.to_text() if proof is not None else None,
            inclusion_proof=proof,
        )


def ballot_check_status(error: BallotCheckError) -> ApiError:
    """A ballot refusal as the API returns it (the code kept)."""
    return ApiError(error.message, code=error.code)
