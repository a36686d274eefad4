"""`XRoadVoterRegistry` against a fake X-Road security server on 127.0.0.1 (started by the test)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from identity.errors import PersonalNumberError, RegistryUnavailableError, VoterNotFoundError
from identity.xroad import XRoadClientId, XRoadVoterRegistry
from tests.identity.test_registry import voter

SERVICE = "KG/GOV/70000002/population/voter-by-pin"
CLIENT = XRoadClientId("KG", "GOV", "70000001", "shailoo")
VOTER = voter()


def body_for(pin: str) -> dict[str, Any]:
    return {
        "personal_number": pin,
        "surname": VOTER.surname,
        "given_name": VOTER.given_name,
        "patronymic": VOTER.patronymic,
        "birth_date": VOTER.birth_date.isoformat(),
        "region": VOTER.region,
        "district": VOTER.district,
        "precinct": VOTER.precinct,
        "face_template": base64.b64encode(VOTER.face_template.to_bytes()).decode(),
    }


class FakeSecurityServer(BaseHTTPRequestHandler):
    """Answers like the population register behind X-Road would; ``behaviour`` switches failure modes."""

    behaviour = "normal"
    seen: ClassVar[list[tuple[str, str | None, dict[str, Any]]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append((self.path, self.headers.get("X-Road-Client"), request))
        if self.path != f"/r1/{SERVICE}" or self.headers.get("X-Road-Client") != CLIENT.header_value():
            self._send(403, {"type": "Client.AccessDenied"})
        elif self.behaviour == "broken":
            self._send(500, {"type": "Server.ServerProxy.ServiceFailed"})
        elif self.behaviour == "garbage":
            self._send(200, {"personal_number": request["personal_number"], "surname": 5})
        elif self.behaviour == "other_person":
            self._send(200, body_for(VOTER.personal_number[:-1] + "9"))
        elif request["personal_number"] == VOTER.personal_number:
            self._send(200, body_for(VOTER.personal_number))
        else:
            self._send(404, {"type": "NotFound"})


@pytest.fixture
def server() -> Iterator[str]:
    FakeSecurityServer.behaviour = "normal"
    FakeSecurityServer.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeSecurityServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_lookup_sends_the_client_header_and_the_number_in_the_body(server: str) -> None:
    registry = XRoadVoterRegistry(server, CLIENT, SERVICE)
    assert registry.lookup(VOTER.personal_number) == VOTER
    ((path, client, body),) = FakeSecurityServer.seen
    assert path == f"/r1/{SERVICE}" and client == "KG/GOV/70000001/shailoo"
    assert body == {"personal_number": VOTER.personal_number} and VOTER.personal_number not in path


def test_unknown_voter_is_voter_not_found(server: str) -> None:
    with pytest.raises(VoterNotFoundError):
        XRoadVoterRegistry(server, CLIENT, SERVICE).lookup(VOTER.personal_number[:-1] + "8")


def test_access_denied_for_another_client_is_registry_unavailable(server: str) -> None:
    stranger = XRoadClientId("KG", "COM", "123", "other")
    with pytest.raises(RegistryUnavailableError):
        XRoadVoterRegistry(server, stranger, SERVICE).lookup(VOTER.personal_number)


@pytest.mark.parametrize("behaviour", ["broken", "garbage", "other_person"])
def test_failing_or_lying_service_is_registry_unavailable(server: str, behaviour: str) -> None:
    FakeSecurityServer.behaviour = behaviour
    with pytest.raises(RegistryUnavailableError):
        XRoadVoterRegistry(server, CLIENT, SERVICE).lookup(VOTER.personal_number)


def test_unreachable_service_is_registry_unavailable() -> None:
    registry = XRoadVoterRegistry("http://127.0.0.1:9", CLIENT, SERVICE, timeout=1.0)
    with pytest.raises(RegistryUnavailableError):
        registry.lookup(VOTER.personal_number)


def test_malformed_number_is_not_sent(server: str) -> None:
    with pytest.raises(PersonalNumberError):
        XRoadVoterRegistry(server, CLIENT, SERVICE).lookup("12345")
    assert FakeSecurityServer.seen == []


@pytest.mark.parametrize("part", ["", "a/b", "x" * 65, "ü"])
def test_bad_client_identifier_is_refused(part: str) -> None:
    with pytest.raises(ValueError):
        XRoadClientId("KG", "GOV", part, "shailoo")
