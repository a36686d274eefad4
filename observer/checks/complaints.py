"""Check 50: the public complaints registry — every promise-backed complaint judged again, every complaint answered.

A ``ballot_missing`` complaint carries a promise the board signed; the verifier checks the signature under the
log's key and looks at the board as it stood when the complaint was filed (the entries before it): the promised
entry must be there at its index with its hash. A promise the board broke is proof of the board's misbehaviour and
fails the check, whatever the board's own resolution says; so does a promise-backed complaint the board never
answered, or answered with another finding. Complaints of other kinds are listed with whether the commission has
answered them yet (an open one is not a failure: the commission decides in its own time). docs/complaints.md.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board.entries import EntryKind
from crypto.errors import ShailooError
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError
from record.complaints import ComplaintFiled, ComplaintResolution, judge_promise, outcome_for, parse_promise

AREA = "complaints"


@check(50, AREA, "Complaints: every promise-backed complaint judged against the log, every complaint answered")
def complaints(ctx: VerificationContext) -> Passed:
    export = ctx.export
    log_key = Ed25519PublicKey.from_public_bytes(export.log_key)
    problems: list[dict[str, Any]] = []
    resolutions: dict[str, tuple[int, ComplaintResolution]] = {}
    for ref in export.of_kind(EntryKind.COMPLAINT_RESOLUTION):
        try:
            resolution = ComplaintResolution.from_payload(export.payload(ref.index))
        except ShailooError as e:
            problems.append({"entry_index": ref.index, "problem": f"resolution does not parse: {e.message}"})
            continue
        if resolution.complaint_code in resolutions:
            problems.append({"entry_index": ref.index, "problem": "a second resolution of one complaint"})
            continue
        resolutions[resolution.complaint_code] = (ref.index, resolution)
    listed: list[dict[str, Any]] = []
    filed_at: dict[str, int] = {}
    for ref in export.of_kind(EntryKind.PUBLIC_COMPLAINT):
        try:
            filed = ComplaintFiled.from_payload(export.payload(ref.index))
        except ShailooError as e:
            problems.append({"entry_index": ref.index, "problem": f"complaint does not parse: {e.message}"})
            continue
        code = filed.complaint_code
        if code in filed_at:
            problems.append({"entry_index": ref.index, "complaint_code": code, "problem": "complaint code reused"})
            continue
        filed_at[code] = ref.index
        answer = resolutions.get(code)
        item: dict[str, Any] = {
            "complaint_code": code,
            "category": filed.category,
            "complaint_index": ref.index,
            "answered": answer is not None,
            "resolution_index": answer[0] if answer else None,
            "outcome": answer[1].outcome if answer else None,
        }
        if answer is not None and answer[0] < ref.index:
            problems.append({**item, "problem": "resolved before it was filed"})
        if filed.category == "ballot_missing" and filed.promise is not None:
            try:
                promise = parse_promise(filed.promise)
                finding = judge_promise(
                    promise,
                    origin=export.origin,
                    log_key=log_key,
                    board_size=ref.index,  # the board as it stood when the complaint was filed
                    entry_hash_at=lambda i: export.entries[i].entry_hash,
                )
            except ShailooError as e:
                problems.append({**item, "problem": f"the board took a promise that is not its own: {e.message}"})
                listed.append(item)
                continue
            item.update(promised_index=promise.index, finding=finding)
            if finding != "entry_present":
                problems.append({**item, "problem": "the board broke its signed promise: " + finding})
            if answer is None:
                problems.append({**item, "problem": "a promise-backed complaint the board never answered"})
            elif answer[1].finding != finding or answer[1].outcome != outcome_for(finding):
                problems.append({**item, "problem": f"the board's resolution says {answer[1].finding}, not {finding}"})
        listed.append(item)
    for code, (index, _) in resolutions.items():
        if code not in filed_at:
            problems.append({"entry_index": index, "complaint_code": code, "problem": "resolution of no complaint"})
    backed = [i for i in listed if i["category"] == "ballot_missing"]
    evidence = {
        "complaints": len(listed),
        "promise_backed": backed[:200],
        "unanswered": [i["complaint_code"] for i in listed if not i["answered"]][:200],
    }
    if problems:
        raise CheckFailedError(
            f"{len(problems)} complaint problem(s): {problems[0]['problem']}",
            {
                **evidence,
                "problems": problems[:50],
            },
        )
    return Passed(
        f"{len(listed)} complaint(s), {len(backed)} promise-backed and each promise kept; "
        f"{len(evidence['unanswered'])} awaiting the commission",
        evidence,
    )
