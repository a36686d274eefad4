"""The trustees' board entries: payload shapes, parsing, and the ceremony as read back from the board.

docs/trustees.md ("What the board shows") gives every field. All payloads of one key ceremony carry its
``context`` (hex of `ceremony_context`), so entries of an abandoned attempt never mix with a new one.

==================  ==============================================================  ============================
kind                payload                                                         dedup key
==================  ==============================================================  ============================
trustee_commitment  {context, commitment: TrusteeCommitment}                        ``dkg/<ctx>/commitment/<i>``
trustee_share       {context, sender, shares: [EncryptedShare to every other one]}  ``dkg/<ctx>/shares/<i>``
complaint           {context, subject: "key_ceremony", complainer, complaints}      ``dkg/<ctx>/checked/<i>``
step_closed         {context, step, missing}  (the coordinator's, unsigned)         ``dkg/<ctx>/closed/<step>``
joint_key           {context, n, k, qualified, disqualified, joint_public_key,      ``dkg/<ctx>/joint_key``
                    public_shares}
==================  ==============================================================  ============================

Every trustee posts exactly one step-3 ``complaint`` entry: its list of complaints, empty when every share it
received checked out. That empty list is the trustee saying "I checked, all good", which the finish needs.

A step waits for every trustee expected in it until the coordinator closes it with a ``step_closed`` entry naming
the trustees still ``missing``; entries of that step after the close do not count. The ``joint_key`` names the
qualified dealers Q and every other trustee with the reason it was disqualified (`Disqualification`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from bulletin_board.entries import Entry, EntryKind
from crypto.errors import NonCanonicalError, ShailooError
from crypto.group import Point
from crypto.hashing import hash_fields
from crypto.share_encryption import EncryptedShare, u32
from crypto.strict_json import Field, MalformedFieldError
from crypto.threshold import Complaint, TrusteeCommitment, check_parameters
from record.errors import CeremonyError
from record.trustee_posts import SIGNATURE_FIELD

CEREMONY_SUBJECT: Final = "key_ceremony"
#: The server's limit on a posted dedup key (voting_server.trustee_api).
MAX_DEDUP_KEY_CHARS: Final = 200
JsonDict = dict[str, Any]


class CeremonyStep(StrEnum):
    """The steps that wait for every trustee expected in them, in order; the coordinator may close each one
    (``step_closed``) when a trustee does not post in time."""

    COMMITMENTS = "commitments"
    SHARES = "shares"
    CHECKS = "checks"


class Disqualification(StrEnum):
    """Why a trustee is not a qualified dealer (the values of the joint key's ``disqualified``).

    The first three leave the trustee out of the ceremony altogether: with no valid commitment it has no
    share-encryption key, receives nothing and holds no key share. The others disqualify only its dealing: it
    still holds a valid share of the joint key as a recipient (docs/spec/threshold.md, "Disqualified trustees").
    """

    NO_COMMITMENT = "no_commitment"  # no commitment before the commitments step closed
    INVALID_COMMITMENT = "invalid_commitment"  # a proof of knowledge fails, or the commitment is for another n, k
    DUPLICATE_COMMITMENT = "duplicate_commitment"  # its C_0 or Y is another trustee's too
    NO_SHARES = "no_shares"  # no encrypted shares before the shares step closed
    INVALID_SHARES = "invalid_shares"  # not exactly one encrypted share to each other participant
    UNDECRYPTABLE_SHARE = "undecryptable_share"  # an upheld complaint: the opened share does not decrypt
    SHARE_INCONSISTENT_WITH_COMMITMENTS = "share_inconsistent_with_commitments"  # an upheld complaint: Feldman fails

    @property
    def takes_no_part(self) -> bool:
        """True when the trustee has no valid commitment, so it neither deals nor receives."""
        return self in _NOT_PARTICIPATING


_NOT_PARTICIPATING: Final = frozenset(
    {Disqualification.NO_COMMITMENT, Disqualification.INVALID_COMMITMENT, Disqualification.DUPLICATE_COMMITMENT}
)


def ceremony_context(manifest_payload_hash: bytes, n: int, k: int, attempt: int = 1) -> bytes:
    """``hash_fields("trustee/ceremony", manifest payload hash, u32(n), u32(k), u32(attempt))``.

    Every proof and encrypted share of the ceremony binds to it, so nothing carries over to another election,
    another (n, k), or a restarted attempt.
    """
    check_parameters(n, k)
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise CeremonyError("the ceremony attempt is a positive integer")
    return hash_fields("trustee/ceremony", manifest_payload_hash, u32(n), u32(k), u32(attempt))


@dataclass(frozen=True)
class Post:
    """An entry a trustee (or the coordinator) wants on the board, with the dedup key that makes it idempotent."""

    kind: EntryKind
    payload: JsonDict
    dedup_key: str

    def to_dict(self) -> JsonDict:
        return {"kind": self.kind.value, "payload": self.payload, "dedup_key": self.dedup_key}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Post:
        """Decode strictly: exactly ``kind`` (an entry kind), ``payload`` (an object) and ``dedup_key``;
        `NonCanonicalError` with the refusal's code otherwise, naming the JSON path of the bad field."""
        try:
            obj = Field(data).as_object({"kind", "payload", "dedup_key"})
            kind = EntryKind(obj["kind"].literal(*(k.value for k in EntryKind)))
            payload = obj["payload"]
            if not isinstance(payload.value, dict):
                raise payload.fail("must be a JSON object")
            return cls(kind, payload.value, obj["dedup_key"].text(max_len=MAX_DEDUP_KEY_CHARS))
        except MalformedFieldError as e:
            raise NonCanonicalError(e.message, code=e.code) from e


# --- dedup keys --------------------------------------------------------------------------------------------------


def _ctx(context: bytes) -> str:
    return context.hex()[:32]


def commitment_key(context: bytes, index: int) -> str:
    return f"dkg/{_ctx(context)}/commitment/{index}"


def shares_key(context: bytes, index: int) -> str:
    return f"dkg/{_ctx(context)}/shares/{index}"


def checked_key(context: bytes, index: int) -> str:
    return f"dkg/{_ctx(context)}/checked/{index}"


def joint_key_key(context: bytes) -> str:
    return f"dkg/{_ctx(context)}/joint_key"


def closed_key(context: bytes, step: CeremonyStep) -> str:
    return f"dkg/{_ctx(context)}/closed/{step.value}"


# --- payloads ----------------------------------------------------------------------------------------------------


def commitment_post(context: bytes, commitment: TrusteeCommitment, *, attempt: int) -> Post:
    payload = {"context": context.hex(), "attempt": attempt, "commitment": commitment.to_dict()}
    return Post(EntryKind.TRUSTEE_COMMITMENT, payload, commitment_key(context, commitment.index))


def shares_post(context: bytes, sender: int, shares: Iterable[EncryptedShare], *, attempt: int) -> Post:
    payload = {"context": context.hex(), "attempt": attempt, "sender": sender, "shares": [s.to_dict() for s in shares]}
    return Post(EntryKind.TRUSTEE_SHARE, payload, shares_key(context, sender))


def checked_post(context: bytes, complainer: int, complaints: Iterable[Complaint], *, attempt: int) -> Post:
    payload = {
        "context": context.hex(),
        "attempt": attempt,
        "subject": CEREMONY_SUBJECT,
        "complainer": complainer,
        "complaints": [c.to_dict() for c in complaints],
    }
    return Post(EntryKind.COMPLAINT, payload, checked_key(context, complainer))


@dataclass(frozen=True)
class JointKey:
    """The ceremony's outcome: K, the qualified dealers Q, every other trustee with the reason it was disqualified,
    and every trustee's public share X_1..X_n.

    Valid by construction: Q is strictly increasing with at least k dealers, and Q and the disqualified trustees
    together are 1..n, each once (every trustee is either a qualified dealer or disqualified for a reason)."""

    n: int
    k: int
    qualified: tuple[int, ...]
    joint_public_key: Point
    public_shares: tuple[Point, ...]
    disqualified: Mapping[int, Disqualification] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        check_parameters(self.n, self.k)
        if len(self.public_shares) != self.n:
            raise CeremonyError("the joint key lists one public share per trustee")
        q = self.qualified
        if list(q) != sorted(set(q)) or not all(1 <= j <= self.n for j in q):
            raise CeremonyError(f"the qualified dealers are distinct trustees of 1..{self.n} in increasing order")
        if len(q) < self.k:
            raise CeremonyError(f"a joint key needs at least k = {self.k} qualified dealers, not {len(q)}")
        disqualified = {j: Disqualification(reason) for j, reason in sorted(self.disqualified.items())}
        if set(q) & set(disqualified) or sorted([*q, *disqualified]) != list(range(1, self.n + 1)):
            raise CeremonyError(f"every trustee of 1..{self.n} is either qualified or disqualified, not both")
        object.__setattr__(self, "disqualified", MappingProxyType(disqualified))

    def public_share(self, index: int) -> Point:
        """X_index."""
        if not 1 <= index <= self.n:
            raise CeremonyError(f"trustee {index} is not one of 1..{self.n}")
        return self.public_shares[index - 1]

    def to_payload(self, context: bytes, *, attempt: int) -> JsonDict:
        return {
            "context": context.hex(),
            "attempt": attempt,
            "n": self.n,
            "k": self.k,
            "qualified": list(self.qualified),
            "disqualified": {str(j): reason.value for j, reason in self.disqualified.items()},
            "joint_public_key": self.joint_public_key.hex(),
            "public_shares": [x.hex() for x in self.public_shares],
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> JointKey:
        """Decode a ``joint_key`` payload strictly (`MalformedFieldError` naming the bad field)."""
        obj = Field(payload).as_object(_JOINT_KEY_FIELDS)
        n = obj["n"].integer(minimum=1, maximum=255)
        return obj.decode(
            lambda _: cls(
                n,
                obj["k"].integer(minimum=1, maximum=n),
                tuple(i.integer(minimum=1, maximum=n) for i in obj["qualified"].items(min_len=1, max_len=n)),
                obj["joint_public_key"].point(),
                tuple(x.point() for x in obj["public_shares"].items(min_len=n, max_len=n)),
                _disqualified(obj["disqualified"], n),
            )
        )


_JOINT_KEY_FIELDS: Final = frozenset(
    {"context", "attempt", "n", "k", "qualified", "disqualified", "joint_public_key", "public_shares"}
)
#: A trustee number as a JSON object key: decimal without sign or leading zero.
_TRUSTEE_KEY: Final = re.compile(r"[1-9][0-9]{0,2}")


def _disqualified(source: Field, n: int) -> dict[int, Disqualification]:
    """``{"<j>": reason, …}``: each key a trustee 1..n in decimal, each value a `Disqualification` code."""
    found: dict[int, Disqualification] = {}
    for key, reason in source.entries():
        if not _TRUSTEE_KEY.fullmatch(key) or not 1 <= int(key) <= n:
            raise reason.fail(f"the key must be a trustee number 1..{n} in decimal without leading zeros")
        found[int(key)] = Disqualification(reason.literal(*(d.value for d in Disqualification)))
    return found


def joint_key_post(context: bytes, joint_key: JointKey, *, attempt: int) -> Post:
    return Post(EntryKind.JOINT_KEY, joint_key.to_payload(context, attempt=attempt), joint_key_key(context))


@dataclass(frozen=True)
class StepClosed:
    """The coordinator's close of a ceremony step: ``missing`` are the trustees expected in ``step`` that had not
    posted (at least one, increasing). Entries of ``step`` after the close do not count."""

    step: CeremonyStep
    missing: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.missing or list(self.missing) != sorted(set(self.missing)):
            raise CeremonyError("a step is closed only with the trustees missing from it, in increasing order")

    def to_payload(self, context: bytes, *, attempt: int) -> JsonDict:
        return {"context": context.hex(), "attempt": attempt, "step": self.step.value, "missing": list(self.missing)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], n: int) -> StepClosed:
        """Decode a ``step_closed`` payload strictly (`MalformedFieldError` naming the bad field)."""
        obj = _payload_fields(payload, "step", "missing")
        step = CeremonyStep(obj["step"].literal(*(s.value for s in CeremonyStep)))
        missing = tuple(j.integer(minimum=1, maximum=n) for j in obj["missing"].items(min_len=1, max_len=n))
        return obj.decode(lambda _: cls(step, missing))


def step_closed_post(context: bytes, closed: StepClosed, *, attempt: int) -> Post:
    return Post(EntryKind.STEP_CLOSED, closed.to_payload(context, attempt=attempt), closed_key(context, closed.step))


# --- the ceremony as read back from the board --------------------------------------------------------------------


@dataclass
class CeremonyView:
    """Everything one key ceremony (one ``context``) has on the board, parsed and indexed by trustee.

    Parsing is structural; the cryptographic checks are the trustees' (`trustees.ceremony_checks`). ``entries`` keeps
    the raw payloads by dedup key so a trustee can tell "my post is there" from "another payload is in my slot".
    """

    context: bytes
    n: int
    k: int
    commitments: dict[int, TrusteeCommitment] = field(default_factory=dict)
    shares: dict[int, tuple[EncryptedShare, ...]] = field(default_factory=dict)
    complaints: dict[int, tuple[Complaint, ...]] = field(default_factory=dict)
    #: The coordinator's closes: the ``missing`` each names, by step.
    closed: dict[CeremonyStep, tuple[int, ...]] = field(default_factory=dict)
    joint_key: JointKey | None = None
    payloads: dict[str, JsonDict] = field(default_factory=dict)
    malformed: list[str] = field(default_factory=list)
    #: Entries of a step that came after its close, which do not count.
    late: list[str] = field(default_factory=list)

    def shares_for(self, recipient: int) -> list[EncryptedShare]:
        """The encrypted shares addressed to ``recipient``, one per dealer that has posted."""
        return [s for shares in self.shares.values() for s in shares if s.recipient == recipient]


def manifest_payload_hash(entries: Iterable[Entry]) -> bytes:
    """The payload hash of the board's manifest entry (the election the ceremony is for)."""
    for entry in entries:
        if entry.kind is EntryKind.MANIFEST:
            return entry.payload_hash
    raise CeremonyError("the board has no manifest yet: the key ceremony starts after the manifest")


def read_ceremony(entries: Iterable[Entry], context: bytes, n: int, k: int) -> CeremonyView:
    """Collect the entries of the ceremony ``context``; the first entry in each trustee's slot counts.

    A malformed entry of this ceremony is recorded in ``malformed`` (its trustee is named there) and skipped.
    """
    view = CeremonyView(context, n, k)
    hex_context = context.hex()
    for entry in entries:
        payload = entry.payload
        if entry.kind not in _CEREMONY_KINDS or payload.get("context") != hex_context:
            continue
        step = STEP_OF_KIND.get(entry.kind)
        if step is not None and step in view.closed:
            view.late.append(f"entry {entry.index} ({entry.kind.value}) after the {step.value} step closed")
            continue
        try:
            _absorb(view, entry.kind, payload)
        except ShailooError as e:
            view.malformed.append(f"entry {entry.index} ({entry.kind.value}): {e}")
    return view


#: The step each trustee post belongs to.
STEP_OF_KIND: Final[Mapping[EntryKind, CeremonyStep]] = MappingProxyType(
    {
        EntryKind.TRUSTEE_COMMITMENT: CeremonyStep.COMMITMENTS,
        EntryKind.TRUSTEE_SHARE: CeremonyStep.SHARES,
        EntryKind.COMPLAINT: CeremonyStep.CHECKS,
    }
)
_CEREMONY_KINDS: Final = frozenset({*STEP_OF_KIND, EntryKind.STEP_CLOSED, EntryKind.JOINT_KEY})


def _absorb(view: CeremonyView, kind: EntryKind, payload: Mapping[str, Any]) -> None:
    """Parse one entry of the ceremony strictly into ``view``; a `ShailooError` otherwise (a `MalformedFieldError`
    naming the JSON path of a bad field)."""
    ctx = view.context
    if kind is EntryKind.TRUSTEE_COMMITMENT:
        obj = _payload_fields(payload, "commitment")
        commitment = TrusteeCommitment.from_field(obj["commitment"])
        if (commitment.n, commitment.k) != (view.n, view.k):
            raise CeremonyError(f"trustee {commitment.index} committed for n={commitment.n}, k={commitment.k}")
        key = commitment_key(ctx, commitment.index)
        if key not in view.payloads:
            view.commitments[commitment.index] = commitment
            view.payloads[key] = dict(payload)
    elif kind is EntryKind.TRUSTEE_SHARE:
        sender, shares = read_share_entry(payload, view.n)
        key = shares_key(ctx, sender)
        if key not in view.payloads:
            view.shares[sender] = shares
            view.payloads[key] = dict(payload)
    elif kind is EntryKind.COMPLAINT:
        if payload.get("subject") != CEREMONY_SUBJECT:
            return
        complainer, complaints = read_complaint_entry(payload, view.n)
        key = checked_key(ctx, complainer)
        if key not in view.payloads:
            view.complaints[complainer] = complaints
            view.payloads[key] = dict(payload)
    elif kind is EntryKind.STEP_CLOSED:
        closed = StepClosed.from_payload(payload, view.n)
        key = closed_key(ctx, closed.step)
        if key not in view.payloads:
            view.closed[closed.step] = closed.missing
            view.payloads[key] = dict(payload)
    elif kind is EntryKind.JOINT_KEY:
        key = joint_key_key(ctx)
        if key not in view.payloads:
            view.joint_key = JointKey.from_payload(payload)
            view.payloads[key] = dict(payload)


def read_share_entry(payload: Mapping[str, Any], n: int) -> tuple[int, tuple[EncryptedShare, ...]]:
    """(sender, encrypted shares) of a ``trustee_share`` payload of an n-trustee ceremony, read strictly: the one
    reader of that entry for the trustees, the coordinator and the verifier (`MalformedFieldError` or
    `NonCanonicalError` otherwise)."""
    obj = _payload_fields(payload, "sender", "shares")
    sender = obj["sender"].integer(minimum=1, maximum=n)
    shares = tuple(EncryptedShare.from_field(s) for s in obj["shares"].items())
    if any(s.sender != sender for s in shares):
        raise NonCanonicalError("a trustee_share entry holds shares from another sender")
    return sender, shares


def read_complaint_entry(payload: Mapping[str, Any], n: int) -> tuple[int, tuple[Complaint, ...]]:
    """(complainer, complaints) of a key-ceremony ``complaint`` payload, read strictly (as `read_share_entry`)."""
    obj = _payload_fields(payload, "subject", "complainer", "complaints")
    complainer = obj["complainer"].integer(minimum=1, maximum=n)
    complaints = tuple(Complaint.from_field(c) for c in obj["complaints"].items())
    if any(c.complainer != complainer for c in complaints):
        raise NonCanonicalError("a complaint entry holds complaints filed by another trustee")
    return complainer, complaints


def _payload_fields(payload: Mapping[str, Any], *fields: str) -> Field:
    """A trustee's payload with exactly ``context``, ``attempt`` (a positive integer) and ``fields``, and the
    ``signature`` of a roster-authenticated post."""
    obj = Field(dict(payload)).as_object({"context", "attempt", *fields}, optional={SIGNATURE_FIELD})
    obj["attempt"].integer(minimum=1)
    return obj
