"""The coercion-resistant tally over HTTP (docs/server.md, "The coercion-resistant mode"; docs/trustees.md).

Trustees read the board (``GET /v1/trustees/ceremony``), re-check it with `trustees.cr_steps.read_cr_tally` (the
verifier's functions) and send their posts here; the server takes nothing on trust:

* ``GET  /v1/trustees/cr/state`` — where the tally is: the open steps, who did each, whether the result is posted;
* ``POST /v1/trustees/cr/posts`` ← ``{"posts": [{"kind", "payload"}]}``: one trustee's ``cr_blinding`` (two posts,
  ``ballots`` then ``roster``, for the match blinding), ``shuffle`` or ``cr_decryption``;
* ``POST /v1/admin/cr-tally`` (operator) — post the server's own steps if their inputs are complete (they are also
  posted after every accepted trustee post): both ``mix_input`` entries, then the ``cr_result``.

A trustee post is refused, with nothing written, unless in this order: the election is in this mode and closed
(``wrong_mode``, ``wrong_phase``); the posts are of one trustee's step in the shape it takes (``wrong_kind``,
``malformed``); each is signed by the roster key of the trustee it names (``trustee_unauthenticated``); the step
is open (``step_closed``) and this trustee has not done it (``already_posted``); and the board WITH the posts
appended still re-checks through `read_cr_tally` — the error of the first check that fails (``invalid_proof`` of a
shuffle or blinding proof, ``blinding_key_reused`` for an exponent of the order tags reused for the match tags,
``blinding_out_of_order``, ``mix_out_of_order``, ``invalid_decryption_share``, ...). The posts are then appended in
one transaction under dedup keys naming their place (``cr_blinding:<list>:<position>``,
``shuffle:<list>:<position>``, ``cr_decryption:<target>:<trustee>``), so a retry or a concurrent post for the same
place is ``duplicate_entry``. One lock per process serialises check-then-append; with several server processes,
the dedup keys still keep a chain's places unique.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from bulletin_board.entries import Entry, EntryKind
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.log import BulletinBoard
from mobile_api.openapi import error_responses
from record.trustee_posts import check_trustee_post
from trustees.cr_steps import (
    STEPS,
    CrStepError,
    CrTallyState,
    decryption_key,
    read_cr_tally,
    server_posts,
    step_of,
)
from voting_server.auth import OperatorRole
from voting_server.components import Components

_LOCK = threading.Lock()


class CrTrusteePost(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=1, max_length=40)
    payload: dict[str, Any]


class CrTrusteePosts(BaseModel):
    """One trustee's posts for one step (two for the match blinding, one otherwise)."""

    model_config = ConfigDict(extra="forbid")
    posts: list[CrTrusteePost] = Field(min_length=1, max_length=2)


def _dedup_key(kind: EntryKind, payload: dict[str, Any]) -> str:
    if kind is EntryKind.CR_DECRYPTION:
        return decryption_key(str(payload.get("target")), int(payload["trustee"]))
    which = str(payload.get("list", "ballots"))
    prefix = "cr_blinding" if kind is EntryKind.CR_BLINDING else "shuffle"
    return f"{prefix}:{which}:{payload.get('position')}"


def accept_cr_posts(board: BulletinBoard, posts: list[tuple[EntryKind, dict[str, Any]]]) -> list[int]:
    """Check one trustee's posts for one step (module docstring) and append them; their entry indices."""
    with _LOCK:
        entries = board.entries(0, board.size)
        state = read_cr_tally(entries)
        steps = {step_of(kind, payload) for kind, payload in posts}
        if len(steps) != 1 or not steps <= set(STEPS):
            raise CrStepError("the posts are of one trustee step", code="wrong_kind")
        (step,) = steps
        lists = [payload.get("list") for _, payload in posts]
        if (step == "match_blinding") != (lists == ["ballots", "roster"]) or (
            step != "match_blinding" and len(posts) != 1
        ):
            raise CrStepError(
                "the match blinding is two posts (ballots, then roster); any other step one", code="malformed"
            )
        manifest_hash = state.manifest.manifest_hash()
        trustees = {check_trustee_post(state.manifest, kind.value, p, manifest_hash=manifest_hash) for kind, p in posts}
        if len(trustees) != 1:
            raise CrStepError("the posts are of one trustee", code="malformed")
        (trustee,) = trustees
        if step not in state.open_steps():
            raise CrStepError(f"the {step} step takes no posts now ({state.describe()})", code="step_closed")
        if state.done_by(step, trustee):
            raise CrStepError(f"trustee {trustee} has already posted its {step}", code="already_posted")
        candidate = [*entries, *(Entry.create(board.size + i, k, p) for i, (k, p) in enumerate(posts))]
        read_cr_tally(candidate)  # the verifier's checks on the board as it would be
        keys = [_dedup_key(kind, payload) for kind, payload in posts]
        promises = board.append_many([(k, p) for k, p in posts], dedup_keys=keys)
        return [p.index for p in promises]


def advance_cr_tally(board: BulletinBoard) -> list[str]:
    """Post the server's own steps whose inputs are complete (`trustees.cr_steps.server_posts`); their kinds."""
    posted: list[str] = []
    with _LOCK:
        while True:
            todo = server_posts(read_cr_tally(board.entries(0, board.size)))
            if not todo:
                return posted
            try:
                board.append_many([(k, p) for k, p, _ in todo], dedup_keys=[key for _, _, key in todo])
            except DuplicateEntryError:  # another process posted them first
                return posted
            posted += [k.value for k, _, _ in todo]


def _summary(state: CrTallyState) -> dict[str, Any]:
    return {
        "open": state.open_steps(),
        "order_blinded_by": list(state.order.trustees),
        "decrypted_by": {target: list(by) for target, by in state.decrypted_by.items()},
        "ballots_shuffled_by": list(state.ballot_mix.trustees) if state.ballot_mix else [],
        "roster_shuffled_by": list(state.roster_mix.trustees) if state.roster_mix else [],
        "match_blinded_by": list(state.match.trustees) if state.match else [],
        "result_posted": state.result_posted,
        "describe": state.describe(),
    }


def _board(request: Request) -> BulletinBoard:
    components: Components = request.app.state.components
    return components.board


_CODES = (
    "wrong_mode",
    "wrong_phase",
    "wrong_kind",
    "malformed",
    "trustee_unauthenticated",
    "step_closed",
    "already_posted",
    "invalid_proof",
    "blinding_key_reused",
    "blinding_out_of_order",
    "mix_out_of_order",
    "invalid_decryption_share",
    "duplicate_entry",
)


def build_cr_tally_router() -> APIRouter:
    router = APIRouter(tags=["coercion-resistant"])

    @router.get("/v1/trustees/cr/state", responses=error_responses("wrong_mode", "wrong_phase"))
    def cr_state(request: Request) -> dict[str, Any]:
        """Where the coercion-resistant tally is: the open steps and who did each."""
        return _summary(read_cr_tally(_board(request).entries(0, _board(request).size)))

    @router.post("/v1/trustees/cr/posts", responses=error_responses(*_CODES))
    def cr_posts(request: Request, body: CrTrusteePosts) -> dict[str, Any]:
        """One trustee's posts for one step of the coercion-resistant tally, checked then appended; the server's
        next posts (mix inputs, result) follow when their inputs are complete."""
        posts = [(EntryKind.parse(p.kind), p.payload) for p in body.posts]  # an unknown kind: ``invalid_entry``
        board = _board(request)
        appended = accept_cr_posts(board, posts)
        return {"appended": appended, "server_posted": advance_cr_tally(board)}

    @router.post("/v1/admin/cr-tally", responses=error_responses("unauthorized", "forbidden", *_CODES))
    def cr_tally(request: Request, role: OperatorRole) -> dict[str, Any]:
        """Post the server's steps of the coercion-resistant tally whose inputs are complete; where it is."""
        board = _board(request)
        posted = advance_cr_tally(board)
        return {"server_posted": posted, **_summary(read_cr_tally(board.entries(0, board.size)))}

    return router
