"""The coercion-resistant mode made by the TypeScript core (web/core/src/cr.ts), sent to the Python server: the
device checks the registrar's designated-verifier proof, makes a fake with d, and casts ``cr_ballot``s with either;
the server accepts both, and refuses a ballot with one hex digit changed — writing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bulletin_board.entries import EntryKind
from record.cr_tally import bits_by_contest
from tests.server.harness import Election
from tests.web.node import CLI, ensure_packages, need_node, run
from voting_server.cr_api import cr_base_hash

CR_POLICY = {"mode": "coercion_resistant", "mixing_trustees_required": 2}


@pytest.fixture(scope="module")
def node() -> str:
    ensure_packages()
    return need_node()[0]


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    e = Election(tmp_path_factory.mktemp("web-cr"), policy=CR_POLICY)
    try:
        e.load_manifest()
        e.key_ceremony()
        e.open_voting()
        yield e
    finally:
        e.close()


def _cli(node: str, command: str, payload: dict[str, Any], *, ok: bool = True) -> Any:
    done = run([node, str(CLI), command], stdin=json.dumps(payload), timeout=120)
    if not ok:
        assert done.returncode != 0
        return done.stderr
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _common(election: Election) -> dict[str, Any]:
    return {
        "joint_public_key": election.joint_key.joint_public_key.to_bytes().hex(),
        "election_base_hash": cr_base_hash(election.components.election).hex(),
    }


def _register(node: str, election: Election) -> tuple[dict[str, Any], dict[str, Any]]:
    """An identified voter; the TypeScript device makes d, registers D, and gets the registrar's answer."""
    client = election.voter_client()
    number, _ = election.register_voter(election.manifest.ballot_styles[0].style_id)
    session = client.start_identification(number)
    election.attest(client, number, session.session_id)
    device = _cli(node, "cr-device-key", {})
    got = election.http.post(
        "/v1/cr/credentials", json={"session_id": session.session_id, "device_key": device["device_key"]}
    )
    assert got.status_code == 200, got.text
    return device, got.json()


def _entries(election: Election) -> list[dict[str, Any]]:
    board = election.components.board
    return [dict(e.payload) for e in board.entries(0, board.size) if e.kind is EntryKind.CR_BALLOT]


def _choices(election: Election, style: str) -> dict[str, list[int]]:
    return {c: [1, b] for c, b in bits_by_contest(election.manifest, style).items()}


def test_a_typescript_cr_ballot_is_accepted_and_refused_with_one_hex_digit_changed(
    node: str, election: Election
) -> None:
    device, registration = _register(node, election)
    made = _cli(
        node,
        "cr-credential",
        {
            **_common(election),
            "election_id": election.manifest.election_id,
            "device_secret": device["device_secret"],
            "registration": registration,
        },
    )
    assert made["real"].startswith("SHAILOO-CR1:") and len(made["fake"]) == len(made["real"])
    assert made["real_check_code"] != made["fake_check_code"]
    style = registration["style_id"]
    before = len(_entries(election))
    for which in ("fake", "real"):
        ballot = _cli(
            node, "cr-ballot", {**_common(election), "credential": made[which], "choices": _choices(election, style)}
        )
        for field in ("credential_proof", "credential", "contest"):
            tampered = json.loads(json.dumps(ballot))
            if field == "contest":
                cid = sorted(tampered["contests"])[0]
                text = tampered["contests"][cid]
                at = len(text) - 1  # a response scalar of the last bit proof
                tampered["contests"][cid] = text[:at] + ("1" if text[at] == "0" else "0")
            else:
                text = tampered[field]
                at = len(text) - 1 if field == "credential_proof" else 40  # inside alpha's x coordinate
                tampered[field] = text[:at] + ("1" if text[at] == "0" else "0") + text[at + 1 :]
            refused = election.http.post("/v1/cr/ballots", json=tampered)
            assert refused.status_code in (400, 422), refused.text
            assert refused.json()["code"] in ("invalid_proof", "invalid_point", "non_canonical")
            assert len(_entries(election)) == before
        accepted = election.http.post("/v1/cr/ballots", json=ballot)
        assert accepted.status_code == 200, accepted.text
        before += 1
        assert _entries(election)[-1] == ballot


def test_the_typescript_device_refuses_a_registrar_proof_with_one_hex_digit_changed(
    node: str, election: Election
) -> None:
    device, registration = _register(node, election)
    proof = registration["proof"]
    at = 2 * 99 + 10  # inside the scalar c_A
    registration["proof"] = proof[:at] + ("1" if proof[at] == "0" else "0") + proof[at + 1 :]
    err = _cli(
        node,
        "cr-credential",
        {
            **_common(election),
            "election_id": election.manifest.election_id,
            "device_secret": device["device_secret"],
            "registration": registration,
        },
        ok=False,
    )
    assert "invalid_proof" in err
