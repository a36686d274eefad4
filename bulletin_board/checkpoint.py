"""Signed tree heads, signed promises and witness cosignatures (docs/spec/board.md, "Signed notes"). Pure.

All three are *signed notes*: a UTF-8 text body ending in a newline, an empty line, then one or more signature
lines ``"— <name> <base64(key_id || signature)>\\n"`` where ``key_id = SHA-256(name || 0x0A || 0x01 || pk)[:4]``
and ``signature`` is Ed25519 over the exact body bytes (cosignatures: over their own message, below).

* Tree head (checkpoint) body: ``<origin>\\n<size>\\n<base64 root>\\ntime <unix ms>\\n``.
* Promise body: ``shailoo-promise/v1\\n<origin>\\n<index>\\n<base64 entry hash>\\n<unix ms>\\n``.
* Cosignature message: ``shailoo-cosignature/v1\\ntime <unix ms>\\n`` followed by the tree head body.

`verify_*` functions return ``None`` or raise `InvalidCheckpointError` (``invalid_checkpoint``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bulletin_board.errors import InvalidCheckpointError
from bulletin_board.merkle import HASH_SIZE
from crypto.errors import CryptoError
from crypto.signing import decode_public_key, verify_signature
from crypto.strict_json import Field

PROMISE_HEADER: Final = "shailoo-promise/v1"
COSIGNATURE_HEADER: Final = "shailoo-cosignature/v1"
SIGNATURE_DASH: Final = "\u2014"  # an em dash starts every signature line
_ED25519_ALG: Final = b"\x01"
_NAME_RE: Final = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces or "+"-free rule needed


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, key: Ed25519PublicKey) -> bytes:
    """Signed-note key id: the first 4 bytes of ``SHA-256(name || "\\n" || 0x01 || public key)``."""
    return hashlib.sha256(name.encode() + b"\n" + _ED25519_ALG + public_key_bytes(key)).digest()[:4]


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name) or "+" in name:
        raise InvalidCheckpointError(f"signer name {name!r} must be printable ASCII without spaces or '+'")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, length: int | None, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InvalidCheckpointError(f"{what} is not base64") from e
    if length is not None and len(data) != length:
        raise InvalidCheckpointError(f"{what} must be {length} bytes, not {len(data)}")
    if _b64(data) != text:
        raise InvalidCheckpointError(f"{what} is not canonical base64")
    return data


def _uint(text: str, what: str) -> int:
    if not text.isdigit() or not text.isascii() or (len(text) > 1 and text[0] == "0"):
        raise InvalidCheckpointError(f"{what} {text!r} is not a decimal number without leading zeros")
    return int(text)


def _signature_line(name: str, key: Ed25519PrivateKey, message: bytes) -> str:
    sig = key.sign(message)
    return f"{SIGNATURE_DASH} {name} {_b64(key_id(name, key.public_key()) + sig)}\n"


def _split_note(text: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """Body and ``(name, key_id, signature)`` of each signature line of a signed note."""
    body, sep, sigs = text.partition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise InvalidCheckpointError("a signed note is a body, an empty line and signature lines ending in newline")
    lines = []
    for line in sigs[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != SIGNATURE_DASH:
            raise InvalidCheckpointError(f"bad signature line {line!r}")
        blob = _unb64(parts[2], 4 + 64, "signature")
        lines.append((parts[1], blob[:4], blob[4:]))
    return body + "\n", lines


def _verify(name: str, kid: bytes, sig: bytes, message: bytes, key: Ed25519PublicKey, what: str) -> None:
    if kid != key_id(name, key):
        raise InvalidCheckpointError(f"{what} is signed by key id {kid.hex()}, not the expected key of {name}")
    try:
        verify_signature(key, message, sig)
    except CryptoError as e:
        raise InvalidCheckpointError(f"{what}: Ed25519 signature of {name} does not verify") from e


@dataclass(frozen=True)
class TreeHead:
    """An unsigned tree head: ``origin``, ``size`` leaves, RFC 9162 ``root_hash``, ``timestamp`` (unix ms)."""

    origin: str
    size: int
    root_hash: bytes
    timestamp: int

    def __post_init__(self) -> None:
        _check_name(self.origin)
        if self.size < 0 or self.timestamp < 0:
            raise InvalidCheckpointError("tree size and time must be non-negative")
        if len(self.root_hash) != HASH_SIZE:
            raise InvalidCheckpointError(f"root hash must be {HASH_SIZE} bytes")

    def body(self) -> bytes:
        """The checkpoint body bytes that the log signs."""
        return f"{self.origin}\n{self.size}\n{_b64(self.root_hash)}\ntime {self.timestamp}\n".encode()

    @classmethod
    def from_body(cls, body: str) -> TreeHead:
        lines = body.split("\n")
        if len(lines) != 5 or lines[4] != "" or not lines[3].startswith("time "):
            raise InvalidCheckpointError("checkpoint body must be origin, size, root and 'time <ms>' lines")
        return cls(
            origin=lines[0],
            size=_uint(lines[1], "tree size"),
            root_hash=_unb64(lines[2], HASH_SIZE, "root hash"),
            timestamp=_uint(lines[3][5:], "time"),
        )


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree head with the log's Ed25519 signature over `TreeHead.body`."""

    head: TreeHead
    signature: bytes
    key_id: bytes

    @property
    def size(self) -> int:
        return self.head.size

    @property
    def root_hash(self) -> bytes:
        return self.head.root_hash

    @property
    def origin(self) -> str:
        return self.head.origin

    @property
    def timestamp(self) -> int:
        return self.head.timestamp

    def to_text(self) -> str:
        """The checkpoint as a signed note (body, empty line, the log's signature line)."""
        blob = _b64(self.key_id + self.signature)
        return f"{self.head.body().decode()}\n{SIGNATURE_DASH} {self.head.origin} {blob}\n"

    @classmethod
    def from_text(cls, text: str) -> SignedTreeHead:
        """Parse a checkpoint note signed by its origin (verify with `verify_tree_head`)."""
        body, sigs = _split_note(text)
        head = TreeHead.from_body(body)
        own = [s for s in sigs if s[0] == head.origin]
        if len(own) != 1:
            raise InvalidCheckpointError("checkpoint must carry exactly one signature line of its origin")
        return cls(head=head, signature=own[0][2], key_id=own[0][1])


def sign_tree_head(head: TreeHead, key: Ed25519PrivateKey) -> SignedTreeHead:
    """Sign ``head`` with the log key (the signer's name is the origin)."""
    return SignedTreeHead(head=head, signature=key.sign(head.body()), key_id=key_id(head.origin, key.public_key()))


def verify_tree_head(sth: SignedTreeHead, key: Ed25519PublicKey) -> None:
    """Check the log's signature on a tree head."""
    _verify(sth.origin, sth.key_id, sth.signature, sth.head.body(), key, f"tree head of size {sth.size}")


@dataclass(frozen=True)
class SignedPromise:
    """The log's promise that ``entry_hash`` is at ``index`` and will be in every tree head of a larger size."""

    origin: str
    index: int
    entry_hash: bytes
    timestamp: int
    signature: bytes
    key_id: bytes

    def body(self) -> bytes:
        return (f"{PROMISE_HEADER}\n{self.origin}\n{self.index}\n{_b64(self.entry_hash)}\n{self.timestamp}\n").encode()

    def to_text(self) -> str:
        blob = _b64(self.key_id + self.signature)
        return f"{self.body().decode()}\n{SIGNATURE_DASH} {self.origin} {blob}\n"

    @classmethod
    def from_text(cls, text: str) -> SignedPromise:
        body, sigs = _split_note(text)
        lines = body.split("\n")
        if len(lines) != 6 or lines[0] != PROMISE_HEADER or lines[5] != "":
            raise InvalidCheckpointError("promise body must be header, origin, index, entry hash and time lines")
        if len(sigs) != 1 or sigs[0][0] != lines[1]:
            raise InvalidCheckpointError("promise must carry exactly one signature line of its origin")
        _check_name(lines[1])
        return cls(
            origin=lines[1],
            index=_uint(lines[2], "index"),
            entry_hash=_unb64(lines[3], HASH_SIZE, "entry hash"),
            timestamp=_uint(lines[4], "time"),
            signature=sigs[0][2],
            key_id=sigs[0][1],
        )


def sign_promise(origin: str, index: int, entry_hash: bytes, timestamp: int, key: Ed25519PrivateKey) -> SignedPromise:
    """The log's signed promise for an entry it has durably stored."""
    _check_name(origin)
    unsigned = SignedPromise(origin, index, entry_hash, timestamp, b"", b"")
    return SignedPromise(
        origin, index, entry_hash, timestamp, key.sign(unsigned.body()), key_id(origin, key.public_key())
    )


def verify_promise(promise: SignedPromise, key: Ed25519PublicKey) -> None:
    """Check the log's signature on a promise."""
    _verify(
        promise.origin, promise.key_id, promise.signature, promise.body(), key, f"promise for entry {promise.index}"
    )


@dataclass(frozen=True)
class Cosignature:
    """A witness's Ed25519 signature on a tree head it checked (``timestamp``: when it cosigned, unix ms)."""

    witness: str
    key_id: bytes
    timestamp: int
    signature: bytes

    def signature_line(self) -> str:
        """The signed-note line a cosigned checkpoint carries; the time travels in the export record."""
        return f"{SIGNATURE_DASH} {self.witness} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class WitnessCosignature:
    """A witness's cosignature of the tree head of ``size``, with the witness's raw Ed25519 key: the one form the
    board keeps, the export carries (its ``cosignature`` lines, docs/spec/board.md §6) and a verifier checks."""

    size: int
    witness_key: bytes
    cosignature: Cosignature

    @property
    def witness(self) -> str:
        return self.cosignature.witness

    def to_json(self) -> dict[str, object]:
        """The export line's fields (without ``type``)."""
        c = self.cosignature
        return {
            "size": self.size,
            "witness": c.witness,
            "witness_key": self.witness_key.hex(),
            "key_id": c.key_id.hex(),
            "timestamp": c.timestamp,
            "signature": c.signature.hex(),
        }

    @classmethod
    def from_json(cls, value: object) -> WitnessCosignature:
        """Decode an export ``cosignature`` line strictly (`MalformedFieldError` naming the bad field)."""
        obj = Field(value).as_object(_COSIGNATURE_FIELDS, optional={"type"})
        cosignature = Cosignature(
            witness=obj["witness"].text(),
            key_id=obj["key_id"].hex(4),
            timestamp=obj["timestamp"].integer(),
            signature=obj["signature"].hex(64),
        )
        return cls(obj["size"].integer(), obj["witness_key"].hex(32), cosignature)

    def verify(self, head: TreeHead) -> None:
        """Check this cosignature of ``head`` under ``witness_key`` (`InvalidCheckpointError` otherwise)."""
        if head.size != self.size:
            raise InvalidCheckpointError(f"a cosignature of size {self.size} is not one of the head of {head.size}")
        try:
            key = decode_public_key(self.witness_key)
        except CryptoError as e:
            raise InvalidCheckpointError(f"witness {self.witness}: {e.message}") from e
        verify_cosignature(self.cosignature, head, key)


_COSIGNATURE_FIELDS: Final = frozenset({"size", "witness", "witness_key", "key_id", "timestamp", "signature"})


def cosignature_message(head: TreeHead, timestamp: int) -> bytes:
    """What a witness signs: ``shailoo-cosignature/v1\\ntime <ms>\\n`` then the checkpoint body."""
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n".encode() + head.body()


def cosign(head: TreeHead, witness: str, key: Ed25519PrivateKey, timestamp: int) -> Cosignature:
    """A witness's cosignature of ``head`` (the witness must have checked consistency first)."""
    _check_name(witness)
    sig = key.sign(cosignature_message(head, timestamp))
    return Cosignature(witness=witness, key_id=key_id(witness, key.public_key()), timestamp=timestamp, signature=sig)


def verify_cosignature(cosignature: Cosignature, head: TreeHead, key: Ed25519PublicKey) -> None:
    """Check a witness's cosignature on ``head``."""
    message = cosignature_message(head, cosignature.timestamp)
    _verify(
        cosignature.witness, cosignature.key_id, cosignature.signature, message, key, f"cosignature of size {head.size}"
    )
