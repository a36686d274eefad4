"""Settings of the voting server, read from the environment (prefix ``SHAILOO_``).

Development runs on zero set-up: a SQLite file, no Redis, generated secrets. Outside development the
settings refuse to start with a default or missing secret, so a production server can never run on a
token that is printed in this file or a board key that nobody will ever see again.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: The operator and auditor tokens of a development server when none are given. Known to everyone: refused
#: outside development.
DEVELOPMENT_OPERATOR_TOKEN = "dev-operator-token"  # noqa: S105 - public on purpose, refused outside development
DEVELOPMENT_AUDITOR_TOKEN = "dev-auditor-token"  # noqa: S105 - public on purpose, refused outside development


#: The integration interval of ballots on a production server unless ``SHAILOO_BALLOT_BATCH_SECONDS`` says
#: otherwise: long enough that a batch holds many voters at a busy hour, short enough for a voter to wait for her
#: receipt and well inside the default clock tolerance (120 s) of the verifier's voting-window check.
PRODUCTION_BALLOT_BATCH_SECONDS = 30.0


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ServerRole(StrEnum):
    """What one server process serves (`voting_server.roles`): everything, or one side of the registrar / ballot box
    split. The ballot box holds no identity table, no voter-hash key and no issuer key."""

    ALL = "all"
    REGISTRAR = "registrar"
    BALLOT_BOX = "ballot-box"


class Role(StrEnum):
    """Admin roles. An operator runs the election; an auditor reads everything the operator can, changes nothing."""

    OPERATOR = "operator"
    AUDITOR = "auditor"


def _parse_tokens(value: object) -> object:
    """``"operator:tok1,auditor:tok2"`` → ``{"tok1": "operator", "tok2": "auditor"}``; dicts pass through."""
    if not isinstance(value, str):
        return value
    tokens: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        role, sep, token = item.partition(":")
        if not sep or not token:
            raise ValueError("SHAILOO_ADMIN_TOKENS is a comma-separated list of role:token")
        tokens[token] = role
    return tokens


def _same_database(a: str, b: str) -> bool:
    """Whether two SQLAlchemy URLs name one database (SQLite: one file, however its path is spelled)."""
    from sqlalchemy.engine import make_url

    url_a, url_b = make_url(a), make_url(b)
    if url_a.get_backend_name() == url_b.get_backend_name() == "sqlite" and url_a.database and url_b.database:
        return Path(url_a.database).resolve() == Path(url_b.database).resolve()
    return url_a.set(drivername="x", password=None) == url_b.set(drivername="x", password=None)


class Settings(BaseSettings):
    """Everything a server instance needs. Every field is ``SHAILOO_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="SHAILOO_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    #: What this process serves: ``all`` (one server), ``registrar`` or ``ballot-box`` (`voting_server.roles`).
    role: ServerRole = ServerRole.ALL
    #: SQLAlchemy URL of this server's own database: a SQLite file by default, ``postgresql+psycopg://...`` in
    #: production. Role ``all`` and ``ballot-box``: the board (and what the ballot box keeps beside it). Role
    #: ``registrar``: the identity tables only (register, issuance ledger, audit, reviews, cabinet).
    database_url: str = "sqlite:///./shailoo.sqlite3"
    #: Role ``registrar`` only: the ballot box's board database, where the registrar appends its own entries
    #: (issuer keys, register counts, final issuance counts) and reads the election's setup. Nothing of the
    #: registrar's own database is ever written there.
    board_database_url: str | None = None
    #: Optional Redis for rate limits and idempotency hints; never the only copy of anything.
    redis_url: str | None = None
    #: token → role. Environment form: ``SHAILOO_ADMIN_TOKENS="operator:<token>,auditor:<token>"``.
    admin_tokens: Annotated[dict[str, Role], NoDecode] = Field(default_factory=dict)
    #: Hex of the 32-byte Ed25519 seed that signs tree heads and receipts. Generated in development if empty.
    board_signing_key: SecretStr | None = None
    #: Largest request body accepted (bytes). The 2021 parliamentary ballot is ~0.5 MB of hex JSON.
    max_body_bytes: int = 2_000_000
    #: Casts per minute per client address when Redis is configured (0 = unlimited).
    rate_limit_per_minute: int = 0
    #: Requests served at once by one process; beyond it ``unavailable`` (503, Retry-After). 0 = unbounded.
    max_in_flight: int = Field(default=256, ge=0)
    log_level: str = "INFO"
    #: The board's name in its signed tree heads and promises.
    board_origin: str = "shailoo.cec.kg/board"
    #: Every stored entry is in a signed tree head within this many seconds.
    max_merge_delay: float = 1.0
    #: Ballots are put on the board in batches, one per this many seconds of the wall clock, each in a random order
    #: (`bulletin_board.group_commit`), so the board says in which interval a ballot arrived and nothing finer.
    #: A cast is answered when its batch is committed. None: `PRODUCTION_BALLOT_BATCH_SECONDS` in production, 0 (at
    #: once, still shuffled) in development. Keep it below the manifest's ``clock_tolerance_seconds``.
    ballot_batch_seconds: float | None = Field(default=None, ge=0, le=600)
    #: Where the registrar's private issuer keys are kept (DER files, one per ballot style); None = memory only.
    issuer_keys_dir: Path | None = None
    #: The smallest issuer key accepted (3072 in any real election; tests may lower it to 2048).
    min_issuer_key_bits: int = Field(default=3072, ge=2048)
    #: The key ceremony: n trustees, any k of whom decrypt.
    trustees_n: int = Field(default=5, ge=1)
    trustees_k: int = Field(default=3, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _tokens_from_text(cls, data: object) -> object:
        if isinstance(data, dict) and "admin_tokens" in data:
            data = {**data, "admin_tokens": _parse_tokens(data["admin_tokens"])}
        return data

    @model_validator(mode="after")
    def _role_fits(self) -> Self:
        if self.role is ServerRole.REGISTRAR:
            if not self.board_database_url:
                raise ValueError("a registrar needs SHAILOO_BOARD_DATABASE_URL (the ballot box's board database)")
            if _same_database(self.board_database_url, self.database_url):
                raise ValueError("the registrar's identity database must not be the board database")
        elif self.board_database_url is not None:
            raise ValueError("SHAILOO_BOARD_DATABASE_URL is for the registrar role only")
        if self.role is ServerRole.BALLOT_BOX and self.issuer_keys_dir is not None:
            raise ValueError("the ballot box holds no issuer keys: SHAILOO_ISSUER_KEYS_DIR is for the registrar")
        return self

    def board_url(self) -> str:
        """The database the board lives in: this server's own, or (registrar) the ballot box's."""
        return self.board_database_url or self.database_url

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.environment is Environment.DEVELOPMENT:
            return self
        if not self.admin_tokens:
            raise ValueError("SHAILOO_ADMIN_TOKENS must be set outside development")
        weak = [t for t in self.admin_tokens if t in {DEVELOPMENT_OPERATOR_TOKEN, DEVELOPMENT_AUDITOR_TOKEN}]
        if weak or any(len(t) < 24 for t in self.admin_tokens):
            raise ValueError("admin tokens outside development must be at least 24 characters and not the defaults")
        if self.board_signing_key is None:
            raise ValueError("SHAILOO_BOARD_SIGNING_KEY must be set outside development")
        if self.min_issuer_key_bits < 3072:
            raise ValueError("issuer keys below 3072 bits are for tests in development only")
        return self

    def effective_ballot_batch_seconds(self) -> float:
        """The integration interval of ballots (`ballot_batch_seconds`, or the environment's default)."""
        if self.ballot_batch_seconds is not None:
            return self.ballot_batch_seconds
        return PRODUCTION_BALLOT_BATCH_SECONDS if self.environment is Environment.PRODUCTION else 0.0

    def effective_admin_tokens(self) -> dict[str, Role]:
        """The configured tokens, or the two well-known development tokens when none are set in development."""
        if self.admin_tokens or self.environment is not Environment.DEVELOPMENT:
            return dict(self.admin_tokens)
        return {DEVELOPMENT_OPERATOR_TOKEN: Role.OPERATOR, DEVELOPMENT_AUDITOR_TOKEN: Role.AUDITOR}

    def board_seed(self) -> bytes:
        """The 32-byte board signing seed; a fresh random one in development when none is configured."""
        if self.board_signing_key is None:
            return secrets.token_bytes(32)
        seed = bytes.fromhex(self.board_signing_key.get_secret_value())
        if len(seed) != 32:
            raise ValueError("SHAILOO_BOARD_SIGNING_KEY is the hex of a 32-byte Ed25519 seed")
        return seed
