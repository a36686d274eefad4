"""Checks 10–17: the election's setup — manifest, key ceremony, joint key, issuer keys, base hash, issuance, and
the registrar's register counts."""

from __future__ import annotations

from typing import Any, Final

from bulletin_board.entries import EntryKind, payload_hash
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.errors import ShailooError
from crypto.share_encryption import EncryptedShare
from crypto.strict_json import Field
from crypto.threshold import (
    Complaint,
    TrusteeCommitment,
    check_complaint,
    check_parameters,
    dkg_check_commitments,
    joint_public_key,
    public_shares,
)
from elections.errors import TrusteeUnauthenticatedError
from elections.manifest import Manifest
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError
from observer.established import CeremonyEstablished, read_only
from record.ballot import election_base_hash
from record.ceremony import JointKey, ceremony_context
from record.issuer import issuer_keys_from_payload
from record.lifecycle import ChannelsOpen, IssuanceCounts
from record.register import RegisterCounts
from record.trustee_posts import check_trustee_post

AREA = "setup"
#: Ceremony attempts searched for the context named by the joint key (a restarted ceremony counts up).
_MAX_ATTEMPTS: Final = 16
CEREMONY_SUBJECT: Final = "key_ceremony"


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


def _joint_key_payload(ctx: VerificationContext) -> tuple[int, dict[str, Any]]:
    found = ctx.single(EntryKind.JOINT_KEY.value)
    if found is None:
        raise _fail("no joint_key entry on the board")
    return found


def _ceremony(ctx: VerificationContext) -> tuple[bytes, int, int, int]:
    """(context, n, k, attempt) of the ceremony the joint key names, recomputed from the manifest entry."""
    index, payload = _joint_key_payload(ctx)
    n, k = payload.get("n"), payload.get("k")
    if type(n) is not int or type(k) is not int:
        raise _fail("the joint key entry has no integer n and k", entry_index=index)
    check_parameters(n, k)
    attempt = payload.get("attempt")
    if type(attempt) is not int or not 1 <= attempt <= _MAX_ATTEMPTS:
        raise _fail(f"the joint key entry has no attempt in 1..{_MAX_ATTEMPTS}", entry_index=index)
    context = ceremony_context(payload_hash(EntryKind.MANIFEST, ctx.export.payload(0)), n, k, attempt)
    if payload.get("context") != context.hex():
        raise _fail(
            "the joint key's ceremony context is not C(manifest payload hash, n, k, attempt) of this board",
            entry_index=index,
            attempt=attempt,
        )
    return context, n, k, attempt


def authenticate(ctx: VerificationContext, kind: EntryKind, index: int, payload: dict[str, Any]) -> None:
    """Entry ``index`` is signed by the roster's identity key of the trustee it names (no-op without a roster:
    the checks' summaries say the posts are unauthenticated)."""
    manifest = ctx.manifest
    if manifest is None or not manifest.trustees:
        return
    try:
        check_trustee_post(manifest, kind.value, payload, manifest_hash=ctx.manifest_hash)
    except TrusteeUnauthenticatedError as e:
        raise _fail(f"entry {index}: {e.message}", entry_index=index, trustee=_named(payload)) from e


def _named(payload: dict[str, Any]) -> Any:
    for name in ("sender", "complainer", "trustee"):
        if name in payload:
            return payload[name]
    commitment = payload.get("commitment")
    return commitment.get("index") if isinstance(commitment, dict) else None


def roster_note(ctx: VerificationContext) -> str:
    """How the trustee posts were authenticated, for the checks' summaries."""
    if ctx.manifest is not None and ctx.manifest.trustees:
        return "each signed by its trustee's roster key"
    return "UNAUTHENTICATED: the manifest has no trustee roster"


def _of_this_ceremony(payload: dict[str, Any], context: bytes, attempt: int, index: int) -> bool:
    """Whether entry ``index`` belongs to the ceremony ``context``; one that names the context with another
    ``attempt`` contradicts itself and fails the check."""
    if payload.get("context") != context.hex():
        return False
    if payload.get("attempt") != attempt:
        raise _fail(
            f"entry {index} names this ceremony's context but attempt {payload.get('attempt')!r}", entry_index=index
        )
    return True


def _commitments(ctx: VerificationContext, context: bytes, attempt: int) -> dict[int, tuple[int, TrusteeCommitment]]:
    found: dict[int, tuple[int, TrusteeCommitment]] = {}
    for ref in ctx.export.of_kind(EntryKind.TRUSTEE_COMMITMENT):
        payload = ctx.export.payload(ref.index)
        if not _of_this_ceremony(payload, context, attempt, ref.index):
            continue
        authenticate(ctx, EntryKind.TRUSTEE_COMMITMENT, ref.index, payload)
        try:
            commitment = TrusteeCommitment.from_dict(payload["commitment"])
        except (ShailooError, KeyError, TypeError) as e:
            raise _fail(f"entry {ref.index}: malformed trustee commitment ({e})", entry_index=ref.index) from e
        if commitment.index in found:
            raise _fail(
                f"trustee {commitment.index} committed twice", entry_indices=[found[commitment.index][0], ref.index]
            )
        found[commitment.index] = (ref.index, commitment)
    return found


@check(11, AREA, "Key ceremony: trustee commitments and proofs of knowledge")
def trustee_commitments(ctx: VerificationContext) -> Passed:
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    context, n, k, attempt = _ceremony(ctx)
    if manifest.trustees and (n, k) != (len(manifest.trustees), manifest.trustee_threshold):
        raise _fail(
            f"the ceremony is {k}-of-{n}; the manifest's roster is {manifest.trustee_threshold}-of-"
            f"{len(manifest.trustees)}",
            n=n,
            k=k,
        )
    found = _commitments(ctx, context, attempt)
    ordered = [found[i][1] for i in sorted(found)]
    try:
        dkg_check_commitments(context, ordered, n, k)
    except ShailooError as e:
        raise _fail(
            f"the step-1 commitments do not check: {e.message}", entry_indices=sorted(i for i, _ in found.values())
        ) from e
    ctx.ceremony = CeremonyEstablished(context, n, k, attempt, read_only(found))
    return Passed(
        f"{n} trustees, threshold {k}: every commitment's Schnorr proofs verify (attempt {attempt}); "
        f"{roster_note(ctx)}",
        {"n": n, "k": k, "context": context.hex(), "entry_indices": sorted(i for i, _ in found.values())},
    )


def _shares(
    ctx: VerificationContext, context: bytes, attempt: int, n: int
) -> dict[int, tuple[int, dict[int, EncryptedShare]]]:
    shares: dict[int, tuple[int, dict[int, EncryptedShare]]] = {}
    for ref in ctx.export.of_kind(EntryKind.TRUSTEE_SHARE):
        payload = ctx.export.payload(ref.index)
        if not _of_this_ceremony(payload, context, attempt, ref.index):
            continue
        authenticate(ctx, EntryKind.TRUSTEE_SHARE, ref.index, payload)
        try:
            entry = Field(payload)
            sender = entry["sender"].integer(minimum=1, maximum=n)
            parsed = [EncryptedShare.from_field(s) for s in entry["shares"].items()]
        except ShailooError as e:
            raise _fail(f"entry {ref.index}: malformed encrypted shares ({e.message})", entry_index=ref.index) from e
        by_recipient = {s.recipient: s for s in parsed}
        expected = set(range(1, n + 1)) - {sender}
        if any(s.sender != sender for s in parsed) or set(by_recipient) != expected or len(parsed) != n - 1:
            raise _fail(f"trustee {sender} did not send one share to each other trustee", entry_index=ref.index)
        shares.setdefault(sender, (ref.index, by_recipient))
    return shares


@check(12, AREA, "Key ceremony: encrypted shares and complaints judged from public data")
def complaints(ctx: VerificationContext) -> Passed:
    ceremony = ctx.need(ctx.ceremony, "valid trustee commitments", 11)
    context, n, commitments = ceremony.context, ceremony.n, ceremony.commitments
    shares = _shares(ctx, context, ceremony.attempt, n)
    if sorted(shares) != list(range(1, n + 1)):
        raise _fail("not every trustee posted its encrypted shares", senders=sorted(shares))
    filed: dict[int, int] = {}
    verdicts: list[dict[str, Any]] = []
    for ref in ctx.export.of_kind(EntryKind.COMPLAINT):
        payload = ctx.export.payload(ref.index)
        if payload.get("subject") != CEREMONY_SUBJECT or not _of_this_ceremony(
            payload, context, ceremony.attempt, ref.index
        ):
            continue
        authenticate(ctx, EntryKind.COMPLAINT, ref.index, payload)
        try:
            entry = Field(payload)
            complainer = entry["complainer"].integer(minimum=1, maximum=n)
            items = [Complaint.from_field(c) for c in entry["complaints"].items()]
        except ShailooError as e:
            raise _fail(f"entry {ref.index}: malformed complaint entry ({e.message})", entry_index=ref.index) from e
        filed.setdefault(complainer, ref.index)
        for complaint in items:
            encrypted = shares.get(complaint.accused, (0, {}))[1].get(complainer)
            if complaint.complainer != complainer or encrypted is None:
                raise _fail("a complaint about a share that was never sent", entry_index=ref.index)
            verdict = check_complaint(
                context, complaint, encrypted, commitments[complaint.accused][1], commitments[complainer][1]
            )
            verdicts.append({"entry_index": ref.index, **verdict.__dict__})
    if sorted(filed) != list(range(1, n + 1)):
        raise _fail("not every trustee posted its step-3 check (a complaint entry, empty if all was well)", filed=filed)
    if verdicts:
        raise _fail(f"{len(verdicts)} complaint(s) stand: the ceremony should have failed", verdicts=verdicts)
    return Passed(
        f"{n} share entries with {n * (n - 1)} encrypted shares; every trustee checked its shares, no complaint; "
        f"{roster_note(ctx)}",
        {"share_entries": sorted(i for i, _ in shares.values()), "complaint_entries": sorted(filed.values())},
    )


@check(13, AREA, "Joint election key and every trustee's public share")
def joint_key(ctx: VerificationContext) -> Passed:
    ceremony = ctx.need(ctx.ceremony, "valid trustee commitments", 11)
    n, k, commitments = ceremony.n, ceremony.k, ceremony.commitments
    index, payload = _joint_key_payload(ctx)
    qualified = [commitments[i][1] for i in sorted(commitments)]
    try:
        published = JointKey.from_payload(payload)
    except ShailooError as e:
        raise _fail(f"the joint key entry does not parse ({e.message})", entry_index=index) from e
    if (published.n, published.k) != (n, k):
        raise _fail("the joint key's n and k are not the ceremony's", entry_index=index)
    published_k, published_x, named = published.joint_public_key, published.public_shares, published.qualified
    expected_k = joint_public_key(qualified)
    expected_x = public_shares(n, qualified)
    if named != tuple(range(1, n + 1)):
        raise _fail("with no complaint standing, every trustee is qualified", entry_index=index, qualified=list(named))
    if published_k != expected_k:
        raise _fail(
            "K is not the sum of the trustees' C_0",
            entry_index=index,
            published=published_k.hex(),
            recomputed=expected_k.hex(),
        )
    wrong = [i + 1 for i, (a, b) in enumerate(zip(published_x, expected_x, strict=False)) if a != b]
    if wrong or len(published_x) != n:
        raise _fail("public shares X_i do not match the commitments", entry_index=index, trustees=wrong)
    ctx.joint_key = published
    return Passed(f"K and X_1..X_{n} recomputed from the commitments", {"entry_index": index, "K": expected_k.hex()})


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
