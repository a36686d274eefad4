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
from mobile_api.errors import ApiError
from mobile_api.schemas import (
    CredentialIssued,
    CredentialRequest,
    DeviceAttestation,
    FaceEvidence,
    IdentificationResult,
    IdentificationSession,
    IdentificationStart,
)
from mobile_api.services import VoterServices
from trustees.coordinator import CeremonyParams
from voting_server import schema
from voting_server.cabinet import CabinetService
from voting_server.complaints import ComplaintsService
from voting_server.election import ElectionService
from voting_server.identification import RegistrarService
from voting_server.receipts import ReceiptIndex
from voting_server.settings import Environment, ServerRole, Settings
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
    #: The registrar's parts: None on a ballot box (role ``ballot-box``), which holds no identity data at all.
    registrar: RegistrarService | None
    registry: VoterRegistry | None
    voter_services: VoterServices
    ceremony: CeremonyParams
    redis: Any | None
    complaints: ComplaintsService
    cabinet: CabinetService | None
    #: The registrar's own database (role ``registrar``), apart from the board's; None otherwise.
    identity_storage: BoardStorage | None = None

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
        if self.identity_storage is not None:
            self.identity_storage.close()

    def require_registrar(self) -> RegistrarService:
        """The registrar's service; ``not_supported`` on a ballot box (a route of the registrar's reached it)."""
        if self.registrar is None:
            raise ApiError("this server is a ballot box: the registrar serves this", code="not_supported")
        return self.registrar

    def install_issuer_keys(self, keys: IssuerKeys) -> None:
        """Hand the registrar its private keys (and keep them in ``issuer_keys_dir`` when configured)."""
        self.require_registrar().issuer_keys = keys
        directory = self.settings.issuer_keys_dir
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            for style_id, key in keys._keys.items():
                (directory / f"{style_id}.der").write_bytes(key.to_bytes())


class _NoRegistrar:
    """The ballot box's identification service: there is none (its routes are absent; this only answers a caller
    that reaches it some other way, and never looks at what it was given)."""

    def _refuse(self) -> ApiError:
        return ApiError("this server is a ballot box: identify at the registrar", code="not_supported")

    def start(self, request: IdentificationStart, client_address: str) -> IdentificationSession:
        raise self._refuse()

    def submit_face(self, session_id: str, evidence: FaceEvidence, client_address: str) -> IdentificationResult:
        raise self._refuse()

    def submit_attestation(
        self, session_id: str, attestation: DeviceAttestation, client_address: str
    ) -> IdentificationResult:
        raise self._refuse()

    def issue_credential(self, request: CredentialRequest, client_address: str) -> CredentialIssued:
        raise self._refuse()


def _check_schema(
    engine: Any, branches: tuple[str, ...], role: ServerRole, what: str, url_setting: str = "SHAILOO_DATABASE_URL"
) -> None:
    try:
        schema.check_current(engine, branches, role=role, what=what, url_setting=url_setting)
    except Exception:
        engine.dispose()
        raise


def _open_board(settings: Settings) -> BoardStorage:
    """The board's database. On PostgreSQL its schema comes from the migrations only (`voting_server.schema`): the
    server checks that every table of its role is at the revision it needs and refuses to start otherwise; it makes
    no table. SQLite (development, the demo) makes its tables here, as it always did."""
    url = settings.board_url()
    if not schema.is_postgres(url):
        return open_storage(url)
    storage = open_storage(url, create=False)
    if settings.role is ServerRole.REGISTRAR:  # the ballot box's database: the board branch, migrated by the box
        _check_schema(
            storage.engine, (schema.BOARD,), ServerRole.BALLOT_BOX, "board database", "SHAILOO_BOARD_DATABASE_URL"
        )
    else:
        _check_schema(storage.engine, schema.branches_for(settings.role), settings.role, "database")
    return storage


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
    clock = clock or now_ms
    role = settings.role
    storage = _open_board(settings)
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
    redis_client = None
    store: StateStore = MemoryStateStore()
    if settings.redis_url:
        import redis

        redis_client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
        store = state_store_from_url(settings.redis_url)
    ceremony = CeremonyParams(
        n=settings.trustees_n,
        k=settings.trustees_k,
        # Trustee posts nobody can authenticate (no roster in the manifest) only on a development server.
        allow_unauthenticated=settings.environment is Environment.DEVELOPMENT,
    )
    if role is ServerRole.BALLOT_BOX:
        # No identity settings are read, no identity table is made, no issuer key is loaded: the ballot box learns
        # the registrar's issuer keys, register counts and issuance counts from the board only.
        if registry is not None or issuer_keys is not None or identity_settings is not None:
            raise ValueError("a ballot box is given no registry, issuer keys or identity settings")
        return Components(
            settings=settings,
            storage=storage,
            board=board,
            election=election,
            tally=TallyService(election),
            registrar=None,
            registry=None,
            voter_services=VoterServices(
                election=ElectionInfo(election), identification=_NoRegistrar(), ballots=Ballots(election)
            ),
            ceremony=ceremony,
            redis=redis_client,
            complaints=ComplaintsService(board, storage.engine),
            cabinet=None,
        )
    identity_settings = identity_settings or IdentitySettings()
    identity_storage = None
    identity_engine = storage.engine
    if role is ServerRole.REGISTRAR:  # the registrar's tables in its own database, never in the board's
        identity_storage = open_storage(settings.database_url, create=False)
        identity_engine = identity_storage.engine
        if schema.is_postgres(identity_engine):
            _check_schema(identity_engine, (schema.REGISTRAR,), settings.role, "registrar's database")
    if registry is None and identity_settings.registry == "xroad":
        registry = identity_settings.xroad_registry()
    registry = registry or SqlVoterRegistry(
        identity_engine,
        identity_settings.template_key_bytes,
        duplicate_face_distance=identity_settings.duplicate_face_distance,
    )
    issuer = Issuer(
        identity_engine,
        identity_settings.voter_hash_key_bytes,
        clock=lambda: dt.datetime.fromtimestamp(clock() / 1000, dt.UTC),  # the one clock of the server
    )
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
    cabinet = CabinetService(identity_engine, registrar)
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
        ceremony=ceremony,
        redis=redis_client,
        complaints=ComplaintsService(board, storage.engine),
        cabinet=cabinet,
        identity_storage=identity_storage,
    )


def prepare_database(settings: Settings, identity_settings: IdentitySettings | None = None) -> None:
    """Create every table once, before worker processes start (several workers creating a fresh SQLite schema at
    the same moment would trip over each other's locks)."""
    components = build_components(settings, identity_settings=identity_settings)
    components.stop()
    components.storage.close()
