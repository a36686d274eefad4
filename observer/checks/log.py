"""Checks 1–4: the log itself — Merkle tree of the export, signed tree heads, witness cosignatures, phases."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board import merkle
from bulletin_board.checkpoint import verify_tree_head
from bulletin_board.entries import EntryKind
from bulletin_board.errors import BoardError
from bulletin_board.phases import INITIAL_PHASE, next_phase
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError

AREA = "log"


@check(1, AREA, "Merkle log of the export: every entry canonical, in order, under the log's promise")
def merkle_log(ctx: VerificationContext) -> Passed:
    export = ctx.export
    problems = [p.to_json() for p in export.problems]
    end = export.end or {}
    heads = len(export.tree_heads)
    cosigs = sum(len(t.cosignatures) for t in export.tree_heads)
    if export.end is not None and (end.get("size"), end.get("tree_heads"), end.get("cosignatures")) != (
        export.declared_size,
        heads,
        cosigs,
    ):
        problems.append({"line": None, "index": None, "message": "the end line does not match what the export held"})
    if export.size != export.declared_size:
        problems.append(
            {
                "line": None,
                "index": None,
                "message": f"header promised {export.declared_size} entries, found {export.size}",
            }
        )
    bad = sorted({p["index"] for p in problems if p["index"] is not None})
    if problems:
        raise CheckFailedError(
            f"{len(problems)} problem(s) in the log" + (f", entries {bad[:10]}" if bad else ""),
            {"entry_indices": bad, "problems": problems},
        )
    return Passed(
        f"{export.size} entries, each canonical and under a valid promise signature",
        {"size": export.size, "root": export.root(export.size).hex(), "log_key": export.log_key.hex()},
    )


@check(2, AREA, "Signed tree heads: signatures, roots, each consistent with the next")
def tree_heads(ctx: VerificationContext) -> Passed:
    export = ctx.export
    key = Ed25519PublicKey.from_public_bytes(export.log_key)
    bad: list[dict[str, object]] = []
    previous = None
    proofs = 0
    for record in export.tree_heads:
        head = record.head
        if head is None:
            bad.append({"line": record.line, "problem": f"unparsable tree head: {record.parse_error}"})
            continue
        where = {"line": record.line, "size": head.size, "root": head.root_hash.hex()}
        try:
            verify_tree_head(head, key)
        except BoardError as e:
            bad.append({**where, "problem": e.message})
            continue
        if head.origin != export.origin or head.size != record.entries_before:
            bad.append({**where, "problem": "tree head of another log or out of place in the export"})
        elif head.root_hash != record.computed_root:
            bad.append(
                {
                    **where,
                    "problem": "the entries do not hash to the signed root",
                    "computed": record.computed_root.hex(),
                }
            )
        elif previous is not None:
            if head.size <= previous.size or head.timestamp < previous.timestamp:
                bad.append({**where, "problem": "tree heads must grow in size and not go back in time"})
            else:
                proof = export.consistency_proof(previous.size, head.size) if previous.size else []
                try:
                    if previous.size:
                        merkle.verify_consistency(previous.size, head.size, previous.root_hash, head.root_hash, proof)
                        proofs += 1
                except BoardError as e:
                    bad.append({**where, "problem": f"not consistent with size {previous.size}: {e.message}"})
        previous = head
    last = export.last_tree_head
    if last is None or last.size != export.size:
        bad.append({"problem": "no signed tree head covers every entry of the export"})
    if bad:
        raise CheckFailedError(f"{len(bad)} tree head problem(s)", {"tree_heads": bad})
    assert last is not None
    return Passed(
        f"{len(export.tree_heads)} signed tree heads; {proofs} RFC 9162 consistency proofs between consecutive heads",
        {"tree_heads": [t.head.size for t in export.tree_heads if t.head], "latest_root": last.root_hash.hex()},
    )


@check(3, AREA, "Witness cosignatures on the tree heads")
def witnesses(ctx: VerificationContext) -> Passed:
    export = ctx.export
    bad: list[dict[str, object]] = []
    keys: dict[str, bytes] = {}
    for record in export.tree_heads:
        if record.head is None:
            continue
        for found in record.cosignatures:
            c = found.cosignature
            where = {"line": found.line, "size": c.size, "witness": c.witness}
            known = keys.setdefault(c.witness, c.witness_key)
            if known != c.witness_key:
                bad.append({**where, "problem": "the witness signs under two different keys"})
                continue
            try:
                c.verify(record.head.head)
            except BoardError as e:
                bad.append({**where, "problem": e.message})
    last = next((t for t in reversed(export.tree_heads) if t.head is not None), None)
    signers = sorted({c.cosignature.witness for c in last.cosignatures}) if last is not None else []
    required = ctx.options.required_witnesses
    missing = [w for w in required if w not in signers]
    if missing or len(signers) < ctx.options.min_witnesses:
        bad.append(
            {"problem": "the latest tree head lacks witness cosignatures", "signers": signers, "missing": missing}
        )
    if bad:
        raise CheckFailedError(f"{len(bad)} witness problem(s)", {"cosignatures": bad})
    cosigned = sum(1 for t in export.tree_heads if t.cosignatures)
    latest_by = ", ".join(signers) or "no witness"
    return Passed(
        f"{cosigned} of {len(export.tree_heads)} tree heads cosigned; the latest by {latest_by}",
        {"witnesses": {w: k.hex() for w, k in sorted(keys.items())}, "latest_signers": signers},
    )


@check(4, AREA, "Entries in the order of the election phases")
def phases(ctx: VerificationContext) -> Passed:
    phase = INITIAL_PHASE
    for ref in ctx.export.entries:
        try:
            phase = next_phase(phase, EntryKind.parse(ref.kind), index=ref.index)
        except BoardError as e:
            raise CheckFailedError(e.message, {"entry_index": ref.index, "kind": ref.kind, "phase": phase.value}) from e
    return Passed(f"the board reached phase {phase.value}", {"phase": phase.value})
