"""The verifier on a key ceremony that excluded someone: it recomputes the qualified dealers Q and the
disqualified trustees from the board, and a joint key that names another Q — even one whose K and X_i are
honestly computed over that Q — fails check 13."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.export import write_export
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from crypto.group import Point
from crypto.threshold import TrusteeCommitment, joint_public_key, public_shares
from observer.report import Status
from observer.verify import verify
from record.ceremony import CeremonyStep
from tests.observer.election import (
    ORIGIN,
    BuiltElection,
    build_election,
    read_lines,
    small_president_manifest,
    write_lines,
)
from trustees.ceremony_steps import run_trustee, trustee_step
from trustees.coordinator import BoardTransport, CeremonyParams, close_step
from trustees.in_process import new_trustee_stores, roster_for, run_key_ceremony
from trustees.keystore_contents import TrusteeSecrets

#: Trustee 3 of a 2-of-4 ceremony sends trustee 1 a bad share; trustees 1 and 3 decrypt the tally.
CHEATER, VICTIM = 3, 1


@pytest.fixture(scope="module")
def with_cheater(tmp_path_factory: pytest.TempPathFactory) -> BuiltElection:
    path = tmp_path_factory.mktemp("cheater") / "export.jsonl"
    return build_election(path, voters=3, revotes=0, ceremony=CeremonyParams(n=4, k=2), cheaters={CHEATER: VICTIM})


@pytest.fixture(scope="module")
def with_absent(tmp_path_factory: pytest.TempPathFactory) -> BuiltElection:
    path = tmp_path_factory.mktemp("absent") / "export.jsonl"
    return build_election(path, voters=3, revotes=0, ceremony=CeremonyParams(n=3, k=2), absent=(2,))


def test_a_record_with_a_disqualified_cheater_passes_and_says_who_and_why(with_cheater: BuiltElection) -> None:
    report = verify(with_cheater.path)
    assert report.passed, [c.to_json() for c in report.failed()]
    judged = report.check(12)
    assert judged.evidence["qualified"] == [1, 2, 4]
    assert judged.evidence["disqualified"] == {CHEATER: "share_inconsistent_with_commitments"}
    [verdict] = judged.evidence["verdicts"]
    assert (verdict["complainer"], verdict["accused"], verdict["upheld"]) == (VICTIM, CHEATER, True)
    assert "trustee 3 (share_inconsistent_with_commitments)" in judged.message
    assert report.check(13).evidence["qualified"] == [1, 2, 4]
    # The cheater itself decrypted (with its victim): its share of K comes from the qualified dealers.
    assert report.check(42).status is Status.PASS


def test_a_record_with_a_false_complaint_passes_and_disqualifies_nobody(tmp_path: Path) -> None:
    built = build_election(
        tmp_path / "export.jsonl", voters=2, revotes=0, ceremony=CeremonyParams(n=3, k=2), false_complaints={2: 1}
    )
    report = verify(built.path)
    assert report.passed, [c.to_json() for c in report.failed()]
    judged = report.check(12)
    [verdict] = judged.evidence["verdicts"]
    assert (verdict["guilty"], verdict["reason"], verdict["upheld"]) == (2, "false_complaint", False)
    assert judged.evidence["qualified"] == [1, 2, 3] and judged.evidence["disqualified"] == {}
    assert "1 rejected (a rejected complaint disqualifies nobody)" in judged.message


def test_a_record_where_a_trustee_never_committed_passes_with_the_close_on_the_board(
    with_absent: BuiltElection,
) -> None:
    report = verify(with_absent.path)
    assert report.passed, [c.to_json() for c in report.failed()]
    assert len(with_absent.indices["step_closed"]) == 1
    assert report.check(11).evidence["took_no_part"] == {2: "no_commitment"}
    assert report.check(13).evidence["qualified"] == [1, 3]


def _mutated(built: BuiltElection, tmp_path: Path, kind: str, change: Any) -> tuple[Path, int]:
    path = tmp_path / "export.jsonl"
    shutil.copyfile(built.path, path)
    index = built.indices[kind][0]
    lines = read_lines(path)
    entry = next(line for line in lines if line.get("type") == "entry" and line["index"] == index)
    change(entry["payload"], lines)
    write_lines(path, lines)
    return path, index


def _commitments(lines: list[dict[str, Any]]) -> dict[int, TrusteeCommitment]:
    found = [TrusteeCommitment.from_dict(line["payload"]["commitment"]) for line in lines if _kind(line, "commitment")]
    return {c.index: c for c in found}


def _kind(line: dict[str, Any], kind: str) -> bool:
    return line.get("type") == "entry" and line.get("kind") == f"trustee_{kind}"


def _over(qualified: list[int], disqualified: dict[str, str]) -> Any:
    """A joint key honestly recomputed over ``qualified``: only recomputing Q itself can tell it is wrong."""

    def change(payload: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        commitments = _commitments(lines)
        chosen = [commitments[j] for j in qualified]
        points: list[Point] = list(public_shares(payload["n"], chosen))
        payload["qualified"] = qualified
        payload["disqualified"] = disqualified
        payload["joint_public_key"] = joint_public_key(chosen).hex()
        payload["public_shares"] = [x.hex() for x in points]

    return change


@pytest.mark.parametrize(
    ("qualified", "disqualified"),
    [
        pytest.param([1, 2, 3, 4], {}, id="the-cheater-listed-as-qualified"),
        pytest.param([2, 3, 4], {"1": "share_inconsistent_with_commitments"}, id="an-honest-dealer-left-out"),
        pytest.param([2, 4], {"1": "no_shares", "3": "share_inconsistent_with_commitments"}, id="both"),
    ],
)
def test_a_joint_key_over_another_qualified_set_fails_check_13(
    with_cheater: BuiltElection, tmp_path: Path, qualified: list[int], disqualified: dict[str, str]
) -> None:
    path, index = _mutated(with_cheater, tmp_path, "joint_key", _over(qualified, disqualified))

    report = verify(path)

    target = report.check(13)
    assert target.status is Status.FAIL, target.to_json()
    assert "qualified dealers are not the ones the board gives" in target.message
    assert target.evidence["entry_index"] == index
    assert target.evidence["recomputed"] == [1, 2, 4] and target.evidence["published"] == qualified


def test_a_joint_key_with_the_wrong_reason_fails_check_13(with_cheater: BuiltElection, tmp_path: Path) -> None:
    path, _ = _mutated(
        with_cheater, tmp_path, "joint_key", lambda p, _: p.__setitem__("disqualified", {"3": "undecryptable_share"})
    )
    target = verify(path).check(13)
    assert target.status is Status.FAIL and "disqualified" in target.message, target.to_json()


def test_a_close_naming_a_trustee_who_committed_fails_check_11(with_absent: BuiltElection, tmp_path: Path) -> None:
    path, index = _mutated(with_absent, tmp_path, "step_closed", lambda p, _: p.__setitem__("missing", [2, 3]))
    target = verify(path).check(11)
    assert target.status is Status.FAIL, target.to_json()
    assert target.evidence["entry_index"] == index and target.evidence["recomputed"] == [2]


def test_a_commitment_racing_the_close_does_not_count_for_the_trustees_or_the_verifier(tmp_path: Path) -> None:
    """Trustee 2's commitment lands just after the coordinator closed the step (a post checked before the close,
    appended after it): nobody counts it, so the close stays true and the ceremony and its record hold."""
    params = CeremonyParams(n=3, k=2)
    stores = new_trustee_stores(params)
    manifest = small_president_manifest().with_trustees(roster_for(stores), params.k)
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin=ORIGIN)
    board.append(
        EntryKind.MANIFEST, {"manifest": manifest.to_canonical_dict(), "manifest_hash": manifest.manifest_hash().hex()}
    )
    transport = BoardTransport(board, params)
    secrets2 = TrusteeSecrets.from_dict(stores[1].secrets)
    [late], _ = trustee_step(secrets2, board.entries(0, board.size))  # checked by the coordinator, not yet written
    for store in (stores[0], stores[2]):
        run_trustee(store, transport)
    close_step(board, params, CeremonyStep.COMMITMENTS)
    late_index = board.append(late.kind, late.payload, dedup_key=late.dedup_key).index
    joint, _ = run_key_ceremony(board, params, [stores[0], stores[2]])
    assert joint.qualified == (1, 3) and dict(joint.disqualified) == {2: "no_commitment"}
    path = tmp_path / "export.jsonl"
    with path.open("wb") as f:
        write_export(board, f)

    report = verify(path)

    for number in (11, 12, 13):
        assert report.check(number).status is Status.PASS, report.check(number).to_json()
    assert report.check(11).evidence["late_entries"] == [late_index]
