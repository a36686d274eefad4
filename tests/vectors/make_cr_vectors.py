"""Test vectors of the coercion-resistant mode on the voter's device (docs/spec/credentials.md §2, §3, §6, §7, §8.1),
deterministic: a registrar's designated-verifier proof for a real credential, a fake with its proof simulated with
the device secret d, both in the ``SHAILOO-CR1:`` text form with their check codes, and one ``cr_ballot`` payload
(encrypted credential, its proof of knowledge bound to the ballot, two packed contest numbers with their bit
proofs). Every nonce is drawn from the seeded test source of `tests.vectors.make_shuffle_vectors` (production uses
`secrets`); the TypeScript core (web/core/test/cr.test.ts) rebuilds every byte from these nonces.

``tests/vectors/test_cr_vectors.py`` rebuilds the document, compares it with the file, and checks the cases from
the file alone. Regenerate only on a deliberate format change:

    uv run --frozen python -m tests.vectors.make_cr_vectors
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

from crypto.credentials import (
    encrypt_credential,
    prove_credential_knowledge,
    prove_roster_credential,
    public_credential,
    simulate_roster_credential,
)
from crypto.elgamal import ElGamalKeyPair, encrypt
from crypto.group import Point, Scalar
from crypto.packed import PackedChoice, bit_context, prove_bit
from elections.presets import build_preset
from mobile_api.client import CrCredential
from record.cr_ballot import CrBallot, contest_context, credential_context
from record.cr_board import roster_proof_context
from record.cr_contests import ContestCode
from tests.vectors.make_shuffle_vectors import SeededSource
from voting_server.cr_api import cr_ballot_hash

PATH: Final = Path(__file__).resolve().parent / "cr.json"
SEED: Final = b"cr/voter-device"
ELECTION_ID: Final = "vectors-cr"
STYLE_ID: Final = "s-d01"
POSITION: Final = 7
#: contest id → (value, bits) of the ballot case.
CHOICES: Final = {"party-list": (4 + (12 << 5), 11), "smd-d01": (2, 3)}


def _hex(s: Scalar) -> str:
    return s.to_bytes().hex()


def _credential(secret: Scalar, entry: Any, proof: Any, device_key: Point) -> dict[str, Any]:
    cred = CrCredential(STYLE_ID, POSITION, secret, entry, proof, device_key, ELECTION_ID)
    return {
        "secret": _hex(secret),
        "proof": proof.to_bytes().hex(),
        "text": cred.to_text(),
        "check_code": cred.check_code,
    }


#: (preset, contest) whose numbers the device computes (§9), and the marked selections of each case.
CODE_CASES: Final = (
    ("parliament-2021", "party-list", (["p01"], ["p05#12"], ["p21#54"], ["against_all"])),
    ("president", None, (["first"], ["last"])),
    ("village", "ayil-v1", (["first"], ["first", "third"], ["against_all"])),
)


def _contest_codes() -> list[dict[str, Any]]:
    out = []
    for preset, contest_id, cases in CODE_CASES:
        manifest = build_preset(preset)
        contest = manifest.contest(contest_id) if contest_id else manifest.contests[0]
        code = ContestCode.of(contest)
        ids = [s.selection_id for s in contest.selections]
        named = {"first": ids[0], "third": ids[2], "last": ids[-1]}
        rows = []
        for marked in cases:
            chosen = [named.get(m, m) for m in marked]
            rows.append({"marked": chosen, "value": code.encode([ids.index(m) for m in chosen])})
        contest_json = next(
            c for c in manifest.to_canonical_dict()["contests"] if c["contest_id"] == contest.contest_id
        )
        out.append({"preset": preset, "contest": contest_json, "bits": code.bits, "cases": rows})
    return out


def build_vectors() -> dict[str, Any]:
    source = SeededSource(SEED)
    keys = ElGamalKeyPair.from_secret(source.scalar())
    base_hash = hashlib.sha256(b"Shailoo cr.json base hash").digest()
    device = source.scalar()
    device_key = Point.base_mul(device)
    context = roster_proof_context(base_hash, POSITION)

    real, roster_nonce = source.scalar(), source.scalar()
    entry = encrypt_credential(keys.public, real, roster_nonce)
    real_proof = prove_roster_credential(
        context, keys.public, real, entry, roster_nonce, device_key, (source.scalar(), source.scalar(), source.scalar())
    )
    fake = source.scalar()
    sim_nonces = (source.scalar(), source.scalar(), source.scalar())
    fake_proof = simulate_roster_credential(context, keys.public, public_credential(fake), entry, device, sim_nonces)

    ballot_secret, credential_nonce = fake, source.scalar()
    credential = encrypt_credential(keys.public, ballot_secret, credential_nonce)
    contests, contest_nonces = [], {}
    for contest_id, (value, bits) in sorted(CHOICES.items()):
        ctx = contest_context(base_hash, ELECTION_ID, STYLE_ID, contest_id, credential)
        cts, proofs, nonces, proof_nonces = [], [], [], []
        for i in range(bits):
            bit, nonce = (value >> i) & 1, source.scalar()
            pn = [source.scalar(), source.scalar(), source.scalar()]
            ct = encrypt(keys.public, bit, nonce)
            cts.append(ct)
            proofs.append(prove_bit(bit_context(ctx, i, bits), keys.public, ct, bit, nonce, pn))
            nonces.append(_hex(nonce))
            proof_nonces.append([_hex(x) for x in pn])
        contests.append((contest_id, PackedChoice(tuple(cts), tuple(proofs))))
        contest_nonces[contest_id] = {"value": value, "bits": bits, "nonces": nonces, "proof_nonces": proof_nonces}
    knowledge_nonces = (source.scalar(), source.scalar())
    unsigned = CrBallot(ELECTION_ID, STYLE_ID, credential, None, tuple(contests)).unsigned()  # type: ignore[arg-type]
    proof = prove_credential_knowledge(
        credential_context(base_hash, unsigned),
        keys.public,
        credential,
        ballot_secret,
        credential_nonce,
        knowledge_nonces,
    )
    payload = CrBallot(ELECTION_ID, STYLE_ID, credential, proof, tuple(contests)).to_payload()
    return {
        "description": "The coercion-resistant mode on the voter's device (docs/spec/credentials.md §2, §3, §6, §7); "
        "regenerate with `uv run --frozen python -m tests.vectors.make_cr_vectors`",
        "contest_codes": _contest_codes(),
        "public_key": keys.public.to_bytes().hex(),
        "secret_key": _hex(keys.secret),
        "base_hash": base_hash.hex(),
        "election_id": ELECTION_ID,
        "style_id": STYLE_ID,
        "position": POSITION,
        "roster_proof_context": context.hex(),
        "device_secret": _hex(device),
        "device_key": device_key.to_bytes().hex(),
        "roster_entry": entry.to_bytes().hex(),
        "real": _credential(real, entry, real_proof, device_key),
        "fake": {
            **_credential(fake, entry, fake_proof, device_key),
            "simulation_nonces": [_hex(x) for x in sim_nonces],
        },
        "ballot": {
            "secret": _hex(ballot_secret),
            "credential_nonce": _hex(credential_nonce),
            "knowledge_nonces": [_hex(x) for x in knowledge_nonces],
            "contests": contest_nonces,
            "payload": payload,
            "receipt_hash": cr_ballot_hash(payload).hex(),
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {PATH}")
