"""The contest-number vectors (``tests/vectors/packed.json``) against the code and against the file alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext, decrypt_to_point
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.packed import PackedChoice, verify_packed
from tests.vectors.make_packed_vectors import PATH, build_vectors, render

DOCUMENT: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))


def test_the_file_is_what_the_generator_writes() -> None:
    assert PATH.read_text(encoding="utf-8") == render(build_vectors())


def test_the_party_list_cases_follow_the_spec_formula() -> None:
    table = DOCUMENT["party_list_2021"]
    for case in table["cases"]:
        assert case["value"] == case["list"] + (case["preference"] << table["list_bits"]) < 1 << table["bits"]
        assert (case["selections"] is None) == ("invalid" in case["why"])


def test_the_packed_case_verifies_and_decrypts_from_the_file_alone() -> None:
    case = DOCUMENT["packed_case"]
    key, secret = Point.from_hex(case["public_key"]), Scalar.from_hex(case["secret_key"])
    context = bytes.fromhex(case["context"])
    packed = PackedChoice.from_bytes(bytes.fromhex(case["packed"]))
    verify_packed(context, key, packed, DOCUMENT["party_list_2021"]["bits"])
    assert packed.combined().to_bytes().hex() == case["combined"]
    slot = Ciphertext.from_bytes(bytes.fromhex(case["row_slot_0"]))
    plaintext = DiscreteLogTable(1 << 16, 64).decode(decrypt_to_point(slot, secret))
    assert plaintext == case["row_slot_0_plaintext"] == DOCUMENT["slots_2021"]["cell_part_of_s-d01"][0] + case["value"]
    with pytest.raises(InvalidProofError):  # the same bits under another context
        verify_packed(b"\x01" * 32, key, packed, DOCUMENT["party_list_2021"]["bits"])
