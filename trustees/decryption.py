"""The decryption ceremony: each trustee decrypts only the tally it recomputed itself, and the combiner.

After the close, trustee i (docs/trustees.md, "Decryption ceremony"):

1. reads the board; refuses unless the election is closed and the ``encrypted_tally`` entry is posted;
2. recomputes the encrypted tally from the board's ``ballot`` entries with the very functions the server uses
   (`record.tally.weed` and `aggregate`) and refuses (`TallyMismatchError`) unless it equals the posted one;
3. computes M_i = x_i·alpha with a Chaum–Pedersen proof for every non-empty ciphertext of that tally
   (`crypto.threshold.compute_decryption_shares`), bound to the election base hash and the tally entry;
4. posts its shares in parts of `bulletin_board.entries.DECRYPTION_SHARES_PER_PART` shares, one
   ``decryption_share`` entry per part (slots ``decryption_share:<i>``, ``decryption_share:<i>:1``, ...), each
   signed with its identity key; a trustee interrupted half-way posts only the parts still missing.

There is no way to ask a trustee to decrypt anything else: it decrypts what it computed from the ballots, never
a ciphertext handed to it. Challenged (spoiled) ballots need no trustee: the voter's device publishes their
randomness, so anyone can open them.

`combine_tally` is what the server (and an observer) runs: it checks every trustee's shares in one batch against
X_i, names those that fail, and combines as soon as k trustees have every part on the board, valid. With fewer than k it
raises `NotEnoughSharesError` and reveals nothing (no partial combination is ever computed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from bulletin_board.entries import Entry, EntryKind, decryption_share_part, decryption_share_parts
from bulletin_board.log import BulletinBoard
from crypto.blind_rsa import RFC_MIN_MODULUS_BITS, BlindRsaPublicKey
from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext
from crypto.errors import CryptoError, ShailooError
from crypto.threshold import (
    DecryptionShare,
    TrusteeKeyShare,
    check_decryption_shares,
    combine_decryption_share_vectors,
    compute_decryption_shares,
)
from elections.errors import ElectionError, TrusteeUnauthenticatedError
from elections.manifest import Manifest
from record.ballot import election_base_hash
from record.ceremony import JointKey, Post
from record.counting import counted_set_from_entries
from record.lifecycle import DecryptionSharePart
from record.tally import (
    AggregateError,
    EncryptedTally,
    check_minimum_cells,
    decryptable_positions,
    decryption_context,
)
from record.trustee_posts import check_trustee_post
from trustees.errors import (
    InvalidDecryptionShareError,
    NotEnoughSharesError,
    TallyMismatchError,
    TrusteeError,
    WrongPhaseError,
)
from trustees.identity import authenticate_post, board_manifest, check_roster, manifest_hash_of, sign_post
from trustees.keystore_contents import SecretsStore, TrusteeSecrets

TALLY_SLOT: Final = "encrypted_tally"
#: The parts of the ``encrypted_tally`` payload that the aggregate determines (the rest is the server's metadata).
_AGGREGATE_FIELDS: Final = ("election_id", "ballots_counted", "styles", "precincts")


def share_slot(trustee: int, part: int = 0) -> str:
    """The dedup key of part ``part`` of trustee ``trustee``'s decryption shares (``decryption_share:<i>`` for the
    first part, ``decryption_share:<i>:<part>`` for the others)."""
    return f"decryption_share:{trustee}" if part == 0 else f"decryption_share:{trustee}:{part}"


@dataclass(frozen=True)
class TallyOnBoard:
    """The posted encrypted tally with what decrypting it needs: the proofs' context, the joint key, and the
    positions of its non-empty ciphertexts (empty sums decrypt to 0 without anyone's share)."""

    entry: Entry
    tally: EncryptedTally
    manifest: Manifest
    joint_key: JointKey
    context: bytes
    positions: tuple[int, ...]

    @property
    def ciphertexts(self) -> list[Ciphertext]:
        every = self.tally.ciphertexts()
        return [every[i] for i in self.positions]

    @property
    def parts(self) -> int:
        """How many ``decryption_share`` parts each trustee posts (`bulletin_board.entries.DECRYPTION_SHARES_PER_PART`
        shares each)."""
        return decryption_share_parts(len(self.positions))

    def part_ciphertexts(self, part: int) -> list[Ciphertext]:
        """The ciphertexts whose shares part ``part`` holds."""
        return self.ciphertexts[decryption_share_part(part)]


def _issuer_keys(payload: Mapping[str, Any]) -> dict[str, BlindRsaPublicKey]:
    keys = {}
    for item in payload["keys"]:
        key = BlindRsaPublicKey.from_bytes(bytes.fromhex(item["public_key"]), min_bits=RFC_MIN_MODULUS_BITS)
        if key.fingerprint().hex() != item["fingerprint"]:
            raise TrusteeError("an issuer key's fingerprint does not match the key", code="invalid_entry")
        keys[str(item["ballot_style_id"])] = key
    return keys


#: Parsed encrypted tallies by entry hash: decoding the 2021 parliamentary tally's ~86,000 points takes seconds,
#: and every part of every trustee's shares is checked against it.
_TALLIES: dict[bytes, EncryptedTally] = {}


def parse_tally(entry: Entry) -> EncryptedTally:
    """The ``encrypted_tally`` entry's `EncryptedTally` (validated; parsed once per entry)."""
    cached = _TALLIES.get(entry.entry_hash)
    if cached is None:
        cached = EncryptedTally.from_json(entry.payload)
        if len(_TALLIES) >= 4:
            _TALLIES.clear()
        _TALLIES[entry.entry_hash] = cached
    return cached


def read_tally(entries: Sequence[Entry]) -> TallyOnBoard:
    """The encrypted tally on the board; `WrongPhaseError` before the close or before the tally is posted."""
    manifest: Manifest | None = None
    joint: JointKey | None = None
    issuer: dict[str, BlindRsaPublicKey] = {}
    closed = False
    tally_entry: Entry | None = None
    for entry in entries:
        if entry.kind is EntryKind.MANIFEST and manifest is None:
            manifest = board_manifest([entry])
        elif entry.kind is EntryKind.JOINT_KEY and joint is None:
            joint = JointKey.from_payload(entry.payload)
        elif entry.kind is EntryKind.ISSUER_KEYS:
            issuer.update(_issuer_keys(entry.payload))
        elif entry.kind is EntryKind.CLOSE:
            closed = True
        elif entry.kind is EntryKind.ENCRYPTED_TALLY and tally_entry is None:
            tally_entry = entry
    if not closed:
        raise WrongPhaseError("the election is not closed: trustees decrypt only the final tally, after the close")
    if tally_entry is None or manifest is None or joint is None:
        raise WrongPhaseError("the election is closed but the encrypted tally is not on the board yet")
    base = election_base_hash(manifest, joint.joint_public_key, issuer)
    try:
        tally = parse_tally(tally_entry)
    except ElectionError as e:
        raise TallyMismatchError(f"the posted encrypted tally is malformed: {e.message}") from e
    positions = tuple(decryptable_positions(tally.ciphertexts()))
    return TallyOnBoard(
        tally_entry, tally, manifest, joint, decryption_context(base, tally_entry.payload_hash), positions
    )


def recompute_tally(entries: Sequence[Entry], manifest: Manifest) -> EncryptedTally:
    """The encrypted tally of the board's counted set, computed exactly as the server does
    (`record.counting.counted_set_from_entries`)."""
    return counted_set_from_entries(entries, revoting_allowed=manifest.policy.revoting_allowed).tally(manifest)


def check_posted_tally(entries: Sequence[Entry]) -> TallyOnBoard:
    """`read_tally`, then refuse (`TallyMismatchError`) unless the posted tally is the one the ballots give."""
    on_board = read_tally(entries)
    try:
        check_minimum_cells(on_board.manifest, on_board.tally)
    except AggregateError as e:
        raise TallyMismatchError(f"{e.message}: refusing to decrypt a cell that small", code=e.code) from e
    mine = recompute_tally(entries, on_board.manifest).to_json()
    posted = {name: on_board.entry.payload.get(name) for name in _AGGREGATE_FIELDS}
    if {name: mine[name] for name in _AGGREGATE_FIELDS} != posted:
        raise TallyMismatchError(
            "the encrypted tally on the board is not the sum of the ballots on the board: refusing to decrypt it"
        )
    return on_board


def decryption_post(
    key_share: TrusteeKeyShare, on_board: TallyOnBoard, identity_key: bytes | None = None, part: int = 0
) -> Post:
    """Part ``part`` of trustee ``key_share.index``'s decryption shares for the tally ``on_board`` (one
    ``decryption_share`` entry), signed with the trustee's ``identity_key`` (`trustees.identity`)."""
    if key_share.joint_public_key != on_board.joint_key.joint_public_key:
        raise TrusteeError("this keystore's key share is for another election key", code="wrong_ceremony")
    if not 0 <= part < on_board.parts:
        raise TrusteeError(f"the tally's shares come in parts 0..{on_board.parts - 1}", code="invalid_parameters")
    ciphertexts = on_board.part_ciphertexts(part)
    shares = compute_decryption_shares(on_board.context, key_share.index, key_share.secret_share, ciphertexts)
    payload = DecryptionSharePart(key_share.index, on_board.entry.index, part, on_board.parts, tuple(shares))
    post = Post(EntryKind.DECRYPTION_SHARE, payload.to_payload(), share_slot(key_share.index, part))
    return sign_post(identity_key, on_board.manifest, post)


@dataclass(frozen=True)
class DecryptionStatus:
    """What a trustee's decryption run did: ``posted`` now, or found its shares already on the board."""

    trustee: int
    posted: bool
    ciphertexts: int


def _pending_parts(secrets_: TrusteeSecrets, entries: Sequence[Entry]) -> tuple[TallyOnBoard, list[int]]:
    """The posted tally, checked against the board, and the parts of trustee ``secrets_.index``'s shares not yet on
    it (a trustee who stopped half-way resumes where it was)."""
    if secrets_.key_share is None:
        raise WrongPhaseError("this keystore holds no key share: the key ceremony did not finish for this trustee")
    on_board = check_posted_tally(entries)
    index = secrets_.index
    check_roster(on_board.manifest, index, secrets_.n, secrets_.k, secrets_.identity_key)
    posted = {
        e.payload.get("part", 0)
        for e in entries
        if e.kind is EntryKind.DECRYPTION_SHARE
        and e.payload.get("trustee") == index
        and e.payload.get("tally_entry") == on_board.entry.index
    }
    return on_board, [part for part in range(on_board.parts) if part not in posted]


def decryption_step(secrets_: TrusteeSecrets, entries: Sequence[Entry]) -> tuple[list[Post], DecryptionStatus]:
    """Decide trustee ``secrets_.index``'s decryption: nothing if its shares are on the board, else its post."""
    on_board, pending = _pending_parts(secrets_, entries)
    assert secrets_.key_share is not None  # _pending_parts refuses a keystore without one
    posts = [decryption_post(secrets_.key_share, on_board, secrets_.identity_key, part) for part in pending]
    return posts, DecryptionStatus(secrets_.index, bool(posts), len(on_board.positions))


#: ``on_progress(done, total)``: parts of a trustee's shares computed and posted so far, of the parts still to post.
DecryptionProgress = Callable[[int, int], None]


def run_decryption(
    store: SecretsStore, transport: Any, *, on_progress: DecryptionProgress | None = None
) -> DecryptionStatus:
    """Trustee's whole decryption turn over a `trustees.ceremony_steps.CeremonyTransport`: each part of the shares
    is computed and posted before the next is computed, and ``on_progress`` is told after each."""
    secrets_ = TrusteeSecrets.from_dict(store.secrets)
    on_board, pending = _pending_parts(secrets_, transport.read_entries())
    assert secrets_.key_share is not None  # _pending_parts refuses a keystore without one
    if on_progress is not None:
        on_progress(0, len(pending))
    for done, part in enumerate(pending, start=1):
        transport.post([decryption_post(secrets_.key_share, on_board, secrets_.identity_key, part)])
        if on_progress is not None:
            on_progress(done, len(pending))
    return DecryptionStatus(secrets_.index, bool(pending), len(on_board.positions))


# --- checking and combining ----------------------------------------------------------------------------------------


def read_share_part(on_board: TallyOnBoard, payload: Mapping[str, Any]) -> DecryptionSharePart:
    """A ``decryption_share`` payload, strictly decoded (`record.lifecycle.DecryptionSharePart`); raises
    `InvalidDecryptionShareError` naming the trustee unless it parses and is part 0..P-1 of the tally's P parts."""
    try:
        part = DecryptionSharePart.from_payload(payload)
    except ShailooError as e:
        named = payload.get("trustee")
        trustee = named if type(named) is int else -1
        raise InvalidDecryptionShareError(f"a decryption_share entry is malformed: {e.message}", trustee) from e
    if part.parts != on_board.parts:
        raise InvalidDecryptionShareError(
            f"trustee {part.trustee}'s entry must be part 0..{on_board.parts - 1} of {on_board.parts}", part.trustee
        )
    return part


def check_trustee_shares(
    on_board: TallyOnBoard, trustee: int, shares: Sequence[DecryptionShare], part: int = 0
) -> None:
    """Raise `InvalidDecryptionShareError` naming ``trustee`` unless its shares of part ``part`` all verify against
    X_trustee."""
    if not 1 <= trustee <= on_board.joint_key.n:
        raise InvalidDecryptionShareError(f"there is no trustee {trustee}", trustee)
    if any(s.index != trustee for s in shares):
        raise InvalidDecryptionShareError(f"trustee {trustee}'s entry holds shares in another trustee's name", trustee)
    try:
        check_decryption_shares(
            on_board.context, on_board.joint_key.public_share(trustee), on_board.part_ciphertexts(part), shares
        )
    except CryptoError as e:
        raise InvalidDecryptionShareError(
            f"trustee {trustee}'s decryption shares are invalid: {e.message}", trustee
        ) from e


def accept_decryption_post(board: BulletinBoard, post: Post, *, allow_unauthenticated: bool = False) -> bool:
    """Check a trustee's ``decryption_share`` post against the board and append it (``False`` if already there).

    The post must be signed by the roster's key of the trustee it names (`TrusteeUnauthenticatedError`,
    ``trustee_unauthenticated``); without a roster only if ``allow_unauthenticated`` (a development server)."""
    existing = board.find_by_dedup_key(post.dedup_key)
    if existing is not None:
        return False
    on_board = read_tally(board.entries(0, board.size))
    authenticate_post(on_board.manifest, post, allow_unauthenticated=allow_unauthenticated)
    read = read_share_part(on_board, post.payload)
    if post.dedup_key != share_slot(read.trustee, read.part) or read.tally_entry != on_board.entry.index:
        raise InvalidDecryptionShareError(f"trustee {read.trustee}'s post is for another slot or tally", read.trustee)
    check_trustee_shares(on_board, read.trustee, read.shares, read.part)
    board.append(post.kind, post.payload, dedup_key=post.dedup_key)
    return True


@dataclass(frozen=True)
class CombinedTally:
    """The decrypted tally: counts per ballot style and per precinct ({group: {contest: [count per selection]}}),
    the k trustees whose shares were combined, and the trustees whose shares were rejected (with why)."""

    tally_entry: int
    counts_by_style: dict[str, dict[str, list[int]]]
    counts_by_precinct: dict[str, dict[str, list[int]]]
    trustees: tuple[int, ...]
    rejected: dict[int, str] = field(default_factory=dict)


def valid_shares_on_board(
    entries: Sequence[Entry], on_board: TallyOnBoard
) -> tuple[dict[int, list[DecryptionShare]], dict[int, str]]:
    """Every trustee's shares for this tally, split into valid (by trustee: all parts present and valid, in
    position order) and rejected ({trustee: reason}); a trustee with parts still missing is in neither."""
    by_trustee: dict[int, dict[int, list[DecryptionShare]]] = {}
    rejected: dict[int, str] = {}
    for entry in _share_entries(entries, on_board):
        try:
            read = read_share_part(on_board, entry.payload)
            trustee, shares, part = read.trustee, list(read.shares), read.part
            if trustee in rejected or part in by_trustee.get(trustee, {}):
                continue  # the first entry of a trustee's part counts
            if on_board.manifest.trustees:
                try:
                    digest = manifest_hash_of(on_board.manifest)
                    check_trustee_post(on_board.manifest, entry.kind.value, entry.payload, manifest_hash=digest)
                except TrusteeUnauthenticatedError as e:
                    raise InvalidDecryptionShareError(e.message, trustee) from e
            check_trustee_shares(on_board, trustee, shares, part)
            by_trustee.setdefault(trustee, {})[part] = shares
        except InvalidDecryptionShareError as e:
            rejected[e.trustee] = e.message
    valid = {
        trustee: [share for part in range(on_board.parts) for share in parts[part]]
        for trustee, parts in by_trustee.items()
        if trustee not in rejected and len(parts) == on_board.parts
    }
    return valid, rejected


def _share_entries(entries: Sequence[Entry], on_board: TallyOnBoard) -> list[Entry]:
    return [
        e
        for e in entries
        if e.kind is EntryKind.DECRYPTION_SHARE and e.payload.get("tally_entry") == on_board.entry.index
    ]


def complete_trustees(entries: Sequence[Entry], on_board: TallyOnBoard) -> set[int]:
    """Trustees with every part of their shares on the board (not yet checked): a cheap test before combining."""
    parts: dict[Any, set[Any]] = {}
    for entry in _share_entries(entries, on_board):
        parts.setdefault(entry.payload.get("trustee"), set()).add(entry.payload.get("part", 0))
    return {t for t, p in parts.items() if isinstance(t, int) and len(p) >= on_board.parts}


def combine_tally(entries: Sequence[Entry], *, max_count: int | None = None) -> CombinedTally:
    """Decrypt the board's encrypted tally from the first k valid trustees' shares (lowest indexes first).

    Raises `NotEnoughSharesError` (listing the rejected trustees) while fewer than k valid trustees have posted:
    no combination of fewer than k shares is ever computed. ``max_count`` bounds each decoded count (default:
    the number of ballots counted).
    """
    on_board = read_tally(entries)
    k = on_board.joint_key.k
    if len(complete_trustees(entries, on_board)) < k:  # nothing to verify yet: k trustees have not posted it all
        raise NotEnoughSharesError(f"fewer than the {k} trustees needed have posted all their shares")
    valid, rejected = valid_shares_on_board(entries, on_board)
    if len(valid) < k:
        named = f"; rejected: {rejected}" if rejected else ""
        raise NotEnoughSharesError(f"{len(valid)} valid trustees of the {k} needed have posted shares{named}")
    chosen = sorted(valid)[:k]
    points = combine_decryption_share_vectors(on_board.ciphertexts, [valid[t] for t in chosen], k)
    bound = max_count if max_count is not None else max(on_board.tally.ballots_counted, 1)
    table = DiscreteLogTable(bound, max(16, math.isqrt(bound) + 1))
    counts = [0] * len(on_board.tally.ciphertexts())
    for position, point in zip(on_board.positions, points, strict=True):
        counts[position] = 0 if point.is_identity() else table.decode(point)
    flat = iter(counts)
    by_style = {g.key: {cid: [next(flat) for _ in cts] for cid, cts in g.contests} for g in on_board.tally.styles}
    by_precinct = {g.key: {cid: [next(flat) for _ in cts] for cid, cts in g.contests} for g in on_board.tally.precincts}
    return CombinedTally(on_board.entry.index, by_style, by_precinct, tuple(chosen), rejected)


def combine_tally_from_board(board: BulletinBoard, *, max_count: int | None = None) -> CombinedTally:
    """`combine_tally` over every entry of ``board``."""
    return combine_tally(board.entries(0, board.size), max_count=max_count)
