"""Check 45: mixing — the trustees' shuffle chain (docs/spec/record.md §2.14, docs/spec/shuffle.md)."""

from __future__ import annotations

from typing import Any

from bulletin_board.entries import EntryKind
from crypto.errors import ShailooError
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError, CheckSkippedError
from record.mix import check_mix

AREA = "tally"


def _fail(message: str, **evidence: Any) -> CheckFailedError:
    return CheckFailedError(message, evidence)


@check(45, AREA, "Mixing: every shuffle signed, of the newest list, its proof verified; k distinct trustees")
def mixing(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    required = manifest.policy.mixing_trustees_required
    inputs = ctx.export.of_kind(EntryKind.MIX_INPUT)
    shuffles = ctx.export.of_kind(EntryKind.SHUFFLE)
    indices = [ref.index for ref in shuffles]
    if required is None:
        if inputs or shuffles:
            raise _fail(
                "mix entries on a board whose manifest asks for no mixing",
                mix_input=[ref.index for ref in inputs],
                shuffles=indices,
            )
        raise CheckSkippedError("the manifest's policy asks for no mixing")
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    base = ctx.need(ctx.base_hash, "the base hash", 15)
    if len(inputs) > 1:
        raise _fail("more than one mix_input entry", mix_input=[ref.index for ref in inputs])
    mix_input = ctx.export.payload(inputs[0].index) if inputs else None
    tally = ctx.export.of_kind(EntryKind.ENCRYPTED_TALLY)
    if mix_input is None and not tally and not shuffles:
        raise CheckSkippedError("no mix_input entry yet")
    try:
        result = check_mix(manifest, base, joint.joint_public_key, mix_input, [ctx.export.payload(i) for i in indices])
    except ShailooError as e:
        raise _fail(f"the mixing chain is broken: {e.message}", code=e.code, shuffles=indices) from e
    evidence = {"shuffles": indices, "trustees": list(result.trustees), "required": required, "rows": len(result.rows)}
    if not result.mixed:
        if tally:
            raise _fail(
                f"tallied after shuffles by {len(result.trustees)} distinct trustees; the policy asks for {required}",
                encrypted_tally=tally[0].index,
                **evidence,
            )
        raise CheckSkippedError(f"mixing in progress: {len(result.trustees)} of {required} distinct trustees")
    return Passed(
        f"{len(result.rows)} rows shuffled by trustees {list(result.trustees)} (the policy asks for {required})",
        evidence,
    )
