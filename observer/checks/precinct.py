"""Checks 30–39: the precinct channels (kiosks and counting urns).

The places are kept here for the precinct work (docs/observer.md, "Adding checks"):

* 30 device keys — implemented for the payload the server writes today (``device_id``, ``role``, ``public_key``);
* 31 precinct batch chains — every device's batches signed and chained (each names the previous one's hash);
* 32 precinct reconciliation — per precinct, the decrypted encrypted subtotal equals the urn's printed protocol,
  and ballots read never exceed voters identified.

31 and 32 are skipped with the reason until the precinct entries' formats land; when a board holds precinct
entries that no check covers, the skip says how many, so an observer sees what was not verified.
"""

from __future__ import annotations

from bulletin_board.entries import EntryKind
from observer.checks import Passed, check
from observer.context import VerificationContext
from observer.errors import CheckFailedError, CheckSkippedError

AREA = "precincts"
_DEVICE_ROLES = frozenset({"kiosk", "urn", "identification", "precinct"})


@check(30, AREA, "Device keys registered by the commission")
def device_keys(ctx: VerificationContext) -> Passed:
    refs = ctx.export.of_kind(EntryKind.DEVICE_KEY)
    if not refs:
        raise CheckSkippedError("no device_key entries on this board (no kiosk or urn took part)")
    devices: dict[str, int] = {}
    for ref in refs:
        payload = ctx.export.payload(ref.index)
        device, key = payload.get("device_id"), payload.get("public_key")
        if not isinstance(device, str) or not isinstance(key, str) or len(bytes.fromhex(key)) != 32:
            raise CheckFailedError(
                "a device key entry needs a device id and a 32-byte Ed25519 key", {"entry_index": ref.index}
            )
        if device in devices:
            raise CheckFailedError(
                f"device {device} is registered twice", {"entry_indices": [devices[device], ref.index]}
            )
        devices[device] = ref.index
    return Passed(f"{len(devices)} devices registered", {"devices": devices})


@check(31, AREA, "Precinct batch chains: every device's batches signed and unbroken")
def batch_chains(ctx: VerificationContext) -> Passed:
    count = len(ctx.export.of_kind(EntryKind.PRECINCT_BATCH))
    if count:
        raise CheckSkippedError(
            f"{count} precinct_batch entries are NOT verified: batch-chain checks are not built yet"
        )
    raise CheckSkippedError("no precinct_batch entries on this board")


@check(32, AREA, "Precinct reconciliation: encrypted subtotals equal the printed protocols")
def reconciliation(ctx: VerificationContext) -> Passed:
    count = len(ctx.export.of_kind(EntryKind.PRECINCT_PROTOCOL))
    if count:
        raise CheckSkippedError(f"{count} precinct_protocol entries are NOT reconciled: the check is not built yet")
    raise CheckSkippedError("no precinct_protocol entries on this board")
