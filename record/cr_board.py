"""The coercion-resistant mode on the board (docs/spec/record.md §2.15, docs/spec/credentials.md §8): the roster,
the ballots, the mix input tied to them, and the trustees' blinding chains. Producers beside strict readers and
checkers. Pure: no I/O.

* ``cr_roster`` — the registrar's post for one identified voter: the encrypted public credential and nothing
  personal, numbered consecutively from 0 and signed by the registrar's key (the manifest's pinned key when it has
  one) under ``registrar/cr_roster``:

      {"election_id", "position": n, "credential": hex(Enc(S)), "registrar_key": hex(32), "signature": hex(64)}

  The designated-verifier proof that the entry holds S goes to the voter's device only (credentials.md §2): S on
  the board would let anyone test a fake credential against it.
* ``cr_ballot`` — a `record.cr_ballot.CrBallot` payload.
* ``cr_blinding`` with ``"list": "order"`` and ``cr_decryption`` with ``"target": "order"`` (record.cr_tally): before
  the mix, the trustees blind the encrypted credentials of every ``cr_ballot`` in board order with exponents of their
  own for this step (Y_j) and decrypt the **order tags**; of several ballots with one order tag only the last counts
  (`crypto.credentials.keep_last`).
* the ballots' ``mix_input`` of this mode is not chosen by the server: it is `record.cr_ballot.mix_rows` of the kept
  ``cr_ballot`` entries in board order (`ballot_mix_input`), and `check_ballot_mix_input` recomputes it.
* ``cr_blinding`` — trustee j's blinding of one list at one place of its chain, signed with its roster key:

      {"trustee": j, "list": "order" | "ballots" | "roster", "position": m, "exponent_key": hex(Z_j), "input_hash": hex,
       "outputs": hex(row list of width 1), "proofs": hex(N proofs of 131 bytes), "signature": hex(64)}

  The ballots chain starts from the credential column of the mixed ballots; the roster chain from the roster after
  its own mix (``mix_input`` with ``"list": "roster"`` = the roster's credentials in position order,
  `roster_mix_input`, then ``shuffle`` entries of that chain: `record.mix`). Each proof's context is
  ``H("cr/blinding-context", B, list, u32(m), u32(j))``.
  Tags match only if both chains were blinded by the same trustees with the same Z_j: `check_blinding` refuses
  anything else, and at least ``policy.mixing_trustees_required`` distinct trustees (one honest among them keeps
  tags unlinkable to credentials). No Z_j may be a Y_j of the order chain (`refuse_reused_keys`): match tags made
  with the order tags' exponents would link each mixed ballot to its board ballot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signing
from crypto.canonical import canonical_json
from crypto.credentials import BlindingProof, blind, blinding_relations
from crypto.elgamal import Ciphertext
from crypto.errors import CryptoError
from crypto.group import Point, Scalar
from crypto.hashing import hash_fields, length_prefixed
from crypto.relations import check_relations
from crypto.share_encryption import u32
from crypto.shuffle import Row, rows_from_bytes, rows_to_bytes
from crypto.strict_json import Field, MalformedFieldError
from elections.manifest import Manifest
from record.cr_ballot import CrBallot, mix_rows
from record.cr_contests import Layout
from record.errors import RecordError
from record.mix import MixInput, rows_hash
from record.trustee_posts import check_trustee_post, sign_trustee_post

ROSTER_TAG: Final = "registrar/cr_roster"
BLINDING_CONTEXT_TAG: Final = "cr/blinding-context"
ROSTER_PROOF_TAG: Final = "cr/roster-proof-context"
#: The blinding chains: ``order`` (the board's ballots before the mix: order tags, re-voting) and the match chains
#: ``ballots`` (the mixed ballots) and ``roster`` (the mixed roster).
ORDER: Final = "order"
LISTS: Final = (ORDER, "ballots", "roster")
_MAX_FIELD_BYTES: Final = 32 * 1024 * 1024


class CrBoardError(RecordError):
    """A coercion-resistant entry is malformed (``malformed``, ``non_canonical``) or out of place:
    ``roster_out_of_order``, ``registrar_unauthenticated``, ``mix_input_not_of_ballots``, ``blinding_out_of_order``,
    ``blinding_key_changed``, ``blinding_key_reused``, ``blinding_lists_differ``, ``not_blinded``,
    ``not_coercion_resistant``; of the tally (record.cr_tally) ``tags_linkable``, ``tags_repeat``."""

    code = "cr_board_error"


def read_payload(kind: str, payload: Mapping[str, Any], read: Any) -> Any:
    try:
        return read(Field(payload, f"$({kind})"))
    except MalformedFieldError as e:
        raise CrBoardError(e.message, code=e.code) from e


def require_cr(manifest: Manifest) -> None:
    if not manifest.policy.coercion_resistant:
        raise CrBoardError("the manifest's mode is not coercion_resistant", code="not_coercion_resistant")


# -- the roster ------------------------------------------------------------------------------------------------


def roster_signing_body(manifest_hash: bytes, unsigned: Mapping[str, Any]) -> bytes:
    """``lp(manifest_hash) ‖ lp(JCS(payload without signature))``, signed under ``registrar/cr_roster``."""
    return length_prefixed(manifest_hash) + length_prefixed(canonical_json(dict(unsigned)))


@dataclass(frozen=True)
class RosterPost:
    election_id: str
    position: int
    credential: Ciphertext
    registrar_key: bytes
    signature: bytes = b""

    def unsigned_payload(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "position": self.position,
            "credential": self.credential.to_bytes().hex(),
            "registrar_key": self.registrar_key.hex(),
        }

    def to_payload(self) -> dict[str, Any]:
        return {**self.unsigned_payload(), "signature": self.signature.hex()}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RosterPost:
        def read(f: Field) -> RosterPost:
            obj = f.as_object({"election_id", "position", "credential", "registrar_key", "signature"})
            return cls(
                election_id=obj["election_id"].text(),
                position=obj["position"].integer(maximum=100_000_000),
                credential=obj["credential"].decode(Ciphertext.from_bytes, obj["credential"].hex(66)),
                registrar_key=obj["registrar_key"].hex(signing.PUBLIC_KEY_BYTES),
                signature=obj["signature"].hex(64),
            )

        result: RosterPost = read_payload("cr_roster", payload, read)
        return result


def make_roster_post(
    key: Ed25519PrivateKey, manifest: Manifest, position: int, credential: Ciphertext
) -> dict[str, Any]:
    """The registrar's signed ``cr_roster`` payload for the voter registered ``position``-th."""
    post = RosterPost(manifest.election_id, position, credential, signing.public_key_bytes(key))
    body = roster_signing_body(manifest.manifest_hash(), post.unsigned_payload())
    return {**post.unsigned_payload(), "signature": signing.sign(key, ROSTER_TAG, body).hex()}


def roster_proof_context(base_hash: bytes, position: int) -> bytes:
    """The context of the designated-verifier proof the registrar gives the voter registered ``position``-th
    (``H("cr/roster-proof-context", B, u32(position))``): the device and the registrar compute it alike."""
    return hash_fields(ROSTER_PROOF_TAG, base_hash, u32(position))


def check_roster(manifest: Manifest, payloads: Sequence[Mapping[str, Any]]) -> list[Ciphertext]:
    """Every entry strict, for this election, at its place (0, 1, 2, … in board order: none omitted, none twice),
    signed by the registrar (the manifest's pinned key when it has one, else one key for the whole roster), and no
    encrypted credential posted twice. Returns the encrypted credentials in order."""
    require_cr(manifest)
    manifest_hash = manifest.manifest_hash()
    pinned = bytes.fromhex(manifest.registrar_key) if manifest.registrar_key is not None else None
    credentials: list[Ciphertext] = []
    seen: set[bytes] = set()
    for position, payload in enumerate(payloads):
        post = RosterPost.from_payload(payload)
        if post.election_id != manifest.election_id:
            raise CrBoardError(f"roster entry {position} is for election {post.election_id!r}", code="wrong_election")
        if post.position != position:
            raise CrBoardError(
                f"roster entry {position} says it is at position {post.position}", code="roster_out_of_order"
            )
        key = pinned if pinned is not None else RosterPost.from_payload(payloads[0]).registrar_key
        if post.registrar_key != key:
            raise CrBoardError(f"roster entry {position} is not the registrar's", code="registrar_unauthenticated")
        try:
            body = roster_signing_body(manifest_hash, post.unsigned_payload())
            signing.verify(post.registrar_key, ROSTER_TAG, body, post.signature)
        except CryptoError as e:
            raise CrBoardError(
                f"roster entry {position} is not signed by the registrar", code="registrar_unauthenticated"
            ) from e
        raw = post.credential.to_bytes()
        if raw in seen:
            raise CrBoardError(f"roster entry {position} repeats an encrypted credential", code="roster_out_of_order")
        seen.add(raw)
        credentials.append(post.credential)
    return credentials


# -- the mix input tied to the ballots ---------------------------------------------------------------------------


def ballot_credentials(ballots: Sequence[Mapping[str, Any]]) -> list[Ciphertext]:
    """The encrypted credentials of the ``cr_ballot`` payloads, in board order: where the ``order`` chain starts."""
    return [CrBallot.from_payload(b).credential for b in ballots]


def _kept_rows(
    ballots: Sequence[Mapping[str, Any]], kept: Sequence[int], layout: Layout, public_key: Point
) -> tuple[Row, ...]:
    ascending = all(a < b for a, b in pairwise(kept))
    if not ascending or any(not 0 <= i < len(ballots) for i in kept):
        raise CrBoardError("the kept ballots are positions of the board's ballots, ascending", code="malformed")
    return tuple(mix_rows([CrBallot.from_payload(ballots[i]) for i in kept], layout, public_key))


def ballot_mix_input(
    ballots: Sequence[Mapping[str, Any]], kept: Sequence[int], layout: Layout, public_key: Point
) -> dict[str, Any]:
    """The ``mix_input`` payload of this mode: the mix rows of the ``cr_ballot`` payloads at positions ``kept``
    (`crypto.credentials.keep_last` of the order tags: the last ballot of each credential), in board order, in the
    slots of the election's `record.cr_contests.Layout` under the joint key."""
    return MixInput(_kept_rows(ballots, kept, layout, public_key)).to_payload()


def check_ballot_mix_input(
    mix_input: Mapping[str, Any],
    ballots: Sequence[Mapping[str, Any]],
    kept: Sequence[int],
    layout: Layout,
    public_key: Point,
) -> None:
    """Raise ``mix_input_not_of_ballots`` unless ``mix_input`` is exactly `ballot_mix_input` of the ballots and the
    kept positions (recomputed by the caller from the order tags)."""
    posted = MixInput.from_payload(mix_input)
    if posted.which != "ballots" or not kept or posted.rows != _kept_rows(ballots, kept, layout, public_key):
        raise CrBoardError(
            "the mix_input is not the rows of the last ballot of each credential, in board order",
            code="mix_input_not_of_ballots",
        )


def roster_mix_input(roster: Sequence[Ciphertext]) -> dict[str, Any]:
    """The roster chain's ``mix_input`` (``"list": "roster"``): the roster's encrypted credentials, one per row."""
    return MixInput(tuple((ct,) for ct in roster), "roster").to_payload()


def check_roster_mix_input(mix_input: Mapping[str, Any], roster: Sequence[Ciphertext]) -> None:
    """Raise ``mix_input_not_of_roster`` unless the roster's ``mix_input`` is exactly the posted roster, in order."""
    posted = MixInput.from_payload(mix_input)
    if posted.which != "roster" or not roster or posted.rows != tuple((ct,) for ct in roster):
        raise CrBoardError(
            "the roster's mix_input is not the cr_roster entries' credentials in order", code="mix_input_not_of_roster"
        )


# -- blinding chains ----------------------------------------------------------------------------------------------


def blinding_context(base_hash: bytes, which: str, position: int, trustee: int) -> bytes:
    return hash_fields(BLINDING_CONTEXT_TAG, base_hash, which.encode(), u32(position), u32(trustee))


@dataclass(frozen=True)
class BlindingPost:
    trustee: int
    which: str
    position: int
    exponent_key: Point
    input_hash: bytes
    outputs: tuple[Ciphertext, ...]
    proofs: tuple[BlindingProof, ...]

    def to_payload(self) -> dict[str, Any]:
        return {
            "trustee": self.trustee,
            "list": self.which,
            "position": self.position,
            "exponent_key": self.exponent_key.to_bytes().hex(),
            "input_hash": self.input_hash.hex(),
            "outputs": rows_to_bytes([(ct,) for ct in self.outputs]).hex(),
            "proofs": b"".join(p.to_bytes() for p in self.proofs).hex(),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> BlindingPost:
        def proofs(data: bytes) -> tuple[BlindingProof, ...]:
            size = BlindingProof.SIZE
            if len(data) % size:
                raise CrBoardError(f"blinding proofs are {size} bytes each", code="non_canonical")
            return tuple(BlindingProof.from_bytes(data[i : i + size]) for i in range(0, len(data), size))

        def read(f: Field) -> BlindingPost:
            obj = f.as_object(
                {"trustee", "list", "position", "exponent_key", "input_hash", "outputs", "proofs", "signature"}
            )
            which = obj["list"].text()
            if which not in LISTS:
                raise obj["list"].fail(f"the list is one of {LISTS}")
            rows = obj["outputs"].decode(rows_from_bytes, obj["outputs"].hex(max_len=_MAX_FIELD_BYTES))
            if any(len(row) != 1 for row in rows):
                raise obj["outputs"].fail("a blinded list has rows of one ciphertext")
            post = cls(
                trustee=obj["trustee"].integer(minimum=1, maximum=1000),
                which=which,
                position=obj["position"].integer(maximum=999),
                exponent_key=obj["exponent_key"].decode(Point.from_bytes, obj["exponent_key"].hex(33)),
                input_hash=obj["input_hash"].hex(32),
                outputs=tuple(row[0] for row in rows),
                proofs=obj["proofs"].decode(proofs, obj["proofs"].hex(max_len=_MAX_FIELD_BYTES)),
            )
            obj["signature"].hex(64)
            if len(post.proofs) != len(post.outputs):
                raise obj["proofs"].fail("one blinding proof per output")
            return post

        result: BlindingPost = read_payload("cr_blinding", payload, read)
        return result


def column_hash(column: Sequence[Ciphertext]) -> bytes:
    return rows_hash([(ct,) for ct in column])


def make_blinding_post(
    key: Ed25519PrivateKey,
    manifest: Manifest,
    base_hash: bytes,
    trustee: int,
    which: str,
    position: int,
    exponent: Scalar,
    inputs: Sequence[Ciphertext],
) -> dict[str, Any]:
    """Trustee ``trustee`` blinds ``inputs`` (the newest list of chain ``which``) with its exponent z_j."""
    context = blinding_context(base_hash, which, position, trustee)
    pairs = [blind(context, exponent, ct) for ct in inputs]
    post = BlindingPost(
        trustee,
        which,
        position,
        Point.base_mul(exponent),
        column_hash(inputs),
        tuple(after for after, _ in pairs),
        tuple(proof for _, proof in pairs),
    )
    return sign_trustee_post(key, manifest.manifest_hash(), "cr_blinding", post.to_payload())


@dataclass(frozen=True)
class BlindingResult:
    """The fully blinded lists (their decryptions are the tags) and the trustees in chain order."""

    ballots: tuple[Ciphertext, ...]
    roster: tuple[Ciphertext, ...]
    trustees: tuple[int, ...]


@dataclass(frozen=True)
class OrderBlinding:
    """The ``order`` chain: the fully blinded credentials of the board's ballots in board order (their decryptions
    are the order tags), the trustees in chain order and their exponent keys Y_j."""

    outputs: tuple[Ciphertext, ...]
    trustees: tuple[int, ...]
    keys: tuple[Point, ...]


def blinding_list(payload: Mapping[str, Any]) -> str:
    """The list a ``cr_blinding`` payload names (read strictly by `BlindingPost.from_payload`)."""
    which = payload.get("list")
    return which if isinstance(which, str) else ""


def _chains(
    manifest: Manifest,
    base_hash: bytes,
    start: Mapping[str, Sequence[Ciphertext]],
    posts: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, tuple[Ciphertext, ...]], dict[str, list[int]], dict[int, Point]]:
    """The chains of the lists in ``start`` (posts of other lists are not read): every post signed by its trustee,
    at its place, of the newest list of its chain, every proof verified, one exponent key per trustee across these
    lists. Returns the newest lists, the trustees of each chain in order, and the keys."""
    manifest_hash = manifest.manifest_hash()
    current = {which: tuple(column) for which, column in start.items()}
    chains: dict[str, list[int]] = {which: [] for which in start}
    keys: dict[int, Point] = {}
    for payload in posts:
        which = blinding_list(payload)
        if which not in LISTS:
            BlindingPost.from_payload(payload)  # raises: the list is one of LISTS
        if which not in start:
            continue
        check_trustee_post(manifest, "cr_blinding", payload, manifest_hash=manifest_hash)
        post = BlindingPost.from_payload(payload)
        chain = chains[post.which]
        where = f"blinding {post.position} of the {post.which} list"
        if post.position != len(chain) or post.input_hash != column_hash(current[post.which]):
            raise CrBoardError(f"{where} is not of the newest list at its place", code="blinding_out_of_order")
        if post.trustee in chain:
            raise CrBoardError(f"{where}: trustee {post.trustee} already blinded it", code="blinding_out_of_order")
        if keys.setdefault(post.trustee, post.exponent_key) != post.exponent_key:
            raise CrBoardError(f"{where}: trustee {post.trustee} changed its exponent", code="blinding_key_changed")
        before = current[post.which]
        if len(post.outputs) != len(before):
            raise CrBoardError(f"{where} has {len(post.outputs)} outputs for {len(before)} inputs", code="malformed")
        context = blinding_context(base_hash, post.which, post.position, post.trustee)
        relations = []
        for b, a, p in zip(before, post.outputs, post.proofs, strict=True):
            relations.extend(blinding_relations(context, post.exponent_key, b, a, p))
        check_relations(relations, f"the {where}")
        current[post.which] = post.outputs
        chain.append(post.trustee)
    return current, chains, keys


def _enough(manifest: Manifest, chain: Sequence[int], what: str) -> None:
    required = manifest.policy.mixing_trustees_required or 1
    if len(chain) < required:
        raise CrBoardError(
            f"{what} blinded by {len(chain)} distinct trustees; the policy asks for {required}", code="not_blinded"
        )


def check_order_blinding(
    manifest: Manifest, base_hash: bytes, credentials: Sequence[Ciphertext], posts: Sequence[Mapping[str, Any]]
) -> OrderBlinding:
    """The ``order`` chain (the ``cr_blinding`` posts with ``"list": "order"``; others are not read), from the
    encrypted credentials of the ``cr_ballot`` entries in board order (`ballot_credentials`): signed, in order,
    proved, at least ``mixing_trustees_required`` distinct trustees (one honest among them keeps order tags
    unlinkable to credentials)."""
    require_cr(manifest)
    current, chains, keys = _chains(manifest, base_hash, {ORDER: credentials}, posts)
    _enough(manifest, chains[ORDER], "the ballots' order tags are")
    return OrderBlinding(current[ORDER], tuple(chains[ORDER]), tuple(keys[t] for t in chains[ORDER]))


def refuse_reused_keys(order_keys: Sequence[Point], match_keys: Sequence[Point]) -> None:
    """Raise ``blinding_key_reused`` if an exponent key of the order tags is also one of the match tags (whoever's):
    a trustee blinding both steps with one exponent makes its order and match tags alike, and if every trustee
    did, each mixed ballot's match tag would equal its board ballot's order tag and undo the mix."""
    reused = {k.to_bytes() for k in order_keys} & {k.to_bytes() for k in match_keys}
    if reused:
        raise CrBoardError(
            f"{len(reused)} exponent key(s) blind both the order tags and the match tags", code="blinding_key_reused"
        )


def check_blinding(
    manifest: Manifest,
    base_hash: bytes,
    ballots: Sequence[Ciphertext],
    roster: Sequence[Ciphertext],
    posts: Sequence[Mapping[str, Any]],
    order_keys: Sequence[Point] = (),
) -> BlindingResult:
    """The match chains (``"list"`` ``ballots`` and ``roster``; ``order`` posts are not read) in board order: every
    post signed by its trustee, at its place, of the newest list of its chain, every proof verified; one exponent
    key per trustee; the same trustees in the same order on both lists, and at least ``mixing_trustees_required`` of
    them; no key among ``order_keys`` (the order chain's: `refuse_reused_keys`)."""
    require_cr(manifest)
    current, chains, keys = _chains(manifest, base_hash, {"ballots": ballots, "roster": roster}, posts)
    if chains["ballots"] != chains["roster"]:
        raise CrBoardError(
            f"the ballots were blinded by {chains['ballots']}, the roster by {chains['roster']}",
            code="blinding_lists_differ",
        )
    _enough(manifest, chains["ballots"], "the lists are")
    refuse_reused_keys(order_keys, list(keys.values()))
    return BlindingResult(current["ballots"], current["roster"], tuple(chains["ballots"]))


def credential_column(rows: Sequence[Row]) -> list[Ciphertext]:
    """The encrypted credentials of mixed ballot rows: the first ciphertext of each."""
    return [row[0] for row in rows]
