"""Checks 11–13: the key ceremony the joint key names, judged again from the board.

Check 11 finds who took part (the participants: a valid commitment before the commitments step ended), check 12
who dealt and every complaint's verdict, and from them the qualified dealers Q and every disqualified trustee
with its reason; check 13 requires the joint key to name exactly those and recomputes K and X_1..X_n over Q.
The rules are those of docs/spec/record.md §2.2. This module applies them itself from the export — it does not
import the trustees' code that ran the ceremony — so a mistake there is not repeated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bulletin_board.entries import EntryKind, payload_hash
from crypto.errors import CryptoError, ShailooError
from crypto.share_encryption import EncryptedShare
from crypto.threshold import (
    Complaint,
    TrusteeCommitment,
    check_complaint,
    check_parameters,
    dkg_step1_check,
    joint_public_key,
    public_shares,
)
from elections.errors import TrusteeUnauthenticatedError
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError
from observer.established import CeremonyEstablished, QualificationEstablished, read_only
from record.ceremony import (
    CeremonyStep,
    Disqualification,
    JointKey,
    StepClosed,
    ceremony_context,
    read_complaint_entry,
    read_share_entry,
)
from record.trustee_posts import check_trustee_post

AREA = "setup"
#: The highest ceremony attempt the verifier accepts in the joint key (a restarted ceremony counts up).
_MAX_ATTEMPTS: Final = 16
CEREMONY_SUBJECT: Final = "key_ceremony"

Closes = Mapping[CeremonyStep, tuple[int, StepClosed]]


def _fail(message: str, **evidence: Any) -> CheckFailedError:
    return CheckFailedError(message, evidence)


def _joint_key_payload(ctx: VerificationContext) -> tuple[int, dict[str, Any]]:
    found = ctx.single(EntryKind.JOINT_KEY.value)
    if found is None:
        raise _fail("no joint_key entry on the board")
    return found


def _ceremony(ctx: VerificationContext) -> tuple[bytes, int, int, int]:
    """(context, n, k, attempt) of the ceremony the joint key names, recomputed from the manifest entry."""
    index, payload = _joint_key_payload(ctx)
    n, k = payload.get("n"), payload.get("k")
    if type(n) is not int or type(k) is not int:
        raise _fail("the joint key entry has no integer n and k", entry_index=index)
    check_parameters(n, k)
    attempt = payload.get("attempt")
    if type(attempt) is not int or not 1 <= attempt <= _MAX_ATTEMPTS:
        raise _fail(f"the joint key entry has no attempt in 1..{_MAX_ATTEMPTS}", entry_index=index)
    context = ceremony_context(payload_hash(EntryKind.MANIFEST, ctx.export.payload(0)), n, k, attempt)
    if payload.get("context") != context.hex():
        raise _fail(
            "the joint key's ceremony context is not C(manifest payload hash, n, k, attempt) of this board",
            entry_index=index,
            attempt=attempt,
        )
    return context, n, k, attempt


def authenticate(ctx: VerificationContext, kind: EntryKind, index: int, payload: dict[str, Any]) -> None:
    """Entry ``index`` is signed by the roster's identity key of the trustee it names (no-op without a roster:
    the checks' summaries say the posts are unauthenticated)."""
    manifest = ctx.manifest
    if manifest is None or not manifest.trustees:
        return
    try:
        check_trustee_post(manifest, kind.value, payload, manifest_hash=ctx.manifest_hash)
    except TrusteeUnauthenticatedError as e:
        raise _fail(f"entry {index}: {e.message}", entry_index=index, trustee=_named(payload)) from e


def _named(payload: dict[str, Any]) -> Any:
    for name in ("sender", "complainer", "trustee"):
        if name in payload:
            return payload[name]
    commitment = payload.get("commitment")
    return commitment.get("index") if isinstance(commitment, dict) else None


def roster_note(ctx: VerificationContext) -> str:
    """How the trustee posts were authenticated, for the checks' summaries."""
    if ctx.manifest is not None and ctx.manifest.trustees:
        return "each signed by its trustee's roster key"
    return "UNAUTHENTICATED: the manifest has no trustee roster"


def _of_this_ceremony(payload: dict[str, Any], context: bytes, attempt: int, index: int) -> bool:
    """Whether entry ``index`` belongs to the ceremony ``context``; one that names the context with another
    ``attempt`` contradicts itself and fails the check."""
    if payload.get("context") != context.hex():
        return False
    if payload.get("attempt") != attempt:
        raise _fail(
            f"entry {index} names this ceremony's context but attempt {payload.get('attempt')!r}", entry_index=index
        )
    return True


# --- how each step ended ------------------------------------------------------------------------------------------


def _closes(
    ctx: VerificationContext, context: bytes, attempt: int, n: int
) -> dict[CeremonyStep, tuple[int, StepClosed]]:
    """The coordinator's ``step_closed`` entries of this ceremony, by step (at most one each)."""
    found: dict[CeremonyStep, tuple[int, StepClosed]] = {}
    for ref in ctx.export.of_kind(EntryKind.STEP_CLOSED):
        payload = ctx.export.payload(ref.index)
        if not _of_this_ceremony(payload, context, attempt, ref.index):
            continue
        try:
            closed = StepClosed.from_payload(payload, n)
        except ShailooError as e:
            raise _fail(f"entry {ref.index}: malformed step_closed entry ({e.message})", entry_index=ref.index) from e
        if closed.step in found:
            raise _fail(
                f"the {closed.step.value} step was closed twice", entry_indices=[found[closed.step][0], ref.index]
            )
        found[closed.step] = (ref.index, closed)
    return found


def _late(closes: Closes, step: CeremonyStep, index: int) -> bool:
    """Whether entry ``index`` of ``step`` came after the step's close: it does not count (record.md §2.2; the
    coordinator refuses such a post, but one racing the close may still be on the board)."""
    close = closes.get(step)
    return close is not None and index > close[0]


def _step_end(closes: Closes, step: CeremonyStep, absent: list[int], last: int, previous_end: int) -> int:
    """Check how ``step`` ended and return the entry index it ended at: complete (nobody ``absent``; the index of
    its ``last`` entry) or closed, the close naming exactly the ``absent`` trustees and coming after the previous
    step ended (``previous_end``)."""
    close = closes.get(step)
    if close is None:
        if absent:
            raise _fail(f"trustees {absent} have no {step.value} entry and the step was never closed", trustees=absent)
        return last
    index, closed = close
    if list(closed.missing) != absent:
        raise _fail(
            f"the close of the {step.value} step names trustees {list(closed.missing)} missing; the board lacks "
            f"{absent}",
            entry_index=index,
            named=list(closed.missing),
            recomputed=absent,
        )
    if index < previous_end:
        raise _fail(
            f"the {step.value} step was closed at entry {index}, before the previous step ended at entry "
            f"{previous_end}",
            entry_index=index,
        )
    return index


def _named_reasons(disqualified: Mapping[int, Disqualification]) -> str:
    return ", ".join(f"trustee {j} ({reason.value})" for j, reason in sorted(disqualified.items()))


# --- check 11 ----------------------------------------------------------------------------------------------------


def _commitments(
    ctx: VerificationContext, context: bytes, attempt: int, closes: Closes, late: list[int]
) -> dict[int, tuple[int, TrusteeCommitment]]:
    """The commitments that count, by trustee; entries after the step's close are listed in ``late``."""
    found: dict[int, tuple[int, TrusteeCommitment]] = {}
    for ref in ctx.export.of_kind(EntryKind.TRUSTEE_COMMITMENT):
        payload = ctx.export.payload(ref.index)
        if not _of_this_ceremony(payload, context, attempt, ref.index):
            continue
        authenticate(ctx, EntryKind.TRUSTEE_COMMITMENT, ref.index, payload)
        if _late(closes, CeremonyStep.COMMITMENTS, ref.index):
            late.append(ref.index)
            continue
        try:
            commitment = TrusteeCommitment.from_dict(payload["commitment"])
        except (ShailooError, KeyError, TypeError) as e:
            raise _fail(f"entry {ref.index}: malformed trustee commitment ({e})", entry_index=ref.index) from e
        if commitment.index in found:
            raise _fail(
                f"trustee {commitment.index} committed twice", entry_indices=[found[commitment.index][0], ref.index]
            )
        found[commitment.index] = (ref.index, commitment)
    return found


def _judge_commitments(
    context: bytes, n: int, k: int, found: Mapping[int, tuple[int, TrusteeCommitment]]
) -> dict[int, Disqualification]:
    """The trustees that take no part: no commitment, an invalid one, or a C_0 or Y shared with another valid one."""
    out = {j: Disqualification.NO_COMMITMENT for j in range(1, n + 1) if j not in found}
    valid: list[TrusteeCommitment] = []
    for j, (_, commitment) in sorted(found.items()):
        if _valid_commitment(context, n, k, commitment):
            valid.append(commitment)
        else:
            out[j] = Disqualification.INVALID_COMMITMENT
    for c in valid:
        if any(
            o.index != c.index
            and (
                o.coefficient_commitments[0] == c.coefficient_commitments[0] or o.share_public_key == c.share_public_key
            )
            for o in valid
        ):
            out[c.index] = Disqualification.DUPLICATE_COMMITMENT
    return dict(sorted(out.items()))


def _valid_commitment(context: bytes, n: int, k: int, commitment: TrusteeCommitment) -> bool:
    """Both Schnorr proofs hold under ``context`` and the commitment is for this ceremony's (n, k)."""
    try:
        dkg_step1_check(context, commitment)
    except CryptoError:
        return False
    return (commitment.n, commitment.k) == (n, k)


@check(11, AREA, "Key ceremony: who took part — commitments and proofs of knowledge")
def trustee_commitments(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    context, n, k, attempt = _ceremony(ctx)
    if manifest.trustees and (n, k) != (len(manifest.trustees), manifest.trustee_threshold):
        raise _fail(
            f"the ceremony is {k}-of-{n}; the manifest's roster is {manifest.trustee_threshold}-of-"
            f"{len(manifest.trustees)}",
            n=n,
            k=k,
        )
    closes = _closes(ctx, context, attempt, n)
    late: list[int] = []
    found = _commitments(ctx, context, attempt, closes, late)
    absent = [j for j in range(1, n + 1) if j not in found]
    ended = _step_end(closes, CeremonyStep.COMMITMENTS, absent, max((i for i, _ in found.values()), default=0), 0)
    excluded = _judge_commitments(context, n, k, found)
    participants = {j: found[j] for j in sorted(found) if j not in excluded}
    if len(participants) < k:
        raise _fail(
            f"only {len(participants)} trustees took part in a {k}-of-{n} ceremony: it should have failed; "
            f"{_named_reasons(excluded)}",
            disqualified={j: r.value for j, r in excluded.items()},
        )
    ctx.ceremony = CeremonyEstablished(
        context, n, k, attempt, read_only(participants), read_only(excluded), read_only(closes), ended
    )
    took_part = (
        f"all {n} took part" if not excluded else f"{len(participants)} took part, not {_named_reasons(excluded)}"
    )
    return Passed(
        f"{n} trustees, threshold {k}: {took_part}; every participant's Schnorr proofs verify (attempt {attempt}); "
        f"{roster_note(ctx)}",
        {
            "n": n,
            "k": k,
            "context": context.hex(),
            "entry_indices": sorted(i for i, _ in found.values()),
            "participants": sorted(participants),
            "took_no_part": {j: r.value for j, r in excluded.items()},
            "closes": {s.value: i for s, (i, _) in closes.items()},
            "late_entries": late,
        },
    )


# --- check 12 ----------------------------------------------------------------------------------------------------


def _shares(
    ctx: VerificationContext, ceremony: CeremonyEstablished, late: list[int]
) -> dict[int, tuple[int, list[EncryptedShare]]]:
    """Every participant's counted share entry (the first), authenticated; one after the shares step closed is
    listed in ``late`` and does not count; one by a trustee that took no part fails the check."""
    shares: dict[int, tuple[int, list[EncryptedShare]]] = {}
    for ref in ctx.export.of_kind(EntryKind.TRUSTEE_SHARE):
        payload = ctx.export.payload(ref.index)
        if not _of_this_ceremony(payload, ceremony.context, ceremony.attempt, ref.index):
            continue
        authenticate(ctx, EntryKind.TRUSTEE_SHARE, ref.index, payload)
        if _late(ceremony.closes, CeremonyStep.SHARES, ref.index):
            late.append(ref.index)
            continue
        try:
            sender, parsed = read_share_entry(payload, ceremony.n)
        except ShailooError as e:
            raise _fail(f"entry {ref.index}: malformed encrypted shares ({e.message})", entry_index=ref.index) from e
        if sender not in ceremony.commitments:
            raise _fail(f"entry {ref.index}: trustee {sender} took no part but dealt shares", entry_index=ref.index)
        shares.setdefault(sender, (ref.index, list(parsed)))
    return shares


def _judge_dealing(
    participants: list[int], shares: Mapping[int, tuple[int, list[EncryptedShare]]]
) -> dict[int, Disqualification]:
    out: dict[int, Disqualification] = {}
    for j in participants:
        if j not in shares:
            out[j] = Disqualification.NO_SHARES
        elif sorted(s.recipient for s in shares[j][1]) != [i for i in participants if i != j]:
            out[j] = Disqualification.INVALID_SHARES
    return out


def _complaint_entries(
    ctx: VerificationContext, ceremony: CeremonyEstablished, late: list[int]
) -> dict[int, tuple[int, list[Complaint]]]:
    """Every participant's counted step-3 entry (the first), authenticated, by complainer; one after the checks
    step closed is listed in ``late`` and does not count."""
    filed: dict[int, tuple[int, list[Complaint]]] = {}
    for ref in ctx.export.of_kind(EntryKind.COMPLAINT):
        payload = ctx.export.payload(ref.index)
        if payload.get("subject") != CEREMONY_SUBJECT or not _of_this_ceremony(
            payload, ceremony.context, ceremony.attempt, ref.index
        ):
            continue
        authenticate(ctx, EntryKind.COMPLAINT, ref.index, payload)
        if _late(ceremony.closes, CeremonyStep.CHECKS, ref.index):
            late.append(ref.index)
            continue
        try:
            complainer, complaints = read_complaint_entry(payload, ceremony.n)
            items = list(complaints)
        except ShailooError as e:
            raise _fail(f"entry {ref.index}: malformed complaint entry ({e.message})", entry_index=ref.index) from e
        if complainer not in ceremony.commitments:
            raise _fail(
                f"entry {ref.index}: trustee {complainer} took no part but posted checks", entry_index=ref.index
            )
        filed.setdefault(complainer, (ref.index, items))
    return filed


@check(12, AREA, "Key ceremony: who dealt, every complaint judged, the qualified dealers")
def complaints(ctx: VerificationContext) -> Passed:
    ceremony = ctx.need(ctx.ceremony, "the ceremony's participants", 11)
    context, commitments = ceremony.context, ceremony.commitments
    participants = sorted(commitments)
    late: list[int] = []
    shares = _shares(ctx, ceremony, late)
    absent = [j for j in participants if j not in shares]
    last_share = max((i for i, _ in shares.values()), default=ceremony.commitments_ended)
    shares_ended = _step_end(ceremony.closes, CeremonyStep.SHARES, absent, last_share, ceremony.commitments_ended)
    dealing = _judge_dealing(participants, shares)
    sent = {j: {s.recipient: s for s in parsed} for j, (_, parsed) in shares.items()}

    filed = _complaint_entries(ctx, ceremony, late)
    absent = [j for j in participants if j not in filed]
    last_check = max((i for i, _ in filed.values()), default=shares_ended)
    _step_end(ceremony.closes, CeremonyStep.CHECKS, absent, last_check, shares_ended)
    upheld: dict[int, Disqualification] = {}
    verdicts: list[dict[str, Any]] = []
    for complainer, (index, items) in sorted(filed.items()):  # the lowest complainer's verdict counts first
        for complaint in items:
            encrypted = sent.get(complaint.accused, {}).get(complainer)
            if complaint.complainer != complainer or encrypted is None:
                raise _fail("a complaint about a share that was never sent", entry_index=index)
            verdict = check_complaint(
                context, complaint, encrypted, commitments[complaint.accused][1], commitments[complainer][1]
            )
            standing = verdict.guilty == verdict.accused
            verdicts.append({"entry_index": index, **verdict.__dict__, "upheld": standing})
            if standing:
                upheld.setdefault(verdict.accused, Disqualification(verdict.reason))

    disqualified = dict(ceremony.excluded)
    for found in (dealing, upheld):
        for j, reason in found.items():
            disqualified.setdefault(j, reason)
    qualified = tuple(j for j in range(1, ceremony.n + 1) if j not in disqualified)
    evidence = {
        "share_entries": sorted(i for i, _ in shares.values()),
        "complaint_entries": sorted(i for i, _ in filed.values()),
        "verdicts": verdicts,
        "qualified": list(qualified),
        "disqualified": {j: r.value for j, r in sorted(disqualified.items())},
        "late_entries": sorted(late),
    }
    if len(qualified) < ceremony.k:
        raise _fail(
            f"only {len(qualified)} qualified dealers for threshold {ceremony.k}: the ceremony should have failed; "
            f"disqualified: {_named_reasons(disqualified)}",
            **evidence,
        )
    ctx.qualification = QualificationEstablished(qualified, read_only(dict(sorted(disqualified.items()))))
    rejected = sum(1 for v in verdicts if not v["upheld"])
    outcome = f"Q = {list(qualified)}" + (f"; disqualified: {_named_reasons(disqualified)}" if disqualified else "")
    return Passed(
        f"{len(shares)} share entries, {len(filed)} step-3 entries; {len(verdicts) - rejected} complaint(s) upheld, "
        f"{rejected} rejected (a rejected complaint disqualifies nobody); {outcome}; {roster_note(ctx)}",
        evidence,
    )


# --- check 13 ----------------------------------------------------------------------------------------------------


@check(13, AREA, "Joint election key and every trustee's public share, over the qualified dealers")
def joint_key(ctx: VerificationContext) -> Passed:
    ceremony = ctx.need(ctx.ceremony, "the ceremony's participants", 11)
    recomputed = ctx.need(ctx.qualification, "the qualified dealers", 12)
    n, k = ceremony.n, ceremony.k
    index, payload = _joint_key_payload(ctx)
    try:
        published = JointKey.from_payload(payload)
    except ShailooError as e:
        raise _fail(f"the joint key entry does not parse ({e.message})", entry_index=index) from e
    if (published.n, published.k) != (n, k):
        raise _fail("the joint key's n and k are not the ceremony's", entry_index=index)
    if published.qualified != recomputed.qualified:
        raise _fail(
            "the joint key's qualified dealers are not the ones the board gives",
            entry_index=index,
            published=list(published.qualified),
            recomputed=list(recomputed.qualified),
        )
    if dict(published.disqualified) != dict(recomputed.disqualified):
        raise _fail(
            "the joint key's disqualified trustees or reasons are not the ones the board gives",
            entry_index=index,
            published={j: r.value for j, r in published.disqualified.items()},
            recomputed={j: r.value for j, r in recomputed.disqualified.items()},
        )
    qualified = [ceremony.commitments[j][1] for j in recomputed.qualified]
    expected_k = joint_public_key(qualified)
    expected_x = public_shares(n, qualified)
    if published.joint_public_key != expected_k:
        raise _fail(
            "K is not the sum of the qualified dealers' C_0",
            entry_index=index,
            published=published.joint_public_key.hex(),
            recomputed=expected_k.hex(),
        )
    wrong = [i + 1 for i, (a, b) in enumerate(zip(published.public_shares, expected_x, strict=True)) if a != b]
    if wrong:
        raise _fail(
            "public shares X_i do not match the qualified dealers' commitments", entry_index=index, trustees=wrong
        )
    ctx.joint_key = published
    return Passed(
        f"K and X_1..X_{n} recomputed from the commitments of the qualified dealers {list(recomputed.qualified)}",
        {"entry_index": index, "K": expected_k.hex(), "qualified": list(recomputed.qualified)},
    )
