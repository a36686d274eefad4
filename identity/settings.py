"""Settings of the identity service, read from the environment (prefix ``SHAILOO_IDENTITY_``).

Two secrets: ``TEMPLATE_KEY`` (AES-256-GCM key sealing registry records at rest) and ``VOTER_HASH_KEY``
(the registrar's HMAC key for voter hashes; the registrar's Ed25519 signing key for the register counts is derived
from it, `IdentitySettings.registrar_signing_key`). Both are 64 hex characters. The built-in development values are
public, so they are refused unless ``ENVIRONMENT=development``. The key sealing identification sessions in Redis
is derived from the template key (`IdentitySettings.session_key_bytes`), so it lives where the template key
lives — never in Redis — without being the same key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crypto.hashing import domain_tag
from identity.face import FaceConfig

if TYPE_CHECKING:
    from identity.xroad import XRoadVoterRegistry

#: Public development keys: fine for tests and a laptop, refused anywhere else.
DEVELOPMENT_TEMPLATE_KEY = "00" * 31 + "01"
DEVELOPMENT_VOTER_HASH_KEY = "00" * 31 + "02"


class IdentitySettings(BaseSettings):
    """Everything tunable in face checks, liveness, lockouts and issuance."""

    model_config = SettingsConfigDict(env_prefix="SHAILOO_IDENTITY_", frozen=True)

    environment: Literal["development", "staging", "production"] = "development"
    template_key: str = DEVELOPMENT_TEMPLATE_KEY
    voter_hash_key: str = DEVELOPMENT_VOTER_HASH_KEY
    #: Database of the registry, issuance ledger and audit log (SQLite file by default, PostgreSQL in production).
    database_url: str = "sqlite:///shailoo-identity.db"
    #: Redis URL for nonces and attempt counters; empty means the in-process fallback (one worker only).
    redis_url: str = ""

    # Registry backend: the registrar's own database, or the population register over Tunduk (X-Road); docs/xroad.md
    registry: Literal["database", "xroad"] = "database"
    #: The registrar's own X-Road security server (``https://ss.example.kg``).
    xroad_url: str = ""
    #: The registrar's subsystem: ``INSTANCE/CLASS/MEMBER/SUBSYSTEM``.
    xroad_client: str = ""
    #: The population register's service: ``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``.
    xroad_service: str = ""
    xroad_timeout_seconds: float = Field(default=5.0, gt=0.0, le=60.0)
    #: 64 hex: the Ed25519 seed that signs each request (``X-Shailoo-Signature``); required outside development.
    xroad_signing_key: str = ""

    # Face checks
    face_tolerance: float = Field(default=0.5, gt=0.0, le=1.0)
    #: Two registered templates this close (or closer) open a face review at import and enrolment.
    duplicate_face_distance: float = Field(default=0.5, ge=0.0, le=2.0)
    max_image_side: int = Field(default=800, ge=160)
    min_face_px: int = Field(default=60, ge=8)
    min_sharpness: float = Field(default=10.0, ge=0.0)
    min_detection_px: int = Field(default=50, ge=8)
    detector_upsample: int = Field(default=1, ge=0, le=2)

    # Liveness
    challenge_turns: int = Field(default=3, ge=2, le=6)
    nonce_ttl_seconds: int = Field(default=120, ge=10)
    session_ttl_seconds: int = Field(default=300, ge=30)
    min_yaw_change: float = Field(default=0.06, gt=0.0)
    max_planar_similarity: float = Field(default=0.85, gt=0.0, le=1.0)

    # Lockouts
    max_failures_per_voter: int = Field(default=5, ge=1)
    voter_failure_window_seconds: int = Field(default=3600, ge=1)
    max_failures_per_address: int = Field(default=20, ge=1)
    address_failure_window_seconds: int = Field(default=900, ge=1)

    @field_validator("template_key", "voter_hash_key")
    @classmethod
    def _is_256_bit_hex(cls, value: str) -> str:
        try:
            raw = bytes.fromhex(value)
        except ValueError as e:
            raise ValueError("must be 64 hex characters (a 256-bit key)") from e
        if len(raw) != 32:
            raise ValueError("must be 64 hex characters (a 256-bit key)")
        return value

    @model_validator(mode="after")
    def _no_public_keys_outside_development(self) -> IdentitySettings:
        if self.environment != "development" and (
            self.template_key == DEVELOPMENT_TEMPLATE_KEY or self.voter_hash_key == DEVELOPMENT_VOTER_HASH_KEY
        ):
            raise ValueError("the development keys are public: set TEMPLATE_KEY and VOTER_HASH_KEY")
        return self

    @model_validator(mode="after")
    def _xroad_complete(self) -> IdentitySettings:
        if self.registry != "xroad":
            return self
        missing = [n for n in ("xroad_url", "xroad_client", "xroad_service") if not getattr(self, n)]
        if missing:
            raise ValueError(f"REGISTRY=xroad needs {', '.join(m.upper() for m in missing)}")
        if self.xroad_signing_key:
            self._is_256_bit_hex(self.xroad_signing_key)
        elif self.environment != "development":
            raise ValueError("REGISTRY=xroad outside development needs XROAD_SIGNING_KEY (requests are signed)")
        return self

    def xroad_registry(self) -> XRoadVoterRegistry:
        """The X-Road adapter these settings describe (``registry`` must be ``xroad``)."""
        from identity.xroad import xroad_registry_from_settings

        return xroad_registry_from_settings(
            self.xroad_url,
            self.xroad_client,
            self.xroad_service,
            timeout_seconds=self.xroad_timeout_seconds,
            signing_seed=bytes.fromhex(self.xroad_signing_key) if self.xroad_signing_key else None,
        )

    @property
    def template_key_bytes(self) -> bytes:
        return bytes.fromhex(self.template_key)

    @property
    def voter_hash_key_bytes(self) -> bytes:
        return bytes.fromhex(self.voter_hash_key)

    @property
    def session_key_bytes(self) -> bytes:
        """AES-256-GCM key for identification session state:
        ``HKDF-SHA256(ikm = template key, salt = none, info = "SHAILOO-V1/identity/session_key", 32 bytes)``."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=domain_tag("identity/session_key"))
        return hkdf.derive(self.template_key_bytes)

    @property
    def registrar_signing_key(self) -> Ed25519PrivateKey:
        """The registrar's Ed25519 key that signs the register counts (`record.register`), derived from its voter-hash
        key so it lives where that key lives: seed = ``HKDF-SHA256(ikm = voter hash key, salt = none,
        info = "SHAILOO-V1/identity/registrar_signing_key", 32 bytes)``. Its public key is what the manifest pins
        (``registrar_key``)."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=domain_tag("identity/registrar_signing_key"))
        return Ed25519PrivateKey.from_private_bytes(hkdf.derive(self.voter_hash_key_bytes))

    def face_config(self) -> FaceConfig:
        """The face pipeline's tunables from these settings."""
        return FaceConfig(
            tolerance=self.face_tolerance,
            max_image_side=self.max_image_side,
            min_detection_px=self.min_detection_px,
            min_face_px=self.min_face_px,
            min_sharpness=self.min_sharpness,
            upsample=self.detector_upsample,
        )
