"""Fixtures: elections on fresh SQLite boards, set up to the voting phase (shared by a module's tests, which use
fresh voters each, so one key ceremony serves them all)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import cli.admin
from tests.identity.conftest import FacePhotos
from tests.server.harness import Election


@pytest.fixture(scope="session")
def photos(faces_dir: Path) -> FacePhotos:
    """The face fixture photographs (identity's test helper)."""
    return FacePhotos(faces_dir)


@pytest.fixture(scope="module")
def voting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    """A presidential election (re-voting allowed) open for voting."""
    election = Election(tmp_path_factory.mktemp("president")).setup_to_voting()
    yield election
    election.close()


@pytest.fixture(scope="module")
def voting_no_revote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    """A referendum (re-voting NOT allowed) open for voting."""
    election = Election(tmp_path_factory.mktemp("referendum"), preset="referendum").setup_to_voting()
    yield election
    election.close()


@pytest.fixture
def election(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Election]:
    """A fresh board with nothing posted, and ``shailoo admin`` talking to its in-process server (the admin CLI's
    tests); a module with a fixture of this name of its own uses that one instead."""
    election = Election(tmp_path)
    monkeypatch.setattr(cli.admin, "_client", lambda server, token: cli.admin.AdminClient(election.http, token))
    yield election
    election.close()
