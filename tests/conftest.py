"""Shared test settings: where the face fixtures are, and the real PostgreSQL and Redis servers.

* ``SHAILOO_FACES_DIR``: the folder of real photographs (``.ci/run`` points it at ``../shared/faces``).
* ``SHAILOO_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
* ``SHAILOO_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``).

A test that needs a service it cannot reach is skipped with the reason printed — except when ``CI=true``,
where a missing service is a failure, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("SHAILOO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SHAILOO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_DEFAULT_FACES = Path(__file__).resolve().parents[2] / "shared" / "faces"
FACES_DIR = Path(os.environ.get("SHAILOO_FACES_DIR", str(_DEFAULT_FACES)))


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: services must run, not skip)")
    pytest.skip(reason)


_postgres_state: dict[str, str | None] = {}
_redis_state: dict[str, str | None] = {}


def _probe_postgres() -> str | None:
    if "error" not in _postgres_state:
        try:
            import sqlalchemy

            engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sqlalchemy.text("select 1"))
            engine.dispose()
            _postgres_state["error"] = None
        except Exception as e:  # any failure to connect means "not available"
            _postgres_state["error"] = f"PostgreSQL not reachable at {POSTGRES_URL}: {type(e).__name__}: {e}"
    return _postgres_state["error"]


def _probe_redis() -> str | None:
    if "error" not in _redis_state:
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
            client.ping()
            client.close()
            _redis_state["error"] = None
        except Exception as e:
            _redis_state["error"] = f"Redis not reachable at {REDIS_URL}: {type(e).__name__}: {e}"
    return _redis_state["error"]


@pytest.fixture
def postgres_url() -> str:
    """The URL of the real PostgreSQL test database (skips, or fails in CI, when unreachable)."""
    error = _probe_postgres()
    if error:
        _unavailable(error)
    return POSTGRES_URL


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The URL of the real Redis test database, flushed before and after the test."""
    error = _probe_redis()
    if error:
        _unavailable(error)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The folder of real face photographs with its MANIFEST.csv."""
    if not (FACES_DIR / "MANIFEST.csv").is_file():
        _unavailable(f"face fixtures not found at {FACES_DIR} (set SHAILOO_FACES_DIR)")
    return FACES_DIR
