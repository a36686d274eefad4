"""The limits a contest header may claim, at their exact boundaries, and the 0/1 type of a selection. (Written to
kill mutants that survived `.ci/mutation`: an off-by-one at 100,000 selections or 256 branches, a header whose
max_marks exceeds its selections, or a bool passed as a mark, went unnoticed.)"""

from __future__ import annotations

import pytest

from crypto.contest import MAX_SELECTIONS, EncryptedContest, encrypt_contest
from crypto.elgamal import ElGamalKeyPair
from crypto.errors import NonCanonicalError, ParameterError
from crypto.group import Scalar
from crypto.proofs import MAX_BRANCHES

CONTEXT = b"\x55" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0x11A175))


def _header(count: int, min_marks: int, max_marks: int) -> bytes:
    """A contest header alone: decoding reaches the limit check, then fails on the length if the limits pass."""
    return b"\x01" + count.to_bytes(4, "big") + min_marks.to_bytes(4, "big") + max_marks.to_bytes(4, "big")


@pytest.mark.parametrize(
    ("count", "min_marks", "max_marks"),
    [
        (MAX_SELECTIONS, 1, 1),  # the most selections a contest may have
        (MAX_BRANCHES - 1, 0, MAX_BRANCHES - 1),  # the widest limit range: MAX_BRANCHES branches
        (MAX_BRANCHES + 20, 20, 20 + MAX_BRANCHES - 1),  # as wide, above zero
        (3, 3, 3),  # max_marks equal to the selections
    ],
)
def test_limits_at_the_boundary_pass_and_only_the_length_is_wrong(count: int, min_marks: int, max_marks: int) -> None:
    with pytest.raises(NonCanonicalError, match="bytes, not 13"):
        EncryptedContest.from_bytes(_header(count, min_marks, max_marks))


@pytest.mark.parametrize(
    ("count", "min_marks", "max_marks"),
    [
        (MAX_SELECTIONS + 1, 1, 1),
        (MAX_BRANCHES, 0, MAX_BRANCHES),  # one branch too many
        (3, 1, 4),  # max_marks above the selections, with a narrow range
    ],
)
def test_limits_past_the_boundary_are_refused(count: int, min_marks: int, max_marks: int) -> None:
    with pytest.raises(ParameterError):
        EncryptedContest.from_bytes(_header(count, min_marks, max_marks))


def test_a_bool_is_not_a_mark() -> None:
    """True == 1 in Python; a caller passing booleans has confused two types, and is told so."""
    with pytest.raises(ParameterError, match="every selection is 0 or 1"):
        encrypt_contest(CONTEXT, KEYS.public, [True, 0], 1, 1)
