"""The trustees' API refuses posts not signed by the identity key the manifest's roster gives their trustee."""

from __future__ import annotations

from pathlib import Path

from record.ceremony import Post
from tests.server.harness import CEREMONY, OPERATOR, Election
from trustees.ceremony_steps import run_trustee, trustee_step
from trustees.coordinator import BoardTransport
from trustees.identity import board_manifest, new_identity_key, sign_post
from trustees.in_process import run_key_ceremony
from trustees.keystore_contents import TrusteeSecrets


def test_outsider_cannot_take_a_trustee_slot(tmp_path: Path) -> None:
    """Someone who is not trustee 2 posts a valid-looking commitment in its slot before it does: refused, nothing
    written; the real trustee 2 then takes its slot and the ceremony completes."""
    election = Election(tmp_path)
    try:
        election.load_manifest()
        board = election.components.board
        entries = board.entries(0, board.size)
        copy = TrusteeSecrets.from_dict(election.trustee_stores[1].secrets)  # a copy: the real keystore is untouched
        [genuine], _ = trustee_step(copy, entries)
        unsigned = Post(genuine.kind, {k: v for k, v in genuine.payload.items() if k != "signature"}, genuine.dedup_key)
        squatter = sign_post(new_identity_key(), board_manifest(entries), unsigned)
        for attempt in (unsigned, squatter):
            response = election.http.post("/v1/trustees/posts", json=attempt.to_dict())
            assert response.status_code == 403, response.text
            assert response.json()["code"] == "trustee_unauthenticated"
            assert board.size == 1
        election.key_ceremony()
        assert board.find_by_dedup_key(genuine.dedup_key) is not None
    finally:
        election.close()


def test_decryption_share_signed_by_another_trustee_is_refused(tmp_path: Path) -> None:
    election = Election(tmp_path).setup_to_voting()
    try:
        client, credential = election.credential()
        client.cast(client.prepare_ballot(credential, election.marks_for(credential)))
        election.close_and_tally()
        size = election.components.board.size
        forged = election.post_shares(1, signed_by=2)
        assert forged.json()["code"] == "trustee_unauthenticated"
        assert election.components.board.size == size
        assert election.post_shares(1).json()["appended"] is True
    finally:
        election.close()


def test_the_operator_closes_a_step_a_trustee_missed_and_its_late_post_is_refused(tmp_path: Path) -> None:
    """Trustee 3 never commits: the operator's close names it, the others finish without it, and its commitment
    arriving afterwards is refused with ``too_late``."""
    election = Election(tmp_path)
    try:
        election.load_manifest()
        board = election.components.board
        present = [s for i, s in enumerate(election.trustee_stores, start=1) if i != 3]
        transport = BoardTransport(board, CEREMONY)
        for store in present:
            run_trustee(store, transport)
        early = election.http.post("/v1/admin/ceremony/close-step", json={"step": "shares"}, headers=OPERATOR)
        assert early.status_code == 409 and early.json()["code"] == "too_early"
        closed = election.admin("POST", "/v1/admin/ceremony/close-step", json={"step": "commitments"})
        assert board.entry(closed["index"]).payload["missing"] == [3]
        again = election.admin("POST", "/v1/admin/ceremony/close-step", json={"step": "commitments"})
        assert again["index"] == closed["index"]
        joint, _ = run_key_ceremony(board, CEREMONY, present)
        assert joint.qualified == (1, 2, 4, 5) and dict(joint.disqualified) == {3: "no_commitment"}
        late = TrusteeSecrets.from_dict(election.trustee_stores[2].secrets)
        [commitment], _ = trustee_step(late, board.entries(0, 1))
        response = election.http.post("/v1/trustees/posts", json=commitment.to_dict())
        assert response.status_code == 409 and response.json()["code"] == "too_late"
    finally:
        election.close()
