"""A device's registration, the ``device_key`` entry (docs/spec/record.md §2.4, docs/precinct.md).

    {"device_id": str, "role": str, "precinct_id": str (kiosks and urns), "public_key": hex(32-byte Ed25519)}

posted by the commission with the board dedup key ``device:<device_id>`` (`device_slot`), so a device id is
registered once. Kiosks and counting urns (`record.precinct.DEVICE_ROLES`) name the precinct they serve; a
precinct's identification terminal (role ``identification``) need not. The key is decoded strictly
(`crypto.signing.decode_public_key`): a small-order key, which would "sign" every message, is never registered.
The server's admin API, the precinct service, the server's election state and the verifier's check 30 all read the
entry through `DeviceRecord.from_payload`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signing
from crypto.errors import CryptoError
from crypto.strict_json import Field, MalformedFieldError
from elections.manifest import Manifest
from record.ballot import EncryptedBallot
from record.errors import RecordError
from record.precinct import DEVICE_ROLES

#: Roles a registration may name: the precinct devices, and a precinct's identification terminal.
REGISTRABLE_ROLES: Final = DEVICE_ROLES | {"identification"}


class DeviceRegistrationError(RecordError):
    """A ``device_key`` payload is malformed, names an unknown role, or carries an unusable key."""

    code = "malformed"


def device_slot(device_id: str) -> str:
    """The board dedup key of a device's registration."""
    return f"device:{device_id}"


@dataclass(frozen=True)
class DeviceRecord:
    """A registered device as the board says: id, role, precinct (kiosks and urns), raw Ed25519 public key."""

    device_id: str
    role: str
    precinct_id: str | None
    public_key: bytes

    def payload(self) -> dict[str, Any]:
        payload = {"device_id": self.device_id, "role": self.role, "public_key": self.public_key.hex()}
        if self.precinct_id is not None:
            payload["precinct_id"] = self.precinct_id
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> DeviceRecord:
        """Read a ``device_key`` payload strictly (`DeviceRegistrationError` naming the JSON path)."""
        try:
            obj = Field(payload, "$(device_key)").as_object(
                {"device_id", "role", "public_key"}, optional={"precinct_id"}
            )
            role = obj["role"].literal(*sorted(REGISTRABLE_ROLES))
            precinct = obj.get("precinct_id")
            if precinct is None and role in DEVICE_ROLES:
                raise obj.fail(f"a {role} is registered for a precinct: precinct_id is missing")
            raw = obj["public_key"].hex(signing.PUBLIC_KEY_BYTES)
            obj["public_key"].decode(signing.decode_public_key, raw)
            return cls(obj["device_id"].text(), role, None if precinct is None else precinct.text(), raw)
        except MalformedFieldError as e:
            raise DeviceRegistrationError(e.message, code=e.code) from e


# -- a kiosk's ballots: bound to its precinct ----------------------------------------------------------------------

#: The tag under which a kiosk signs the hash of a ballot it casts for its precinct.
PRECINCT_CAST_TAG: Final = "precinct/cast"


class PrecinctBindingError(RecordError):
    """A ballot names a precinct it is not bound to: only a kiosk registered for that precinct may cast a ballot
    naming it, and only for a ballot style of the precinct's region."""

    code = "precinct_not_bound"


def sign_precinct_cast(key: Ed25519PrivateKey, ballot_hash: bytes) -> bytes:
    """The kiosk's signature binding the ballot ``ballot_hash`` to the kiosk's precinct."""
    return signing.sign(key, PRECINCT_CAST_TAG, ballot_hash)


def check_precinct_binding(
    manifest: Manifest, ballot: EncryptedBallot, device: DeviceRecord | None, signature: bytes | None
) -> None:
    """Raise `PrecinctBindingError` unless ``ballot`` names no precinct, or names the precinct of ``device`` — a
    kiosk registered for it, in the region of the ballot's style — and ``signature`` is that kiosk's over the
    ballot hash. App ballots name none: a voter cannot have her vote put into a cell of her (or a coercer's)
    choosing, and nobody can put a ballot into an honest kiosk's precinct."""
    precinct_id = ballot.precinct_id
    if precinct_id is None:
        return
    if device is None or signature is None:
        raise PrecinctBindingError(f"a ballot naming precinct {precinct_id!r} is cast only by that precinct's kiosk")
    if device.role != "kiosk" or device.precinct_id != precinct_id:
        raise PrecinctBindingError(f"device {device.device_id!r} is not a kiosk of precinct {precinct_id!r}")
    precinct = next((p for p in manifest.precincts if p.precinct_id == precinct_id), None)
    style = next((s for s in manifest.ballot_styles if s.style_id == ballot.style_id), None)
    if precinct is None or style is None or precinct.region_id != style.region_id:
        raise PrecinctBindingError(
            f"precinct {precinct_id!r} does not lie in the region of ballot style {ballot.style_id!r}"
        )
    try:
        signing.verify(device.public_key, PRECINCT_CAST_TAG, ballot.ballot_hash(), signature)
    except CryptoError as e:
        raise PrecinctBindingError(f"the kiosk's signature on this ballot does not verify ({e.message})") from e
