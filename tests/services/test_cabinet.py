"""The voter cabinet end to end: an application identified by a commission device moves the voter on the list
(one application per voter), before the election's deadline; the register counts on the board follow the move;
identification afterwards is refused in any other channel and gives the new ballot style; nothing personal reaches
the board."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.storage import now_ms
from record.window import utc_text
from tests.server.harness import DEVICE_ID, OPERATOR, Election, attestation
from voting_server.cabinet import application_assertion, sign_application
from voting_server.identification import device_public_key


@pytest.fixture
def election(tmp_path: Path) -> Iterator[Election]:
    built = Election(tmp_path, policy={"applications_close": utc_text(now_ms() + 30 * 60_000)})
    built.load_manifest()
    built.key_ceremony()
    built.publish_issuer_keys()
    public = device_public_key(built.device_key).hex()
    built.admin("POST", "/v1/admin/devices", json={"device_id": DEVICE_ID, "public_key": public})
    registry = built.components.registry
    records = [built._voter_record(i) for i in range(built.registered)]
    registry.add_all(records)  # type: ignore[attr-defined]
    built._on_register = built.registered
    yield built
    built.close()


def _number(election: Election, i: int) -> str:
    return election._voter_record(i).personal_number


def _apply(
    election: Election,
    i: int,
    destination: str,
    precinct_id: str | None = None,
    *,
    key: Ed25519PrivateKey | None = None,
    signed_destination: str | None = None,
) -> Any:
    number = _number(election, i)
    assertion = application_assertion(
        election_id=election.manifest.election_id,
        personal_number=number,
        destination=signed_destination or destination,
        precinct_id=precinct_id,
        device_id=DEVICE_ID,
    )
    signature = sign_application(key or election.device_key, assertion).hex()
    body = {
        "personal_number": number,
        "destination": destination,
        "precinct_id": precinct_id,
        "device_id": DEVICE_ID,
        "signature": signature,
    }
    return election.http.post("/v1/cabinet/applications", json=body)


def _home_style(election: Election, i: int) -> str:
    return election.manifest.ballot_styles[i % len(election.manifest.ballot_styles)].style_id


def test_application_moves_the_voter_and_the_register_counts_follow(election: Election) -> None:
    styles = election.manifest.ballot_styles
    # Voter 0 to the app abroad; voter 1 to a precinct of another region.
    app = _apply(election, 0, "app")
    assert app.status_code == 200, app.text
    assert app.json()["ballot_style"] == "s-abroad" and app.json()["identification_channel"] == "app"
    other = next(p for p in election.manifest.precincts if p.region_id != styles[1].region_id)
    moved = _apply(election, 1, "precinct", other.precinct_id).json()
    assert moved["ballot_style"] == f"s-{other.region_id}" and moved["identification_channel"] is None
    status = election.http.get(f"/v1/cabinet/applications/{app.json()['application_code']}").json()
    assert status["destination"] == "app"

    election.admin("POST", "/v1/admin/register-counts")
    counts = election.components.board.entry(election.components.board.size - 1).payload["counts"]
    expected = {s.style_id: 0 for s in styles}
    for i in range(election.registered):
        expected[_home_style(election, i)] += 1
    expected[_home_style(election, 0)] -= 1
    expected["s-abroad"] += 1
    expected[_home_style(election, 1)] -= 1
    expected[f"s-{other.region_id}"] += 1
    assert counts == expected

    # Nothing personal on the board: no personal number of an applicant.
    export = election.http.get("/v1/board/export").text
    assert _number(election, 0) not in export and _number(election, 1) not in export

    # After the count the cabinet is closed.
    late = _apply(election, 2, "app")
    assert late.status_code == 409 and late.json()["code"] == "applications_closed"

    # Voting: each applicant is identifiable in her one channel, with her new ballot style.
    election.admin("POST", "/v1/admin/channels/open", json={"channels": ["app", "kiosk"]})
    client = election.voter_client()
    refused = election.http.post(
        "/v1/identification/sessions",
        json={"national_id": _number(election, 0), "channel": "kiosk", "method": "attestation"},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "wrong_channel"
    paper_only = election.http.post(
        "/v1/identification/sessions",
        json={"national_id": _number(election, 1), "channel": "app", "method": "attestation"},
    )
    assert paper_only.json()["code"] == "wrong_channel"
    session = client.start_identification(_number(election, 0), channel="app")
    identified = client.submit_attestation(
        session.session_id,
        attestation(election.manifest, election.device_key, _number(election, 0), session.session_id),
    )
    assert identified.style_id == "s-abroad"


def test_one_application_per_voter(election: Election) -> None:
    assert _apply(election, 0, "app").status_code == 200
    again = _apply(election, 0, "kiosk", election.manifest.precincts[0].precinct_id)
    assert again.status_code == 409 and again.json()["code"] == "already_applied"


def test_forged_or_altered_applications_are_refused_and_change_nothing(election: Election) -> None:
    forged = _apply(election, 0, "app", key=Ed25519PrivateKey.generate())  # another device's key
    assert forged.status_code == 422 and forged.json()["code"] == "invalid_signature"
    precinct = election.manifest.precincts[0].precinct_id
    altered = _apply(election, 0, "precinct", precinct, signed_destination="kiosk")  # destination changed
    assert altered.json()["code"] == "invalid_signature"
    assert _apply(election, 0, "kiosk", "nowhere").json()["code"] == "unknown_id"
    assert _apply(election, 0, "kiosk").json()["code"] == "invalid_application"
    # None of them moved the voter: her application still goes through.
    assert _apply(election, 0, "app").status_code == 200


def test_applications_after_the_deadline_are_refused(election: Election) -> None:
    election.clock.offset_ms = 31 * 60_000
    late = _apply(election, 0, "app")
    assert late.status_code == 409 and late.json()["code"] == "applications_closed"
    assert "/v1/cabinet/applications" in election.http.get("/openapi.json", headers=OPERATOR).json()["paths"]


@pytest.mark.parametrize(("lang", "title", "accepted"), [("ky", "Шайлоочунун кабинети", "кабыл алынды"),
                                                         ("ru", "Кабинет избирателя", "принято"),
                                                         ("en", "Voter cabinet", "accepted")])  # fmt: skip
def test_status_page_in_each_language(election: Election, lang: str, title: str, accepted: str) -> None:
    code = _apply(election, 3, "app").json()["application_code"]
    page = election.http.get(f"/cabinet?lang={lang}&code={code}")
    assert page.status_code == 200 and title in page.text and accepted in page.text
    assert _number(election, 3) not in page.text
    missing = election.http.get(f"/cabinet?lang={lang}&code=A-0000000000000000")
    assert missing.status_code == 404 and "unknown_application" in missing.text


def test_status_page_in_the_browser(election: Election) -> None:
    import socket
    import threading
    import time

    import uvicorn

    from tests.observer.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, _need_chromium

    _need_chromium()
    playwright = pytest.importorskip("playwright.sync_api")
    code = _apply(election, 4, "consulate", election.manifest.precincts[-1].precinct_id).json()["application_code"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(election.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    artifacts = Path(__file__).resolve().parents[2] / "artifacts" / "services"
    artifacts.mkdir(parents=True, exist_ok=True)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 800, "height": 500})
            for lang in ("ky", "ru", "en"):
                page.goto(f"http://127.0.0.1:{port}/cabinet?lang={lang}")
                page.fill("#code", code)
                page.click("button")
                page.wait_for_selector("#status")
                page.screenshot(path=str(artifacts / f"cabinet-{lang}.png"), full_page=True)
            assert "kiosk" in page.inner_text("#status") or "consulate" in page.inner_text("#status")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
