"""The whole key ceremony in one process, where no trustee laptop exists: the demo, the tests and the benchmarks.

Every trustee's secrets are in a `trustees.keystore_contents.MemoryStore`; the trustees take turns over one
`trustees.coordinator.BoardTransport` until the joint key is on the board.
"""

from __future__ import annotations

from collections.abc import Sequence

from bulletin_board.log import BulletinBoard
from elections.manifest import TrusteeRosterEntry
from record.ceremony import CeremonyStep, JointKey
from trustees.ceremony_steps import new_trustee_secrets, run_trustee
from trustees.coordinator import BoardTransport, CeremonyParams, close_step
from trustees.errors import CeremonyError
from trustees.keystore_contents import MemoryStore, SecretsStore, TrusteeSecrets


def new_trustee_stores(params: CeremonyParams) -> list[MemoryStore]:
    """Fresh in-memory secrets for trustees 1..n, each with its identity key (the demo and tests)."""
    return [MemoryStore(new_trustee_secrets(i, params).to_dict()) for i in range(1, params.n + 1)]


def roster_for(stores: Sequence[SecretsStore], names: Sequence[str] | None = None) -> tuple[TrusteeRosterEntry, ...]:
    """The manifest roster naming the trustees of ``stores`` (in index order) with their identity public keys."""
    entries = []
    for store in stores:
        secrets_ = TrusteeSecrets.from_dict(store.secrets)
        if secrets_.identity_public_key is None:
            raise CeremonyError(f"trustee {secrets_.index}'s keystore has no identity key")
        name = names[secrets_.index - 1] if names else f"Trustee {secrets_.index}"
        entries.append(TrusteeRosterEntry(index=secrets_.index, name=name, public_key=secrets_.identity_public_key))
    return tuple(sorted(entries, key=lambda e: e.index))


def run_key_ceremony(
    board: BulletinBoard,
    params: CeremonyParams,
    stores: Sequence[SecretsStore] | None = None,
    *,
    close_missing: bool = False,
) -> tuple[JointKey, list[SecretsStore]]:
    """The whole ceremony in one process (the demo and tests): every trustee steps in turn until the joint key
    is on the board. Returns it with the trustees' stores (in memory unless ``stores`` are given).

    ``close_missing`` stands in for the commission's deadline: when a round adds nothing to the board while the
    trustees wait, the coordinator closes the step they wait in (`close_step`), naming the absent trustees."""
    if stores is None:
        stores = new_trustee_stores(params)
    transport = BoardTransport(board, params)
    for _ in range(10):
        size = board.size
        statuses = [run_trustee(store, transport) for store in stores]
        if all(s.done for s in statuses):
            assert statuses[0].joint_key is not None
            return statuses[0].joint_key, list(stores)
        waiting = [s.stage for s in statuses if s.waiting_for]
        if close_missing and board.size == size and waiting:
            close_step(board, params, CeremonyStep(waiting[0].value))
    raise CeremonyError(f"the ceremony did not finish: {[s.describe() for s in statuses]}")
