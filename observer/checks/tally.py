"""Checks 40–44: aggregation, decryption shares, combination and discrete logs, results and seats, eligibility."""

from __future__ import annotations

from typing import Any

from bulletin_board.entries import EntryKind, decryption_share_part, decryption_share_parts, payload_hash
from crypto.elgamal import Ciphertext
from crypto.errors import ShailooError
from crypto.group import Point
from crypto.threshold import DecryptionShare, check_decryption_shares, combine_decryption_share_vectors
from elections.results import compute_results_by_style
from observer.checks import Passed, check
from observer.checks.annulment import annulled_precinct_ids
from observer.checks.ceremony import authenticate, roster_note
from observer.context import VerificationContext
from observer.errors import CheckFailedError, CheckSkippedError
from observer.established import CountsEstablished, SharesEstablished, TallyEstablished, read_only
from observer.shards import merge_tallies
from record.lifecycle import DecryptionSharePart, ResultEntry
from record.tally import (
    EncryptedTally,
    TallyBookkeeping,
    check_minimum_cells,
    decryptable_positions,
    decryption_context,
    publishable,
    turnout_from_tally,
    without_precincts,
)

AREA = "tally"


def _tally(ctx: VerificationContext) -> tuple[int, dict[str, Any], EncryptedTally]:
    found = ctx.single(EntryKind.ENCRYPTED_TALLY.value)
    if found is None:
        raise CheckSkippedError("no encrypted tally on the board yet")
    index, payload = found
    try:
        TallyBookkeeping.from_payload(payload)  # every member of the payload has its shape
        return index, payload, EncryptedTally.from_json(payload)
    except ShailooError as e:
        raise CheckFailedError(f"the encrypted tally does not parse: {e.message}", {"entry_index": index}) from e


def _differences(expected: EncryptedTally, posted: EncryptedTally) -> list[dict[str, Any]]:
    diffs: list[dict[str, Any]] = []
    if expected.ballots_counted != posted.ballots_counted:
        diffs.append({"ballots_counted": [posted.ballots_counted, expected.ballots_counted]})
    for level, mine, theirs in (
        ("style", expected.styles, posted.styles),
        ("precinct", expected.precincts, posted.precincts),
    ):
        published = {g.key: g for g in theirs}
        for group in mine:
            other = published.pop(group.key, None)
            if other is None:
                diffs.append({level: group.key, "problem": "missing from the posted tally"})
            elif other.to_json("k") != group.to_json("k"):
                contests = [c for (c, a), (_, b) in zip(group.contests, other.contests, strict=False) if a != b]
                diffs.append({level: group.key, "ballots": [other.ballots, group.ballots], "contests": contests})
        diffs.extend({level: key, "problem": "not in the recomputed tally"} for key in published)
    return diffs


@check(40, AREA, "Aggregation: the encrypted tally is the sum of the counted ballots")
def aggregation(ctx: VerificationContext) -> Passed:
    index, payload, posted = _tally(ctx)
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    electronic = ctx.need(ctx.ballots, "every ballot decoded", 20)
    paper = ctx.need(ctx.precinct_ballots, "the urns' paper ballots", 31)
    if electronic.unsummable:
        raise CheckSkippedError(
            f"counted ballot entries {list(electronic.unsummable)} cannot be added up (check 20 names them)"
        )
    expected = electronic.counted_tally
    if paper.tally is not None:  # the counted ballots are the weeded electronic ones and every paper ballot
        expected = merge_tallies(manifest, [expected, paper.tally])
    annulled = annulled_precinct_ids(ctx)
    if annulled:  # the commission's annulments (§2.17): those precincts' ballots count nowhere
        try:
            expected = without_precincts(manifest, expected, annulled)
        except ShailooError as e:
            raise CheckFailedError(e.message, {"entry_index": index, "code": e.code}) from e
    expected = publishable(manifest, expected)  # small precinct cells are never decrypted
    try:
        check_minimum_cells(manifest, posted)
    except ShailooError as e:
        raise CheckFailedError(e.message, {"entry_index": index, "code": e.code}) from e
    diffs = _differences(expected, posted)
    registered = _registered_by_region(ctx)
    published = dict(TallyBookkeeping.from_payload(payload).registered_by_region)
    if registered is not None and published != registered:
        diffs.append({"registered_by_region": [published, registered], "problem": "not the register counts"})
    if diffs:
        raise CheckFailedError(
            f"the posted tally differs in {len(diffs)} place(s)", {"entry_index": index, "differences": diffs}
        )
    ctx.tally = TallyEstablished(index, posted)
    groups = len(posted.styles) + len(posted.precincts)
    note = (
        "; registered voters per region are the register counts'"
        if registered is not None
        else "; registered voters not checked (check 17 established no register counts)"
    )
    return Passed(
        f"{posted.ballots_counted} ballots summed into {groups} groups ({len(posted.ciphertexts())} ciphertexts)"
        + note,
        {"entry_index": index, "ballots_counted": posted.ballots_counted},
    )


def _registered_by_region(ctx: VerificationContext) -> dict[str, int] | None:
    """Registered voters per region from the register counts (check 17), as the tally must carry them."""
    if ctx.registered_by_style is None or ctx.manifest is None:
        return None
    regions: dict[str, int] = {}
    for style in ctx.manifest.ballot_styles:
        regions[style.region_id] = regions.get(style.region_id, 0) + ctx.registered_by_style.get(style.style_id, 0)
    return dict(sorted(regions.items()))


def _positions(posted: EncryptedTally) -> tuple[list[Ciphertext], list[int]]:
    every = posted.ciphertexts()
    positions = decryptable_positions(every)
    return [every[i] for i in positions], positions


@check(41, AREA, "Every decryption share and its Chaum–Pedersen proof")
def decryption_shares(ctx: VerificationContext) -> Passed:
    tally = ctx.need(ctx.tally, "the verified encrypted tally", 40)
    posted, tally_index = tally.tally, tally.entry_index
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    base = ctx.need(ctx.base_hash, "the base hash", 15)
    context = decryption_context(base, payload_hash(EntryKind.ENCRYPTED_TALLY, ctx.export.payload(tally_index)))
    ciphertexts, _ = _positions(posted)
    parts = decryption_share_parts(len(ciphertexts))
    bad: list[dict[str, Any]] = []
    by_part: dict[int, dict[int, list[DecryptionShare]]] = {}
    entries: dict[int, list[int]] = {}
    for ref in ctx.export.of_kind(EntryKind.DECRYPTION_SHARE):
        payload = ctx.export.payload(ref.index)
        try:
            read = DecryptionSharePart.from_payload(payload)
            trustee, part, shares = read.trustee, read.part, list(read.shares)
            if read.tally_entry != tally_index or not 1 <= trustee <= joint.n:
                raise CheckFailedError("shares for another tally or of an unknown trustee")
            if read.parts != parts:
                raise CheckFailedError(f"the shares come in parts 0..{parts - 1} of {parts}")
            if part in by_part.get(trustee, {}):
                raise CheckFailedError(f"trustee {trustee} posted part {part} twice")
            authenticate(ctx, EntryKind.DECRYPTION_SHARE, ref.index, payload)
            part_ciphertexts = ciphertexts[decryption_share_part(part)]
            check_decryption_shares(context, joint.public_shares[trustee - 1], part_ciphertexts, shares)
        except ShailooError as e:
            bad.append({"entry_index": ref.index, "trustee": payload.get("trustee"), "problem": e.message})
            continue
        by_part.setdefault(trustee, {})[part] = shares
        entries.setdefault(trustee, []).append(ref.index)
    if bad:
        raise CheckFailedError(
            f"{len(bad)} decryption share entr(ies) fail",
            {"entry_indices": [b["entry_index"] for b in bad], "failures": bad},
        )
    # A trustee who stopped half-way is not an error of the record: its shares are simply not usable.
    shares_by_trustee = {
        t: [share for part in range(parts) for share in got[part]] for t, got in by_part.items() if len(got) == parts
    }
    if not shares_by_trustee:
        raise CheckSkippedError("no trustee's complete decryption shares on the board yet")
    ctx.decryption_shares = SharesEstablished(read_only({t: tuple(s) for t, s in shares_by_trustee.items()}))
    incomplete = sorted(set(by_part) - set(shares_by_trustee))
    return Passed(
        f"{len(shares_by_trustee)} trustees × {len(ciphertexts)} shares (in {parts} part(s)) verify against X_i; "
        f"{roster_note(ctx)}" + (f"; trustees {incomplete} posted only some parts" if incomplete else ""),
        {"entries": entries, "context": context.hex(), "parts": parts},
    )


def _claimed_counts(posted: EncryptedTally, result: ResultEntry) -> list[int]:
    """The published counts flattened in the tally's ciphertext order (styles, precincts; contests; selections)."""
    flat: list[int] = []
    for groups, name, table in (
        (posted.styles, "counts_by_style", result.counts_by_style),
        (posted.precincts, "counts_by_precinct", result.counts_by_precinct),
    ):
        for group in groups:
            for contest_id, cts in group.contests:
                values = list(table[group.key][contest_id])
                if len(values) != len(cts):
                    raise CheckFailedError(f"{name}[{group.key}][{contest_id}] has the wrong length")
                flat.extend(values)
    return flat


def _result(ctx: VerificationContext) -> tuple[int, ResultEntry]:
    found = ctx.single(EntryKind.RESULT.value)
    if found is None:
        raise CheckSkippedError("no result entry on the board yet")
    index, payload = found
    try:
        return index, ResultEntry.from_payload(payload)
    except ShailooError as e:
        raise CheckFailedError(f"the result entry does not parse ({e.message})", {"entry_index": index}) from e


@check(42, AREA, "Combination of k shares and the discrete logs of the published counts")
def combination(ctx: VerificationContext) -> Passed:
    posted = ctx.need(ctx.tally, "the verified encrypted tally", 40).tally
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    shares = ctx.need(ctx.decryption_shares, "verified decryption shares", 41).by_trustee
    index, result = _result(ctx)
    trustees = list(result.trustees)
    if len(trustees) < joint.k or not set(trustees) <= set(shares):
        raise CheckFailedError(
            f"the result names trustees {trustees}; {joint.k} with verified shares are needed",
            {"entry_index": index, "verified": sorted(shares)},
        )
    try:
        claimed = _claimed_counts(posted, result)
    except KeyError as e:
        raise CheckFailedError(f"the published counts do not fit the tally (no {e})", {"entry_index": index}) from e
    every = posted.ciphertexts()
    ciphertexts, positions = _positions(posted)
    points = dict(
        zip(
            positions,
            combine_decryption_share_vectors(ciphertexts, [shares[t] for t in trustees], joint.k),
            strict=True,
        )
    )
    wrong = []
    for position, (ct, count) in enumerate(zip(every, claimed, strict=True)):
        point = points.get(position, ct.beta)  # an empty sum (alpha = identity) decrypts to beta itself
        expected = Point.base_mul(count) if count else Point.identity()
        if count < 0 or point != expected:
            wrong.append(position)
    if wrong:
        raise CheckFailedError(
            f"{len(wrong)} published count(s) are not what the shares decrypt to",
            {"entry_index": index, "positions": wrong[:50]},
        )
    by_style = {s: read_only({c: tuple(v) for c, v in cs.items()}) for s, cs in result.counts_by_style.items()}
    ctx.counts = CountsEstablished(index, read_only(by_style))
    return Passed(
        f"{len(claimed)} counts: m·G = beta − Σ λ_i·M_i over trustees {trustees}",
        {"entry_index": index, "trustees": trustees},
    )


@check(43, AREA, "Results and seats recomputed by the rules engine")
def results(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    tally = ctx.need(ctx.tally, "the verified encrypted tally", 40)
    counts = ctx.need(ctx.counts, "verified counts", 42).counts_by_style
    index, result = _result(ctx)
    posted = tally.tally
    registered = TallyBookkeeping.from_payload(ctx.export.payload(tally.entry_index)).registered_by_region
    turnout = turnout_from_tally(manifest, posted, registered)
    if result.turnout != turnout.model_dump(mode="json"):
        raise CheckFailedError("the published turnout is not the one the tally gives", {"entry_index": index})
    try:
        expected = compute_results_by_style(manifest, counts, turnout)
    except ShailooError as e:
        raise CheckFailedError(f"the rules engine refuses the counts: {e.message}", {"entry_index": index}) from e
    published = result.results
    if published != expected.to_canonical_dict():
        differing = [
            c["contest_id"]
            for c, p in zip(
                expected.to_canonical_dict()["contests"], (published or {}).get("contests", []), strict=False
            )
            if c != p
        ]
        raise CheckFailedError(
            "the published results are not what the rules give",
            {"entry_index": index, "contests": differing or ["(structure)"]},
        )
    if result.results_hash != expected.results_hash():
        raise CheckFailedError(
            "the results hash is wrong", {"entry_index": index, "recomputed": expected.results_hash().hex()}
        )
    elected = {c.contest_id: list(c.elected) for c in expected.contests}
    return Passed(
        f"{len(expected.contests)} contest results and seats recomputed", {"entry_index": index, "elected": elected}
    )


@check(44, AREA, "Eligibility bounds: ballots counted ≤ credentials issued ≤ registered voters, per ballot style")
def eligibility(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    issued = ctx.need(ctx.issued_by_style, "published issuance counts", 16)
    weeded = ctx.weeding(manifest.policy.revoting_allowed)
    counted: dict[str, int] = {}
    for cast in weeded.counted:
        counted[cast.style_id] = counted.get(cast.style_id, 0) + 1
    over = {s: [n, issued.get(s, 0)] for s, n in counted.items() if n > issued.get(s, 0)}
    evidence: dict[str, Any] = {"counted_by_style": counted, "issued_by_style": dict(issued)}
    if over:
        raise CheckFailedError("more ballots counted than credentials issued", {**evidence, "over": over})
    registered = ctx.registered_by_style
    if registered is not None:
        evidence["registered_by_style"] = dict(registered)
        beyond = {s: [n, registered.get(s, 0)] for s, n in issued.items() if n > registered.get(s, 0)}
        if beyond:
            raise CheckFailedError("more credentials issued than voters on the register", {**evidence, "over": beyond})
    bound = (
        f" ≤ {sum(registered.values())} registered"
        if registered is not None
        else " (no register counts established by check 17: the upper bound is not checked)"
    )
    return Passed(f"{sum(counted.values())} counted ≤ {sum(issued.values())} issued{bound}", evidence)
