"""Checks 30–32: the precinct channels (kiosks and counting urns), docs/precinct.md.

* 30 device keys — every ``device_key`` entry names one device once with a 32-byte Ed25519 key; a kiosk or urn
  also names its role and a precinct of the manifest. Each entry is judged on its own: a bad one fails this check
  (named with its code) and the other devices stay registered; a device registered twice keeps neither key;
* 31 precinct batch chains — every device's batches are signed by its registered key and form one unbroken chain
  (sequence 1, 2, …; each names the hash of the one before), closed by the device's protocol; no sheet appears
  twice; every proof of every encrypted paper ballot verifies; every ballot a kiosk lists is on the board with the
  kiosk's precinct. A device whose registration check 30 refused has no key, so its batches are named here
  (``device_key_refused``). The urns' paper ballots of every batch that parses are established for check 40,
  which adds them to the electronic ballots of check 20 before comparing with the posted encrypted tally (they
  are counted per ballot style and per precinct like any ballot);
* 32 precinct reconciliation — per precinct, the decrypted subtotal published in the ``result`` entry (check 42
  proves those numbers are the trustees' decryption) equals the sum of its devices' printed protocols, and ballots
  read never exceed voters identified. A mismatch names the precinct, the figures on each side and the entries.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bulletin_board.entries import EntryKind
from crypto.batch import BatchVerifier
from crypto.errors import InvalidProofError, ShailooError
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError, CheckSkippedError
from observer.established import (
    DevicesEstablished,
    PrecinctBallotsEstablished,
    PrecinctProtocolsEstablished,
    RegisteredDevice,
    read_only,
)
from record.devices import DeviceRecord
from record.lifecycle import ResultEntry
from record.precinct import (
    DEVICE_ROLES,
    ChainHead,
    DeviceBatch,
    PrecinctProtocol,
    add_paper_ballot_proofs,
    check_batch_signature,
    check_next_batch,
    check_protocol_closes_chain,
    check_protocol_signature,
    paper_counted_items,
    reconcile_precinct,
)
from record.tally import EncryptedTally, aggregate

AREA = "precincts"


def _device_problem(index: int, device: object, code: str, message: str) -> dict[str, Any]:
    return {"entry_index": index, "device_id": device, "code": code, "message": message}


@check(30, AREA, "Device keys registered by the commission")
def device_keys(ctx: VerificationContext) -> Passed:
    refs = ctx.export.of_kind(EntryKind.DEVICE_KEY)
    if not refs:
        ctx.devices = DevicesEstablished(read_only({}), read_only({}))
        raise CheckSkippedError("no device_key entries on this board (no kiosk or urn took part)")
    precincts = {p.precinct_id for p in ctx.manifest.precincts} if ctx.manifest is not None else None
    # Each entry is judged on its own: a bad one fails this check and leaves the other devices registered.
    entries: dict[str, list[RegisteredDevice]] = defaultdict(list)
    problems: list[dict[str, Any]] = []
    rejected: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        payload = ctx.export.payload(ref.index)
        named = payload.get("device_id")
        try:
            record = DeviceRecord.from_payload(payload)
        except ShailooError as e:
            problems.append(_device_problem(ref.index, named, e.code, e.message))
            if isinstance(named, str):
                rejected[named].append(ref.index)
            continue
        device, role, precinct = record.device_id, record.role, record.precinct_id
        if role in DEVICE_ROLES and (precincts is not None and precinct not in precincts):
            problems.append(
                _device_problem(
                    ref.index,
                    device,
                    "unknown_precinct",
                    f"{role} {device} is registered for precinct {precinct!r}, not in the manifest",
                )
            )
            rejected[device].append(ref.index)
            continue
        entries[device].append(RegisteredDevice(ref.index, device, role, precinct, record.public_key))
    devices: dict[str, RegisteredDevice] = {}
    for device, found in entries.items():
        if len(found) == 1 and device not in rejected:
            devices[device] = found[0]
            continue
        # Two registrations of one device: which key is its own is not for the verifier to guess.
        indices = sorted([*(d.entry_index for d in found), *rejected[device]])
        problems += [
            _device_problem(d.entry_index, device, "registered_twice", f"device {device} is registered twice")
            for d in found
        ]
        rejected[device] = indices
    ctx.devices = DevicesEstablished(read_only(devices), read_only({d: tuple(sorted(i)) for d, i in rejected.items()}))
    registered = {d: v.entry_index for d, v in sorted(devices.items())}
    if problems:
        problems.sort(key=lambda p: p["entry_index"])
        raise CheckFailedError(
            f"{len(problems)} device key entr(ies) refused",
            {
                "entry_indices": sorted({p["entry_index"] for p in problems}),
                "problems": problems,
                "devices": registered,
            },
        )
    return Passed(f"{len(devices)} devices registered", {"devices": registered})


def _batches_by_device(ctx: VerificationContext) -> dict[str, list[tuple[int, DeviceBatch]]]:
    by_device: dict[str, list[tuple[int, DeviceBatch]]] = defaultdict(list)
    for ref in ctx.export.of_kind(EntryKind.PRECINCT_BATCH):
        try:
            batch = DeviceBatch.from_json(ctx.export.payload(ref.index))
        except ShailooError as e:
            raise CheckFailedError(f"a precinct batch does not parse: {e.message}", {"entry_index": ref.index}) from e
        by_device[batch.device_id].append((ref.index, batch))
    return by_device


def _protocols(ctx: VerificationContext) -> dict[str, list[tuple[int, PrecinctProtocol]]]:
    by_device: dict[str, list[tuple[int, PrecinctProtocol]]] = defaultdict(list)
    for ref in ctx.export.of_kind(EntryKind.PRECINCT_PROTOCOL):
        try:
            protocol = PrecinctProtocol.from_json(ctx.export.payload(ref.index))
        except ShailooError as e:
            raise CheckFailedError(
                f"a precinct protocol does not parse: {e.message}", {"entry_index": ref.index}
            ) from e
        by_device[protocol.device_id].append((ref.index, protocol))
    return by_device


def _check_device_chain(
    ctx: VerificationContext,
    device_id: str,
    registered: DevicesEstablished,
    batches: list[tuple[int, DeviceBatch]],
    protocols: list[tuple[int, PrecinctProtocol]],
    verifier: BatchVerifier,
    owners: list[int],
) -> list[dict[str, Any]]:
    """Every problem of one device's chain (empty when whole)."""
    problems: list[dict[str, Any]] = []

    def problem(index: int | None, code: str, message: str) -> None:
        problems.append({"device_id": device_id, "entry_index": index, "code": code, "message": message})

    device = registered.devices.get(device_id)
    refused = registered.rejected.get(device_id)
    if device is None or device.role not in DEVICE_ROLES:
        for index, _ in [*batches, *protocols]:
            if refused:
                problem(index, "device_key_refused", f"check 30 refused the device_key entries {list(refused)}")
            else:
                problem(index, "unknown_device", f"{device_id} is not a registered kiosk or urn")
        return problems
    key = device.public_key
    head, sheets_seen, ballots = ChainHead(), set[int](), 0
    manifest, joint, base = ctx.manifest, ctx.joint_key, ctx.base_hash
    kiosk_hashes = {s.ballot_hash: s for s in ctx.export.ballots} if device.role == "kiosk" else {}
    for index, batch in batches:
        try:
            check_batch_signature(batch, key)
            if batch.precinct_id != device.precinct_id:
                raise CheckFailedError(f"batch for precinct {batch.precinct_id}, device is at {device.precinct_id}")
            head = check_next_batch(head, batch)
        except (ShailooError, CheckFailedError) as e:
            problem(index, getattr(e, "code", "invalid"), e.message if isinstance(e, ShailooError) else str(e))
            continue
        ballots += len(batch.ballots) + len(batch.cast)
        for record in batch.ballots:
            if record.sheet in sheets_seen:
                problem(index, "sheet_repeated", f"sheet {record.sheet} appears in more than one batch")
            sheets_seen.add(record.sheet)
            if manifest is not None and joint is not None and base is not None:
                before = len(verifier)
                try:
                    add_paper_ballot_proofs(
                        verifier,
                        record,
                        manifest=manifest,
                        precinct_id=batch.precinct_id,
                        device_key=key,
                        joint_public_key=joint.joint_public_key,
                        base_hash=base,
                    )
                except ShailooError as e:
                    problem(index, e.code, e.message)
                owners.extend([index] * (len(verifier) - before))
        for ballot_hash in batch.cast:
            summary = kiosk_hashes.get(ballot_hash)
            if summary is None or summary.precinct_id != batch.precinct_id:
                problem(index, "ballot_missing", f"kiosk ballot {ballot_hash.hex()[:16]}… is not on the board")
    if not protocols:
        problem(None, "protocol_missing", f"{device_id} posted {head.batches} batches and no closing protocol")
    for index, _ in protocols[1:]:
        problem(index, "protocol_repeated", f"{device_id} posted a second protocol")
    if protocols:
        index, protocol = protocols[0]
        try:
            check_protocol_signature(protocol, key)
            check_protocol_closes_chain(protocol, head, ballots)
        except ShailooError as e:
            problem(index, e.code, e.message)
    return problems


def _paper_ballots(
    ctx: VerificationContext, batches: dict[str, list[tuple[int, DeviceBatch]]]
) -> PrecinctBallotsEstablished:
    """Every urn ballot of the parsed batches: check 40 adds them to check 20's electronic ballots and compares
    the posted tally with *every* ballot. Whether each batch is authentic is this check's finding, not theirs."""
    paper = [cast for chain in batches.values() for index, batch in chain for cast in paper_counted_items(index, batch)]
    if not paper:
        return PrecinctBallotsEstablished(0, None)
    manifest = ctx.need(ctx.manifest, "the manifest", 10)
    return PrecinctBallotsEstablished(len(paper), aggregate(manifest, paper))


def _unbound_ballots(
    ctx: VerificationContext, batches: dict[str, list[tuple[int, DeviceBatch]]], registered: DevicesEstablished
) -> list[dict[str, Any]]:
    """Every ballot naming a precinct must be listed in a batch of a kiosk registered for that precinct (the server
    takes such a ballot only from that kiosk, `record.devices.check_precinct_binding`); a ballot naming a precinct
    no kiosk of it vouches for is a cell someone chose, and fails here."""
    vouched: set[tuple[bytes, str]] = set()
    for device_id, chain in batches.items():
        device = registered.devices.get(device_id)
        if device is None or device.role != "kiosk" or device.precinct_id is None:
            continue
        vouched.update((ballot_hash, device.precinct_id) for _, batch in chain for ballot_hash in batch.cast)
    return [
        {
            "entry_index": b.index,
            "code": "precinct_not_bound",
            "message": f"ballot {b.tracking_code} names precinct {b.precinct_id!r}; no kiosk of that precinct lists it",
        }
        for b in ctx.export.ballots
        if b.precinct_id is not None and (b.ballot_hash, b.precinct_id) not in vouched
    ]


@check(31, AREA, "Precinct batch chains: every device's batches signed, unbroken and closed by its protocol")
def batch_chains(ctx: VerificationContext) -> Passed:
    batches = _batches_by_device(ctx)
    paper = ctx.precinct_ballots = _paper_ballots(ctx, batches)
    protocols = _protocols(ctx)
    # Reconciliation (32) still runs when a chain has a problem, so a mismatch shows per precinct too.
    ctx.precinct_protocols = PrecinctProtocolsEstablished(read_only({d: tuple(p) for d, p in protocols.items()}))
    registered = ctx.devices or DevicesEstablished(read_only({}), read_only({}))
    unbound = _unbound_ballots(ctx, batches, registered)
    if not batches and not protocols and not unbound:
        raise CheckSkippedError("no precinct_batch or precinct_protocol entries on this board")
    if batches or protocols:
        registered = ctx.need(ctx.devices, "the registered device keys", 30)
    verifier, owners = BatchVerifier(), list[int]()
    problems: list[dict[str, Any]] = []
    for device_id in sorted(set(batches) | set(protocols)):
        problems += _check_device_chain(
            ctx, device_id, registered, batches[device_id], protocols[device_id], verifier, owners
        )
    problems += unbound
    try:
        verifier.verify()
    except InvalidProofError:
        for index in sorted({owners[i] for i in verifier.invalid_indices()}):
            problems.append({"entry_index": index, "code": "invalid_proof", "message": "a paper ballot proof fails"})
    if problems:
        raise CheckFailedError(
            f"{len(problems)} problem(s) in the devices' batch chains",
            {
                "entry_indices": sorted({p["entry_index"] for p in problems if p["entry_index"] is not None}),
                "problems": problems,
            },
        )
    chains = {d: len(b) for d, b in sorted(batches.items())}
    added = paper.paper_ballots
    return Passed(
        f"{len(chains)} device chains whole ({sum(chains.values())} batches, {added} paper ballots)",
        {"batches_per_device": chains, "paper_ballots": added},
    )


@check(32, AREA, "Precinct reconciliation: decrypted subtotals equal the printed protocols")
def reconciliation(ctx: VerificationContext) -> Passed:
    protocols = ctx.need(ctx.precinct_protocols, "the devices' parsed protocols", 31).by_device
    if not protocols:
        raise CheckSkippedError("no precinct_protocol entries on this board: nothing to reconcile")
    found = ctx.single(EntryKind.RESULT.value)
    tally_found = ctx.single(EntryKind.ENCRYPTED_TALLY.value)
    if found is None or tally_found is None:
        raise CheckSkippedError("no decrypted result on the board yet: precinct subtotals are not decrypted")
    try:
        counts_by_precinct = ResultEntry.from_payload(found[1]).counts_by_precinct
        ballots_by_precinct = {g.key: g.ballots for g in EncryptedTally.from_json(tally_found[1]).precincts}
    except ShailooError as e:
        raise CheckSkippedError(f"the result or the tally does not parse ({e.message}); checks 40-43 say why") from e
    by_precinct: dict[str, list[tuple[int, PrecinctProtocol]]] = defaultdict(list)
    for chain in protocols.values():
        for index, protocol in chain[:1]:
            by_precinct[protocol.precinct_id].append((index, protocol))
    discrepancies: list[dict[str, Any]] = []
    reconciled = {}
    minimum = ctx.manifest.policy.minimum_cell if ctx.manifest is not None else 1
    for precinct_id, items in sorted(by_precinct.items()):
        if precinct_id not in ballots_by_precinct and sum(p.ballots_read for _, p in items) < minimum:
            reconciled[precinct_id] = "below_minimum_cell"  # never decrypted: its ballots count only in the styles
            continue
        found_here = reconcile_precinct(
            precinct_id,
            [p for _, p in items],
            ballots_by_precinct.get(precinct_id, 0),
            counts_by_precinct.get(precinct_id, {}),
        )
        for d in found_here:
            discrepancies.append({**d.to_json(), "protocol_entries": [i for i, _ in items]})
        reconciled[precinct_id] = "mismatch" if found_here else "equal"
    if discrepancies:
        bad = sorted({d["precinct_id"] for d in discrepancies})
        raise CheckFailedError(
            f"{len(bad)} precinct(s) do not reconcile: {', '.join(bad)}",
            {"precincts": reconciled, "discrepancies": discrepancies},
        )
    return Passed(f"{len(reconciled)} precincts reconcile with their protocols", {"precincts": reconciled})
