"""Short-lived state of identification: challenge nonces, verified sessions and failure counters.

`RedisStateStore` in production (shared by all API workers); `MemoryStateStore` when no Redis URL is configured
(one process only). Nothing here is the only copy of anything that matters: the one-identification-per-election
rule is a database constraint (`identity.issuance`), so losing this state can at worst reset lockout counters.

Whoever reads the store (the Redis operator, a backup, anyone who can ``SCAN`` it) learns no personal data:
session state goes in only through `SealedSessions` (AES-256-GCM under a server key that is never stored here),
challenges hold turns and the session id, and counters are keyed by keyed hashes.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

import redis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.hashing import domain_tag, length_prefixed
from identity.errors import SessionError

_SEAL_TAG: Final = "identity/session_state"
_NONCE_BYTES: Final = 12
_MAX_SESSION_ID: Final = 128


class StateStore(Protocol):
    """Keys are ASCII strings; values are bytes; every entry expires."""

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds``."""
        ...

    def take(self, key: str) -> bytes | None:
        """Atomically read and delete ``key``: of two concurrent takers, at most one gets the value."""
        ...

    def increment(self, key: str, window_seconds: int) -> int:
        """Add one to the counter ``key`` (created with a ``window_seconds`` lifetime); return the new count."""
        ...

    def count(self, key: str) -> int:
        """The counter's value (0 when absent or expired)."""
        ...

    def delete(self, key: str) -> None: ...


class MemoryStateStore:
    """In-process fallback. Thread-safe; ``clock`` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, bytes | int]] = {}

    def _live(self, key: str) -> bytes | int | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + ttl_seconds, value)

    def take(self, key: str) -> bytes | None:
        with self._lock:
            value = self._live(key)
            self._entries.pop(key, None)
        return value if isinstance(value, bytes) else None

    def increment(self, key: str, window_seconds: int) -> int:
        with self._lock:
            value = self._live(key)
            if isinstance(value, int):
                expiry = self._entries[key][0]
                self._entries[key] = (expiry, value + 1)
                return value + 1
            self._entries[key] = (self._clock() + window_seconds, 1)
            return 1

    def count(self, key: str) -> int:
        with self._lock:
            value = self._live(key)
        return value if isinstance(value, int) else 0

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


class RedisStateStore:
    """Redis-backed store. ``take`` is GETDEL (atomic); a counter's window starts at its first failure."""

    def __init__(self, url: str, prefix: str = "shailoo:identity:") -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._redis.set(self._prefix + key, value, ex=ttl_seconds)

    def take(self, key: str) -> bytes | None:
        value = self._redis.getdel(self._prefix + key)
        return value if isinstance(value, bytes) else None

    def increment(self, key: str, window_seconds: int) -> int:
        name = self._prefix + key
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window_seconds, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def count(self, key: str) -> int:
        value = self._redis.get(self._prefix + key)
        return int(value) if isinstance(value, bytes) else 0

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def close(self) -> None:
        self._redis.close()


def state_store_from_url(redis_url: str) -> StateStore:
    """`RedisStateStore` for a URL, `MemoryStateStore` for an empty one."""
    return RedisStateStore(redis_url) if redis_url else MemoryStateStore()


class SealedSessions:
    """Identification session state in a `StateStore`, sealed, one step at a time.

    The value under ``{purpose}:{session_id}`` is ``nonce(12) || AES-256-GCM(key, nonce, JSON(state), AAD)`` with
    ``AAD = lp("SHAILOO-V1/identity/session_state") || lp(purpose) || lp(session_id)``: a blob moved to another
    session or another kind of session does not open. ``key`` is the server's (`IdentitySettings.session_key_bytes`)
    and never enters the store. Callers still keep in ``state`` only what the next step needs.
    """

    def __init__(self, store: StateStore, key: bytes, purpose: str, ttl_seconds: int) -> None:
        if len(key) != 32:
            raise ValueError("the session key is 32 bytes (AES-256)")
        self._store = store
        self._aead = AESGCM(key)
        self._purpose = purpose
        self._ttl = ttl_seconds

    def _aad(self, session_id: str) -> bytes:
        fields = (domain_tag(_SEAL_TAG), self._purpose.encode(), session_id.encode())
        return b"".join(length_prefixed(f) for f in fields)

    def put(self, session_id: str, state: Mapping[str, Any]) -> None:
        """Seal ``state`` (JSON-serialisable, with a ``step``) and store it for the session's lifetime."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, json.dumps(dict(state)).encode(), self._aad(session_id))
        self._store.put(f"{self._purpose}:{session_id}", nonce + sealed, self._ttl)

    def take(self, session_id: str, step: str) -> dict[str, Any]:
        """Atomically read and delete the session's state; it must be waiting for ``step``.

        Raises `SessionError` (``session_invalid``) when it is unknown, expired, unreadable or at another step.
        """
        raw = self._store.take(f"{self._purpose}:{session_id}") if 0 < len(session_id) <= _MAX_SESSION_ID else None
        if raw is None:
            raise SessionError("this identification session is unknown or expired: start again")
        try:
            state: dict[str, Any] = json.loads(
                self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], self._aad(session_id))
            )
        except InvalidTag as e:
            raise SessionError("this identification session is unreadable: start again") from e
        if state.get("step") != step:
            raise SessionError(f"this session is not waiting for {step}: start again")
        return state
