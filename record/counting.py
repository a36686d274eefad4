"""The counted set read from the board: the one function the server (posting the encrypted tally) and the trustees
(recomputing it before they decrypt) use to decide what the tally adds up (docs/spec/record.md §2.11).

The observers' verifier reaches the same set through its own shards (every ballot is verified there, which the
server and the trustees need not repeat), from the same pieces: `record.tally.weed` over the ballots and
`record.precinct.paper_counted_items` over the urns' batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bulletin_board.entries import Entry, EntryKind
from elections.manifest import Manifest
from record.annulment import PrecinctAnnulment
from record.ballot import EncryptedBallot
from record.errors import RecordError
from record.precinct import DeviceBatch, paper_counted_items
from record.register import RegisterCounts
from record.tally import CastBallot, CountedItem, CountedSet, counted_set, tally_payload


def counted_set_from_entries(entries: Iterable[Entry], *, revoting_allowed: bool) -> CountedSet:
    """Every ``ballot`` entry (decoded; they were fully checked when cast), weeded by the policy, and every paper
    sheet of the ``precinct_batch`` entries (checked when posted), without the items of the precincts a
    ``precinct_annulment`` entry annuls. Raises the decoders' errors on a malformed
    entry."""
    ballots: list[CastBallot] = []
    paper: list[CountedItem] = []
    annulled: set[str] = set()
    for entry in entries:
        if entry.kind is EntryKind.BALLOT:
            ballot = EncryptedBallot.from_json(dict(entry.payload))
            ballots.append(CastBallot(entry.index, ballot, tuple(ballot.decode_contests())))
        elif entry.kind is EntryKind.PRECINCT_BATCH:
            paper.extend(paper_counted_items(entry.index, DeviceBatch.from_json(dict(entry.payload))))
        elif entry.kind is EntryKind.PRECINCT_ANNULMENT:
            annulled.add(PrecinctAnnulment.from_payload(entry.payload).precinct_id)
    return counted_set(ballots, paper, revoting_allowed=revoting_allowed, annulled=annulled)


def encrypted_tally_payload(entries: Iterable[Entry], manifest: Manifest) -> dict[str, Any]:
    """The ``encrypted_tally`` payload the board gives (record.md §2.11), a function of the board alone: the counted
    set's sums and weeding, and the registered voters per region from the registrar's ``register_counts`` entry
    (checked against the manifest). No figure comes from the operator, so anyone can compute it again from the board
    at any time and must get the same bytes. Raises `RecordError` without register counts."""
    found: list[RegisterCounts] = []

    def watch(stream: Iterable[Entry]) -> Iterator[Entry]:
        for entry in stream:
            if entry.kind is EntryKind.REGISTER_COUNTS and not found:
                found.append(RegisterCounts.from_payload(entry.payload))
            yield entry

    counted = counted_set_from_entries(watch(entries), revoting_allowed=manifest.policy.revoting_allowed)
    if not found:
        raise RecordError("the board has no register_counts entry: the tally has nothing to measure turnout against")
    found[0].check(manifest)
    return tally_payload(counted.tally(manifest), counted.weeded, found[0].by_region(manifest))
