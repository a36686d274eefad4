"""Voters casting against a server that may die at any moment, and the checks that nothing was lost or doubled.

Each voter thread takes prepared ballots from a shared queue and POSTs them. A connection error or a 5xx leaves
the ballot *in doubt*: the voter waits for the server to come back and sends the very same ballot again (the
server must answer with the original receipt if it had kept it). A receipt is kept as the voter's proof.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board.checkpoint import SignedPromise, SignedTreeHead, verify_promise, verify_tree_head
from bulletin_board.entries import Entry, EntryKind
from bulletin_board.proofs import ConsistencyProof, InclusionProof
from record.ballot import EncryptedBallot


@dataclass
class CastLog:
    """What the voters hold at the end: receipts by ballot hash, refusals, and how often they retried."""

    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusals: list[tuple[int, str]] = field(default_factory=list)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Voters:
    """``threads`` voters casting ``ballots`` at ``url`` while `up` is set; they pause while the server is down."""

    def __init__(self, url: str, ballots: Iterable[dict[str, Any]], threads: int, rate: float) -> None:
        self.url = url
        #: Each thread sends at most ``rate / threads`` ballots per second, so the queue lasts through every crash.
        self._interval = threads / rate
        self._queue = list(ballots)
        self._queue.reverse()
        self._queue_lock = threading.Lock()
        self.up = threading.Event()
        self.stop_new = threading.Event()
        self.log = CastLog()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self._threads), "voters still busy: a ballot stayed in doubt"

    def _next(self) -> dict[str, Any] | None:
        if self.stop_new.is_set():
            return None
        with self._queue_lock:
            return self._queue.pop() if self._queue else None

    @property
    def remaining(self) -> int:
        """Ballots not yet taken by a voter."""
        with self._queue_lock:
            return len(self._queue)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10.0) as http:
            while (ballot := self._next()) is not None:
                began = time.monotonic()
                self._cast_until_answered(http, ballot)
                time.sleep(max(0.0, self._interval - (time.monotonic() - began)))

    def _cast_until_answered(self, http: httpx.Client, ballot: dict[str, Any]) -> None:
        key = EncryptedBallot.from_json(ballot).ballot_hash().hex()
        while True:
            self.up.wait()
            try:
                response = http.post("/v1/ballots", json={"ballot": ballot})
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code < 500:
                with self.log.lock:
                    if response.status_code == 200:
                        self.log.receipts[key] = response.json()
                    else:
                        self.log.refusals.append((response.status_code, response.text[:200]))
                return
            with self.log.lock:
                self.log.retries += 1
            time.sleep(0.05)


def board_entries(http: httpx.Client) -> list[Entry]:
    """Every entry of the board, read through the public board API page by page."""
    entries: list[Entry] = []
    while True:
        page = http.get("/v1/board/entries", params={"start": len(entries)}).json()
        batch = [Entry.create(e["index"], e["kind"], e["payload"]) for e in page["entries"]]
        for raw, entry in zip(page["entries"], batch, strict=True):
            assert entry.entry_hash.hex() == raw["entry_hash"]
        entries.extend(batch)
        if len(entries) >= page["size"] or not batch:
            return entries


def wait_for_tree_head(http: httpx.Client, size: int, timeout: float = 30.0) -> SignedTreeHead:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head = SignedTreeHead.from_text(http.get("/v1/board/tree-head").text)
        if head.size >= size:
            return head
        time.sleep(0.1)
    raise AssertionError(f"no signed tree head covers {size} entries within {timeout} s")


def check_nothing_lost_nothing_doubled(
    http: httpx.Client, log: CastLog, board_key: Ed25519PublicKey, heads_seen: list[SignedTreeHead]
) -> dict[str, int]:
    """Every receipt is on the board, in a signed tree head, with a valid inclusion proof; no credential and no
    ballot twice; every tree head seen during the run is consistent with the final one. Returns counts, including
    how many tracking codes the server's receipt look-up could not find (the caller asserts on it)."""
    entries = board_entries(http)
    head = wait_for_tree_head(http, len(entries))
    verify_tree_head(head, board_key)
    ballots = [e for e in entries if e.kind is EntryKind.BALLOT]
    credentials = Counter(e.payload["credential"]["public_key"] for e in ballots)
    hashes = Counter(EncryptedBallot.from_json(dict(e.payload)).ballot_hash().hex() for e in ballots)
    assert max(credentials.values(), default=1) == 1, "a credential was counted twice"
    assert max(hashes.values(), default=1) == 1, "a ballot is on the board twice"
    lookups_missing: list[str] = []
    for ballot_hash, receipt in log.receipts.items():
        promise = SignedPromise.from_text(receipt["promise"])
        verify_promise(promise, board_key)
        entry = entries[receipt["entry_index"]]
        assert entry.kind is EntryKind.BALLOT and entry.entry_hash.hex() == receipt["entry_hash"]
        assert promise.index == entry.index and promise.entry_hash == entry.entry_hash
        assert EncryptedBallot.from_json(dict(entry.payload)).ballot_hash().hex() == ballot_hash
        # The board's own inclusion proof, against the signed tree head (what a witness and the verifier use).
        proof_json = http.get("/v1/board/proofs/inclusion", params={"index": entry.index, "tree_size": head.size})
        InclusionProof.from_json(proof_json.json()).verify(entry.entry_hash, head.root_hash)
        # The voter's look-up by tracking code, as the phone app does it.
        status = http.get(f"/v1/receipts/{receipt['tracking_code']}")
        if status.status_code != 200:
            lookups_missing.append(receipt["tracking_code"])
            continue
        body = status.json()
        assert body["entry_index"] == entry.index and body["inclusion_proof"] is not None
        checked_head = SignedTreeHead.from_text(body["tree_head"])
        verify_tree_head(checked_head, board_key)
        InclusionProof.from_json(body["inclusion_proof"]).verify(entry.entry_hash, checked_head.root_hash)
    assert len(log.receipts) == len(ballots), "a ballot on the board has no voter holding its receipt, or vice versa"
    for old in heads_seen:
        if 0 < old.size < head.size:
            response = http.get("/v1/board/proofs/consistency", params={"first": old.size, "second": head.size})
            ConsistencyProof.from_json(response.json()).verify(old.root_hash, head.root_hash)
        elif old.size == head.size:
            assert old.root_hash == head.root_hash
    return {
        "ballots_on_board": len(ballots),
        "receipts": len(log.receipts),
        "tree_size": len(entries),
        "tracking_code_lookups_missing": len(lookups_missing),
    }
