"""One election record per test session (building it takes a few seconds); tests copy it before changing it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.observer.election import BuiltElection, build_election


@pytest.fixture(scope="session")
def election(tmp_path_factory: pytest.TempPathFactory) -> BuiltElection:
    return build_election(tmp_path_factory.mktemp("record") / "export.jsonl", voters=12, revotes=2)


@pytest.fixture
def export_copy(election: BuiltElection, tmp_path: Path) -> Path:
    """A private copy of the session's export, free to mutate."""
    path = tmp_path / "export.jsonl"
    shutil.copyfile(election.path, path)
    return path
