"""Checks 1–4: the log itself — Merkle tree of the export, signed tree heads, witness cosignatures, phases."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board.checkpoint import verify_tree_head
from bulletin_board.entries import EntryKind
from bulletin_board.errors import BoardError
from bulletin_board.export import check_head_consistency
from bulletin_board.phases import INITIAL_PHASE, next_phase
from crypto.errors import ShailooError
from elections.manifest import Manifest
from observer.board_export import TreeHeadRecord
from observer.checks import Passed, check
from observer.context import VerificationContext, WitnessPin
from observer.errors import CheckFailedError
from observer.established import WitnessesEstablished, WitnessTime, read_only

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
    """Each head's signature, place and root (recomputed from the entries), and the RFC 9162 consistency proof
    every head after the first carries from the one before: a light client reads only these proofs, so the
    proofs the log published must be right, not only the roots."""
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
        elif previous is not None and (head.size <= previous.size or head.timestamp < previous.timestamp):
            bad.append({**where, "problem": "tree heads must grow in size and not go back in time"})
        else:
            try:
                check_head_consistency(previous, head, record.consistency)
                proofs += previous is not None
            except BoardError as e:
                bad.append({**where, "problem": e.message})
        previous = head
    last = export.last_tree_head
    if last is None or last.size != export.size:
        bad.append({"problem": "no signed tree head covers every entry of the export"})
    if bad:
        raise CheckFailedError(f"{len(bad)} tree head problem(s)", {"tree_heads": bad})
    assert last is not None
    return Passed(
        f"{len(export.tree_heads)} signed tree heads; {proofs} RFC 9162 consistency proofs carried between "
        "consecutive heads, each verified",
        {"tree_heads": [t.head.size for t in export.tree_heads if t.head], "latest_root": last.root_hash.hex()},
    )


@check(3, AREA, "Witness cosignatures on the tree heads")
def witnesses(ctx: VerificationContext) -> Passed:
    """Every cosignature verifies; only those under a *pinned* key count (the manifest's witness roster, and
    ``--witness NAME=KEY``); the latest head must carry every ``--witness`` and at least ``min_witnesses`` pinned
    witnesses. A cosignature under a pinned witness's name but another key is an impostor's and fails the check."""
    export = ctx.export
    roster, roster_note = _witness_roster(ctx)
    pinned, required, bad = _pins(roster, ctx.options.witnesses)
    keys: dict[str, bytes] = {}
    unpinned: set[str] = set()
    times: list[WitnessTime] = []
    for record in export.tree_heads:
        if record.head is None:
            continue
        for found in record.cosignatures:
            c = found.cosignature
            where = {"line": found.line, "size": c.size, "witness": c.witness}
            if c.witness in pinned and c.witness_key != pinned[c.witness]:
                bad.append(
                    {
                        **where,
                        "problem": "a cosignature under the name of a pinned witness, made with another key "
                        "(an impostor's): it does not count, and the board should never have taken it",
                        "key": c.witness_key.hex(),
                        "pinned_key": pinned[c.witness].hex(),
                    }
                )
                continue
            known = keys.setdefault(c.witness, c.witness_key)
            if known != c.witness_key:
                bad.append({**where, "problem": "the witness signs under two different keys"})
                continue
            try:
                c.verify(record.head.head)
            except BoardError as e:
                bad.append({**where, "problem": e.message})
                continue
            if c.witness not in pinned:
                unpinned.add(c.witness)
            else:  # under the pinned key (an impostor's was refused above) and verified: its time counts
                times.append(WitnessTime(c.size, c.witness, c.cosignature.timestamp))
    last = next((t for t in reversed(export.tree_heads) if t.head is not None), None)
    counted = _counted_signers(last, pinned)
    minimum = ctx.options.min_witnesses
    missing = [w for w in required if w not in counted]
    if not pinned and minimum > 0:
        bad.append(
            {
                "problem": "no witness is pinned, so no cosignature can count: "
                + (roster_note or "the manifest has no witness roster")
                + "; pass --witness NAME=KEY for each witness you trust (`shailoo witness show` prints its name and "
                "key), or --min-witnesses 0 to accept a board that no witness vouches for",
                "unpinned_signers": sorted(unpinned),
            }
        )
    elif missing or len(counted) < minimum:
        bad.append(
            {
                "problem": f"the latest tree head lacks cosignatures of pinned witnesses (needs {minimum}, "
                f"and every --witness)",
                "signers": counted,
                "missing": missing,
                "pinned": sorted(pinned),
            }
        )
    if bad:
        raise CheckFailedError(f"{len(bad)} witness problem(s)", {"cosignatures": bad})
    ctx.witnesses = WitnessesEstablished(read_only(pinned), tuple(times))
    cosigned = sum(1 for t in export.tree_heads if t.cosignatures)
    latest_by = ", ".join(counted) or "no pinned witness"
    return Passed(
        f"{cosigned} of {len(export.tree_heads)} tree heads cosigned; the latest by {latest_by}"
        + (f" (not counted, not pinned: {', '.join(sorted(unpinned))})" if unpinned else ""),
        {
            "witnesses": {w: k.hex() for w, k in sorted(pinned.items())},
            "from_roster": sorted(roster),
            "latest_signers": counted,
            "unpinned_signers": sorted(unpinned),
        },
    )


def _witness_roster(ctx: VerificationContext) -> tuple[dict[str, bytes], str | None]:
    """The manifest's witness roster (name → raw key), read from entry 0 here because check 3 runs before check 10;
    with a note saying why it is empty when the manifest cannot be read."""
    export = ctx.export
    if not export.entries or export.entries[0].kind != EntryKind.MANIFEST.value:
        return {}, "the export has no manifest at entry 0 to read a witness roster from"
    try:
        manifest = Manifest.from_dict(export.payload(0)["manifest"])
    except (ShailooError, KeyError, TypeError) as e:
        return {}, f"the manifest at entry 0 does not parse, so its witness roster cannot be read ({e})"
    return manifest.witness_keys(), None


def _pins(
    roster: dict[str, bytes], options: tuple[WitnessPin, ...]
) -> tuple[dict[str, bytes], list[str], list[dict[str, object]]]:
    """Pinned keys (the roster, then each ``--witness``), the names required on the latest head, and problems."""
    pinned = dict(roster)
    required: list[str] = []
    bad: list[dict[str, object]] = []
    for pin in options:
        if pin.key is None and pin.name not in roster:
            bad.append(
                {
                    "witness": pin.name,
                    "problem": f"--witness {pin.name} gives no key and the manifest's witness roster has no witness "
                    f"of that name: pass --witness {pin.name}=KEY with its Ed25519 key (64 hex digits)",
                }
            )
            continue
        key = pin.key if pin.key is not None else roster[pin.name]
        if pin.name in pinned and pinned[pin.name] != key:
            bad.append(
                {
                    "witness": pin.name,
                    "problem": "pinned on the command line with another key than the manifest's witness roster gives",
                    "key": key.hex(),
                    "roster_key": pinned[pin.name].hex(),
                }
            )
            continue
        pinned[pin.name] = key
        required.append(pin.name)
    return pinned, required, bad


def _counted_signers(last: TreeHeadRecord | None, pinned: dict[str, bytes]) -> list[str]:
    """Pinned witnesses whose cosignature of the latest head verifies under their pinned key."""
    if last is None or last.head is None:
        return []
    counted = set()
    for found in last.cosignatures:
        c = found.cosignature
        if pinned.get(c.witness) != c.witness_key:
            continue
        try:
            c.verify(last.head.head)
        except BoardError:
            continue
        counted.add(c.witness)
    return sorted(counted)


@check(4, AREA, "Entries in the order of the election phases")
def phases(ctx: VerificationContext) -> Passed:
    phase = INITIAL_PHASE
    for ref in ctx.export.entries:
        try:
            phase = next_phase(phase, EntryKind.parse(ref.kind), index=ref.index)
        except BoardError as e:
            raise CheckFailedError(e.message, {"entry_index": ref.index, "kind": ref.kind, "phase": phase.value}) from e
    return Passed(f"the board reached phase {phase.value}", {"phase": phase.value})
