"""The same shards on one process, on a local pool and on a Dask cluster; resuming from a checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from observer.context import VerifyOptions
from observer.errors import CheckpointMismatchError
from observer.verify import verify
from tests.observer.election import BuiltElection


def _summary(options: VerifyOptions, path: Path) -> dict[int, str]:
    report = verify(path, options)
    assert report.passed, [c.to_json() for c in report.failed()]
    return {c.number: c.status.value for c in report.checks}


def test_two_workers_agree_with_one(election: BuiltElection) -> None:
    one = _summary(VerifyOptions(workers=1, shard_size=4), election.path)
    two = _summary(VerifyOptions(workers=2, shard_size=4), election.path)
    assert one == two


def test_shards_on_a_local_dask_cluster(election: BuiltElection) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        report = verify(election.path, VerifyOptions(dask_address=cluster.scheduler_address, shard_size=5))
    assert report.passed, [c.to_json() for c in report.failed()]
    assert report.check(20).evidence["runner"].startswith("dask")
    assert report.check(20).evidence["shards"] == 3


def test_resume_skips_shards_already_verified(election: BuiltElection, tmp_path: Path) -> None:
    checkpoint = tmp_path / "verify.checkpoint"
    first = verify(election.path, VerifyOptions(checkpoint=checkpoint, shard_size=4))
    assert first.check(20).evidence["resumed_shards"] == 0
    data = json.loads(checkpoint.read_text())
    del data["shards"]["3"]  # as if the run had stopped before the last shard
    checkpoint.write_text(json.dumps(data))
    second = verify(election.path, VerifyOptions(checkpoint=checkpoint, shard_size=4))
    assert second.passed
    assert second.check(20).evidence["resumed_shards"] == 3
    assert second.check(20).evidence["verified"] == first.check(20).evidence["verified"]


def test_checkpoint_of_another_export_is_refused(election: BuiltElection, tmp_path: Path) -> None:
    checkpoint = tmp_path / "verify.checkpoint"
    checkpoint.write_text(json.dumps({"format": "shailoo-verify-checkpoint/1", "fingerprint": "other", "shards": {}}))
    with pytest.raises(CheckpointMismatchError):
        verify(election.path, VerifyOptions(checkpoint=checkpoint, shard_size=4))
