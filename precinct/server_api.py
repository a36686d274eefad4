"""The server's precinct endpoints (mounted by `voting_server.app`): devices post batches and protocols here.

``build_precinct_router(board, operator=None)`` returns an `APIRouter` under ``/v1/precinct``:

* ``POST /batches`` — a device's signed batch (``precinct_batch`` payload); answers the board's position and
  signed promise. The same batch again returns the same answer (devices resend after a lost link).
* ``POST /protocols`` — a device's closing protocol.
* ``GET /devices/{device_id}/head`` — where the device's chain stands on the board (after a device restore).
* ``POST /devices`` — the commission registers a device with its precinct (only when ``operator``, the server's
  operator-token dependency, is given).

Refusals are ``{"code", "message"}`` with the record's stable code (``batch_replayed``, ``batch_missing``,
``batch_conflict``, ``invalid_signature``, ``invalid_proof``, ``unknown_device``, ``wrong_phase`` …).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends

from bulletin_board.log import BulletinBoard
from crypto.errors import ShailooError
from elections.manifest import Manifest
from mobile_api.errors import COMMON_CODES, ApiError, status_for
from mobile_api.openapi import ErrorBody
from precinct.devices import register_device
from precinct.service import PrecinctService
from record.devices import DeviceRecord

_STATUS: Final = {
    "batch_conflict": 409,
    "batch_replayed": 409,
    "batch_missing": 409,
    "batch_chain_broken": 409,
    "duplicate_entry": 409,
    "wrong_phase": 409,
    "protocol_before_close": 409,
    "unknown_device": 403,
    "invalid_signature": 422,
    "invalid_proof": 422,
    "malformed": 422,
    "non_canonical": 422,
    "protocol_mismatch": 422,
}

JsonBody = Annotated[dict[str, Any], Body()]


_RECORD_CODES: Final = (
    "malformed",
    "non_canonical",
    "wrong_election",
    "unknown_device",
    "invalid_signature",
    "invalid_proof",
    "invalid_point",
    "reused_nonce",
    "batch_replayed",
    "batch_missing",
    "batch_chain_broken",
    "batch_conflict",
    "sheet_repeated",
    "protocol_mismatch",
    "protocol_before_close",
    "wrong_phase",
)


def _status(code: str) -> int:
    return _STATUS.get(code, status_for(code))


def _api(error: ShailooError) -> ApiError:
    return ApiError(error.message, code=error.code, status=_status(error.code))


def _responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses``: each status with the codes it carries (the statuses this router answers)."""
    by_status: dict[int, list[str]] = {}
    for code in (*codes, *COMMON_CODES):
        by_status.setdefault(_status(code), []).append(code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(f"`{c}`" for c in sorted(set(cs)))}
        for status, cs in sorted(by_status.items())
    }


def build_precinct_router(board: BulletinBoard, *, operator: Callable[..., Any] | None = None) -> APIRouter:
    """The precinct endpoints over ``board`` (see the module docstring)."""
    service = PrecinctService(board)
    router = APIRouter(prefix="/v1/precinct", tags=["precinct"])

    @router.post("/batches", responses=_responses(*_RECORD_CODES))
    def post_batch(body: JsonBody) -> dict[str, Any]:
        """Accept one signed, chained batch from a kiosk or counting urn."""
        try:
            return service.accept_batch(body).to_json()
        except ShailooError as e:
            raise _api(e) from e

    @router.post("/protocols", responses=_responses(*_RECORD_CODES))
    def post_protocol(body: JsonBody) -> dict[str, Any]:
        """Accept a device's closing protocol (it must close the device's chain)."""
        try:
            return service.accept_protocol(body).to_json()
        except ShailooError as e:
            raise _api(e) from e

    @router.get("/devices/{device_id}/head", responses=_responses("malformed"))
    def device_head(device_id: str) -> dict[str, Any]:
        """The device's chain on the board: batches, hash of the last, ballots they hold."""
        head, ballots = service.chain_head(device_id)
        return {"device_id": device_id, "batches": head.batches, "last_batch": head.last.hex(), "ballots": ballots}

    if operator is not None:

        @router.post(
            "/devices",
            dependencies=[Depends(operator)],
            responses=_responses(
                "unauthorized",
                "forbidden",
                "malformed",
                "unknown_device",
                "unknown_id",
                "duplicate_entry",
                "wrong_phase",
            ),
        )
        def register(body: JsonBody) -> dict[str, Any]:
            """The commission registers a kiosk or urn: ``{device_id, role, precinct_id, public_key}``."""
            try:
                record = DeviceRecord.from_payload(body)
                manifest = service.board.find_by_dedup_key("manifest")
                if manifest is None:
                    raise ApiError("no manifest on the board", code="wrong_phase")
                promise = register_device(board, Manifest.from_dict(manifest.payload["manifest"]), record)
            except ShailooError as e:
                raise _api(e) from e
            return {"index": promise.index, "promise": promise.to_text()}

    return router
