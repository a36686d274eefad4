"""A trustee's keystore: secret material in a local file sealed under a passphrase (docs/trustees.md, "Keystore").

The file is the canonical JSON (RFC 8785) object ``{"ciphertext": hex, "header": {...}}``. The header is public
(format, version, KDF parameters and salt, AEAD nonce, a key check, a label saying whose keystore it is) and is
the AEAD's associated data, so any change to it is detected. The key comes from the passphrase through Argon2id
(memory-hard; parameters in the header so they can be raised later without breaking old files); the secrets are
sealed with ChaCha20-Poly1305.

Errors: a passphrase that does not open the file → `KeystoreLockedError` (``keystore_locked``); a file whose
structure, header or ciphertext was altered → `KeystoreTamperedError` (``keystore_tampered``). Every write goes to
a temporary file in the same folder, is fsynced, then renamed over the old file: a crash leaves either the old
or the new keystore, never half of one.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from crypto.canonical import canonical_json
from crypto.hashing import hash_fields
from trustees.errors import (
    KeystoreExistsError,
    KeystoreLockedError,
    KeystoreTamperedError,
    KeystoreUnsupportedError,
    TrusteeError,
)

FORMAT: Final = "shailoo-keystore"
FORMAT_VERSION: Final = 1
KDF_NAME: Final = "argon2id"
AEAD_NAME: Final = "chacha20-poly1305"
SALT_BYTES: Final = 16
NONCE_BYTES: Final = 12
KEY_BYTES: Final = 32
MIN_PASSPHRASE_CHARS: Final = 8
#: Upper bounds on header KDF parameters, so a forged header cannot make `open` allocate or spin without limit.
_MAX_MEMORY_KIB: Final = 4 * 1024 * 1024
_MAX_TIME_COST: Final = 64
_MAX_PARALLELISM: Final = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters (RFC 9106 names: t = ``time_cost``, m = ``memory_kib``, p = ``parallelism``)."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.time_cost <= _MAX_TIME_COST:
            raise TrusteeError(f"Argon2 time cost must be 1..{_MAX_TIME_COST}", code="invalid_parameters")
        if not 1 <= self.parallelism <= _MAX_PARALLELISM:
            raise TrusteeError(f"Argon2 parallelism must be 1..{_MAX_PARALLELISM}", code="invalid_parameters")
        if not 8 * self.parallelism <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise TrusteeError(
                "Argon2 memory must be at least 8 KiB per lane and at most 4 GiB", code="invalid_parameters"
            )


#: The parameters every new keystore gets unless the caller passes others (RFC 9106's second recommended option
#: with one lane: 64 MiB, 3 passes).
DEFAULT_KDF: Final = KdfParams()


def write_file_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` by ``data``: temporary file in the same folder, fsync, rename, fsync of the folder."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _passphrase_bytes(passphrase: str) -> bytes:
    # NFC so the same passphrase typed on two keyboards (composed or decomposed accents) opens the file.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> tuple[bytes, bytes]:
    """(AEAD key, key check) from Argon2id; the key check tells a wrong passphrase from a damaged ciphertext."""
    raw = hash_secret_raw(
        secret=_passphrase_bytes(passphrase),
        salt=salt,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.parallelism,
        hash_len=2 * KEY_BYTES,
        type=Type.ID,
        version=ARGON2_VERSION,
    )
    return raw[:KEY_BYTES], hash_fields("trustee/keystore/key-check", raw[KEY_BYTES:])


def _header(
    purpose: str, label: Mapping[str, Any], kdf: KdfParams, salt: bytes, nonce: bytes, check: bytes
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "purpose": purpose,
        "label": dict(label),
        "kdf": {
            "name": KDF_NAME,
            "argon2_version": ARGON2_VERSION,
            "time_cost": kdf.time_cost,
            "memory_kib": kdf.memory_kib,
            "parallelism": kdf.parallelism,
            "salt": salt.hex(),
        },
        "aead": {"name": AEAD_NAME, "nonce": nonce.hex()},
        "key_check": check.hex(),
    }


@dataclass(frozen=True)
class _ParsedFile:
    header: dict[str, Any]
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    key_check: bytes
    ciphertext: bytes


def _parse_file(data: bytes) -> _ParsedFile:
    """Split and validate the file's structure (no passphrase needed); anything malformed is tampering."""
    try:
        document = json.loads(data.decode("utf-8"))
        header = document["header"]
        if not isinstance(header, dict) or set(document) != {"header", "ciphertext"}:
            raise KeystoreTamperedError("the keystore file has an unexpected structure")
        if header.get("format") != FORMAT:
            raise KeystoreUnsupportedError("this file is not a Shailoo keystore")
        if header.get("version") != FORMAT_VERSION:
            raise KeystoreUnsupportedError(f"keystore version {header.get('version')!r} is not supported")
        kdf_fields = header["kdf"]
        if kdf_fields["name"] != KDF_NAME or kdf_fields["argon2_version"] != ARGON2_VERSION:
            raise KeystoreUnsupportedError("the keystore uses a KDF this Shailoo does not know")
        if header["aead"]["name"] != AEAD_NAME:
            raise KeystoreUnsupportedError("the keystore uses a cipher this Shailoo does not know")
        kdf = KdfParams(kdf_fields["time_cost"], kdf_fields["memory_kib"], kdf_fields["parallelism"])
        parsed = _ParsedFile(
            header=header,
            kdf=kdf,
            salt=bytes.fromhex(kdf_fields["salt"]),
            nonce=bytes.fromhex(header["aead"]["nonce"]),
            key_check=bytes.fromhex(header["key_check"]),
            ciphertext=bytes.fromhex(document["ciphertext"]),
        )
    except (KeystoreTamperedError, KeystoreUnsupportedError):
        raise
    except (ValueError, KeyError, TypeError, TrusteeError, UnicodeDecodeError) as e:
        raise KeystoreTamperedError(f"the keystore file is damaged or was altered ({type(e).__name__})") from e
    if len(parsed.salt) != SALT_BYTES or len(parsed.nonce) != NONCE_BYTES or len(parsed.key_check) != 32:
        raise KeystoreTamperedError("the keystore header has fields of the wrong length")
    return parsed


def read_label(path: Path) -> dict[str, Any]:
    """The public label of a keystore (whose it is), read without the passphrase. Not authenticated until opened."""
    parsed = _parse_file(Path(path).read_bytes())
    label = parsed.header.get("label")
    if not isinstance(label, dict):
        raise KeystoreTamperedError("the keystore label is not an object")
    return label


class Keystore:
    """An opened keystore: its path, public label and secrets (a JSON object), and the key to save it again.

    Use `Keystore.create` for a new file and `Keystore.open` for an existing one; `save` seals new secrets with a
    fresh nonce under the same passphrase-derived key, atomically.
    """

    def __init__(
        self,
        path: Path,
        *,
        label: dict[str, Any],
        secrets_: dict[str, Any],
        kdf: KdfParams,
        salt: bytes,
        key: bytes,
        check: bytes,
    ) -> None:
        self.path = Path(path)
        self.label = label
        self._secrets = secrets_
        self._kdf = kdf
        self._salt = salt
        self._key = key
        self._check = check

    @property
    def secrets(self) -> dict[str, Any]:
        """A copy of the sealed secrets (edit the copy, then `save` it)."""
        return json.loads(json.dumps(self._secrets))  # type: ignore[no-any-return]

    # construction -------------------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        secrets_: Mapping[str, Any],
        *,
        label: Mapping[str, Any],
        kdf: KdfParams = DEFAULT_KDF,
        overwrite: bool = False,
    ) -> Keystore:
        """Seal ``secrets_`` in a new keystore at ``path``; refuse a short passphrase or an existing file."""
        path = Path(path)
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            raise TrusteeError(
                f"the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters", code="weak_passphrase"
            )
        if path.exists() and not overwrite:
            raise KeystoreExistsError(f"{path} already exists; refusing to overwrite a keystore")
        salt = secrets.token_bytes(SALT_BYTES)
        key, check = _derive(passphrase, salt, kdf)
        store = cls(path, label=dict(label), secrets_=dict(secrets_), kdf=kdf, salt=salt, key=key, check=check)
        store.save(secrets_)
        return store

    @classmethod
    def open(cls, path: Path, passphrase: str) -> Keystore:
        """Open the keystore at ``path``; `KeystoreLockedError` for a wrong passphrase, `KeystoreTamperedError`
        for a file that was altered."""
        parsed = _parse_file(Path(path).read_bytes())
        key, check = _derive(passphrase, parsed.salt, parsed.kdf)
        if not secrets.compare_digest(check, parsed.key_check):
            raise KeystoreLockedError("the passphrase does not open this keystore")
        try:
            plaintext = ChaCha20Poly1305(key).decrypt(parsed.nonce, parsed.ciphertext, canonical_json(parsed.header))
        except InvalidTag as e:
            raise KeystoreTamperedError("the keystore was altered: its contents fail the integrity check") from e
        try:
            content = json.loads(plaintext.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:  # pragma: no cover - authenticated, so only our own bug
            raise KeystoreTamperedError("the keystore contents are not valid JSON") from e
        return cls(
            path, label=parsed.header["label"], secrets_=content, kdf=parsed.kdf, salt=parsed.salt, key=key, check=check
        )

    # writing ------------------------------------------------------------------------------------------------
    def _sealed(
        self, purpose: str, secrets_: Mapping[str, Any], key: bytes, salt: bytes, check: bytes, kdf: KdfParams
    ) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        header = _header(purpose, self.label, kdf, salt, nonce, check)
        ciphertext = ChaCha20Poly1305(key).encrypt(nonce, canonical_json(dict(secrets_)), canonical_json(header))
        return canonical_json({"header": header, "ciphertext": ciphertext.hex()})

    def save(self, secrets_: Mapping[str, Any]) -> None:
        """Seal ``secrets_`` (a JSON object) under a fresh nonce and replace the file atomically."""
        data = self._sealed("keystore", secrets_, self._key, self._salt, self._check, self._kdf)
        write_file_atomically(self.path, data)
        self._secrets = json.loads(json.dumps(dict(secrets_)))

    def export_backup(self, path: Path, backup_passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> None:
        """Write a backup of these secrets to ``path``, sealed under ``backup_passphrase`` with a new salt.

        The backup is itself a keystore (purpose ``backup``): `Keystore.open(path, backup_passphrase)` reads it.
        """
        if len(backup_passphrase) < MIN_PASSPHRASE_CHARS:
            raise TrusteeError(
                f"the backup passphrase must have at least {MIN_PASSPHRASE_CHARS} characters", code="weak_passphrase"
            )
        if Path(path).exists():
            raise KeystoreExistsError(f"{path} already exists; choose a new file for the backup")
        salt = secrets.token_bytes(SALT_BYTES)
        key, check = _derive(backup_passphrase, salt, kdf)
        write_file_atomically(Path(path), self._sealed("backup", self._secrets, key, salt, check, kdf))
