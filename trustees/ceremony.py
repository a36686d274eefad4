"""The key ceremony as board entries: a dealer-free Pedersen DKG (`crypto.threshold`) driven from the board.

A trustee's next step is decided by two things only: the secrets in its keystore and what the board already
holds (docs/trustees.md, "Key ceremony"). `trustee_step` is that decision, pure apart from fresh randomness:

1. no step-1 state yet → `dkg_step1`; post ``trustee_commitment``;
2. all n commitments on the board and valid → `dkg_step2`; post ``trustee_share`` (one share to each other trustee);
3. all n share entries on the board → `dkg_step3`; post one ``complaint`` entry (the complaints, possibly none);
4. all n step-3 entries on the board → judge every complaint (`check_complaint`): if anyone cheated the
   ceremony fails naming them (`CeremonyFailedError`); otherwise `dkg_finish` and the ``joint_key`` entry.

Every post is first sealed in the keystore's *outbox*, then sent; a post whose slot (dedup key) already holds
the same payload on the board is not sent again. So a trustee who crashes anywhere resumes by running the same
command: nothing is posted twice and no step is redone with new randomness.

`CeremonyTransport` is how a trustee reaches the board: `BoardTransport` (in-process), the HTTP client in
`trustees.online`, and the request/response files of `trustees.airgap`. `check_post` is the coordinator's
check of every post before it reaches the board (the server runs it too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from bulletin_board.entries import Entry, EntryKind, canonical_payload
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.log import BulletinBoard
from crypto.errors import CryptoError
from crypto.threshold import (
    TrusteeCommitment,
    TrusteeKeyShare,
    TrusteeSecretState,
    check_complaint,
    check_parameters,
    dkg_check_commitments,
    dkg_finish,
    dkg_step1,
    dkg_step1_check,
    dkg_step2,
    dkg_step3,
    joint_public_key,
    public_shares,
)
from elections.manifest import TrusteeRosterEntry
from record.ceremony import (
    CeremonyView,
    JointKey,
    Post,
    ceremony_context,
    checked_key,
    checked_post,
    commitment_key,
    commitment_post,
    joint_key_post,
    manifest_payload_hash,
    read_ceremony,
    shares_key,
    shares_post,
)
from trustees.errors import CeremonyError, CeremonyFailedError
from trustees.identity import (
    IDENTITY_KEY_BYTES,
    authenticate_post,
    board_manifest,
    check_ceremony_size,
    check_roster,
    identity_public_key,
    new_identity_key,
    sign_post,
)

SECRETS_VERSION = 1


# --- what a trustee keeps ----------------------------------------------------------------------------------------


@dataclass
class TrusteeSecrets:
    """The contents of a trustee's keystore (a JSON object once sealed).

    ``context`` is pinned at the first step (the election and ceremony the keystore belongs to); ``outbox`` maps
    dedup keys to the posts this trustee has produced, so they are re-sent identically, never recomputed.
    """

    index: int
    n: int
    k: int
    attempt: int = 1
    context: bytes | None = None
    dkg_state: TrusteeSecretState | None = None
    outbox: dict[str, Post] = field(default_factory=dict)
    key_share: TrusteeKeyShare | None = None
    #: The raw Ed25519 identity key whose public half is on the manifest's roster (`trustees.identity`).
    identity_key: bytes | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SECRETS_VERSION,
            "index": self.index,
            "n": self.n,
            "k": self.k,
            "attempt": self.attempt,
            "context": None if self.context is None else self.context.hex(),
            "dkg_state": None if self.dkg_state is None else self.dkg_state.to_dict(),
            "outbox": {key: post.to_dict() for key, post in self.outbox.items()},
            "key_share": None if self.key_share is None else self.key_share.to_dict(),
            "identity_key": None if self.identity_key is None else self.identity_key.hex(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrusteeSecrets:
        if data.get("version") != SECRETS_VERSION:
            raise CeremonyError(f"keystore contents version {data.get('version')!r} is not supported")
        try:
            return cls(
                index=int(data["index"]),
                n=int(data["n"]),
                k=int(data["k"]),
                attempt=int(data["attempt"]),
                context=None if data["context"] is None else bytes.fromhex(data["context"]),
                dkg_state=None if data["dkg_state"] is None else TrusteeSecretState.from_dict(data["dkg_state"]),
                outbox={key: Post.from_dict(post) for key, post in data["outbox"].items()},
                key_share=None if data["key_share"] is None else TrusteeKeyShare.from_dict(data["key_share"]),
                identity_key=_identity_key(data.get("identity_key")),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise CeremonyError(f"the keystore contents are not a trustee's secrets: {e!r}") from e

    def label(self) -> dict[str, Any]:
        """The public label of this trustee's keystore (with the identity public key for the roster)."""
        label: dict[str, Any] = {"role": "trustee", "trustee": self.index, "n": self.n, "k": self.k}
        if self.identity_key is not None:
            label["identity_public_key"] = identity_public_key(self.identity_key)
        return label

    @property
    def identity_public_key(self) -> str | None:
        """The identity public key (64 hex characters) the commission puts on the roster."""
        return None if self.identity_key is None else identity_public_key(self.identity_key)


def _identity_key(value: object) -> bytes | None:
    if value is None:  # a keystore made before trustees had identity keys
        return None
    key = bytes.fromhex(str(value))
    if len(key) != IDENTITY_KEY_BYTES:
        raise ValueError("the identity key is 32 bytes")
    return key


class SecretsStore(Protocol):
    """Where a trustee's secrets live: a `trustees.keystore.Keystore`, or `MemoryStore` for the demo and tests."""

    @property
    def secrets(self) -> dict[str, Any]: ...

    def save(self, secrets_: dict[str, Any]) -> None: ...


class MemoryStore:
    """Secrets kept in memory (the in-process demo, where no trustee laptop exists)."""

    def __init__(self, secrets_: dict[str, Any]) -> None:
        self._secrets = secrets_

    @property
    def secrets(self) -> dict[str, Any]:
        return dict(self._secrets)

    def save(self, secrets_: dict[str, Any]) -> None:
        self._secrets = dict(secrets_)


# --- the board, as a trustee reaches it --------------------------------------------------------------------------


class CeremonyTransport(Protocol):
    """A trustee's link to the board: read the entries, send posts. Implementations: `BoardTransport`
    (in-process), `trustees.online.HttpTransport`, `trustees.airgap.RequestTransport`."""

    def read_entries(self) -> list[Entry]: ...

    def post(self, posts: Sequence[Post]) -> None: ...


@dataclass(frozen=True)
class CeremonyParams:
    """What the commission fixed for the ceremony: n trustees, threshold k, and the attempt number.

    ``allow_unauthenticated`` lets a board whose manifest has no trustee roster take trustee posts nobody can
    authenticate: a server in development mode only (docs/trustees.md, "Trustee identity")."""

    n: int
    k: int
    attempt: int = 1
    allow_unauthenticated: bool = False


class BoardTransport:
    """In-process transport: reads and appends the `BulletinBoard` directly, after the coordinator's `check_post`."""

    def __init__(self, board: BulletinBoard, params: CeremonyParams) -> None:
        self.board = board
        self.params = params

    def read_entries(self) -> list[Entry]:
        return self.board.entries(0, self.board.size)

    def post(self, posts: Sequence[Post]) -> None:
        for post in posts:
            if post.kind is EntryKind.DECRYPTION_SHARE:
                # Imported here: the decryption module builds on this one (it reads the trustees' secrets).
                from trustees.decryption import accept_decryption_post

                accept_decryption_post(self.board, post, allow_unauthenticated=self.params.allow_unauthenticated)
            else:
                accept_post(self.board, self.params, post)


def accept_post(board: BulletinBoard, params: CeremonyParams, post: Post) -> bool:
    """Check ``post`` against the board (`check_post`) and append it; ``False`` if the very same post is already
    there (idempotent retry). The server's trustee endpoints call this."""
    existing = board.find_by_dedup_key(post.dedup_key)
    if existing is not None:
        if canonical_payload(existing.payload) == canonical_payload(post.payload):
            return False
        raise CeremonyError(f"the board already holds a different entry in slot {post.dedup_key}", code="slot_taken")
    check_post(board.entries(0, board.size), params, post)
    try:
        board.append(post.kind, post.payload, dedup_key=post.dedup_key)
    except DuplicateEntryError:  # a concurrent retry won the race
        return False
    return True


# --- judging the board -------------------------------------------------------------------------------------------


def _ordered(view: CeremonyView) -> list[TrusteeCommitment]:
    return [view.commitments[j] for j in sorted(view.commitments)]


def _missing(view: CeremonyView, present: dict[int, Any]) -> tuple[int, ...]:
    return tuple(j for j in range(1, view.n + 1) if j not in present)


def check_commitments(view: CeremonyView) -> None:
    """All n commitments valid; otherwise `CeremonyFailedError` naming the trustees whose proofs fail."""
    try:
        dkg_check_commitments(view.context, _ordered(view), view.n, view.k)
    except CryptoError as e:
        cheaters = []
        for commitment in _ordered(view):
            try:
                dkg_step1_check(view.context, commitment)
            except CryptoError:
                cheaters.append(commitment.index)
        raise CeremonyFailedError(f"step-1 commitments do not check: {e.message}", cheaters or []) from e


def find_cheaters(view: CeremonyView) -> dict[int, str]:
    """Judge every complaint on the board from public data: {guilty trustee: reason}. Needs all entries."""
    guilty: dict[int, str] = {}
    for complainer, complaints in sorted(view.complaints.items()):
        for complaint in complaints:
            encrypted = [s for s in view.shares.get(complaint.accused, ()) if s.recipient == complainer]
            if not encrypted:
                guilty.setdefault(complainer, "complaint_about_no_share")
                continue
            verdict = check_complaint(
                view.context,
                complaint,
                encrypted[0],
                view.commitments[complaint.accused],
                view.commitments[complainer],
            )
            guilty.setdefault(verdict.guilty, verdict.reason)
    return guilty


def expected_joint_key(view: CeremonyView) -> JointKey:
    """K and X_1..X_n from the commitments of the qualified dealers (everyone, once no complaint stands)."""
    qualified = _ordered(view)
    return JointKey(
        view.n,
        view.k,
        tuple(c.index for c in qualified),
        joint_public_key(qualified),
        public_shares(view.n, qualified),
    )


def check_post(entries: Sequence[Entry], params: CeremonyParams, post: Post) -> None:
    """The coordinator's check of a trustee's post against the board; raises `CeremonyError` (or a crypto error,
    or `TrusteeUnauthenticatedError` when the post is not signed by the roster's key of the trustee it names)."""
    context = ceremony_context(manifest_payload_hash(entries), params.n, params.k, params.attempt)
    manifest = board_manifest(entries)
    check_ceremony_size(manifest, params.n, params.k)
    authenticate_post(manifest, post, allow_unauthenticated=params.allow_unauthenticated)
    if post.payload.get("context") != context.hex():
        raise CeremonyError("the post belongs to another election or ceremony attempt", code="wrong_ceremony")
    view = read_ceremony(entries, context, params.n, params.k)
    probe = read_ceremony([Entry.create(0, post.kind, post.payload)], context, params.n, params.k)
    if probe.malformed or not probe.payloads:
        raise CeremonyError(f"malformed {post.kind.value} post: {'; '.join(probe.malformed) or 'not readable'}")
    [slot] = probe.payloads
    if slot != post.dedup_key:
        raise CeremonyError(f"the post's slot should be {slot}, not {post.dedup_key}", code="wrong_slot")
    if post.kind is EntryKind.TRUSTEE_COMMITMENT:
        [commitment] = probe.commitments.values()
        dkg_step1_check(context, commitment)
        return
    _require_complete(view, view.commitments, "step-1 commitments")
    check_commitments(view)
    if post.kind is EntryKind.TRUSTEE_SHARE:
        [(sender, shares)] = probe.shares.items()
        if sorted(s.recipient for s in shares) != [j for j in range(1, params.n + 1) if j != sender]:
            raise CeremonyError(f"trustee {sender} must send exactly one share to each other trustee")
        return
    _require_complete(view, view.shares, "step-2 shares")
    if post.kind is EntryKind.COMPLAINT:
        [(complainer, complaints)] = probe.complaints.items()
        if any(not 1 <= c.accused <= params.n for c in complaints):
            raise CeremonyError(f"trustee {complainer} complains about a trustee outside 1..{params.n}")
        return
    _require_complete(view, view.complaints, "step-3 checks")
    cheaters = find_cheaters(view)
    if cheaters:
        raise CeremonyFailedError(f"no joint key: trustees {sorted(cheaters)} cheated", list(cheaters))
    if probe.joint_key != expected_joint_key(view):
        raise CeremonyError("the posted joint key is not the one the commitments give", code="wrong_joint_key")


def _require_complete(view: CeremonyView, present: dict[int, Any], what: str) -> None:
    missing = _missing(view, present)
    if missing:
        raise CeremonyError(
            f"too early: {what} from trustees {list(missing)} are not on the board yet", code="too_early"
        )


# --- one trustee's step ------------------------------------------------------------------------------------------


class CeremonyStage(StrEnum):
    """Where the ceremony stands for a trustee: the stage it is waiting in, or done."""

    COMMITMENTS = "commitments"
    SHARES = "shares"
    CHECKS = "checks"
    JOINT_KEY = "joint_key"
    DONE = "done"


@dataclass(frozen=True)
class CeremonyStatus:
    """The result of a trustee's step: the stage, whom it waits for, and the joint key once known."""

    stage: CeremonyStage
    waiting_for: tuple[int, ...] = ()
    joint_key: JointKey | None = None

    @property
    def done(self) -> bool:
        return self.stage is CeremonyStage.DONE

    def describe(self) -> str:
        if self.done:
            assert self.joint_key is not None
            return f"done: joint key {self.joint_key.joint_public_key.hex()}"
        waiting = ", ".join(str(j) for j in self.waiting_for) or "the coordinator"
        return f"{self.stage.value}: waiting for trustee(s) {waiting}"


def _queue(secrets_: TrusteeSecrets, view: CeremonyView, key: str, posts: list[Post]) -> None:
    """Send the outbox post ``key`` unless the board already has it; refuse if someone else holds the slot."""
    post = secrets_.outbox[key]
    on_board = view.payloads.get(key)
    if on_board is None:
        posts.append(post)
    elif canonical_payload(on_board) != canonical_payload(post.payload):
        raise CeremonyError(
            f"the board holds a different entry in this trustee's slot {key}: another keystore posted for trustee "
            f"{secrets_.index}, or this keystore is an old copy",
            code="slot_taken",
        )


def trustee_step(
    secrets_: TrusteeSecrets,
    entries: Sequence[Entry],
    *,
    step1: Callable[..., tuple[TrusteeSecretState, TrusteeCommitment]] = dkg_step1,
) -> tuple[list[Post], CeremonyStatus]:
    """Advance trustee ``secrets_.index`` as far as the board allows. Mutates ``secrets_`` (seal it before sending
    the posts!) and returns the posts to send and the resulting status. ``step1`` is replaceable for tests."""
    s = secrets_
    context = ceremony_context(manifest_payload_hash(entries), s.n, s.k, s.attempt)
    manifest = board_manifest(entries)
    check_roster(manifest, s.index, s.n, s.k, s.identity_key)
    if s.context is None:
        s.context = context
    elif s.context != context:
        raise CeremonyError("this keystore belongs to another election or ceremony attempt", code="wrong_ceremony")
    view = read_ceremony(entries, context, s.n, s.k)
    posts: list[Post] = []

    key = commitment_key(context, s.index)
    if s.dkg_state is None:
        if key in view.payloads:
            raise CeremonyError(
                f"the board already holds trustee {s.index}'s commitment but this keystore has no step-1 state: "
                "restore the keystore from its backup",
                code="slot_taken",
            )
        s.dkg_state, commitment = step1(context, s.index, s.n, s.k)
        s.outbox[key] = sign_post(s.identity_key, manifest, commitment_post(context, commitment))
    _queue(s, view, key, posts)
    waiting = _missing(view, view.commitments)
    if waiting or posts:
        return posts, CeremonyStatus(CeremonyStage.COMMITMENTS, waiting)
    check_commitments(view)

    key = shares_key(context, s.index)
    if key not in s.outbox:
        shares = dkg_step2(context, s.dkg_state, _ordered(view))
        s.outbox[key] = sign_post(s.identity_key, manifest, shares_post(context, s.index, shares))
    _queue(s, view, key, posts)
    waiting = _missing(view, view.shares)
    if waiting or posts:
        return posts, CeremonyStatus(CeremonyStage.SHARES, waiting)

    key = checked_key(context, s.index)
    if key not in s.outbox:
        received = dkg_step3(context, s.dkg_state, _ordered(view), view.shares_for(s.index))
        s.outbox[key] = sign_post(s.identity_key, manifest, checked_post(context, s.index, received.complaints))
    _queue(s, view, key, posts)
    waiting = _missing(view, view.complaints)
    if waiting or posts:
        return posts, CeremonyStatus(CeremonyStage.CHECKS, waiting)

    cheaters = find_cheaters(view)
    if cheaters:
        named = ", ".join(f"trustee {j} ({reason})" for j, reason in sorted(cheaters.items()))
        raise CeremonyFailedError(f"the key ceremony failed: {named}", list(cheaters))
    expected = expected_joint_key(view)
    if s.key_share is None:
        received = dkg_step3(context, s.dkg_state, _ordered(view), view.shares_for(s.index))
        s.key_share = dkg_finish(context, s.dkg_state, _ordered(view), received)
    if s.key_share.joint_public_key != expected.joint_public_key:  # pragma: no cover - dkg_finish checks this
        raise CeremonyError("this trustee's key share does not belong to the board's joint key")
    if view.joint_key is None:
        return [joint_key_post(context, expected)], CeremonyStatus(CeremonyStage.JOINT_KEY)
    if view.joint_key != expected:
        raise CeremonyError("the joint key on the board is not the one the commitments give", code="wrong_joint_key")
    return [], CeremonyStatus(CeremonyStage.DONE, joint_key=expected)


def run_trustee(store: SecretsStore, transport: CeremonyTransport, *, max_rounds: int = 8) -> CeremonyStatus:
    """Run trustee steps against ``transport`` until it has to wait for others (or is done).

    Each round: read the board, decide (`trustee_step`), seal the secrets, then send. Sealing first means a crash
    between the two leaves the posts in the outbox, sent on the next run.
    """
    status = CeremonyStatus(CeremonyStage.COMMITMENTS)
    for _ in range(max_rounds):
        secrets_ = TrusteeSecrets.from_dict(store.secrets)
        before = secrets_.to_dict()
        posts, status = trustee_step(secrets_, transport.read_entries())
        if secrets_.to_dict() != before:
            store.save(secrets_.to_dict())
        if not posts:
            return status
        transport.post(posts)
    return status


def new_trustee_secrets(index: int, params: CeremonyParams) -> TrusteeSecrets:
    """Fresh secrets for trustee ``index`` (nothing generated yet: step 1 runs against the board's manifest)."""
    check_parameters(params.n, params.k)
    if not 1 <= index <= params.n:
        raise CeremonyError(f"the trustee index must be in 1..{params.n}")
    return TrusteeSecrets(index=index, n=params.n, k=params.k, attempt=params.attempt, identity_key=new_identity_key())


def new_trustee_stores(params: CeremonyParams) -> list[MemoryStore]:
    """Fresh in-memory secrets for trustees 1..n, each with its identity key (the demo and tests)."""
    return [MemoryStore(new_trustee_secrets(i, params).to_dict()) for i in range(1, params.n + 1)]


def roster_for(stores: Sequence[SecretsStore], names: Sequence[str] | None = None) -> tuple[TrusteeRosterEntry, ...]:
    """The manifest roster naming the trustees of ``stores`` (in index order) with their identity public keys."""
    entries = []
    for store in stores:
        secrets_ = TrusteeSecrets.from_dict(store.secrets)
        if secrets_.identity_public_key is None:
            raise CeremonyError(f"trustee {secrets_.index}'s keystore has no identity key")
        name = names[secrets_.index - 1] if names else f"Trustee {secrets_.index}"
        entries.append(TrusteeRosterEntry(index=secrets_.index, name=name, public_key=secrets_.identity_public_key))
    return tuple(sorted(entries, key=lambda e: e.index))


def run_key_ceremony(
    board: BulletinBoard, params: CeremonyParams, stores: Sequence[SecretsStore] | None = None
) -> tuple[JointKey, list[SecretsStore]]:
    """The whole ceremony in one process (the demo and tests): every trustee steps in turn until the joint key
    is on the board. Returns it with the trustees' stores (in memory unless ``stores`` are given)."""
    if stores is None:
        stores = new_trustee_stores(params)
    transport = BoardTransport(board, params)
    for _ in range(6):
        statuses = [run_trustee(store, transport) for store in stores]
        if all(s.done for s in statuses):
            assert statuses[0].joint_key is not None
            return statuses[0].joint_key, list(stores)
    raise CeremonyError(f"the ceremony did not finish: {[s.describe() for s in statuses]}")
