"""The per-address rate limit answers 429 ``rate_limited`` with ``Retry-After``, and a Redis outage lifts it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from voting_server.http_errors import RateLimit


class _Counter:
    """Redis's INCR/EXPIRE, in memory; ``down`` plays a dead Redis."""

    def __init__(self, down: bool = False) -> None:
        self.counts: dict[str, int] = {}
        self.down = down

    def incr(self, key: str) -> int:
        if self.down:
            raise ConnectionError("redis is down")
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def expire(self, key: str, seconds: int) -> None:
        pass


def _app(redis: Any) -> TestClient:
    app = FastAPI()

    @app.post("/v1/ballots")
    def cast() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_middleware(RateLimit, redis=redis, per_minute=2)
    return TestClient(app)


def test_requests_beyond_the_rate_limit_are_refused_with_retry_after() -> None:
    http = _app(_Counter())
    statuses = [http.post("/v1/ballots").status_code for _ in range(3)]
    refused = http.post("/v1/ballots")
    assert statuses == [200, 200, 429]
    assert refused.json()["code"] == "rate_limited" and int(refused.headers["retry-after"]) > 0


def test_rate_limit_with_redis_down_lets_requests_through() -> None:
    http = _app(_Counter(down=True))
    assert [http.post("/v1/ballots").status_code for _ in range(3)] == [200, 200, 200]
