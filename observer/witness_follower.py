"""A witness that follows a board over HTTP and cosigns only consistent growth (docs/board.md, "Running a witness").

The checking is `bulletin_board.witness.Witness` (pure): the log's signature on each head, no smaller tree, no
second root for a size, an RFC 9162 consistency proof from the last head it cosigned. This module adds the two
things a long-lived witness process needs around it:

* `BoardSource`, the one small interface to the board — the latest signed head, a consistency proof, posting a
  cosignature — with `HttpBoardSource` over the server's board API (``/v1/board/...``, httpx);
* `WitnessFollower.step`: one round — fetch the latest head, fetch the proof from the last cosigned head, let the
  witness check and cosign, post the cosignature. Its state (last cosigned head, split-view evidence, the pinned
  log) lives in the witness's store, so a restarted witness carries on where it stopped.

`WitnessIdentity` is what a witness's keystore holds: its signed-note name and its Ed25519 key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.checkpoint import SignedTreeHead, WitnessCosignature, public_key_bytes
from bulletin_board.proofs import ConsistencyProof
from bulletin_board.witness import Witness
from crypto.errors import ShailooError
from crypto.signing import decode_public_key
from crypto.strict_json import Field
from observer.errors import BoardUnreachableError, CosignatureRefusedError, WitnessError

SECRETS_VERSION: Final = 1
#: The signed-note name rule (docs/spec/board.md §4), as the manifest's witness roster states it.
_NAME: Final = re.compile(r"^[\x21-\x2a\x2c-\x7e]{1,128}$")


@dataclass(frozen=True)
class WitnessIdentity:
    """A witness's ``name`` (its signer name in cosignatures and the manifest's roster) and its signing key."""

    name: str
    signing_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise WitnessError(f"witness name {self.name!r}: 1-128 printable ASCII characters, no space, no '+'")

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key: what the commission puts on the manifest's witness roster."""
        return public_key_bytes(self.signing_key.public_key())

    @classmethod
    def generate(cls, name: str) -> WitnessIdentity:
        return cls(name, Ed25519PrivateKey.generate())

    def to_secrets(self) -> dict[str, Any]:
        """The keystore's sealed contents."""
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        seed = self.signing_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return {"version": SECRETS_VERSION, "role": "witness", "name": self.name, "signing_key": seed.hex()}

    def label(self) -> dict[str, Any]:
        """The keystore's public label: whose keystore it is."""
        return {"role": "witness", "name": self.name, "public_key": self.public_key.hex()}

    @classmethod
    def from_secrets(cls, value: object) -> WitnessIdentity:
        """Read a keystore's contents strictly (`WitnessError` if it is not a witness's keystore)."""
        try:
            obj = Field(value).as_object({"version", "role", "name", "signing_key"})
            if obj["version"].integer() != SECRETS_VERSION or obj["role"].literal("witness") != "witness":
                raise WitnessError("the keystore holds another version of a witness's secrets")
            seed = obj["signing_key"].hex(32)
            return cls(obj["name"].text(max_len=128), Ed25519PrivateKey.from_private_bytes(seed))
        except ShailooError as e:
            if isinstance(e, WitnessError):
                raise
            raise WitnessError(f"this keystore is not a witness's ({e.message})") from e


def parse_log_key(text: str) -> bytes:
    """A log key given by hand: 64 lowercase hex digits of a valid Ed25519 key (`WitnessError` otherwise)."""
    try:
        raw = Field(text, "--log-key").hex(32)
        decode_public_key(raw)
    except ShailooError as e:
        raise WitnessError(f"--log-key must be the board's Ed25519 key, 64 lowercase hex digits: {e.message}") from e
    return raw


class BoardSource(Protocol):
    """What a witness reads from a board and sends back to it."""

    def log(self) -> tuple[str, bytes]:
        """The log's origin and raw Ed25519 key, as the board states them (to pin on first use)."""
        ...

    def tree_head(self) -> SignedTreeHead: ...

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof: ...

    def post_cosignature(self, cosignature: WitnessCosignature) -> None: ...


class HttpBoardSource:
    """`BoardSource` over the voting server's board API; ``client`` is an `httpx.Client` whose base URL is the
    server (tests pass one over the ASGI app)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    @classmethod
    def connect(cls, server: str, *, timeout: float = 30.0) -> HttpBoardSource:
        return cls(httpx.Client(base_url=server.rstrip("/"), timeout=timeout))

    def close(self) -> None:
        self.client.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            raise BoardUnreachableError(f"{method} {path}: {type(e).__name__}: {e}") from e
        if response.status_code >= 500:
            raise BoardUnreachableError(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
                code, message = str(body["code"]), str(body["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "http_error", f"HTTP {response.status_code}: {response.text[:200]}"
            raise CosignatureRefusedError(f"{method} {path}: {message}", code=code)
        return response

    def log(self) -> tuple[str, bytes]:
        try:
            obj = Field(self._request("GET", "/v1/board/log").json()).as_object({"origin", "log_key"})
            return obj["origin"].text(max_len=256), obj["log_key"].hex(32)
        except ValueError as e:
            raise BoardUnreachableError(f"/v1/board/log did not answer JSON: {e}") from e

    def tree_head(self) -> SignedTreeHead:
        return SignedTreeHead.from_text(self._request("GET", "/v1/board/tree-head").text)

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        response = self._request("GET", "/v1/board/proofs/consistency", params={"first": old_size, "second": new_size})
        try:
            return ConsistencyProof.decode(Field(response.json()))
        except ValueError as e:
            raise BoardUnreachableError(f"the consistency proof is not JSON: {e}") from e

    def post_cosignature(self, cosignature: WitnessCosignature) -> None:
        self._request("POST", "/v1/board/cosignatures", json=cosignature.to_json())


@dataclass(frozen=True)
class StepOutcome:
    """What one round did: ``cosigned`` a new head (or the same head again after a restart or a refused post),
    or found the head ``unchanged`` since its last posted cosignature."""

    action: str
    head: SignedTreeHead


class WitnessFollower:
    """Follows one board through ``source`` with ``witness`` (whose store is durable)."""

    def __init__(self, witness: Witness, source: BoardSource) -> None:
        self.witness = witness
        self.source = source
        #: (size, root) of the last cosignature the board took from this process; after a restart the witness
        #: posts its last head again, which the board keeps once (a witness replaces its own cosignature).
        self._posted: tuple[int, bytes] | None = None

    def step(self) -> StepOutcome:
        """One round. Raises what `Witness.cosign` raises when the log misbehaves (``split_view``,
        ``stale_tree_head``, ``invalid_consistency_proof``, ``invalid_checkpoint``) — the evidence is then in the
        witness's store — and `BoardUnreachableError` / `CosignatureRefusedError` for the transport."""
        head = self.source.tree_head()
        if self._posted == (head.size, head.root_hash):
            return StepOutcome("unchanged", head)
        last = self.witness.last_cosigned()
        proof = None
        if last is not None and head.size > last.size:
            proof = self.source.consistency_proof(last.size, head.size)
        cosignature = self.witness.cosign(head, proof)  # checks, then saves the head before it is sent
        key = public_key_bytes(self.witness.public_key)
        self.source.post_cosignature(WitnessCosignature(head.size, key, cosignature))
        self._posted = (head.size, head.root_hash)
        return StepOutcome("cosigned", head)
