"""The one strict decoding path for record JSON: every field read with its type, length and range checked, and
every refusal naming the JSON path of the bad field (``$.contests[2].encrypted``).

A `Field` wraps a decoded JSON value and where it sits. Reading it as the wrong type, a string of the wrong
length, hex that is not the canonical lowercase form, an integer out of range, an object with missing or unknown
keys, or a point or scalar that does not decode raises `MalformedFieldError` — never a ``TypeError``,
``KeyError`` or ``ValueError`` that a server would turn into an internal error. A decoder of a nested structure
passes `Field` objects down, so its errors carry the full path however deep the bad field is::

    obj = Field(payload).as_object({"election_id", "contests"})
    election_id = obj["election_id"].text()
    contests = [c.as_object({"contest_id", "encrypted"}) for c in obj["contests"].items(min_len=1)]

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any, Final, TypeVar

from crypto.errors import (
    CryptoError,
    DecryptionError,
    InvalidPointError,
    InvalidProofError,
    InvalidShareError,
    InvalidSignatureError,
    NonCanonicalError,
    ParameterError,
    ShailooError,
)
from crypto.group import Point, Scalar

_T = TypeVar("_T")
MAX_ID_CHARS: Final = 128
#: Larger integers are not exact in every JSON reader (RFC 8785 refuses them too).
MAX_SAFE_INTEGER: Final = 2**53 - 1


class MalformedFieldError(ShailooError):
    """A field of a record has the wrong type, length or value; ``path`` names it (``$.a.b[3]``).

    ``code`` is ``malformed`` for a wrong shape or type, ``non_canonical`` for bytes that are not the one canonical
    encoding, or the code of the crypto error that refused a point or scalar (``invalid_point``)."""

    code = "malformed"

    def __init__(self, message: str, *, path: str, code: str | None = None) -> None:
        super().__init__(f"{path}: {message}", code=code)
        self.path = path


class Field:
    """A JSON value and its path; the reading methods check and return it, or raise `MalformedFieldError`."""

    __slots__ = ("path", "value")

    def __init__(self, value: object, path: str = "$") -> None:
        self.value = value
        self.path = path

    def fail(self, message: str, code: str | None = None) -> MalformedFieldError:
        """An error about this field (for checks a decoder makes beyond the type)."""
        return MalformedFieldError(message, path=self.path, code=code)

    # -- containers -------------------------------------------------------------------------------------------

    def as_object(self, required: Collection[str], optional: Collection[str] = ()) -> Field:
        """This field as a JSON object with exactly the ``required`` keys and some of the ``optional`` ones."""
        if not isinstance(self.value, dict):
            raise self.fail("must be a JSON object")
        keys = set(self.value)
        missing, unknown = set(required) - keys, keys - set(required) - set(optional)
        if missing or unknown:
            raise self.fail(f"missing fields {sorted(missing)}, unknown fields {sorted(unknown)}")
        return self

    def __getitem__(self, key: str) -> Field:
        """The member ``key`` of this object (`as_object` should have checked the keys first)."""
        if not isinstance(self.value, dict):
            raise self.fail("must be a JSON object")
        if key not in self.value:
            raise self.fail(f"has no field {key!r}")
        return Field(self.value[key], f"{self.path}.{key}")

    def get(self, key: str) -> Field | None:
        """The member ``key``, or None when it is absent."""
        if not isinstance(self.value, dict):
            raise self.fail("must be a JSON object")
        return Field(self.value[key], f"{self.path}.{key}") if key in self.value else None

    def items(self, *, min_len: int = 0, max_len: int | None = None) -> list[Field]:
        """This field as a JSON list, its elements as fields."""
        if not isinstance(self.value, list):
            raise self.fail("must be a list")
        if len(self.value) < min_len or (max_len is not None and len(self.value) > max_len):
            bound = f"{min_len}..{max_len}" if max_len is not None else f"at least {min_len}"
            raise self.fail(f"must hold {bound} elements, not {len(self.value)}")
        return [Field(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def entries(self) -> Iterator[tuple[str, Field]]:
        """The members of this object, in their order."""
        if not isinstance(self.value, dict):
            raise self.fail("must be a JSON object")
        return ((k, Field(v, f"{self.path}.{k}")) for k, v in self.value.items())

    # -- scalars ----------------------------------------------------------------------------------------------

    def text(self, *, max_len: int = MAX_ID_CHARS, allow_empty: bool = False) -> str:
        """A string of at most ``max_len`` characters (non-empty unless ``allow_empty``)."""
        if not isinstance(self.value, str):
            raise self.fail("must be a string")
        if (not self.value and not allow_empty) or len(self.value) > max_len:
            raise self.fail(f"must be a string of {0 if allow_empty else 1}..{max_len} characters")
        return self.value

    def optional_text(self, *, max_len: int = MAX_ID_CHARS) -> str | None:
        """A string or null."""
        return None if self.value is None else self.text(max_len=max_len)

    def integer(self, *, minimum: int = 0, maximum: int = MAX_SAFE_INTEGER) -> int:
        """An integer (not a boolean) in ``[minimum, maximum]``."""
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail("must be an integer")
        if not minimum <= self.value <= maximum:
            raise self.fail(f"must be in {minimum}..{maximum}")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("must be true or false")
        return self.value

    def literal(self, *allowed: str) -> str:
        """One of the ``allowed`` strings."""
        if self.value not in allowed:
            raise self.fail(f"must be one of {list(allowed)}")
        return str(self.value)

    def hex(self, length: int | None = None, *, max_len: int | None = None) -> bytes:
        """Lowercase hex of exactly ``length`` bytes (or at most ``max_len``); ``non_canonical`` otherwise."""
        if not isinstance(self.value, str):
            raise self.fail("must be a string of lowercase hex")
        if max_len is not None and len(self.value) > 2 * max_len:
            raise self.fail(f"must be at most {max_len} bytes of hex")
        try:
            raw = bytes.fromhex(self.value)
        except ValueError as e:
            raise self.fail("is not hex", "non_canonical") from e
        if raw.hex() != self.value:
            raise self.fail("must be lowercase hex without spaces", "non_canonical")
        if length is not None and len(raw) != length:
            raise self.fail(f"must be exactly {length} bytes, not {len(raw)}", "non_canonical")
        return raw

    def point(self) -> Point:
        """A 33-byte compressed P-256 point, hex (never the identity)."""
        return self.decode(lambda raw: Point.from_bytes(raw), self.hex(33))

    def scalar(self) -> Scalar:
        """A 32-byte canonical scalar (< n), hex."""
        return self.decode(lambda raw: Scalar.from_bytes(raw), self.hex(32))

    def decode(self, decoder: Callable[[Any], _T], value: object | None = None) -> _T:
        """``decoder(value)`` (default: this field's value), its errors named by this field's path.

        A decoder raising a `ShailooError` keeps its code; any ``TypeError``, ``KeyError`` or ``ValueError`` it
        lets through (a bug in the decoder) becomes ``malformed`` here rather than an internal error upstream."""
        try:
            return decoder(self.value if value is None else value)
        except MalformedFieldError:
            raise
        except ShailooError as e:
            raise self.fail(e.message, e.code) from e
        except (TypeError, KeyError, ValueError) as e:
            raise self.fail(f"does not decode ({e})") from e


_CRYPTO_ERRORS: Final[dict[str, type[CryptoError]]] = {
    e.code: e
    for e in (
        InvalidPointError,
        InvalidProofError,
        InvalidSignatureError,
        InvalidShareError,
        DecryptionError,
        ParameterError,
    )
}


def crypto_error(error: MalformedFieldError) -> CryptoError:
    """``error`` as the crypto core's error of its code — `InvalidPointError` for ``invalid_point``,
    `ParameterError` for ``invalid_parameters`` …, `NonCanonicalError` for ``malformed`` and ``non_canonical`` —
    with the same code and the message that names the JSON path. For the core's ``from_dict`` decoders, whose
    callers catch crypto errors."""
    return _CRYPTO_ERRORS.get(error.code, NonCanonicalError)(error.message, code=error.code)
