"""The coercion-resistant tally's trustee routes (voting_server/cr_tally_api.py): each post is re-checked with the
verifier's functions on the board as it would be, and a refusal has its stable code and writes nothing.

Attacks: a shuffle whose proof has one byte changed, or whose outputs are permuted after proving, is refused
(``invalid_proof``); a trustee blinding the mixed lists with the exponent of its order tags is refused
(``blinding_key_reused``: the match tags would equal the order tags and undo the mix); a post in another trustee's
name, out of its step or posted twice is refused. After each refusal the honest post takes the same place."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cli.trustee
from cli.main import app
from crypto.errors import ShailooError
from crypto.group import Scalar
from crypto.shuffle import rows_from_bytes, rows_to_bytes
from record.cr_tally import make_decryption_post
from record.trustee_posts import sign_trustee_post
from tests.server.harness import OPERATOR, Election
from trustees.cr_in_process import WorkingTrustee
from trustees.cr_online import cr_tally_round, run_cr_tally_trustee
from trustees.cr_steps import CrTallyState, read_cr_tally, trustee_posts
from trustees.errors import TrusteeError
from trustees.online import HttpTransport

CR_POLICY = {"mode": "coercion_resistant", "mixing_trustees_required": 2}


@pytest.fixture
def election(tmp_path: Path) -> Iterator[Election]:
    """Three registered voters, one of whom also casts with a fake credential; voting closed."""
    e = Election(tmp_path, policy=CR_POLICY)
    try:
        e.load_manifest()
        e.key_ceremony()
        e.open_voting()
        contests = sorted(e.manifest.ballot_styles[0].contest_ids)
        for i in range(3):
            client = e.voter_client()
            number, _ = e.register_voter(e.manifest.ballot_styles[0].style_id)
            session = client.start_identification(number)
            e.attest(client, number, session.session_id)
            real = client.obtain_cr_credential(session.session_id)
            client.cast_cr(real, {c: i % len(e.manifest.contest(c).selections) for c in contests})
            if i == 0:
                client.cast_cr(client.fake_cr_credential(real), {c: 0 for c in contests})
        e.close_voting()
        yield e
    finally:
        e.close()


def trustees(election: Election) -> list[WorkingTrustee]:
    return [WorkingTrustee.from_store(election.trustee_stores[j - 1]) for j in (1, 3, 5)]


def state_of(election: Election) -> CrTallyState:
    board = election.components.board
    return read_cr_tally(board.entries(0, board.size))


def tally_until(election: Election, stop: Callable[[CrTallyState], bool]) -> CrTallyState:
    """Trustees 1, 3, 5 take turns until ``stop`` holds before a turn."""
    for _ in range(10):
        for t in trustees(election):
            state = state_of(election)
            if stop(state):
                return state
            cr_tally_round(t, HttpTransport(election.http))
    raise AssertionError("the tally never reached the state asked for")


def post(election: Election, posts: list[tuple[str, dict[str, Any]]]) -> Any:
    return election.http.post("/v1/trustees/cr/posts", json={"posts": [{"kind": k, "payload": p} for k, p in posts]})


def resign(t: WorkingTrustee, election: Election, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    return sign_trustee_post(t.identity, election.manifest.manifest_hash(), kind, unsigned)


def refused(election: Election, posts: list[tuple[str, dict[str, Any]]], code: str) -> None:
    board = election.components.board
    size = board.size
    response = post(election, posts)
    assert response.status_code >= 400 and response.json()["code"] == code, response.text
    assert board.size == size


def test_a_shuffle_with_a_bad_proof_or_altered_outputs_is_refused(election: Election) -> None:
    state = tally_until(election, lambda s: "ballots_shuffle" in s.open_steps())
    t1 = trustees(election)[0]
    [honest] = trustee_posts(state, t1.index, t1.identity, t1.share)
    assert honest.step == "ballots_shuffle"
    payload = dict(honest.payload)
    proof = bytearray.fromhex(payload["proof"])
    proof[-1] ^= 0x01  # inside the last response scalar: still a scalar, no longer a proof
    refused(
        election, [("shuffle", resign(t1, election, "shuffle", {**payload, "proof": proof.hex()}))], "invalid_proof"
    )
    rows = rows_from_bytes(bytes.fromhex(payload["outputs"]))
    swapped = [rows[1], rows[0], *rows[2:]]  # the outputs permuted after proving: the proof no longer holds
    altered = {**payload, "outputs": rows_to_bytes(swapped).hex()}
    refused(election, [("shuffle", resign(t1, election, "shuffle", altered))], "invalid_proof")
    # Signed by trustee 3 in trustee 1's name: refused before anything else.
    t3 = trustees(election)[1]
    refused(election, [("shuffle", resign(t3, election, "shuffle", payload))], "trustee_unauthenticated")
    # The honest shuffle takes the place; sent again, it is refused by its place.
    assert post(election, [("shuffle", payload)]).status_code == 200
    refused(election, [("shuffle", payload)], "already_posted")


def test_a_match_blinding_with_the_order_exponent_is_refused(election: Election) -> None:
    """Trustee 3 blinds the order tags with y, then the mixed lists with y again: refused, nothing written; with a
    fresh exponent it is accepted and the tally completes."""
    y = Scalar.random()
    t3 = trustees(election)[1]
    state = tally_until(election, lambda s: "order_blinding" in s.open_steps() and s.order.trustees == (1,))
    [order] = trustee_posts(state, t3.index, t3.identity, t3.share, exponent=y)
    assert post(election, [("cr_blinding", dict(order.payload))]).status_code == 200
    state = tally_until(election, lambda s: "match_blinding" in s.open_steps())
    reused = trustee_posts(state, t3.index, t3.identity, t3.share, exponent=y)
    assert [p.step for p in reused] == ["match_blinding", "match_blinding"]
    refused(election, [("cr_blinding", dict(p.payload)) for p in reused], "blinding_key_reused")
    # One list only (the roster would then be blinded by other trustees than the ballots): refused by its shape.
    fresh = trustee_posts(state, t3.index, t3.identity, t3.share)
    refused(election, [("cr_blinding", dict(fresh[0].payload))], "malformed")
    assert post(election, [("cr_blinding", dict(p.payload)) for p in fresh]).status_code == 200
    for _ in range(4):
        for t in trustees(election):
            status = run_cr_tally_trustee(t, HttpTransport(election.http))
    assert status.done


def test_posts_out_of_their_step_are_refused(election: Election) -> None:
    t1, t3, _ = trustees(election)
    # Nothing before the close is a tally step: the order decryption is not open before k_mix trustees blinded.
    state = state_of(election)
    assert state.open_steps() == ["order_blinding"]
    [first] = trustee_posts(state, t1.index, t1.identity, t1.share)
    assert post(election, [("cr_blinding", dict(first.payload))]).status_code == 200
    # Trustee 1 again: already in the chain.
    [again] = trustee_posts(state_of(election), t3.index, t3.identity, t3.share)
    t1_again = resign(t1, election, "cr_blinding", {**dict(again.payload), "trustee": 1})
    refused(election, [("cr_blinding", t1_again)], "already_posted")
    # A decryption of the order tags before two trustees blinded them: the step is not open.
    state = state_of(election)
    early = make_decryption_post(
        t1.identity, state.manifest, state.base_hash, 1, t1.share, "order", list(state.order_outputs)
    )
    refused(election, [("cr_decryption", early)], "step_closed")
    # Once decryption has started, no more blinding of the order tags (it would change what is being decrypted).
    tally_until(election, lambda s: bool(s.decrypted_by.get("order")))
    late = trustee_posts(state, 5, trustees(election)[2].identity, trustees(election)[2].share)
    refused(election, [("cr_blinding", dict(late[0].payload))], "step_closed")


def test_the_server_steps_and_the_trustee_client_are_idempotent(election: Election) -> None:
    """The operator's route posts nothing the board does not call for; a trustee run after a lost answer does not
    post twice (its post is on the board: the next run goes on to the next step)."""
    response = election.http.post("/v1/admin/cr-tally", headers=OPERATOR)
    assert response.status_code == 200 and response.json()["server_posted"] == []
    t1 = trustees(election)[0]
    transport = HttpTransport(election.http)
    first = cr_tally_round(t1, transport)
    assert first is not None and first.step == "order_blinding"
    size = election.components.board.size
    # A retry of the very same request (its answer lost): refused by its place, and the client counts it as done.
    refused(election, [("cr_blinding", dict(first.payload))], "already_posted")
    assert cr_tally_round(t1, transport) is None and election.components.board.size == size
    state = election.http.get("/v1/trustees/cr/state").json()
    assert state["order_blinded_by"] == [1] and state["open"] == ["order_blinding"]


def test_shailoo_trustee_cr_tally_does_the_whole_tally(election: Election, monkeypatch: pytest.MonkeyPatch) -> None:
    """``shailoo trustee cr-tally`` for trustees 1, 3 and 5 in turns (the server is the test app, the keystores the
    harness's): each run prints what it posted; the last finds the result on the board."""
    stores = {j: election.trustee_stores[j - 1] for j in (1, 3, 5)}
    monkeypatch.setattr(cli.trustee, "_open", lambda keystore, _: stores[int(keystore.name)])
    monkeypatch.setattr(HttpTransport, "connect", classmethod(lambda cls, server, **_: cls(election.http)))
    outputs = []
    for _ in range(4):
        for j in stores:
            run = CliRunner().invoke(app, ["trustee", "cr-tally", "--server", "http://test", "--keystore", str(j)])
            assert run.exit_code == 0, run.output
            outputs.append(run.output)
    assert "posted: order blinding" in outputs[0] and "the result is on the board" in outputs[-1]
    assert state_of(election).result_posted


@pytest.mark.parametrize("attack", ["bad_shuffle", "reused_exponent"])
def test_a_trustee_stops_on_a_board_a_dishonest_server_wrote(election: Election, attack: str) -> None:
    """The server appends a post it should have refused (here straight to the board): the next honest trustee
    re-checks the board, refuses with the verifier's code and posts nothing."""
    board = election.components.board
    t1, t3, t5 = trustees(election)
    y = Scalar.random()
    if attack == "bad_shuffle":
        state = tally_until(election, lambda s: "ballots_shuffle" in s.open_steps())
        [honest] = trustee_posts(state, t1.index, t1.identity, t1.share)
        rows = rows_from_bytes(bytes.fromhex(honest.payload["outputs"]))
        altered = {**dict(honest.payload), "outputs": rows_to_bytes([rows[1], rows[0], *rows[2:]]).hex()}
        board.append("shuffle", resign(t1, election, "shuffle", altered))
        code, victim = "invalid_proof", t3
    else:
        state = tally_until(election, lambda s: "order_blinding" in s.open_steps() and s.order.trustees == (1,))
        [order] = trustee_posts(state, t3.index, t3.identity, t3.share, exponent=y)
        assert post(election, [("cr_blinding", dict(order.payload))]).status_code == 200
        state = tally_until(election, lambda s: "match_blinding" in s.open_steps())
        for p in trustee_posts(state, t3.index, t3.identity, t3.share, exponent=y):
            board.append("cr_blinding", dict(p.payload))
        code, victim = "blinding_key_reused", t5
    size = board.size
    with pytest.raises(ShailooError) as caught:  # the trustee's own check of the board, not a server answer
        cr_tally_round(victim, HttpTransport(election.http))
    assert not isinstance(caught.value, TrusteeError)
    assert caught.value.code == code and board.size == size


def test_a_waiting_trustee_polls_until_the_result(election: Election) -> None:
    """``--wait``: trustee 1 polls while the others work (here they work during its sleeps) and returns only when
    the result is on the board, having posted its part of every step it could."""
    t1, t3, t5 = trustees(election)
    sleeps: list[float] = []

    def others_work(seconds: float) -> None:
        sleeps.append(seconds)
        for t in (t3, t5):
            run_cr_tally_trustee(t, HttpTransport(election.http))

    status = run_cr_tally_trustee(t1, HttpTransport(election.http), wait=True, poll_seconds=1.0, sleep=others_work)
    assert status.done and sleeps and "order_blinding" in status.posted and "choices_decryption" in status.posted
