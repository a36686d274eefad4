"""Non-canonical and malleable encodings sent to the cast endpoint: every one refused with a stable code, nothing
written. The attacker re-signs each mutation with its own credential key (`forge.with_contest_bytes`), so the
refusal comes from strict decoding, not from the ballot signature.

Why it matters: a second encoding of the same value gives the same ballot a second hash (a second tracking code,
a duplicate the dedup keys would not see) and lets a verifier written elsewhere read different values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from crypto.contest import EncryptedContest
from crypto.group import ORDER, POINT_BYTES, SCALAR_BYTES
from record.ballot import EncryptedBallot
from tests.security import forge
from tests.security.conftest import attempt, cast_attempt
from tests.server.harness import Election


@pytest.fixture(scope="module")
def voter(election: Election) -> tuple[EncryptedBallot, Any]:
    """One voter's valid ballot and credential key, mutated by every test of this module (never cast)."""
    client, credential = election.credential()
    prepared = client.prepare_ballot(credential, election.marks_for(credential, 1))
    return prepared.ballot, credential.private_key


def _mutated(voter: tuple[EncryptedBallot, Any], mutate: Callable[[bytes], bytes]) -> dict[str, Any]:
    ballot, key = voter
    return forge.with_contest_bytes(ballot, 0, mutate(ballot.contests[0][1]), key)


def _alpha(data: bytes) -> bytes:
    return data[forge.first_alpha_offset() : forge.first_alpha_offset() + POINT_BYTES]


def _set_alpha(data: bytes, new: bytes) -> bytes:
    start = forge.first_alpha_offset()
    return data[:start] + new + data[start + POINT_BYTES :]


CONTEST_MUTATIONS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "proof_scalar_equal_to_the_group_order": (
        lambda d: forge.patch_bytes(d, forge.first_proof_scalar_offset(), ORDER.to_bytes(SCALAR_BYTES, "big")),
        "non_canonical",
    ),
    "proof_scalar_aliased_by_adding_the_order": (
        lambda d: forge.patch_bytes(
            d,
            forge.first_proof_scalar_offset(),
            forge.scalar_plus_order(bytes(31) + b"\x05") or b"",
        ),
        "non_canonical",
    ),
    "point_with_uncompressed_prefix_04": (lambda d: _set_alpha(d, b"\x04" + _alpha(d)[1:]), "non_canonical"),
    "point_sent_uncompressed_65_bytes": (
        lambda d: _set_alpha(d, forge.uncompressed(EncryptedContest.from_bytes(d).ciphertexts[0].alpha)),
        "non_canonical",
    ),
    # x + p fits in 32 bytes for only ~2^-32 of the points of P-256, so the field-element alias is tried as x = p
    # and x = 2^256 - 1 (both >= p): a decoder reducing x mod p would accept them.
    "point_with_x_equal_to_p": (
        lambda d: _set_alpha(d, b"\x02" + forge.FIELD_PRIME.to_bytes(32, "big")),
        "non_canonical",
    ),
    "point_with_x_above_p": (lambda d: _set_alpha(d, b"\x03" + b"\xff" * 32), "non_canonical"),
    "off_curve_point": (lambda d: _set_alpha(d, forge.off_curve_point()), "invalid_point"),
    "identity_point": (lambda d: _set_alpha(d, bytes(POINT_BYTES)), "invalid_point"),
    "trailing_bytes": (lambda d: d + b"\x00", "non_canonical"),
    "truncated_contest": (lambda d: d[:-1], "non_canonical"),
    "unknown_format_version": (lambda d: b"\x02" + d[1:], "non_canonical"),
    "selection_count_inflated_in_the_header": (
        lambda d: d[:1] + (100_000).to_bytes(4, "big") + d[5:],
        "non_canonical",
    ),
    "limits_inverted_in_the_header": (
        lambda d: d[:5] + (2).to_bytes(4, "big") + (1).to_bytes(4, "big") + d[13:],
        "invalid_parameters",
    ),
}


@pytest.mark.parametrize("attack", list(CONTEST_MUTATIONS))
def test_non_canonical_contest_encoding_is_refused(
    election: Election, voter: tuple[EncryptedBallot, Any], attack: str
) -> None:
    mutate, code = CONTEST_MUTATIONS[attack]
    refusal = cast_attempt(election, _mutated(voter, mutate))
    assert (refusal.status, refusal.code) == (422, code), (attack, refusal)


def _json_mutations() -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    def set_path(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def mutate(ballot: dict[str, Any]) -> dict[str, Any]:
            copy = json.loads(json.dumps(ballot))
            target = copy
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value(target[path[-1]]) if callable(value) else value
            return copy

        return mutate

    return {
        "uppercase_hex_signature": set_path(("signature",), str.upper),
        "odd_length_hex": set_path(("credential", "public_key"), lambda v: v + "0"),
        "public_key_of_31_bytes": set_path(("credential", "public_key"), lambda v: v[:-2]),
        "hex_with_0x_prefix": set_path(("signature",), lambda v: "0x" + v[2:]),
        "unknown_field_in_the_credential": set_path(("credential", "issuer_hint"), "x"),
        "unknown_field_in_a_contest": set_path(("contests", 0, "weight"), 2),
        "election_id_as_a_number": set_path(("election_id",), 2021),
        "contests_as_an_object": set_path(("contests",), {"president": "00"}),
        "empty_contests": set_path(("contests",), []),
        "unknown_ballot_format": set_path(("format",), "shailoo-ballot/2"),
        "selection_hex_as_a_list": set_path(("contests", 0, "encrypted"), [0, 1]),
    }


#: The code each schema attack gets: a hex field in any form but lowercase hex of its exact length (upper case, odd
#: length, short, 0x-prefixed, a list) is ``non_canonical``; a JSON shape the schema does not allow is ``malformed``.
JSON_MUTATION_CODES = {
    "uppercase_hex_signature": "non_canonical",
    "odd_length_hex": "non_canonical",
    "public_key_of_31_bytes": "non_canonical",
    "hex_with_0x_prefix": "non_canonical",
    "unknown_field_in_the_credential": "malformed",
    "unknown_field_in_a_contest": "malformed",
    "election_id_as_a_number": "malformed",
    "contests_as_an_object": "malformed",
    "empty_contests": "malformed",
    "unknown_ballot_format": "malformed",
    "selection_hex_as_a_list": "malformed",  # a wrong JSON type is malformed; non_canonical is for bytes
}


@pytest.mark.parametrize("attack", list(_json_mutations()))
def test_malformed_ballot_json_is_refused(election: Election, voter: tuple[EncryptedBallot, Any], attack: str) -> None:
    """Schema attacks on the ballot JSON (before any signature check): a stable code and nothing written."""
    ballot = voter[0].to_json()
    refusal = cast_attempt(election, _json_mutations()[attack](ballot))
    assert (refusal.status, refusal.code) == (422, JSON_MUTATION_CODES[attack]), (attack, refusal)


@pytest.mark.parametrize("value", [None, [], 7, "ballot", True])
def test_ballot_that_is_not_an_object_is_malformed(election: Election, value: Any) -> None:
    refusal = cast_attempt(election, value)
    assert (refusal.status, refusal.code) == (422, "malformed")


def test_json_with_a_duplicated_key_is_refused(election: Election, voter: tuple[EncryptedBallot, Any]) -> None:
    """Two ``signature`` keys: parsers that keep the first and parsers that keep the last read different ballots.
    A request the server and another reader could disagree on must be refused, not silently resolved."""
    ballot = voter[0].to_json()
    text = json.dumps({"ballot": ballot})
    duplicated = text.replace('"signature": ', '"signature": "' + "00" * 64 + '", "signature": ', 1)
    refusal = attempt(
        election, "POST", "/v1/ballots", content=duplicated.encode(), headers={"content-type": "application/json"}
    )
    assert (refusal.status, refusal.code) == (422, "malformed")
