"""Online trustees against the server's trustee endpoints, in process (FastAPI's test client over the ASGI app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("voting_server.app")

from fastapi.testclient import TestClient

from elections.presets import build_preset
from tests.trustees.conftest import FAST_KDF, trustee_secrets
from trustees.airgap import Purpose, respond
from trustees.ceremony_steps import CeremonyStatus, run_trustee
from trustees.coordinator import CeremonyParams
from trustees.errors import TrusteeError
from trustees.keystore import Keystore
from trustees.keystore_contents import MemoryStore, TrusteeSecrets
from trustees.online import HttpTransport, join_ceremony
from voting_server.app import create_app
from voting_server.settings import Settings

PARAMS = CeremonyParams(n=5, k=3)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'server.db'}", trustees_n=5, trustees_k=3))
    with TestClient(app) as client:
        app.state.components.election.load_manifest(build_preset("president"))
        yield client


def test_five_trustees_join_online_and_the_joint_key_lands_on_the_board(server: TestClient, tmp_path: Path) -> None:
    transport = HttpTransport(server)
    stores = [MemoryStore(trustee_secrets(i, PARAMS).to_dict()) for i in range(1, 6)]
    for store in stores[:4]:
        run_trustee(store, transport)

    def others_move_while_trustee_five_waits(_: float) -> None:
        for store in stores[:4]:
            run_trustee(store, transport)

    seen: list[CeremonyStatus] = []
    last = join_ceremony(
        stores[4],
        transport,
        poll_seconds=1,
        timeout_seconds=10,
        on_status=seen.append,
        sleep=others_move_while_trustee_five_waits,
    )
    assert last.done
    assert seen[0].stage.value == "shares"
    board = server.get("/v1/trustees/ceremony").json()["entries"]
    [joint] = [e for e in board if e["kind"] == "joint_key"]
    assert joint["payload"]["joint_public_key"] == last.joint_key.joint_public_key.hex()  # type: ignore[union-attr]
    for store in stores[:4]:
        assert run_trustee(store, transport).done
    assert all(TrusteeSecrets.from_dict(s.secrets).key_share is not None for s in stores)


def test_server_refuses_a_post_in_another_trustees_slot(server: TestClient) -> None:
    transport = HttpTransport(server)
    secrets = trustee_secrets(1, PARAMS)
    from record.ceremony import Post
    from trustees.ceremony_steps import trustee_step

    [post], _ = trustee_step(secrets, transport.read_entries())
    with pytest.raises(TrusteeError) as info:
        transport.post([Post(post.kind, post.payload, post.dedup_key[:-1] + "2")])
    assert info.value.code == "wrong_slot"


def test_air_gapped_trustee_through_the_server(server: TestClient, tmp_path: Path) -> None:
    transport = HttpTransport(server)
    secrets = trustee_secrets(2, PARAMS)
    keystore = tmp_path / "t2.keystore"
    Keystore.create(keystore, "laptop passphrase two", secrets.to_dict(), label=secrets.label(), kdf=FAST_KDF)
    request = transport.airgap_request(2, Purpose.KEY_CEREMONY.value)
    response, _ = respond(Keystore.open(keystore, "laptop passphrase two"), request)
    assert transport.airgap_import(response)["appended"] == [response["posts"][0]["dedup_key"]]
    with pytest.raises(TrusteeError) as info:
        transport.airgap_import({**response, "trustee": 3})
    assert info.value.code == "stale_request"


def test_cli_join_request_and_import_against_the_server(
    server: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    monkeypatch.setattr(HttpTransport, "connect", classmethod(lambda cls, url, token=None: cls(server)))
    runner = CliRunner()
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text("trustee five passphrase\n")
    fast = ["--kdf-memory-kib", "8", "--kdf-time-cost", "1", "--passphrase-file", str(passphrase)]
    for index in (4, 5):
        init = ["trustee", "init", "-i", str(index), "-k", str(tmp_path / f"t{index}.keystore"), *fast]
        assert runner.invoke(app, init).exit_code == 0
    transport = HttpTransport(server)
    for i in (1, 2, 3):
        run_trustee(MemoryStore(trustee_secrets(i, PARAMS).to_dict()), transport)
    keystore5 = ["-k", str(tmp_path / "t5.keystore"), "--passphrase-file", str(passphrase)]
    joined = runner.invoke(app, ["trustee", "join", "--server", "http://test", "--wait", "0", *keystore5])
    assert joined.exit_code == 0, joined.output
    assert "commitments: waiting for trustee(s) 4" in joined.output
    # Trustee 4 is air-gapped: the coordinator writes its request, the laptop answers, the coordinator imports.
    request, response = tmp_path / "request.json", tmp_path / "response.json"
    args = ["trustee", "request", "--server", "http://test", "--trustee", "4", "--out", str(request)]
    assert runner.invoke(app, args).exit_code == 0
    keystore4 = ["-k", str(tmp_path / "t4.keystore"), "--passphrase-file", str(passphrase)]
    answered = runner.invoke(app, ["trustee", "offline-respond", str(request), "--out", str(response), *keystore4])
    assert answered.exit_code == 0, answered.output
    imported = runner.invoke(app, ["trustee", "import", str(response), "--server", "http://test"])
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(app, ["trustee", "import", str(response), "--server", "http://test"])
    assert again.exit_code == 0 and "0 new" in again.output
    status = runner.invoke(app, ["trustee", "status", "--server", "http://test", *keystore4])
    assert status.exit_code == 0 and "commitment" in status.output
    assert "shares: waiting for trustee(s) 1, 2, 3" in status.output
