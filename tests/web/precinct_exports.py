"""Precinct-day exports for comparing the two verifiers (tests/web/test_second_verifier.py).

An honest day on the real server (tests/precinct/day.py): app ballots, a counting urn of precinct pr0001 that reads
``sheets`` sheets in batches, a kiosk of precinct pr0002 with two voters, the close, the tally and a 3-of-5
decryption. Each mutation changes what the devices post (or adds one board entry) and nothing else: batches and
protocols re-signed by the device's own key, and, where one batch changes, every later batch and the protocol
re-chained and re-signed too, so the forged day differs from the honest one only in what the mutation is about.
Forged records are appended to the board directly (the server would refuse them), so the log stays intact.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.export import write_export
from crypto.group import ORDER
from record.precinct import (
    DeviceBatch,
    PaperBallotRecord,
    PrecinctProtocol,
    ProtocolContest,
    sign_batch,
    sign_protocol,
)
from tests.precinct.day import PRECINCT, PrecinctDay, box_one_as_box_two, kiosk_for, sheets, style_of

URN = f"urn-{PRECINCT}-1"
KIOSK_PRECINCT = "pr0002"
KIOSK = f"kiosk-{KIOSK_PRECINCT}-1"
OTHER_URN = f"urn-{KIOSK_PRECINCT}-1"

#: One device's posts: ("precinct_batch" | "precinct_protocol", payload), in the order it made them.
Posts = list[tuple[str, dict[str, Any]]]
Rewrite = Callable[[PrecinctDay, dict[str, Posts]], dict[str, Posts]]


@dataclass
class DayPlan:
    sheets: int = 30
    batch_size: int = 10
    app_ballots: int = 3
    kiosk_voters: int = 2
    #: Voters the urn's identification counted (the sheets when None).
    identified: int | None = None
    #: Entries appended during voting, before any ballot (a device_key, …).
    extra: list[tuple[EntryKind, dict[str, Any]]] = field(default_factory=list)
    #: Devices registered besides the urn and the kiosk: (device id, role, precinct).
    more_devices: list[tuple[str, str, str]] = field(default_factory=list)
    #: Changes the devices' posts; None posts them through the server as the devices do.
    rewrite: Rewrite | None = None
    #: Called with the urn's encrypt function to tamper with it (the tampered urn).
    tamper_urn: Callable[[Any], Any] | None = None
    #: Tally and decrypt after the close (the server cannot tally a board holding a batch that does not parse).
    tally: bool = True


def precinct_day_export(tmp: Path, plan: DayPlan) -> Path:
    """Run the day and write its export; returns the path."""
    import precinct.urn

    day = PrecinctDay.open(tmp, kiosks=0, urns=1)
    honest_encrypt = precinct.urn.encrypt_paper_ballot
    try:
        election, manifest = day.election, day.election.manifest
        day.register(KIOSK, "kiosk", KIOSK_PRECINCT)
        for device_id, role, precinct_id in plan.more_devices:
            day.register(device_id, role, precinct_id)
        for kind, payload in plan.extra:
            day.board.append(kind, payload)
        for i in range(plan.app_ballots):
            client, credential = election.credential()
            client.cast(client.prepare_ballot(credential, election.marks_for(credential, i)))
        kiosk, _ = kiosk_for(day, KIOSK)
        style = style_of(manifest, KIOSK_PRECINCT)
        for i in range(plan.kiosk_voters):
            number, _ = election.register_voter(style)
            kiosk.begin(number)
            chosen = manifest.ballot_style(kiosk.identify_here())
            kiosk.prepare({c: [manifest.contest(c).selections[i].selection_id] for c in chosen.contest_ids})
            kiosk.cast()
        kiosk.close()
        if plan.tamper_urn is not None:
            precinct.urn.encrypt_paper_ballot = plan.tamper_urn(honest_encrypt)
        urn = day.urn(URN, batch_size=plan.batch_size)
        urn.record_identification(plan.sheets if plan.identified is None else plan.identified)
        for record in sheets(manifest, plan.sheets, style_id=style_of(manifest, PRECINCT)):
            urn.read(record)
        urn.close()
        precinct.urn.encrypt_paper_ballot = honest_encrypt
        if plan.rewrite is None:
            urn.sync(day.link())
            kiosk.sync()
            election.close_voting()
            urn.sync(day.link())
            kiosk.sync()
        else:
            posts = {
                device: [(r.kind, dict(r.payload)) for r in outbox.records() if r.kind != "ballot"]
                for device, outbox in ((URN, urn.outbox), (KIOSK, kiosk.outbox))
            }
            posted = plan.rewrite(day, posts)
            later: list[tuple[str, dict[str, Any]]] = []
            for device_posts in posted.values():
                for kind, payload in device_posts:
                    if kind == "precinct_batch":
                        day.board.append(EntryKind.PRECINCT_BATCH, payload)
                    else:
                        later.append((kind, payload))
            election.close_voting()
            for kind, payload in later:
                day.board.append(EntryKind(kind), payload)
        if plan.tally:
            day.tally_and_decrypt()
        day.board.integrate()
        path = tmp / "export.jsonl"
        with path.open("wb") as f:
            write_export(day.board, f)
        return path
    finally:
        precinct.urn.encrypt_paper_ballot = honest_encrypt
        day.close()


# -- re-signing helpers ------------------------------------------------------------------------------------------


def key_of(day: PrecinctDay, device_id: str) -> Ed25519PrivateKey:
    return day.devices[device_id].key


def resign(key: Ed25519PrivateKey, payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The batch ``payload`` with ``changes`` (DeviceBatch field names), signed by ``key``."""
    batch = DeviceBatch.from_json(payload)
    fields = {
        k: getattr(batch, k)
        for k in ("election_id", "device_id", "precinct_id", "sequence", "previous", "ballots", "cast")
    }
    return sign_batch(key, **{**fields, **changes}).to_json()


def rechain(key: Ed25519PrivateKey, posts: Posts, start: int) -> Posts:
    """Batches from the ``start``-th on name the (new) hash of the one before; the protocol closes the new chain."""
    out: Posts = []
    previous: bytes | None = None
    batches = 0
    read = 0
    for n, (kind, payload) in enumerate(posts):
        if kind == "precinct_batch":
            batch = DeviceBatch.from_json(payload)
            if n >= start and previous is not None:
                payload = resign(key, payload, previous=previous)
                batch = DeviceBatch.from_json(payload)
            previous = batch.batch_hash()
            batches += 1
            read += len(batch.ballots) + len(batch.cast)
            out.append((kind, payload))
        else:
            protocol = PrecinctProtocol.from_json(payload)
            assert previous is not None
            fixed = replace(protocol, batches=batches, last_batch=previous, ballots_read=read)
            out.append((kind, sign_protocol(key, fixed).to_json()))
    return out


def batch_indices(posts: Posts) -> list[int]:
    return [n for n, (kind, _) in enumerate(posts) if kind == "precinct_batch"]


def protocol_index(posts: Posts) -> int:
    return next(n for n, (kind, _) in enumerate(posts) if kind == "precinct_protocol")


def change_urn_batch(n: int, change: Callable[[PrecinctDay, DeviceBatch], dict[str, Any]]) -> Rewrite:
    """Replace the urn's ``n``-th batch by ``change(day, batch)`` (DeviceBatch field changes), re-signed by the
    urn, and re-chain everything after it."""

    def rewrite(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
        key = key_of(day, URN)
        urn = list(posts[URN])
        at = batch_indices(urn)[n]
        urn[at] = ("precinct_batch", resign(key, urn[at][1], **change(day, DeviceBatch.from_json(urn[at][1]))))
        return {**posts, URN: rechain(key, urn, at + 1)}

    return rewrite


def change_protocol(device: str, change: Callable[[PrecinctProtocol], PrecinctProtocol]) -> Rewrite:
    def rewrite(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
        mine = list(posts[device])
        at = protocol_index(mine)
        changed = change(PrecinctProtocol.from_json(mine[at][1]))
        mine[at] = ("precinct_protocol", sign_protocol(key_of(day, device), changed).to_json())
        return {**posts, device: mine}

    return rewrite


# -- the forgeries -----------------------------------------------------------------------------------------------

# The responses v_0, v_1 of the first selection's 0/1 proof in an encrypted contest (docs/spec/crypto.md §7.4, §8).
_V0 = 13 + 66 + 4 * 33 + 32


def cancelling_forgery(encrypted: bytes) -> bytes:
    """v_0 + δ and v_1 − δ: the errors cancel in an unweighted sum of the branch equations."""
    data = bytearray(encrypted)
    delta = 1 + secrets.randbelow(ORDER - 1)
    v0 = int.from_bytes(data[_V0 : _V0 + 32], "big")
    v1 = int.from_bytes(data[_V0 + 32 : _V0 + 64], "big")
    data[_V0 : _V0 + 32] = ((v0 + delta) % ORDER).to_bytes(32, "big")
    data[_V0 + 32 : _V0 + 64] = ((v1 - delta) % ORDER).to_bytes(32, "big")
    return bytes(data)


def _forged_proof(day: PrecinctDay, batch: DeviceBatch) -> dict[str, Any]:
    first = batch.ballots[0]
    (contest_id, data), *rest = first.contests
    assert data is not None, "the first sheet of the batch must hold a valid contest"
    forged = PaperBallotRecord(first.sheet, first.style_id, ((contest_id, cancelling_forgery(data)), *rest))
    return {"ballots": (forged, *batch.ballots[1:])}


def _sheet_twice(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    """Batch 2's first sheet replaced by batch 1's first sheet (same number): one sheet in two batches."""
    key = key_of(day, URN)
    urn = list(posts[URN])
    first, second = batch_indices(urn)[:2]
    copied = DeviceBatch.from_json(urn[first][1]).ballots[0]
    batch = DeviceBatch.from_json(urn[second][1])
    urn[second] = ("precinct_batch", resign(key, urn[second][1], ballots=(copied, *batch.ballots[1:])))
    return {**posts, URN: rechain(key, urn, second + 1)}


def _signed_by_another_urn(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    """The urn's first batch exactly as it was, but signed by another registered urn's key."""
    urn = list(posts[URN])
    at = batch_indices(urn)[0]
    urn[at] = ("precinct_batch", resign(key_of(day, "urn-forger"), urn[at][1]))
    return {**posts, URN: urn}


def _replayed(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    urn = list(posts[URN])
    second = batch_indices(urn)[1]
    return {**posts, URN: [*urn[: second + 1], urn[second], *urn[second + 1 :]]}


def _dropped(n: int) -> Rewrite:
    def rewrite(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
        urn = list(posts[URN])
        del urn[batch_indices(urn)[n]]
        return {**posts, URN: urn}

    return rewrite


def _protocol_left_out(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    return {**posts, URN: [p for p in posts[URN] if p[0] != "precinct_protocol"]}


def _protocol_twice(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    urn = posts[URN]
    return {**posts, URN: [*urn, urn[protocol_index(urn)]]}


def _kiosk_cast(hashes: Callable[[PrecinctDay, DeviceBatch], tuple[bytes, ...]]) -> Rewrite:
    """The kiosk's batch re-signed by the kiosk with another cast list, and its protocol re-chained."""

    def rewrite(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
        key = key_of(day, KIOSK)
        kiosk = list(posts[KIOSK])
        at = batch_indices(kiosk)[0]
        batch = DeviceBatch.from_json(kiosk[at][1])
        kiosk[at] = ("precinct_batch", resign(key, kiosk[at][1], cast=hashes(day, batch)))
        return {**posts, KIOSK: rechain(key, kiosk, at + 1)}

    return rewrite


def _an_app_ballot(day: PrecinctDay, batch: DeviceBatch) -> tuple[bytes, ...]:
    """The kiosk lists an app ballot (on the board, naming no precinct) in place of its second ballot."""
    from record.ballot import EncryptedBallot

    app = next(
        e
        for e in day.board.entries(0, day.board.size)
        if e.kind is EntryKind.BALLOT and e.payload["precinct_id"] is None
    )
    return (batch.cast[0], EncryptedBallot.from_json(dict(app.payload)).ballot_hash())


def _foreign_precinct_batch(day: PrecinctDay, batch: DeviceBatch) -> dict[str, Any]:
    return {"precinct_id": "pr0003"}


def _urn_lists_a_cast_hash(day: PrecinctDay, batch: DeviceBatch) -> dict[str, Any]:
    return {"cast": (secrets.token_bytes(32),)}


def _unknown_device(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    """A batch of a device never registered, signed by its own key (its paper ballots, copied, would count)."""
    urn = posts[URN]
    first = DeviceBatch.from_json(urn[batch_indices(urn)[0]][1])
    stranger = sign_batch(
        Ed25519PrivateKey.generate(),
        election_id=first.election_id,
        device_id="urn-nobody",
        precinct_id=PRECINCT,
        sequence=1,
        previous=bytes(32),
        cast=(secrets.token_bytes(32),),
    ).to_json()
    return {**posts, "urn-nobody": [("precinct_batch", stranger)]}


def _urn_lists_a_kiosk_ballot(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    """A second urn, registered at the kiosk's precinct, lists one of the kiosk's ballots (on the board, naming that
    precinct) in a batch it signs, and closes its chain with a protocol: only a kiosk vouches for cast ballots."""
    kiosk = posts[KIOSK]
    listed = DeviceBatch.from_json(kiosk[batch_indices(kiosk)[0]][1])
    key = key_of(day, OTHER_URN)
    batch = sign_batch(
        key,
        election_id=listed.election_id,
        device_id=OTHER_URN,
        precinct_id=KIOSK_PRECINCT,
        sequence=1,
        previous=bytes(32),
        cast=listed.cast[:1],
    )
    protocol = PrecinctProtocol(
        listed.election_id, OTHER_URN, KIOSK_PRECINCT, 1, 1, 1, batch.batch_hash(), (), bytes(64)
    )
    return {
        **posts,
        OTHER_URN: [("precinct_batch", batch.to_json()), ("precinct_protocol", sign_protocol(key, protocol).to_json())],
    }


def _unparsable_batch(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    """A batch with one unknown field (its signature still over the body the urn made)."""
    urn = list(posts[URN])
    at = batch_indices(urn)[1]
    urn[at] = ("precinct_batch", {**urn[at][1], "note": "extra"})
    return {**posts, URN: urn}


def _protocol_changed_after_signing(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    """The urn's signed protocol with one more voter identified written in afterwards (its signature kept)."""
    urn = list(posts[URN])
    at = protocol_index(urn)
    payload = urn[at][1]
    urn[at] = ("precinct_protocol", {**payload, "voters_identified": payload["voters_identified"] + 1})
    return {**posts, URN: urn}


def _counts_moved(protocol: PrecinctProtocol) -> PrecinctProtocol:
    """The printed counts with one vote moved from the first selection to the second."""
    (contest, *rest) = protocol.contests
    counts = list(contest.counts)
    counts[0] -= 1
    counts[1] += 1
    return replace(
        protocol, contests=(ProtocolContest(contest.contest_id, contest.valid, contest.invalid, tuple(counts)), *rest)
    )


def _closes_one_batch_early(day: PrecinctDay, posts: dict[str, Posts]) -> dict[str, Posts]:
    """The protocol names the last-but-one batch as the chain's end (and the ballots up to it)."""
    key = key_of(day, URN)
    urn = list(posts[URN])
    batches = [DeviceBatch.from_json(urn[n][1]) for n in batch_indices(urn)]
    at = protocol_index(urn)
    protocol = PrecinctProtocol.from_json(urn[at][1])
    early = replace(
        protocol,
        batches=len(batches) - 1,
        last_batch=batches[-2].batch_hash(),
        ballots_read=sum(len(b.ballots) for b in batches[:-1]),
    )
    urn[at] = ("precinct_protocol", sign_protocol(key, early).to_json())
    return {**posts, URN: urn}


def _valid_registration(device_id: str, role: str, precinct_id: str) -> dict[str, Any]:
    """A registration with a good, fresh key (so only what the test is about can be wrong with it)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"device_id": device_id, "role": role, "precinct_id": precinct_id, "public_key": key.hex()}


#: name → the plan of the day, and the statuses of checks 30, 31, 32 the Python verifier must give (both verifiers
#: must then agree on every check).
def _malformed_device_keys() -> dict[str, dict[str, Any]]:
    from tests.observer.test_downstream_blame import MALFORMED_DEVICE_KEYS

    return MALFORMED_DEVICE_KEYS


PRECINCT_MUTATIONS: dict[str, tuple[Callable[[], DayPlan], dict[int, str]]] = {
    # check 30: device registrations (tests/observer/test_downstream_blame.py's, and more)
    **{
        f"device_key_{name}": (
            (lambda name=name: DayPlan(extra=[(EntryKind.DEVICE_KEY, _malformed_device_keys()[name])])),
            {30: "fail", 31: "pass", 32: "pass", 40: "pass"},
        )
        for name in ("short_key", "no_device_id", "unknown_precinct")
    },
    "device_key_of_small_order": (
        lambda: DayPlan(
            extra=[
                (
                    EntryKind.DEVICE_KEY,
                    {
                        "device_id": "urn-pr0001-8",
                        "role": "urn",
                        "precinct_id": PRECINCT,
                        "public_key": "01" + "00" * 31,
                    },
                )
            ]
        ),
        {30: "fail", 31: "pass"},
    ),
    "urn_registered_at_a_precinct_not_in_the_manifest": (
        lambda: DayPlan(extra=[(EntryKind.DEVICE_KEY, _valid_registration("urn-pr9999-1", "urn", "pr9999"))]),
        {30: "fail", 31: "pass"},
    ),
    "kiosk_registered_without_a_precinct": (
        lambda: DayPlan(
            extra=[(EntryKind.DEVICE_KEY, {"device_id": "kiosk-x", "role": "kiosk", "public_key": "11" * 32})]
        ),
        {30: "fail", 31: "pass"},
    ),
    "urn_registered_twice": (
        lambda: DayPlan(
            extra=[
                (
                    EntryKind.DEVICE_KEY,
                    {"device_id": URN, "role": "urn", "precinct_id": PRECINCT, "public_key": "11" * 32},
                )
            ]
        ),
        {30: "fail", 31: "fail", 32: "pass", 40: "pass"},
    ),
    # check 31: the chains
    "batch_signed_by_another_urn": (
        lambda: DayPlan(more_devices=[("urn-forger", "urn", PRECINCT)], rewrite=_signed_by_another_urn),
        {31: "fail"},
    ),
    "batch_replayed": (lambda: DayPlan(rewrite=_replayed), {31: "fail"}),
    "batch_dropped": (lambda: DayPlan(rewrite=_dropped(1)), {31: "fail"}),
    "last_batch_dropped": (lambda: DayPlan(rewrite=_dropped(-1)), {31: "fail"}),
    "batch_naming_another_previous_hash": (
        lambda: DayPlan(rewrite=change_urn_batch(1, lambda day, b: {"previous": bytes(32)})),
        {31: "fail"},
    ),
    "batch_for_another_precinct": (lambda: DayPlan(rewrite=change_urn_batch(0, _foreign_precinct_batch)), {31: "fail"}),
    "sheet_in_two_batches": (lambda: DayPlan(rewrite=_sheet_twice), {31: "fail"}),
    "paper_proof_forged_so_errors_cancel": (
        lambda: DayPlan(rewrite=change_urn_batch(1, _forged_proof)),
        {31: "fail", 32: "pass", 40: "pass"},
    ),
    "urn_lists_a_cast_ballot": (lambda: DayPlan(rewrite=change_urn_batch(2, _urn_lists_a_cast_hash)), {31: "fail"}),
    "urn_lists_a_kiosk_ballot_of_its_precinct": (
        lambda: DayPlan(more_devices=[(OTHER_URN, "urn", KIOSK_PRECINCT)], rewrite=_urn_lists_a_kiosk_ballot),
        {31: "fail", 32: "pass"},
    ),
    "kiosk_lists_a_ballot_not_on_the_board": (
        lambda: DayPlan(rewrite=_kiosk_cast(lambda day, b: (b.cast[0], secrets.token_bytes(32)))),
        {31: "fail"},
    ),
    "kiosk_lists_an_app_ballot": (lambda: DayPlan(rewrite=_kiosk_cast(_an_app_ballot)), {31: "fail"}),
    "batch_of_an_unknown_device": (lambda: DayPlan(rewrite=_unknown_device), {31: "fail"}),
    "batch_that_does_not_parse": (
        lambda: DayPlan(rewrite=_unparsable_batch, tally=False),
        {31: "fail", 32: "skipped", 40: "skipped"},
    ),
    "protocol_left_out": (lambda: DayPlan(rewrite=_protocol_left_out), {31: "fail"}),
    "protocol_posted_twice": (lambda: DayPlan(rewrite=_protocol_twice), {31: "fail"}),
    "protocol_closing_the_chain_early": (lambda: DayPlan(rewrite=_closes_one_batch_early), {31: "fail"}),
    "protocol_reads_fewer_ballots_than_its_batches_hold": (
        lambda: DayPlan(rewrite=change_protocol(URN, lambda p: replace(p, ballots_read=p.ballots_read - 1))),
        {31: "fail"},
    ),
    "protocol_changed_after_signing": (lambda: DayPlan(rewrite=_protocol_changed_after_signing), {31: "fail"}),
    # check 32: reconciliation
    "protocol_counts_moved": (lambda: DayPlan(rewrite=change_protocol(URN, _counts_moved)), {31: "pass", 32: "fail"}),
    # the server refuses that protocol: the board takes it directly
    "ballots_read_exceed_voters_identified": (
        lambda: DayPlan(identified=25, rewrite=lambda day, posts: posts),
        {31: "fail", 32: "fail"},
    ),
    "urn_encrypts_box_one_as_box_two": (
        lambda: DayPlan(tamper_urn=box_one_as_box_two),
        {31: "pass", 32: "fail", 40: "pass", 42: "pass"},
    ),
}
