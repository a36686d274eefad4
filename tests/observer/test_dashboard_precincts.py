"""The dashboard's precinct page compares each precinct's decrypted subtotal with its printed protocols."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import SignedTreeHead
from observer.dashboard.model import DashboardModel
from observer.dashboard.readers import BoardEntry, WitnessMark
from record.precinct import PrecinctProtocol, ProtocolContest, sign_protocol
from tests.observer.election import small_president_manifest


class ListReader:
    """A `BoardReader` over a list of (kind, payload)."""

    origin = "test"

    def __init__(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        self.items = items

    def size(self) -> int:
        return len(self.items)

    def iter_entries(self, start: int, end: int) -> Iterator[BoardEntry]:
        for i in range(start, end):
            kind, payload = self.items[i]
            yield BoardEntry(i, kind, payload, bytes(32), 1_767_000_000_000 + i, b"")

    def tree_heads(self) -> list[SignedTreeHead]:
        return []

    def cosignatures(self, size: int) -> list[WitnessMark]:
        return []

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return []


def _protocol(precinct: str, counts: list[int], read: int, identified: int) -> dict[str, Any]:
    unsigned = PrecinctProtocol(
        election_id="kg-president-test",
        device_id=f"urn-{precinct}",
        precinct_id=precinct,
        voters_identified=identified,
        ballots_read=read,
        batches=1,
        last_batch=bytes(32),
        contests=(ProtocolContest("president", sum(counts), read - sum(counts), tuple(counts)),),
        signature=bytes(64),
    )
    return sign_protocol(Ed25519PrivateKey.generate(), unsigned).to_json()


def test_reconciled_and_mismatched_precincts() -> None:
    manifest = small_president_manifest()
    first, second, third = (p.precinct_id for p in manifest.precincts[:3])
    votes = [0] * 18
    votes[2] = 7
    doctored = list(votes)
    doctored[2] = 9  # the urn printed two votes the encrypted ballots do not hold
    items: list[tuple[str, dict[str, Any]]] = [
        ("manifest", {"manifest": manifest.to_canonical_dict(), "manifest_hash": manifest.manifest_hash().hex()}),
        ("precinct_protocol", _protocol(first, votes, 7, 8)),
        ("precinct_protocol", _protocol(second, doctored, 9, 9)),
        (
            "encrypted_tally",
            {
                "ballots_counted": 14,
                "precincts": [{"precinct_id": first, "ballots": 7}, {"precinct_id": second, "ballots": 7}],
            },
        ),
        ("result", {"counts_by_precinct": {first: {"president": votes}, second: {"president": votes}}}),
    ]
    rows = {r["precinct"].precinct_id: r for r in DashboardModel(ListReader(items)).refresh().precinct_rows()}
    assert rows[first]["status"] == "reconciled"
    assert rows[second]["status"] == "mismatch"
    assert rows[second]["differences"][0]["what"] == "ballots"
    assert rows[third]["status"] == "no_protocol"
