"""A bad entry fails the check that names it, and no later check is blamed for it.

Each test runs an honest precinct day on the real server (electronic ballots and a counting urn's paper ballots,
the tally, the trustees' decryption), with one bad entry appended through the board itself, so the log's promises
and tree heads stay valid. The check that reads the bad entry must fail and name it; the tally checks (40–44),
which the bad entry does not touch, must pass.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bulletin_board.entries import EntryKind
from observer.board_export import load_export
from observer.checks import all_checks
from observer.context import VerificationContext
from observer.report import CheckResult, Status
from tests.observer.election import BuiltElection
from tests.precinct.day import PRECINCT, PrecinctDay, sheets, style_of, verify_board

TALLY_CHECKS = (40, 41, 42, 43, 44)


def _honest_day_with(tmp_path: Path, kind: EntryKind, payload: dict[str, Any]) -> tuple[dict[int, CheckResult], int]:
    """An honest precinct day with one extra ``kind`` entry posted during voting; the checks and its index."""
    day = PrecinctDay.open(tmp_path)
    try:
        election, manifest = day.election, day.election.manifest
        bad_index = day.board.append(kind, payload).index
        for i in range(3):
            client, credential = election.credential()
            client.cast(client.prepare_ballot(credential, election.marks_for(credential, i)))
        urn = day.urn(f"urn-{PRECINCT}-1", batch_size=4)
        urn.record_identification(12)
        for record in sheets(manifest, 10, style_id=style_of(manifest, PRECINCT)):
            urn.read(record)
        urn.close()
        urn.sync(day.link())
        day.election.close_voting()
        urn.sync(day.link())  # the protocol goes after the close
        day.tally_and_decrypt()
        checks = verify_board(day)
    finally:
        day.close()
    return {n: c for n, c in checks.items() if isinstance(c, CheckResult)}, bad_index


MALFORMED_DEVICE_KEYS = {
    "short_key": {"device_id": "urn-pr0001-9", "role": "urn", "precinct_id": PRECINCT, "public_key": "abcd"},
    "no_device_id": {"role": "urn", "precinct_id": PRECINCT, "public_key": "00" * 32},
    "unknown_precinct": {
        "device_id": "urn-nowhere-1",
        "role": "urn",
        "precinct_id": "nowhere",
        "public_key": "00" * 32,
    },
}


@pytest.mark.parametrize("name", sorted(MALFORMED_DEVICE_KEYS))
def test_malformed_device_key_entry_fails_check_30_and_not_the_tally(name: str, tmp_path: Path) -> None:
    checks, bad_index = _honest_day_with(tmp_path, EntryKind.DEVICE_KEY, MALFORMED_DEVICE_KEYS[name])

    device_keys = checks[30]
    assert device_keys.status is Status.FAIL, device_keys.to_json()
    assert str(bad_index) in repr(device_keys.evidence), device_keys.to_json()
    # The urn's own registration is intact: the tally, its chain and its reconciliation all stand.
    for number in (*TALLY_CHECKS, 31, 32):
        assert checks[number].status is Status.PASS, checks[number].to_json()
    assert checks[31].evidence["paper_ballots"] == 10
    assert checks[40].evidence["ballots_counted"] == 13


def test_second_registration_of_an_urn_fails_checks_30_and_31_and_not_the_tally(tmp_path: Path) -> None:
    """Another key registered for the urn that posts the paper ballots: which key is its own is not for the
    verifier to guess, so its batches cannot be authenticated (31), but the tally still sums them (40)."""
    urn = f"urn-{PRECINCT}-1"
    second = {"device_id": urn, "role": "urn", "precinct_id": PRECINCT, "public_key": "11" * 32}
    checks, bad_index = _honest_day_with(tmp_path, EntryKind.DEVICE_KEY, second)

    device_keys, chains = checks[30], checks[31]
    assert device_keys.status is Status.FAIL and bad_index in device_keys.evidence["entry_indices"]
    assert {p["code"] for p in device_keys.evidence["problems"]} == {"registered_twice"}
    assert urn not in device_keys.evidence["devices"]
    assert chains.status is Status.FAIL, chains.to_json()
    assert {p["code"] for p in chains.evidence["problems"]} == {"device_key_refused"}
    for number in (*TALLY_CHECKS, 32):
        assert checks[number].status is Status.PASS, checks[number].to_json()


def test_a_check_cannot_rewrite_another_checks_output(election: BuiltElection) -> None:
    """What check 20 established is the value check 40 reads: a later assignment (as check 31 once added the
    paper ballots into check 20's sum) is refused."""
    ctx = VerificationContext(load_export(election.path))
    for spec in all_checks():
        if spec.number <= 20:
            spec.run(ctx)
    assert ctx.ballots is not None
    with pytest.raises(AttributeError, match="already established"):
        ctx.ballots = replace(ctx.ballots, ballots=0)
    assert ctx.ballots.ballots == 14


def test_a_counted_ballot_with_a_forged_credential_fails_check_20_and_not_the_tally(tmp_path: Path) -> None:
    """A server that puts a ballot with a forged registrar signature on the board (and counts it) is caught by
    check 20; the tally the server posted is still the sum of what weeding counts, so check 40 passes instead of
    blaming an honest sum for the ballot check 20 already named."""
    from observer.verify import verify
    from tests.observer.election import build_election

    forged: list[int] = []

    def forge_first_credential(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "ballot" and not forged:
            signature = payload["credential"]["registrar_signature"]
            payload["credential"]["registrar_signature"] = f"{int(signature[:2], 16) ^ 1:02x}{signature[2:]}"
            forged.append(1)
        return payload

    built = build_election(tmp_path / "export.jsonl", voters=4, revotes=0, tamper=forge_first_credential)
    report = verify(built.path)
    assert {c.number for c in report.failed()} == {20}, [c.to_json() for c in report.failed()]
    assert report.check(20).evidence["failures"][0]["code"] == "credential_invalid"
    assert all(report.check(n).status is Status.PASS for n in TALLY_CHECKS)


def test_app_ballots_naming_a_precinct_no_kiosk_vouches_for_fail_check_31(tmp_path: Path) -> None:
    """A server that lets app voters pick a precinct (a cell of their, or a coercer's, choosing) is caught: each
    such ballot fails check 31 with precinct_not_bound, and nothing else is blamed."""
    from observer.verify import verify
    from tests.observer.election import build_election

    built = build_election(tmp_path / "export.jsonl", voters=4, revotes=0, app_ballots_name_a_precinct=True)
    report = verify(built.path)
    assert {c.number for c in report.failed()} == {31}, [c.to_json() for c in report.failed()]
    codes = {p["code"] for p in report.check(31).evidence["problems"]}
    assert codes == {"precinct_not_bound"}
