"""Online trustees: the `CeremonyTransport` over the server's trustee endpoints (``/v1/trustees``, httpx).

The trustee's laptop reads the whole board from the server and decides every step itself (`trustees.ceremony_steps`,
`trustees.decryption`); the server only checks and appends what it is sent. Endpoints
(`voting_server.trustee_api`):

* ``GET  /v1/trustees/ceremony`` → ``{"n", "k", "entries": [{index, kind, payload}, ...]}``;
* ``POST /v1/trustees/posts`` ← a ceremony post ``{kind, payload, dedup_key}``;
* ``POST /v1/trustees/decryption-shares`` ← one part of a trustee's shares,
  ``{"trustee", "tally_entry", "part", "parts", "shares": [hex, ...], "signature"}`` (one request per part);
* ``POST /v1/trustees/cr/posts`` ← one step of the coercion-resistant tally (`trustees.cr_online`);
* ``GET  /v1/trustees/airgap/request?trustee=&purpose=`` and ``POST /v1/trustees/airgap/response`` for the
  coordinator's side of the air-gapped mode (`trustees.airgap`).

Errors come back as ``{"code", "message"}`` and are raised as `TrusteeError` with the same code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from bulletin_board.entries import Entry, EntryKind
from record.ceremony import Post
from trustees.airgap import response_pieces
from trustees.ceremony_steps import CeremonyStatus, run_trustee
from trustees.coordinator import CeremonyParams
from trustees.errors import TrusteeError
from trustees.keystore_contents import SecretsStore

PREFIX = "/v1/trustees"


def _raise_for_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
        code, message = str(body["code"]), str(body["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "server_error", f"HTTP {response.status_code}: {response.text[:200]}"
    raise TrusteeError(f"the server refused: {message}", code=code)


class HttpTransport:
    """A trustee's link to the server. ``client`` is an `httpx.Client` (tests pass one over the ASGI app)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.params: CeremonyParams | None = None

    @classmethod
    def connect(cls, server: str, *, token: str | None = None, timeout: float = 30.0) -> HttpTransport:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return cls(httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout))

    def _get(self, path: str, **params: Any) -> Any:
        try:
            response = self.client.get(PREFIX + path, params=params or None)
        except httpx.HTTPError as e:
            raise TrusteeError(f"cannot reach the server: {e}", code="server_unreachable") from e
        _raise_for_error(response)
        return response.json()

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        try:
            response = self.client.post(PREFIX + path, json=body)
        except httpx.HTTPError as e:
            raise TrusteeError(f"cannot reach the server: {e}", code="server_unreachable") from e
        _raise_for_error(response)
        return response.json()

    def read_entries(self) -> list[Entry]:
        body = self._get("/ceremony")
        self.params = CeremonyParams(int(body["n"]), int(body["k"]))
        return [Entry.create(e["index"], e["kind"], e["payload"]) for e in body["entries"]]

    def post(self, posts: Sequence[Post]) -> None:
        for post in posts:
            if post.kind is EntryKind.DECRYPTION_SHARE:
                fields = ("trustee", "tally_entry", "part", "parts", "shares", "signature")
                self._post("/decryption-shares", {f: post.payload[f] for f in fields if f in post.payload})
            else:
                self._post("/posts", post.to_dict())

    def post_cr(self, posts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """One trustee step of the coercion-resistant tally (`trustees.cr_online`): ``[{kind, payload}, ...]``."""
        body: dict[str, Any] = self._post("/cr/posts", {"posts": list(posts)})
        return body

    # --- the coordinator's side of the air-gapped mode ------------------------------------------------------------

    def airgap_request(self, trustee: int, purpose: str) -> dict[str, Any]:
        body: dict[str, Any] = self._get("/airgap/request", trustee=trustee, purpose=purpose)
        return body

    def airgap_import(self, response: dict[str, Any]) -> dict[str, Any]:
        """Import ``response`` one post per request (`trustees.airgap.response_pieces`): a trustee's decryption
        shares of a big tally would not fit one request body."""
        appended: list[str] = []
        published = False
        for piece in response_pieces(response):
            body: dict[str, Any] = self._post("/airgap/response", piece)
            appended.extend(body.get("appended", []))
            published = published or bool(body.get("results_published"))
        return {"appended": appended, "results_published": published}


def join_ceremony(
    store: SecretsStore,
    transport: HttpTransport,
    *,
    poll_seconds: float = 5.0,
    timeout_seconds: float | None = None,
    on_status: Callable[[CeremonyStatus], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CeremonyStatus:
    """Step the trustee until the ceremony is done, polling the server while others are behind."""
    waited = 0.0
    while True:
        status = run_trustee(store, transport)
        if on_status is not None:
            on_status(status)
        if status.done:
            return status
        if timeout_seconds is not None and waited >= timeout_seconds:
            return status
        sleep(poll_seconds)
        waited += poll_seconds
