"""What the dashboard shows, folded incrementally from the board's entries (never trusted: the verifier checks).

`DashboardModel.refresh` reads only the entries added since the last refresh, so a page view on a live board
costs little. Everything here is derived from public entries: ballot summaries (style, precinct, time,
tracking code), spoiled ballots, issuance, the tally's weeding, results, precinct protocols and device keys.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bulletin_board.entries import EntryKind
from bulletin_board.errors import BoardError
from bulletin_board.phases import INITIAL_PHASE, Phase, next_phase
from crypto.errors import ShailooError
from crypto.hashing import hash_fields
from elections.manifest import Manifest
from observer.board_export import BallotSummary, fast_canonical
from observer.dashboard.readers import BoardEntry, BoardReader
from record.ballot import SpoiledBallot, check_spoiled, credential_fingerprint, tracking_code
from record.ceremony import JointKey
from record.precinct import PrecinctProtocol, reconcile_precinct
from record.tally import weed
from record.window import utc_text


@dataclass(frozen=True)
class Tracked:
    """Where a tracking code points: the entry, its kind and (for a ballot) whether it counts."""

    code: str
    index: int
    kind: str
    status: str  # "counted", "superseded", "spoiled", "cast" (before the tally)
    #: The fingerprint of the credential that signed the ballot (`record.ballot.credential_fingerprint`): the voter
    #: compares it with the one her device showed, and with her challenged ballots'.
    credential_fingerprint: str = ""
    #: When the log appended it (its promise time, UTC): a receipt handed to a voter for someone else's earlier
    #: ballot shows a time before she voted.
    appended_at: str = ""


@dataclass
class DashboardModel:
    reader: BoardReader
    size: int = 0
    phase: Phase = INITIAL_PHASE
    manifest: Manifest | None = None
    ballots: list[BallotSummary] = field(default_factory=list)
    spoiled: dict[str, int] = field(default_factory=dict)
    _tracked: dict[int, tuple[Any, int]] = field(default_factory=dict)  # entry index → its credential's JSON, time
    kinds: dict[str, int] = field(default_factory=dict)
    issuance: dict[str, Any] | None = None
    #: The registrar's ``register_counts`` payload (voters on the register per ballot style), once posted.
    register_counts: dict[str, Any] | None = None
    tally: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    protocols: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    devices: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    #: The joint election key of the latest ``joint_key`` entry (what a spoiled ballot's reveal re-encrypts under).
    joint_public_key: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _codes: dict[str, int] = field(default_factory=dict)

    def refresh(self) -> DashboardModel:
        with self._lock:
            size = self.reader.size()
            if size > self.size:
                for entry in self.reader.iter_entries(self.size, size):
                    self._absorb(entry)
                self.size = size
        return self

    def _absorb(self, entry: BoardEntry) -> None:
        self.kinds[entry.kind] = self.kinds.get(entry.kind, 0) + 1
        # An entry out of phase is the verifier's to report (check 4); the dashboard keeps showing what is there.
        with contextlib.suppress(BoardError):
            self.phase = next_phase(self.phase, EntryKind.parse(entry.kind))
        payload = entry.payload
        kind = entry.kind
        try:
            if kind == EntryKind.MANIFEST.value and self.manifest is None:
                self.manifest = Manifest.from_dict(payload["manifest"])
            elif kind == EntryKind.BALLOT.value:
                ballot_hash = hash_fields("ballot", fast_canonical(payload))
                precinct = payload.get("precinct_id")
                summary = BallotSummary(
                    entry.index,
                    str(payload["style_id"]),
                    precinct if isinstance(precinct, str) else None,
                    bytes.fromhex(payload["credential"]["public_key"]),
                    ballot_hash,
                    entry.timestamp,
                )
                self.ballots.append(summary)
                self._codes[summary.tracking_code] = entry.index
                self._tracked[entry.index] = (payload["credential"], entry.timestamp)
            elif kind == EntryKind.SPOILED_BALLOT.value:
                code = tracking_code(hash_fields("ballot", fast_canonical(payload["ballot"])))
                self._tracked[entry.index] = (payload["ballot"]["credential"], entry.timestamp)
                self.spoiled[code] = entry.index
            elif kind == EntryKind.JOINT_KEY.value:
                self.joint_public_key = JointKey.from_payload(payload).joint_public_key
            elif kind == EntryKind.ISSUANCE.value:
                self.issuance = payload
            elif kind == EntryKind.REGISTER_COUNTS.value:
                self.register_counts = payload
            elif kind == EntryKind.ENCRYPTED_TALLY.value:
                self.tally = {k: v for k, v in payload.items() if k not in ("styles", "precincts")}
                self.tally["precinct_ballots"] = {
                    str(g["precinct_id"]): int(g["ballots"]) for g in payload["precincts"]
                }
            elif kind == EntryKind.RESULT.value:
                self.result = payload
            elif kind == EntryKind.PRECINCT_PROTOCOL.value:
                self.protocols.append((entry.index, payload))
            elif kind == EntryKind.DEVICE_KEY.value:
                self.devices.append((entry.index, payload))
        except (KeyError, TypeError, ValueError, ShailooError):
            pass  # malformed entries are the verifier's to report

    # --- derived views ------------------------------------------------------------------------------------------

    def counted_indices(self) -> set[int]:
        revoting = self.manifest.policy.revoting_allowed if self.manifest else True
        return {c.index for c in weed(self.ballots, revoting_allowed=revoting).counted}

    def track(self, code: str) -> Tracked | None:
        code = code.strip().upper()
        if code in self.spoiled:
            return self._tracked_entry(code, self.spoiled[code], "spoiled_ballot", "spoiled")
        index = self._codes.get(code)
        if index is None:
            return None
        if self.tally is None:
            return self._tracked_entry(code, index, "ballot", "cast")
        status = "counted" if index in self.counted_indices() else "superseded"
        return self._tracked_entry(code, index, "ballot", status)

    def _tracked_entry(self, code: str, index: int, kind: str, status: str) -> Tracked:
        credential, timestamp = self._tracked[index]
        try:
            fingerprint = credential_fingerprint(
                *(bytes.fromhex(credential[k]) for k in ("public_key", "msg_prefix", "registrar_signature"))
            )
        except (ShailooError, ValueError, TypeError, KeyError):
            fingerprint = "?"  # a malformed key is the verifier's to report
        return Tracked(code, index, kind, status, fingerprint, utc_text(timestamp))

    def opened_spoiled(self, payload: dict[str, Any]) -> dict[str, tuple[str, ...]] | None:
        """What a ``spoiled_ballot`` entry held: its reveal re-encrypted under the joint key must give the ballot's
        ciphertexts (`record.ballot.check_spoiled`), then its marks (contest id → selection ids) are returned.
        ``None`` if the entry does not read, there is no joint key, or the reveal does not open the ballot (the
        verifier's check 23 says which)."""
        if self.manifest is None or self.joint_public_key is None:
            return None
        try:
            spoiled = SpoiledBallot.from_payload(payload)
            return check_spoiled(
                spoiled.ballot, spoiled.reveal, manifest=self.manifest, joint_public_key=self.joint_public_key
            )
        except (ShailooError, KeyError, TypeError, ValueError):
            return None

    def registered_by_style(self) -> dict[str, int]:
        """Voters on the register per ballot style, from the registrar's ``register_counts`` (the verifier checks
        its signature, check 17); empty before it is posted or if it does not read."""
        try:
            return {str(k): int(v) for k, v in (self.register_counts or {}).get("counts", {}).items()}
        except (AttributeError, TypeError, ValueError):
            return {}

    def registered_by_region(self) -> dict[str, int]:
        """Voters on the register per region, from the registrar's ``register_counts`` (empty before it is posted
        or if it does not read)."""
        if self.register_counts is None or self.manifest is None:
            return {}
        from record.register import RegisterCounts

        try:
            return RegisterCounts.from_payload(self.register_counts).by_region(self.manifest)
        except Exception:  # a malformed entry is the verifier's to report; the page shows no share then
            return {}

    def turnout(self, buckets: int = 12) -> dict[str, Any]:
        """Voters (first ballot of each credential) over time, by region, district and precinct."""
        first: dict[bytes, BallotSummary] = {}
        for b in self.ballots:
            first.setdefault(b.credential_key, b)
        voters = sorted(first.values(), key=lambda b: b.timestamp)
        if not voters or self.manifest is None:
            return {"times": [], "regions": [], "districts": [], "precincts": [], "total": []}
        start, end = voters[0].timestamp, voters[-1].timestamp
        step = max(1, -(-(end - start + 1) // buckets))
        times = [start + step * (i + 1) for i in range(buckets)]
        manifest = self.manifest
        precincts = {p.precinct_id: p for p in manifest.precincts}
        styles = {s.style_id: s for s in manifest.ballot_styles}

        def series(key_of: Any) -> list[tuple[str, list[int]]]:
            rows: dict[str, list[int]] = {}
            for b in voters:
                key = key_of(b)
                row = rows.setdefault(key, [0] * buckets)
                bucket = min(buckets - 1, (b.timestamp - start) // step)
                for i in range(bucket, buckets):
                    row[i] += 1
            return sorted(rows.items())

        def region(b: BallotSummary) -> str:
            return styles[b.style_id].region_id if b.style_id in styles else "?"

        def district(b: BallotSummary) -> str:
            if b.precinct_id in precincts:
                return precincts[b.precinct_id].district_id
            style = styles.get(b.style_id)
            return style.district_ids[0] if style else "?"

        total = [sum(1 for b in voters if b.timestamp < t) for t in times]
        return {
            "times": times,
            "regions": series(region),
            "districts": series(district),
            "precincts": series(lambda b: b.precinct_id or "—"),
            "total": total,
        }

    def precinct_rows(self) -> list[dict[str, Any]]:
        """Per precinct: electronic ballots counted, protocols posted, and the reconciliation of the decrypted
        subtotal with the printed protocols (`record.precinct.reconcile_precinct`) once decrypted."""
        if self.manifest is None:
            return []
        counted = self.counted_indices()
        by_precinct: dict[str, int] = {}
        for b in self.ballots:
            if b.index in counted and b.precinct_id is not None:
                by_precinct[b.precinct_id] = by_precinct.get(b.precinct_id, 0) + 1
        protocols: dict[str, list[tuple[int, PrecinctProtocol]]] = {}
        for index, payload in self.protocols:
            try:
                protocol = PrecinctProtocol.from_json(payload)
            except (ShailooError, KeyError, TypeError, ValueError):
                continue  # the verifier reports a malformed protocol (check 31)
            protocols.setdefault(protocol.precinct_id, []).append((index, protocol))
        decrypted = (self.result or {}).get("counts_by_precinct", {})
        tallied = (self.tally or {}).get("precinct_ballots", {})
        rows = []
        for precinct in self.manifest.precincts:
            pid = precinct.precinct_id
            posted = protocols.get(pid, [])
            differences: list[dict[str, Any]] = []
            if not posted:
                status = "no_protocol"
            elif self.result is None:
                status = "awaiting_decryption"
            else:
                found = reconcile_precinct(
                    pid, [p for _, p in posted], int(tallied.get(pid, 0)), decrypted.get(pid, {})
                )
                differences = [d.to_json() for d in found]
                status = "mismatch" if found else "reconciled"
            rows.append(
                {
                    "precinct": precinct,
                    "ballots": by_precinct.get(pid, 0),
                    "protocol_entries": [i for i, _ in posted],
                    "read": sum(p.ballots_read for _, p in posted),
                    "identified": sum(p.voters_identified for _, p in posted),
                    "status": status,
                    "differences": differences,
                }
            )
        return rows


def selection_label(manifest: Manifest, contest_id: str, selection_id: str, lang: str) -> str:
    """A person's or party's name for a selection, in ``lang`` (falls back to the id)."""
    try:
        contest = manifest.contest(contest_id)
        selection = contest.selections[contest.selection_index(selection_id)]
    except (ShailooError, KeyError, IndexError):
        return selection_id
    for table, key in ((manifest.candidates, selection.candidate_id), (manifest.parties, selection.party_id)):
        for item in table:
            ident = getattr(item, "candidate_id", None) or getattr(item, "party_id", None)
            if key is not None and ident == key:
                return str(getattr(item.name, lang))
    return selection_id.replace("_", " ")


def sorted_rows(rows: Sequence[tuple[str, list[int]]]) -> list[tuple[str, list[int]]]:
    return sorted(rows, key=lambda r: -r[1][-1] if r[1] else 0)
