"""What the checks share during one verification run: the export, the options, and what earlier checks established.

A value is set once by the check that verifies it (``manifest`` by check 10, ``joint_key`` by check 13,
``ballots`` by check 20, …; the frozen step values are in `observer.established`, with who produces and reads
each). Setting it again raises: no check rewrites another's output. A later check that needs a value calls
`VerificationContext.need`, which skips the check (naming the missing value and the check that should have
produced it) instead of verifying against something unverified.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from crypto.blind_rsa import ELECTION_MIN_MODULUS_BITS, BlindRsaPublicKey
from crypto.elgamal import Ciphertext
from crypto.errors import CryptoError
from crypto.shuffle import Row
from crypto.signing import decode_public_key
from elections.manifest import Manifest
from observer.board_export import BallotSummary, BoardExport
from observer.errors import CheckSkippedError, WitnessPinError
from observer.established import (
    BallotsEstablished,
    CeremonyEstablished,
    CountsEstablished,
    DevicesEstablished,
    PrecinctBallotsEstablished,
    PrecinctProtocolsEstablished,
    QualificationEstablished,
    SharesEstablished,
    TallyEstablished,
    WitnessesEstablished,
)
from record.ceremony import JointKey
from record.cr_board import BlindingResult
from record.cr_tally import CrOrder
from record.tally import WeedResult, weed

_T = TypeVar("_T")


@dataclass(frozen=True)
class WitnessPin:
    """A witness the verifier requires on the latest tree head: its ``name`` and its raw 32-byte Ed25519 ``key``,
    or no key, to be taken from the manifest's witness roster (check 3 fails if the roster has no such name)."""

    name: str
    key: bytes | None = None

    @classmethod
    def parse(cls, text: str) -> WitnessPin:
        """``NAME=KEY`` (KEY: 64 hex digits, a valid Ed25519 key not of small order) or a bare ``NAME``;
        `WitnessPinError` otherwise."""
        name, sep, key_hex = text.partition("=")
        if not name or any(not 0x21 <= ord(c) <= 0x7E or c == "+" for c in name):
            raise WitnessPinError(f"--witness {text!r}: the name must be printable ASCII without spaces or '+'")
        if not sep:
            return cls(name)
        try:
            raw = bytes.fromhex(key_hex)
            if key_hex != raw.hex():
                raise ValueError("not lowercase hex")
            decode_public_key(raw)
        except (ValueError, CryptoError) as e:
            reason = e.message if isinstance(e, CryptoError) else "not 64 lowercase hex digits"
            raise WitnessPinError(
                f"--witness {name}=…: the key must be the witness's Ed25519 public key, 64 lowercase hex digits "
                f"(as `shailoo witness show` prints it): {reason}"
            ) from e
        return cls(name, raw)


#: ``on_progress(stage, done, total, label)``: how far a long step of the verifier is. Stages: ``"download"`` and
#: ``"export"`` (bytes fetched, bytes read; total 0 while unknown), ``"checks"`` (checks finished, of all; ``label``
#: names the one running), ``"ballots"`` (ballots verified by check 20).
OnProgress = Callable[[str, int, int, str], None]


@dataclass(frozen=True)
class VerifyOptions:
    """How to run: ``workers`` local processes or a Dask scheduler at ``dask_address``; a resume ``checkpoint``."""

    workers: int = 1
    dask_address: str | None = None
    checkpoint: Path | None = None
    shard_size: int = 256
    #: Told how far the long steps are (the CLI draws bars from it on a terminal); never sent to a worker.
    on_progress: OnProgress | None = field(default=None, compare=False)
    #: Witnesses that must have cosigned the latest tree head, each pinned by key (or by the manifest's roster).
    witnesses: tuple[WitnessPin, ...] = ()
    #: Pinned witnesses (roster or ``witnesses``) that must have cosigned the latest tree head; 0 accepts none.
    min_witnesses: int = 1
    min_issuer_bits: int = ELECTION_MIN_MODULUS_BITS
    #: For a runoff: the first round's board export, whose manifest and result check 18 holds the link to.
    previous_export: Path | None = None


#: The context's fields that checks establish; each is set at most once (a second assignment raises).
ESTABLISHED_FIELDS: Final = frozenset(
    {
        "witnesses",
        "manifest",
        "manifest_index",
        "manifest_hash",
        "ceremony",
        "qualification",
        "joint_key",
        "issuer_keys",
        "base_hash",
        "issued_by_style",
        "registered_by_style",
        "ballots",
        "devices",
        "precinct_ballots",
        "precinct_protocols",
        "tally",
        "decryption_shares",
        "counts",
        "mixed_rows",
        "cr_roster",
        "cr_ballots",
        "cr_order",
        "cr_blinded",
    }
)


@dataclass
class VerificationContext:
    """Shared state of one run (see the module docstring): each field names the check that establishes it."""

    export: BoardExport
    options: VerifyOptions = field(default_factory=VerifyOptions)
    witnesses: WitnessesEstablished | None = None  # 3
    manifest: Manifest | None = None  # 10
    manifest_index: int | None = None  # 10
    manifest_hash: bytes | None = None  # 10
    ceremony: CeremonyEstablished | None = None  # 11
    qualification: QualificationEstablished | None = None  # 12
    joint_key: JointKey | None = None  # 13
    issuer_keys: Mapping[str, BlindRsaPublicKey] | None = None  # 14
    base_hash: bytes | None = None  # 15
    issued_by_style: Mapping[str, int] | None = None  # 16 (None: no issuance entry posted)
    registered_by_style: Mapping[str, int] | None = None  # 17
    ballots: BallotsEstablished | None = None  # 20
    devices: DevicesEstablished | None = None  # 30
    precinct_ballots: PrecinctBallotsEstablished | None = None  # 31
    precinct_protocols: PrecinctProtocolsEstablished | None = None  # 31
    tally: TallyEstablished | None = None  # 40
    decryption_shares: SharesEstablished | None = None  # 41
    counts: CountsEstablished | None = None  # 42
    mixed_rows: tuple[Row, ...] | None = None  # 45 (once mixed by enough trustees)
    cr_roster: tuple[Ciphertext, ...] | None = None  # 46
    cr_ballots: int | None = None  # 47 (how many cr_ballot entries verified; the last of each credential is mixed)
    cr_order: CrOrder | None = None  # 47 (the order tags, their exponent keys, how many ballots were superseded)
    cr_blinded: BlindingResult | None = None  # 48
    _weeding: WeedResult[BallotSummary] | None = None

    def __setattr__(self, name: str, value: object) -> None:
        if name in ESTABLISHED_FIELDS and getattr(self, name, None) is not None:
            raise AttributeError(f"{name} is already established; a check never rewrites another check's output")
        super().__setattr__(name, value)

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

    def weeding(self, revoting_allowed: bool) -> WeedResult[BallotSummary]:
        """`record.tally.weed` over every ballot entry's summary (it reads only the index and the credential key,
        so no contest is decoded for it)."""
        if self._weeding is None:
            self._weeding = weed(self.export.ballots, revoting_allowed=revoting_allowed)
        return self._weeding
