"""The board entries that mark an election's course: ``channels_open``, ``issuance``, ``close``,
``decryption_share`` and ``result`` (docs/spec/record.md §2.5, §2.9, §2.10, §2.12, §2.13).

Each is a frozen value with its producer (``to_payload``) beside its strict reader (``from_payload``, errors naming
the JSON path of the bad field). The server writes them, the trustees and the server read the shares, and the
observers' verifier reads them all through these types and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from crypto.strict_json import Field, MalformedFieldError
from crypto.threshold import DecryptionShare
from record.errors import RecordError
from record.window import MAX_REASON_CHARS, utc_ms

#: A decryption share on the wire: u32(i) ‖ M_i (33) ‖ Chaum–Pedersen proof (98) (threshold.md).
DECRYPTION_SHARE_BYTES: Final = 135
#: Voter hashes and base hashes are SHA-256 outputs.
_HASH_BYTES: Final = 32


class MalformedEntryError(RecordError):
    """An entry of the election's course does not have the shape record.md gives it."""

    code = "malformed"


def _read(kind: str, payload: Mapping[str, Any], read: Any) -> Any:
    try:
        return read(Field(payload, f"$({kind})"))
    except MalformedFieldError as e:
        raise MalformedEntryError(e.message, code=e.code) from e


@dataclass(frozen=True)
class ChannelsOpen:
    """``channels_open``: voting opens on these channels; every ballot proof binds to ``election_base_hash``."""

    channels: tuple[str, ...]
    election_base_hash: bytes

    def to_payload(self) -> dict[str, Any]:
        return {"channels": sorted(set(self.channels)), "election_base_hash": self.election_base_hash.hex()}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ChannelsOpen:
        def read(f: Field) -> ChannelsOpen:
            obj = f.as_object({"channels", "election_base_hash"})
            channels = tuple(c.text() for c in obj["channels"].items(min_len=1))
            if list(channels) != sorted(set(channels)):
                raise obj["channels"].fail("must be sorted and distinct")
            return cls(channels, obj["election_base_hash"].hex(_HASH_BYTES))

        result: ChannelsOpen = _read("channels_open", payload, read)
        return result


@dataclass(frozen=True)
class IssuanceCounts:
    """``issuance``: how many credentials the registrar issued per ballot style, and one opaque keyed hash per
    identified voter (never an id), sorted."""

    election_id: str
    counts: Mapping[str, int]
    voter_hashes: tuple[str, ...]

    def to_payload(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "counts": {style: self.counts[style] for style in sorted(self.counts)},
            "voter_hashes": sorted(self.voter_hashes),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> IssuanceCounts:
        def read(f: Field) -> IssuanceCounts:
            obj = f.as_object({"election_id", "counts", "voter_hashes"})
            counts = {style: n.integer() for style, n in obj["counts"].entries()}
            hashes = tuple(h.text(max_len=2 * _HASH_BYTES) for h in obj["voter_hashes"].items())
            return cls(obj["election_id"].text(), counts, hashes)

        result: IssuanceCounts = _read("issuance", payload, read)
        return result


@dataclass(frozen=True)
class Close:
    """``close``: voting ends after ``entries_before_close`` entries, at ``closed_at`` (UTC, the server's clock when
    it made the close); ``early_close_reason`` is the operator's reason for a close before the manifest's
    ``voting_closes`` (only where the manifest's policy allows one, `record.window.VotingWindow.check_close`), or
    ``None``."""

    election_id: str
    entries_before_close: int
    closed_at: str
    early_close_reason: str | None = None

    def __post_init__(self) -> None:
        utc_ms(self.closed_at)  # one canonical UTC form, or it is not a close

    @property
    def closed_at_ms(self) -> int:
        return utc_ms(self.closed_at)

    def to_payload(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "entries_before_close": self.entries_before_close,
            "closed_at": self.closed_at,
            "early_close_reason": self.early_close_reason,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Close:
        def read(f: Field) -> Close:
            obj = f.as_object({"election_id", "entries_before_close", "closed_at", "early_close_reason"})
            closed_at = obj["closed_at"].text(max_len=20)
            try:
                utc_ms(closed_at)
            except RecordError as e:
                raise obj["closed_at"].fail(e.message, code=e.code) from e
            reason = obj["early_close_reason"].optional_text(max_len=MAX_REASON_CHARS)
            return cls(obj["election_id"].text(), obj["entries_before_close"].integer(), closed_at, reason)

        result: Close = _read("close", payload, read)
        return result


@dataclass(frozen=True)
class DecryptionSharePart:
    """``decryption_share``: part ``part`` of ``parts`` of trustee ``trustee``'s shares for the tally at entry
    ``tally_entry`` (record.md §2.12); ``signature`` is the trustee's roster signature (hex) when there is a roster.
    The shares are decoded (`DecryptionShare.from_bytes`: canonical points and scalars) when read."""

    trustee: int
    tally_entry: int
    part: int
    parts: int
    shares: tuple[DecryptionShare, ...]
    signature: str | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "trustee": self.trustee,
            "tally_entry": self.tally_entry,
            "part": self.part,
            "parts": self.parts,
            "shares": [s.to_bytes().hex() for s in self.shares],
        }
        if self.signature is not None:
            payload["signature"] = self.signature
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> DecryptionSharePart:
        def read(f: Field) -> DecryptionSharePart:
            obj = f.as_object({"trustee", "tally_entry", "part", "parts", "shares"}, optional={"signature"})
            trustee = obj["trustee"].integer(minimum=1, maximum=255)
            parts = obj["parts"].integer(minimum=1)
            part = obj["part"].integer(maximum=parts - 1)
            shares = tuple(
                s.decode(DecryptionShare.from_bytes, s.hex(DECRYPTION_SHARE_BYTES)) for s in obj["shares"].items()
            )
            for position, share in enumerate(shares):
                if share.index != trustee:
                    raise (
                        obj["shares"]
                        .items()[position]
                        .fail(f"is trustee {share.index}'s share, not trustee {trustee}'s")
                    )
            signature = obj.get("signature")
            return cls(
                trustee,
                obj["tally_entry"].integer(),
                part,
                parts,
                shares,
                None if signature is None else signature.hex(64).hex(),
            )

        result: DecryptionSharePart = _read("decryption_share", payload, read)
        return result


@dataclass(frozen=True)
class ResultEntry:
    """``result``: the decrypted counts, turnout and the rules engine's results (record.md §2.13, results.md).

    ``turnout`` and ``results`` stay JSON here; `elections.results_model` reads them, and the verifier recomputes
    both (check 43). ``results_hash`` = H("result", JCS(results))."""

    election_id: str
    tally_entry: int
    trustees: tuple[int, ...]
    rejected_trustees: Mapping[str, str]
    counts_by_style: Mapping[str, Mapping[str, tuple[int, ...]]]
    counts_by_precinct: Mapping[str, Mapping[str, tuple[int, ...]]]
    turnout: Mapping[str, Any]
    results: Mapping[str, Any]
    results_hash: bytes

    def to_payload(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "tally_entry": self.tally_entry,
            "trustees": list(self.trustees),
            "rejected_trustees": dict(sorted(self.rejected_trustees.items())),
            "counts_by_style": _counts_json(self.counts_by_style),
            "counts_by_precinct": _counts_json(self.counts_by_precinct),
            "turnout": dict(self.turnout),
            "results": dict(self.results),
            "results_hash": self.results_hash.hex(),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ResultEntry:
        def read(f: Field) -> ResultEntry:
            obj = f.as_object(
                {
                    "election_id",
                    "tally_entry",
                    "trustees",
                    "rejected_trustees",
                    "counts_by_style",
                    "counts_by_precinct",
                    "turnout",
                    "results",
                    "results_hash",
                }
            )
            return cls(
                election_id=obj["election_id"].text(),
                tally_entry=obj["tally_entry"].integer(),
                trustees=tuple(t.integer(minimum=1, maximum=255) for t in obj["trustees"].items(min_len=1)),
                rejected_trustees={t: r.text(max_len=1000) for t, r in obj["rejected_trustees"].entries()},
                counts_by_style=_counts(obj["counts_by_style"]),
                counts_by_precinct=_counts(obj["counts_by_precinct"]),
                turnout=_json_object(obj["turnout"]),
                results=_json_object(obj["results"]),
                results_hash=obj["results_hash"].hex(_HASH_BYTES),
            )

        result: ResultEntry = _read("result", payload, read)
        return result


def _json_object(f: Field) -> dict[str, Any]:
    """A JSON object kept as it is (its contents are read by `elections.results_model`)."""
    if not isinstance(f.value, dict):
        raise f.fail("must be a JSON object")
    return f.value


def _counts(f: Field) -> dict[str, dict[str, tuple[int, ...]]]:
    return {
        group: {contest: tuple(v.integer() for v in values.items()) for contest, values in contests.entries()}
        for group, contests in f.entries()
    }


def _counts_json(counts: Mapping[str, Mapping[str, Sequence[int]]]) -> dict[str, dict[str, list[int]]]:
    return {
        group: {contest: list(values) for contest, values in contests.items()} for group, contests in counts.items()
    }
