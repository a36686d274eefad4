"""Fixtures: elections on fresh SQLite boards, set up to the voting phase (shared by a module's tests, which use
fresh voters each, so one key ceremony serves them all)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.harness import Election


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
