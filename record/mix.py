"""Mixing on the board: ``mix_input`` and the trustees' ``shuffle`` entries (docs/spec/record.md §2.14).

After the close, the server posts the list to mix (``mix_input``: rows of ElGamal ciphertexts under the joint key).
Each mixing trustee in turn takes the newest list — the input, or the outputs of the last shuffle — shuffles it
(`crypto.shuffle`) and posts a ``shuffle`` entry, signed with its roster key (`record.trustee_posts`):

    {"trustee": j, "position": m, "input_hash": hex, "outputs": hex(row list), "proof": hex(shuffle proof),
     "signature": hex}

* ``position`` m is the entry's place in the chain (0 for the first shuffle);
* ``input_hash`` = ``hash_fields("mix/rows", row list bytes)`` of the list it shuffled, so the chain is explicit;
* the proof's context is ``hash_fields("mix/shuffle-context", B, u32(m), u32(j))`` with B the election base hash:
  a proof made for another election, another place in the chain or another trustee verifies for none of them.

The list counts as mixed once shuffles by at least ``policy.mixing_trustees_required`` distinct trustees verify
(`check_mix`); since each re-encrypts and permutes, one honest trustee among them suffices to unlink outputs from
inputs. A trustee who shuffles twice is refused (its second shuffle would not add an honest mixer).

Producer beside strict reader: `MixInput` and `ShufflePost` (``to_payload`` / ``from_payload``),
`make_shuffle_post` / `check_mix`. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.group import Point
from crypto.hashing import hash_fields
from crypto.share_encryption import u32
from crypto.shuffle import (
    RandomSource,
    Row,
    ShuffleProof,
    rows_from_bytes,
    rows_to_bytes,
    shuffle,
    verify_shuffle,
)
from crypto.strict_json import Field, MalformedFieldError
from elections.manifest import Manifest
from record.errors import RecordError
from record.trustee_posts import check_trustee_post, sign_trustee_post

ROWS_TAG: Final = "mix/rows"
SHUFFLE_CONTEXT_TAG: Final = "mix/shuffle-context"
#: Hex limit of a row list or proof field (the entry kind's payload limit is 64 MB).
_MAX_FIELD_BYTES: Final = 32 * 1024 * 1024
_HASH_BYTES: Final = 32


class MixError(RecordError):
    """The mixing chain is broken: ``mix_out_of_order`` (a shuffle not of the newest list, or at the wrong place),
    ``trustee_already_mixed``, ``not_mixed`` (fewer distinct trustees than the policy asks), ``no_mix_input``,
    ``mixing_not_in_policy``; a shuffle's bad proof keeps the crypto code ``invalid_proof`` /
    ``shuffle_shape_mismatch``, a bad signature ``trustee_unauthenticated``."""

    code = "mix_error"


def _read(kind: str, payload: Mapping[str, Any], read: Any) -> Any:
    try:
        return read(Field(payload, f"$({kind})"))
    except MalformedFieldError as e:
        raise MixError(e.message, code=e.code) from e


def rows_hash(rows: Sequence[Row]) -> bytes:
    """``hash_fields("mix/rows", rows_to_bytes(rows))``: names a list in the next shuffle's ``input_hash``."""
    return hash_fields(ROWS_TAG, rows_to_bytes(rows))


def shuffle_context(base_hash: bytes, position: int, trustee: int) -> bytes:
    """The Fiat–Shamir context of the shuffle at ``position`` by ``trustee``."""
    return hash_fields(SHUFFLE_CONTEXT_TAG, base_hash, u32(position), u32(trustee))


@dataclass(frozen=True)
class MixInput:
    """``mix_input``: ``{"rows": hex(row list)}``, the list the first shuffle takes."""

    rows: tuple[Row, ...]

    def to_payload(self) -> dict[str, Any]:
        return {"rows": rows_to_bytes(self.rows).hex()}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> MixInput:
        def read(f: Field) -> MixInput:
            obj = f.as_object({"rows"})
            rows = obj["rows"].decode(rows_from_bytes, obj["rows"].hex(max_len=_MAX_FIELD_BYTES))
            return cls(tuple(rows))

        result: MixInput = _read("mix_input", payload, read)
        return result


@dataclass(frozen=True)
class ShufflePost:
    """``shuffle``: trustee j's shuffle at ``position`` of the list whose hash is ``input_hash``."""

    trustee: int
    position: int
    input_hash: bytes
    outputs: tuple[Row, ...]
    proof: ShuffleProof
    signature: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """The unsigned payload (`make_shuffle_post` signs it)."""
        return {
            "trustee": self.trustee,
            "position": self.position,
            "input_hash": self.input_hash.hex(),
            "outputs": rows_to_bytes(self.outputs).hex(),
            "proof": self.proof.to_bytes().hex(),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ShufflePost:
        """Strict: exact keys, integers in range, hashes of 32 bytes, the row list and proof decoded strictly."""

        def read(f: Field) -> ShufflePost:
            obj = f.as_object({"trustee", "position", "input_hash", "outputs", "proof", "signature"})
            outputs = obj["outputs"].decode(rows_from_bytes, obj["outputs"].hex(max_len=_MAX_FIELD_BYTES))
            proof = obj["proof"].decode(ShuffleProof.from_bytes, obj["proof"].hex(max_len=_MAX_FIELD_BYTES))
            return cls(
                trustee=obj["trustee"].integer(minimum=1, maximum=1000),
                position=obj["position"].integer(maximum=999),
                input_hash=obj["input_hash"].hex(_HASH_BYTES),
                outputs=tuple(outputs),
                proof=proof,
                signature=obj["signature"].hex(64).hex(),
            )

        result: ShufflePost = _read("shuffle", payload, read)
        return result


def make_shuffle_post(
    key: Ed25519PrivateKey,
    manifest: Manifest,
    base_hash: bytes,
    joint_key: Point,
    trustee: int,
    position: int,
    inputs: Sequence[Row],
    source: RandomSource | None = None,
) -> dict[str, Any]:
    """Trustee ``trustee`` shuffles ``inputs`` (the newest list on the board) and returns its signed payload."""
    outputs, _, proof = shuffle(shuffle_context(base_hash, position, trustee), joint_key, inputs, source)
    post = ShufflePost(trustee, position, rows_hash(inputs), tuple(outputs), proof)
    return sign_trustee_post(key, manifest.manifest_hash(), "shuffle", post.to_payload())


@dataclass(frozen=True)
class MixResult:
    """What `check_mix` established: the newest list, the trustees who shuffled (in order), and whether they are
    enough for the policy."""

    rows: tuple[Row, ...]
    trustees: tuple[int, ...]
    required: int

    @property
    def mixed(self) -> bool:
        return len(self.trustees) >= self.required


def check_mix(
    manifest: Manifest,
    base_hash: bytes,
    joint_key: Point,
    mix_input: Mapping[str, Any] | None,
    shuffles: Sequence[Mapping[str, Any]],
) -> MixResult:
    """Check the whole chain in board order; raise `MixError` (or the crypto error of a bad proof) at the first
    break. Returns the newest list and the trustees so far; `require_mixed` says whether they are enough."""
    required = manifest.policy.mixing_trustees_required
    if required is None:
        raise MixError("the manifest's policy asks for no mixing", code="mixing_not_in_policy")
    if mix_input is None:
        raise MixError("no mix_input entry: nothing to mix", code="no_mix_input")
    rows = MixInput.from_payload(mix_input).rows
    manifest_hash = manifest.manifest_hash()
    trustees: list[int] = []
    for position, payload in enumerate(shuffles):
        check_trustee_post(manifest, "shuffle", payload, manifest_hash=manifest_hash)
        post = ShufflePost.from_payload(payload)
        if post.position != position:
            raise MixError(f"shuffle {position} says it is at position {post.position}", code="mix_out_of_order")
        if post.input_hash != rows_hash(rows):
            raise MixError(f"shuffle {position} did not take the newest list as its input", code="mix_out_of_order")
        if post.trustee in trustees:
            raise MixError(f"trustee {post.trustee} already shuffled this list", code="trustee_already_mixed")
        verify_shuffle(shuffle_context(base_hash, position, post.trustee), joint_key, rows, post.outputs, post.proof)
        rows = post.outputs
        trustees.append(post.trustee)
    return MixResult(rows, tuple(trustees), required)


def require_mixed(result: MixResult) -> tuple[Row, ...]:
    """The mixed list; `MixError` ``not_mixed`` while fewer distinct trustees than the policy asks have shuffled."""
    if not result.mixed:
        raise MixError(
            f"shuffled by {len(result.trustees)} distinct trustees; the policy asks for {result.required}",
            code="not_mixed",
        )
    return result.rows
