"""``shailoo voter`` from a terminal, against the real app (in-process)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from typer.testing import CliRunner

import cli.voter
from cli.main import app
from mobile_api.client import VoterClient
from tests.server.harness import DEVICE_ID, Election


def test_identify_vote_challenge_and_check_from_the_terminal(
    voting: Election, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.voter, "_client", lambda server, *_: VoterClient(voting.http))
    runner = CliRunner(env={"SHAILOO_WALLET_PASSPHRASE": "a passphrase for the test wallet"})
    number, style = voting.register_voter()
    seed = voting.device_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    (tmp_path / "device.key").write_text(seed.hex())
    wallet = tmp_path / "wallet.json"
    server = ["--server", "http://shailoo.test"]

    result = runner.invoke(app, ["voter", "election", *server])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["voter", "ballot", *server, "--style", style, "--lang", "en"])
    assert "president=c0001" in result.output
    identify = ["--national-id", number, "--device-key", str(tmp_path / "device.key"), "--device-id", DEVICE_ID]
    result = runner.invoke(app, ["voter", "identify", *server, *identify, "--wallet", str(wallet)])
    assert result.exit_code == 0, result.output
    assert wallet.stat().st_mode & 0o077 == 0  # the wallet is private

    choice = ["--choice", "president=c0002", "--wallet", str(wallet)]
    result = runner.invoke(app, ["voter", "vote", *server, *choice, "--challenge"])
    assert result.exit_code == 0 and "challenged" in result.output, result.output
    result = runner.invoke(app, ["voter", "vote", *server, *choice])
    assert result.exit_code == 0 and "cast" in result.output, result.output
    code = re.findall(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", result.output)[-1]
    voting.components.board.integrate()
    result = runner.invoke(app, ["voter", "check", *server, code])
    assert result.exit_code == 0 and "proof verified" in result.output, result.output

    result = runner.invoke(app, ["voter", "identify", *server, *identify, "--wallet", str(tmp_path / "w2.json")])
    assert result.exit_code == 1 and "already_identified" in result.output
