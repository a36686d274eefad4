"""Candidate registration import over HTTP (``/v1/admin/candidates``, operator): docs/candidates.md.

``POST /v1/admin/candidates/import`` takes a candidate file (CSV or JSON text) and the base manifest (a preset or a
manifest object), runs the registration checks (`elections.candidates`) and, unless ``dry_run``, loads the resulting
manifest onto the board (phase ``setup``). A file with any problem is refused whole with ``invalid_candidates`` and
the list of problems (row, field, code, message); the board is not touched.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from elections.candidates import MAX_FILE_CHARS, CandidateImportError, import_candidates
from mobile_api.openapi import error_responses
from voting_server.admin_api import ManifestLoad, manifest_from_load
from voting_server.auth import OperatorRole
from voting_server.components import Components


class CandidateFile(ManifestLoad):
    """A candidate file (``format`` csv or json, ``content`` its text) and the base manifest it fills."""

    format: Literal["csv", "json"]
    content: str = Field(min_length=1, max_length=MAX_FILE_CHARS)
    dry_run: bool = False


class CandidateImportResult(BaseModel):
    candidates: int
    manifest_hash: str
    manifest: dict[str, Any]
    index: int | None = Field(default=None, description="the manifest entry's index (absent on a dry run)")
    promise: str | None = None


class ProblemBody(BaseModel):
    row: int
    field: str
    code: str
    message: str


class CandidateProblems(BaseModel):
    """``invalid_candidates`` with every problem; ``malformed`` (a body that does not parse) has no ``problems``."""

    code: str
    message: str
    problems: list[ProblemBody] = Field(default_factory=list)


def build_candidates_router() -> APIRouter:
    router = APIRouter(prefix="/v1/admin/candidates", tags=["candidates"])

    @router.post(
        "/import",
        response_model=CandidateImportResult,
        responses={
            **error_responses("unauthorized", "forbidden", "wrong_phase", "invalid_manifest", "unknown_id"),
            422: {"model": CandidateProblems, "description": "`invalid_candidates` (with every problem), `malformed`"},
        },
    )
    def import_file(request: Request, body: CandidateFile, role: OperatorRole) -> Any:
        """Check a candidate file and load the manifest it gives (or only return it, with ``dry_run``)."""
        components: Components = request.app.state.components
        base = manifest_from_load(body)
        try:
            result = import_candidates(body.content, body.format, base)
        except CandidateImportError as e:
            return JSONResponse(
                {"code": e.code, "message": e.message, "problems": [p.to_dict() for p in e.problems]},
                status_code=422,
            )
        answer = CandidateImportResult(
            candidates=result.candidates,
            manifest_hash=result.manifest.manifest_hash().hex(),
            manifest=result.manifest.to_canonical_dict(),
        )
        if not body.dry_run:
            promise = components.election.load_manifest(result.manifest)
            answer.index, answer.promise = promise.index, promise.to_text()
        return answer

    return router
