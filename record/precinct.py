"""Precinct devices' records: encrypted paper ballots, chained device batches, precinct protocols, reconciliation.

(docs/precinct.md; the scanner's input format is docs/spec/scanner_record.md.) Pure: no I/O, no clock.

A precinct device (a counting urn or a kiosk) holds an Ed25519 key registered on the board (``device_key`` entry
with ``device_id``, ``role``, ``precinct_id``, ``public_key``). Everything it posts is signed by that key over
``lp("SHAILOO-V1/precinct/batch") || canonical_json(record without "signature")`` (protocols with the tag
``precinct/protocol``) and chained:

* a **batch** (``precinct_batch`` payload) has a ``sequence`` number (1, 2, …) and names ``previous``, the
  `batch_hash` of the device's previous batch (32 zero bytes for the first); an urn's batch carries encrypted
  paper ballots, a kiosk's batch the ballot hashes of the ``ballot`` entries it cast;
* the **protocol** (``precinct_protocol`` payload) closes the chain: it names the number of batches and the hash
  of the last one, so a batch dropped at the end is as visible as one dropped in the middle or replayed.

An encrypted paper ballot encrypts each *valid* contest (after the paper rules) exactly as an electronic ballot
does — 0/1 proofs and a contest-limit proof — bound to ``paper_ballot_context`` (device key, precinct, sheet); an
invalid contest is published as ``null`` (the protocol counts it among the invalid ballots). Paper ballots enter
the election's encrypted tally through `paper_counted_items`, per ballot style and per precinct, so the trustees'
decryption of the tally also decrypts every precinct's subtotal, which `reconcile_precinct` compares with the
protocols.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto import signing
from crypto.batch import BatchVerifier
from crypto.canonical import canonical_json
from crypto.contest import EncryptedContest, encrypt_contest
from crypto.errors import CryptoError, InvalidProofError
from crypto.group import Point
from crypto.hashing import hash_fields
from crypto.strict_json import Field, MalformedFieldError
from elections.errors import ElectionError
from elections.manifest import Manifest
from elections.paper import PaperBallot
from record.tally import CountedItem

BATCH_FORMAT: Final = "shailoo-precinct-batch/1"
PROTOCOL_FORMAT: Final = "shailoo-precinct-protocol/1"
BATCH_SIGNATURE_TAG: Final = "precinct/batch"
PROTOCOL_SIGNATURE_TAG: Final = "precinct/protocol"
BATCH_HASH_TAG: Final = "precinct/batch-hash"
PAPER_CONTEXT_TAG: Final = "precinct/paper-ballot"
#: ``previous`` of a device's first batch.
GENESIS: Final = bytes(32)
DEVICE_ROLES: Final = frozenset({"urn", "kiosk"})
#: Most ballots in one batch (an urn posts a batch every few dozen sheets; a 2021 list ballot is ~0.35 MB).
MAX_BATCH_BALLOTS: Final = 1000

_BATCH_KEYS: Final = frozenset(
    {"format", "election_id", "device_id", "precinct_id", "sequence", "previous", "ballots", "cast", "signature"}
)
_PROTOCOL_KEYS: Final = frozenset(
    {
        "format",
        "election_id",
        "device_id",
        "precinct_id",
        "voters_identified",
        "ballots_read",
        "batches",
        "last_batch",
        "contests",
        "signature",
    }
)


class PrecinctRecordError(ElectionError):
    """A precinct batch or protocol is refused. Codes: ``malformed``, ``non_canonical``, ``wrong_election``,
    ``unknown_device``, ``invalid_signature``, ``invalid_proof``, ``batch_replayed``, ``batch_missing``,
    ``batch_chain_broken``, ``sheet_repeated``, ``protocol_mismatch``."""

    code = "invalid_precinct_record"


# -- helpers ------------------------------------------------------------------------------------------------------


def device_public_bytes(key: Ed25519PrivateKey) -> bytes:
    """The 32-byte raw public key of a device."""
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _fail(message: str, code: str) -> PrecinctRecordError:
    return PrecinctRecordError(message, code=code)


def _refused(e: MalformedFieldError) -> PrecinctRecordError:
    """A strict-decoding refusal as this module's error: same code, the message naming the JSON path."""
    return PrecinctRecordError(e.message, code=e.code)


def _signed_bytes(tag: str, body: Mapping[str, Any]) -> bytes:
    return signing.tagged_message(tag, canonical_json(dict(body)))


def _verify(public_key: bytes, signature: bytes, message: bytes, what: str) -> None:
    try:
        signing.verify_signature(public_key, message, signature)
    except CryptoError as e:
        raise _fail(f"{what}: the device signature does not verify ({e.message})", "invalid_signature") from e


# -- encrypted paper ballots --------------------------------------------------------------------------------------


def paper_ballot_context(
    base_hash: bytes, election_id: str, precinct_id: str, device_key: bytes, sheet: int, style_id: str, contest_id: str
) -> bytes:
    """Fiat–Shamir context of every proof of one contest of one scanned sheet (bound to the urn and the sheet)."""
    return hash_fields(
        PAPER_CONTEXT_TAG,
        base_hash,
        election_id.encode(),
        precinct_id.encode(),
        device_key,
        sheet.to_bytes(8, "big"),
        style_id.encode(),
        contest_id.encode(),
    )


@dataclass(frozen=True)
class PaperBallotRecord:
    """One scanned sheet as the urn publishes it: per contest of the style, the encrypted contest or ``None``
    when the paper rules made that contest invalid. JSON: ``{"sheet", "style_id", "contests": [{"contest_id",
    "encrypted": hex(EncryptedContest) | null}]}``."""

    sheet: int
    style_id: str
    contests: tuple[tuple[str, bytes | None], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "style_id": self.style_id,
            "contests": [
                {"contest_id": c, "encrypted": None if data is None else data.hex()} for c, data in self.contests
            ],
        }

    @classmethod
    def from_json(cls, value: object) -> PaperBallotRecord:
        """Parse strictly (exact keys, types, hex); `PrecinctRecordError` naming the JSON path of the bad field."""
        try:
            return cls._from_field(Field(value))
        except MalformedFieldError as e:
            raise _refused(e) from e

    @classmethod
    def _from_field(cls, field: Field) -> PaperBallotRecord:
        obj = field.as_object({"sheet", "style_id", "contests"})
        contests: list[tuple[str, bytes | None]] = []
        for item in obj["contests"].items(min_len=1):
            contest = item.as_object({"contest_id", "encrypted"})
            encrypted = contest["encrypted"]
            contests.append((contest["contest_id"].text(), None if encrypted.value is None else encrypted.hex()))
        return cls(obj["sheet"].integer(minimum=1), obj["style_id"].text(), tuple(contests))

    def valid_contests(self) -> tuple[tuple[str, EncryptedContest], ...]:
        """The decoded valid contests (canonical points and scalars); `PrecinctRecordError` otherwise."""
        decoded = []
        for contest_id, data in self.contests:
            if data is not None:
                try:
                    decoded.append((contest_id, EncryptedContest.from_bytes(data)))
                except CryptoError as e:
                    raise _fail(f"sheet {self.sheet} contest {contest_id!r}: {e.message}", e.code) from e
        return tuple(decoded)


def encrypt_paper_ballot(
    manifest: Manifest,
    reading: PaperBallot,
    sheet: int,
    *,
    precinct_id: str,
    device_key: bytes,
    joint_public_key: Point,
    base_hash: bytes,
) -> PaperBallotRecord:
    """Encrypt and prove every valid contest of a sheet read under the paper rules (`interpret_paper_ballot`)."""
    contests: list[tuple[str, bytes | None]] = []
    for contest in reading.contests:
        if contest.vector is None:
            contests.append((contest.contest_id, None))
            continue
        spec = manifest.contest(contest.contest_id)
        context = paper_ballot_context(
            base_hash, manifest.election_id, precinct_id, device_key, sheet, reading.style_id, contest.contest_id
        )
        encrypted, _ = encrypt_contest(context, joint_public_key, list(contest.vector), spec.min_marks, spec.max_marks)
        contests.append((contest.contest_id, encrypted.to_bytes()))
    return PaperBallotRecord(sheet, reading.style_id, tuple(contests))


def add_paper_ballot_proofs(
    verifier: BatchVerifier,
    record: PaperBallotRecord,
    *,
    manifest: Manifest,
    precinct_id: str,
    device_key: bytes,
    joint_public_key: Point,
    base_hash: bytes,
) -> None:
    """Check the sheet's style and contests against the manifest and add every proof to ``verifier``."""
    try:
        style = manifest.ballot_style(record.style_id)
    except ElectionError as e:
        raise _fail(f"sheet {record.sheet}: unknown ballot style {record.style_id!r}", "malformed") from e
    if tuple(c for c, _ in record.contests) != style.contest_ids:
        raise _fail(f"sheet {record.sheet}: the contests are not those of its style, in order", "malformed")
    for contest_id, encrypted in record.valid_contests():
        contest = manifest.contest(contest_id)
        if len(encrypted.ciphertexts) != len(contest.selections):
            raise _fail(f"sheet {record.sheet} contest {contest_id!r}: wrong number of selections", "malformed")
        context = paper_ballot_context(
            base_hash, manifest.election_id, precinct_id, device_key, record.sheet, record.style_id, contest_id
        )
        try:
            verifier.add_contest(
                context, joint_public_key, encrypted, contest.min_marks, contest.max_marks, f"sheet {record.sheet}"
            )
        except InvalidProofError as e:
            raise _fail(f"sheet {record.sheet} contest {contest_id!r}: {e.message}", e.code) from e


# -- device batches -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceBatch:
    """One signed, chained batch of a device (the ``precinct_batch`` payload, docs/precinct.md)."""

    election_id: str
    device_id: str
    precinct_id: str
    sequence: int
    previous: bytes
    ballots: tuple[PaperBallotRecord, ...]
    cast: tuple[bytes, ...]
    signature: bytes

    def body_json(self) -> dict[str, Any]:
        return {
            "format": BATCH_FORMAT,
            "election_id": self.election_id,
            "device_id": self.device_id,
            "precinct_id": self.precinct_id,
            "sequence": self.sequence,
            "previous": self.previous.hex(),
            "ballots": [b.to_json() for b in self.ballots],
            "cast": [h.hex() for h in self.cast],
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body_json(), "signature": self.signature.hex()}

    def signed_bytes(self) -> bytes:
        return _signed_bytes(BATCH_SIGNATURE_TAG, self.body_json())

    def batch_hash(self) -> bytes:
        """``hash_fields("precinct/batch-hash", canonical_json(batch))``: what the next batch names."""
        return hash_fields(BATCH_HASH_TAG, canonical_json(self.to_json()))

    @classmethod
    def from_json(cls, value: object) -> DeviceBatch:
        """Parse strictly (exact keys, types, hex lengths at every depth; `PrecinctRecordError` naming the JSON
        path of the bad field); no point is decoded here."""
        try:
            return cls._from_field(Field(value))
        except MalformedFieldError as e:
            raise _refused(e) from e

    @classmethod
    def _from_field(cls, field: Field) -> DeviceBatch:
        obj = field.as_object(_BATCH_KEYS)
        obj["format"].literal(BATCH_FORMAT)
        ballots = obj["ballots"].items(max_len=MAX_BATCH_BALLOTS)
        cast = obj["cast"].items(max_len=MAX_BATCH_BALLOTS)
        if not 1 <= len(ballots) + len(cast) <= MAX_BATCH_BALLOTS:
            raise obj.fail(f"ballots and cast together hold between 1 and {MAX_BATCH_BALLOTS} ballots")
        return cls(
            election_id=obj["election_id"].text(),
            device_id=obj["device_id"].text(),
            precinct_id=obj["precinct_id"].text(),
            sequence=obj["sequence"].integer(minimum=1),
            previous=obj["previous"].hex(32),
            ballots=tuple(PaperBallotRecord._from_field(b) for b in ballots),
            cast=tuple(h.hex(32) for h in cast),
            signature=obj["signature"].hex(64),
        )


def sign_batch(
    key: Ed25519PrivateKey,
    *,
    election_id: str,
    device_id: str,
    precinct_id: str,
    sequence: int,
    previous: bytes,
    ballots: Sequence[PaperBallotRecord] = (),
    cast: Sequence[bytes] = (),
) -> DeviceBatch:
    """The device side: build and sign the next batch of its chain."""
    unsigned = DeviceBatch(
        election_id, device_id, precinct_id, sequence, previous, tuple(ballots), tuple(cast), bytes(64)
    )
    return replace(unsigned, signature=signing.sign(key, BATCH_SIGNATURE_TAG, canonical_json(unsigned.body_json())))


def check_batch_signature(batch: DeviceBatch, device_key: bytes) -> None:
    """Raise `PrecinctRecordError` (``invalid_signature``) unless ``device_key`` signed ``batch``."""
    _verify(device_key, batch.signature, batch.signed_bytes(), f"batch {batch.sequence} of {batch.device_id}")


@dataclass(frozen=True)
class ChainHead:
    """Where a device's chain stands: batches so far and the hash of the last one (`GENESIS` if none)."""

    batches: int = 0
    last: bytes = GENESIS


def check_next_batch(head: ChainHead, batch: DeviceBatch) -> ChainHead:
    """The chain rule: ``batch`` must be number ``head.batches + 1`` and name ``head.last``.

    A sequence number already seen is ``batch_replayed``; a higher one ``batch_missing`` (a batch was dropped);
    the right number naming another predecessor is ``batch_chain_broken``.
    """
    expected = head.batches + 1
    if batch.sequence < expected:
        raise _fail(
            f"device {batch.device_id}: batch {batch.sequence} appears again after batch {head.batches}",
            "batch_replayed",
        )
    if batch.sequence > expected:
        raise _fail(
            f"device {batch.device_id}: batch {batch.sequence} follows batch {head.batches}; "
            f"batches {expected}..{batch.sequence - 1} are missing",
            "batch_missing",
        )
    if batch.previous != head.last:
        raise _fail(
            f"device {batch.device_id}: batch {batch.sequence} does not name the hash of batch {head.batches}",
            "batch_chain_broken",
        )
    return ChainHead(batch.sequence, batch.batch_hash())


# -- paper ballots in the tally -----------------------------------------------------------------------------------


def paper_counted_items(index: int, batch: DeviceBatch) -> list[CountedItem]:
    """The paper sheets of a ``precinct_batch`` entry as `record.tally.CountedItem`s: the batch's precinct, the
    sheet's style and its valid contests. Paper needs no credential and is never weeded: every sheet of a valid
    batch counts once, which the chain checks ensure. Kiosk batches give none: their ballots are ``ballot``
    entries already."""
    return [
        CountedItem(index, record.style_id, batch.precinct_id, tuple(record.valid_contests()))
        for record in batch.ballots
    ]


# -- the precinct protocol ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolContest:
    """One contest of a protocol: valid and invalid ballots, and the plaintext count of every selection."""

    contest_id: str
    valid: int
    invalid: int
    counts: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "contest_id": self.contest_id,
            "valid": self.valid,
            "invalid": self.invalid,
            "counts": list(self.counts),
        }


@dataclass(frozen=True)
class PrecinctProtocol:
    """What the device prints at the close (the ``precinct_protocol`` payload): voters identified, ballots read
    (sheets scanned, or ballots cast at a kiosk), per contest valid/invalid and counts, and the chain's end."""

    election_id: str
    device_id: str
    precinct_id: str
    voters_identified: int
    ballots_read: int
    batches: int
    last_batch: bytes
    contests: tuple[ProtocolContest, ...]
    signature: bytes

    def body_json(self) -> dict[str, Any]:
        return {
            "format": PROTOCOL_FORMAT,
            "election_id": self.election_id,
            "device_id": self.device_id,
            "precinct_id": self.precinct_id,
            "voters_identified": self.voters_identified,
            "ballots_read": self.ballots_read,
            "batches": self.batches,
            "last_batch": self.last_batch.hex(),
            "contests": [c.to_json() for c in self.contests],
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body_json(), "signature": self.signature.hex()}

    def signed_bytes(self) -> bytes:
        return _signed_bytes(PROTOCOL_SIGNATURE_TAG, self.body_json())

    def contest(self, contest_id: str) -> ProtocolContest | None:
        return next((c for c in self.contests if c.contest_id == contest_id), None)

    @classmethod
    def from_json(cls, value: object) -> PrecinctProtocol:
        """Parse strictly (`PrecinctRecordError` naming the JSON path of the bad field)."""
        try:
            return cls._from_field(Field(value))
        except MalformedFieldError as e:
            raise _refused(e) from e

    @classmethod
    def _from_field(cls, field: Field) -> PrecinctProtocol:
        obj = field.as_object(_PROTOCOL_KEYS)
        obj["format"].literal(PROTOCOL_FORMAT)
        contests = []
        for item in obj["contests"].items():
            c = item.as_object({"contest_id", "valid", "invalid", "counts"})
            counts = tuple(n.integer() for n in c["counts"].items())
            contests.append(
                ProtocolContest(c["contest_id"].text(), c["valid"].integer(), c["invalid"].integer(), counts)
            )
        return cls(
            election_id=obj["election_id"].text(),
            device_id=obj["device_id"].text(),
            precinct_id=obj["precinct_id"].text(),
            voters_identified=obj["voters_identified"].integer(),
            ballots_read=obj["ballots_read"].integer(),
            batches=obj["batches"].integer(),
            last_batch=obj["last_batch"].hex(32),
            contests=tuple(contests),
            signature=obj["signature"].hex(64),
        )


def sign_protocol(key: Ed25519PrivateKey, protocol: PrecinctProtocol) -> PrecinctProtocol:
    """The device side: sign a protocol (its ``signature`` field is ignored and replaced)."""
    return replace(protocol, signature=signing.sign(key, PROTOCOL_SIGNATURE_TAG, canonical_json(protocol.body_json())))


def check_protocol_signature(protocol: PrecinctProtocol, device_key: bytes) -> None:
    """Raise `PrecinctRecordError` (``invalid_signature``) unless ``device_key`` signed ``protocol``."""
    _verify(device_key, protocol.signature, protocol.signed_bytes(), f"protocol of {protocol.device_id}")


def check_protocol_closes_chain(protocol: PrecinctProtocol, head: ChainHead, sheets: int) -> None:
    """The protocol must name the device's last batch and count exactly the ballots its batches hold, and a
    device never reads more ballots than voters were identified (``protocol_mismatch`` otherwise)."""
    if protocol.batches != head.batches or protocol.last_batch != head.last:
        code = "batch_missing" if protocol.batches > head.batches else "batch_chain_broken"
        raise _fail(
            f"device {protocol.device_id}: the protocol closes the chain at batch {protocol.batches}, "
            f"the board holds {head.batches}",
            code,
        )
    if protocol.ballots_read != sheets:
        raise _fail(
            f"device {protocol.device_id}: the protocol reads {protocol.ballots_read} ballots, "
            f"its batches hold {sheets}",
            "protocol_mismatch",
        )
    if protocol.ballots_read > protocol.voters_identified:
        raise _fail(
            f"device {protocol.device_id}: {protocol.ballots_read} ballots read but only "
            f"{protocol.voters_identified} voters identified",
            "protocol_mismatch",
        )


# -- reconciliation -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discrepancy:
    """One difference between a precinct's decrypted subtotal and its devices' protocols."""

    precinct_id: str
    what: str
    decrypted: Any
    protocol: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "precinct_id": self.precinct_id,
            "what": self.what,
            "decrypted": self.decrypted,
            "protocol": self.protocol,
        }


def reconcile_precinct(
    precinct_id: str,
    protocols: Sequence[PrecinctProtocol],
    decrypted_ballots: int,
    decrypted_counts: Mapping[str, Sequence[int]],
) -> list[Discrepancy]:
    """Compare a precinct's decrypted subtotal (ballots and counts per contest from the trustees' decryption) with
    the sum of its devices' protocols. Returns every difference (empty when they agree)."""
    found: list[Discrepancy] = []
    read = sum(p.ballots_read for p in protocols)
    if read != decrypted_ballots:
        found.append(Discrepancy(precinct_id, "ballots", decrypted_ballots, read))
    identified = sum(p.voters_identified for p in protocols)
    if read > identified:
        found.append(Discrepancy(precinct_id, "ballots_read_exceed_voters_identified", read, identified))
    contest_ids = sorted({c.contest_id for p in protocols for c in p.contests} | set(decrypted_counts))
    for contest_id in contest_ids:
        printed: list[int] | None = None
        for p in protocols:
            c = p.contest(contest_id)
            if c is not None:
                printed = (
                    list(c.counts) if printed is None else [a + b for a, b in zip(printed, c.counts, strict=False)]
                )
        decrypted = decrypted_counts.get(contest_id)
        decrypted_list = list(decrypted) if decrypted is not None else None
        if printed is not None and decrypted_list is None and not any(printed):
            continue  # only invalid sheets of that contest: nothing was encrypted, nothing to decrypt
        if printed != decrypted_list:
            found.append(Discrepancy(precinct_id, f"counts of {contest_id}", decrypted_list, printed))
    return found
