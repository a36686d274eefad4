"""What the checks share during one verification run: the export, the options, and what earlier checks established.

A value is set by the check that verifies it (``manifest`` by check 10, ``joint_key`` by check 13, …). A later
check that needs a value calls `VerificationContext.need`, which skips the check (naming the missing value and
the check that should have produced it) instead of verifying against something unverified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from crypto.blind_rsa import ELECTION_MIN_MODULUS_BITS, BlindRsaPublicKey
from elections.manifest import Manifest
from observer.board_export import BallotSummary, BoardExport
from observer.errors import CheckSkippedError
from record.ballot import BallotCredential, EncryptedBallot
from record.ceremony import JointKey
from record.tally import CastBallot, EncryptedTally, WeedResult, weed

_T = TypeVar("_T")


@dataclass(frozen=True)
class VerifyOptions:
    """How to run: ``workers`` local processes or a Dask scheduler at ``dask_address``; a resume ``checkpoint``."""

    workers: int = 1
    dask_address: str | None = None
    checkpoint: Path | None = None
    shard_size: int = 256
    progress: bool = False
    #: Witnesses that must have cosigned the latest tree head (names); empty: at least ``min_witnesses`` anyone.
    required_witnesses: tuple[str, ...] = ()
    min_witnesses: int = 1
    min_issuer_bits: int = ELECTION_MIN_MODULUS_BITS


@dataclass
class VerificationContext:
    """Shared state of one run (see the module docstring)."""

    export: BoardExport
    options: VerifyOptions = field(default_factory=VerifyOptions)
    manifest: Manifest | None = None
    manifest_index: int | None = None
    joint_key: JointKey | None = None
    issuer_keys: Mapping[str, BlindRsaPublicKey] | None = None
    base_hash: bytes | None = None
    issued_by_style: dict[str, int] | None = None
    ballot_outcome: Any = None  # observer.shards.BallotRun, set by check 20
    tally_index: int | None = None
    posted_tally: EncryptedTally | None = None
    counts_by_style: dict[str, dict[str, list[int]]] | None = None
    valid_share_trustees: set[int] = field(default_factory=set)
    notes: dict[str, Any] = field(default_factory=dict)
    _weeding: WeedResult | None = None

    def need(self, value: _T | None, what: str, check: int) -> _T:
        """``value`` if the check that produces it passed; otherwise skip the current check."""
        if value is None:
            raise CheckSkippedError(f"needs {what}, which check {check} did not establish")
        return value

    def single(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        """The index and payload of the only entry of ``kind`` (the first one if there are several)."""
        refs = self.export.of_kind(kind)
        if not refs:
            return None
        return refs[0].index, self.export.payload(refs[0].index)

    def weeding(self, revoting_allowed: bool) -> WeedResult:
        """`record.tally.weed` over every ballot entry (only index and credential matter to it)."""
        if self._weeding is None:
            self._weeding = weed_summaries(self.export.ballots, revoting_allowed=revoting_allowed)
        return self._weeding


def weed_summaries(ballots: Iterable[BallotSummary], *, revoting_allowed: bool) -> WeedResult:
    """`record.tally.weed` over ballot summaries (weeding reads only the index and the credential key)."""
    stubs = [CastBallot(s.index, _stub_ballot(s.style_id, s.precinct_id, s.credential_key), ()) for s in ballots]
    return weed(stubs, revoting_allowed=revoting_allowed)


def _stub_ballot(style_id: str, precinct_id: str | None, credential_key: bytes) -> EncryptedBallot:
    # Weeding reads the credential key only; the contests stay on disk until a shard verifies them.
    return EncryptedBallot("", style_id, precinct_id, (), BallotCredential(credential_key, b"", b""), b"")
