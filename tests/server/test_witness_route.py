"""``POST /v1/board/cosignatures``: the server keeps a cosignature only from a roster witness under its roster key,
over a head the board signed; ``GET /v1/board/log`` names the log a witness follows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import WitnessCosignature, cosign, public_key_bytes
from tests.server.harness import WITNESS_NAME, Election
from voting_server.witnesses import accept_cosignature


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    """An election whose manifest (with its witness roster) is on the board, under a signed head."""
    election = Election(tmp_path_factory.mktemp("witness-route"))
    election.load_manifest()
    election.components.board.integrate()
    yield election
    election.close()


def _cosignature(election: Election, key: Ed25519PrivateKey, name: str = WITNESS_NAME) -> WitnessCosignature:
    head = election.components.board.integrate()
    return WitnessCosignature(head.size, public_key_bytes(key.public_key()), cosign(head.head, name, key, 7))


def _post(election: Election, body: dict[str, Any]) -> Any:
    return election.http.post("/v1/board/cosignatures", json=body)


def test_the_roster_witness_cosignature_is_kept(loaded: Election) -> None:
    cosignature = _cosignature(loaded, loaded.witness_key)
    response = _post(loaded, cosignature.to_json())
    assert response.status_code == 200, response.text
    assert response.json() == {"size": cosignature.size, "witness": WITNESS_NAME}
    assert cosignature in loaded.components.board.cosignatures(cosignature.size)


def test_a_fresh_key_under_the_roster_witness_name_is_refused(loaded: Election) -> None:
    impostor = _cosignature(loaded, Ed25519PrivateKey.generate())
    response = _post(loaded, impostor.to_json())
    assert response.status_code == 403 and response.json()["code"] == "unknown_witness"
    kept = loaded.components.board.cosignatures(impostor.size)
    assert impostor.witness_key not in {c.witness_key for c in kept}


def test_a_witness_off_the_roster_is_refused(loaded: Election) -> None:
    key = Ed25519PrivateKey.generate()
    response = _post(loaded, _cosignature(loaded, key, "someone.else").to_json())
    assert response.status_code == 403 and response.json()["code"] == "unknown_witness"


def test_a_bad_signature_or_an_unsigned_size_is_refused(loaded: Election) -> None:
    good = _cosignature(loaded, loaded.witness_key).to_json()
    flipped = {**good, "signature": ("0" if good["signature"][0] != "0" else "1") + good["signature"][1:]}
    response = _post(loaded, flipped)
    assert response.status_code == 422 and response.json()["code"] == "invalid_checkpoint"
    response = _post(loaded, {**good, "size": good["size"] + 1000})
    assert response.status_code == 404 and response.json()["code"] == "entry_not_found"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"witness_key": "AB" * 32}, "non_canonical"),
        ({"key_id": "abc"}, "non_canonical"),
        ({"size": "1"}, "malformed"),
        ({"extra": 1}, "malformed"),
    ],
)
def test_a_malformed_cosignature_is_refused(loaded: Election, change: dict[str, Any], code: str) -> None:
    body = {**_cosignature(loaded, loaded.witness_key).to_json(), **change}
    response = _post(loaded, body)
    assert response.status_code == 422 and response.json()["code"] == code, response.text


def test_the_log_route_names_the_origin_and_key(loaded: Election) -> None:
    board = loaded.components.board
    assert loaded.http.get("/v1/board/log").json() == {
        "origin": board.origin,
        "log_key": public_key_bytes(board.public_key).hex(),
    }


def test_the_openapi_lists_the_cosignature_routes_error_codes(loaded: Election) -> None:
    route = loaded.http.get("/openapi.json").json()["paths"]["/v1/board/cosignatures"]["post"]
    documented = " ".join(r["description"] for r in route["responses"].values())
    for code in ("unknown_witness", "witness_key_conflict", "invalid_checkpoint", "entry_not_found", "malformed"):
        assert f"`{code}`" in documented


def test_without_a_roster_only_a_development_server_takes_cosignatures_and_never_a_second_key(tmp_path: Path) -> None:
    election = Election(tmp_path)
    try:
        election.manifest = election.manifest.with_witnesses([])
        election.load_manifest()
        board, manifest = election.components.board, election.components.election.state().manifest
        first = _cosignature(election, election.witness_key)
        with pytest.raises(Exception, match="no witness roster") as refused:
            accept_cosignature(board, manifest, first, allow_unlisted=False)
        assert getattr(refused.value, "code", None) == "unknown_witness"
        assert _post(election, first.to_json()).status_code == 200  # the test server is a development server
        second = _post(election, _cosignature(election, Ed25519PrivateKey.generate()).to_json())
        assert second.status_code == 409 and second.json()["code"] == "witness_key_conflict"
        assert board.cosignatures(first.size) == [first]
    finally:
        election.close()
