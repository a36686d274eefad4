"""`XRoadVoterRegistry`: the voter registry reached through the state data exchange (X-Road-style REST).

An X-Road REST call goes to the client's own security server: ``POST {base_url}/r1/{service_id}`` where
``service_id = INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]``, and names the caller in the header
``X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM``. Shailoo sends the personal number in a JSON body
(``{"personal_number": "..."}``), not in the URL, so it does not land in access logs along the way.

The answer Shailoo expects (UNVERIFIED against the real population-register service, whose schema is agreed
with its owner; adapt `_record_from_json` when it is known): ``200`` with ``personal_number, surname, given_name,
patronymic, birth_date (YYYY-MM-DD), region, district, precinct, face_template (base64 of the template bytes)``;
``404`` when nobody has the number. Anything else is `RegistryUnavailableError`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final

import httpx

from identity.errors import IdentityError, RegistryUnavailableError, VoterNotFoundError
from identity.face import FaceTemplate
from identity.personal_number import parse_personal_number
from identity.registry import VoterRecord

_IDENTIFIER_PART: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


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
    ) -> None:
        if not all(_IDENTIFIER_PART.match(p) for p in service_path.strip("/").split("/")):
            raise ValueError("service_path must be INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/...]")
        self._url = f"{base_url.rstrip('/')}/r1/{service_path.strip('/')}"
        self._client = client
        self._http = http or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def lookup(self, personal_number: str) -> VoterRecord:
        parse_personal_number(personal_number)  # never send garbage to the state exchange
        headers = {"X-Road-Client": self._client.header_value(), "Accept": "application/json"}
        try:
            response = self._http.post(self._url, json={"personal_number": personal_number}, headers=headers)
        except httpx.HTTPError as e:
            raise RegistryUnavailableError("the state data exchange did not answer") from e
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
