"""The public board API (``/v1/board``): no authentication.

Entries by range, the log's name and key, signed tree heads (checkpoint notes), RFC 9162 inclusion and consistency
proofs, and the streamed full export (JSON lines, `bulletin_board.export`) that the observers' verifier reads.
The one write: witnesses post their cosignatures (`voting_server.witnesses`), which count only under the key the
manifest's witness roster gives them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from bulletin_board.checkpoint import WitnessCosignature, public_key_bytes
from bulletin_board.export import iter_export
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from voting_server.components import Components
from voting_server.settings import Environment
from voting_server.witnesses import accept_cosignature

MAX_RANGE = 1000
#: The largest tree size or index accepted in a query: the board stores them as signed 64-bit integers, so a larger
#: number is refused as ``malformed`` (422) rather than reaching the database.
MAX_SIZE = 2**63 - 1
Size = Annotated[int, Query(ge=0, le=MAX_SIZE)]


class CosignaturePost(BaseModel):
    """A witness's cosignature of the board's tree head of ``size`` (docs/spec/board.md §4.3 and §6): the
    ``cosignature`` line of the export without ``type``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    size: int = Field(ge=0, le=MAX_SIZE)
    witness: str = Field(min_length=1, max_length=128, description="the witness's signed-note name")
    witness_key: str = Field(description="the witness's raw Ed25519 key, 64 lowercase hex digits")
    key_id: str = Field(description="SHA-256(witness || 0x0a || 0x01 || witness_key)[0:4], 8 hex digits")
    timestamp: int = Field(ge=0, description="the cosignature's time, unix ms")
    signature: str = Field(description="Ed25519 signature of the cosignature message, 128 hex digits")


class CosignatureAck(BaseModel):
    size: int
    witness: str


class LogInfo(BaseModel):
    origin: str = Field(description="the log's name: the first line of its checkpoints, the signer of its notes")
    log_key: str = Field(description="the log's raw Ed25519 public key, 64 lowercase hex digits")


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

    @router.get("/log", response_model=LogInfo)
    def log(request: Request) -> LogInfo:
        """The log's origin and public key: what a witness or an observer pins before following the board."""
        board = _components(request).board
        return LogInfo(origin=board.origin, log_key=public_key_bytes(board.public_key).hex())

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

    @router.post(
        "/cosignatures",
        response_model=CosignatureAck,
        responses=error_responses(
            "unknown_witness", "witness_key_conflict", "entry_not_found", "invalid_checkpoint", "non_canonical"
        ),
    )
    def cosignature(request: Request, body: CosignaturePost) -> CosignatureAck:
        """Keep a witness's cosignature of the signed tree head of ``size``: the witness must be on the manifest's
        witness roster under this key (without a roster, only a development server takes cosignatures) and the
        signature must verify over that head."""
        components = _components(request)
        cosignature = WitnessCosignature.from_json(body.model_dump())
        accept_cosignature(
            components.board,
            components.election.state().manifest,
            cosignature,
            allow_unlisted=components.settings.environment is Environment.DEVELOPMENT,
        )
        return CosignatureAck(size=cosignature.size, witness=cosignature.witness)

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
