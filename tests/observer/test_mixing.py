"""Check 45 on whole election records: a mixed election verifies; a chain short of distinct trustees, a trustee
shuffling twice, a broken shuffle, or mix entries the manifest did not ask for each fail check 45."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from observer.report import Status
from observer.verify import verify
from tests.observer.election import build_election


def _report(tmp_path: Path, **kwargs: Any) -> Any:
    built = build_election(tmp_path / "board.jsonl", voters=6, revotes=1, **kwargs)
    return verify(built.path)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _report(tmp_path_factory.mktemp("mixed"), mixers=[2, 3])


def test_an_election_mixed_by_two_distinct_trustees_verifies(mixed: Any) -> None:
    result = mixed.check(45)
    assert result.status is Status.PASS, result.to_json()
    assert result.evidence["trustees"] == [2, 3] and result.evidence["rows"] == 6
    assert mixed.passed, [c.to_json() for c in mixed.checks if c.status is Status.FAIL]


def test_tallied_after_one_trustee_when_the_policy_asks_two_fails(tmp_path: Path) -> None:
    result = _report(tmp_path, mixers=[2], mixing_required=2).check(45)
    assert result.status is Status.FAIL and "policy asks for 2" in result.message


def test_a_trustee_shuffling_twice_fails(tmp_path: Path) -> None:
    result = _report(tmp_path, mixers=[2, 2]).check(45)
    assert result.status is Status.FAIL and result.evidence["code"] == "trustee_already_mixed"


def test_a_shuffle_whose_outputs_were_swapped_after_signing_fails(tmp_path: Path) -> None:
    # (A swap re-signed by its trustee fails the proof instead: tests/record/test_mix.py.)
    swapped: list[bool] = []

    def swap_two_rows(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind != "shuffle" or swapped:
            return payload
        from crypto.shuffle import rows_from_bytes, rows_to_bytes

        rows = rows_from_bytes(bytes.fromhex(payload["outputs"]))
        rows[0], rows[1] = rows[1], rows[0]
        swapped.append(True)
        return {**payload, "outputs": rows_to_bytes(rows).hex()}

    result = _report(tmp_path, mixers=[2, 3], tamper=swap_two_rows).check(45)
    assert result.status is Status.FAIL and result.evidence["code"] == "trustee_unauthenticated"


def test_an_election_without_a_mixing_policy_skips_check_45(tmp_path: Path) -> None:
    assert _report(tmp_path).check(45).status is Status.SKIPPED
