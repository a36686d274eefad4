"""The public complaints registry's board entries (docs/complaints.md, docs/spec/record.md §2.15).

Two kinds, neither with personal data:

``public_complaint``::

    {"complaint_code", "complainant": voter|observer|candidate, "category": ballot_missing|other,
     "promise": the board's signed promise (text) | null,
     "text_sha256": hex(32) | null, "attachments": [{"sha256", "size", "media_type"}, …]}

A ``ballot_missing`` complaint carries the promise the board signed when it took the ballot and nothing else; an
``other`` complaint carries only the SHA-256 of its text and of each attachment (the text and the files stay with
the commission, so a name written into a complaint never reaches the board, yet what was filed cannot be changed
afterwards without the hashes disagreeing).

``complaint_resolution``::

    {"complaint_code", "outcome": upheld|rejected, "finding": entry_present|entry_missing|entry_differs | null,
     "reason": text}

A promise-backed complaint is judged by `judge_promise`, a function of the promise, the log's key and the board —
so the server resolves it at once and the verifier judges it again: a promised entry that is not on the board at
its index with its hash is proof that the board broke its signed promise (the log signs a promise only for an entry
it has durably stored, docs/spec/board.md §4.2).

Producer beside checker: `ComplaintFiled.to_payload` / `from_payload`, `ComplaintResolution.to_payload` /
`from_payload`, `judge_promise`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board.checkpoint import SignedPromise, verify_promise
from crypto.errors import ShailooError
from crypto.strict_json import Field
from record.errors import RecordError

Complainant = Literal["voter", "observer", "candidate"]
Category = Literal["ballot_missing", "other"]
Outcome = Literal["upheld", "rejected"]
Finding = Literal["entry_present", "entry_missing", "entry_differs"]
COMPLAINANTS: Final = ("voter", "observer", "candidate")
CATEGORIES: Final = ("ballot_missing", "other")
OUTCOMES: Final = ("upheld", "rejected")
FINDINGS: Final = ("entry_present", "entry_missing", "entry_differs")
#: A complaint code: ``C-`` and 16 characters of the Crockford base-32 alphabet (80 random bits).
COMPLAINT_CODE: Final = re.compile(r"^C-[0-9A-HJKMNP-TV-Z]{16}$")
MAX_ATTACHMENTS: Final = 4
MAX_REASON_CHARS: Final = 1000
MAX_PROMISE_CHARS: Final = 1000
MEDIA_TYPES: Final = ("application/pdf", "image/jpeg", "image/png", "text/plain")


class ComplaintError(RecordError):
    """A complaint or resolution is malformed, or its evidence does not hold."""

    code = "invalid_complaint"


class InvalidPromiseError(ComplaintError):
    """The promise offered as evidence does not parse, is not the log's, or its signature does not verify."""

    code = "invalid_promise"


def check_code(code: str) -> str:
    if not COMPLAINT_CODE.match(code):
        raise ComplaintError("a complaint code is C- and 16 characters of 0-9 A-Z (no I, L, O, U)")
    return code


@dataclass(frozen=True)
class Attachment:
    """What the board keeps of an attached file: its SHA-256, size and media type."""

    sha256: bytes
    size: int
    media_type: str

    def to_payload(self) -> dict[str, Any]:
        return {"sha256": self.sha256.hex(), "size": self.size, "media_type": self.media_type}


@dataclass(frozen=True)
class ComplaintFiled:
    """A ``public_complaint`` payload (module docstring)."""

    complaint_code: str
    complainant: Complainant
    category: Category
    promise: str | None
    text_sha256: bytes | None
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        check_code(self.complaint_code)
        if self.category == "ballot_missing":
            if self.promise is None or self.text_sha256 is not None or self.attachments:
                raise ComplaintError("a ballot_missing complaint carries the board's promise and nothing else")
            parse_promise(self.promise)
        elif self.promise is not None or self.text_sha256 is None:
            raise ComplaintError("a complaint other than ballot_missing carries a text (and no promise)")
        if len(self.attachments) > MAX_ATTACHMENTS:
            raise ComplaintError(f"at most {MAX_ATTACHMENTS} attachments")

    def to_payload(self) -> dict[str, Any]:
        return {
            "complaint_code": self.complaint_code,
            "complainant": self.complainant,
            "category": self.category,
            "promise": self.promise,
            "text_sha256": None if self.text_sha256 is None else self.text_sha256.hex(),
            "attachments": [a.to_payload() for a in self.attachments],
        }

    @classmethod
    def from_payload(cls, payload: object) -> ComplaintFiled:
        try:
            obj = Field(payload).as_object(
                {"complaint_code", "complainant", "category", "promise", "text_sha256", "attachments"}
            )
            text_hash = None if obj["text_sha256"].value is None else obj["text_sha256"].hex(32)
            promise = None if obj["promise"].value is None else obj["promise"].text(max_len=MAX_PROMISE_CHARS)
            attachments = tuple(
                Attachment(a["sha256"].hex(32), a["size"].integer(), a["media_type"].literal(*MEDIA_TYPES))
                for a in (f.as_object({"sha256", "size", "media_type"}) for f in obj["attachments"].items())
            )
            return cls(
                complaint_code=obj["complaint_code"].text(),
                complainant=obj["complainant"].literal(*COMPLAINANTS),  # type: ignore[arg-type]
                category=obj["category"].literal(*CATEGORIES),  # type: ignore[arg-type]
                promise=promise,
                text_sha256=text_hash,
                attachments=attachments,
            )
        except ComplaintError:
            raise
        except ShailooError as e:
            raise ComplaintError(f"public_complaint: {e.message}") from e


@dataclass(frozen=True)
class ComplaintResolution:
    """A ``complaint_resolution`` payload (module docstring)."""

    complaint_code: str
    outcome: Outcome
    finding: Finding | None
    reason: str

    def __post_init__(self) -> None:
        check_code(self.complaint_code)
        if not 1 <= len(self.reason) <= MAX_REASON_CHARS:
            raise ComplaintError(f"a resolution gives a reason of 1 to {MAX_REASON_CHARS} characters")
        if self.finding is not None and self.outcome != outcome_for(self.finding):
            raise ComplaintError(f"the finding {self.finding} decides the outcome {outcome_for(self.finding)}")

    def to_payload(self) -> dict[str, Any]:
        return {
            "complaint_code": self.complaint_code,
            "outcome": self.outcome,
            "finding": self.finding,
            "reason": self.reason,
        }

    @classmethod
    def from_payload(cls, payload: object) -> ComplaintResolution:
        try:
            obj = Field(payload).as_object({"complaint_code", "outcome", "finding", "reason"})
            finding = None if obj["finding"].value is None else obj["finding"].literal(*FINDINGS)
            return cls(
                complaint_code=obj["complaint_code"].text(),
                outcome=obj["outcome"].literal(*OUTCOMES),  # type: ignore[arg-type]
                finding=finding,  # type: ignore[arg-type]
                reason=obj["reason"].text(max_len=MAX_REASON_CHARS),
            )
        except ComplaintError:
            raise
        except ShailooError as e:
            raise ComplaintError(f"complaint_resolution: {e.message}") from e


def parse_promise(text: str) -> SignedPromise:
    """The signed promise in ``text``; `InvalidPromiseError` if it does not parse."""
    if len(text) > MAX_PROMISE_CHARS:
        raise InvalidPromiseError("the promise text is too long")
    try:
        return SignedPromise.from_text(text)
    except ShailooError as e:
        raise InvalidPromiseError(f"the promise does not parse: {e.message}") from e


def judge_promise(
    promise: SignedPromise,
    *,
    origin: str,
    log_key: Ed25519PublicKey,
    board_size: int,
    entry_hash_at: Callable[[int], bytes],
) -> Finding:
    """Whether the board kept ``promise``: ``entry_present`` (the entry is at its index with its hash),
    ``entry_missing`` (the board is shorter than the index) or ``entry_differs`` (another entry is there).

    `InvalidPromiseError` if the promise is not the log's (origin, key id or signature): a forged promise proves
    nothing."""
    if promise.origin != origin:
        raise InvalidPromiseError(f"the promise is from the log {promise.origin!r}, not {origin!r}")
    try:
        verify_promise(promise, log_key)
    except ShailooError as e:
        raise InvalidPromiseError(f"the promise's signature does not verify: {e.message}") from e
    if promise.index >= board_size:
        return "entry_missing"
    if entry_hash_at(promise.index) != promise.entry_hash:
        return "entry_differs"
    return "entry_present"


def outcome_for(finding: Finding) -> Outcome:
    """A kept promise rejects the complaint; a broken one upholds it."""
    return "rejected" if finding == "entry_present" else "upheld"


REASONS: Final[dict[str, str]] = {
    "entry_present": "the promised entry is on the board at its index with the promised hash",
    "entry_missing": "the board signed a promise for an index it does not hold: the board broke its promise",
    "entry_differs": "another entry stands at the promised index: the board broke its promise",
}
