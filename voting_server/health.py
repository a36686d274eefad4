"""Liveness and readiness probes.

``/health`` answers as long as the process serves requests. ``/ready`` also checks what a request needs:
the database answers, the board's tree-head integrator is not failing again and again, and Redis when it is
configured (Redis down is reported but does not make the server unready, because Redis is never
the only copy of anything).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

#: Consecutive failed runs of the board's tree-head integrator after which the server reports itself not ready.
INTEGRATOR_FAILURES_NOT_READY = 3


class Health(BaseModel):
    status: str


def build_health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=Health)
    async def health() -> Health:
        """The process is up."""
        return Health(status="ok")

    @router.get("/ready", responses={503: {"description": "the database does not answer"}})
    async def ready(request: Request) -> JSONResponse:
        """The database answers (and Redis, if configured, is reported)."""
        checks: dict[str, Any] = {}
        state = request.app.state
        try:
            state.store.state()
            checks["database"] = "ok"
        except Exception as e:  # any failure means not ready; the reason is reported
            checks["database"] = f"error: {type(e).__name__}"
        if state.redis is not None:
            try:
                state.redis.ping()
                checks["redis"] = "ok"
            except Exception as e:
                checks["redis"] = f"degraded: {type(e).__name__}"
        board = getattr(state, "components", None) and state.components.board
        failures = getattr(board, "integrator_failures", 0)
        checks["integrator"] = "ok" if not failures else f"failing: {board.integrator_error}"
        # One failed run is retried within the merge delay; failing again and again means no tree head is signed.
        ok = checks["database"] == "ok" and failures < INTEGRATOR_FAILURES_NOT_READY
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
        )

    return router
