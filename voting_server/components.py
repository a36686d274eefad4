"""The server's parts, built once from the settings: board, election, tally, registrar, voter services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.group_commit import GroupCommitter
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import BoardStorage, now_ms, open_storage
from crypto.blind_rsa import BlindRsaPrivateKey
from identity.credentials import IssuerKeys
from identity.issuance import Issuer
from identity.registry import SqlVoterRegistry, VoterRegistry
from identity.settings import IdentitySettings
from identity.state import MemoryStateStore, StateStore, state_store_from_url
from mobile_api.services import VoterServices
from trustees.coordinator import CeremonyParams
from voting_server.cabinet import CabinetService
from voting_server.complaints import ComplaintsService
from voting_server.election import ElectionService
from voting_server.identification import RegistrarService
from voting_server.receipts import ReceiptIndex
from voting_server.settings import Environment, Settings
from voting_server.tally import TallyService
from voting_server.voter_services import Ballots, ElectionInfo


@dataclass
class Components:
    """Everything a request handler may need; one instance per worker process."""

    settings: Settings
    storage: BoardStorage
    board: BulletinBoard
    election: ElectionService
    tally: TallyService
    registrar: RegistrarService
    registry: VoterRegistry
    voter_services: VoterServices
    ceremony: CeremonyParams
    redis: Any | None
    complaints: ComplaintsService
    cabinet: CabinetService

    def start(self) -> None:
        """Start the board's tree-head integrator."""
        self.board.start()

    def stop(self) -> None:
        if self.election.committer is not None:
            self.election.committer.close()
        self.election.receipts.close()
        self.board.stop()
        if self.redis is not None:
            self.redis.close()

    def install_issuer_keys(self, keys: IssuerKeys) -> None:
        """Hand the registrar its private keys (and keep them in ``issuer_keys_dir`` when configured)."""
        self.registrar.issuer_keys = keys
        directory = self.settings.issuer_keys_dir
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            for style_id, key in keys._keys.items():
                (directory / f"{style_id}.der").write_bytes(key.to_bytes())


def _load_issuer_keys(directory: Path | None, min_bits: int) -> IssuerKeys | None:
    if directory is None or not directory.is_dir():
        return None
    keys = {
        p.stem: BlindRsaPrivateKey.from_bytes(p.read_bytes(), min_bits=min_bits)
        for p in sorted(directory.glob("*.der"))
    }
    return IssuerKeys(keys) if keys else None


def build_components(
    settings: Settings,
    *,
    registry: VoterRegistry | None = None,
    issuer_keys: IssuerKeys | None = None,
    identity_settings: IdentitySettings | None = None,
    clock: Callable[[], int] | None = None,
) -> Components:
    """Open the database, the board and the registrar as ``settings`` say. ``clock`` (unix milliseconds; default
    the system clock) is the one clock of the board's promises and tree heads and of the voting window: tests and
    the demo pass the election day's."""
    identity_settings = identity_settings or IdentitySettings()
    clock = clock or now_ms
    storage = open_storage(settings.database_url)
    board_key = Ed25519PrivateKey.from_private_bytes(settings.board_seed())
    board = BulletinBoard(
        storage, board_key, origin=settings.board_origin, max_merge_delay=settings.max_merge_delay, clock=clock
    )
    receipts = ReceiptIndex(storage.engine)
    receipts.rebuild_missing(storage)
    election = ElectionService(
        board,
        receipts,
        min_issuer_bits=settings.min_issuer_key_bits,
        committer=GroupCommitter(board, interval=settings.effective_ballot_batch_seconds()),
        clock=clock,
    )
    if registry is None and identity_settings.registry == "xroad":
        registry = identity_settings.xroad_registry()
    registry = registry or SqlVoterRegistry(
        storage.engine,
        identity_settings.template_key_bytes,
        duplicate_face_distance=identity_settings.duplicate_face_distance,
    )
    issuer = Issuer(
        storage.engine,
        identity_settings.voter_hash_key_bytes,
        clock=lambda: dt.datetime.fromtimestamp(clock() / 1000, dt.UTC),  # the one clock of the server
    )
    redis_client = None
    store: StateStore = MemoryStateStore()
    if settings.redis_url:
        import redis

        redis_client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
        store = state_store_from_url(settings.redis_url)
    keys = issuer_keys or _load_issuer_keys(settings.issuer_keys_dir, settings.min_issuer_key_bits)
    registrar = RegistrarService(
        election,
        registry=registry,
        issuer=issuer,
        issuer_keys=keys,
        store=store,
        load_issuer_keys=lambda: _load_issuer_keys(settings.issuer_keys_dir, settings.min_issuer_key_bits),
        identity_settings=identity_settings,
    )
    cabinet = CabinetService(storage.engine, registrar)
    registrar.cabinet = cabinet
    voter_services = VoterServices(election=ElectionInfo(election), identification=registrar, ballots=Ballots(election))
    return Components(
        settings=settings,
        storage=storage,
        board=board,
        election=election,
        tally=TallyService(election),
        registrar=registrar,
        registry=registry,
        voter_services=voter_services,
        ceremony=CeremonyParams(
            n=settings.trustees_n,
            k=settings.trustees_k,
            # Trustee posts nobody can authenticate (no roster in the manifest) only on a development server.
            allow_unauthenticated=settings.environment is Environment.DEVELOPMENT,
        ),
        redis=redis_client,
        complaints=ComplaintsService(board, storage.engine),
        cabinet=cabinet,
    )


def prepare_database(settings: Settings, identity_settings: IdentitySettings | None = None) -> None:
    """Create every table once, before worker processes start (several workers creating a fresh SQLite schema at
    the same moment would trip over each other's locks)."""
    components = build_components(settings, identity_settings=identity_settings)
    components.stop()
    components.storage.close()
