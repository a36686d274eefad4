"""The public board API (``/v1/board``): read-only, no authentication.

Entries by range, signed tree heads (checkpoint notes), RFC 9162 inclusion and consistency proofs, and the
streamed full export (JSON lines, `bulletin_board.export`) that the observers' verifier reads.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from bulletin_board.export import iter_export
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from voting_server.components import Components

MAX_RANGE = 1000
#: The largest tree size or index accepted in a query: the board stores them as signed 64-bit integers, so a larger
#: number is refused as ``malformed`` (422) rather than reaching the database.
MAX_SIZE = 2**63 - 1
Size = Annotated[int, Query(ge=0, le=MAX_SIZE)]


def _components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


def build_board_router() -> APIRouter:
    router = APIRouter(prefix="/v1/board", tags=["board"])

    @router.get("/entries", responses=error_responses("invalid_tree_size"))
    def entries(
        request: Request,
        start: Size = 0,
        end: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
    ) -> dict[str, Any]:
        """Entries ``start <= index < end`` (at most 1000 per request), each ``{index, kind, payload, entry_hash}``."""
        board = _components(request).board
        stop = min(end if end is not None else start + MAX_RANGE, start + MAX_RANGE, board.size)
        if stop < start:
            raise ApiError("end must not be before start", code="invalid_tree_size")
        items = [
            {"index": e.index, "kind": e.kind.value, "payload": e.payload, "entry_hash": e.entry_hash.hex()}
            for e in board.entries(start, stop)
        ]
        return {"size": board.size, "entries": items}

    # Not ``response_class=PlainTextResponse``: that would document the JSON error bodies as text/plain too.
    note = {200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "a checkpoint note"}}

    @router.get("/tree-head", responses={**note, **error_responses("entry_not_found")})
    def tree_head(request: Request, size: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None) -> PlainTextResponse:
        """The latest signed tree head (or the one of ``size``) as a checkpoint note."""
        return PlainTextResponse(_components(request).board.tree_head(size).to_text())

    @router.get("/proofs/inclusion", responses=error_responses("entry_not_found", "invalid_tree_size"))
    def inclusion(
        request: Request, index: Size, tree_size: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None
    ) -> dict[str, Any]:
        """The audit path of entry ``index`` in the tree of ``tree_size`` (default: the latest signed head)."""
        return _components(request).board.inclusion_proof(index, tree_size).to_json()

    @router.get("/proofs/consistency", responses=error_responses("invalid_tree_size"))
    def consistency(
        request: Request, first: Size, second: Annotated[int | None, Query(ge=1, le=MAX_SIZE)] = None
    ) -> dict[str, Any]:
        """The consistency proof from tree size ``first`` to ``second`` (default: the latest signed head)."""
        return _components(request).board.consistency_proof(first, second).to_json()

    @router.get(
        "/export",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/x-ndjson": {}}, "description": "the board as JSON lines"}},
    )
    def export(request: Request) -> StreamingResponse:
        """The whole board as JSON lines (header, entries, signed tree heads, cosignatures, end)."""
        board = _components(request).board
        return StreamingResponse(iter_export(board), media_type="application/x-ndjson")

    return router
