"""Short-lived state of identification: challenge nonces, verified sessions and failure counters.

`RedisStateStore` in production (shared by all API workers); `MemoryStateStore` when no Redis URL is configured
(one process only). Nothing here is the only copy of anything that matters: the one-identification-per-election
rule is a database constraint (`identity.issuance`), so losing this state can at worst reset lockout counters.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis


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
