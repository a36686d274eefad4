"""The precinct records without a server: the chain rule, strict parsing, protocols, reconciliation, the scanner
format, the urn's restart, and the printed protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.group import Point, Scalar
from elections.presets import build_preset
from precinct.devices import DeviceIdentity
from precinct.errors import DeviceError, ScannerRecordError
from precinct.outbox import Outbox
from precinct.printing import protocol_pdf, protocol_text
from precinct.scanner import ScannerRecord, read_scanner_lines, read_sheet
from precinct.urn import CountingUrn
from record.precinct import (
    GENESIS,
    ChainHead,
    DeviceBatch,
    PrecinctProtocol,
    PrecinctRecordError,
    ProtocolContest,
    check_next_batch,
    check_protocol_closes_chain,
    check_protocol_signature,
    device_public_bytes,
    paper_counted_items,
    reconcile_precinct,
    sign_batch,
    sign_protocol,
)
from record.tally import aggregate, counted_set

KEY = Ed25519PrivateKey.generate()


def chain(length: int) -> list[DeviceBatch]:
    batches, previous = [], GENESIS
    for sequence in range(1, length + 1):
        batch = sign_batch(
            KEY,
            election_id="e",
            device_id="kiosk-1",
            precinct_id="pr0001",
            sequence=sequence,
            previous=previous,
            cast=[bytes([sequence]) * 32],
        )
        batches.append(batch)
        previous = batch.batch_hash()
    return batches


def walk(batches: list[DeviceBatch]) -> ChainHead:
    head = ChainHead()
    for batch in batches:
        head = check_next_batch(head, batch)
    return head


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=8))
def test_only_the_chain_in_order_is_whole(order: list[int]) -> None:
    """Any sequence of a device's batches other than 1, 2, …, n in order is refused (replay, gap or reorder)."""
    batches = chain(5)
    shown = [batches[i] for i in order]
    if order == list(range(len(order))):
        assert walk(shown).batches == len(order)
    else:
        with pytest.raises(PrecinctRecordError) as e:
            walk(shown)
        assert e.value.code in {"batch_replayed", "batch_missing"}


def test_a_batch_naming_another_predecessor_breaks_the_chain() -> None:
    one, two = chain(2)
    forged = sign_batch(
        KEY, election_id="e", device_id="kiosk-1", precinct_id="pr0001", sequence=2, previous=bytes(32), cast=two.cast
    )
    with pytest.raises(PrecinctRecordError) as e:
        walk([one, forged])
    assert e.value.code == "batch_chain_broken"


def test_batch_json_round_trip_and_strict_parsing() -> None:
    batch = chain(2)[1]
    assert DeviceBatch.from_json(json.loads(json.dumps(batch.to_json()))) == batch
    for bad in (
        {**batch.to_json(), "extra": 1},
        {**batch.to_json(), "previous": batch.previous.hex().upper()},
        {**batch.to_json(), "sequence": 0},
        {**batch.to_json(), "cast": []},
    ):
        with pytest.raises(PrecinctRecordError):
            DeviceBatch.from_json(bad)


def protocol(**changes: object) -> PrecinctProtocol:
    fields: dict[str, object] = {
        "election_id": "e",
        "device_id": "urn-1",
        "precinct_id": "pr0001",
        "voters_identified": 10,
        "ballots_read": 9,
        "batches": 1,
        "last_batch": bytes(range(32)),
        "contests": (ProtocolContest("president", 8, 1, (5, 3, 0)),),
        "signature": bytes(64),
    }
    fields.update(changes)
    return sign_protocol(KEY, PrecinctProtocol(**fields))  # type: ignore[arg-type]


def test_protocol_signature_binds_every_figure() -> None:
    signed = protocol()
    check_protocol_signature(signed, device_public_bytes(KEY))
    altered = PrecinctProtocol.from_json({**signed.to_json(), "ballots_read": 8})
    with pytest.raises(PrecinctRecordError) as e:
        check_protocol_signature(altered, device_public_bytes(KEY))
    assert e.value.code == "invalid_signature"


def test_protocol_must_close_the_chain_and_not_read_more_than_identified() -> None:
    head = ChainHead(1, bytes(range(32)))
    check_protocol_closes_chain(protocol(), head, 9)
    with pytest.raises(PrecinctRecordError, match="holds 2"):
        check_protocol_closes_chain(protocol(batches=3), ChainHead(2, bytes(32)), 9)
    with pytest.raises(PrecinctRecordError, match="batches hold 7"):
        check_protocol_closes_chain(protocol(), head, 7)
    with pytest.raises(PrecinctRecordError, match="voters identified"):
        check_protocol_closes_chain(protocol(voters_identified=8), head, 9)


def test_reconciliation_names_every_difference() -> None:
    urn = protocol()
    assert reconcile_precinct("pr0001", [urn], 9, {"president": [5, 3, 0]}) == []
    found = {d.what: d for d in reconcile_precinct("pr0001", [urn], 10, {"president": [4, 4, 0]})}
    assert found["ballots"].decrypted == 10 and found["ballots"].protocol == 9
    assert found["counts of president"].decrypted == [4, 4, 0]
    assert found["counts of president"].protocol == [5, 3, 0]
    (over,) = reconcile_precinct("pr0001", [protocol(voters_identified=5)], 9, {"president": [5, 3, 0]})
    assert over.what == "ballots_read_exceed_voters_identified"


def test_scanner_records_are_parsed_strictly_naming_the_line() -> None:
    good = ScannerRecord("pr0001", 1, "s-batken", (("president", (2,), ()),))
    assert list(read_scanner_lines([good.to_line(), ""])) == [good]
    for bad in (
        '{"format": "shailoo-scan/1"}',
        good.to_line().replace('"sheet":1', '"sheet":0'),
        good.to_line().replace("[2]", '["2"]'),
        "not json",
    ):
        with pytest.raises(ScannerRecordError, match="line 2"):
            list(read_scanner_lines([good.to_line(), bad]))


def test_paper_rules_from_box_positions() -> None:
    manifest = build_preset("president")
    one = read_sheet(manifest, ScannerRecord("pr0001", 1, "s-batken", (("president", (2,), ()),)))
    assert one.contests[0].valid and one.contests[0].selection_ids == (manifest.contests[0].selections[1].selection_id,)
    over = read_sheet(manifest, ScannerRecord("pr0001", 2, "s-batken", (("president", (1, 2), ()),)))
    assert over.contests[0].applied == ("overvote_invalid",)
    blank = read_sheet(manifest, ScannerRecord("pr0001", 3, "s-batken", ()))
    assert blank.contests[0].applied == ("blank_invalid",)
    with pytest.raises(ScannerRecordError, match="boxes"):
        read_sheet(manifest, ScannerRecord("pr0001", 4, "s-batken", (("president", (99,), ()),)))


def test_urn_restarted_mid_batch_resumes_and_prints_its_protocol(tmp_path: Path) -> None:
    manifest = build_preset("president")
    identity = DeviceIdentity.generate("urn-pr0001-1", "urn", "pr0001")
    joint = Point.base_mul(Scalar.random())

    def urn() -> CountingUrn:
        return CountingUrn(
            identity,
            manifest,
            joint_public_key=joint,
            base_hash=bytes(32),
            outbox=Outbox(tmp_path / "urn.sqlite3"),
            batch_size=3,
        )

    first = urn()
    first.record_identification(5)
    for sheet in (1, 2, 3, 4):
        first.read(ScannerRecord("pr0001", sheet, "s-batken", (("president", (sheet,), ()),)))
    again = urn()  # the urn's software restarts: one sealed batch, one sheet pending
    assert again.head().batches == 1 and again.sheets_read() == {1, 2, 3, 4}
    again.read(ScannerRecord("pr0001", 5, "s-batken", (("president", (1, 2), ()),)))
    signed = again.close()
    assert (signed.ballots_read, signed.batches, signed.voters_identified) == (5, 2, 5)
    assert signed.contests[0].valid == 4 and signed.contests[0].invalid == 1
    check_protocol_signature(signed, identity.public_key)
    batches = [DeviceBatch.from_json(r.payload) for r in again.outbox.records() if r.kind == "precinct_batch"]
    assert [len(b.ballots) for b in batches] == [3, 2] and walk(batches).last == signed.last_batch
    text = protocol_text(signed, manifest, "ru")
    assert "Считано бюллетеней: 5" in text and "Идентифицировано избирателей: 5" in text
    assert protocol_pdf(signed, manifest, "ky").startswith(b"%PDF")


def test_device_key_file_round_trip_and_refusals(tmp_path: Path) -> None:
    identity = DeviceIdentity.generate("kiosk-pr0001-1", "kiosk", "pr0001")
    identity.save(tmp_path / "k.key")
    assert (tmp_path / "k.key").stat().st_mode & 0o777 == 0o600
    assert DeviceIdentity.load(tmp_path / "k.key").public_key == identity.public_key
    with pytest.raises(FileExistsError):
        identity.save(tmp_path / "k.key")
    with pytest.raises(DeviceError):
        DeviceIdentity.generate("x", "printer", "pr0001")


def test_paper_sheets_are_counted_items_every_one_counted_never_weeded(tmp_path: Path) -> None:
    """Paper ballots enter the tally as credential-free counted items: four sheets of one urn, two of them with
    identical marks, are four items summed beside an electronic ballot set that weeding decides alone."""
    manifest = build_preset("president")
    identity = DeviceIdentity.generate("urn-pr0001-1", "urn", "pr0001")
    keys = Scalar(0x5EED)
    urn = CountingUrn(
        identity,
        manifest,
        joint_public_key=Point.base_mul(keys),
        base_hash=bytes(32),
        outbox=Outbox(tmp_path / "urn.sqlite3"),
        batch_size=10,
    )
    for sheet, mark in ((1, 1), (2, 1), (3, 2), (4, 1)):
        urn.read(ScannerRecord("pr0001", sheet, "s-batken", (("president", (mark,), ()),)))
    urn.close()
    [record] = [r for r in urn.outbox.records() if r.kind == "precinct_batch"]
    items = paper_counted_items(7, DeviceBatch.from_json(record.payload))
    assert [(i.index, i.style_id, i.precinct_id) for i in items] == [(7, "s-batken", "pr0001")] * 4
    assert not any(hasattr(i, "credential_key") for i in items)  # nothing for weeding to collapse them by
    counted = counted_set([], items, revoting_allowed=True)
    assert {g.key: g.ballots for g in aggregate(manifest, counted.items()).precincts} == {"pr0001": 4}
    tally = counted.tally(manifest)
    assert tally.ballots_counted == 4
    # Four ballots are below the minimum cell too as a style: they are counted in a merged cell (record.md §2.11)
    # that names them among its members.
    members = {m["style_id"]: m["ballots"] for g in tally.to_json()["styles"] for m in g.get("members", [g])}
    assert members["s-batken"] == 4
    assert tally.precincts == ()  # four sheets are below the minimum cell: never decrypted on their own
