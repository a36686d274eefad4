"""Verifying every ballot in shards: in this process, on a local process pool, or on a Dask cluster.

The ballots are cut into shards of consecutive ballot entries (`VerifyOptions.shard_size`). A shard task carries
the raw export lines of its ballots and the election material (manifest, K, issuer keys, base hash) as plain
JSON, so the same pure function `verify_shard` runs anywhere. For each ballot it runs the cheap checks of
`record.ballot.check_ballot_envelope`, decodes every contest canonically and adds every proof to
one `crypto.batch.BatchVerifier` for the whole shard (if the batch fails, `invalid_indices` names the bad
ballots). It also sums the shard's *counted* ballots with `record.tally.aggregate`; the partial sums
are added up afterwards and compared with the posted encrypted tally.

Resuming: with a checkpoint file, each finished shard's result is saved under the export's fingerprint (its
latest tree head), so a run that stops is resumed without verifying those shards again. A checkpoint of another
export (another tree head) is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from crypto.batch import BatchVerifier
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.elgamal import Ciphertext
from crypto.errors import ShailooError
from crypto.group import Point
from elections.manifest import Manifest
from observer.board_export import BoardExport, EntryRef
from observer.errors import CheckpointMismatchError
from observer.established import BallotFailure, BallotsEstablished
from record.ballot import EncryptedBallot, add_ballot_proofs, check_ballot, check_ballot_envelope
from record.tally import CastBallot, EncryptedTally, TallyGroup, aggregate

CHECKPOINT_FORMAT: Final = "shailoo-verify-checkpoint/2"


@dataclass(frozen=True)
class ElectionMaterial:
    """What a shard needs to check ballots, as JSON-ready values (picklable, sendable to a Dask worker)."""

    manifest: Mapping[str, Any]
    joint_public_key: str
    issuer_keys: Mapping[str, str]
    base_hash: str
    min_issuer_bits: int

    def cache_key(self) -> str:
        data = json.dumps(
            [self.manifest, self.joint_public_key, self.issuer_keys, self.base_hash, self.min_issuer_bits],
            sort_keys=True,
        )
        return hashlib.sha256(data.encode()).hexdigest()


@dataclass(frozen=True)
class ShardTask:
    number: int
    material: ElectionMaterial
    lines: tuple[bytes, ...]
    counted: frozenset[int]
    batched: bool = True


@dataclass(frozen=True)
class _Material:
    manifest: Manifest
    joint_public_key: Point
    issuer_keys: dict[str, BlindRsaPublicKey]
    base_hash: bytes


_MATERIAL_CACHE: dict[str, _Material] = {}


def _material(material: ElectionMaterial) -> _Material:
    # Parsing the manifest costs milliseconds; a worker keeps it for every shard of the run.
    key = material.cache_key()
    cached = _MATERIAL_CACHE.get(key)
    if cached is None:
        cached = _Material(
            Manifest.from_dict(material.manifest),
            Point.from_hex(material.joint_public_key),
            {
                s: BlindRsaPublicKey.from_bytes(bytes.fromhex(h), min_bits=material.min_issuer_bits)
                for s, h in material.issuer_keys.items()
            },
            bytes.fromhex(material.base_hash),
        )
        _MATERIAL_CACHE.clear()
        _MATERIAL_CACHE[key] = cached
    return cached


def _failure(index: int, error: ShailooError | Exception) -> dict[str, Any]:
    code = error.code if isinstance(error, ShailooError) else "malformed"
    message = error.message if isinstance(error, ShailooError) else str(error)
    return {"index": index, "code": code, "message": message}


#: Ballots per batch verification inside a shard: one multi-scalar multiplication per 16 ballots measured a
#: little cheaper than one per 256 (bench/verify.py), the cost being decoding and hashing, not the MSM.
BATCH_BALLOTS: Final = 16


class _Batch:
    """A `BatchVerifier` and which ballot each of its entries belongs to."""

    def __init__(self) -> None:
        self.verifier = BatchVerifier()
        self.owners: list[int] = []
        self.ballots = 0

    def bad_ballots(self) -> list[int]:
        return sorted({self.owners[i] for i in self.verifier.invalid_indices()})


def verify_shard(task: ShardTask) -> dict[str, Any]:
    """Check every ballot of the shard and sum its counted ones. Returns JSON: ``{"number", "ballots",
    "verified", "failures": [{"index", "code", "message"}], "tally": EncryptedTally JSON of counted ballots}``."""
    m = _material(task.material)
    failures: list[dict[str, Any]] = []
    decoded: list[CastBallot] = []
    batch = _Batch()

    def flush() -> None:
        nonlocal batch
        known = {f["index"] for f in failures}  # a ballot refused before its proofs is reported once
        for bad in batch.bad_ballots():
            if bad not in known:
                failures.append(
                    {"index": bad, "code": "invalid_proof", "message": "a proof of this ballot does not verify"}
                )
        batch = _Batch()

    unsummable: list[int] = []
    for raw in task.lines:
        index = -1
        ballot: EncryptedBallot | None = None
        before = len(batch.verifier)
        try:
            obj = json.loads(raw)
            index = int(obj["index"])
            ballot = EncryptedBallot.from_json(obj["payload"])
            if not task.batched:
                checked = check_ballot(
                    ballot,
                    manifest=m.manifest,
                    issuer_keys=m.issuer_keys,
                    joint_public_key=m.joint_public_key,
                    base_hash=m.base_hash,
                )
                decoded.append(CastBallot(index, ballot, checked.contests))
                continue
            check_ballot_envelope(ballot, manifest=m.manifest, issuer_keys=m.issuer_keys)
            contests = ballot.decode_contests()
            add_ballot_proofs(
                batch.verifier,
                ballot,
                contests,
                manifest=m.manifest,
                joint_public_key=m.joint_public_key,
                base_hash=m.base_hash,
            )
            decoded.append(CastBallot(index, ballot, tuple(contests)))
        except (ShailooError, ValueError, KeyError, TypeError) as e:
            failures.append(_failure(index, e))
            # A refused ballot that weeding counts is still summed when its contests fit the manifest, as the
            # server sums it: check 20 names the ballot, and check 40 then judges the tally on its own.
            summable = _summable(m.manifest, index, ballot)
            if summable is not None:
                decoded.append(summable)
            elif index in task.counted:
                unsummable.append(index)
        # Entries a ballot added before one of its contests was refused still belong to it.
        batch.owners.extend([index] * (len(batch.verifier) - before))
        batch.ballots += 1
        if batch.ballots >= BATCH_BALLOTS:
            flush()
    flush()
    counted = [c for c in decoded if c.index in task.counted]
    tally = aggregate(m.manifest, [c.counted_item() for c in counted])
    return {
        "number": task.number,
        "ballots": len(task.lines),
        "verified": len(task.lines) - len(failures),
        "failures": sorted(failures, key=lambda f: f["index"]),
        "tally": tally.to_json(),
        "unsummable": sorted(unsummable),
    }


def _summable(manifest: Manifest, index: int, ballot: EncryptedBallot | None) -> CastBallot | None:
    """The ballot as a `CastBallot` if its contests decode and have the shape its (known) style gives them, so
    that it can be added to a tally; None otherwise."""
    if ballot is None:
        return None
    try:
        style = manifest.ballot_style(ballot.style_id)
        contests = tuple(ballot.decode_contests())
    except ShailooError:
        return None
    if tuple(c for c, _ in contests) != style.contest_ids or any(
        len(encrypted.ciphertexts) != len(manifest.contest(c).selections) for c, encrypted in contests
    ):
        return None
    return CastBallot(index, ballot, contests)


# --- merging partial tallies ------------------------------------------------------------------------------------


def _merge_groups(groups: Iterable[TallyGroup]) -> list[TallyGroup]:
    by_key: dict[str, tuple[int, dict[str, list[Ciphertext]]]] = {}
    for group in groups:
        ballots, contests = by_key.get(group.key, (0, {}))
        for contest_id, cts in group.contests:
            current = contests.get(contest_id)
            contests[contest_id] = list(cts) if current is None else [a + b for a, b in zip(current, cts, strict=True)]
        by_key[group.key] = (ballots + group.ballots, contests)
    return [
        TallyGroup(key, ballots, tuple((c, tuple(cts)) for c, cts in sorted(contests.items())))
        for key, (ballots, contests) in sorted(by_key.items())
    ]


def merge_tallies(manifest: Manifest, partials: Sequence[EncryptedTally]) -> EncryptedTally:
    """The sum of partial tallies, in the layout of `record.tally.aggregate` over all their ballots."""
    if not partials:
        return aggregate(manifest, [])
    styles = _merge_groups(g for p in partials for g in p.styles)
    order = {s.style_id: s.contest_ids for s in manifest.ballot_styles}
    styles = [  # styles keep the manifest's contest order, as `aggregate` writes them
        TallyGroup(g.key, g.ballots, tuple((c, g.contest(c)) for c in order[g.key])) for g in styles
    ]
    precincts = _merge_groups(g for p in partials for g in p.precincts)
    return EncryptedTally(
        manifest.election_id, sum(p.ballots_counted for p in partials), tuple(styles), tuple(precincts)
    )


# --- running shards ----------------------------------------------------------------------------------------------


class Checkpoint:
    """A JSON file of finished shard results, keyed by the export's fingerprint (see the module docstring)."""

    def __init__(self, path: Path | None, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.done: dict[int, dict[str, Any]] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text())
            except ValueError as e:
                raise CheckpointMismatchError(f"{path} is not a verification checkpoint") from e
            if data.get("format") != CHECKPOINT_FORMAT or data.get("fingerprint") != fingerprint:
                raise CheckpointMismatchError(
                    f"{path} belongs to another export (tree head {data.get('fingerprint')!r}, not {fingerprint!r})"
                )
            self.done = {int(k): v for k, v in data["shards"].items()}

    def save(self, result: dict[str, Any]) -> None:
        self.done[int(result["number"])] = result
        if self.path is None:
            return
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        data = {"format": CHECKPOINT_FORMAT, "fingerprint": self.fingerprint, "shards": self.done}
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)


def shard_refs(export: BoardExport, shard_size: int) -> list[list[EntryRef]]:
    refs = export.of_kind("ballot")
    return [refs[i : i + shard_size] for i in range(0, len(refs), shard_size)]


Progress = Callable[[int], None]


def run_ballot_shards(
    export: BoardExport,
    material: ElectionMaterial,
    counted: frozenset[int],
    *,
    manifest: Manifest,
    workers: int = 1,
    dask_address: str | None = None,
    shard_size: int = 256,
    checkpoint_path: Path | None = None,
    batched: bool = True,
    progress: Progress | None = None,
) -> BallotsEstablished:
    """Verify every ballot of ``export`` (see the module docstring); ``progress`` is called with ballots done."""
    shards = shard_refs(export, shard_size)
    fingerprint = f"{export.fingerprint()}/{shard_size}/{material.cache_key()[:16]}"
    checkpoint = Checkpoint(checkpoint_path, fingerprint)
    resumed = len(checkpoint.done)
    for result in checkpoint.done.values():
        if progress is not None:
            progress(int(result["ballots"]))

    def tasks() -> Iterator[ShardTask]:
        for number, refs in enumerate(shards):
            if number not in checkpoint.done:
                yield ShardTask(number, material, tuple(export.read_lines(refs)), counted, batched)

    def finished(result: dict[str, Any]) -> None:
        checkpoint.save(result)
        if progress is not None:
            progress(int(result["ballots"]))

    runner = "local"
    if dask_address is not None:
        runner = f"dask {dask_address}"
        _run_dask(dask_address, tasks(), finished)
    elif workers > 1:
        runner = f"{workers} processes"
        _run_pool(workers, tasks(), finished)
    else:
        for task in tasks():
            finished(verify_shard(task))
    results = [checkpoint.done[number] for number in sorted(checkpoint.done)]
    return BallotsEstablished(
        ballots=sum(int(r["ballots"]) for r in results),
        verified=sum(int(r["verified"]) for r in results),
        failures=tuple(BallotFailure.from_json(f) for r in results for f in r["failures"]),
        counted_tally=merge_tallies(manifest, [EncryptedTally.from_json(r["tally"]) for r in results]),
        unsummable=tuple(i for r in results for i in r["unsummable"]),
        shards=len(shards),
        resumed_shards=resumed,
        runner=runner,
    )


def _run_pool(workers: int, tasks: Iterator[ShardTask], finished: Callable[[dict[str, Any]], None]) -> None:
    # At most 2 shards per worker in flight, so memory stays bounded on a large board.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: set[Future[dict[str, Any]]] = set()
        for task in tasks:
            pending.add(pool.submit(verify_shard, task))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(future.result())
        for future in pending:
            finished(future.result())


def _run_dask(address: str, tasks: Iterator[ShardTask], finished: Callable[[dict[str, Any]], None]) -> None:
    from distributed import Client, as_completed

    with Client(address) as client:  # type: ignore[no-untyped-call]
        window = max(2, 2 * len(client.scheduler_info().get("workers", {})))
        queue = as_completed()  # type: ignore[no-untyped-call]
        for task in tasks:
            queue.add(client.submit(verify_shard, task, pure=False))  # type: ignore[no-untyped-call]
            if queue.count() >= window:  # type: ignore[no-untyped-call]
                finished(next(queue).result())
        for future in queue:
            finished(future.result())
