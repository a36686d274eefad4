"""Check 24: the voting window — every ballot's integration interval and the close's time against the manifest.

A ballot's *integration interval* runs from its promise time (when the log appended it) to the time of the first
signed tree head that covers it. Both times are the log's own; the verifier cannot know the true time, but it can
hold the log to the manifest: a board that took a ballot after ``voting_closes`` (beyond the tolerance for the
merge delay and clock drift, ``policy.clock_tolerance_seconds``) or before ``voting_opens`` says so in its own
signed times, and so does a close made before ``voting_closes`` without the policy's permission and a reason.

A log whose clock is set back says nothing of the kind, so the check also reads the pinned witnesses' clocks
(check 3 establishes their verified cosignatures). A witness that cosigned a tree head of size ``s`` at its time
``w`` vouches that every entry below ``s`` was on the board by ``w``. A ballot's *witnessed time* is the earliest
time at which ``m`` distinct pinned witnesses had each cosigned some head covering it (``m`` is the verifier's
``min_witnesses``, at least 1): a ballot whose witnessed time is after ``voting_closes`` + tolerance was taken
late, whatever the log's own times say. Honest witnesses must therefore be following the board at the close,
polling more often than the tolerance.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from bulletin_board.entries import EntryKind
from crypto.errors import ShailooError
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError
from observer.established import WitnessesEstablished
from record.lifecycle import Close
from record.window import VotingWindow, utc_text

AREA = "ballots"
#: Kinds the server accepts only inside the window.
_WINDOW_KINDS = (EntryKind.BALLOT.value, EntryKind.SPOILED_BALLOT.value)


def _close_problems(ctx: VerificationContext, window: VotingWindow) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    refs = ctx.export.of_kind(EntryKind.CLOSE)
    if not refs:
        return [], {"close": None}
    ref = refs[0]
    try:
        close = Close.from_payload(ctx.export.payload(ref.index))
    except ShailooError as e:
        return [{"entry_index": ref.index, "problem": f"the close does not parse: {e.message}"}], {}
    problems: list[dict[str, Any]] = []
    where = {"entry_index": ref.index, "closed_at": close.closed_at, "appended_at": utc_text(ref.timestamp)}
    if abs(ref.timestamp - close.closed_at_ms) > window.tolerance_ms:
        problems.append({**where, "problem": "the close's recorded time is not the time the log appended it"})
    if close.closed_at_ms < window.closes_ms:
        if not window.early_close_allowed:
            problems.append({**where, "problem": "closed before voting_closes; the manifest allows no early close"})
        elif close.early_close_reason is None:
            problems.append({**where, "problem": "closed early without the operator's reason"})
    return problems, {"close": where, "early_close_reason": close.early_close_reason}


def witnessed_times(witnesses: WitnessesEstablished, sizes: list[int], needed: int) -> list[int | None]:
    """For each tree head (``sizes``, increasing), the earliest time by which ``needed`` distinct pinned witnesses
    had each cosigned that head or a larger one; None where fewer ever did. An entry covered first by head ``j``
    has the witnessed time of head ``j``: a cosignature of any larger head also covers it."""
    position = {size: j for j, size in enumerate(sizes)}
    earliest: dict[str, list[int | None]] = {}  # witness → per head, its earliest cosignature of that head
    for c in witnesses.cosigned:
        j = position.get(c.size)
        if j is None:
            continue
        times = earliest.setdefault(c.witness, [None] * len(sizes))
        held = times[j]
        times[j] = c.timestamp if held is None else min(held, c.timestamp)
    for times in earliest.values():  # suffix minimum: the earliest cosignature of this head or a larger one
        running: int | None = None
        for j in range(len(sizes) - 1, -1, -1):
            t = times[j]
            if t is not None and (running is None or t < running):
                running = t
            times[j] = running
    result: list[int | None] = []
    for j in range(len(sizes)):
        seen = sorted(t for times in earliest.values() if (t := times[j]) is not None)
        result.append(seen[needed - 1] if len(seen) >= needed else None)
    return result


@check(24, AREA, "Voting window: every ballot integrated inside it, the close not before it ends")
def voting_window(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    try:
        window = VotingWindow.of(manifest)
    except ShailooError as e:
        raise CheckFailedError(f"the manifest's voting window does not parse: {e.message}") from e
    export = ctx.export
    opened = export.of_kind(EntryKind.CHANNELS_OPEN)
    open_index = opened[0].index if opened else None
    heads = [(t.head.size, t.head.timestamp) for t in export.tree_heads if t.head is not None]
    sizes = [size for size, _ in heads]
    latest = window.latest_integration_ms()
    needed = max(1, ctx.options.min_witnesses)
    witnesses = ctx.witnesses
    compared = witnesses is not None and bool(witnesses.pinned)
    witnessed = witnessed_times(witnesses, sizes, needed) if witnesses is not None else [None] * len(sizes)
    bad: list[dict[str, Any]] = []
    checked = 0
    last_integrated = None
    last_witnessed = None
    for ref in export.entries:
        if ref.kind not in _WINDOW_KINDS:
            continue
        checked += 1
        where = {"entry_index": ref.index, "kind": ref.kind, "appended_at": utc_text(ref.timestamp)}
        covering = bisect_right(sizes, ref.index)  # the first head with size > index covers the entry
        if open_index is None or ref.index < open_index:
            bad.append({**where, "problem": "before channels_open"})
        elif ref.timestamp < window.opens_ms:
            bad.append({**where, "problem": "appended before voting_opens"})
        elif ref.timestamp > latest:
            bad.append({**where, "problem": "appended after voting_closes (beyond the clock tolerance)"})
        elif covering == len(heads):
            bad.append({**where, "problem": "no signed tree head covers it"})
        elif heads[covering][1] > latest:
            integrated = utc_text(heads[covering][1])
            bad.append({**where, "integrated_by": integrated, "problem": "first in a tree head after voting_closes"})
        elif (seen := witnessed[covering]) is not None and seen > latest:
            bad.append(
                {
                    **where,
                    "witnessed_by": utc_text(seen),
                    "problem": f"first cosigned by {needed} pinned witness(es) after voting_closes (beyond the "
                    "clock tolerance): the log's own times are back-dated",
                }
            )
        else:
            last_integrated = max(last_integrated or 0, heads[covering][1])
            if seen is not None:
                last_witnessed = max(last_witnessed or 0, seen)
    close_problems, close_evidence = _close_problems(ctx, window)
    evidence: dict[str, Any] = {
        "voting_opens": manifest.dates.voting_opens,
        "voting_closes": manifest.dates.voting_closes,
        "clock_tolerance_seconds": manifest.policy.clock_tolerance_seconds,
        "witness_times_compared": compared,
        "witnesses_needed": needed if compared else 0,
        **close_evidence,
    }
    if bad or close_problems:
        raise CheckFailedError(
            f"{len(bad)} entr(ies) outside the voting window"
            + (f"; {close_problems[0]['problem']}" if close_problems else ""),
            {
                **evidence,
                "entry_indices": [b["entry_index"] for b in bad][:50],
                "entries": bad[:50],
                "close_problems": close_problems,
            },
        )
    last = f"; the last integrated by {utc_text(last_integrated)}" if last_integrated is not None else ""
    if last_witnessed is not None:
        last += f", and witnessed by {utc_text(last_witnessed)}"
    elif not compared:
        last += " (by the log's clock alone: no pinned witness" + (
            ")" if witnesses is not None else "s, as check 3 did not pass)"
        )
    return Passed(f"{checked} ballots and challenged ballots inside the window{last}", evidence)
