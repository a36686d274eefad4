"""The error body of every Shailoo API and the OpenAPI ``responses`` that document each route's error codes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mobile_api.errors import COMMON_CODES, status_for


class ErrorBody(BaseModel):
    """``{"code": ..., "message": ...}``: a stable snake_case code and a message a person can act on."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(description="Stable snake_case error code; clients branch on it.")
    message: str = Field(description="What went wrong, for a person.")


def error_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: each status with the list of codes it can carry."""
    by_status: dict[int, list[str]] = {}
    for code in (*codes, *COMMON_CODES):
        by_status.setdefault(status_for(code), []).append(code)
    return {
        status: {"model": ErrorBody, "description": "Error codes: " + ", ".join(f"`{c}`" for c in sorted(set(cs)))}
        for status, cs in sorted(by_status.items())
    }
