"""The voter cabinet end to end: an application identified by the cabinet's own face check (the voting one, in a
session that claims no voting slot) or in person by a commission device moves the voter on the list (one
application per voter), before the election's deadline; the register counts on the board follow the move;
identification afterwards is refused in any other channel and gives the new ballot style; nothing personal reaches
the board. Without a matched face nobody applies or sees an application."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.storage import now_ms
from identity.liveness import Turn
from record.window import utc_text
from tests.browser import register_face_voter
from tests.identity.conftest import FacePhotos
from tests.identity.test_liveness import frames_for
from tests.server.harness import DEVICE_ID, OPERATOR, Election, attestation, personal_number
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


# --- identification for the cabinet by the face check ----------------------------------------------------------


@pytest.fixture(scope="module")
def photos(faces_dir: Path) -> FacePhotos:
    return FacePhotos(faces_dir)


def _face_voter(election: Election, photos: FacePhotos, serial: int = 800) -> tuple[str, str]:
    """A voter whose registry photo is the fixture face; her number and home ballot style."""
    style = election.manifest.ballot_styles[2]
    number = register_face_voter(
        election.components.registry,
        photos,
        personal_number(serial),
        region=style.region_id,
        district=style.district_ids[-1],
    )
    return number, style.style_id


def _identify(election: Election, number: str, photos: FacePhotos) -> Any:
    """The cabinet's face check: open a session, send the straight frame and one per head turn asked for."""
    started = election.http.post("/v1/cabinet/identification", json={"national_id": number})
    assert started.status_code == 201, started.text
    session = started.json()
    assert session["liveness_turns"]  # the same liveness challenge as for voting
    frames = frames_for(tuple(Turn(t) for t in session["liveness_turns"]), photos)
    evidence = {
        "frames_base64": [base64.b64encode(f).decode() for f in frames],
        "liveness_nonce": session["liveness_nonce"],
    }
    return election.http.post(f"/v1/cabinet/identification/{session['session_id']}/face", json=evidence)


@pytest.mark.faces
def test_a_voter_identified_by_her_face_applies_and_sees_her_application(
    election: Election, photos: FacePhotos
) -> None:
    number, home = _face_voter(election, photos)
    identified = _identify(election, number, photos)
    assert identified.status_code == 200, identified.text
    session = identified.json()["session_id"]
    assert identified.json()["identified"] is True and identified.json()["application"] is None
    none_yet = election.http.get(f"/v1/cabinet/identification/{session}/application")
    assert none_yet.status_code == 404 and none_yet.json()["code"] == "unknown_application"

    applied = election.http.post("/v1/cabinet/applications", json={"session_id": session, "destination": "app"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["ballot_style"] == "s-abroad" and applied.json()["identification_channel"] == "app"
    mine = election.http.get(f"/v1/cabinet/identification/{session}/application").json()
    assert mine == applied.json()
    # A second face check shows her the same application; she cannot apply twice.
    again = _identify(election, number, photos).json()
    assert again["application"]["application_code"] == applied.json()["application_code"]
    twice = election.http.post(
        "/v1/cabinet/applications", json={"session_id": again["session_id"], "destination": "app"}
    )
    assert twice.json()["code"] == "already_applied"

    # The cabinet claimed no voting slot and issued nothing; its face checks are audited as the cabinet's.
    issuer = election.components.registrar.issuer  # type: ignore[attr-defined]
    assert not issuer.is_identified(election.manifest.election_id, number)
    assert issuer.issued_count(election.manifest.election_id) == 0
    events = [(e.event, e.outcome, e.channel) for e in issuer.audit_log(election.manifest.election_id)]
    assert ("face_check", "matched", "cabinet") in events

    # The register counts follow her; on voting day the same face identifies her for voting, in the app only.
    election.admin("POST", "/v1/admin/register-counts")
    counts = election.components.board.entry(election.components.board.size - 1).payload["counts"]
    assert counts["s-abroad"] >= 1 and number not in election.http.get("/v1/board/export").text
    election.admin("POST", "/v1/admin/channels/open", json={"channels": ["app", "kiosk"]})
    client = election.voter_client()
    voting = client.start_identification(number, channel="app", method="face")
    result = client.submit_face(voting, frames_for(tuple(Turn(t) for t in voting.liveness_turns), photos))
    assert result.style_id == "s-abroad" and home != "s-abroad"


@pytest.mark.faces
def test_someone_elses_face_neither_applies_nor_sees_an_application(election: Election, photos: FacePhotos) -> None:
    """The face check is what lets her in: a voter registered with another face (the harness's synthetic
    templates) is refused with ``face_mismatch``, and the spent session opens nothing."""
    number = _number(election, 5)
    assert _apply(election, 5, "app").status_code == 200  # she applied in person; her application exists
    size = election.components.board.size
    refused = _identify(election, number, photos)
    assert refused.status_code == 403 and refused.json()["code"] == "face_mismatch"
    session_id = election.http.post("/v1/cabinet/identification", json={"national_id": number}).json()["session_id"]
    for spent in (session_id, "made-up-session-id"):
        looked = election.http.get(f"/v1/cabinet/identification/{spent}/application")
        assert looked.status_code == 404 and looked.json()["code"] == "session_invalid"
        applied = election.http.post("/v1/cabinet/applications", json={"session_id": spent, "destination": "app"})
        assert applied.json()["code"] == "session_invalid"
    assert election.components.board.size == size
    issuer = election.components.registrar.issuer  # type: ignore[attr-defined]
    events = [(e.event, e.outcome, e.channel) for e in issuer.audit_log(election.manifest.election_id)]
    assert ("face_check", "face_mismatch", "cabinet") in events


def test_an_application_needs_an_identification_and_one_only(election: Election) -> None:
    nobody = election.http.post("/v1/cabinet/applications", json={"destination": "app"})
    assert nobody.status_code == 403 and nobody.json()["code"] == "identification_failed"
    number = _number(election, 6)
    # A cabinet session waiting for its frames (no face matched yet) cannot apply: its state is sealed under the
    # frames purpose, not the identified one.
    waiting = election.http.post("/v1/cabinet/identification", json={"national_id": number}).json()["session_id"]
    early = election.http.post("/v1/cabinet/applications", json={"session_id": waiting, "destination": "app"})
    assert early.json()["code"] == "session_invalid"
    both = election.http.post(
        "/v1/cabinet/applications",
        json={"session_id": waiting, "destination": "app", "personal_number": number, "device_id": DEVICE_ID,
              "signature": "00" * 64},
    )  # fmt: skip
    assert both.status_code == 422 and both.json()["code"] == "invalid_application"
    bad_number = election.http.post("/v1/cabinet/identification", json={"national_id": "123"})
    assert bad_number.json()["code"] == "invalid_personal_number"
    paths = election.http.get("/openapi.json", headers=OPERATOR).json()["paths"]
    assert {"/v1/cabinet/identification", "/v1/cabinet/identification/{session_id}/face"} <= set(paths)
    assert "/v1/cabinet/identification/{session_id}/application" in paths


def test_failed_cabinet_face_checks_count_toward_the_voters_lockout_for_voting_too(election: Election) -> None:
    """The cabinet is no second source of guesses: its failures go to the same per-voter counter as voting's, so
    after ``max_failures_per_voter`` of them both the cabinet and the voting face check refuse her for a while."""
    from identity.errors import LockedOutError

    number = _number(election, 8)
    registrar = election.components.registrar
    limit = registrar.identity_settings.max_failures_per_voter  # type: ignore[attr-defined]
    for _ in range(limit):
        started = election.http.post("/v1/cabinet/identification", json={"national_id": number}).json()
        frames = [base64.b64encode(b"not an image %d" % i).decode() for i in range(1 + len(started["liveness_turns"]))]
        junk = {"frames_base64": frames, "liveness_nonce": started["liveness_nonce"]}
        failed = election.http.post(f"/v1/cabinet/identification/{started['session_id']}/face", json=junk)
        assert failed.json()["code"] == "image_invalid", failed.text
    locked = election.http.post("/v1/cabinet/identification", json={"national_id": number})
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    voting = registrar._face_service(election.manifest)  # type: ignore[attr-defined]
    with pytest.raises(LockedOutError):
        voting.start(election.manifest.election_id, number, "app", "198.51.100.7")
