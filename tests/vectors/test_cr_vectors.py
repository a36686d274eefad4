"""The device-side vectors of the coercion-resistant mode (``tests/vectors/cr.json``) against the code and against
the file alone (the TypeScript core reads the same file: web/core/test/cr.test.ts)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crypto.credentials import RosterProof, public_credential, verify_roster_credential
from crypto.elgamal import Ciphertext
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from mobile_api.client import CrCredential
from record.cr_ballot import CrBallot, check_cr_ballot
from tests.vectors.make_cr_vectors import PATH, build_vectors, render

DOCUMENT: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))


def test_the_file_is_what_the_generator_writes() -> None:
    assert PATH.read_text(encoding="utf-8") == render(build_vectors())


@pytest.mark.parametrize("which", ["real", "fake"])
def test_both_credentials_pass_the_same_check_from_the_file_alone(which: str) -> None:
    d = DOCUMENT
    key, device_key = Point.from_hex(d["public_key"]), Point.from_hex(d["device_key"])
    entry = Ciphertext.from_bytes(bytes.fromhex(d["roster_entry"]))
    case = d[which]
    proof = RosterProof.from_bytes(bytes.fromhex(case["proof"]))
    credential = public_credential(Scalar.from_hex(case["secret"]))
    context = bytes.fromhex(d["roster_proof_context"])
    verify_roster_credential(context, key, credential, entry, device_key, proof)
    with pytest.raises(InvalidProofError):  # the same proof for another credential
        verify_roster_credential(context, key, public_credential(Scalar(5)), entry, device_key, proof)
    parsed = CrCredential.from_text(case["text"])
    assert parsed.check_code == case["check_code"] and parsed.proof == proof


def test_the_ballot_case_passes_the_servers_check() -> None:
    d = DOCUMENT
    ballot = CrBallot.from_payload(d["ballot"]["payload"])
    bits = {c: v["bits"] for c, v in d["ballot"]["contests"].items()}
    check_cr_ballot(ballot, bytes.fromhex(d["base_hash"]), Point.from_hex(d["public_key"]), d["election_id"], bits)
