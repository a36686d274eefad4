"""Witnesses: observers that cosign the board's tree heads only when the log stays append-only. Pure.

A `Witness` keeps the last tree head it cosigned (through a `WitnessStore`: `MemoryWitnessStore` here,
`witness_store.FileWitnessStore` on disk). Shown a new signed tree head it:

1. checks the log's signature and origin (`InvalidCheckpointError`);
2. refuses a smaller tree (`StaleTreeHeadError`, ``stale_tree_head``);
3. at the same size, re-cosigns the same root, but a different root is a *split view*: both signed heads are
   kept as `SplitViewEvidence` and `SplitViewError` (``split_view``) is raised;
4. for a larger tree, cosigns only after a consistency proof from its last head verifies; a proof that fails
   keeps both heads as evidence (reason ``inconsistent``) and raises `ConsistencyProofError`.

The first head a witness sees is accepted on first use (it has nothing to be consistent with).
`compare_heads` lets witnesses and observers gossip: two heads of one log, each checked, must be consistent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bulletin_board.checkpoint import Cosignature, SignedTreeHead, cosign, verify_tree_head
from bulletin_board.errors import (
    ConsistencyProofError,
    InvalidCheckpointError,
    SplitViewError,
    StaleTreeHeadError,
)
from bulletin_board.proofs import ConsistencyProof


@dataclass(frozen=True)
class SplitViewEvidence:
    """Two heads signed by the same log that cannot both be honest. ``reason``: ``same_size`` or ``inconsistent``."""

    first: SignedTreeHead
    second: SignedTreeHead
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "first": self.first.to_text(), "second": self.second.to_text()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SplitViewEvidence:
        return cls(
            first=SignedTreeHead.from_text(str(data["first"])),
            second=SignedTreeHead.from_text(str(data["second"])),
            reason=str(data["reason"]),
        )


class WitnessStore(Protocol):
    """Where a witness keeps its last cosigned head and any split-view evidence; ``save`` must be durable."""

    def load(self) -> SignedTreeHead | None: ...

    def save(self, head: SignedTreeHead) -> None: ...

    def add_evidence(self, evidence: SplitViewEvidence) -> None: ...

    def evidence(self) -> list[SplitViewEvidence]: ...


class MemoryWitnessStore:
    """A `WitnessStore` in memory (tests; a real witness uses `FileWitnessStore`)."""

    def __init__(self) -> None:
        self._last: SignedTreeHead | None = None
        self._evidence: list[SplitViewEvidence] = []

    def load(self) -> SignedTreeHead | None:
        return self._last

    def save(self, head: SignedTreeHead) -> None:
        self._last = head

    def add_evidence(self, evidence: SplitViewEvidence) -> None:
        self._evidence.append(evidence)

    def evidence(self) -> list[SplitViewEvidence]:
        return list(self._evidence)


class Witness:
    """A witness named ``name`` (its signed-note signer name) watching the log ``log_origin``/``log_key``."""

    def __init__(
        self,
        name: str,
        signing_key: Ed25519PrivateKey,
        *,
        log_origin: str,
        log_key: Ed25519PublicKey,
        store: WitnessStore,
        clock: Callable[[], int],
    ) -> None:
        self.name = name
        self.log_origin = log_origin
        self.log_key = log_key
        self.store = store
        self._key = signing_key
        self._clock = clock

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def last_cosigned(self) -> SignedTreeHead | None:
        """The last tree head this witness cosigned."""
        return self.store.load()

    def cosign(self, head: SignedTreeHead, proof: ConsistencyProof | None) -> Cosignature:
        """Cosign ``head`` if it extends the last cosigned head (``proof``: from that head's size to ``head.size``)."""
        if head.origin != self.log_origin:
            raise InvalidCheckpointError(f"tree head is from log {head.origin!r}, not {self.log_origin!r}")
        verify_tree_head(head, self.log_key)
        last = self.store.load()
        if last is not None:
            self._check_extends(last, head, proof)
        self.store.save(head)  # durable before the cosignature leaves the witness
        return cosign(head.head, self.name, self._key, max(self._clock(), head.timestamp))

    def _check_extends(self, last: SignedTreeHead, head: SignedTreeHead, proof: ConsistencyProof | None) -> None:
        if head.size < last.size:
            raise StaleTreeHeadError(f"tree of size {head.size} is smaller than the cosigned size {last.size}")
        if head.size == last.size:
            if head.root_hash != last.root_hash:
                evidence = SplitViewEvidence(first=last, second=head, reason="same_size")
                self.store.add_evidence(evidence)
                raise SplitViewError(f"two different roots signed for size {head.size}", evidence=evidence)
            return
        if proof is None:
            raise ConsistencyProofError(f"a consistency proof from size {last.size} to {head.size} is required")
        try:
            proof.verify_heads(last, head)
        except ConsistencyProofError:
            if (proof.old_size, proof.new_size) == (last.size, head.size):
                self.store.add_evidence(SplitViewEvidence(first=last, second=head, reason="inconsistent"))
            raise


def compare_heads(
    a: SignedTreeHead, b: SignedTreeHead, log_key: Ed25519PublicKey, proof: ConsistencyProof | None
) -> None:
    """Check that two signed heads of the same log (e.g. seen by two witnesses) describe one history.

    Same size: the roots must be equal. Different sizes: ``proof`` must link the smaller to the larger.
    Raises `SplitViewError` (with `SplitViewEvidence`) for two roots at one size or a proof that fails.
    """
    verify_tree_head(a, log_key)
    verify_tree_head(b, log_key)
    if a.origin != b.origin:
        raise InvalidCheckpointError(f"the heads are from two logs: {a.origin!r} and {b.origin!r}")
    old, new = (a, b) if a.size <= b.size else (b, a)
    if old.size == new.size:
        if old.root_hash != new.root_hash:
            evidence = SplitViewEvidence(first=a, second=b, reason="same_size")
            raise SplitViewError(f"two different roots signed for size {a.size}", evidence=evidence)
        return
    if proof is None:
        raise ConsistencyProofError(f"a consistency proof from size {old.size} to {new.size} is required")
    try:
        proof.verify_heads(old, new)
    except ConsistencyProofError as e:
        evidence = SplitViewEvidence(first=old, second=new, reason="inconsistent")
        raise SplitViewError(f"heads of size {old.size} and {new.size} are not consistent", evidence=evidence) from e
