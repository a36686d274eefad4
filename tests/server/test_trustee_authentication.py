"""The trustees' API refuses posts not signed by the identity key the manifest's roster gives their trustee."""

from __future__ import annotations

from pathlib import Path

from record.ceremony import Post
from tests.server.harness import Election
from trustees.ceremony_steps import trustee_step
from trustees.identity import board_manifest, new_identity_key, sign_post
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
