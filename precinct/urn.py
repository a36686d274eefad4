"""The counting urn adapter: scanned sheets → paper rules → encrypted ballots → signed, chained batches → protocol.

(docs/precinct.md, "Running an urn".) For every sheet the scanner emits (`precinct.scanner.ScannerRecord`) the urn

1. applies the manifest's paper rules (`read_sheet`: overvote invalid, void preferences …);
2. counts it in plain (what the protocol prints, as urns do today);
3. encrypts every valid contest with its proofs (`record.precinct.encrypt_paper_ballot`);
4. every ``batch_size`` sheets, signs the next batch of its chain and queues it in its outbox.

At the close it seals the last batch and signs the protocol (voters identified, ballots read, per contest
valid/invalid and counts, the chain's end). Everything is queued before it is sent (`Outbox.sync`), and the urn's
counters live in the outbox's state in the same transaction, so a restart resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from crypto.group import Point
from elections.manifest import Manifest
from elections.paper import PaperBallot
from precinct.devices import DeviceIdentity
from precinct.errors import DeviceError, ScannerRecordError
from precinct.outbox import Outbox, Sender
from precinct.scanner import ScannerRecord, read_sheet
from record.precinct import (
    ChainHead,
    DeviceBatch,
    PaperBallotRecord,
    PrecinctProtocol,
    ProtocolContest,
    encrypt_paper_ballot,
    sign_batch,
    sign_protocol,
)

DEFAULT_BATCH_SIZE: Final = 50


@dataclass
class _Tally:
    """The urn's plaintext counters (kept in the outbox state as JSON)."""

    voters_identified: int
    sheets: list[int]
    contests: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"voters_identified": self.voters_identified, "sheets": self.sheets, "contests": self.contests}


class CountingUrn:
    """One urn at one precinct, bound to the election's joint key and base hash."""

    def __init__(
        self,
        identity: DeviceIdentity,
        manifest: Manifest,
        *,
        joint_public_key: Point,
        base_hash: bytes,
        outbox: Outbox,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        if identity.role != "urn":
            raise DeviceError(f"device {identity.device_id} is a {identity.role}, not an urn")
        self.identity = identity
        self.manifest = manifest
        self.joint_public_key = joint_public_key
        self.base_hash = base_hash
        self.outbox = outbox
        self.batch_size = batch_size
        self._pending: list[PaperBallotRecord] = [PaperBallotRecord.from_json(b) for b in outbox.pending_items()]

    # --- state ---------------------------------------------------------------------------------------------------

    def _tally(self) -> _Tally:
        data = self.outbox.state("tally") or {"voters_identified": 0, "sheets": [], "contests": {}}
        return _Tally(int(data["voters_identified"]), list(data["sheets"]), dict(data["contests"]))

    def head(self) -> ChainHead:
        data = self.outbox.state("head")
        return ChainHead() if data is None else ChainHead(int(data[0]), bytes.fromhex(data[1]))

    def sheets_read(self) -> frozenset[int]:
        """The scanner's sheet numbers already read (a restarted urn skips them)."""
        return frozenset(self._tally().sheets)

    @property
    def closed(self) -> bool:
        return bool(self.outbox.state("closed", False))

    def _require_open(self) -> None:
        if self.closed:
            raise DeviceError("the urn has printed its protocol; it reads no more sheets", code="wrong_phase")

    # --- the day -------------------------------------------------------------------------------------------------

    def record_identification(self, count: int = 1) -> None:
        """The precinct's identification device identified ``count`` more voters (the protocol's first line)."""
        self._require_open()
        tally = self._tally()
        tally.voters_identified += count
        self.outbox.put_state({"tally": tally.to_json()})

    def read(self, record: ScannerRecord) -> PaperBallot:
        """Read one sheet: paper rules, plaintext count, encryption; seal a batch every ``batch_size`` sheets."""
        self._require_open()
        if record.precinct_id != self.identity.precinct_id:
            raise ScannerRecordError(f"sheet {record.sheet} is from precinct {record.precinct_id!r}")
        tally = self._tally()
        if record.sheet in tally.sheets:
            raise ScannerRecordError(f"sheet {record.sheet} was already read (fed twice?)")
        reading = read_sheet(self.manifest, record)
        encrypted = encrypt_paper_ballot(
            self.manifest,
            reading,
            record.sheet,
            precinct_id=self.identity.precinct_id,
            device_key=self.identity.public_key,
            joint_public_key=self.joint_public_key,
            base_hash=self.base_hash,
        )
        tally.sheets.append(record.sheet)
        for contest in reading.contests:
            size = len(self.manifest.contest(contest.contest_id).selections)
            figures = tally.contests.setdefault(contest.contest_id, {"valid": 0, "invalid": 0, "counts": [0] * size})
            if contest.vector is None:
                figures["invalid"] += 1
            else:
                figures["valid"] += 1
                figures["counts"] = [a + b for a, b in zip(figures["counts"], contest.vector, strict=True)]
        self._pending.append(encrypted)
        self.outbox.add_pending(encrypted.to_json(), {"tally": tally.to_json()})
        if len(self._pending) >= self.batch_size:
            self.seal_batch()
        return reading

    def seal_batch(self) -> DeviceBatch | None:
        """Sign the sheets read since the last batch as the next batch of the chain and queue it."""
        if not self._pending:
            return None
        head = self.head()
        batch = sign_batch(
            self.identity.key,
            election_id=self.manifest.election_id,
            device_id=self.identity.device_id,
            precinct_id=self.identity.precinct_id,
            sequence=head.batches + 1,
            previous=head.last,
            ballots=self._pending,
        )
        state = {"head": [batch.sequence, batch.batch_hash().hex()]}
        self.outbox.enqueue("precinct_batch", batch.to_json(), state, take_pending=True)
        self._pending = []
        return batch

    def protocol(self) -> PrecinctProtocol:
        """The protocol as of now (unsigned view for the screen); `close` signs and queues the final one."""
        tally = self._tally()
        head = self.head()
        contests = tuple(
            ProtocolContest(cid, int(f["valid"]), int(f["invalid"]), tuple(f["counts"]))
            for cid, f in sorted(tally.contests.items())
        )
        return PrecinctProtocol(
            election_id=self.manifest.election_id,
            device_id=self.identity.device_id,
            precinct_id=self.identity.precinct_id,
            voters_identified=tally.voters_identified,
            ballots_read=len(tally.sheets),
            batches=head.batches,
            last_batch=head.last,
            contests=contests,
            signature=bytes(64),
        )

    def close(self) -> PrecinctProtocol:
        """Seal the last batch, sign the protocol, queue it. After this the urn reads nothing more."""
        if self.closed:
            for record in self.outbox.records():
                if record.kind == "precinct_protocol":
                    return PrecinctProtocol.from_json(record.payload)
        self.seal_batch()
        signed = sign_protocol(self.identity.key, self.protocol())
        self.outbox.enqueue("precinct_protocol", signed.to_json(), {"closed": True})
        return signed

    def sync(self, send: Sender) -> list[dict[str, Any]]:
        """Send the queued batches (and the protocol) in order; see `Outbox.sync`."""
        return self.outbox.sync(send)
