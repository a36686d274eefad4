"""The coercion-resistant tally as steps on the board, read by the server and by each trustee alike
(docs/trustees.md, "The coercion-resistant tally"; docs/spec/credentials.md §8).

`read_cr_tally` reads the board's entries and re-checks every step of the tally posted so far with the functions
the verifier uses for checks 45–49 (`record.cr_board`, `record.mix`, `record.cr_tally`), tolerating only "not
finished yet" (a chain shorter than ``policy.mixing_trustees_required``, fewer than k decryptions). Anything else —
a bad proof, a post out of place, an exponent key of the order tags reused for the match tags, match tags equal to
order tags — raises, so a trustee never works on a list the board does not prove, and the server never accepts a
post that would break what the verifier re-checks. `CrTallyState.open_steps` says which steps take posts now; each
step closes when the next one starts, so no post can change a list another trustee already decrypted:

1. ``order`` blinding (each trustee once, in turn) — open until the first ``order`` decryption;
2. ``order`` decryption — open once the order chain has ≥ k_mix trustees, until k trustees have posted;
3. (server) the ballots' ``mix_input`` (the last ballot of each credential) and the roster's, once the order tags
   are decrypted;
4. ``ballots`` and ``roster`` shuffles — open from the mix inputs until the first match blinding;
5. match blinding of both mixed lists with ONE fresh exponent (both entries in one request, so a trustee never has
   to remember an exponent between requests) — open once both lists are mixed, until the first ``tags`` decryption;
6. ``tags`` decryption — open once both match chains have the same ≥ k_mix trustees, until k have posted;
7. ``choices`` decryption of the kept ballots only — open once the tags are decrypted, until k have posted;
8. (server) ``cr_result``, once the choices are decrypted.

`trustee_posts` gives a trustee's next posts from the state (none if it has done all it can now); every post names
its place by its board dedup key, so a post sent twice (a retry after a crash) is appended once. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import Entry, EntryKind
from crypto.credentials import LastBallots, TagMatch
from crypto.elgamal import Ciphertext
from crypto.errors import ShailooError
from crypto.group import Point, Scalar
from crypto.shuffle import Row
from elections.manifest import Manifest
from record.ballot import election_base_hash
from record.ceremony import JointKey
from record.cr_board import (
    ORDER,
    BlindingPost,
    CrBoardError,
    ballot_credentials,
    ballot_mix_input,
    blinding_list,
    check_ballot_mix_input,
    check_blinding,
    check_order_blinding,
    check_roster,
    check_roster_mix_input,
    credential_column,
    make_blinding_post,
    refuse_reused_keys,
    roster_mix_input,
)
from record.cr_contests import Layout
from record.cr_tally import (
    CrDecryptionPost,
    check_unlinkable,
    choice_ciphertexts,
    combine,
    count_choices,
    cr_result_payload,
    last_ballots,
    make_decryption_post,
    match_from_tags,
)
from record.mix import MixResult, check_mix, list_of, make_shuffle_post
from trustees.decryption import _issuer_keys
from trustees.identity import board_manifest

#: The steps a trustee posts to, in order (`CrTallyState.open_steps`).
STEPS: Final = (
    "order_blinding",
    "order_decryption",
    "ballots_shuffle",
    "roster_shuffle",
    "match_blinding",
    "tags_decryption",
    "choices_decryption",
)


class CrStepError(CrBoardError):
    """A coercion-resistant tally post refused for its place, not its content: ``wrong_mode``, ``wrong_phase``
    (the election is not closed), ``step_closed`` (the step takes no more posts, or not yet),
    ``already_posted`` (this trustee did this step), ``wrong_kind``."""

    code = "step_closed"


@dataclass(frozen=True)
class Chain:
    """A blinding or shuffle chain so far: the trustees in order, the newest list, and whether it has enough."""

    trustees: tuple[int, ...]
    enough: bool


@dataclass
class CrTallyState:
    """Everything the board proves about the tally so far (module docstring). Lists are ``None`` before their
    step starts."""

    manifest: Manifest
    base_hash: bytes
    joint: JointKey
    ballots: list[dict[str, Any]]
    roster: list[Ciphertext]
    order: Chain
    order_outputs: tuple[Ciphertext, ...]
    order_keys: tuple[Point, ...]
    decrypted_by: dict[str, tuple[int, ...]] = field(default_factory=dict)
    order_tags: list[Point] | None = None
    last: LastBallots | None = None
    ballot_mix: MixResult | None = None
    roster_mix: MixResult | None = None
    match: Chain | None = None
    match_lists: dict[str, tuple[Ciphertext, ...]] | None = None
    tags: list[Point] | None = None
    tag_match: TagMatch | None = None
    choice_points: list[Point] | None = None
    choice_trustees: tuple[int, ...] = ()
    result_posted: bool = False

    @property
    def k(self) -> int:
        return self.manifest.trustee_threshold or 1

    @property
    def shares(self) -> dict[int, Point]:
        return dict(enumerate(self.joint.public_shares, start=1))

    def done_by(self, step: str, trustee: int) -> bool:
        """Whether ``trustee`` has posted its part of ``step``."""
        if step == "order_blinding":
            return trustee in self.order.trustees
        if step.endswith("_decryption"):
            return trustee in self.decrypted_by.get(step.removesuffix("_decryption"), ())
        if step == "ballots_shuffle":
            return self.ballot_mix is not None and trustee in self.ballot_mix.trustees
        if step == "roster_shuffle":
            return self.roster_mix is not None and trustee in self.roster_mix.trustees
        if step == "match_blinding":
            return self.match is not None and trustee in self.match.trustees
        raise CrStepError(f"there is no step {step!r}", code="wrong_kind")

    def open_steps(self) -> list[str]:
        """The steps that take a trustee's post now (module docstring)."""
        opened: list[str] = []
        started = {target for target, by in self.decrypted_by.items() if by}
        if "order" not in started:
            opened.append("order_blinding")
        if self.order.enough and len(self.decrypted_by.get("order", ())) < self.k:
            opened.append("order_decryption")
        mixing = self.ballot_mix is not None and self.roster_mix is not None
        if mixing and self.match is None:
            opened += ["ballots_shuffle", "roster_shuffle"]
        mixed = mixing and self.ballot_mix is not None and self.ballot_mix.mixed
        mixed = mixed and self.roster_mix is not None and self.roster_mix.mixed
        if mixed and "tags" not in started:
            opened.append("match_blinding")
        if self.match is not None and self.match.enough and len(self.decrypted_by.get("tags", ())) < self.k:
            opened.append("tags_decryption")
        if self.tag_match is not None and len(self.decrypted_by.get("choices", ())) < self.k:
            opened.append("choices_decryption")
        return opened

    def describe(self) -> str:
        """One line on where the tally is."""
        if self.result_posted:
            return "the result is on the board"
        steps = self.open_steps()
        return f"open: {', '.join(steps)}" if steps else "waiting for the server's next post"


def _of(entries: Sequence[Entry], kind: EntryKind) -> list[dict[str, Any]]:
    return [dict(e.payload) for e in entries if e.kind is kind]


def _setup(entries: Sequence[Entry]) -> tuple[Manifest, JointKey, bytes]:
    manifest = board_manifest(entries)
    if not manifest.policy.coercion_resistant:
        raise CrStepError("this election is not in the coercion-resistant mode", code="wrong_mode")
    joints = _of(entries, EntryKind.JOINT_KEY)
    if not joints:
        raise CrStepError("the election key is not on the board", code="wrong_phase")
    joint = JointKey.from_payload(joints[0])
    issuer: dict[str, Any] = {}
    for payload in _of(entries, EntryKind.ISSUER_KEYS):
        issuer.update(_issuer_keys(payload))
    if not any(e.kind is EntryKind.CLOSE for e in entries):
        raise CrStepError("the election is not closed: the tally starts after the close", code="wrong_phase")
    return manifest, joint, election_base_hash(manifest, joint.joint_public_key, issuer)


def _in_progress(error: ShailooError, *codes: str) -> bool:
    return error.code in codes


def _decrypted(
    state: CrTallyState, target: str, ciphertexts: Sequence[Ciphertext], posts: list[dict[str, Any]]
) -> tuple[list[Point], tuple[int, ...]] | None:
    """Check the ``target``'s decryptions; the points once k trustees posted, else ``None``."""
    state.decrypted_by[target] = tuple(
        CrDecryptionPost.from_payload(p).trustee for p in posts if p.get("target") == target
    )
    try:
        return combine(state.manifest, state.base_hash, state.shares, target, ciphertexts, posts)
    except CrBoardError as e:
        if not _in_progress(e, "not_decrypted"):
            raise
        return None


def read_cr_tally(entries: Sequence[Entry]) -> CrTallyState:
    """The tally so far (module docstring); raises the verifier's error at the first step that does not verify."""
    manifest, joint, base = _setup(entries)
    key = joint.joint_public_key
    ballots = _of(entries, EntryKind.CR_BALLOT)
    roster = check_roster(manifest, _of(entries, EntryKind.CR_ROSTER))
    blindings = _of(entries, EntryKind.CR_BLINDING)
    decryptions = _of(entries, EntryKind.CR_DECRYPTION)
    # 1-2. The order chain and its decryption.
    order_posts = [p for p in blindings if blinding_list(p) == ORDER]
    credentials = ballot_credentials(ballots)
    try:
        order = check_order_blinding(manifest, base, credentials, order_posts)
        order_chain = Chain(order.trustees, True)
        outputs, keys = order.outputs, order.keys
    except CrBoardError as e:
        if not _in_progress(e, "not_blinded"):
            raise
        parsed = [BlindingPost.from_payload(p) for p in order_posts]  # every one verified before not_blinded
        order_chain = Chain(tuple(p.trustee for p in parsed), False)
        outputs = parsed[-1].outputs if parsed else tuple(credentials)
        keys = tuple(p.exponent_key for p in parsed)
    state = CrTallyState(manifest, base, joint, ballots, roster, order_chain, outputs, keys)
    decrypted = _decrypted(state, ORDER, list(outputs), decryptions) if order_chain.enough else None
    state.decrypted_by.setdefault(ORDER, ())
    if decrypted is None:
        _nothing_after(entries, "the order tags are decrypted")
        return state
    state.order_tags = decrypted[0]
    state.last = last_ballots(state.order_tags, revoting_allowed=manifest.policy.revoting_allowed)
    # 3-4. The mix inputs and the shuffles of both lists.
    inputs = {list_of(p): p for p in _of(entries, EntryKind.MIX_INPUT)}
    shuffles = _of(entries, EntryKind.SHUFFLE)
    if "ballots" not in inputs or "roster" not in inputs:
        _nothing_after(entries, "the mix inputs are posted", allow=(EntryKind.MIX_INPUT,))
        return state
    check_ballot_mix_input(inputs["ballots"], ballots, state.last.kept, Layout.of(manifest), key)
    check_roster_mix_input(inputs["roster"], roster)
    for which in ("ballots", "roster"):
        chain = [p for p in shuffles if list_of(p) == which]
        result = check_mix(manifest, base, key, inputs[which], chain, which=which)
        if which == "ballots":
            state.ballot_mix = result
        else:
            state.roster_mix = result
    assert state.ballot_mix is not None and state.roster_mix is not None
    match_posts = [p for p in blindings if blinding_list(p) in ("ballots", "roster")]
    if not (state.ballot_mix.mixed and state.roster_mix.mixed):
        if match_posts:
            raise CrStepError("a mixed list was blinded before both lists were mixed", code="not_mixed")
        return state
    # 5. The match chains: the same trustees on both lists, none with an order exponent.
    start = {"ballots": credential_column(state.ballot_mix.rows), "roster": [r[0] for r in state.roster_mix.rows]}
    if not match_posts:
        return state
    try:
        blinded = check_blinding(manifest, base, start["ballots"], start["roster"], match_posts, keys)
        state.match = Chain(blinded.trustees, True)
        state.match_lists = {"ballots": blinded.ballots, "roster": blinded.roster}
    except CrBoardError as e:
        if not _in_progress(e, "not_blinded", "blinding_lists_differ"):
            raise
        parsed = [BlindingPost.from_payload(p) for p in match_posts]
        chains = {w: tuple(p.trustee for p in parsed if p.which == w) for w in ("ballots", "roster")}
        if chains["ballots"] != chains["roster"]:  # a trustee blinds both lists in one request: never half
            raise
        refuse_reused_keys(keys, [p.exponent_key for p in parsed])
        state.match = Chain(chains["ballots"], False)
        state.match_lists = {
            w: next((p.outputs for p in reversed(parsed) if p.which == w), tuple(start[w])) for w in start
        }
    if not state.match.enough:
        return state
    # 6. The match tags, none an order tag; the matching.
    tags = _decrypted(state, "tags", [*state.match_lists["ballots"], *state.match_lists["roster"]], decryptions)
    if tags is None:
        return state
    state.tags = tags[0]
    check_unlinkable(state.order_tags, state.tags)
    rows: list[Row] = list(state.ballot_mix.rows)
    state.tag_match = match_from_tags(state.tags, len(rows))
    # 7. The kept ballots' choices.
    choices = _decrypted(state, "choices", choice_ciphertexts(rows, state.tag_match.kept), decryptions)
    if choices is not None:
        state.choice_points, state.choice_trustees = choices
    state.result_posted = any(e.kind is EntryKind.CR_RESULT for e in entries)
    return state


def _nothing_after(entries: Sequence[Entry], what: str, allow: tuple[EntryKind, ...] = ()) -> None:
    """Raise ``step_closed`` if a later step's entries are on the board before ``what``."""
    later = {EntryKind.MIX_INPUT, EntryKind.SHUFFLE, EntryKind.CR_RESULT} - set(allow)
    stray = [e.index for e in entries if e.kind in later]
    if stray:
        raise CrStepError(f"entries {stray} come before {what}", code="step_closed")


# -- the server's own steps ---------------------------------------------------------------------------------------


def server_posts(state: CrTallyState) -> list[tuple[EntryKind, dict[str, Any], str]]:
    """What the server posts now, with dedup keys: both mix inputs once the order tags are decrypted, the
    ``cr_result`` once the choices are."""
    if state.last is not None and state.ballot_mix is None:
        layout = Layout.of(state.manifest)
        key = state.joint.joint_public_key
        return [
            (EntryKind.MIX_INPUT, ballot_mix_input(state.ballots, state.last.kept, layout, key), "mix_input:ballots"),
            (EntryKind.MIX_INPUT, roster_mix_input(state.roster), "mix_input:roster"),
        ]
    if state.choice_points is not None and not state.result_posted:
        assert state.tag_match is not None and state.last is not None
        count = count_choices(state.manifest, state.tag_match, state.choice_points)
        result = cr_result_payload(
            state.manifest,
            len(state.ballots),
            len(state.roster),
            count,
            state.choice_trustees,
            superseded=len(state.last.superseded),
        )
        return [(EntryKind.CR_RESULT, result, "cr_result")]
    return []


# -- a trustee's steps --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrPost:
    """One entry a trustee sends: its kind, its signed payload and its board dedup key."""

    step: str
    kind: EntryKind
    payload: Mapping[str, Any]
    dedup_key: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "payload": dict(self.payload), "dedup_key": self.dedup_key}


def decryption_key(target: str, trustee: int) -> str:
    return f"cr_decryption:{target}:{trustee}"


def trustee_posts(
    state: CrTallyState, trustee: int, identity: Ed25519PrivateKey, share: Scalar, exponent: Scalar | None = None
) -> list[CrPost]:
    """Trustee ``trustee``'s posts for the first open step it has not done (empty: nothing to do now). A blinding
    draws a fresh exponent (``exponent`` lets a test play a trustee reusing one); the match blinding is two posts,
    one per list, with the same exponent, sent in one request."""
    m, base, key = state.manifest, state.base_hash, state.joint.joint_public_key
    for step in state.open_steps():
        if state.done_by(step, trustee):
            continue
        if step == "order_blinding":
            position = len(state.order.trustees)
            z = exponent or Scalar.random()
            payload = make_blinding_post(identity, m, base, trustee, ORDER, position, z, state.order_outputs)
            return [CrPost(step, EntryKind.CR_BLINDING, payload, f"cr_blinding:order:{position}")]
        if step in ("ballots_shuffle", "roster_shuffle"):
            which = step.removesuffix("_shuffle")
            mix = state.ballot_mix if which == "ballots" else state.roster_mix
            assert mix is not None
            position = len(mix.trustees)
            payload = make_shuffle_post(identity, m, base, key, trustee, position, mix.rows, which=which)
            return [CrPost(step, EntryKind.SHUFFLE, payload, f"shuffle:{which}:{position}")]
        if step == "match_blinding":
            z = exponent or Scalar.random()
            lists = state.match_lists or {
                "ballots": tuple(credential_column(state.ballot_mix.rows if state.ballot_mix else ())),
                "roster": tuple(r[0] for r in (state.roster_mix.rows if state.roster_mix else ())),
            }
            position = len(state.match.trustees) if state.match else 0
            return [
                CrPost(
                    step,
                    EntryKind.CR_BLINDING,
                    make_blinding_post(identity, m, base, trustee, which, position, z, lists[which]),
                    f"cr_blinding:{which}:{position}",
                )
                for which in ("ballots", "roster")
            ]
        target = step.removesuffix("_decryption")
        cts = decryption_inputs(state, target)
        payload = make_decryption_post(identity, m, base, trustee, share, target, cts)
        return [CrPost(step, EntryKind.CR_DECRYPTION, payload, decryption_key(target, trustee))]
    return []


def decryption_inputs(state: CrTallyState, target: str) -> list[Ciphertext]:
    """The ciphertexts the ``target``'s shares decrypt."""
    if target == ORDER:
        return list(state.order_outputs)
    if target == "tags":
        assert state.match_lists is not None
        return [*state.match_lists["ballots"], *state.match_lists["roster"]]
    assert state.ballot_mix is not None and state.tag_match is not None
    return choice_ciphertexts(list(state.ballot_mix.rows), state.tag_match.kept)


def step_of(kind: EntryKind, payload: Mapping[str, Any]) -> str:
    """The step a trustee's post belongs to (`CrStepError` ``wrong_kind`` for any other kind)."""
    if kind is EntryKind.CR_BLINDING:
        return "order_blinding" if blinding_list(payload) == ORDER else "match_blinding"
    if kind is EntryKind.SHUFFLE:
        return f"{list_of(payload)}_shuffle"
    if kind is EntryKind.CR_DECRYPTION:
        return f"{payload.get('target')}_decryption"
    raise CrStepError(f"a trustee posts no {kind.value} in the coercion-resistant tally", code="wrong_kind")
