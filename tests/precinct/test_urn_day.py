"""A precinct day end to end, as its steps: identification counts, 500 scanned ballots with overvotes, the urn's
batches and protocol on the board, the close, the trustees' decryption, and the precinct subtotal equal to the
printed protocol."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bulletin_board.entries import EntryKind
from precinct.errors import ScannerRecordError
from record.precinct import PrecinctProtocol, reconcile_precinct
from tests.precinct.day import PRECINCT, PrecinctDay, sheets, style_of, verify_board


@pytest.mark.slow
def test_precinct_day_urn_protocol_equals_decrypted_subtotal(tmp_path: Path) -> None:
    # 1. The commission registers the urn of precinct pr0001 on the board; voting opens.
    day = PrecinctDay.open(tmp_path)
    manifest = day.election.manifest
    urn = day.urn(f"urn-{PRECINCT}-1")
    style = style_of(manifest, PRECINCT)

    # 2. The precinct's identification device identifies 510 voters; 500 put a ballot in the urn.
    urn.record_identification(510)
    expected: Counter[int] = Counter()
    invalid = 0
    for record in sheets(manifest, 500, style_id=style):
        reading = urn.read(record)
        contest = reading.contests[0]
        if contest.valid:
            expected[contest.vector.index(1) if contest.vector else -1] += 1
        else:
            assert contest.applied == ("overvote_invalid",)
            invalid += 1
        if record.sheet == 250:  # mid-day the urn sends what it has
            assert len(urn.sync(day.link())) == 5
    assert invalid == 25

    # 3. At the close the urn prints its protocol and sends the last batches and the protocol.
    protocol = urn.close()
    assert protocol.voters_identified == 510 and protocol.ballots_read == 500 and protocol.batches == 10
    (figures,) = protocol.contests
    assert (figures.valid, figures.invalid) == (475, 25)
    assert {i: n for i, n in enumerate(figures.counts) if n} == dict(expected)
    answers = urn.sync(day.link())
    assert [a["kind"] for a in answers] == ["precinct_batch"] * 5  # the protocol waits for the election's close
    assert urn.outbox.pending() == 1
    day.election.close_voting()
    assert [a["kind"] for a in urn.sync(day.link())] == ["precinct_protocol"]
    assert urn.outbox.pending() == 0

    # 4. Close, tally, three trustees decrypt: the precinct's decrypted subtotal is the printed protocol.
    result = day.tally_and_decrypt()
    subtotal = result["counts_by_precinct"][PRECINCT]
    assert subtotal == {"president": list(figures.counts)}
    posted = day.board.find_by_dedup_key(f"precinct_protocol:urn-{PRECINCT}-1")
    assert posted is not None and posted.kind is EntryKind.PRECINCT_PROTOCOL
    on_board = PrecinctProtocol.from_json(dict(posted.payload))
    assert reconcile_precinct(PRECINCT, [on_board], 500, subtotal) == []
    # The paper ballots count in the election result too.
    totals = {s["selection_id"]: s["votes"] for s in result["results"]["contests"][0]["selections"]}
    assert sum(totals.values()) == 475

    # 5. The observers' verifier: device keys, chains and reconciliation pass, and so does the aggregation that
    #    now includes the paper ballots.
    checks = verify_board(day)
    for number in (30, 31, 32, 40, 41, 42):
        assert checks[number].status == "pass", (number, checks[number].message)
    assert checks[32].evidence["precincts"] == {PRECINCT: "equal"}
    day.close()


def test_sheet_fed_twice_is_refused(tmp_path: Path) -> None:
    day = PrecinctDay.open(tmp_path)
    urn = day.urn(f"urn-{PRECINCT}-1")
    first = next(sheets(day.election.manifest, 1, style_id=style_of(day.election.manifest, PRECINCT)))
    urn.read(first)
    with pytest.raises(ScannerRecordError, match="already read"):
        urn.read(first)
    day.close()
