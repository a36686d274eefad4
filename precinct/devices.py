"""Device identity: each kiosk and counting urn holds an Ed25519 key the commission registers on the board.

The ``device_key`` payload is `record.devices.DeviceRecord` (docs/precinct.md, "Registering devices"), posted with
the board dedup key ``device:<device_id>`` (the same slot the server's admin API uses), so a device id is
registered once. The private key lives on the device in a key file: ``shailoo-device-key/1`` JSON with the
identity and the 32-byte seed in hex, written with mode 0600.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from bulletin_board.checkpoint import SignedPromise
from bulletin_board.entries import EntryKind
from bulletin_board.log import BulletinBoard
from elections.manifest import Manifest
from precinct.errors import DeviceError
from record.devices import DeviceRecord, device_slot
from record.precinct import DEVICE_ROLES, device_public_bytes

KEY_FILE_FORMAT: Final = "shailoo-device-key/1"


@dataclass(frozen=True)
class DeviceIdentity:
    """What a device knows about itself: its registration and its private key."""

    device_id: str
    role: str
    precinct_id: str
    key: Ed25519PrivateKey

    @classmethod
    def generate(cls, device_id: str, role: str, precinct_id: str) -> DeviceIdentity:
        if role not in DEVICE_ROLES:
            raise DeviceError(f"a device is an urn or a kiosk, not {role!r}")
        return cls(device_id, role, precinct_id, Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> bytes:
        return device_public_bytes(self.key)

    def record(self) -> DeviceRecord:
        return DeviceRecord(self.device_id, self.role, self.precinct_id, self.public_key)

    def save(self, path: Path) -> None:
        """Write the key file (mode 0600, created exclusively: an existing key is never overwritten)."""
        seed = self.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        data = {"format": KEY_FILE_FORMAT, **self.record().payload(), "seed": seed.hex()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)

    @classmethod
    def load(cls, path: Path) -> DeviceIdentity:
        try:
            data = json.loads(path.read_text())
            if data.get("format") != KEY_FILE_FORMAT:
                raise DeviceError(f"{path} is not a {KEY_FILE_FORMAT} key file")
            key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(data["seed"]))
            identity = cls(str(data["device_id"]), str(data["role"]), str(data["precinct_id"]), key)
        except (OSError, ValueError, KeyError) as e:
            raise DeviceError(f"cannot read the device key file {path}: {e}") from e
        if identity.public_key.hex() != data.get("public_key"):
            raise DeviceError(f"{path}: the public key does not match the seed")
        return identity


def check_registration(manifest: Manifest, record: DeviceRecord) -> None:
    """A kiosk or urn may be registered only for a precinct of the manifest."""
    if record.role not in DEVICE_ROLES:
        raise DeviceError(f"the precinct API registers kiosks and urns, not a {record.role}")
    if record.precinct_id not in {p.precinct_id for p in manifest.precincts}:
        raise DeviceError(f"precinct {record.precinct_id!r} is not in the manifest", code="unknown_id")


def register_device(board: BulletinBoard, manifest: Manifest, record: DeviceRecord) -> SignedPromise:
    """The commission posts a device's ``device_key`` entry (before voting opens, or during voting)."""
    check_registration(manifest, record)
    return board.append(EntryKind.DEVICE_KEY, record.payload(), dedup_key=device_slot(record.device_id))


def registered_device(board: BulletinBoard, device_id: str) -> DeviceRecord:
    """The board's registration of ``device_id``; `DeviceError` if there is none."""
    entry = board.find_by_dedup_key(device_slot(device_id))
    if entry is None or entry.kind is not EntryKind.DEVICE_KEY:
        raise DeviceError(f"device {device_id!r} is not registered on the board")
    record = DeviceRecord.from_payload(entry.payload)
    if record.role not in DEVICE_ROLES or record.precinct_id is None:
        raise DeviceError(f"device {device_id!r} is a {record.role}, not a kiosk or an urn")
    return record
