"""The server side of the precinct channels: accept devices' batches and protocols onto the board.

`PrecinctService(board)` is what `precinct.server_api` exposes over HTTP (and what a device talks to in-process
in tests). For a batch it checks, cheapest first: the format, the phase, the election, the device's registration
(role and precinct), its signature, the chain (sequence and previous hash against the board), and for an urn
every proof of every sheet in one batch verification. Then it appends the batch under the dedup key
``precinct_batch:<device>:<sequence>``, so the same batch posted twice gets the same answer and is on the board
once, and a *different* batch with a sequence number already used is refused (``batch_conflict``).
A protocol is accepted once per device (``precinct_protocol:<device>``) and must close the device's chain. It is
accepted only after the election's close (``protocol_before_close`` while voting): its counts are in plain.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulletin_board.entries import Entry, EntryKind
from bulletin_board.errors import DuplicateEntryError, WrongPhaseError
from bulletin_board.log import BulletinBoard
from bulletin_board.phases import Phase
from crypto.batch import BatchVerifier
from crypto.errors import InvalidProofError
from elections.manifest import Manifest
from precinct.devices import registered_device
from precinct.errors import BatchConflictError, DeviceError
from record.ceremony import JointKey
from record.devices import DeviceRecord
from record.lifecycle import ChannelsOpen
from record.precinct import (
    ChainHead,
    DeviceBatch,
    PrecinctProtocol,
    PrecinctRecordError,
    add_paper_ballot_proofs,
    check_batch_signature,
    check_next_batch,
    check_protocol_closes_chain,
    check_protocol_signature,
)

_POSTING_PHASES = frozenset({Phase.VOTING, Phase.CLOSED})
#: The refusal of a protocol sent while voting: the device keeps it and sends it again after the close.
PROTOCOL_BEFORE_CLOSE = "protocol_before_close"
GENESIS_HEAD = ChainHead()


def batch_slot(device_id: str, sequence: int) -> str:
    return f"precinct_batch:{device_id}:{sequence}"


def protocol_slot(device_id: str) -> str:
    return f"precinct_protocol:{device_id}"


@dataclass(frozen=True)
class ElectionMaterial:
    """What checking a device's records needs, read from the board's setup entries."""

    manifest: Manifest
    joint_key: JointKey
    base_hash: bytes


@dataclass(frozen=True)
class PostedRecord:
    """The board's answer for a batch or protocol: where it is and the board's signed promise."""

    device_id: str
    kind: str
    sequence: int
    index: int
    entry_hash: str
    record_hash: str
    promise: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def election_material(board: BulletinBoard) -> ElectionMaterial:
    """Manifest, joint key and election base hash (from ``channels_open``); ``wrong_phase`` before voting opens."""
    opened = board.find_by_dedup_key("channels_open")
    if opened is None:
        raise WrongPhaseError("voting has not opened: devices post nothing before channels_open")
    manifest: Manifest | None = None
    joint: JointKey | None = None
    for entry in board.entries(0, opened.index):
        if entry.kind is EntryKind.MANIFEST and manifest is None:
            manifest = Manifest.from_dict(entry.payload["manifest"])
        elif entry.kind is EntryKind.JOINT_KEY and joint is None:
            joint = JointKey.from_payload(entry.payload)
    if manifest is None or joint is None:
        raise WrongPhaseError("the board has no manifest or joint key before channels_open")
    return ElectionMaterial(manifest, joint, ChannelsOpen.from_payload(opened.payload).election_base_hash)


class PrecinctService:
    """Accepts precinct devices' records onto one board (thread-safe; the board serialises appends)."""

    def __init__(self, board: BulletinBoard) -> None:
        self.board = board
        self._material: ElectionMaterial | None = None
        self._lock = threading.Lock()

    def material(self) -> ElectionMaterial:
        with self._lock:
            if self._material is None:
                self._material = election_material(self.board)
            return self._material

    def _posted(self, entry: Entry, device_id: str, sequence: int, record_hash: bytes) -> PostedRecord:
        promise = self.board.promise(entry.index)
        return PostedRecord(
            device_id=device_id,
            kind=entry.kind.value,
            sequence=sequence,
            index=entry.index,
            entry_hash=entry.entry_hash.hex(),
            record_hash=record_hash.hex(),
            promise=promise.to_text(),
        )

    def _device(self, device_id: str, precinct_id: str) -> DeviceRecord:
        device = registered_device(self.board, device_id)
        if device.precinct_id != precinct_id:
            raise DeviceError(f"device {device_id!r} is registered for precinct {device.precinct_id!r}")
        return device

    def _require_closed(self) -> None:
        phase = self.board.phase
        if phase is Phase.VOTING:
            raise PrecinctRecordError(
                "a precinct protocol holds plaintext counts: it is accepted after the close; keep it queued",
                code=PROTOCOL_BEFORE_CLOSE,
            )
        if phase is not Phase.CLOSED:
            raise WrongPhaseError(
                f"precinct protocols are accepted after the close and before the tally, not {phase.value}"
            )

    def _require_phase(self) -> None:
        phase = self.board.phase
        if phase not in _POSTING_PHASES:
            raise WrongPhaseError(f"precinct records are accepted while voting or closed, not {phase.value}")

    # --- chains ------------------------------------------------------------------------------------------------

    def batch(self, device_id: str, sequence: int) -> DeviceBatch | None:
        entry = self.board.find_by_dedup_key(batch_slot(device_id, sequence))
        return None if entry is None else DeviceBatch.from_json(dict(entry.payload))

    def chain_head(self, device_id: str) -> tuple[ChainHead, int]:
        """The device's chain on the board: its head and the paper ballots its batches hold."""
        head, sheets = ChainHead(), 0
        while (batch := self.batch(device_id, head.batches + 1)) is not None:
            head = ChainHead(batch.sequence, batch.batch_hash())
            sheets += len(batch.ballots) + len(batch.cast)
        return head, sheets

    # --- batches -----------------------------------------------------------------------------------------------

    def accept_batch(self, payload: Mapping[str, Any]) -> PostedRecord:
        """Check and append one batch (see the module docstring); the same batch again returns the same answer."""
        batch = DeviceBatch.from_json(dict(payload))
        self._require_phase()
        material = self.material()
        if batch.election_id != material.manifest.election_id:
            raise PrecinctRecordError("the batch is for another election", code="wrong_election")
        device = self._device(batch.device_id, batch.precinct_id)
        if (device.role == "urn" and batch.cast) or (device.role == "kiosk" and batch.ballots):
            raise PrecinctRecordError(f"a {device.role} does not post that kind of ballot", code="malformed")
        check_batch_signature(batch, device.public_key)
        slot = batch_slot(batch.device_id, batch.sequence)
        existing = self.board.find_by_dedup_key(slot)
        if existing is not None:
            return self._same_or_conflict(existing, batch.to_json(), batch.device_id, batch.sequence)
        previous = GENESIS_HEAD if batch.sequence == 1 else self._head_before(batch)
        check_next_batch(previous, batch)
        self._check_ballots(batch, device, material)
        try:
            promise = self.board.append(EntryKind.PRECINCT_BATCH, batch.to_json(), dedup_key=slot)
        except DuplicateEntryError:
            entry = self.board.find_by_dedup_key(slot)
            if entry is None:
                raise
            return self._same_or_conflict(entry, batch.to_json(), batch.device_id, batch.sequence)
        return self._posted(self.board.entry(promise.index), batch.device_id, batch.sequence, batch.batch_hash())

    def _head_before(self, batch: DeviceBatch) -> ChainHead:
        before = self.batch(batch.device_id, batch.sequence - 1)
        if before is None:
            raise PrecinctRecordError(
                f"device {batch.device_id}: batch {batch.sequence - 1} is not on the board; send it first",
                code="batch_missing",
            )
        return ChainHead(before.sequence, before.batch_hash())

    def _same_or_conflict(
        self, entry: Entry, payload: Mapping[str, Any], device_id: str, sequence: int
    ) -> PostedRecord:
        if dict(entry.payload) != dict(payload):
            raise BatchConflictError(f"device {device_id}: another record is already on the board as number {sequence}")
        record_hash = (
            DeviceBatch.from_json(dict(payload)).batch_hash()
            if entry.kind is EntryKind.PRECINCT_BATCH
            else entry.payload_hash
        )
        return self._posted(entry, device_id, sequence, record_hash)

    def _check_ballots(self, batch: DeviceBatch, device: DeviceRecord, material: ElectionMaterial) -> None:
        sheets = [b.sheet for b in batch.ballots]
        if len(set(sheets)) != len(sheets):
            raise PrecinctRecordError(
                f"device {batch.device_id}: a sheet appears twice in a batch", code="sheet_repeated"
            )
        verifier = BatchVerifier()
        for record in batch.ballots:
            add_paper_ballot_proofs(
                verifier,
                record,
                manifest=material.manifest,
                precinct_id=batch.precinct_id,
                device_key=device.public_key,
                joint_public_key=material.joint_key.joint_public_key,
                base_hash=material.base_hash,
            )
        try:
            verifier.verify()
        except InvalidProofError as e:
            raise PrecinctRecordError(
                f"device {batch.device_id} batch {batch.sequence}: {e.message}", code=e.code
            ) from e

    # --- protocols ---------------------------------------------------------------------------------------------

    def accept_protocol(self, payload: Mapping[str, Any]) -> PostedRecord:
        """Check and append a device's closing protocol (once per device; the same one again is idempotent)."""
        protocol = PrecinctProtocol.from_json(dict(payload))
        self._require_closed()
        material = self.material()
        if protocol.election_id != material.manifest.election_id:
            raise PrecinctRecordError("the protocol is for another election", code="wrong_election")
        device = self._device(protocol.device_id, protocol.precinct_id)
        check_protocol_signature(protocol, device.public_key)
        slot = protocol_slot(protocol.device_id)
        existing = self.board.find_by_dedup_key(slot)
        if existing is not None:
            return self._same_or_conflict(existing, protocol.to_json(), protocol.device_id, protocol.batches)
        head, sheets = self.chain_head(protocol.device_id)
        check_protocol_closes_chain(protocol, head, sheets)
        promise = self.board.append(EntryKind.PRECINCT_PROTOCOL, protocol.to_json(), dedup_key=slot)
        entry = self.board.entry(promise.index)
        return self._posted(entry, protocol.device_id, protocol.batches, entry.payload_hash)
