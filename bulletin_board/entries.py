"""Typed board entries (docs/spec/board.md, "Entries"). Pure: no I/O.

An entry is ``{index, kind, payload}``; its *leaf bytes* are the RFC 8785 canonical JSON of exactly that object
and its *entry hash* is the RFC 9162 leaf hash of those bytes (`merkle.leaf_hash`). The payload is a JSON object
without floats. Higher layers refine payloads per kind with `register_payload_validator`; the board runs the
validator before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Final

from bulletin_board import merkle
from bulletin_board.errors import InvalidEntryError
from crypto.canonical import canonical_json
from crypto.errors import NonCanonicalError
from crypto.hashing import hash_fields

#: The largest canonical payload accepted (bytes); a ballot with proofs is a few tens of kilobytes.
MAX_PAYLOAD_BYTES: Final = 4 * 1024 * 1024
#: Larger limits for the kinds only the server itself writes (never a request body): the encrypted tally holds one
#: 66-byte ciphertext per ballot style and selection (and per precinct), ~5.8 MB of canonical JSON for the 2021
#: parliamentary election's 37 styles of ~1,160 selections. Decryption shares stay under the default limit: a
#: trustee posts them in parts (docs/spec/record.md, "decryption_share").
#: A mix's input and each shuffle hold the whole list of rows (66 bytes per ciphertext, and a proof of ~163 bytes per
#: row, both as hex): ~4.6 MB of JSON per 10,000 rows of one ciphertext, so 64 MB carries about 140,000 rows.
MAX_PAYLOAD_BYTES_BY_KIND: Final[Mapping[str, int]] = {
    "encrypted_tally": 64 * 1024 * 1024,
    "mix_input": 64 * 1024 * 1024,
    "shuffle": 64 * 1024 * 1024,
    "cr_blinding": 64 * 1024 * 1024,
    "cr_decryption": 64 * 1024 * 1024,
    "cr_result": 64 * 1024 * 1024,
}


#: A trustee's decryption shares are posted in parts of at most this many shares (one ``decryption_share`` entry
#: each, ~1.1 MB of JSON), so every entry and every request body stays small whatever the size of the tally.
DECRYPTION_SHARES_PER_PART: Final = 4096


def decryption_share_parts(shares: int) -> int:
    """How many ``decryption_share`` parts a trustee posts for ``shares`` shares (at least one)."""
    return max(1, -(-shares // DECRYPTION_SHARES_PER_PART))


def decryption_share_part(part: int) -> slice:
    """The shares (positions among the tally's non-empty ciphertexts) that part ``part`` holds."""
    return slice(part * DECRYPTION_SHARES_PER_PART, (part + 1) * DECRYPTION_SHARES_PER_PART)


def max_payload_bytes(kind: EntryKind | None) -> int:
    """The payload size limit of entries of ``kind`` (`MAX_PAYLOAD_BYTES` unless the kind has its own)."""
    return MAX_PAYLOAD_BYTES if kind is None else MAX_PAYLOAD_BYTES_BY_KIND.get(kind.value, MAX_PAYLOAD_BYTES)


JsonObject = Mapping[str, Any]
PayloadValidator = Callable[[JsonObject], None]


class EntryKind(StrEnum):
    """Kinds of board entries, in the order they appear in an election (docs/spec/board.md, "Kinds")."""

    MANIFEST = "manifest"
    TRUSTEE_COMMITMENT = "trustee_commitment"
    TRUSTEE_SHARE = "trustee_share"
    COMPLAINT = "complaint"
    STEP_CLOSED = "step_closed"
    JOINT_KEY = "joint_key"
    ISSUER_KEYS = "issuer_keys"
    REGISTER_COUNTS = "register_counts"
    DEVICE_KEY = "device_key"
    CHANNELS_OPEN = "channels_open"
    ISSUANCE = "issuance"
    CR_ROSTER = "cr_roster"
    CR_BALLOT = "cr_ballot"
    BALLOT = "ballot"
    SPOILED_BALLOT = "spoiled_ballot"
    PRECINCT_BATCH = "precinct_batch"
    PRECINCT_PROTOCOL = "precinct_protocol"
    PRECINCT_ANNULMENT = "precinct_annulment"
    CLOSE = "close"
    MIX_INPUT = "mix_input"
    SHUFFLE = "shuffle"
    CR_BLINDING = "cr_blinding"
    CR_DECRYPTION = "cr_decryption"
    CR_RESULT = "cr_result"
    ENCRYPTED_TALLY = "encrypted_tally"
    DECRYPTION_SHARE = "decryption_share"
    RESULT = "result"
    PUBLIC_COMPLAINT = "public_complaint"
    COMPLAINT_RESOLUTION = "complaint_resolution"

    @classmethod
    def parse(cls, value: object) -> EntryKind:
        """The kind named by ``value``; `InvalidEntryError` for anything else."""
        if isinstance(value, EntryKind):
            return value
        if not isinstance(value, str):
            raise InvalidEntryError(f"entry kind must be a string, not {type(value).__name__}")
        try:
            return cls(value)
        except ValueError as e:
            raise InvalidEntryError(f"unknown entry kind {value!r}") from e


def canonical_payload(payload: object, kind: EntryKind | None = None) -> bytes:
    """The canonical bytes of a payload; `InvalidEntryError` unless it is a JSON object within the size limit of
    entries of ``kind`` (`max_payload_bytes`; the default limit when no kind is given)."""
    if not isinstance(payload, Mapping):
        raise InvalidEntryError(f"entry payload must be a JSON object, not {type(payload).__name__}")
    try:
        _refuse_floats(payload)
        data = canonical_json(dict(payload))
    except NonCanonicalError as e:
        raise InvalidEntryError(f"entry payload is not canonical JSON: {e.message}") from e
    except RecursionError as e:  # absurdly deep nesting: refuse rather than crash
        raise InvalidEntryError("entry payload is nested too deeply") from e
    limit = max_payload_bytes(kind)
    if len(data) > limit:
        raise InvalidEntryError(f"entry payload is {len(data)} bytes, more than {limit}")
    return data


def _refuse_floats(value: object) -> None:
    # Floats have no single decimal form a second verifier would reproduce; Shailoo records use ints and strings.
    if isinstance(value, float):
        raise InvalidEntryError("entry payloads may not contain floating-point numbers")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


@dataclass(frozen=True)
class Entry:
    """One board entry. Construct with `Entry.create` (validates) or `Entry.from_leaf_bytes` (parses)."""

    index: int
    kind: EntryKind
    payload: JsonObject = field(compare=False)
    #: ``canonical_json({"index", "kind", "payload"})``, the RFC 9162 leaf input.
    leaf_bytes: bytes = field(repr=False)

    @classmethod
    def create(cls, index: int, kind: EntryKind | str, payload: object) -> Entry:
        """A validated entry (kind known, payload a canonical JSON object); `InvalidEntryError` otherwise."""
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidEntryError(f"entry index must be a non-negative integer, not {index!r}")
        parsed = EntryKind.parse(kind)
        return cls.from_canonical(index, parsed, canonical_payload(payload, parsed))

    @classmethod
    def from_canonical(cls, index: int, kind: EntryKind, payload_bytes: bytes) -> Entry:
        """An entry from a payload already in canonical form (the bytes `canonical_payload` returned).

        The leaf bytes are assembled without encoding the payload again: RFC 8785 orders the keys
        ``index`` < ``kind`` < ``payload``, an integer and a kind name have one form, and the payload's bytes
        are canonical already.
        """
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidEntryError(f"entry index must be a non-negative integer, not {index!r}")
        leaf = b'{"index":%d,"kind":"%s","payload":%s}' % (index, kind.value.encode("ascii"), payload_bytes)
        return cls(index=index, kind=kind, payload=json.loads(payload_bytes), leaf_bytes=leaf)

    @classmethod
    def from_leaf_bytes(cls, data: bytes) -> Entry:
        """Parse leaf bytes; `InvalidEntryError` unless they are exactly the canonical form of an entry."""
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidEntryError(f"entry is not JSON: {e}") from e
        if not isinstance(obj, dict) or set(obj) != {"index", "kind", "payload"}:
            raise InvalidEntryError("entry must be an object with exactly index, kind and payload")
        entry = cls.create(obj["index"], obj["kind"], obj["payload"])
        if entry.leaf_bytes != data:
            raise InvalidEntryError(f"entry {entry.index} is not in canonical form")
        return entry

    @cached_property
    def entry_hash(self) -> bytes:
        """RFC 9162 leaf hash of the leaf bytes: the entry's identity in proofs and promises."""
        return merkle.leaf_hash(self.leaf_bytes)

    @property
    def payload_hash(self) -> bytes:
        """SHA-256 domain-separated hash of ``kind`` and the canonical payload (independent of the index)."""
        return payload_hash(self.kind, self.payload)


def payload_hash(kind: EntryKind | str, payload: object) -> bytes:
    """``hash_fields("board/payload", kind, canonical_json(payload))``: finds a payload whatever its index."""
    parsed = EntryKind.parse(kind)
    return canonical_payload_hash(parsed, canonical_payload(payload, parsed))


def canonical_payload_hash(kind: EntryKind, payload_bytes: bytes) -> bytes:
    """`payload_hash` from the payload's canonical bytes."""
    return hash_fields("board/payload", kind.value.encode("ascii"), payload_bytes)


class PayloadValidators:
    """Per-kind payload validators registered by higher layers; each raises to refuse a payload."""

    def __init__(self) -> None:
        self._validators: dict[EntryKind, list[PayloadValidator]] = {}

    def register(self, kind: EntryKind | str, validator: PayloadValidator) -> None:
        """Add ``validator`` for ``kind``; all validators of a kind run, in registration order."""
        self._validators.setdefault(EntryKind.parse(kind), []).append(validator)

    def check(self, kind: EntryKind, payload: JsonObject) -> None:
        """Run the validators of ``kind``; any error becomes `InvalidEntryError` (its code kept if Shailoo's)."""
        for validator in self._validators.get(kind, ()):
            try:
                validator(payload)
            except InvalidEntryError:
                raise
            except Exception as e:  # a validator's own error: refuse the entry, keep why
                code = getattr(e, "code", None)
                raise InvalidEntryError(
                    f"{kind.value} payload refused: {e}", code=code if isinstance(code, str) else None
                ) from e


#: The validators every `BulletinBoard` uses unless given its own.
DEFAULT_VALIDATORS: Final = PayloadValidators()


def register_payload_validator(kind: EntryKind | str, validator: PayloadValidator) -> None:
    """Register ``validator`` for ``kind`` in `DEFAULT_VALIDATORS`."""
    DEFAULT_VALIDATORS.register(kind, validator)
