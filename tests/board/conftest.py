"""Board fixtures: the same tests run on SQLite (a fresh file) and PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.log import BulletinBoard
from bulletin_board.storage import BoardStorage, drop_postgres_schema, open_storage

ORIGIN = "cec.shailoo.kg/board/test"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def board_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """``(url, schema)`` of an empty board database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'board.db'}", None
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"board_test_{secrets.token_hex(6)}"
    yield url, schema
    drop_postgres_schema(url, schema)


@pytest.fixture
def open_board_storage(board_url: tuple[str, str | None]) -> Iterator[Callable[[], BoardStorage]]:
    """Opens the test's board database (as often as a test needs, like separate processes would)."""
    opened: list[BoardStorage] = []

    def _open() -> BoardStorage:
        storage = open_storage(board_url[0], schema=board_url[1])
        opened.append(storage)
        return storage

    yield _open
    for storage in opened:
        storage.close()


@pytest.fixture
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def board(open_board_storage: Callable[[], BoardStorage], log_key: Ed25519PrivateKey) -> BulletinBoard:
    return BulletinBoard(open_board_storage(), log_key, origin=ORIGIN)
