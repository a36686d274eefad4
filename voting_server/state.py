"""The election as the board defines it: manifest, joint key, trustees' public shares, issuer keys, base hash.

Nothing here is configured on the server: every value is read back from the board's setup entries, so every
worker process (and the observer) sees the same election. Payload formats are in docs/server.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from bulletin_board.entries import Entry, EntryKind
from crypto.blind_rsa import RFC_MIN_MODULUS_BITS, BlindRsaPublicKey
from crypto.errors import ShailooError
from elections.manifest import Manifest
from mobile_api.errors import ApiError
from record.ballot import election_base_hash
from record.ceremony import JointKey
from record.devices import DeviceRecord
from record.issuer import issuer_keys_from_payload
from record.lifecycle import ChannelsOpen


@dataclass(frozen=True)
class ElectionState:
    """What the setup entries of the board say. ``None`` fields are not on the board yet."""

    manifest: Manifest | None = None
    joint_key: JointKey | None = None
    issuer_keys: Mapping[str, BlindRsaPublicKey] = field(default_factory=dict)
    device_keys: Mapping[str, bytes] = field(default_factory=dict)
    channels_open: tuple[str, ...] = ()

    @cached_property
    def base_hash(self) -> bytes | None:
        """The election base hash (computed once: it hashes the manifest and every issuer key). The
        coercion-resistant mode has no issuer keys (its credentials are on the ``cr_roster``): its base hash is
        there as soon as the manifest and the joint key are."""
        if self.manifest is None or self.joint_key is None:
            return None
        if not self.issuer_keys and not self.coercion_resistant:
            return None
        return election_base_hash(self.manifest, self.joint_key.joint_public_key, self.issuer_keys)

    @property
    def coercion_resistant(self) -> bool:
        return self.manifest is not None and self.manifest.policy.mode == "coercion_resistant"

    def require_manifest(self) -> Manifest:
        if self.manifest is None:
            raise ApiError("no election manifest is loaded", code="not_found")
        return self.manifest

    def require_voting_material(self) -> tuple[Manifest, JointKey, Mapping[str, BlindRsaPublicKey], bytes]:
        manifest = self.require_manifest()
        base = self.base_hash
        if self.joint_key is None or base is None:
            raise ApiError("the election key or the issuer keys are not on the board yet", code="wrong_phase")
        return manifest, self.joint_key, self.issuer_keys, base


#: Kinds that define the election; entries after ``channels_open`` never change it.
SETUP_KINDS = frozenset(
    {EntryKind.MANIFEST, EntryKind.JOINT_KEY, EntryKind.ISSUER_KEYS, EntryKind.DEVICE_KEY, EntryKind.CHANNELS_OPEN}
)


def state_from_entries(entries: Sequence[Entry], *, min_issuer_bits: int = RFC_MIN_MODULUS_BITS) -> ElectionState:
    """Fold the setup entries (in board order) into an `ElectionState`."""
    manifest: Manifest | None = None
    joint: JointKey | None = None
    issuer: dict[str, BlindRsaPublicKey] = {}
    devices: dict[str, bytes] = {}
    channels: tuple[str, ...] = ()
    for entry in entries:
        payload = entry.payload
        if entry.kind is EntryKind.MANIFEST:
            manifest = Manifest.from_dict(payload["manifest"])
        elif entry.kind is EntryKind.JOINT_KEY:
            joint = JointKey.from_payload(payload)
        elif entry.kind is EntryKind.ISSUER_KEYS:
            issuer.update(issuer_keys_from_payload(payload, min_bits=min_issuer_bits))
        elif entry.kind is EntryKind.DEVICE_KEY:
            with contextlib.suppress(ShailooError):  # an unusable registration registers nobody
                device = DeviceRecord.from_payload(payload)
                devices[device.device_id] = device.public_key
        elif entry.kind is EntryKind.CHANNELS_OPEN:
            channels = ChannelsOpen.from_payload(payload).channels
    return ElectionState(manifest, joint, issuer, devices, channels)
