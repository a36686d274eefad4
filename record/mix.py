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

A second chain, for the coercion-resistant mode's roster (record.md §2.15), has ``"list": "roster"`` on its
``mix_input`` and every ``shuffle``, and its proofs the context ``hash_fields("mix/shuffle-context", B, u32(m),
u32(j), "roster")``; without ``"list"`` a payload belongs to the ballots' chain (so existing records keep their
bytes). `check_mix` checks one chain, given the entries of that chain.

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
#: The chains: ``ballots`` (the default, no ``"list"`` field) and the coercion-resistant mode's ``roster``.
LISTS: Final = ("ballots", "roster")


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


def shuffle_context(base_hash: bytes, position: int, trustee: int, which: str = "ballots") -> bytes:
    """The Fiat–Shamir context of the shuffle at ``position`` by ``trustee`` (of the roster's chain: the list name
    is one more field, so a proof of one chain verifies in no other)."""
    if which == "ballots":
        return hash_fields(SHUFFLE_CONTEXT_TAG, base_hash, u32(position), u32(trustee))
    return hash_fields(SHUFFLE_CONTEXT_TAG, base_hash, u32(position), u32(trustee), which.encode())


def list_of(payload: Mapping[str, Any]) -> str:
    """The chain a ``mix_input`` or ``shuffle`` payload belongs to (``ballots`` without a ``"list"`` field)."""
    which = payload.get("list", "ballots")
    return which if which in LISTS else "unknown"


def _which(obj: Field) -> str:
    found = obj.get("list")
    if found is None:
        return "ballots"
    which = found.text()
    if which != "roster":
        raise found.fail('"list" is "roster" when present (the ballots\' chain has none)')
    return which


@dataclass(frozen=True)
class MixInput:
    """``mix_input``: ``{"rows": hex(row list)}``, the list the first shuffle takes."""

    rows: tuple[Row, ...]
    which: str = "ballots"

    def to_payload(self) -> dict[str, Any]:
        extra = {} if self.which == "ballots" else {"list": self.which}
        return {"rows": rows_to_bytes(self.rows).hex(), **extra}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> MixInput:
        def read(f: Field) -> MixInput:
            obj = f.as_object({"rows"}, {"list"})
            rows = obj["rows"].decode(rows_from_bytes, obj["rows"].hex(max_len=_MAX_FIELD_BYTES))
            return cls(tuple(rows), _which(obj))

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
    which: str = "ballots"

    def to_payload(self) -> dict[str, Any]:
        """The unsigned payload (`make_shuffle_post` signs it)."""
        extra = {} if self.which == "ballots" else {"list": self.which}
        return {
            "trustee": self.trustee,
            "position": self.position,
            "input_hash": self.input_hash.hex(),
            "outputs": rows_to_bytes(self.outputs).hex(),
            "proof": self.proof.to_bytes().hex(),
            **extra,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ShufflePost:
        """Strict: exact keys, integers in range, hashes of 32 bytes, the row list and proof decoded strictly."""

        def read(f: Field) -> ShufflePost:
            obj = f.as_object({"trustee", "position", "input_hash", "outputs", "proof", "signature"}, {"list"})
            outputs = obj["outputs"].decode(rows_from_bytes, obj["outputs"].hex(max_len=_MAX_FIELD_BYTES))
            proof = obj["proof"].decode(ShuffleProof.from_bytes, obj["proof"].hex(max_len=_MAX_FIELD_BYTES))
            return cls(
                trustee=obj["trustee"].integer(minimum=1, maximum=1000),
                position=obj["position"].integer(maximum=999),
                input_hash=obj["input_hash"].hex(_HASH_BYTES),
                outputs=tuple(outputs),
                proof=proof,
                signature=obj["signature"].hex(64).hex(),
                which=_which(obj),
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
    which: str = "ballots",
) -> dict[str, Any]:
    """Trustee ``trustee`` shuffles ``inputs`` (the newest list of chain ``which``) and returns its signed payload."""
    outputs, _, proof = shuffle(shuffle_context(base_hash, position, trustee, which), joint_key, inputs, source)
    post = ShufflePost(trustee, position, rows_hash(inputs), tuple(outputs), proof, which=which)
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
    which: str = "ballots",
) -> MixResult:
    """Check the whole chain in board order; raise `MixError` (or the crypto error of a bad proof) at the first
    break. Returns the newest list and the trustees so far; `require_mixed` says whether they are enough."""
    required = manifest.policy.mixing_trustees_required
    if required is None:
        raise MixError("the manifest's policy asks for no mixing", code="mixing_not_in_policy")
    if mix_input is None:
        raise MixError("no mix_input entry: nothing to mix", code="no_mix_input")
    posted = MixInput.from_payload(mix_input)
    if posted.which != which:
        raise MixError(f"the mix_input is of the {posted.which} chain, not the {which}", code="mix_out_of_order")
    rows = posted.rows
    manifest_hash = manifest.manifest_hash()
    trustees: list[int] = []
    for position, payload in enumerate(shuffles):
        check_trustee_post(manifest, "shuffle", payload, manifest_hash=manifest_hash)
        post = ShufflePost.from_payload(payload)
        if post.which != which:
            raise MixError(f"shuffle {position} is of the {post.which} chain, not the {which}", code="mix_out_of_order")
        if post.position != position:
            raise MixError(f"shuffle {position} says it is at position {post.position}", code="mix_out_of_order")
        if post.input_hash != rows_hash(rows):
            raise MixError(f"shuffle {position} did not take the newest list as its input", code="mix_out_of_order")
        if post.trustee in trustees:
            raise MixError(f"trustee {post.trustee} already shuffled this list", code="trustee_already_mixed")
        verify_shuffle(
            shuffle_context(base_hash, position, post.trustee, which), joint_key, rows, post.outputs, post.proof
        )
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
