"""Checks 46–49: the coercion-resistant mode (docs/spec/record.md §2.15, docs/spec/credentials.md §8).

46 the roster; 47 every ``cr_ballot``'s proofs and the ``mix_input`` recomputed from them (so check 45's chain
starts from the posted ballots); 48 the blinding chains of the mixed ballots and of the roster; 49 the decryption of
the tags, the matching recomputed, the decryption of the kept ballots' choices only, and the ``cr_result``.
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
    check_ballot_mix_input,
    check_blinding,
    check_roster,
    check_roster_mix_input,
    credential_column,
)
from record.cr_contests import Layout
from record.cr_tally import (
    check_cr_result,
    choice_ciphertexts,
    combine,
    count_choices,
    cr_result_payload,
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
        if _indices(ctx, EntryKind.CR_BLINDING):
            raise _fail("the roster was blinded without being mixed", roster=len(roster))
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


@check(47, AREA, "Coercion-resistant ballots: every proof; the mix input is exactly their rows in board order")
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
    if not inputs:
        raise CheckSkippedError(f"{len(indices)} ballots verify; no mix_input yet")
    try:
        check_ballot_mix_input(ctx.export.payload(inputs[0]), payloads, layout, joint.joint_public_key)
    except ShailooError as e:
        raise _fail(e.message, code=e.code, mix_input=inputs[0], ballots=len(indices)) from e
    ctx.cr_ballots = len(indices)
    return Passed(f"{len(indices)} ballots verify and are the mix input's rows", {"ballots": len(indices)})


@check(48, AREA, "Coercion-resistant blinding: both chains signed, proved, by the same ≥ k trustees")
def cr_blinding(ctx: VerificationContext) -> Passed:
    manifest = _cr_manifest(ctx)
    base = ctx.need(ctx.base_hash, "the base hash", 15)
    roster = ctx.need(ctx.cr_roster, "the roster", 46)
    ctx.need(ctx.cr_ballots, "the ballots tied to the mix input", 47)
    rows = ctx.need(ctx.mixed_rows, "the mixed ballots", 45)
    indices = _indices(ctx, EntryKind.CR_BLINDING)
    if not indices:
        raise CheckSkippedError("no blinding yet")
    try:
        result = check_blinding(
            manifest, base, credential_column(rows), roster, [ctx.export.payload(i) for i in indices]
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
    results = _indices(ctx, EntryKind.CR_RESULT)
    if not results:
        raise CheckSkippedError("no cr_result yet")
    if len(results) > 1:
        raise _fail("more than one cr_result entry", entries=results)
    decryptions = _indices(ctx, EntryKind.CR_DECRYPTION)
    posts = [ctx.export.payload(i) for i in decryptions]
    shares = dict(enumerate(joint.public_shares, start=1))
    try:
        tag_cts = [*blinded.ballots, *blinded.roster]
        tags, _ = combine(manifest, base, shares, "tags", tag_cts, posts)
        match = match_from_tags(tags, len(rows))
        choice_cts = choice_ciphertexts(rows, match.kept)
        points, trustees = combine(manifest, base, shares, "choices", choice_cts, posts)
        expected = cr_result_payload(manifest, len(rows), len(roster), count_choices(manifest, match, points), trustees)
        check_cr_result(manifest, ctx.export.payload(results[0]), expected)
    except ShailooError as e:
        raise _fail(f"the tally does not recompute: {e.message}", code=e.code, cr_result=results[0]) from e
    return Passed(
        f"{len(match.kept)} ballots kept, {len(match.unmatched)} with no roster credential, "
        f"{len(match.duplicates)} repeats; the result recomputes",
        {"kept": len(match.kept), "unmatched": len(match.unmatched), "duplicates": len(match.duplicates)},
    )
