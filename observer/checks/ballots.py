"""Checks 20–23: every ballot, re-vote weeding, spoiled (challenged) ballots."""

from __future__ import annotations

from typing import Any

from bulletin_board.entries import EntryKind
from crypto.errors import ShailooError
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError
from observer.shards import ElectionMaterial, run_ballot_shards
from record.ballot import SpoiledBallot, check_ballot_envelope, check_spoiled
from record.tally import TallyBookkeeping

AREA = "ballots"


def material(ctx: VerificationContext) -> ElectionMaterial:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    keys = ctx.need(ctx.issuer_keys, "the issuer keys", 14)
    base = ctx.need(ctx.base_hash, "the election base hash", 15)
    return ElectionMaterial(
        manifest=manifest.to_canonical_dict(),
        joint_public_key=joint.joint_public_key.hex(),
        issuer_keys={s: k.to_bytes().hex() for s, k in keys.items()},
        base_hash=base.hex(),
        min_issuer_bits=ctx.options.min_issuer_bits,
    )


@check(20, AREA, "Every ballot: encodings, registrar and credential signatures, all proofs, ballot style")
def every_ballot(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    shared = material(ctx)
    weeded = ctx.weeding(manifest.policy.revoting_allowed)
    counted = frozenset(b.index for b in weeded.counted)
    total = len(ctx.export.of_kind(EntryKind.BALLOT))
    opts = ctx.options
    progress = None
    report = opts.on_progress
    if report is not None:
        verified = 0
        report("ballots", 0, total, "ballots verified")

        def progress(n: int) -> None:
            nonlocal verified
            verified += n
            report("ballots", verified, total, "ballots verified")

    run = run_ballot_shards(
        ctx.export,
        shared,
        counted,
        manifest=manifest,
        workers=opts.workers,
        dask_address=opts.dask_address,
        shard_size=opts.shard_size,
        checkpoint_path=opts.checkpoint,
        progress=progress,
    )
    ctx.ballots = run
    evidence: dict[str, Any] = {
        "ballots": run.ballots,
        "verified": run.verified,
        "shards": run.shards,
        "resumed_shards": run.resumed_shards,
        "runner": run.runner,
    }
    if run.failures:
        raise CheckFailedError(
            f"{len(run.failures)} of {run.ballots} ballots fail",
            {
                **evidence,
                "entry_indices": [f.index for f in run.failures],
                "failures": [f.to_json() for f in run.failures],
            },
        )
    return Passed(f"{run.verified} ballots verified ({run.runner}, {run.shards} shards)", evidence)


@check(21, AREA, "Every ballot entry is a distinct ballot (no ballot posted twice)")
def distinct_ballots(ctx: VerificationContext) -> Passed:
    seen: dict[bytes, int] = {}
    twice = []
    for summary in ctx.export.ballots:
        first = seen.setdefault(summary.ballot_hash, summary.index)
        if first != summary.index:
            twice.append([first, summary.index])
    if twice:
        raise CheckFailedError(f"{len(twice)} ballot(s) posted twice", {"entry_indices": twice})
    return Passed(f"{len(seen)} distinct ballot hashes", {"ballots": len(seen)})


@check(22, AREA, "Re-vote weeding: one counted ballot per credential, as the policy says")
def weeding(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    weeded = ctx.weeding(manifest.policy.revoting_allowed)
    evidence = {
        "revoting_allowed": manifest.policy.revoting_allowed,
        "counted": len(weeded.counted),
        "superseded": list(weeded.superseded),
        "refused_second": list(weeded.refused_second),
    }
    if weeded.refused_second:
        raise CheckFailedError("a credential has a second ballot although re-voting is not allowed", evidence)
    found = ctx.single(EntryKind.ENCRYPTED_TALLY.value)
    if found is None:
        return Passed(f"{len(weeded.counted)} ballots would count (no encrypted tally posted yet)", evidence)
    index, payload = found
    try:
        book = TallyBookkeeping.from_payload(payload)
    except ShailooError as e:
        raise CheckFailedError(f"the encrypted tally does not parse: {e.message}", {"entry_index": index}) from e
    # Paper ballots of the urns are counted too (check 31 adds them to the sum check 40 compares); the number of
    # electronic ballots counted is then checked through the aggregation, not here.
    counted = book.ballots_counted if not ctx.export.of_kind(EntryKind.PRECINCT_BATCH) else len(weeded.counted)
    published = (counted, list(book.superseded), list(book.refused_second))
    if published != (len(weeded.counted), list(weeded.superseded), list(weeded.refused_second)):
        raise CheckFailedError(
            "the tally's weeding differs from the recomputed one",
            {
                **evidence,
                "entry_index": index,
                "published_counted": published[0],
                "published_superseded": published[1],
                "published_refused_second": published[2],
            },
        )
    return Passed(
        f"{len(weeded.counted)} ballots counted, {len(weeded.superseded)} superseded by a later ballot",
        {**evidence, "entry_index": index},
    )


@check(23, AREA, "Spoiled (challenged) ballots open to what was published, and are never counted")
def spoiled(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    keys = ctx.need(ctx.issuer_keys, "the issuer keys", 14)
    cast_hashes = {b.ballot_hash for b in ctx.export.ballots}
    opened: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    for ref in ctx.export.of_kind(EntryKind.SPOILED_BALLOT):
        payload = ctx.export.payload(ref.index)
        try:
            spoiled_ballot = SpoiledBallot.from_payload(payload)
            ballot, reveal = spoiled_ballot.ballot, spoiled_ballot.reveal
            check_ballot_envelope(ballot, manifest=manifest, issuer_keys=keys)
            marks = check_spoiled(ballot, reveal, manifest=manifest, joint_public_key=joint.joint_public_key)
        except ShailooError as e:
            bad.append({"entry_index": ref.index, "code": e.code, "message": e.message})
            continue
        if ballot.ballot_hash() in cast_hashes:
            bad.append({"entry_index": ref.index, "code": "spoiled_ballot_cast", "message": "also cast as a ballot"})
            continue
        opened.append({"entry_index": ref.index, "tracking_code": ballot.tracking_code(), "marks": marks})
    if bad:
        raise CheckFailedError(
            f"{len(bad)} spoiled ballot(s) fail", {"entry_indices": [b["entry_index"] for b in bad], "failures": bad}
        )
    return Passed(f"{len(opened)} spoiled ballots re-encrypt to their published choices", {"spoiled": opened})
