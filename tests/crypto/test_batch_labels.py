"""A failing batch names the entry by its index and the label it was added with, for every kind of proof. (Written to
kill mutants that survived `.ci/mutation`: a label dropped to None, or a selection detail added to a one-proof
entry, went unnoticed.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crypto.batch import BatchVerifier
from crypto.contest import encrypt_contest
from crypto.elgamal import ElGamalKeyPair, encrypt
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.proofs import prove_correct_decryption, prove_equal_dlog, prove_knowledge, prove_range, prove_zero_or_one

CONTEXT = b"\x66" * 32
OTHER_CONTEXT = b"\x67" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0xB47C))
G = Point.generator()
H = Point.base_mul(Scalar(77))
CT = encrypt(KEYS.public, 1, Scalar(5))


def _add_bad(kind: str, verifier: BatchVerifier, label: str) -> None:
    """Add a proof of ``kind`` made under another context (so it fails), with ``label``."""
    adders: dict[str, Callable[[], int]] = {
        "knowledge": lambda: verifier.add_knowledge(
            CONTEXT, KEYS.public, prove_knowledge(OTHER_CONTEXT, KEYS.secret), label=label
        ),
        "equal_dlog": lambda: verifier.add_equal_dlog(
            CONTEXT, G, KEYS.public, H, KEYS.secret * H, prove_equal_dlog(OTHER_CONTEXT, KEYS.secret, G, H), label=label
        ),
        "correct_decryption": lambda: verifier.add_correct_decryption(
            CONTEXT, KEYS.public, CT, *prove_correct_decryption(OTHER_CONTEXT, KEYS.secret, CT), label=label
        ),
        "zero_or_one": lambda: verifier.add_zero_or_one(
            CONTEXT, KEYS.public, CT, prove_zero_or_one(OTHER_CONTEXT, KEYS.public, CT, 1, Scalar(5)), label=label
        ),
        "range": lambda: verifier.add_range(
            CONTEXT, KEYS.public, CT, 2, prove_range(OTHER_CONTEXT, KEYS.public, CT, 1, Scalar(5), 2), label=label
        ),
    }
    adders[kind]()


@pytest.mark.parametrize("kind", ["knowledge", "equal_dlog", "correct_decryption", "zero_or_one", "range"])
def test_bad_proof_of_every_kind_is_named_by_index_and_label(kind: str) -> None:
    verifier = BatchVerifier()
    verifier.add_knowledge(CONTEXT, KEYS.public, prove_knowledge(CONTEXT, KEYS.secret))
    _add_bad(kind, verifier, f"the {kind} of trustee 3")
    with pytest.raises(InvalidProofError) as caught:
        verifier.verify()
    # One proof, one group: no selection detail after the label.
    assert caught.value.message == f"proof 1 (the {kind} of trustee 3) does not verify"


def test_statement_error_names_the_label() -> None:
    verifier = BatchVerifier()
    proof = prove_zero_or_one(CONTEXT, KEYS.public, CT, 1, Scalar(5))
    with pytest.raises(InvalidProofError, match=r"^proof 0 \(selection of Ak-Talaa\): "):
        verifier.add_range(CONTEXT, KEYS.public, CT, 5, proof, label="selection of Ak-Talaa")


def test_bad_contest_is_named_by_its_label_and_the_selection() -> None:
    contest, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 1, 0], 1, 1)
    verifier = BatchVerifier()
    verifier.add_contest(OTHER_CONTEXT, KEYS.public, contest, 1, 1, label="president")
    with pytest.raises(InvalidProofError) as caught:
        verifier.verify()
    assert caught.value.message == "proof 0 (president) does not verify: selection 0"
