"""Checks 10 and 14–17: the election's setup — manifest, issuer keys, base hash, issuance, the registrar's
register counts (the key ceremony's checks 11–13 are `observer.checks.ceremony`)."""

from __future__ import annotations

from typing import Any

from bulletin_board.entries import EntryKind
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.errors import ShailooError
from elections.manifest import Manifest
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError
from observer.established import read_only
from record.ballot import election_base_hash
from record.issuer import issuer_keys_from_payload
from record.lifecycle import ChannelsOpen, IssuanceCounts
from record.register import RegisterCounts

AREA = "setup"


def _fail(message: str, **evidence: Any) -> CheckFailedError:
    return CheckFailedError(message, evidence)


@check(10, AREA, "Manifest and its hash")
def manifest(ctx: VerificationContext) -> Passed:
    refs = ctx.export.of_kind(EntryKind.MANIFEST)
    if len(refs) != 1 or refs[0].index != 0:
        raise _fail("the board must open with exactly one manifest entry", manifest_entries=[r.index for r in refs])
    payload = ctx.export.payload(0)
    try:
        parsed = Manifest.from_dict(payload["manifest"])
    except (ShailooError, KeyError, TypeError) as e:
        raise _fail(f"the manifest does not parse: {e}", entry_index=0) from e
    recomputed = parsed.manifest_hash().hex()
    if payload.get("manifest_hash") != recomputed:
        raise _fail(
            "the published manifest hash is not the hash of the manifest",
            entry_index=0,
            published=payload.get("manifest_hash"),
            recomputed=recomputed,
        )
    ctx.manifest, ctx.manifest_index, ctx.manifest_hash = parsed, 0, bytes.fromhex(recomputed)
    return Passed(
        f"{parsed.election_id}: {len(parsed.contests)} contests, {len(parsed.ballot_styles)} ballot styles",
        {"election_id": parsed.election_id, "manifest_hash": recomputed, "entry_index": 0},
    )


@check(14, AREA, "Registrar (issuer) keys: one RSA key per ballot style")
def issuer_keys(ctx: VerificationContext) -> Passed:
    manifest_ = ctx.need(ctx.manifest, "the manifest", 10)
    keys: dict[str, BlindRsaPublicKey] = {}
    indices = []
    for ref in ctx.export.of_kind(EntryKind.ISSUER_KEYS):
        payload = ctx.export.payload(ref.index)
        indices.append(ref.index)
        if payload.get("election_id") != manifest_.election_id:
            raise _fail("issuer keys of another election", entry_index=ref.index)
        try:
            entry_keys = issuer_keys_from_payload(payload, min_bits=ctx.options.min_issuer_bits)
        except ShailooError as e:
            raise _fail(f"entry {ref.index}: the issuer keys do not parse ({e.message})", entry_index=ref.index) from e
        for style, key in entry_keys.items():
            if style in keys:
                raise _fail(f"style {style} has two issuer keys", entry_index=ref.index)
            keys[style] = key
    styles = {s.style_id for s in manifest_.ballot_styles}
    if manifest_.policy.coercion_resistant and not indices:
        # No blind-signed credentials in this mode (credentials.md §8): the base hash binds K and the manifest only.
        ctx.issuer_keys = keys
        return Passed("coercion-resistant mode: no issuer keys (credentials are on the cr_roster)", {})
    if set(keys) != styles:
        raise _fail(
            "issuer keys must cover exactly the ballot styles",
            missing=sorted(styles - set(keys)),
            unknown=sorted(set(keys) - styles),
            entry_indices=indices,
        )
    fingerprints = [k.fingerprint() for k in keys.values()]
    if len(set(fingerprints)) != len(fingerprints):
        raise _fail("two ballot styles share an issuer key", entry_indices=indices)
    ctx.issuer_keys = keys
    return Passed(
        f"{len(keys)} distinct keys of at least {ctx.options.min_issuer_bits} bits",
        {"entry_indices": indices, "fingerprints": {s: keys[s].fingerprint().hex() for s in sorted(keys)}},
    )


@check(15, AREA, "Election base hash (what every ballot proof binds to)")
def base_hash(ctx: VerificationContext) -> Passed:
    manifest_ = ctx.need(ctx.manifest, "the manifest", 10)
    joint = ctx.need(ctx.joint_key, "the joint key", 13)
    keys = ctx.need(ctx.issuer_keys, "the issuer keys", 14)
    recomputed = election_base_hash(manifest_, joint.joint_public_key, keys)
    found = ctx.single(EntryKind.CHANNELS_OPEN.value)
    if found is not None:
        try:
            published = ChannelsOpen.from_payload(found[1]).election_base_hash
        except ShailooError as e:
            raise _fail(f"the channels_open entry does not parse ({e.message})", entry_index=found[0]) from e
        if published != recomputed:
            raise _fail(
                "the base hash published when voting opened is not the recomputed one",
                entry_index=found[0],
                published=published.hex(),
                recomputed=recomputed.hex(),
            )
    ctx.base_hash = recomputed
    where = f"entry {found[0]}" if found else "no channels_open entry yet"
    return Passed(f"base hash recomputed ({where})", {"base_hash": recomputed.hex()})


@check(16, AREA, "Credential issuance counts")
def issuance(ctx: VerificationContext) -> Passed:
    manifest_ = ctx.need(ctx.manifest, "the manifest", 10)
    refs = ctx.export.of_kind(EntryKind.ISSUANCE)
    if not refs:
        return Passed("no issuance entry on the board (counts not published yet)", {})
    index = refs[-1].index  # the registrar's final count, posted at the close
    payload = ctx.export.payload(index)
    try:
        published = IssuanceCounts.from_payload(payload)
    except ShailooError as e:
        raise _fail(f"the issuance entry does not parse ({e.message})", entry_index=index) from e
    counts, hashes = dict(published.counts), list(published.voter_hashes)
    styles = {s.style_id for s in manifest_.ballot_styles}
    if published.election_id != manifest_.election_id or not set(counts) <= styles:
        raise _fail("issuance counts of another election or for unknown ballot styles", entry_index=index)
    if any(v < 0 for v in counts.values()) or sum(counts.values()) != len(hashes):
        raise _fail(
            "the counts do not add up to the number of voter hashes",
            entry_index=index,
            counts=counts,
            voter_hashes=len(hashes),
        )
    if len(set(hashes)) != len(hashes) or hashes != sorted(hashes):
        raise _fail("a voter hash appears twice (or the list is not sorted)", entry_index=index)
    issued = {s: counts.get(s, 0) for s in sorted(styles)}
    ctx.issued_by_style = read_only(issued)
    return Passed(
        f"{len(hashes)} credentials issued to distinct voters", {"entry_index": index, "issued_by_style": issued}
    )


@check(17, AREA, "Register counts: the registrar's signed count of voters per ballot style, before voting opens")
def register_counts(ctx: VerificationContext) -> Passed:
    manifest_ = ctx.need(ctx.manifest, "the manifest", 10)
    refs = ctx.export.of_kind(EntryKind.REGISTER_COUNTS)
    if len(refs) != 1:
        raise _fail(
            "the board must hold exactly one register_counts entry (turnout and the eligibility bound are measured "
            "against it)",
            entry_indices=[r.index for r in refs],
        )
    index = refs[0].index
    opened = ctx.export.of_kind(EntryKind.CHANNELS_OPEN)
    if opened and index > opened[0].index:
        raise _fail("the register counts were posted after voting opened", entry_index=index)
    try:
        counts = RegisterCounts.from_payload(ctx.export.payload(index))
        counts.check(manifest_, manifest_hash=ctx.manifest_hash)
    except ShailooError as e:
        raise _fail(f"the register counts are not the registrar's: {e.message}", entry_index=index) from e
    ctx.registered_by_style = read_only(dict(counts.counts))
    key = counts.registrar_key.hex()
    note = (
        "signed by the registrar key the manifest pins"
        if manifest_.registrar_key is not None
        else f"signed by key {key[:16]}…, which the manifest does not pin (UNAUTHENTICATED)"
    )
    return Passed(
        f"{counts.total} voters on the register in {len(counts.counts)} ballot styles; {note}",
        {"entry_index": index, "registered_by_style": dict(counts.counts), "registrar_key": key},
    )


@check(18, AREA, "Runoff link: a second round names the first round's result and holds exactly its runoff candidates")
def runoff_link(ctx: VerificationContext) -> Passed:
    from elections.results_model import ElectionResults
    from elections.runoff import check_runoff_link
    from observer.board_export import load_export
    from observer.errors import CheckSkippedError

    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    link = manifest.previous_election
    previous = ctx.options.previous_export
    if link is None:
        if previous is not None:
            raise CheckFailedError("--previous-export was given but this manifest names no previous election")
        return Passed("not a runoff (the manifest names no previous election)", {})
    evidence = {"previous_election": link.election_id, "results_hash": link.results_hash}
    if previous is None:
        raise CheckSkippedError(
            f"a runoff of {link.election_id!r}: pass --previous-export with that election's board export to check it"
        )
    try:
        first_export = load_export(previous)
        first = Manifest.from_dict(first_export.payload(0)["manifest"])
        results_refs = first_export.of_kind(EntryKind.RESULT.value)
        if not results_refs:
            raise CheckFailedError("the previous election's export has no result", evidence)
        results = ElectionResults.model_validate(first_export.payload(results_refs[0].index)["results"])
        check_runoff_link(manifest, first, results)
    except ShailooError as e:
        raise CheckFailedError(e.message, {**evidence, "code": e.code}) from e
    except (KeyError, ValueError) as e:
        raise CheckFailedError(f"the previous election's export cannot be read: {e}", evidence) from e
    candidates = sorted(c.candidate_id for c in manifest.candidates)
    return Passed(
        f"the runoff of {link.election_id}: its result hash matches and the candidates {candidates} are its runoff",
        {**evidence, "candidates": candidates},
    )
