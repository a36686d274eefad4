"""A trustee's part of the coercion-resistant tally against a server (``shailoo trustee cr-tally``; docs/trustees.md,
"The coercion-resistant tally").

Each round the trustee reads the whole board (``GET /v1/trustees/ceremony``), re-checks every step posted so far
with `trustees.cr_steps.read_cr_tally` — the verifier's functions, so it never blinds, shuffles or decrypts a list
the board does not prove, and it stops if an exponent of the order tags was reused for the match tags or a match
tag is an order tag — and sends its post for the first open step it has not done (``POST /v1/trustees/cr/posts``).
It keeps nothing between rounds: the board says what it has done, so a run stopped at any point and started again
posts nothing twice (a post whose answer was lost is on the board, or refused by its dedup key as
``duplicate_entry``, which counts as done). A blinding exponent lives only for its one request (the match blinding
sends both lists' entries together).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from crypto.group import Scalar
from trustees.cr_in_process import WorkingTrustee
from trustees.cr_steps import CrPost, read_cr_tally, trustee_posts
from trustees.errors import TrusteeError
from trustees.keystore_contents import SecretsStore
from trustees.online import HttpTransport


@dataclass(frozen=True)
class CrTallyStatus:
    """After a run: the trustee, the steps it posted in this run, and where the tally is."""

    trustee: int
    posted: tuple[str, ...]
    done: bool
    describe: str


#: ``exponent(step)`` for a test playing a trustee that reuses a blinding exponent; honest runs draw fresh ones.
ExponentHook = Callable[[str], Scalar | None]


def cr_tally_round(
    trustee: WorkingTrustee, transport: HttpTransport, *, exponent: ExponentHook | None = None
) -> CrPost | None:
    """One round: read and re-check the board, post this trustee's next step. The step posted, or ``None``."""
    state = read_cr_tally(transport.read_entries())
    posts = trustee_posts(state, trustee.index, trustee.identity, trustee.share)
    if not posts:
        return None
    if exponent is not None:
        chosen = exponent(posts[0].step)
        if chosen is not None:
            posts = trustee_posts(state, trustee.index, trustee.identity, trustee.share, exponent=chosen)
    try:
        transport.post_cr([{"kind": p.kind.value, "payload": dict(p.payload)} for p in posts])
    except TrusteeError as e:
        if e.code != "duplicate_entry":  # a retry of a post already on the board: done
            raise
    return posts[0]


def run_cr_tally_trustee(
    store: SecretsStore | WorkingTrustee,
    transport: HttpTransport,
    *,
    wait: bool = False,
    poll_seconds: float = 5.0,
    timeout_seconds: float | None = None,
    on_step: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    exponent: ExponentHook | None = None,
) -> CrTallyStatus:
    """Post every step this trustee can do now; with ``wait``, poll until the result is on the board."""
    trustee = store if isinstance(store, WorkingTrustee) else WorkingTrustee.from_store(store)
    posted: list[str] = []
    waited = 0.0
    while True:
        step = cr_tally_round(trustee, transport, exponent=exponent)
        if step is not None:
            posted.append(step.step)
            if on_step is not None:
                on_step(step.step)
            continue
        state = read_cr_tally(transport.read_entries())
        if state.result_posted or not wait or (timeout_seconds is not None and waited >= timeout_seconds):
            return CrTallyStatus(trustee.index, tuple(posted), state.result_posted, state.describe())
        sleep(poll_seconds)
        waited += poll_seconds
