"""The dashboard mounted by the voting server on a live board shows what the offline export shows."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.observer.election import BuiltElection
from voting_server.dashboard import DASHBOARD_PATH, build_dashboard_router


def test_server_mount_reads_the_live_board(election: BuiltElection) -> None:
    app = FastAPI()
    app.include_router(build_dashboard_router(election.board))
    client = TestClient(app)
    overview = client.get(f"{DASHBOARD_PATH}/", params={"lang": "en"})
    assert overview.status_code == 200
    assert f'<td class="num" id="size">{election.board.size}</td>' in overview.text
    assert f'href="{DASHBOARD_PATH}/board?lang=en"' in overview.text
    page = client.get(f"{DASHBOARD_PATH}/track", params={"code": election.tracking_codes[3], "lang": "en"}).text
    assert 'id="server-check" class="ok"' in page
    heads = client.get(f"{DASHBOARD_PATH}/tree-heads", params={"lang": "en"}).text
    assert heads.count("witness.university.kg") == len(election.board.tree_heads())
