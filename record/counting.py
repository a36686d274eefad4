"""The counted set read from the board: the one function the server (posting the encrypted tally) and the trustees
(recomputing it before they decrypt) use to decide what the tally adds up (docs/spec/record.md §2.11).

The observers' verifier reaches the same set through its own shards (every ballot is verified there, which the
server and the trustees need not repeat), from the same pieces: `record.tally.weed` over the ballots and
`record.precinct.paper_counted_items` over the urns' batches.
"""

from __future__ import annotations

from collections.abc import Iterable

from bulletin_board.entries import Entry, EntryKind
from record.ballot import EncryptedBallot
from record.precinct import DeviceBatch, paper_counted_items
from record.tally import CastBallot, CountedItem, CountedSet, counted_set


def counted_set_from_entries(entries: Iterable[Entry], *, revoting_allowed: bool) -> CountedSet:
    """Every ``ballot`` entry (decoded; they were fully checked when cast), weeded by the policy, and every paper
    sheet of the ``precinct_batch`` entries (checked when posted). Raises the decoders' errors on a malformed
    entry."""
    ballots: list[CastBallot] = []
    paper: list[CountedItem] = []
    for entry in entries:
        if entry.kind is EntryKind.BALLOT:
            ballot = EncryptedBallot.from_json(dict(entry.payload))
            ballots.append(CastBallot(entry.index, ballot, tuple(ballot.decode_contests())))
        elif entry.kind is EntryKind.PRECINCT_BATCH:
            paper.extend(paper_counted_items(entry.index, DeviceBatch.from_json(dict(entry.payload))))
    return counted_set(ballots, paper, revoting_allowed=revoting_allowed)
