"""The voter cabinet in Debian's Chromium (Playwright), against the voting server on loopback: the status page by
code in ky/ru/en, and the apply page's face step — personal number, a fake camera playing the fixture photographs
with the head turns the server asked for, the match, the application — and a face that is not hers refused with
nothing written. axe-core reports no violation on any screen; every request stays on the server's origin;
screenshots go to ``artifacts/services/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulletin_board.storage import now_ms
from identity.liveness import Turn
from record.window import utc_text
from tests.browser import (
    FAKE_CAMERA_ARGS,
    Screens,
    chromium,
    need_chromium,
    only_loopback,
    record_requests,
    register_face_voter,
    serve_app,
)
from tests.identity.conftest import FacePhotos
from tests.identity.test_liveness import frames_for
from tests.server.harness import Election, personal_number
from tests.services.test_cabinet import _apply
from tests.web.camera import write_pose_video
from tests.web.node import ensure_packages


@pytest.fixture(scope="module")
def photos(faces_dir: Path) -> FacePhotos:
    return FacePhotos(faces_dir)


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    from tests.server.harness import DEVICE_ID
    from voting_server.identification import device_public_key

    need_chromium()
    ensure_packages()  # axe-core
    deadline = utc_text(now_ms() + 3_600_000)
    built = Election(tmp_path_factory.mktemp("cabinet-web"), policy={"applications_close": deadline})
    built.load_manifest()
    built.key_ceremony()
    built.publish_issuer_keys()
    public = device_public_key(built.device_key).hex()
    built.admin("POST", "/v1/admin/devices", json={"device_id": DEVICE_ID, "public_key": public})
    built.components.registry.add_all([built._voter_record(i) for i in range(built.registered)])  # type: ignore[attr-defined]
    built._on_register = built.registered
    yield built
    built.close()


@pytest.fixture(scope="module")
def base_url(election: Election) -> Iterator[str]:
    with serve_app(election.app, lifespan="off") as url:
        yield url


def test_status_page_in_each_language(election: Election, base_url: str) -> None:
    code = _apply(election, 4, "consulate", election.manifest.precincts[-1].precinct_id).json()["application_code"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 800, "height": 600})
        requests = record_requests(page)
        screens = Screens(page, "services")
        for lang in ("ky", "ru", "en"):
            page.goto(f"{base_url}/cabinet?lang={lang}")
            page.fill("#code", code)
            page.click("main button")
            page.wait_for_selector("#status")
            screens.check(f"cabinet-status-{lang}")
        assert "consulate" in page.inner_text("#status")
        page.goto(f"{base_url}/cabinet?lang=ru&code=A-0000000000000000")
        assert "unknown_application" in page.inner_text("#error")
        screens.check("cabinet-status-unknown-ru")
        only_loopback(requests, base_url)


def _face_step(page: Any, screens: Screens, base_url: str, number: str, video: Path, photos: FacePhotos) -> None:
    """Personal number, then the camera playing straight + the turns the server asked for."""
    page.goto(f"{base_url}/cabinet/apply?lang=en")
    page.fill("#pin", number)
    page.click("#start")
    page.wait_for_selector("#step-camera:not([hidden])")
    turns = page.eval_on_selector_all("#turns li", "items => items.map(li => li.dataset.turn)")
    assert turns[0] == "center" and len(turns) >= 2
    write_pose_video(video, frames_for(tuple(Turn(t) for t in turns[1:]), photos))
    screens.check("cabinet-apply-02-camera-en")
    page.click("#camera-on")
    page.wait_for_selector("#pose[data-turn]")
    screens.shot("cabinet-apply-03-capture-en")


@pytest.mark.faces
@pytest.mark.slow
def test_a_voter_abroad_identifies_by_face_and_applies(
    election: Election, base_url: str, photos: FacePhotos, tmp_path: Path
) -> None:
    style = election.manifest.ballot_styles[1]
    number = register_face_voter(
        election.components.registry, photos, personal_number(810), region=style.region_id,
        district=style.district_ids[-1],
    )  # fmt: skip
    stranger = election._voter_record(7).personal_number  # registered with a face that is not the fixture's
    video = tmp_path / "camera.y4m"
    write_pose_video(video, frames_for((), photos))  # replaced once the server has named the turns
    size = election.components.board.size
    with chromium([*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]) as browser:
        context = browser.new_context(viewport={"width": 420, "height": 860}, locale="en-GB")
        context.grant_permissions(["camera"], origin=base_url)
        page = context.new_page()
        requests = record_requests(page)
        screens = Screens(page, "services")
        for lang in ("ky", "ru"):
            page.goto(f"{base_url}/cabinet/apply?lang={lang}")
            screens.check(f"cabinet-apply-01-number-{lang}")

        # Someone else's face: refused with its code, nothing written, no session to apply with.
        _face_step(page, screens, base_url, stranger, video, photos)
        page.wait_for_selector("#error:not([hidden])", timeout=60_000)
        assert page.get_attribute("#error", "data-code") == "face_mismatch"
        assert page.is_hidden("#step-apply")
        screens.check("cabinet-apply-04-mismatch-en")

        # Her own face: identified, she applies to vote at a consulate.
        _face_step(page, screens, base_url, number, video, photos)
        page.wait_for_selector("#step-apply:not([hidden])", timeout=60_000)
        assert page.is_hidden("#number-form") and page.input_value("#pin") == ""  # her number leaves the screen
        screens.check("cabinet-apply-05-identified-en")
        consulate = election.manifest.precincts[-1].precinct_id
        page.check("input[value=consulate]")
        page.select_option("#precinct", consulate)
        page.click("#apply")
        page.wait_for_selector("#step-status:not([hidden])")
        code = page.inner_text("#application-code")
        assert consulate in page.inner_text("#status")
        screens.check("cabinet-apply-06-applied-en")
        context.close()
    only_loopback(requests, base_url)

    status = election.http.get(f"/v1/cabinet/applications/{code}").json()
    assert status["destination"] == "consulate" and status["identification_channel"] == "kiosk"
    assert election.components.board.size == size  # nothing on the board; no voting slot taken
    issuer = election.components.registrar.issuer  # type: ignore[attr-defined]
    assert not issuer.is_identified(election.manifest.election_id, number)
    assert not issuer.is_identified(election.manifest.election_id, stranger)


def test_apply_page_is_served_with_a_strict_content_security_policy(election: Election) -> None:
    page = election.http.get("/cabinet/apply?lang=ky")
    assert page.status_code == 200 and 'src="/cabinet/apply.js"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page.text and "style=" not in page.text  # nothing inline for the policy to forbid
    script = election.http.get("/cabinet/apply.js")
    assert script.headers["content-type"].startswith("text/javascript") and "/v1/cabinet/identification" in script.text
