"""``shailoo trustee …`` end to end through the command line (passphrases from files, tiny Argon2 parameters)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.trustees.conftest import new_board
from trustees.airgap import Purpose, import_response, make_request, read_json_file, write_json_file
from trustees.coordinator import CeremonyParams
from trustees.keystore import read_label

runner = CliRunner()
FAST = ["--kdf-memory-kib", "8", "--kdf-time-cost", "1"]


def _init(tmp_path: Path, index: int = 3) -> tuple[Path, Path]:
    keystore, passphrase = tmp_path / "t.keystore", tmp_path / "pass.txt"
    passphrase.write_text("a long trustee passphrase\n")
    args = ["trustee", "init", "-i", str(index), "-n", "5", "-t", "3", "-k", str(keystore)]
    result = runner.invoke(app, [*args, "--passphrase-file", str(passphrase), *FAST])
    assert result.exit_code == 0, result.output
    return keystore, passphrase


def test_init_then_status_shows_the_trustee(tmp_path: Path) -> None:
    keystore, passphrase = _init(tmp_path)
    result = runner.invoke(app, ["trustee", "status", "-k", str(keystore), "--passphrase-file", str(passphrase)])
    assert result.exit_code == 0, result.output
    # The identity public key the commission puts on the manifest's roster.
    assert read_label(keystore)["identity_public_key"] in result.output.replace("\n", "")
    assert "trustee" in result.output and "not started" in result.output


def test_wrong_passphrase_is_a_clear_refusal(tmp_path: Path) -> None:
    keystore, _ = _init(tmp_path)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all")
    result = runner.invoke(app, ["trustee", "status", "-k", str(keystore), "--passphrase-file", str(wrong)])
    assert result.exit_code == 1
    assert "keystore_locked" in result.output


def test_offline_respond_answers_a_request_file(tmp_path: Path) -> None:
    keystore, passphrase = _init(tmp_path)
    board = new_board(keys={3: read_label(keystore)["identity_public_key"]})
    write_json_file(tmp_path / "request.json", make_request(board.entries(0, board.size), 3, Purpose.KEY_CEREMONY))
    args = ["trustee", "offline-respond", str(tmp_path / "request.json"), "--out", str(tmp_path / "response.json")]
    result = runner.invoke(app, [*args, "-k", str(keystore), "--passphrase-file", str(passphrase)])
    assert result.exit_code == 0, result.output
    appended = import_response(board, CeremonyParams(5, 3), read_json_file(tmp_path / "response.json"))
    assert [p.kind.value for p in appended] == ["trustee_commitment"]
    # The same response again is not posted twice.
    assert import_response(board, CeremonyParams(5, 3), read_json_file(tmp_path / "response.json")) == []


def test_backup_needs_a_new_file(tmp_path: Path) -> None:
    keystore, passphrase = _init(tmp_path)
    args = ["trustee", "backup", "--out", str(tmp_path / "backup.keystore"), "-k", str(keystore)]
    secret = ["--passphrase-file", str(passphrase), "--backup-passphrase-file", str(passphrase)]
    assert runner.invoke(app, [*args, *secret]).exit_code == 0
    again = runner.invoke(app, [*args, *secret])
    assert again.exit_code == 1 and "keystore_exists" in again.output


def test_the_passphrase_prompt_is_never_under_a_spinner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The keystore's passphrase is asked before the "Unlocking…" spinner starts: a live spinner redraws over the
    hidden prompt, so a trustee would type blind under "Unlocking the keystore"."""
    import contextlib

    import typer

    import cli.trustee

    keystore, passphrase = _init(tmp_path)
    live: list[bool] = [False]
    asked: list[bool] = []

    @contextlib.contextmanager
    def status(*args: object, **kwargs: object) -> Iterator[None]:
        live[0] = True
        try:
            yield
        finally:
            live[0] = False

    def prompt(*args: object, **kwargs: object) -> str:
        asked.append(live[0])
        return passphrase.read_text().rstrip("\n")

    monkeypatch.setattr(cli.trustee.console, "status", status)
    monkeypatch.setattr(typer, "prompt", prompt)
    result = runner.invoke(app, ["trustee", "status", "-k", str(keystore)])
    assert result.exit_code == 0, result.output
    assert asked == [False]
