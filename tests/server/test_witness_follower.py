"""A witness following the server over its board API: it cosigns each head that extends the last one it cosigned,
posts the cosignature, keeps its state in a file across restarts, and cosigns nothing it cannot prove consistent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulletin_board.checkpoint import WitnessCosignature
from bulletin_board.errors import ConsistencyProofError
from bulletin_board.proofs import ConsistencyProof
from bulletin_board.witness import Witness
from bulletin_board.witness_store import FileWitnessStore
from cli.main import app
from crypto.signing import decode_public_key
from observer.errors import CosignatureRefusedError
from observer.witness_follower import HttpBoardSource, WitnessFollower, WitnessIdentity
from tests.server.harness import WITNESS_NAME, Election


@pytest.fixture
def loaded(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path)
    election.load_manifest()
    yield election
    election.close()


def _witness(election: Election, state: Path, key: object = None) -> Witness:
    board = election.components.board
    return Witness(
        WITNESS_NAME,
        key or election.witness_key,  # type: ignore[arg-type]
        log_origin=board.origin,
        log_key=board.public_key,
        store=FileWitnessStore(state),
        clock=lambda: 1,
    )


def _grow(election: Election, n: int) -> None:
    board = election.components.board
    board.append_many([("complaint", {"subject": "test", "n": i}) for i in range(n)])  # not a setup entry
    board.integrate()


def test_the_witness_cosigns_consistent_growth_over_http_and_the_board_keeps_it(
    loaded: Election, tmp_path: Path
) -> None:
    board = loaded.components.board
    follower = WitnessFollower(_witness(loaded, tmp_path / "state.json"), HttpBoardSource(loaded.http))
    first = follower.step()
    assert first.action == "cosigned"
    assert [c.witness for c in board.cosignatures(first.head.size)] == [WITNESS_NAME]
    assert follower.step().action == "unchanged"
    _grow(loaded, 3)
    second = follower.step()
    assert second.action == "cosigned" and second.head.size == first.head.size + 3
    assert [c.witness for c in board.cosignatures(second.head.size)] == [WITNESS_NAME]


def test_a_restarted_witness_carries_on_from_its_state_file(loaded: Election, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    WitnessFollower(_witness(loaded, state), HttpBoardSource(loaded.http)).step()
    cosigned = FileWitnessStore(state).load()
    _grow(loaded, 2)
    restarted = WitnessFollower(_witness(loaded, state), HttpBoardSource(loaded.http))
    assert restarted.witness.last_cosigned() == cosigned  # what it cosigned before the restart
    assert restarted.step().head.size == cosigned.size + 2  # type: ignore[union-attr]


class _WrongProof(HttpBoardSource):
    """A board that serves a consistency proof with one hash changed (it could not prove its growth)."""

    posted: list[WitnessCosignature]

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        proof = super().consistency_proof(old_size, new_size)
        hashes = (bytes([proof.hashes[0][0] ^ 1]) + proof.hashes[0][1:], *proof.hashes[1:])
        return ConsistencyProof(proof.old_size, proof.new_size, hashes)

    def post_cosignature(self, cosignature: WitnessCosignature) -> None:
        self.posted.append(cosignature)


def test_a_head_the_board_cannot_prove_consistent_is_not_cosigned_and_the_evidence_is_kept(
    loaded: Election, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    source = _WrongProof(loaded.http)
    source.posted = []
    follower = WitnessFollower(_witness(loaded, state), source)
    first = follower.step().head
    _grow(loaded, 5)
    with pytest.raises(ConsistencyProofError):
        follower.step()
    assert [c.size for c in source.posted] == [first.size]  # nothing posted for the head it could not check
    (evidence,) = FileWitnessStore(state).evidence()
    assert evidence.reason == "inconsistent" and evidence.first == first
    assert FileWitnessStore(state).load() == first


def test_the_server_refuses_the_follower_of_an_impostor(loaded: Election, tmp_path: Path) -> None:
    impostor = WitnessIdentity.generate(WITNESS_NAME).signing_key
    follower = WitnessFollower(_witness(loaded, tmp_path / "state.json", impostor), HttpBoardSource(loaded.http))
    with pytest.raises(CosignatureRefusedError) as refused:
        follower.step()
    assert refused.value.code == "unknown_witness"


def test_shailoo_witness_init_show_and_run_once(
    loaded: Election, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    keystore, passphrase = tmp_path / "w.keystore", tmp_path / "pass"
    passphrase.write_text("correct horse battery staple\n")
    kdf = ["--kdf-memory-kib", "64", "--kdf-time-cost", "1"]
    common = ["--keystore", str(keystore), "--passphrase-file", str(passphrase)]
    made = runner.invoke(app, ["witness", "init", "--name", "osce.example", *common, *kdf])
    assert made.exit_code == 0, made.output
    shown = runner.invoke(app, ["witness", "show", *common])
    assert shown.exit_code == 0, shown.output
    key_hex = next(line.split()[-1] for line in shown.output.splitlines() if line.startswith("public key"))
    decode_public_key(bytes.fromhex(key_hex))
    assert "osce.example" in shown.output
    assert runner.invoke(app, ["witness", "init", "--name", "osce.example", *common, *kdf]).exit_code == 1  # exists

    # The server's roster names another witness: this one's cosignature is refused, and --once says so.
    monkeypatch.setattr(HttpBoardSource, "connect", classmethod(lambda cls, server, **_: cls(loaded.http)))
    run = runner.invoke(app, ["witness", "run", "--server", "http://shailoo.test", "--once", *common])
    assert run.exit_code == 1 and "unknown_witness" in run.output, run.output
    state = FileWitnessStore(keystore.with_name(keystore.name + ".state.json"))
    board = loaded.components.board
    assert state.pinned_log() == (board.origin, bytes(board.public_key.public_bytes_raw()))
