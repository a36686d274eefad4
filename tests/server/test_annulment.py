"""``POST /v1/admin/annul``: the commission's signed precinct annulment, only after the close and before the tally,
once per precinct; a refused request changes nothing on the board."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import cli.admin
from bulletin_board.entries import EntryKind
from cli.main import app
from crypto.signing import public_key_bytes, sign
from record.annulment import PRECINCT_ANNULMENT_TAG, PrecinctAnnulment, signing_body
from tests.security.conftest import attempt
from tests.server.harness import OPERATOR, Election
from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN

runner = CliRunner()


@pytest.fixture
def election(tmp_path: Path) -> Iterator[Election]:
    running = Election(tmp_path, preset="president", registered=20).setup_to_voting()
    yield running
    running.close()


def _annul(election: Election, precinct_id: str) -> object:
    body = {"precinct_id": precinct_id, "reason": "ballot stuffing on video", "legal_basis": "art. 43(3)"}
    return attempt(election, "POST", "/v1/admin/annul", headers=OPERATOR, json=body)


def test_a_precinct_is_annulled_between_the_close_and_the_tally(election: Election) -> None:
    board = election.components.board
    precinct = election.manifest.precincts[0].precinct_id
    size = board.size
    early = _annul(election, precinct)
    assert early.code == "wrong_phase"  # type: ignore[attr-defined]
    assert board.size == size
    election.close_voting()
    unknown = _annul(election, "no-such-precinct")
    assert unknown.code == "unknown_id"  # type: ignore[attr-defined]
    size = board.size
    response = election.admin(
        "POST",
        "/v1/admin/annul",
        json={"precinct_id": precinct, "reason": "ballot stuffing on video", "legal_basis": "art. 43(3)"},
    )
    entry = board.entry(response["index"])
    assert entry.kind is EntryKind.PRECINCT_ANNULMENT and board.size == size + 1
    annulment = PrecinctAnnulment.from_payload(entry.payload)
    annulment.check(election.manifest)  # signed by the key the manifest pins
    assert (annulment.precinct_id, annulment.legal_basis) == (precinct, "art. 43(3)")
    again = _annul(election, precinct)
    assert again.code == "duplicate_entry"  # type: ignore[attr-defined]
    election.admin("POST", "/v1/admin/tally", json={})
    late = _annul(election, election.manifest.precincts[1].precinct_id)
    assert late.code == "wrong_phase"  # type: ignore[attr-defined]
    assert board.find_by_dedup_key("encrypted_tally") is not None


def _commission_keystore(tmp: Path, name: str) -> tuple[Path, Path, str]:
    """``shailoo admin commission-key``: the keystore, its passphrase file and the public key it wrote."""
    keystore, passphrase, public = tmp / f"{name}.keystore", tmp / f"{name}.pass", tmp / f"{name}.pub"
    passphrase.write_text("the commission's passphrase, long enough\n")
    made = runner.invoke(
        app,
        ["admin", "commission-key", "--keystore", str(keystore), "--passphrase-file", str(passphrase),
         "--public-key-out", str(public), "--kdf-memory-kib", "256", "--kdf-time-cost", "1"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    return keystore, passphrase, public.read_text().strip()


def _cli_annul(precinct: str, keystore: Path, passphrase: Path) -> Result:
    return runner.invoke(
        app,
        ["admin", "annul", precinct, "--reason", "ballot stuffing on video", "--legal-basis", "art. 43(3)",
         "--commission-keystore", str(keystore), "--passphrase-file", str(passphrase),
         "--server", "http://shailoo.test", "--token", DEVELOPMENT_OPERATOR_TOKEN],
    )  # fmt: skip


def test_with_a_commission_key_only_the_commission_annuls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest pins the commission's own key: the server, which holds only the registrar key, refuses to sign
    an annulment; the commission signs it with its keystore (``shailoo admin annul --commission-keystore``) and the
    server posts it; a keystore of another key is refused before anything is sent."""
    keystore, passphrase, public = _commission_keystore(tmp_path, "commission")
    other, other_passphrase, _ = _commission_keystore(tmp_path, "other")
    election = Election(tmp_path, preset="president", registered=20)
    monkeypatch.setattr(cli.admin, "_client", lambda server, token: cli.admin.AdminClient(election.http, token))
    try:
        election.manifest = election.manifest.with_commission_key(bytes.fromhex(public))
        election.setup_to_voting()
        election.close_voting()
        board, precinct = election.components.board, election.manifest.precincts[0].precinct_id
        size = board.size
        unsigned = _annul(election, precinct)  # the server would sign with its registrar key
        assert unsigned.code == "invalid_annulment", unsigned  # type: ignore[attr-defined]
        # A payload signed with the registrar key, posted as if the commission had signed it, is refused too.
        registrar = election.components.registrar.identity_settings.registrar_signing_key
        unsigned_payload = PrecinctAnnulment(
            election.manifest.election_id, precinct, "stuffing", "art. 43", public_key_bytes(registrar), b"\0" * 64
        ).unsigned_payload()
        body = signing_body(election.manifest.manifest_hash(), unsigned_payload)
        forged = {**unsigned_payload, "signature": sign(registrar, PRECINCT_ANNULMENT_TAG, body).hex()}
        posted = attempt(election, "POST", "/v1/admin/annul", headers=OPERATOR, json={"annulment": forged})
        assert posted.code == "invalid_annulment", posted  # type: ignore[attr-defined]
        wrong = _cli_annul(precinct, other, other_passphrase)
        assert wrong.exit_code == 2 and "themanifestpins" in "".join(wrong.output.replace("│", "").split())
        assert board.size == size
        signed = _cli_annul(precinct, keystore, passphrase)
        assert signed.exit_code == 0, signed.output
        entry = board.entry(size)
        assert entry.kind is EntryKind.PRECINCT_ANNULMENT and entry.payload["commission_key"] == public
        PrecinctAnnulment.from_payload(entry.payload).check(election.manifest)
    finally:
        election.close()
