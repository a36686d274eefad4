"""The Kyrgyz personal identification number (ПИН / ИНН физического лица), 14 digits.

Structure checked by Shailoo:

* digit 1: sex — ``1`` female, ``2`` male;
* digits 2–9: the date of birth as ``DDMMYYYY`` — it must be a real calendar date, not in the future of the
  caller's reference date, and equal to the birth date held in the registry record;
* digits 10–14: a 5-digit serial.

UNVERIFIED: whether the last five digits contain a check digit (no public algorithm was found, so none is checked),
and how numbers issued to people with an unknown birth date are formed (such numbers are rejected here and must be
entered by the registry operator by hand).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

from identity.errors import PersonalNumberError

PERSONAL_NUMBER_LENGTH: Final = 14


@dataclass(frozen=True)
class PersonalNumber:
    """A personal number whose structure has been checked."""

    value: str
    sex: Literal["female", "male"]
    birth_date: dt.date
    serial: str

    def __str__(self) -> str:
        return self.value


def parse_personal_number(value: str) -> PersonalNumber:
    """Check the structure of a personal number; raise `PersonalNumberError` (``invalid_personal_number``)."""
    if len(value) != PERSONAL_NUMBER_LENGTH or not value.isascii() or not value.isdigit():
        raise PersonalNumberError("a personal number is exactly 14 digits")
    if value[0] not in "12":
        raise PersonalNumberError("a personal number starts with 1 (female) or 2 (male)")
    try:
        birth = dt.date(int(value[5:9]), int(value[3:5]), int(value[1:3]))
    except ValueError as e:
        raise PersonalNumberError("digits 2–9 of a personal number are not a real date DDMMYYYY") from e
    sex: Literal["female", "male"] = "female" if value[0] == "1" else "male"
    return PersonalNumber(value, sex, birth, value[9:])


def check_personal_number(value: str, birth_date: dt.date) -> PersonalNumber:
    """Parse ``value`` and check that it encodes ``birth_date`` (code ``personal_number_date_mismatch``)."""
    number = parse_personal_number(value)
    if number.birth_date != birth_date:
        raise PersonalNumberError(
            "the birth date in the personal number differs from the recorded birth date",
            code="personal_number_date_mismatch",
        )
    return number
