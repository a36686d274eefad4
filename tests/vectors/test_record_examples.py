"""The worked examples of docs/spec/ (``tests/vectors/record_examples.json``) against the code.

The first test rebuilds the whole file with its generator and compares the text, so any edit of the JSON — an
input or an output — fails. The others recompute each example from the file's own inputs with the functions the
record uses, and check what can be checked on its own: the spec's ``hash_input`` hashes to the digest, signatures
and proofs verify. The spec refers to each one as ``example `<name>```, which the last test checks.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# --- the record's functions, imported from where they live today (kept together: a move touches only this block)
from bulletin_board.checkpoint import SignedTreeHead, TreeHead, cosignature_message
from bulletin_board.entries import Entry, EntryKind, payload_hash
from bulletin_board.export import verify_export
from crypto import blind_rsa
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.canonical import canonical_json
from crypto.contest import EncryptedContest, verify_contest
from crypto.elgamal import Ciphertext
from crypto.group import Point, Scalar
from crypto.hashing import hash_fields
from crypto.proofs import decryption_challenge, verify_knowledge
from crypto.signing import tagged_message
from crypto.threshold import (
    DecryptionShare,
    TrusteeCommitment,
    check_decryption_share,
    combine_decryption_shares,
    dkg_step1_check,
)
from elections.results_model import ElectionResults
from identity.credentials import credential_message as identity_credential_message
from record.ballot import (
    EncryptedBallot,
    ballot_canonical_json,
    ballot_context,
    credential_fingerprint,
    credential_message,
    election_base_hash,
    tracking_code,
)
from record.ceremony import ceremony_context
from record.register import REGISTER_COUNTS_TAG, RegisterCounts
from record.register import signing_body as register_counts_body
from record.tally import EncryptedTally, decryptable_positions, decryption_context
from record.trustee_posts import signing_body
from tests.vectors.make_record_examples import EXAMPLES_FILE, build_examples, issuer_private_keys, render

# ---------------------------------------------------------------------------------------------------------------

DOCUMENT = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
EXAMPLES: dict[str, dict[str, Any]] = DOCUMENT["examples"]
SPEC_DIR = Path(__file__).resolve().parents[2] / "docs" / "spec"


def inputs(name: str) -> dict[str, Any]:
    return EXAMPLES[name]["inputs"]


def outputs(name: str) -> dict[str, Any]:
    return EXAMPLES[name]["outputs"]


def h(value: str) -> bytes:
    return bytes.fromhex(value)


def text(value: dict[str, str]) -> str:
    """A 'text' input, after checking that its hex is its UTF-8 encoding."""
    assert value["text"].encode("utf-8").hex() == value["utf8"]
    return value["text"]


class FixedManifestHash:
    def __init__(self, manifest_hash: bytes) -> None:
        self._hash = manifest_hash

    def manifest_hash(self) -> bytes:
        return self._hash


def test_the_file_is_exactly_what_the_generator_writes() -> None:
    assert EXAMPLES_FILE.read_text(encoding="utf-8") == render(build_examples())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_is_named_in_the_spec(name: str) -> None:
    spec = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SPEC_DIR.glob("*.md")))
    assert f"example `{name}`" in spec


@pytest.mark.parametrize(
    ("name", "digest"),
    [
        ("ceremony_context", "context"),
        ("election_base_hash", "election_base_hash"),
        ("ballot_context", "ballot_context"),
        ("decryption_context", "decryption_context"),
        ("results_hash", "results_hash"),
        ("credential_fingerprint", "digest"),
    ],
)
def test_the_spec_hash_input_hashes_to_the_digest(name: str, digest: str) -> None:
    assert hashlib.sha256(h(outputs(name)["hash_input"])).hexdigest() == outputs(name)[digest]


def test_ceremony_context() -> None:
    i = inputs("ceremony_context")
    context = ceremony_context(h(i["manifest_payload_hash"]), i["n"], i["k"], i["attempt"])
    assert context.hex() == outputs("ceremony_context")["context"]


def test_dkg_commitment_proofs_bind_the_ceremony_context() -> None:
    i, o = inputs("dkg_commitment"), outputs("dkg_commitment")
    assert i["context"] == outputs("ceremony_context")["context"]
    commitment = TrusteeCommitment.from_dict(o["commitment"])
    dkg_step1_check(h(i["context"]), commitment)
    verify_knowledge(
        h(o["coefficient_proof_context"]), commitment.coefficient_commitments[0], commitment.coefficient_proof
    )
    verify_knowledge(h(o["share_key_proof_context"]), commitment.share_public_key, commitment.share_key_proof)
    assert commitment.coefficient_commitments[0] == Point.base_mul(Scalar.from_hex(i["coefficients"][0]))


def test_trustee_post_signing_message_and_signature() -> None:
    i, o = inputs("trustee_post"), outputs("trustee_post")
    message = tagged_message("trustee/post", signing_body(h(i["manifest_hash"]), i["kind"], i["trustee"], i["payload"]))
    assert message.hex() == o["signing_message"]
    assert canonical_json(i["payload"]).decode("utf-8") == o["payload_canonical_json"]
    key = Ed25519PrivateKey.from_private_bytes(h(i["identity_key_seed"]))
    assert key.sign(message).hex() == o["signature"]  # Ed25519 is deterministic
    Ed25519PublicKey.from_public_bytes(h(o["identity_public_key"])).verify(h(o["signature"]), message)
    # A signature field in the payload is left out of what is signed.
    assert (
        tagged_message(
            "trustee/post",
            signing_body(h(i["manifest_hash"]), i["kind"], i["trustee"], {**i["payload"], "signature": "00"}),
        )
        == message
    )


def test_election_base_hash() -> None:
    i, o = inputs("election_base_hash"), outputs("election_base_hash")
    keys = {s: BlindRsaPublicKey.from_bytes(h(der)) for s, der in i["issuer_keys"].items()}
    assert {s: k.fingerprint().hex() for s, k in keys.items()} == o["fingerprints"]
    assert [text(s) for s in o["style_order"]] == sorted(keys)
    assert Point.from_hex(i["joint_public_key"]) == Point.base_mul(i["joint_secret"])
    base = election_base_hash(FixedManifestHash(h(i["manifest_hash"])), Point.from_hex(i["joint_public_key"]), keys)  # type: ignore[arg-type]
    assert base.hex() == o["election_base_hash"]


def test_credential_message_prepared_message_and_registrar_signature() -> None:
    i, o = inputs("credential"), outputs("credential")
    election, style, key = text(i["election_id"]), text(i["style_id"]), h(i["credential_public_key"])
    message = credential_message(election, style, key)
    assert message.hex() == o["credential_message"]
    assert identity_credential_message(election, style, key) == message
    prepared = blind_rsa.prepare(message, msg_prefix=h(i["msg_prefix"]))
    assert prepared.hex() == o["prepared_message"] == i["msg_prefix"] + o["credential_message"]
    issuer = BlindRsaPublicKey.from_bytes(h(i["issuer_key"]))
    blind_rsa.verify(issuer, prepared, h(o["registrar_signature"]))
    # With the salt fixed, the signature is a function of the prepared message alone: recompute it.
    secret = issuer_private_keys()[style]
    assert secret.public_key() == issuer
    blinded, inv = blind_rsa.blind(issuer, prepared, salt=h(i["pss_salt"]), inv=12345)
    assert (
        blind_rsa.finalize(issuer, prepared, blind_rsa.blind_sign(secret, blinded), inv).hex()
        == o["registrar_signature"]
    )


def test_ballot_context() -> None:
    i = inputs("ballot_context")
    assert i["election_base_hash"] == outputs("election_base_hash")["election_base_hash"]
    context = ballot_context(
        h(i["election_base_hash"]),
        text(i["election_id"]),
        text(i["style_id"]),
        text(i["contest_id"]),
        h(i["credential_public_key"]),
    )
    assert context.hex() == outputs("ballot_context")["ballot_context"]


def test_ballot_signature_hash_and_tracking_code() -> None:
    i, o = inputs("ballot"), outputs("ballot")
    ballot = EncryptedBallot.from_json(o["ballot"])
    assert ballot.to_json() == o["ballot"]
    assert ballot.signed_bytes().hex() == o["signed_message"]
    assert o["signed_message"].startswith(o["signature_prefix"])
    body = {k: v for k, v in o["ballot"].items() if k != "signature"}
    assert h(o["signed_message"]) == h(o["signature_prefix"]) + canonical_json(body)
    Ed25519PublicKey.from_public_bytes(ballot.credential.public_key).verify(ballot.signature, ballot.signed_bytes())
    assert (
        Ed25519PrivateKey.from_private_bytes(h(i["credential_key_seed"])).sign(ballot.signed_bytes())
        == ballot.signature
    )
    assert ballot_canonical_json(o["ballot"]).decode("utf-8") == o["ballot_canonical_json"]
    assert hash_fields("ballot", o["ballot_canonical_json"].encode("utf-8")).hex() == o["ballot_hash"]
    assert ballot.ballot_hash().hex() == o["ballot_hash"]
    assert tracking_code(h(o["ballot_hash"])) == o["tracking_code"] == ballot.tracking_code()
    # The ballot is real: its credential is the credential example's, its proofs verify under the ballot context.
    credential = outputs("credential")
    assert ballot.credential.msg_prefix + credential_message(
        ballot.election_id, ballot.style_id, ballot.credential.public_key
    ) == h(credential["prepared_message"])
    assert ballot.credential.registrar_signature.hex() == credential["registrar_signature"]
    [(contest_id, data)] = ballot.contests
    assert contest_id == text(inputs("ballot_context")["contest_id"])
    assert i["ballot_context"] == outputs("ballot_context")["ballot_context"]
    contest = EncryptedContest.from_bytes(data)
    verify_contest(
        h(i["ballot_context"]), Point.from_hex(i["joint_public_key"]), contest, i["min_marks"], i["max_marks"]
    )


def test_credential_fingerprint() -> None:
    i, o = inputs("credential_fingerprint"), outputs("credential_fingerprint")
    key, prefix, signature = h(i["credential_public_key"]), h(i["msg_prefix"]), h(i["registrar_signature"])
    # The credential of the ballot example: its key, its Prepare randomizer and the registrar's signature on it.
    assert key.hex() == inputs("credential")["credential_public_key"]
    assert prefix.hex() == inputs("credential")["msg_prefix"]
    assert signature.hex() == outputs("credential")["registrar_signature"]
    assert hash_fields("credential/fingerprint", key, prefix, signature).hex() == o["digest"]
    assert o["digest"][:20] == o["first_10_bytes"]
    assert base64.b32encode(h(o["first_10_bytes"])).decode() == o["credential_fingerprint"].replace("-", "")
    assert credential_fingerprint(key, prefix, signature) == o["credential_fingerprint"]
    assert (
        EncryptedBallot.from_json(outputs("ballot")["ballot"]).credential_fingerprint() == o["credential_fingerprint"]
    )


def test_register_counts_signature() -> None:
    i, o = inputs("register_counts"), outputs("register_counts")
    key = Ed25519PrivateKey.from_private_bytes(h(i["registrar_key_seed"]))
    body = register_counts_body(h(i["manifest_hash"]), i["payload_without_signature"])
    assert body == len(h(i["manifest_hash"])).to_bytes(8, "big") + h(i["manifest_hash"]) + len(
        canonical_json(i["payload_without_signature"])
    ).to_bytes(8, "big") + canonical_json(i["payload_without_signature"])
    assert tagged_message(REGISTER_COUNTS_TAG, body).hex() == o["signed_message"]
    counts = RegisterCounts.from_payload(o["payload"])
    assert counts.unsigned_payload() == i["payload_without_signature"]
    Ed25519PublicKey.from_public_bytes(counts.registrar_key).verify(counts.signature, h(o["signed_message"]))
    assert key.sign(h(o["signed_message"])) == counts.signature


def test_decryption_context() -> None:
    i, o = inputs("decryption_context"), outputs("decryption_context")
    tally_hash = payload_hash(EntryKind.ENCRYPTED_TALLY, i["encrypted_tally"])
    assert tally_hash.hex() == o["tally_payload_hash"]
    assert hash_fields("board/payload", b"encrypted_tally", canonical_json(i["encrypted_tally"])) == tally_hash
    assert decryption_context(h(i["election_base_hash"]), tally_hash).hex() == o["decryption_context"]


def test_decryption_shares_verify_and_decrypt_the_example_ballot() -> None:
    i, o = inputs("decryption_shares"), outputs("decryption_shares")
    assert i["decryption_context"] == outputs("decryption_context")["decryption_context"]
    context, public_share = h(i["decryption_context"]), Point.from_hex(i["public_share"])
    every = EncryptedTally.from_json(inputs("decryption_context")["encrypted_tally"]).ciphertexts()
    assert [c.to_bytes().hex() for c in every] == o["ciphertext_order"]
    assert decryptable_positions(every) == o["decryptable_positions"]
    counts = []
    for item in o["shares"]:
        ct = Ciphertext.from_bytes(h(item["ciphertext"]))
        assert every[item["position"]] == ct
        share = DecryptionShare.from_bytes(h(item["share"]))
        check_decryption_share(context, public_share, ct, share)
        challenge = decryption_challenge(
            context, public_share, ct, share.share_point, share.proof.commitment1, share.proof.commitment2
        )
        assert challenge.hex() == item["challenge"]
        combined = combine_decryption_shares(ct, [share], i["k"])
        assert combined.hex() == item["combined"]
        counts.append(next(m for m in range(2) if (Point.base_mul(m) if m else Point.identity()) == combined))
    assert counts == inputs("ballot")["selections"]


def test_results_hash() -> None:
    i, o = inputs("results_hash"), outputs("results_hash")
    results = ElectionResults.model_validate(i["results"])
    assert results.to_canonical_dict() == i["results"]  # the example is exactly the model's JSON
    assert canonical_json(i["results"]).decode("utf-8") == o["results_canonical_json"]
    assert results.results_hash().hex() == o["results_hash"]


def test_board_export_lines_verify_and_match_their_parts() -> None:
    i, o = inputs("board_export"), outputs("board_export")
    log_key = Ed25519PrivateKey.from_private_bytes(h(i["log_key_seed"])).public_key()
    witness_key = Ed25519PrivateKey.from_private_bytes(h(i["witness_key_seed"])).public_key()
    summary = verify_export(
        [line.encode("utf-8") for line in o["export_lines"]], log_key=log_key, witness_keys={i["witness"]: witness_key}
    )
    assert (summary.size, summary.tree_heads, summary.cosignatures) == (1, 1, 1)
    entry = Entry.create(i["entry"]["index"], i["entry"]["kind"], i["entry"]["payload"])
    assert entry.leaf_bytes.decode("utf-8") == o["leaf_bytes"]
    assert entry.entry_hash.hex() == o["entry_hash"] == hashlib.sha256(b"\x00" + entry.leaf_bytes).hexdigest()
    assert entry.payload_hash.hex() == o["payload_hash"]
    log_key.verify(h(o["promise_signature"]), o["promise_body"].encode("utf-8"))
    head = SignedTreeHead.from_text(o["checkpoint"])
    assert head.key_id.hex() == o["log_key_id"]
    assert cosignature_message(head.head, i["cosignature_time"]).decode("utf-8") == o["cosignature_message"]
    witness_key.verify(h(o["cosignature_signature"]), o["cosignature_message"].encode("utf-8"))
    assert TreeHead.from_body(o["checkpoint"].split("\n\n")[0] + "\n") == head.head
    lines = [json.loads(line) for line in o["export_lines"]]
    assert [line["type"] for line in lines] == ["header", "entry", "tree_head", "cosignature", "end"]
    assert lines[1]["promise_signature"] == o["promise_signature"]
    assert lines[2]["checkpoint"] == o["checkpoint"]
    assert (lines[3]["key_id"], lines[3]["signature"], lines[3]["timestamp"]) == (
        o["witness_key_id"],
        o["cosignature_signature"],
        i["cosignature_time"],
    )
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in o["export_lines"])
    assert all(
        canonical_json(obj) + b"\n" == line.encode("utf-8") for obj, line in zip(lines, o["export_lines"], strict=True)
    )
