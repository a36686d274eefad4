"""`XRoadVoterRegistry`: the voter registry reached through the state data exchange (X-Road-style REST).

An X-Road REST call goes to the client's own security server: ``POST {base_url}/r1/{service_id}`` where
``service_id = INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]``, and names the caller in the header
``X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM``. Shailoo sends the personal number in a JSON body
(``{"personal_number": "..."}``), not in the URL, so it does not land in access logs along the way.

The answer Shailoo expects (UNVERIFIED against the real population-register service, whose schema is agreed
with its owner; adapt `_record_from_json` when it is known): ``200`` with ``personal_number, surname, given_name,
patronymic, birth_date (YYYY-MM-DD), region, district, precinct, face_template (base64 of the template bytes)``;
``404`` when nobody has the number. Anything else is `RegistryUnavailableError`.

Every request carries ``X-Shailoo-Request-Id`` (16 random bytes, hex) and, when the adapter has a signing key,
``X-Shailoo-Signature``: base64 of the Ed25519 signature (`crypto.signing`, tag ``identity/xroad_request``) over
``lp(request_id) || lp(client_id) || lp(service_id) || lp(body)``, so the register's owner can check which
registrar asked for which personal number and that nobody on the way changed the question. An answer must come
through a security server: it names the message in ``X-Road-Id``; an X-Road error names its type in the
``X-Road-Error`` header and a JSON body ``{"type", "message", "detail"}``. Schemas: docs/xroad.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto import signing
from crypto.hashing import length_prefixed
from identity.errors import IdentityError, RegistryUnavailableError, VoterNotFoundError
from identity.face import FaceTemplate
from identity.personal_number import parse_personal_number
from identity.registry import VoterRecord

_IDENTIFIER_PART: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: The domain tag of the request signature.
REQUEST_TAG: Final = "identity/xroad_request"
REQUEST_ID_HEADER: Final = "X-Shailoo-Request-Id"
SIGNATURE_HEADER: Final = "X-Shailoo-Signature"


def request_signing_body(request_id: str, client_id: str, service_id: str, body: bytes) -> bytes:
    """What the request signature covers: ``lp(request_id) || lp(client_id) || lp(service_id) || lp(body)``."""
    return b"".join(
        length_prefixed(part) for part in (request_id.encode(), client_id.encode(), service_id.encode(), body)
    )


@dataclass(frozen=True)
class XRoadClientId:
    """The calling subsystem: ``INSTANCE/CLASS/MEMBER/SUBSYSTEM`` (e.g. ``KG/GOV/70000001/shailoo``)."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str

    def __post_init__(self) -> None:
        for part in (self.instance, self.member_class, self.member_code, self.subsystem):
            if not _IDENTIFIER_PART.match(part):
                raise ValueError(f"not a valid X-Road identifier part: {part!r}")

    def header_value(self) -> str:
        return f"{self.instance}/{self.member_class}/{self.member_code}/{self.subsystem}"

    @classmethod
    def parse(cls, text: str) -> XRoadClientId:
        """``INSTANCE/CLASS/MEMBER/SUBSYSTEM`` → the client id; `ValueError` if it is not four valid parts."""
        parts = text.split("/")
        if len(parts) != 4:
            raise ValueError("an X-Road client id is INSTANCE/CLASS/MEMBER/SUBSYSTEM")
        return cls(*parts)


class XRoadVoterRegistry:
    """`VoterRegistry` over X-Road REST. ``service_path`` is the service id, e.g.
    ``KG/GOV/70000002/population/voter-by-pin``."""

    def __init__(
        self,
        base_url: str,
        client: XRoadClientId,
        service_path: str,
        *,
        timeout: float = 5.0,
        http: httpx.Client | None = None,
        signing_key: Ed25519PrivateKey | None = None,
    ) -> None:
        parts = service_path.strip("/").split("/")
        if len(parts) < 5 or not all(_IDENTIFIER_PART.match(p) for p in parts):
            raise ValueError("service_path must be INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/...]")
        self._service = "/".join(parts)
        self._url = f"{base_url.rstrip('/')}/r1/{self._service}"
        self._client = client
        self._http = http or httpx.Client(timeout=timeout)
        self._signing_key = signing_key

    def close(self) -> None:
        self._http.close()

    def lookup(self, personal_number: str) -> VoterRecord:
        parse_personal_number(personal_number)  # never send garbage to the state exchange
        body = json.dumps({"personal_number": personal_number}, separators=(",", ":")).encode()
        request_id = secrets.token_hex(16)
        client_id = self._client.header_value()
        headers = {
            "X-Road-Client": client_id,
            "Accept": "application/json",
            "Content-Type": "application/json",
            REQUEST_ID_HEADER: request_id,
        }
        if self._signing_key is not None:
            signed = request_signing_body(request_id, client_id, self._service, body)
            headers[SIGNATURE_HEADER] = base64.b64encode(signing.sign(self._signing_key, REQUEST_TAG, signed)).decode()
        try:
            response = self._http.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException as e:
            raise RegistryUnavailableError("the state data exchange did not answer in time") from e
        except httpx.HTTPError as e:
            raise RegistryUnavailableError("the state data exchange did not answer") from e
        error_type = response.headers.get("X-Road-Error")
        if error_type is not None:
            raise RegistryUnavailableError(f"the state data exchange refused the request: {error_type[:100]}")
        if not response.headers.get("X-Road-Id"):
            raise RegistryUnavailableError("the answer did not come through an X-Road security server (no X-Road-Id)")
        if response.status_code == httpx.codes.NOT_FOUND:
            raise VoterNotFoundError("no voter with this personal number is on the register")
        if response.status_code != httpx.codes.OK:
            raise RegistryUnavailableError(f"the state data exchange answered HTTP {response.status_code}")
        try:
            record = _record_from_json(response.json())
        except (ValueError, KeyError, TypeError, binascii.Error, IdentityError) as e:
            raise RegistryUnavailableError("the state data exchange sent a malformed voter record") from e
        if record.personal_number != personal_number:
            raise RegistryUnavailableError("the state data exchange answered for another personal number")
        return record


def _record_from_json(body: Any) -> VoterRecord:
    if not isinstance(body, dict):
        raise TypeError("the voter record is not a JSON object")
    return VoterRecord(
        personal_number=str(body["personal_number"]),
        surname=str(body["surname"]),
        given_name=str(body["given_name"]),
        patronymic=str(body.get("patronymic") or ""),
        birth_date=dt.date.fromisoformat(str(body["birth_date"])),
        region=str(body["region"]),
        district=str(body["district"]),
        precinct=str(body["precinct"]),
        face_template=FaceTemplate.from_bytes(base64.b64decode(str(body["face_template"]), validate=True)),
    )


def xroad_registry_from_settings(
    url: str,
    client: str,
    service: str,
    *,
    timeout_seconds: float,
    signing_seed: bytes | None,
) -> XRoadVoterRegistry:
    """The adapter that `identity.settings.IdentitySettings` selects with ``REGISTRY=xroad``."""
    key = Ed25519PrivateKey.from_private_bytes(signing_seed) if signing_seed is not None else None
    return XRoadVoterRegistry(url, XRoadClientId.parse(client), service, timeout=timeout_seconds, signing_key=key)
