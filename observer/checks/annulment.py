"""Check 33: the commission's precinct annulments (docs/spec/record.md §2.17)."""

from __future__ import annotations

from typing import Any

from bulletin_board.entries import EntryKind
from crypto.errors import ShailooError
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError
from record.annulment import PrecinctAnnulment
from record.tally import EncryptedTally

AREA = "precincts"


def annulled_precinct_ids(ctx: VerificationContext) -> frozenset[str]:
    """The precincts the board's ``precinct_annulment`` entries name (those that parse; check 33 judges them all).
    Check 40 recomputes the tally without their ballots."""
    found: set[str] = set()
    for ref in ctx.export.of_kind(EntryKind.PRECINCT_ANNULMENT.value):
        try:
            found.add(PrecinctAnnulment.from_payload(ctx.export.payload(ref.index)).precinct_id)
        except ShailooError:
            continue
    return frozenset(found)


@check(33, AREA, "Precinct annulments: signed by the commission, before the tally, left out of every sum")
def annulments(ctx: VerificationContext) -> Passed:
    refs = ctx.export.of_kind(EntryKind.PRECINCT_ANNULMENT.value)
    if not refs:
        return Passed("no precinct annulled", {"annulled": []})
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    problems: list[dict[str, Any]] = []
    annulled: dict[str, int] = {}
    tally_ref = ctx.single(EntryKind.ENCRYPTED_TALLY.value)
    pinned = manifest.annulment_key is not None
    for ref in refs:
        try:
            annulment = PrecinctAnnulment.from_payload(ctx.export.payload(ref.index))
            annulment.check(manifest)
        except ShailooError as e:
            problems.append({"entry_index": ref.index, "code": e.code, "problem": e.message})
            continue
        if annulment.precinct_id in annulled:
            problems.append({"entry_index": ref.index, "code": "duplicate", "problem": "a second annulment"})
            continue
        if tally_ref is not None and ref.index > tally_ref[0]:
            problems.append({"entry_index": ref.index, "code": "wrong_phase", "problem": "posted after the tally"})
        annulled[annulment.precinct_id] = ref.index
    if tally_ref is not None:
        try:
            posted = EncryptedTally.from_json(tally_ref[1])
        except ShailooError as e:
            message = f"the encrypted tally does not parse: {e.message}"
            raise CheckFailedError(message, {"entry_index": tally_ref[0]}) from e
        for group in posted.precincts:
            if group.key in annulled:
                problems.append(
                    {
                        "entry_index": tally_ref[0],
                        "code": "annulled_precinct_counted",
                        "problem": f"the tally holds a subtotal of annulled precinct {group.key!r}",
                    }
                )
    evidence = {"annulled": [{"precinct_id": p, "entry_index": i} for p, i in sorted(annulled.items())]}
    if problems:
        message = f"{len(problems)} problem(s) with precinct annulments"
        raise CheckFailedError(message, {**evidence, "problems": problems})
    note = "" if pinned else " (the manifest pins no commission key: signatures checked under the entries' own keys)"
    return Passed(
        f"{len(annulled)} precinct(s) annulled; their ballots are left out of the tally (check 40){note}", evidence
    )
