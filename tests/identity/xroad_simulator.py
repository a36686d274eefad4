"""A local simulator of the registrar's X-Road security server (Tunduk), on 127.0.0.1, for the adapter's tests.

Not a bare fake of the register: it does what the client's security server does before and after the provider
answers (docs/xroad.md, "The simulator"):

* routes ``POST /r1/{INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE}`` to a registered service, else ``Client.UnknownService``;
* reads the caller from ``X-Road-Client`` (four valid parts, a registered subsystem), else
  ``Client.InvalidClientIdentifier``; checks the access rights of that subsystem to that service, else
  ``Client.AccessDenied``;
* verifies the request signature (``X-Shailoo-Signature`` over `identity.xroad.request_signing_body`) under the key
  registered for the subsystem, else ``Client.InvalidSignature``, and refuses a request id it has seen
  (``Client.DuplicateRequestId``: a replayed request);
* calls the provider; a provider that fails is ``Server.ServerProxy.ServiceFailed``;
* answers with ``X-Road-Id`` (its message id), ``X-Road-Client``, ``X-Road-Service``, ``X-Road-Request-Id`` and
  ``X-Road-Request-Hash`` (base64 SHA-512 of the request body); an error carries ``X-Road-Error`` and the JSON
  ``{"type", "message", "detail"}``.

``delay_seconds`` holds every answer back (timeouts); ``strip_message_id`` answers without ``X-Road-Id`` (a proxy
that is not a security server).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from crypto import signing
from crypto.errors import ShailooError
from identity.xroad import REQUEST_ID_HEADER, REQUEST_TAG, SIGNATURE_HEADER, request_signing_body

Provider = Callable[[dict[str, Any]], tuple[int, Any]]


@dataclass
class SeenRequest:
    path: str
    client: str | None
    body: dict[str, Any] | None
    error: str | None


@dataclass
class XRoadSimulator:
    """The security server: ``clients`` maps a subsystem id to its request-signing key; ``services`` a service id
    to its provider; ``access`` the (client, service) pairs allowed."""

    clients: dict[str, Ed25519PublicKey]
    services: dict[str, Provider]
    access: set[tuple[str, str]]
    delay_seconds: float = 0.0
    strip_message_id: bool = False
    seen: list[SeenRequest] = field(default_factory=list)
    _request_ids: set[str] = field(default_factory=set)
    _httpd: ThreadingHTTPServer | None = None

    def start(self) -> str:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                simulator._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        client = h.headers.get("X-Road-Client")
        service = h.path[len("/r1/") :] if h.path.startswith("/r1/") else ""
        body: dict[str, Any] | None = None
        with contextlib.suppress(ValueError):
            body = json.loads(raw)
        error = self._refusal(h, client, service, raw)
        self.seen.append(SeenRequest(h.path, client, body, error[0] if error else None))
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        headers = {
            "X-Road-Client": client or "",
            "X-Road-Service": service,
            "X-Road-Request-Id": h.headers.get(REQUEST_ID_HEADER) or "",
            "X-Road-Request-Hash": base64.b64encode(hashlib.sha512(raw).digest()).decode(),
        }
        if error is not None:
            kind, status, message = error
            self._send(h, status, {"type": kind, "message": message, "detail": str(uuid.uuid4())}, headers, kind)
            return
        try:
            status, payload = self.services[service](body if isinstance(body, dict) else {})
        except Exception as e:  # the provider failed: the security server says so
            self._send(h, 500, {"type": "Server.ServerProxy.ServiceFailed", "message": str(e), "detail": ""},
                       headers, "Server.ServerProxy.ServiceFailed")  # fmt: skip
            return
        self._send(h, status, payload, headers, None)

    def _refusal(
        self, h: BaseHTTPRequestHandler, client: str | None, service: str, raw: bytes
    ) -> tuple[str, int, str] | None:
        if service not in self.services:
            return "Client.UnknownService", 404, f"no service {service!r}"
        if client is None or len(client.split("/")) != 4 or client not in self.clients:
            return "Client.InvalidClientIdentifier", 400, "unknown or malformed X-Road-Client"
        if (client, service) not in self.access:
            return "Client.AccessDenied", 403, f"{client} may not call {service}"
        request_id = h.headers.get(REQUEST_ID_HEADER) or ""
        try:
            signature = base64.b64decode(h.headers.get(SIGNATURE_HEADER) or "", validate=True)
            signed = request_signing_body(request_id, client, service, raw)
            signing.verify(self.clients[client], REQUEST_TAG, signed, signature)
        except (ShailooError, ValueError):
            return "Client.InvalidSignature", 401, "the request signature does not verify"
        if request_id in self._request_ids:
            return "Client.DuplicateRequestId", 409, "this request id was used before"
        self._request_ids.add(request_id)
        return None

    def _send(
        self, h: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str], error: str | None
    ) -> None:
        data = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        if not self.strip_message_id:
            h.send_header("X-Road-Id", f"{uuid.uuid4()}")
        if error is not None:
            h.send_header("X-Road-Error", error)
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            h.wfile.write(data)
