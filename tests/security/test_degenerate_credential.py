"""A credential key of small order (issue "Accountability that holds", finding 5).

The registrar signs blindly, so it certifies whatever key the device blinds — the neutral point too. Under that key
the "signature" (R = neutral, S = 0) verifies for every message, so anyone holding the credential's public part,
and no private key at all, could cast or supersede under it. The server refuses such a ballot
(`crypto.signing.decode_public_key` in `record.ballot.check_ballot`) and writes nothing; the ballot differs from a
valid one only in its key: its credential is genuinely certified and its proofs are bound to that key.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto import blind_rsa
from elections.ballot import encode_ballot
from identity.credentials import credential_message
from record.ballot import create_ballot
from record.issuer import VARIANT
from tests.security.conftest import cast_attempt
from tests.server.harness import Election

NEUTRAL = bytes([1]) + bytes(31)  # the neutral point's encoding: y = 1, x = 0


class NeutralKey:
    """What a device that "holds" the neutral point signs with: the forgery (R = neutral, S = 0) for everything."""

    def public_key(self) -> NeutralKey:
        return self

    def public_bytes(self, encoding: Encoding, format: PublicFormat) -> bytes:
        return NEUTRAL

    def sign(self, message: bytes) -> bytes:
        return NEUTRAL + bytes(32)


def test_a_ballot_under_the_neutral_credential_key_is_refused_and_nothing_is_written(election: Election) -> None:
    client = election.voter_client()
    number, _ = election.register_voter()
    session = client.start_identification(number)
    style = election.attest(client, number, session.session_id).style_id
    view = client.election()
    issuer = view.issuer_keys[style]
    prepared = blind_rsa.prepare(credential_message(view.manifest.election_id, style, NEUTRAL), VARIANT)
    blinded, inv = blind_rsa.blind(issuer, prepared, VARIANT)
    body = {"session_id": session.session_id, "blinded_message": blinded.hex()}
    issued = election.http.post("/v1/credentials", json=body)
    assert issued.status_code == 200, issued.text  # the registrar cannot see the key it certifies
    signature = blind_rsa.finalize(issuer, prepared, bytes.fromhex(issued.json()["blind_signature"]), inv, VARIANT)

    marks = {
        c: [view.manifest.contest(c).selections[0].selection_id] for c in view.manifest.ballot_style(style).contest_ids
    }
    ballot, _ = create_ballot(
        view.manifest,
        style,
        encode_ballot(view.manifest, style, marks),
        joint_public_key=view.joint_public_key,
        base_hash=view.base_hash,
        credential_key=NeutralKey(),  # type: ignore[arg-type]
        msg_prefix=prepared[: blind_rsa.MSG_PREFIX_BYTES],
        registrar_signature=signature,
    )
    refusal = cast_attempt(election, ballot.to_json())
    assert (refusal.status, refusal.code) == (403, "credential_invalid"), refusal.body
    assert "small order" in refusal.body["message"]
