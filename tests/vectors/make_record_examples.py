"""Worked examples of the election record, computed by the code that writes and checks the record.

`build_examples()` returns the document kept in ``tests/vectors/record_examples.json``: for every hashed or signed
structure of docs/spec/record.md (and the board's signed lines of docs/spec/board.md), fixed inputs and the exact
bytes Shailoo produces from them, under the names the spec uses to refer to them. Where a value is a hash, the
example also gives ``hash_input``: the exact bytes SHA-256 reads, assembled from the field list the spec states,
so a second implementation can compare byte by byte before comparing digests.

The inputs are fixed: a manifest hash and a manifest payload hash that are plain byte counts (00 01 02 …), the
joint key K = 7·G, Ed25519 keys from constant seeds, issuer keys from the test-only keys of
``tests/vectors/observer/issuer_keys.json``, and ids with non-ASCII letters (Kyrgyz Cyrillic, ``ä``) so that the
text encoding (UTF-8) and the order of ids (code points) are pinned. Real manifests only allow ASCII ids
(docs/elections.md); the functions below accept any string and encode it the same way.

``tests/vectors/test_record_examples.py`` rebuilds the document and compares it with the file, then recomputes
every example from the file's own inputs. Regenerate only on a deliberate format change:

    uv run --frozen python -m tests.vectors.make_record_examples
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# --- the record's functions, imported from where they live today (kept together: a move touches only this block)
from bulletin_board.checkpoint import cosign, cosignature_message
from bulletin_board.entries import EntryKind, payload_hash
from bulletin_board.export import iter_export
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from crypto import blind_rsa
from crypto.blind_rsa import BlindRsaPrivateKey, BlindRsaPublicKey
from crypto.canonical import canonical_json
from crypto.contest import EncryptedContest, prove_contest_limit
from crypto.elgamal import encrypt
from crypto.group import Point, Scalar
from crypto.hashing import Transcript, domain_tag, length_prefixed
from crypto.proofs import KIND_DECRYPTION, decryption_challenge, prove_zero_or_one
from crypto.share_encryption import u32
from crypto.signing import tagged_message
from crypto.threshold import (
    COEFFICIENT_POK_TAG,
    SHARE_KEY_POK_TAG,
    combine_decryption_shares,
    compute_decryption_share,
    dkg_step1,
)
from elections.results_model import ElectionResults
from record.ballot import (
    BallotCredential,
    EncryptedBallot,
    ballot_context,
    credential_fingerprint,
    credential_message,
    election_base_hash,
    tracking_code,
)
from record.ceremony import ceremony_context
from record.register import REGISTER_COUNTS_TAG
from record.register import signing_body as register_counts_body
from record.tally import EncryptedTally, decryptable_positions, decryption_context
from record.trustee_posts import signing_body

# ---------------------------------------------------------------------------------------------------------------

HERE: Final = Path(__file__).resolve().parent
EXAMPLES_FILE: Final = HERE / "record_examples.json"
ISSUER_KEYS_FILE: Final = HERE / "observer" / "issuer_keys.json"
FORMAT: Final = "shailoo-record-examples/1"

# Fixed inputs (see the module docstring).
MANIFEST_HASH: Final = bytes(range(0x00, 0x20))
MANIFEST_PAYLOAD_HASH: Final = bytes(range(0x20, 0x40))
JOINT_SECRET: Final = 7
ELECTION_ID: Final = "шайлоо-2026"
STYLE_IDS: Final = ("style-z", "style-ä")  # issuer key i of issuer_keys.json for STYLE_IDS[i]
BALLOT_STYLE: Final = "style-ä"
CONTEST_ID: Final = "суроо-1"
SELECTIONS: Final = (0, 1)
ENCRYPTION_NONCES: Final = (0x101, 0x102)
ZERO_OR_ONE_PROOF_NONCES: Final = ((0x201, 0x202, 0x203), (0x211, 0x212, 0x213))
LIMIT_PROOF_NONCES: Final = (0x301,)
CREDENTIAL_SEED: Final = bytes([0x01]) * 32
MSG_PREFIX: Final = bytes(range(0xA0, 0xC0))
PSS_SALT: Final = bytes(range(0x40, 0x70))
BLINDING_INV: Final = 3
CEREMONY: Final = {"n": 3, "k": 2, "attempt": 1}
DKG_TRUSTEE: Final = 1
DKG_COEFFICIENTS: Final = (0x1001, 0x1002)
DKG_SHARE_KEY_SECRET: Final = 0x1003
DKG_PROOF_NONCES: Final = (0x1004, 0x1005)
TRUSTEE_IDENTITY_SEED: Final = bytes([0x02]) * 32
DECRYPTING_TRUSTEE: Final = 1
DECRYPTION_PROOF_NONCES: Final = (0x401, 0x402)
REGISTERED_BY_REGION: Final = {"bishkek": 10}
LOG_SEED: Final = bytes([0x03]) * 32
REGISTRAR_SEED: Final = bytes([0x05]) * 32
REGISTER_COUNTS: Final = {"style-z": 3, "style-ä": 5}
WITNESS_SEED: Final = bytes([0x04]) * 32
ORIGIN: Final = "cec.shailoo.kg/board/example"
WITNESS: Final = "witness-1.shailoo.kg"
ENTRY_TIME: Final = 1_795_527_365_185
HEAD_TIME: Final = 1_795_527_365_412
COSIGNATURE_TIME: Final = 1_795_527_366_000
MANIFEST_STUB_PAYLOAD: Final = {"election": ELECTION_ID}


class _FixedManifestHash:
    """Stands in for a `Manifest` where only ``manifest_hash()`` is read (the election base hash)."""

    def manifest_hash(self) -> bytes:
        return MANIFEST_HASH


def hash_input(tag: str, *fields: bytes) -> bytes:
    """The bytes ``hash_fields(tag, *fields)`` feeds SHA-256: ``lp("SHAILOO-V1/" || tag) || lp(f1) || …``."""
    return length_prefixed(domain_tag(tag)) + b"".join(length_prefixed(f) for f in fields)


def ed25519_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def issuer_private_keys() -> dict[str, BlindRsaPrivateKey]:
    """The test-only 3072-bit issuer keys, by ballot style of the examples."""
    data = json.loads(ISSUER_KEYS_FILE.read_text(encoding="utf-8"))
    return {
        style: BlindRsaPrivateKey.from_bytes(bytes.fromhex(der))
        for style, der in zip(STYLE_IDS, data["private_keys"], strict=False)
    }


def joint_public_key() -> Point:
    return Point.base_mul(JOINT_SECRET)


def text(value: str) -> dict[str, str]:
    """A string with the hex of its UTF-8 bytes, so the encoding is part of the example."""
    return {"text": value, "utf8": value.encode("utf-8").hex()}


# --- the examples ------------------------------------------------------------------------------------------------


def example_ceremony_context() -> dict[str, Any]:
    n, k, attempt = CEREMONY["n"], CEREMONY["k"], CEREMONY["attempt"]
    context = ceremony_context(MANIFEST_PAYLOAD_HASH, n, k, attempt)
    preimage = hash_input("trustee/ceremony", MANIFEST_PAYLOAD_HASH, u32(n), u32(k), u32(attempt))
    assert hashlib.sha256(preimage).digest() == context
    return {
        "spec": "record.md §2.2",
        "inputs": {"manifest_payload_hash": MANIFEST_PAYLOAD_HASH.hex(), "n": n, "k": k, "attempt": attempt},
        "outputs": {"hash_input": preimage.hex(), "context": context.hex()},
    }


def example_dkg_commitment(context: bytes) -> dict[str, Any]:
    n, k, j = CEREMONY["n"], CEREMONY["k"], DKG_TRUSTEE
    _, commitment = dkg_step1(
        context,
        j,
        n,
        k,
        coefficients=[Scalar(a) for a in DKG_COEFFICIENTS],
        share_key_secret=Scalar(DKG_SHARE_KEY_SECRET),
        proof_nonces=(Scalar(DKG_PROOF_NONCES[0]), Scalar(DKG_PROOF_NONCES[1])),
    )
    contexts = {}
    for name, tag in (
        ("coefficient_proof_context", COEFFICIENT_POK_TAG),
        ("share_key_proof_context", SHARE_KEY_POK_TAG),
    ):
        contexts[name] = hashlib.sha256(hash_input(tag, context, u32(j), u32(n), u32(k))).hexdigest()
    return {
        "spec": "threshold.md, step 1; record.md §2.2",
        "inputs": {
            "context": context.hex(),
            "index": j,
            "n": n,
            "k": k,
            "coefficients": [Scalar(a).hex() for a in DKG_COEFFICIENTS],
            "share_key_secret": Scalar(DKG_SHARE_KEY_SECRET).hex(),
            "proof_nonces": [Scalar(u).hex() for u in DKG_PROOF_NONCES],
        },
        "outputs": {**contexts, "commitment": commitment.to_dict()},
    }


def example_trustee_post(context: bytes, commitment: dict[str, Any]) -> dict[str, Any]:
    key = ed25519_key(TRUSTEE_IDENTITY_SEED)
    kind, trustee = EntryKind.TRUSTEE_COMMITMENT.value, DKG_TRUSTEE
    payload = {"attempt": CEREMONY["attempt"], "commitment": commitment, "context": context.hex()}
    message = tagged_message("trustee/post", signing_body(MANIFEST_HASH, kind, trustee, payload))
    fields = (MANIFEST_HASH, kind.encode(), u32(trustee), canonical_json(payload))
    assert message == length_prefixed(domain_tag("trustee/post")) + b"".join(length_prefixed(f) for f in fields)
    signature = key.sign(message)
    return {
        "spec": "record.md §2.1, Trustee signatures",
        "inputs": {
            "manifest_hash": MANIFEST_HASH.hex(),
            "kind": kind,
            "trustee": trustee,
            "payload": payload,
            "identity_key_seed": TRUSTEE_IDENTITY_SEED.hex(),
        },
        "outputs": {
            "identity_public_key": raw_public(key).hex(),
            "payload_canonical_json": canonical_json(payload).decode("utf-8"),
            "signing_message": message.hex(),
            "signature": signature.hex(),
        },
    }


def example_election_base_hash(issuer_keys: dict[str, BlindRsaPublicKey]) -> dict[str, Any]:
    k = joint_public_key()
    base = election_base_hash(_FixedManifestHash(), k, issuer_keys)  # type: ignore[arg-type]
    order = sorted(issuer_keys)
    fingerprints = {s: issuer_keys[s].fingerprint() for s in STYLE_IDS}
    preimage = hash_input("election/base", MANIFEST_HASH, k.to_bytes(), *(fingerprints[s] for s in order))
    assert hashlib.sha256(preimage).digest() == base
    return {
        "spec": "record.md §2.5",
        "inputs": {
            "manifest_hash": MANIFEST_HASH.hex(),
            "joint_public_key": k.hex(),
            "joint_secret": JOINT_SECRET,
            "issuer_keys": {s: issuer_keys[s].to_bytes().hex() for s in STYLE_IDS},
        },
        "outputs": {
            "fingerprints": {s: fingerprints[s].hex() for s in STYLE_IDS},
            "style_order": [text(s) for s in order],
            "hash_input": preimage.hex(),
            "election_base_hash": base.hex(),
        },
    }


def example_credential(issuer_key: BlindRsaPrivateKey) -> dict[str, Any]:
    public = raw_public(ed25519_key(CREDENTIAL_SEED))
    message = credential_message(ELECTION_ID, BALLOT_STYLE, public)
    prepared = blind_rsa.prepare(message, msg_prefix=MSG_PREFIX)
    pk = issuer_key.public_key()
    blinded, inv = blind_rsa.blind(pk, prepared, salt=PSS_SALT, inv=BLINDING_INV)
    signature = blind_rsa.finalize(pk, prepared, blind_rsa.blind_sign(issuer_key, blinded), inv)
    return {
        "spec": "record.md §2.6; blind_rsa.md",
        "inputs": {
            "election_id": text(ELECTION_ID),
            "style_id": text(BALLOT_STYLE),
            "credential_key_seed": CREDENTIAL_SEED.hex(),
            "credential_public_key": public.hex(),
            "msg_prefix": MSG_PREFIX.hex(),
            "pss_salt": PSS_SALT.hex(),
            "issuer_key": pk.to_bytes().hex(),
        },
        "outputs": {
            "credential_message": message.hex(),
            "prepared_message": prepared.hex(),
            "registrar_signature": signature.hex(),
        },
    }


def example_ballot_context(base_hash: bytes, credential_key: bytes) -> dict[str, Any]:
    context = ballot_context(base_hash, ELECTION_ID, BALLOT_STYLE, CONTEST_ID, credential_key)
    preimage = hash_input(
        "ballot/context",
        base_hash,
        ELECTION_ID.encode(),
        BALLOT_STYLE.encode(),
        CONTEST_ID.encode(),
        credential_key,
    )
    assert hashlib.sha256(preimage).digest() == context
    return {
        "spec": "record.md §2.6",
        "inputs": {
            "election_base_hash": base_hash.hex(),
            "election_id": text(ELECTION_ID),
            "style_id": text(BALLOT_STYLE),
            "contest_id": text(CONTEST_ID),
            "credential_public_key": credential_key.hex(),
        },
        "outputs": {"hash_input": preimage.hex(), "ballot_context": context.hex()},
    }


def encrypted_contest(context: bytes) -> EncryptedContest:
    """The example's one contest (two selections, exactly one mark) with every nonce fixed."""
    k = joint_public_key()
    nonces = [Scalar(r) for r in ENCRYPTION_NONCES]
    cts = [encrypt(k, m, r) for m, r in zip(SELECTIONS, nonces, strict=True)]
    proofs = tuple(
        prove_zero_or_one(context, k, ct, m, r, [Scalar(u) for u in us])
        for ct, m, r, us in zip(cts, SELECTIONS, nonces, ZERO_OR_ONE_PROOF_NONCES, strict=True)
    )
    total = sum(nonces, Scalar(0))
    limit = prove_contest_limit(context, k, cts, sum(SELECTIONS), total, 1, 1, [Scalar(u) for u in LIMIT_PROOF_NONCES])
    return EncryptedContest(1, 1, tuple(cts), proofs, limit)


def example_ballot(context: bytes, credential: dict[str, Any]) -> dict[str, Any]:
    key = ed25519_key(CREDENTIAL_SEED)
    unsigned = EncryptedBallot(
        election_id=ELECTION_ID,
        style_id=BALLOT_STYLE,
        precinct_id=None,
        contests=((CONTEST_ID, encrypted_contest(context).to_bytes()),),
        credential=BallotCredential(
            raw_public(key), MSG_PREFIX, bytes.fromhex(credential["outputs"]["registrar_signature"])
        ),
        signature=bytes(64),
    )
    signed = unsigned.signed_bytes()
    ballot = replace(unsigned, signature=key.sign(signed))
    return {
        "spec": "record.md §2.6",
        "inputs": {
            "joint_public_key": joint_public_key().hex(),
            "ballot_context": context.hex(),
            "selections": list(SELECTIONS),
            "min_marks": 1,
            "max_marks": 1,
            "encryption_nonces": [Scalar(r).hex() for r in ENCRYPTION_NONCES],
            "zero_or_one_proof_nonces": [[Scalar(u).hex() for u in us] for us in ZERO_OR_ONE_PROOF_NONCES],
            "contest_limit_proof_nonces": [Scalar(u).hex() for u in LIMIT_PROOF_NONCES],
            "credential_key_seed": CREDENTIAL_SEED.hex(),
        },
        "outputs": {
            "ballot": ballot.to_json(),
            "signature_prefix": length_prefixed(domain_tag("ballot/signature")).hex(),
            "signed_message": signed.hex(),
            "ballot_canonical_json": canonical_json(ballot.to_json()).decode("utf-8"),
            "ballot_hash": ballot.ballot_hash().hex(),
            "tracking_code": tracking_code(ballot.ballot_hash()),
        },
    }


def example_credential_fingerprint(credential_key: bytes, registrar_signature: bytes) -> dict[str, Any]:
    preimage = hash_input("credential/fingerprint", credential_key, MSG_PREFIX, registrar_signature)
    digest = hashlib.sha256(preimage).digest()
    return {
        "spec": "record.md §2.6",
        "inputs": {
            "credential_public_key": credential_key.hex(),
            "msg_prefix": MSG_PREFIX.hex(),
            "registrar_signature": registrar_signature.hex(),
        },
        "outputs": {
            "hash_input": preimage.hex(),
            "digest": digest.hex(),
            "first_10_bytes": digest[:10].hex(),
            "credential_fingerprint": credential_fingerprint(credential_key, MSG_PREFIX, registrar_signature),
        },
    }


def example_register_counts() -> dict[str, Any]:
    key = ed25519_key(REGISTRAR_SEED)
    unsigned = {
        "election_id": ELECTION_ID,
        "counts": {style: REGISTER_COUNTS[style] for style in sorted(REGISTER_COUNTS)},
        "registrar_key": raw_public(key).hex(),
    }
    body = register_counts_body(MANIFEST_HASH, unsigned)
    return {
        "spec": "record.md §2.3a",
        "inputs": {
            "manifest_hash": MANIFEST_HASH.hex(),
            "registrar_key_seed": REGISTRAR_SEED.hex(),
            "payload_without_signature": unsigned,
        },
        "outputs": {
            "signed_message": tagged_message(REGISTER_COUNTS_TAG, body).hex(),
            "payload": {**unsigned, "signature": key.sign(tagged_message(REGISTER_COUNTS_TAG, body)).hex()},
        },
    }


def tally_payload(ballot: dict[str, Any]) -> dict[str, Any]:
    """An ``encrypted_tally`` payload holding the example ballot (style ``style-ä``) and no ballot of ``style-z``."""
    contest = EncryptedContest.from_bytes(bytes.fromhex(ballot["contests"][0]["encrypted"]))
    ciphertexts = [ct.to_bytes().hex() for ct in contest.ciphertexts]
    empty = bytes(66).hex()
    contests_of = {"style-z": [empty, empty], BALLOT_STYLE: ciphertexts}
    return {
        "election_id": ELECTION_ID,
        "ballots_counted": 1,
        "styles": [
            {
                "style_id": style,
                "ballots": 0 if style == "style-z" else 1,
                "contests": [{"contest_id": CONTEST_ID, "ciphertexts": contests_of[style]}],
            }
            for style in sorted(STYLE_IDS)
        ],
        "precincts": [],
        "superseded": [],
        "refused_second": [],
        "registered_by_region": REGISTERED_BY_REGION,
    }


def example_decryption_context(base_hash: bytes, tally: dict[str, Any]) -> dict[str, Any]:
    tally_hash = payload_hash(EntryKind.ENCRYPTED_TALLY, tally)
    board_preimage = hash_input("board/payload", b"encrypted_tally", canonical_json(tally))
    assert hashlib.sha256(board_preimage).digest() == tally_hash
    context = decryption_context(base_hash, tally_hash)
    preimage = hash_input("tally/decryption", base_hash, tally_hash)
    assert hashlib.sha256(preimage).digest() == context
    return {
        "spec": "record.md §2.11, §2.12",
        "inputs": {"election_base_hash": base_hash.hex(), "encrypted_tally": tally},
        "outputs": {
            "tally_payload_hash": tally_hash.hex(),
            "hash_input": preimage.hex(),
            "decryption_context": context.hex(),
        },
    }


def example_decryption_shares(context: bytes, tally: dict[str, Any]) -> dict[str, Any]:
    secret = Scalar(JOINT_SECRET)  # one trustee, k = 1: its share of the key is the whole key
    public_share = Point.base_mul(secret)
    every = EncryptedTally.from_json(tally).ciphertexts()
    positions = decryptable_positions(every)
    shares = []
    for position, nonce in zip(positions, DECRYPTION_PROOF_NONCES, strict=True):
        ct = every[position]
        share = compute_decryption_share(context, DECRYPTING_TRUSTEE, secret, ct, Scalar(nonce))
        proof = share.proof
        transcript = (
            Transcript(KIND_DECRYPTION, context)
            .append_point("G", Point.generator())
            .append_point("K_i", public_share)
            .append_point("alpha", ct.alpha)
            .append_point("beta", ct.beta)
            .append_point("M", share.share_point)
            .append_point("a1", proof.commitment1)
            .append_point("a2", proof.commitment2)
        )
        challenge = decryption_challenge(
            context, public_share, ct, share.share_point, proof.commitment1, proof.commitment2
        )
        assert transcript.challenge() == challenge
        combined = combine_decryption_shares(ct, [share], 1)
        shares.append(
            {
                "position": position,
                "ciphertext": ct.to_bytes().hex(),
                "proof_nonce": Scalar(nonce).hex(),
                "transcript_digest": transcript.digest().hex(),
                "challenge": challenge.hex(),
                "share": share.to_bytes().hex(),
                "combined": combined.hex(),
            }
        )
    return {
        "spec": "record.md §2.12; crypto.md §7.3",
        "inputs": {
            "decryption_context": context.hex(),
            "trustee": DECRYPTING_TRUSTEE,
            "k": 1,
            "secret_share": secret.hex(),
            "public_share": public_share.hex(),
        },
        "outputs": {
            "ciphertext_order": [c.to_bytes().hex() for c in every],
            "decryptable_positions": positions,
            "shares": shares,
        },
    }


def fixed_results() -> ElectionResults:
    """A small, fixed `ElectionResults` (one presidential contest) in its model, so its JSON is the model's."""
    return ElectionResults.model_validate(
        {
            "election_id": "kg-president-2026",
            "manifest_hash": MANIFEST_HASH.hex(),
            "contests": [
                {
                    "contest_id": "president",
                    "kind": "presidential",
                    "district_id": "kg",
                    "seats": 1,
                    "outcome": "elected",
                    "registered": 10,
                    "took_part": 7,
                    "invalid": 0,
                    "cancelled": 0,
                    "base": 7,
                    "against_all": 1,
                    "selections": [
                        {"selection_id": "c-1", "votes": 5},
                        {"selection_id": "c-2", "votes": 1},
                        {"selection_id": "against-all", "votes": 1},
                    ],
                    "candidates": [
                        {
                            "candidate_id": "c-1",
                            "votes": 5,
                            "share": {"num": 5, "den": 7},
                            "rank": 1,
                            "status": "registered",
                            "elected": True,
                            "seat_reason": "majority",
                        },
                        {
                            "candidate_id": "c-2",
                            "votes": 1,
                            "share": {"num": 1, "den": 7},
                            "rank": 2,
                            "status": "registered",
                            "elected": False,
                        },
                    ],
                    "elected": ["c-1"],
                }
            ],
        }
    )


def example_results_hash() -> dict[str, Any]:
    results = fixed_results()
    value = results.to_canonical_dict()
    return {
        "spec": "record.md §2.13; results.md",
        "inputs": {"results": value},
        "outputs": {
            "results_canonical_json": canonical_json(value).decode("utf-8"),
            "hash_input": hash_input("result", canonical_json(value)).hex(),
            "results_hash": results.results_hash().hex(),
        },
    }


def example_board_export() -> dict[str, Any]:
    log_key, witness_key = ed25519_key(LOG_SEED), ed25519_key(WITNESS_SEED)
    times = iter([ENTRY_TIME, HEAD_TIME])
    storage = open_storage("sqlite://")
    try:
        board = BulletinBoard(storage, log_key, origin=ORIGIN, clock=lambda: next(times))
        promise = board.append(EntryKind.MANIFEST, MANIFEST_STUB_PAYLOAD)
        head = board.integrate()
        cosignature = cosign(head.head, WITNESS, witness_key, COSIGNATURE_TIME)
        board.add_cosignature(head.size, cosignature, witness_key.public_key())
        entry = board.entry(0)
        lines = [line.decode("utf-8") for line in iter_export(board)]
    finally:
        storage.close()
    return {
        "spec": "board.md §1, §4, §6",
        "inputs": {
            "origin": ORIGIN,
            "log_key_seed": LOG_SEED.hex(),
            "witness": WITNESS,
            "witness_key_seed": WITNESS_SEED.hex(),
            "entry": {"index": 0, "kind": EntryKind.MANIFEST.value, "payload": MANIFEST_STUB_PAYLOAD},
            "entry_time": ENTRY_TIME,
            "tree_head_time": HEAD_TIME,
            "cosignature_time": COSIGNATURE_TIME,
        },
        "outputs": {
            "log_key": raw_public(log_key).hex(),
            "witness_key": raw_public(witness_key).hex(),
            "leaf_bytes": entry.leaf_bytes.decode("utf-8"),
            "entry_hash": entry.entry_hash.hex(),
            "payload_hash": entry.payload_hash.hex(),
            "promise_body": promise.body().decode("utf-8"),
            "promise_signature": promise.signature.hex(),
            "log_key_id": promise.key_id.hex(),
            "checkpoint": head.to_text(),
            "cosignature_message": cosignature_message(head.head, COSIGNATURE_TIME).decode("utf-8"),
            "witness_key_id": cosignature.key_id.hex(),
            "cosignature_signature": cosignature.signature.hex(),
            "export_lines": lines,
        },
    }


def build_examples() -> dict[str, Any]:
    """Every example, in the order the record presents its structures."""
    issuer_secret = issuer_private_keys()
    issuer_keys = {s: k.public_key() for s, k in issuer_secret.items()}
    ceremony = example_ceremony_context()
    context = bytes.fromhex(ceremony["outputs"]["context"])
    dkg = example_dkg_commitment(context)
    base = example_election_base_hash(issuer_keys)
    base_hash = bytes.fromhex(base["outputs"]["election_base_hash"])
    credential = example_credential(issuer_secret[BALLOT_STYLE])
    credential_key = bytes.fromhex(credential["inputs"]["credential_public_key"])
    contest_context = example_ballot_context(base_hash, credential_key)
    ballot = example_ballot(bytes.fromhex(contest_context["outputs"]["ballot_context"]), credential)
    tally = tally_payload(ballot["outputs"]["ballot"])
    decryption = example_decryption_context(base_hash, tally)
    shares = example_decryption_shares(bytes.fromhex(decryption["outputs"]["decryption_context"]), tally)
    return {
        "format": FORMAT,
        "description": (
            "Worked examples of Shailoo's election record (docs/spec/record.md), computed by the code from fixed "
            "inputs. Hex is lowercase; 'text' values are given with the hex of their UTF-8 bytes. 'hash_input' is "
            "the exact byte string SHA-256 reads. Regenerate with "
            "uv run --frozen python -m tests.vectors.make_record_examples"
        ),
        "examples": {
            "ceremony_context": ceremony,
            "dkg_commitment": dkg,
            "trustee_post": example_trustee_post(context, dkg["outputs"]["commitment"]),
            "election_base_hash": base,
            "credential": credential,
            "ballot_context": contest_context,
            "ballot": ballot,
            "credential_fingerprint": example_credential_fingerprint(
                credential_key, bytes.fromhex(credential["outputs"]["registrar_signature"])
            ),
            "register_counts": example_register_counts(),
            "decryption_context": decryption,
            "decryption_shares": shares,
            "results_hash": example_results_hash(),
            "board_export": example_board_export(),
        },
    }


def render(document: dict[str, Any]) -> str:
    """The file's exact text: two-space indented JSON, non-ASCII kept as UTF-8, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    EXAMPLES_FILE.write_text(render(build_examples()), encoding="utf-8")
