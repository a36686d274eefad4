"""Checks 46–49 on whole coercion-resistant records (cli.cr_election): the honest record passes every check; a
roster entry omitted or repeated, a ballot whose proof is forged, a mix input that leaves out a ballot or keeps a
re-voter's earlier ballot, a blinding chain missing a trustee on one list, match tags made with the order tags'
exponents, or a published result that moves one vote each fail the right check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli.cr_election import run_cr_election
from crypto.group import Point, Scalar
from crypto.shuffle import rows_from_bytes
from elections.manifest import Manifest
from observer.report import Status
from observer.verify import verify
from record.cr_board import CrBoardError, ballot_mix_input
from record.cr_contests import Layout
from record.mix import MixInput
from trustees.cr_in_process import ExponentSource, WorkingTrustee

Tamper = Callable[[str, dict[str, Any]], dict[str, Any] | None]


def _report(tmp_path: Path, tamper: Tamper | None = None, refused: str | None = None) -> Any:
    """The report on the election's export; with ``refused``, the trustees must first have stopped with that code
    (the export then holds what was posted until they did)."""
    path = tmp_path / "board.jsonl"
    if refused is None:
        run_cr_election(path, voters=5, coerced=2, revoters=1, tamper=tamper)
    else:
        with pytest.raises(CrBoardError) as e:
            run_cr_election(path, voters=5, coerced=2, revoters=1, tamper=tamper)
        assert e.value.code == refused
    return verify(path)


def _refused(tmp_path: Path, exponent: ExponentSource) -> tuple[str, Any, str]:
    """Run with trustees choosing their exponents by ``exponent``: the trustees' refusal code, the report of the
    export written when they stopped, and the export's text."""
    path = tmp_path / "board.jsonl"
    with pytest.raises(CrBoardError) as e:
        run_cr_election(path, voters=5, coerced=2, revoters=1, exponent=exponent)
    return e.value.code, verify(path), path.read_text()


def _once(kind: str, change: Callable[[dict[str, Any]], dict[str, Any] | None], at: int = 0) -> Tamper:
    seen: list[int] = []

    def tamper(k: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if k != kind:
            return payload
        seen.append(1)
        return change(payload) if len(seen) == at + 1 else payload

    return tamper


def _failed(report: Any, number: int) -> Any:
    result = report.check(number)
    assert result.status is Status.FAIL, result.to_json()
    return result


def test_the_honest_record_passes(tmp_path: Path) -> None:
    report = _report(tmp_path)
    for number in (45, 46, 47, 48, 49):
        assert report.check(number).status is Status.PASS, report.check(number).to_json()
    assert report.passed, [c.to_json() for c in report.checks if c.status is Status.FAIL]
    assert report.check(49).evidence == {"kept": 5, "unmatched": 2, "duplicates": 1}
    # Board order of the ballots: v0 fake, v0, v1, v2's earlier ballot, v3, v4, v2's last, v1 fake (that coercer
    # casts last): v2's earlier is superseded (check 47 names its entry), the mix input is the other seven.
    evidence = report.check(47).evidence
    assert (evidence["ballots"], evidence["kept"], len(evidence["superseded"])) == (8, 7, 1)


def earlier_instead_of_last() -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """A dishonest server that mixes the re-voter's earlier ballot instead of her last (the rest of the tally
    follows it faithfully, so her earlier choice would be counted): the mix input is not the last ballot of each
    credential."""
    ballots: list[dict[str, Any]] = []
    layouts: list[Layout] = []
    # The president preset's styles all carry the one contest, so no row is padded and the joint key (used only
    # for padding) does not enter the rows: the honest input below is recomputed with a stand-in key.
    stand_in_key = Point.base_mul(Scalar(1))

    def tamper(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "manifest":
            layouts.append(Layout.of(Manifest.from_dict(payload["manifest"])))
        if kind == "cr_ballot":
            ballots.append(payload)
        if kind != "mix_input" or payload.get("list") == "roster":
            return payload
        honest = ballot_mix_input(ballots, [0, 1, 2, 4, 5, 6, 7], layouts[0], stand_in_key)
        assert payload == honest  # the honest input: 3 superseded by 6
        return ballot_mix_input(ballots, [0, 1, 2, 3, 4, 5, 7], layouts[0], stand_in_key)

    return tamper


def test_a_mix_input_keeping_a_re_voters_earlier_ballot_fails_check_47(tmp_path: Path) -> None:
    report = _report(tmp_path, earlier_instead_of_last())
    assert _failed(report, 47).evidence["code"] == "mix_input_not_of_ballots"
    assert report.check(45).status is Status.PASS  # the shuffles of the forged input are themselves correct


def test_a_trustee_reusing_its_order_exponent_for_the_match_tags_is_refused_and_fails_check_48(
    tmp_path: Path,
) -> None:
    # Trustee 3 blinds the order tags and the match tags with one exponent. The trustees stop before decrypting
    # the match tags; the export holds the blinding, and check 48 fails on it.
    reused = Scalar.random()

    def exponent(step: str, trustee: WorkingTrustee) -> Scalar:
        return reused if trustee.index == 3 else Scalar.random()

    code, report, text = _refused(tmp_path, exponent)
    assert code == "blinding_key_reused"
    assert _failed(report, 48).evidence["code"] == "blinding_key_reused"
    assert '"target":"order"' in text and '"target":"tags"' not in text and '"target":"choices"' not in text


def test_match_exponents_whose_product_is_the_order_exponents_are_refused_and_fail_check_49(tmp_path: Path) -> None:
    # Trustees 1 and 3 collude: every exponent key differs (check 48 passes), but z1·z3 = y1·y3, so each match tag
    # equals its ballot's order tag. The trustees stop before decrypting any choice; check 49 fails on the tags.
    y1, y3, c = Scalar.random(), Scalar.random(), Scalar.random()
    chosen = {("order", 1): y1, ("order", 3): y3, ("match", 1): y1 * c, ("match", 3): y3 * c.inverse()}

    def exponent(step: str, trustee: WorkingTrustee) -> Scalar:
        return chosen[(step, trustee.index)]

    code, report, text = _refused(tmp_path, exponent)
    assert code == "tags_linkable"
    assert report.check(48).status is Status.PASS, report.check(48).to_json()
    assert _failed(report, 49).evidence["code"] == "tags_linkable"
    assert '"target":"tags"' in text and '"target":"choices"' not in text


def test_an_omitted_roster_entry_fails_check_46(tmp_path: Path) -> None:
    # The trustees refuse to mix a broken roster (trustees.cr_in_process reads it with check_roster); any verifier
    # fails the board that holds it.
    omitted = _once("cr_roster", lambda p: None, at=1)
    result = _failed(_report(tmp_path, omitted, refused="roster_out_of_order"), 46)
    assert result.evidence["code"] == "roster_out_of_order"


def test_a_repeated_roster_entry_fails_check_46(tmp_path: Path) -> None:
    first: list[dict[str, Any]] = []

    def repeat(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "cr_roster":
            first.append(payload)
            if len(first) == 2:
                return first[0]
        return payload

    report = _report(tmp_path, repeat, refused="roster_out_of_order")
    assert _failed(report, 46).evidence["code"] == "roster_out_of_order"


def test_a_ballot_with_a_forged_credential_proof_fails_check_47(tmp_path: Path) -> None:
    def forge(payload: dict[str, Any]) -> dict[str, Any]:
        proof = payload["credential_proof"]
        return {**payload, "credential_proof": proof[:-1] + ("0" if proof[-1] != "0" else "1")}

    result = _failed(_report(tmp_path, _once("cr_ballot", forge, at=2)), 47)
    assert result.evidence["code"] == "invalid_proof"


def test_a_mix_input_leaving_out_a_ballot_fails_check_47(tmp_path: Path) -> None:
    def drop_last(payload: dict[str, Any]) -> dict[str, Any]:
        rows = rows_from_bytes(bytes.fromhex(payload["rows"]))
        return MixInput(tuple(rows[:-1])).to_payload()

    result = _failed(_report(tmp_path, _once("mix_input", drop_last)), 47)
    assert result.evidence["code"] == "mix_input_not_of_ballots"


def test_a_roster_not_blinded_by_every_trustee_fails_check_48(tmp_path: Path) -> None:
    # The second trustee's blinding of the roster is left out: the roster tags are not the ballots' kind of tags.
    # (cr_blinding posts: order by 1 and 3, then ballots and roster by 1, then by 3: the sixth is left out.)
    skip: Tamper = _once("cr_blinding", lambda p: None if p["list"] == "roster" else p, at=5)
    result = _failed(_report(tmp_path, skip), 48)
    assert result.evidence["code"] == "blinding_lists_differ"


@pytest.mark.parametrize("field", ["counts", "unmatched"])
def test_a_published_result_that_differs_fails_check_49(tmp_path: Path, field: str) -> None:
    def move_a_vote(payload: dict[str, Any]) -> dict[str, Any]:
        if field == "unmatched":
            return {**payload, "unmatched": payload["unmatched"] - 1, "kept": payload["kept"] + 1}
        counts = {c: list(v) for c, v in payload["counts"].items()}
        contest = next(iter(counts))
        winner = counts[contest].index(max(counts[contest]))
        counts[contest][winner] -= 1
        counts[contest][(winner + 1) % len(counts[contest])] += 1
        return {**payload, "counts": counts}

    result = _failed(_report(tmp_path, _once("cr_result", move_a_vote)), 49)
    assert result.evidence["code"] == "result_mismatch"


def test_a_roster_mix_input_leaving_out_a_registration_fails_check_46(tmp_path: Path) -> None:
    def drop_last(payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("list") != "roster":
            return payload
        rows = rows_from_bytes(bytes.fromhex(payload["rows"]))
        return MixInput(tuple(rows[:-1]), "roster").to_payload()

    tamper: Tamper = lambda kind, payload: drop_last(payload) if kind == "mix_input" else payload  # noqa: E731
    result = _failed(_report(tmp_path, tamper), 46)
    assert result.evidence["code"] == "mix_input_not_of_roster"


class _Stop(Exception):
    """Raised by a tamper to stop the tally before an entry."""


@pytest.mark.parametrize(
    ("kind", "which", "number"),
    [("mix_input", "ballots", 47), ("cr_decryption", "choices", 49), ("cr_result", "", 49)],
    ids=["order_tags_without_mix_input", "tags_without_choices", "choices_without_result"],
)
def test_a_tally_in_progress_is_skipped_not_failed(tmp_path: Path, kind: str, which: str, number: int) -> None:
    # The order tags decrypted but no mix input yet (check 47), the tags decrypted and unlinkable but no result yet
    # (check 49): steps in progress, skipped (record.md §3) — a skip raised inside the checks' error handling used
    # to be reported as a failure with the code "check_skipped".
    def stop(k: str, payload: dict[str, Any]) -> dict[str, Any]:
        named = payload.get("list", payload.get("target", "ballots" if k == "mix_input" else ""))
        if k == kind and named == which:
            raise _Stop
        return payload

    path = tmp_path / "board.jsonl"
    with pytest.raises(_Stop):
        run_cr_election(path, voters=5, coerced=2, revoters=1, tamper=stop)
    report = verify(path)
    assert report.check(number).status is Status.SKIPPED, report.check(number).to_json()
    assert report.passed, [c.to_json() for c in report.checks if c.status is Status.FAIL]
