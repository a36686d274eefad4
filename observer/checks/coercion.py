"""Checks 46–49: the coercion-resistant mode (docs/spec/record.md §2.15, docs/spec/credentials.md §8).

46 the roster; 47 every ``cr_ballot``'s proofs, the order tags (the ``order`` blinding chain and its decryption),
the last ballot of each credential, and the ``mix_input`` recomputed from those (so check 45's chain starts from the
posted ballots, re-votes removed); 48 the blinding chains of the mixed ballots and of the roster, none with an
exponent of the order tags; 49 the decryption of the match tags, none an order tag, the matching recomputed, the
decryption of the kept ballots' choices only, and the ``cr_result``.
In the homomorphic mode they skip, and fail if any ``cr_*`` entry is on the board.
"""

from __future__ import annotations

from typing import Any

from bulletin_board.entries import EntryKind
from crypto.errors import ShailooError
from elections.manifest import Manifest
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError, CheckSkippedError
from record.cr_ballot import CrBallot, check_cr_ballot
from record.cr_board import (
    ORDER,
    ballot_credentials,
    blinding_list,
    check_ballot_mix_input,
    check_blinding,
    check_order_blinding,
    check_roster,
    check_roster_mix_input,
    credential_column,
)
from record.cr_contests import Layout
from record.cr_tally import (
    CrOrder,
    check_cr_result,
    check_unlinkable,
    choice_ciphertexts,
    combine,
    count_choices,
    cr_result_payload,
    last_ballots,
    match_from_tags,
)
from record.mix import check_mix, list_of, require_mixed

AREA = "tally"
CR_KINDS = (
    EntryKind.CR_ROSTER,
    EntryKind.CR_BALLOT,
    EntryKind.CR_BLINDING,
    EntryKind.CR_DECRYPTION,
    EntryKind.CR_RESULT,
)


def _fail(message: str, **evidence: Any) -> CheckFailedError:
    return CheckFailedError(message, evidence)


def _cr_manifest(ctx: VerificationContext) -> Manifest:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    if not manifest.policy.coercion_resistant:
        stray = {k.value: [r.index for r in ctx.export.of_kind(k)] for k in CR_KINDS if ctx.export.of_kind(k)}
        if stray:
            raise _fail("coercion-resistant entries on a board whose manifest is homomorphic", entries=stray)
        raise CheckSkippedError("the manifest's mode is homomorphic")
    return manifest


def _indices(ctx: VerificationContext, kind: EntryKind) -> list[int]:
    return [ref.index for ref in ctx.export.of_kind(kind)]


@check(46, AREA, "Coercion-resistant roster: consecutive, registrar-signed, none twice; its mix by k trustees")
def cr_roster(ctx: VerificationContext) -> Passed:
    manifest = _cr_manifest(ctx)
    indices = _indices(ctx, EntryKind.CR_ROSTER)
    try:
        roster = check_roster(manifest, [ctx.export.payload(i) for i in indices])
    except ShailooError as e:
        raise _fail(f"the roster is broken: {e.message}", code=e.code, entries=indices) from e
    inputs = [i for i in _indices(ctx, EntryKind.MIX_INPUT) if list_of(ctx.export.payload(i)) == "roster"]
    shuffles = [i for i in _indices(ctx, EntryKind.SHUFFLE) if list_of(ctx.export.payload(i)) == "roster"]
    if not inputs:
        blinded = [i for i in _indices(ctx, EntryKind.CR_BLINDING) if blinding_list(ctx.export.payload(i)) == "roster"]
        if blinded:
            raise _fail("the roster was blinded without being mixed", roster=len(roster), entries=blinded)
        raise CheckSkippedError(f"{len(roster)} registrations on the roster; no roster mix yet")
    if len(inputs) > 1:
        raise _fail("more than one roster mix_input", mix_input=inputs)
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    base = ctx.need(ctx.base_hash, "the base hash", 15)
    try:
        check_roster_mix_input(ctx.export.payload(inputs[0]), roster)
        result = check_mix(
            manifest,
            base,
            joint.joint_public_key,
            ctx.export.payload(inputs[0]),
            [ctx.export.payload(i) for i in shuffles],
            which="roster",
        )
        mixed = require_mixed(result)
    except ShailooError as e:
        raise _fail(f"the roster's mix is broken: {e.message}", code=e.code, shuffles=shuffles) from e
    ctx.cr_roster = tuple(row[0] for row in mixed)
    return Passed(
        f"{len(roster)} registrations on the roster, mixed by trustees {list(result.trustees)}",
        {"entries": len(indices), "trustees": list(result.trustees)},
    )


@check(47, AREA, "Coercion-resistant ballots: every proof; the mix input is the last ballot of each credential")
def cr_ballots(ctx: VerificationContext) -> Passed:
    manifest = _cr_manifest(ctx)
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    base = ctx.need(ctx.base_hash, "the base hash", 15)
    if homomorphic := _indices(ctx, EntryKind.BALLOT):
        raise _fail("homomorphic ballots on a coercion-resistant board", ballots=homomorphic)
    indices = _indices(ctx, EntryKind.CR_BALLOT)
    payloads = [ctx.export.payload(i) for i in indices]
    try:
        layout = Layout.of(manifest)
    except ShailooError as e:
        raise _fail(f"the manifest's contests cannot be packed: {e.message}", code=e.code) from e
    for index, payload in zip(indices, payloads, strict=True):
        try:
            ballot = CrBallot.from_payload(payload)
            bits = layout.bits_of_style(ballot.style_id)
            check_cr_ballot(ballot, base, joint.joint_public_key, manifest.election_id, bits)
        except ShailooError as e:
            raise _fail(f"ballot entry {index} does not verify: {e.message}", code=e.code, entry_index=index) from e
    inputs = [i for i in _indices(ctx, EntryKind.MIX_INPUT) if list_of(ctx.export.payload(i)) == "ballots"]
    blindings = [i for i in _indices(ctx, EntryKind.CR_BLINDING) if blinding_list(ctx.export.payload(i)) == ORDER]
    if not inputs and not blindings:
        raise CheckSkippedError(f"{len(indices)} ballots verify; no order tags and no mix_input yet")
    if len(inputs) > 1:
        raise _fail("more than one ballots mix_input", mix_input=inputs)
    shares = dict(enumerate(joint.public_shares, start=1))
    posts = [ctx.export.payload(i) for i in _indices(ctx, EntryKind.CR_DECRYPTION)]
    try:
        # The order tags: the ballots' encrypted credentials in board order, blinded by ≥ k_mix trustees, decrypted
        # by ≥ k; the last ballot of each order tag is kept, and only those are the mix input, in board order.
        order = check_order_blinding(
            manifest, base, ballot_credentials(payloads), [ctx.export.payload(i) for i in blindings]
        )
        order_tags, _ = combine(manifest, base, shares, ORDER, list(order.outputs), posts)
        last = last_ballots(order_tags, revoting_allowed=manifest.policy.revoting_allowed)
        if not inputs:
            raise CheckSkippedError(f"{len(indices)} ballots verify, {len(last.kept)} to mix; no mix_input yet")
        check_ballot_mix_input(ctx.export.payload(inputs[0]), payloads, last.kept, layout, joint.joint_public_key)
    except CheckSkippedError:
        raise  # an order step or mix in progress is a skip (a ShailooError too, so it must not become a failure)
    except ShailooError as e:
        if not inputs and e.code in ("not_blinded", "not_decrypted"):
            raise CheckSkippedError(f"{len(indices)} ballots verify; order tags in progress: {e.message}") from e
        raise _fail(e.message, code=e.code, mix_input=inputs, ballots=len(indices), order_blinding=blindings) from e
    ctx.cr_ballots = len(indices)
    ctx.cr_order = CrOrder(tuple(order_tags), order.keys, len(last.superseded))
    superseded = [indices[i] for i in last.superseded]
    which = "last" if manifest.policy.revoting_allowed else "first (no re-voting)"
    return Passed(
        f"{len(indices)} ballots verify; {len(last.superseded)} dropped for another ballot with their credential; "
        f"the mix input is the {which} of each credential, {len(last.kept)} ballots in board order",
        {"ballots": len(indices), "kept": len(last.kept), "superseded": superseded, "trustees": list(order.trustees)},
    )


@check(48, AREA, "Coercion-resistant blinding: both chains signed, proved, by the same ≥ k trustees")
def cr_blinding(ctx: VerificationContext) -> Passed:
    manifest = _cr_manifest(ctx)
    base = ctx.need(ctx.base_hash, "the base hash", 15)
    roster = ctx.need(ctx.cr_roster, "the roster", 46)
    order = ctx.need(ctx.cr_order, "the order tags and the ballots tied to the mix input", 47)
    rows = ctx.need(ctx.mixed_rows, "the mixed ballots", 45)
    indices = [i for i in _indices(ctx, EntryKind.CR_BLINDING) if blinding_list(ctx.export.payload(i)) != ORDER]
    if not indices:
        raise CheckSkippedError("no blinding of the mixed lists yet")
    try:
        result = check_blinding(
            manifest, base, credential_column(rows), roster, [ctx.export.payload(i) for i in indices], order.keys
        )
    except ShailooError as e:
        raise _fail(f"the blinding is broken: {e.message}", code=e.code, entries=indices) from e
    ctx.cr_blinded = result
    return Passed(f"both lists blinded by trustees {list(result.trustees)}", {"trustees": list(result.trustees)})


@check(49, AREA, "Coercion-resistant tally: tags decrypted, matching recomputed, kept choices decrypted, result")
def cr_result(ctx: VerificationContext) -> Passed:
    manifest = _cr_manifest(ctx)
    base = ctx.need(ctx.base_hash, "the base hash", 15)
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    blinded = ctx.need(ctx.cr_blinded, "the blinded lists", 48)
    rows = ctx.need(ctx.mixed_rows, "the mixed ballots", 45)
    roster = ctx.need(ctx.cr_roster, "the roster", 46)
    order = ctx.need(ctx.cr_order, "the order tags", 47)
    ballots = ctx.need(ctx.cr_ballots, "the ballots", 47)
    results = _indices(ctx, EntryKind.CR_RESULT)
    if len(results) > 1:
        raise _fail("more than one cr_result entry", entries=results)
    decryptions = _indices(ctx, EntryKind.CR_DECRYPTION)
    posts = [ctx.export.payload(i) for i in decryptions]
    shares = dict(enumerate(joint.public_shares, start=1))
    tag_cts = [*blinded.ballots, *blinded.roster]
    evidence: dict[str, Any] = {"cr_result": results[0] if results else None, "cr_decryption": decryptions}
    try:
        try:
            tags, _ = combine(manifest, base, shares, "tags", tag_cts, posts)
        except ShailooError as e:
            if not results and e.code == "not_decrypted":
                raise CheckSkippedError(f"the match tags are not decrypted yet: {e.message}") from e
            raise
        # Decrypted match tags that are order tags link the mixed ballots to the board's: fail even with no result.
        check_unlinkable(order.tags, tags)
        if not results:
            raise CheckSkippedError("the match tags are decrypted and unlinkable to the order tags; no cr_result yet")
        match = match_from_tags(tags, len(rows))
        choice_cts = choice_ciphertexts(rows, match.kept)
        points, trustees = combine(manifest, base, shares, "choices", choice_cts, posts)
        count = count_choices(manifest, match, points)
        expected = cr_result_payload(manifest, ballots, len(roster), count, trustees, superseded=order.superseded)
        check_cr_result(manifest, ctx.export.payload(results[0]), expected)
    except CheckSkippedError:
        raise  # the tags or the result not posted yet is a skip (a ShailooError too, so it must not become a failure)
    except ShailooError as e:
        raise _fail(f"the tally does not recompute: {e.message}", code=e.code, **evidence) from e
    return Passed(
        f"{len(match.kept)} ballots kept, {len(match.unmatched)} with no roster credential, "
        f"{order.superseded} dropped for another ballot with their credential; the result recomputes",
        {"kept": len(match.kept), "unmatched": len(match.unmatched), "duplicates": order.superseded},
    )
