"""Casting coercion-resistant ballots through the HTTP API (``POST /v1/cr/ballots``, voting_server/cr_api.py):
a valid ballot is posted as a ``cr_ballot`` entry, a retry gets the same receipt, and every refusal has its stable
code and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulletin_board.entries import EntryKind
from crypto.group import Scalar
from record.cr_ballot import create_cr_ballot
from record.cr_tally import bits_by_contest, mode_contests
from tests.server.harness import Election
from voting_server.cr_api import cr_base_hash

CR_POLICY = {"mode": "coercion_resistant", "mixing_trustees_required": 2}


@pytest.fixture
def election(tmp_path: Path) -> Iterator[Election]:
    e = Election(tmp_path, policy=CR_POLICY)
    try:
        e.load_manifest()
        e.key_ceremony()
        e.open_voting()
        yield e
    finally:
        e.close()


def make_ballot(election: Election, choice: int = 0, secret: Scalar | None = None) -> dict[str, Any]:
    manifest = election.manifest
    style = manifest.ballot_styles[0].style_id
    bits = bits_by_contest(manifest, style)
    choices = {c: (choice % len(manifest.contest(c).selections), bits[c]) for c in mode_contests(manifest)}
    base = cr_base_hash(election.components.election)
    key = election.joint_key.joint_public_key
    return create_cr_ballot(base, key, manifest.election_id, style, secret or Scalar.random(), choices).to_payload()


def cr_entries(election: Election) -> list[dict[str, Any]]:
    board = election.components.board
    return [dict(e.payload) for e in board.entries(0, board.size) if e.kind is EntryKind.CR_BALLOT]


def flip_hex(text: str, at: int) -> str:
    """``text`` (hex) with one byte changed at byte offset ``at``."""
    raw = bytearray.fromhex(text)
    raw[at] ^= 0x01
    return raw.hex()


def test_a_valid_ballot_is_posted_and_a_retry_gets_the_same_receipt(election: Election) -> None:
    ballot = make_ballot(election)
    first = election.http.post("/v1/cr/ballots", json=ballot)
    assert first.status_code == 200, first.text
    again = election.http.post("/v1/cr/ballots", json=ballot)
    assert again.json() == first.json()
    assert cr_entries(election) == [ballot]


@pytest.mark.parametrize(
    ("field", "code"),
    [("credential_proof", "invalid_proof"), ("contest", "invalid_proof")],
)
def test_a_ballot_with_one_byte_changed_is_refused_and_nothing_is_written(
    election: Election, field: str, code: str
) -> None:
    ballot = make_ballot(election)
    if field == "contest":
        contest = next(iter(ballot["contests"]))
        # the last byte: inside the packed choice's proofs, so the value still reads but does not verify
        last = len(bytes.fromhex(ballot["contests"][contest])) - 1
        ballot["contests"][contest] = flip_hex(ballot["contests"][contest], last)
    else:
        ballot[field] = flip_hex(ballot[field], len(bytes.fromhex(ballot[field])) - 1)  # in a response scalar
    size = election.components.board.size
    response = election.http.post("/v1/cr/ballots", json=ballot)
    assert response.status_code >= 400, response.text
    assert response.json()["code"] == code, response.text
    assert election.components.board.size == size and cr_entries(election) == []


def test_a_credential_copied_onto_other_choices_is_refused(election: Election) -> None:
    """The credential proof binds the choices: the coercer's (or anyone's) encrypted credential and proof lifted
    from a posted ballot onto other choices fail."""
    posted = make_ballot(election, choice=0)
    other = make_ballot(election, choice=1)
    forged = {**other, "credential": posted["credential"], "credential_proof": posted["credential_proof"]}
    response = election.http.post("/v1/cr/ballots", json=forged)
    assert response.json()["code"] == "invalid_proof"
    assert cr_entries(election) == []


def test_malformed_and_foreign_ballots_have_their_codes(election: Election) -> None:
    ballot = make_ballot(election)
    cases = {
        "malformed": {k: v for k, v in ballot.items() if k != "credential_proof"},
        "wrong_election": {**ballot, "election_id": "another-election"},
        "wrong_ballot_style": {**ballot, "contests": {}},
    }
    for code, body in cases.items():
        response = election.http.post("/v1/cr/ballots", json=body)
        assert response.json()["code"] in ({code, "malformed"} if code == "wrong_ballot_style" else {code}), (
            code,
            response.text,
        )
    assert cr_entries(election) == []


def test_ballots_are_refused_after_the_close(election: Election) -> None:
    ballot = make_ballot(election)
    election.close_voting()
    response = election.http.post("/v1/cr/ballots", json=ballot)
    assert response.json()["code"] == "wrong_phase"
    assert cr_entries(election) == []


def test_a_homomorphic_election_refuses_the_route(tmp_path: Path) -> None:
    e = Election(tmp_path)
    try:
        e.setup_to_voting()
        response = e.http.post("/v1/cr/ballots", json={"election_id": e.manifest.election_id})
        assert response.json()["code"] == "wrong_mode"
        device = "02" + "11" * 32
        response = e.http.post("/v1/cr/credentials", json={"session_id": "any", "device_key": device})
        assert response.json()["code"] == "wrong_mode"
    finally:
        e.close()


def test_the_sdk_refuses_a_registrar_proof_for_another_entry(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The device checks the designated-verifier proof: a registrar whose proof is made for another roster position
    (everything else right) is caught with ``invalid_proof``."""
    import voting_server.cr_api as cr_api
    from crypto.errors import ShailooError
    from record.cr_board import roster_proof_context

    monkeypatch.setattr(cr_api, "roster_proof_context", lambda base, position: roster_proof_context(base, position + 1))
    client = election.voter_client()
    number, _ = election.register_voter(election.manifest.ballot_styles[0].style_id)
    session = client.start_identification(number)
    election.attest(client, number, session.session_id)
    with pytest.raises(ShailooError) as refused:
        client.obtain_cr_credential(session.session_id)
    assert refused.value.code == "invalid_proof"


def test_a_registered_voter_gets_a_credential_and_a_roster_entry_and_fakes_pass_the_same_check(
    election: Election,
) -> None:
    client = election.voter_client()
    number, _ = election.register_voter(election.manifest.ballot_styles[0].style_id)
    session = client.start_identification(number)
    election.attest(client, number, session.session_id)
    real = client.obtain_cr_credential(session.session_id)
    board = election.components.board
    roster = [e for e in board.entries(0, board.size) if e.kind is EntryKind.CR_ROSTER]
    assert [e.payload["position"] for e in roster] == [real.position] == [0]
    assert roster[0].payload["credential"] == real.roster_credential.to_bytes().hex()
    device = client.cr_device_key(real.position)
    for _ in range(3):
        client.fake_cr_credential(real).check(client.election(), device)
    # both cast: the server cannot tell them apart
    contests = mode_contests(election.manifest)
    client.cast_cr(client.fake_cr_credential(real), dict.fromkeys(contests, 0))
    client.cast_cr(real, dict.fromkeys(contests, 0))
    assert len(cr_entries(election)) == 2
