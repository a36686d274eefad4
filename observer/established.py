"""What one check establishes for the checks after it: a frozen value per step, computed once.

A check that verifies something a later check needs sets one of these on the `VerificationContext` (once:
the context refuses a second assignment) and later checks read it; no check changes another check's value.
Where a later check needs two values it combines them itself (check 40 adds check 31's paper ballots to check
20's electronic ones). A value that holds per-entry findings keeps what could be established beside the entries
that failed, so a bad entry fails the check that names it and the checks that read the rest still run.

=====================================  ==========  ================
value                                  produced    read by
=====================================  ==========  ================
`WitnessesEstablished`                 3           24
`CeremonyEstablished`                  11          12, 13
`QualificationEstablished`             12          13
`BallotsEstablished`                   20          40
`DevicesEstablished`                   30          31
`PrecinctBallotsEstablished`           31          40
`PrecinctProtocolsEstablished`         31          32
`TallyEstablished`                     40          41, 42, 43
`SharesEstablished`                    41          42
`CountsEstablished`                    42          43
=====================================  ==========  ================

The plain values on the context (``manifest`` and ``manifest_hash`` from 10, ``joint_key`` from 13,
``issuer_keys`` from 14, ``base_hash`` from 15, ``issued_by_style`` from 16) are immutable too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from crypto.threshold import DecryptionShare, TrusteeCommitment
from record.ceremony import CeremonyStep, Disqualification, StepClosed
from record.precinct import PrecinctProtocol
from record.tally import EncryptedTally

_K = TypeVar("_K")
_V = TypeVar("_V")


def read_only(mapping: Mapping[_K, _V]) -> Mapping[_K, _V]:
    """A read-only copy of ``mapping`` (what an established value holds instead of a dict)."""
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class WitnessTime:
    """A pinned witness's verified cosignature: it saw the tree head of ``size`` by ``timestamp`` (unix ms, the
    witness's own clock), so every entry below ``size`` was on the board by then."""

    size: int
    witness: str
    timestamp: int


@dataclass(frozen=True)
class WitnessesEstablished:
    """Check 3: the pinned witnesses (name → raw Ed25519 key) and every cosignature that verified under a pinned
    key, in export order — the witnesses' clocks, which check 24 holds the log's clock to."""

    pinned: Mapping[str, bytes]
    cosigned: tuple[WitnessTime, ...]


@dataclass(frozen=True)
class CeremonyEstablished:
    """Check 11: the key ceremony the joint key names (context, n, k, attempt), the participants' verified
    commitments by trustee index (each with the index of its entry), the trustees that took no part with the
    reason, the coordinator's closes by step, and the entry index at which the commitments step ended."""

    context: bytes
    n: int
    k: int
    attempt: int
    commitments: Mapping[int, tuple[int, TrusteeCommitment]]
    excluded: Mapping[int, Disqualification]
    closes: Mapping[CeremonyStep, tuple[int, StepClosed]]
    commitments_ended: int


@dataclass(frozen=True)
class QualificationEstablished:
    """Check 12: the qualified dealers Q (at least k, increasing) and every other trustee with its reason,
    recomputed from the board."""

    qualified: tuple[int, ...]
    disqualified: Mapping[int, Disqualification]


@dataclass(frozen=True)
class BallotFailure:
    """A ballot entry check 20 refuses, with the error's stable code."""

    index: int
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "code": self.code, "message": self.message}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BallotFailure:
        return cls(int(data["index"]), str(data["code"]), str(data["message"]))


@dataclass(frozen=True)
class BallotsEstablished:
    """Check 20: every ballot entry verified in shards — how many, which failed, and ``counted_tally``, the sum
    of the counted (weeded) electronic ballots that check 40 compares with the posted tally. A counted ballot
    that check 20 refuses is summed all the same when its contests fit the manifest (the server summed it), so
    that check 40 judges the tally and not the ballot."""

    ballots: int
    verified: int
    failures: tuple[BallotFailure, ...]
    counted_tally: EncryptedTally
    #: Counted ballots whose contests cannot be added at all (unknown style, undecodable or misshapen contests):
    #: check 40 cannot recompute the tally without them and is skipped, naming check 20.
    unsummable: tuple[int, ...]
    shards: int
    resumed_shards: int
    runner: str


@dataclass(frozen=True)
class RegisteredDevice:
    """A ``device_key`` entry check 30 accepted."""

    entry_index: int
    device_id: str
    role: str | None
    precinct_id: str | None
    public_key: bytes


@dataclass(frozen=True)
class DevicesEstablished:
    """Check 30: the devices registered once with a well-formed entry, and ``rejected``: every device id whose
    registration check 30 refused (malformed, at an unknown precinct, or registered twice), with those entries.
    A rejected device has no key: check 31 cannot authenticate its batches."""

    devices: Mapping[str, RegisteredDevice]
    rejected: Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class PrecinctBallotsEstablished:
    """Check 31: the counting urns' paper ballots, which join the sum check 40 compares with the posted tally
    (``tally`` is their sum; None when no urn posted a paper ballot)."""

    paper_ballots: int
    tally: EncryptedTally | None


@dataclass(frozen=True)
class PrecinctProtocolsEstablished:
    """Check 31: every device's posted protocols (entry index, protocol), in board order, for check 32."""

    by_device: Mapping[str, tuple[tuple[int, PrecinctProtocol], ...]]


@dataclass(frozen=True)
class TallyEstablished:
    """Check 40: the posted encrypted tally, equal to the recomputed sum, and the index of its entry."""

    entry_index: int
    tally: EncryptedTally


@dataclass(frozen=True)
class SharesEstablished:
    """Check 41: the verified decryption shares of every trustee who posted all its parts, in position order."""

    by_trustee: Mapping[int, tuple[DecryptionShare, ...]]


@dataclass(frozen=True)
class CountsEstablished:
    """Check 42: the published counts per ballot style, proven to be the decryption of the tally."""

    result_index: int
    counts_by_style: Mapping[str, Mapping[str, tuple[int, ...]]]
