"""Check 3 counts a cosignature only under a pinned witness key: the manifest's witness roster, or
``--witness NAME=KEY``. The attack it stops: a cosignature made with a fresh key under the name of a witness the
observer trusts (before pinning, ``--witness NAME`` took the key from the export itself, so it passed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from bulletin_board.checkpoint import SignedTreeHead, WitnessCosignature, cosign, public_key_bytes
from cli.main import app
from observer.context import VerifyOptions, WitnessPin
from observer.errors import WitnessPinError
from observer.report import Status
from observer.verify import verify
from tests.observer.election import WITNESS_NAMES, BuiltElection, build_election, read_lines, write_lines

PINNED = WITNESS_NAMES[0]


@pytest.fixture(scope="module")
def no_roster(tmp_path_factory: pytest.TempPathFactory) -> BuiltElection:
    """An election whose manifest names no witness (the same two witnesses cosign)."""
    return build_election(
        tmp_path_factory.mktemp("no-roster") / "export.jsonl", voters=2, revotes=0, witness_roster=False
    )


def _key(built: BuiltElection, name: str) -> bytes:
    return public_key_bytes(built.witness_keys[name].public_key())


def impersonate(path: Path, name: str) -> bytes:
    """Drop every cosignature of ``name`` and cosign the latest head under that name with a fresh key (a forger who
    does not hold the witness's key); returns the forger's public key."""
    impostor = Ed25519PrivateKey.generate()
    out: list[dict[str, Any]] = []
    latest: tuple[int, SignedTreeHead] | None = None
    for line in read_lines(path):
        if line.get("type") == "cosignature" and line["witness"] == name:
            continue
        out.append(line)
        if line.get("type") == "tree_head":
            latest = (len(out), SignedTreeHead.from_text(line["checkpoint"]))
    assert latest is not None
    position, head = latest
    forged = WitnessCosignature(
        head.size, public_key_bytes(impostor.public_key()), cosign(head.head, name, impostor, head.timestamp)
    )
    out.insert(position, {"type": "cosignature", **forged.to_json()})
    out[-1]["cosignatures"] = sum(1 for line in out if line.get("type") == "cosignature")
    write_lines(path, out)
    return forged.witness_key


def test_a_fresh_key_under_a_roster_witness_name_fails_check_3(export_copy: Path) -> None:
    forger = impersonate(export_copy, PINNED)
    report = verify(export_copy)
    check = report.check(3)
    assert check.status is Status.FAIL, check.to_json()
    impostors = [p for p in check.evidence["cosignatures"] if p.get("key") == forger.hex()]
    assert impostors and impostors[0]["witness"] == PINNED
    assert report.check(1).status is Status.PASS and report.check(2).status is Status.PASS  # the log is intact
    # Naming the witness on the command line (the bare form takes the roster's key) changes nothing.
    assert verify(export_copy, VerifyOptions(witnesses=(WitnessPin(PINNED),))).check(3).status is Status.FAIL


def test_a_fresh_key_under_a_command_line_pin_fails_check_3(no_roster: BuiltElection, tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(no_roster.path.read_bytes())
    impersonate(path, PINNED)
    pin = WitnessPin(PINNED, _key(no_roster, PINNED))
    check = verify(path, VerifyOptions(witnesses=(pin,))).check(3)
    assert check.status is Status.FAIL, check.to_json()


def test_the_real_witnesses_pass_by_the_roster_with_default_options(election: BuiltElection) -> None:
    check = verify(election.path).check(3)
    assert check.status is Status.PASS, check.to_json()
    assert check.evidence["latest_signers"] == sorted(WITNESS_NAMES)
    assert check.evidence["from_roster"] == sorted(WITNESS_NAMES)


def test_the_real_witness_passes_under_a_command_line_pin(no_roster: BuiltElection) -> None:
    pin = WitnessPin(PINNED, _key(no_roster, PINNED))
    check = verify(no_roster.path, VerifyOptions(witnesses=(pin,))).check(3)
    assert check.status is Status.PASS, check.to_json()
    assert check.evidence["latest_signers"] == [PINNED]
    assert check.evidence["unpinned_signers"] == [WITNESS_NAMES[1]]  # cosigned, verified, not counted


def test_without_roster_or_pin_check_3_fails_and_says_what_to_pass(no_roster: BuiltElection) -> None:
    check = verify(no_roster.path).check(3)
    assert check.status is Status.FAIL
    (problem,) = check.evidence["cosignatures"]
    assert "--witness NAME=KEY" in problem["problem"] and "no witness roster" in problem["problem"]
    assert verify(no_roster.path, VerifyOptions(min_witnesses=0)).check(3).status is Status.PASS


def test_a_bare_witness_name_outside_the_roster_is_refused(no_roster: BuiltElection) -> None:
    check = verify(no_roster.path, VerifyOptions(witnesses=(WitnessPin(PINNED),))).check(3)
    assert check.status is Status.FAIL
    assert any(f"--witness {PINNED}=KEY" in p["problem"] for p in check.evidence["cosignatures"])


def test_a_command_line_key_that_contradicts_the_roster_fails(election: BuiltElection) -> None:
    other = public_key_bytes(Ed25519PrivateKey.generate().public_key())
    check = verify(election.path, VerifyOptions(witnesses=(WitnessPin(PINNED, other),))).check(3)
    assert check.status is Status.FAIL
    assert any("another key than the manifest's witness roster" in p["problem"] for p in check.evidence["cosignatures"])


@pytest.mark.parametrize("text", ["w=zz", "w=" + "00" * 31, "w=" + "01" + "00" * 31, "w x=" + "00" * 32, "=ab"])
def test_a_malformed_or_small_order_pin_is_refused(text: str) -> None:
    with pytest.raises(WitnessPinError):
        WitnessPin.parse(text)


def test_the_cli_takes_name_equals_key_and_refuses_a_bad_key(no_roster: BuiltElection) -> None:
    runner = CliRunner()
    pin = f"{PINNED}={_key(no_roster, PINNED).hex()}"
    ok = runner.invoke(app, ["verify", str(no_roster.path), "--witness", pin, "--no-progress"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["verify", str(no_roster.path), "--witness", f"{PINNED}=12ab"])
    assert bad.exit_code == 2 and "64 lowercase hex" in bad.output
