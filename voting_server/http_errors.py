"""Every error leaves the server as ``{"code", "message"}`` with the status of its stable code.

Also the request-size cap, enforced before the body is parsed: a declared ``Content-Length`` above the cap is
refused at once, and a streamed body is cut off as soon as it passes the cap; and the bound on requests in flight
(`InFlightLimit`): beyond it a request is refused at once with ``unavailable`` (503, ``Retry-After``) rather than
queued without end. A state-store (Redis) outage is ``unavailable`` (503, ``Retry-After``) too, never ``internal``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crypto.errors import ShailooError
from mobile_api.errors import ApiError, status_for
from voting_server.logs import get_logger

_log = get_logger("http")

_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


#: Seconds a client is asked to wait (``Retry-After``) after ``unavailable``.
RETRY_AFTER_SECONDS = 1


def error_response(
    code: str, message: str, status: int | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status or status_for(code), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map Shailoo errors, validation errors and framework errors to the one error body."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.code, exc.message, exc.status)

    @app.exception_handler(ShailooError)
    async def _shailoo_error(request: Request, exc: ShailooError) -> JSONResponse:
        return error_response(exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response("malformed", f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(code, str(exc.detail), exc.status_code)

    @app.exception_handler(redis.exceptions.ConnectionError)
    @app.exception_handler(redis.exceptions.TimeoutError)
    async def _state_store_down(request: Request, exc: Exception) -> JSONResponse:
        # Sessions and counters live in Redis; the unique keys that matter live in the database, so nothing is
        # lost by asking the client to come back.
        _log.warning("state store unavailable", extra={"path": request.url.path})
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return error_response("unavailable", "a session store is unavailable; retry shortly", 503, retry)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled error", extra={"path": request.url.path})
        return error_response("internal", "an internal error occurred; nothing was recorded", 500)


class BodySizeLimit:
    """ASGI middleware refusing request bodies larger than ``max_bytes`` with ``payload_too_large`` (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"code": "payload_too_large", "message": f"the request exceeds {self.max_bytes} bytes"})
        headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})


class _TooLarge(Exception):
    pass


class _DuplicateKey(ValueError):
    pass


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(f"the key {key!r} appears twice in one object")
        obj[key] = value
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_strict_json(body: bytes) -> Any:
    """Parse a request body as strict JSON (RFC 8259 with I-JSON's unique member names): ``ValueError`` on a
    duplicated key (two parsers could read two different requests), ``NaN``/``Infinity``, text that is not UTF-8,
    nesting too deep for the parser or an integer beyond Python's digit limit."""
    try:
        return json.loads(
            body.decode("utf-8"), object_pairs_hook=_refuse_duplicate_keys, parse_constant=_refuse_constant
        )
    except RecursionError as e:
        raise ValueError("the JSON is nested too deeply") from e


def _is_json(scope: Scope) -> bool:
    """A body FastAPI would parse as JSON: ``application/json``, ``application/*+json`` or no content type."""
    content_type = dict(scope.get("headers") or []).get(b"content-type")
    if content_type is None:
        return True
    media = content_type.split(b";")[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


class StrictJsonBody:
    """ASGI middleware: a JSON request body is read whole and parsed strictly (`parse_strict_json`) before the app
    sees it; one that does not parse is refused with ``malformed`` (422), whatever the route. Placed inside
    `BodySizeLimit`, so the read stops at the size cap and surfaces as ``payload_too_large``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH"} or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            try:
                parse_strict_json(body)
            except ValueError as e:
                await _send_json(send, 422, {"code": "malformed", "message": f"the body is not valid JSON: {e}"})
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _send_json(send: Send, status: int, content: dict[str, str]) -> None:
    body = json.dumps(content).encode()
    headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class InFlightLimit:
    """ASGI middleware: at most ``max_in_flight`` HTTP requests served at once by this process; one more is refused
    at once with ``unavailable`` (503, ``Retry-After``), so an overload ends in explicit refusals the client can
    retry, never in a queue that grows until requests time out. The probes (``/health``, ``/ready``) are not
    counted: an overloaded server is still alive."""

    def __init__(self, app: ASGIApp, max_in_flight: int) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = 0  # only touched on the event loop, so no lock is needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in {"/health", "/ready"}:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            _log.warning("overloaded: request refused", extra={"in_flight": self.in_flight})
            await _refuse_unavailable(send, "the server is at capacity; retry shortly")
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _refuse_unavailable(send: Send, message: str) -> None:
    body = json.dumps({"code": "unavailable", "message": message}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """ASGI middleware: at most ``per_minute`` voter-API ``POST`` requests per client address per minute, counted
    in Redis (``rate_limited``, 429). If Redis does not answer, requests pass: a limit must not become an outage."""

    def __init__(self, app: ASGIApp, redis: Any, per_minute: int) -> None:
        self.app = app
        self.redis = redis
        self.per_minute = per_minute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and self._limited(scope):
            body = json.dumps({"code": "rate_limited", "message": "too many requests from this address; retry shortly"})
            headers: list[Any] = [(b"content-type", b"application/json"), (b"retry-after", b"60")]
            await send({"type": "http.response.start", "status": 429, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await self.app(scope, receive, send)

    def _limited(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        if not path.startswith("/v1/") or path.startswith(("/v1/admin", "/v1/trustees")):
            return False
        client = scope.get("client") or ("unknown", 0)
        key = f"shailoo:rate:{client[0]}:{int(time.time() // 60)}"
        try:
            count = int(self.redis.incr(key))
            if count == 1:
                self.redis.expire(key, 120)
        except Exception:  # Redis down: degrade to no limit, and say so in the logs
            _log.warning("rate limit skipped: redis unavailable")
            return False
        return count > self.per_minute
