"""`XRoadVoterRegistry` against a local simulator of the registrar's X-Road security server (Tunduk) on 127.0.0.1:
routing, client identifiers and access rights, signed requests (a missing, wrong-key or altered signature and a
replayed request are refused), the register's answers, provider failures, timeouts, and the settings that select
the adapter."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identity.errors import PersonalNumberError, RegistryUnavailableError, VoterNotFoundError
from identity.settings import IdentitySettings
from identity.xroad import XRoadClientId, XRoadVoterRegistry
from tests.identity.test_registry import voter
from tests.identity.xroad_simulator import XRoadSimulator

SERVICE = "KG/GOV/70000002/population/voter-by-pin"
CLIENT = XRoadClientId("KG", "GOV", "70000001", "shailoo")
STRANGER = XRoadClientId("KG", "COM", "123", "other")
VOTER = voter()
KEY = Ed25519PrivateKey.generate()
STRANGER_KEY = Ed25519PrivateKey.generate()


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


class Register:
    """The population register behind the security server; ``behaviour`` switches how it answers."""

    behaviour = "normal"

    def __call__(self, request: dict[str, Any]) -> tuple[int, Any]:
        pin = request.get("personal_number")
        if self.behaviour == "broken":
            raise RuntimeError("database down")
        if self.behaviour == "garbage":
            return 200, {"personal_number": pin, "surname": 5}
        if self.behaviour == "other_person":
            return 200, body_for(VOTER.personal_number[:-1] + "9")
        if pin == VOTER.personal_number:
            return 200, body_for(VOTER.personal_number)
        return 404, {"type": "NotFound"}


@pytest.fixture
def register() -> Register:
    return Register()


@pytest.fixture
def simulator(register: Register) -> Iterator[XRoadSimulator]:
    sim = XRoadSimulator(
        clients={CLIENT.header_value(): KEY.public_key(), STRANGER.header_value(): STRANGER_KEY.public_key()},
        services={SERVICE: register},
        access={(CLIENT.header_value(), SERVICE)},
    )
    sim.url = sim.start()  # type: ignore[attr-defined]
    yield sim
    sim.stop()


def _adapter(sim: XRoadSimulator, **kwargs: Any) -> XRoadVoterRegistry:
    options: dict[str, Any] = {"signing_key": KEY, **kwargs}
    client = options.pop("client", CLIENT)
    return XRoadVoterRegistry(sim.url, client, SERVICE, **options)  # type: ignore[attr-defined]


def test_lookup_is_a_signed_request_with_the_number_in_the_body(simulator: XRoadSimulator) -> None:
    assert _adapter(simulator).lookup(VOTER.personal_number) == VOTER
    (seen,) = simulator.seen
    assert seen.error is None and seen.path == f"/r1/{SERVICE}" and seen.client == "KG/GOV/70000001/shailoo"
    assert seen.body == {"personal_number": VOTER.personal_number} and VOTER.personal_number not in seen.path


def test_unsigned_request_is_refused(simulator: XRoadSimulator) -> None:
    with pytest.raises(RegistryUnavailableError, match=r"Client\.InvalidSignature"):
        _adapter(simulator, signing_key=None).lookup(VOTER.personal_number)


def test_request_signed_by_another_key_is_refused(simulator: XRoadSimulator) -> None:
    with pytest.raises(RegistryUnavailableError, match=r"Client\.InvalidSignature"):
        _adapter(simulator, signing_key=STRANGER_KEY).lookup(VOTER.personal_number)


def _raw_post(sim: XRoadSimulator, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{sim.url}/r1/{SERVICE}", content=body, headers=headers)  # type: ignore[attr-defined]


def test_altered_or_replayed_request_is_refused(simulator: XRoadSimulator) -> None:
    captured: list[httpx.Request] = []
    transport = httpx.HTTPTransport()

    class Capture(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            captured.append(request)
            return transport.handle_request(request)

    _adapter(simulator, http=httpx.Client(transport=Capture())).lookup(VOTER.personal_number)
    (sent,) = captured
    headers = {k: v for k, v in sent.headers.items() if k.lower().startswith("x-")}
    # The same signed request again: a replay.
    replay = _raw_post(simulator, sent.content, headers)
    assert replay.headers["X-Road-Error"] == "Client.DuplicateRequestId"
    # Another personal number under the first request's signature (fresh request id: only the body differs).
    headers["X-Shailoo-Request-Id"] = "00" * 16
    other = sent.content.replace(VOTER.personal_number.encode(), (VOTER.personal_number[:-1] + "8").encode())
    assert _raw_post(simulator, other, headers).headers["X-Road-Error"] == "Client.InvalidSignature"


def test_unknown_voter_is_voter_not_found(simulator: XRoadSimulator) -> None:
    with pytest.raises(VoterNotFoundError):
        _adapter(simulator).lookup(VOTER.personal_number[:-1] + "8")


def test_access_denied_for_another_client_is_registry_unavailable(simulator: XRoadSimulator) -> None:
    with pytest.raises(RegistryUnavailableError, match=r"Client\.AccessDenied"):
        _adapter(simulator, client=STRANGER, signing_key=STRANGER_KEY).lookup(VOTER.personal_number)


def test_unknown_service_is_registry_unavailable(simulator: XRoadSimulator) -> None:
    registry = XRoadVoterRegistry(simulator.url, CLIENT, SERVICE + "-v2", signing_key=KEY)  # type: ignore[attr-defined]
    with pytest.raises(RegistryUnavailableError, match=r"Client\.UnknownService"):
        registry.lookup(VOTER.personal_number)


@pytest.mark.parametrize("behaviour", ["broken", "garbage", "other_person"])
def test_failing_or_lying_service_is_registry_unavailable(
    simulator: XRoadSimulator, register: Register, behaviour: str
) -> None:
    register.behaviour = behaviour
    with pytest.raises(RegistryUnavailableError):
        _adapter(simulator).lookup(VOTER.personal_number)


def test_answer_not_through_a_security_server_is_refused(simulator: XRoadSimulator) -> None:
    simulator.strip_message_id = True
    with pytest.raises(RegistryUnavailableError, match="X-Road-Id"):
        _adapter(simulator).lookup(VOTER.personal_number)


def test_slow_security_server_times_out(simulator: XRoadSimulator) -> None:
    simulator.delay_seconds = 2.0
    started = time.monotonic()
    with pytest.raises(RegistryUnavailableError, match="in time"):
        _adapter(simulator, timeout=0.3).lookup(VOTER.personal_number)
    assert time.monotonic() - started < 1.5


def test_unreachable_service_is_registry_unavailable() -> None:
    registry = XRoadVoterRegistry("http://127.0.0.1:9", CLIENT, SERVICE, timeout=1.0)
    with pytest.raises(RegistryUnavailableError):
        registry.lookup(VOTER.personal_number)


def test_malformed_number_is_not_sent(simulator: XRoadSimulator) -> None:
    with pytest.raises(PersonalNumberError):
        _adapter(simulator).lookup("12345")
    assert simulator.seen == []


@pytest.mark.parametrize("part", ["", "a/b", "x" * 65, "ü"])
def test_bad_client_identifier_is_refused(part: str) -> None:
    with pytest.raises(ValueError):
        XRoadClientId("KG", "GOV", part, "shailoo")


def test_settings_select_the_adapter(simulator: XRoadSimulator) -> None:
    settings = IdentitySettings(
        registry="xroad",
        xroad_url=simulator.url,  # type: ignore[attr-defined]
        xroad_client=CLIENT.header_value(),
        xroad_service=SERVICE,
        xroad_signing_key=KEY.private_bytes_raw().hex(),
        xroad_timeout_seconds=2.0,
    )
    assert settings.xroad_registry().lookup(VOTER.personal_number) == VOTER


def test_incomplete_xroad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="XROAD_URL"):
        IdentitySettings(registry="xroad", xroad_client=CLIENT.header_value(), xroad_service=SERVICE)
    with pytest.raises(ValueError, match="XROAD_SIGNING_KEY"):
        IdentitySettings(
            registry="xroad",
            environment="staging",
            template_key="11" * 32,
            voter_hash_key="22" * 32,
            xroad_url="https://ss.example",
            xroad_client=CLIENT.header_value(),
            xroad_service=SERVICE,
        )


def test_the_server_uses_the_adapter_its_settings_select(simulator: XRoadSimulator, tmp_path: Any) -> None:
    from voting_server.components import build_components
    from voting_server.settings import Settings

    identity = IdentitySettings(
        registry="xroad",
        xroad_url=simulator.url,  # type: ignore[attr-defined]
        xroad_client=CLIENT.header_value(),
        xroad_service=SERVICE,
        xroad_signing_key=KEY.private_bytes_raw().hex(),
    )
    parts = build_components(
        Settings(database_url=f"sqlite:///{tmp_path / 'board.db'}", log_level="WARNING"), identity_settings=identity
    )
    try:
        assert isinstance(parts.registry, XRoadVoterRegistry)
        assert parts.registrar.registry.lookup(VOTER.personal_number) == VOTER
    finally:
        parts.stop()
        parts.storage.close()
