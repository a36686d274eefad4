"""How a device reaches the server: in-process (`ServiceLink`) or over HTTP (`HttpLink`).

Both are a `Sender`: ``send(kind, payload) -> answer`` for ``precinct_batch`` and ``precinct_protocol`` records.
`HttpLink` turns a connection failure or a 5xx into `LinkDownError` (the outbox keeps the record and retries);
a refusal keeps the server's stable code, except ``protocol_before_close``: a protocol sent while voting becomes
`HeldBackError`, so the outbox keeps it queued and the first sync after the close sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from crypto.errors import ShailooError
from precinct.errors import HeldBackError, LinkDownError, PrecinctError
from precinct.service import PROTOCOL_BEFORE_CLOSE, PrecinctService

PATHS = {"precinct_batch": "/v1/precinct/batches", "precinct_protocol": "/v1/precinct/protocols"}


class ServiceLink:
    """Posts straight to a `PrecinctService` (tests, the demo, a device beside the server)."""

    def __init__(self, service: PrecinctService) -> None:
        self.service = service
        self.online = True

    def __call__(self, kind: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        if not self.online:
            raise LinkDownError("the link to the server is down")
        if kind == "precinct_batch":
            return self.service.accept_batch(payload).to_json()
        if kind == "precinct_protocol":
            try:
                return self.service.accept_protocol(payload).to_json()
            except ShailooError as e:
                if e.code == PROTOCOL_BEFORE_CLOSE:
                    raise HeldBackError(e.message) from e
                raise
        raise PrecinctError(f"no such record kind {kind!r}", code="malformed")


class HttpLink:
    """Posts to the server's precinct endpoints (`precinct.server_api`)."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def __call__(self, kind: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        try:
            response = self.http.post(PATHS[kind], json=dict(payload))
        except httpx.TransportError as e:
            raise LinkDownError(f"the server is unreachable: {e}") from e
        if response.status_code >= 500:
            raise LinkDownError(f"the server answered {response.status_code}; will retry")
        body = response.json()
        if response.status_code >= 400:
            code = str(body.get("code", "http_error"))
            if code == PROTOCOL_BEFORE_CLOSE:
                raise HeldBackError(str(body.get("message")))
            raise PrecinctError(str(body.get("message")), code=code)
        return dict(body)
