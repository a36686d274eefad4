"""A migrant's whole path in the voter app, in Debian's Chromium (Playwright) at a phone's size, against the voting
server on loopback: personal number → the camera (a fake camera playing the fixture photographs) and the head turns
→ the blind-signed credential → the ballot → review → encrypt → challenge (opened on the phone) → encrypt again →
cast → receipt with the tracking code and a QR code of the public tracking page → the tracking page → re-vote.

axe-core (npm) reports no violation on any screen; every request goes to the server's own origin; screenshots of
every screen go to ``artifacts/web/`` (ignored by git). Chromium comes from the Debian package; Playwright never
downloads a browser. Without /usr/bin/chromium, node or the face fixtures the test is skipped locally and fails in
CI (CI=true).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from identity.liveness import Turn
from tests.browser import (
    FAKE_CAMERA_ARGS,
    Screens,
    chromium,
    need_chromium,
    only_loopback,
    register_face_voter,
    serve_app,
)
from tests.identity.conftest import FacePhotos
from tests.identity.test_liveness import frames_for
from tests.server.harness import Election, personal_number
from tests.web.camera import write_pose_video
from tests.web.node import ensure_packages

PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def photos(faces_dir: Path) -> FacePhotos:
    return FacePhotos(faces_dir)


def _election(tmp_path_factory: pytest.TempPathFactory, preset: str) -> Election:
    need_chromium()
    ensure_packages()
    return Election(tmp_path_factory.mktemp(f"web-{preset}"), preset=preset).setup_to_voting()


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    e = _election(tmp_path_factory, "president")
    yield e
    e.close()


@pytest.fixture(scope="module")
def election_2021(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    e = _election(tmp_path_factory, "parliament-2021")
    yield e
    e.close()


@contextmanager
def _serve(election: Election) -> Iterator[str]:
    # The app's components are already running (the harness started them): uvicorn only serves HTTP.
    with serve_app(election.app, lifespan="off") as url:
        yield url


@pytest.fixture(scope="module")
def base_url(election: Election) -> Iterator[str]:
    with _serve(election) as url:
        yield url


def _register_face_voter(election: Election, photos: FacePhotos) -> str:
    style = election.manifest.ballot_styles[0]
    return register_face_voter(
        election.components.registry,
        photos,
        personal_number(700),
        region=style.region_id,
        district=style.district_ids[-1],
        surname="Migrant",
    )


@contextmanager
def _phone(base_url: str, video: Path, requests: list[str]) -> Iterator[Any]:
    """A phone-sized page in Chromium whose camera plays ``video``; every request URL goes into ``requests``."""
    with chromium([*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]) as browser:
        context = browser.new_context(**PHONE, locale="ky-KG")
        context.grant_permissions(["camera"], origin=base_url)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        try:
            yield page
        finally:
            context.close()


def _identify(page: Any, screens: Screens, base_url: str, number: str, video: Path, photos: FacePhotos) -> str:
    """Personal number, camera with the head turns the server asked for, credential; returns its fingerprint."""
    page.goto(f"{base_url}/app/")
    page.wait_for_selector("[data-screen=welcome]")
    screens.check("01-welcome-ky")
    # Installable: the manifest is served and the service worker controls /app/.
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == f"{base_url}/app/"
    manifest = page.evaluate("async () => (await fetch('manifest.webmanifest')).json()")
    assert manifest["display"] == "standalone" and manifest["start_url"] == "./"
    page.click("nav button[aria-pressed]")  # large text on, and off again
    assert page.evaluate("() => document.documentElement.classList.contains('large')")
    screens.check("01b-welcome-large-ky")
    page.click("nav button[aria-pressed]")
    page.select_option("#lang", "en")
    page.fill("#pin", number)
    page.click("#start")

    page.wait_for_selector("[data-screen=camera]")
    turns = page.eval_on_selector_all("#turns li", "items => items.map(li => li.dataset.turn)")
    assert turns[0] == "center" and len(turns) >= 2
    write_pose_video(video, frames_for(tuple(Turn(t) for t in turns[1:]), photos))
    screens.check("02-camera-en")
    page.click("#camera-on")
    page.wait_for_selector("[data-screen=capture]")
    page.wait_for_selector("#pose[data-turn]")
    screens.shot("03-capture-en")

    page.wait_for_selector("#fingerprint", timeout=60_000)
    fingerprint: str = page.inner_text("#fingerprint")
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", fingerprint), fingerprint  # 80 bits, record.md §2.6
    screens.check("04-credential-en")
    page.click("#to-ballot")
    return fingerprint


@pytest.mark.faces
@pytest.mark.slow
def test_a_migrant_votes_from_her_phone(election: Election, base_url: str, photos: FacePhotos, tmp_path: Path) -> None:
    number = _register_face_voter(election, photos)
    video = tmp_path / "camera.y4m"
    write_pose_video(video, frames_for((), photos))  # replaced once the server has named the turns
    requests: list[str] = []
    with _phone(base_url, video, requests) as page:
        screens = Screens(page, "web", "president")
        fingerprint = _identify(page, screens, base_url, number, video, photos)
        page.wait_for_selector("[data-screen=ballot]")
        page.select_option("#lang", "ru")
        page.select_option("#lang", "en")
        page.wait_for_selector("[data-screen=ballot]")
        screens.check("05-ballot-en")
        first = page.locator("fieldset.contest").first
        first.locator("input").nth(1).check()
        chosen = first.locator("label").nth(1).inner_text()
        page.click("#review")

        page.wait_for_selector("[data-screen=review]")
        assert chosen in page.inner_text("dl.choices")
        screens.check("06-review-en")
        page.click("#encrypt")
        page.wait_for_selector("[data-screen=encrypted]", timeout=60_000)
        first_code = page.inner_text("#tracking-code")
        screens.check("07-encrypted-en")

        page.click("#challenge")
        page.wait_for_selector("[data-screen=challenged]", timeout=30_000)
        assert chosen in page.inner_text("dl.choices")  # what the published ballot decrypts to, opened on the phone
        assert page.inner_text("#challenged-code") == first_code
        assert election.http.get(f"/v1/receipts/{first_code}").json()["kind"] == "spoiled_ballot"
        screens.check("08-challenged-en")
        page.click("#again")

        page.wait_for_selector("[data-screen=review]")
        page.click("#encrypt")
        page.wait_for_selector("[data-screen=encrypted]", timeout=60_000)
        second_code = page.inner_text("#tracking-code")
        assert second_code != first_code  # a fresh encryption
        page.uncheck("#delay")
        # The link drops as she casts: the nonces are already gone, the app says the server is unreachable, and
        # the same ballot is sent again when the link returns (no challenge of it is offered any more).
        page.context.set_offline(True)
        page.click("#cast")
        page.wait_for_selector(".error[data-code=server_down]", timeout=30_000)
        assert page.locator("#challenge").count() == 0
        assert page.is_visible("#offline")
        screens.check("09a-cast-offline-en")
        page.context.set_offline(False)
        page.click("#cast")
        page.wait_for_selector("[data-screen=receipt]", timeout=30_000)
        assert page.inner_text("#receipt-code") == second_code
        assert page.inner_text("#receipt-fingerprint") == fingerprint
        assert election.http.get(f"/v1/receipts/{second_code}").json()["kind"] == "ballot"
        assert page.locator("svg.qr path").count() == 1
        # The board signs a tree head covering the ballot; the phone checks the inclusion proof itself.
        election.components.board.integrate()
        page.wait_for_selector("#inclusion[data-state=ok]", timeout=30_000)
        screens.check("09-receipt-en")

        href = page.get_attribute("#tracking-link", "href")
        assert href is not None and href.startswith(f"{base_url}/observe/track?") and second_code in href

        # Re-voting (the presidential preset allows it): a new ballot with the same credential.
        page.click("#revote")
        page.wait_for_selector("[data-screen=ballot]")
        page.locator("fieldset.contest").first.locator("input").nth(0).check()
        page.click("#review")
        page.click("#encrypt")
        page.wait_for_selector("[data-screen=encrypted]", timeout=60_000)
        third_code = page.inner_text("#tracking-code")
        page.uncheck("#delay")
        page.click("#cast")
        page.wait_for_selector("[data-screen=receipt]", timeout=30_000)
        assert page.inner_text("#receipt-code") == third_code

        response = page.goto(href)
        assert response is not None and response.status == 200
        assert second_code in page.content()
        screens.shot("10-tracking-page-en")
    only_loopback(requests, base_url)


@pytest.mark.faces
@pytest.mark.slow
def test_the_2021_ballot_party_list_with_one_preference_and_against_all(
    election_2021: Election, photos: FacePhotos, tmp_path: Path
) -> None:
    """The 1,156-selection party list: party 3 with a preference for its 7th candidate; "against all" in the
    district; the challenge shows exactly that, opened on the phone; then the cast."""
    number = _register_face_voter(election_2021, photos)
    video = tmp_path / "camera.y4m"
    write_pose_video(video, frames_for((), photos))
    requests: list[str] = []
    with _serve(election_2021) as base_url, _phone(base_url, video, requests) as page:
        screens = Screens(page, "web", "parliament-2021")
        _identify(page, screens, base_url, number, video, photos)
        page.wait_for_selector("[data-screen=ballot]")
        lists = page.locator("fieldset[data-contest=party-list]")
        lists.locator("input[value=p03]").check()
        lists.locator("select:not([disabled])").select_option("p03#7")
        district = page.locator("fieldset.contest").nth(1)
        district.locator("input[value=against_all]").check()
        party = lists.locator("input[value=p03] + label").inner_text()
        candidate = lists.locator("select:not([disabled]) option:checked").inner_text()
        against = district.locator("input[value=against_all] + label").inner_text()
        screens.check("05-ballot-2021-en")
        page.click("#review")
        page.wait_for_selector("[data-screen=review]")
        chosen = page.inner_text("dl.choices")
        assert party in chosen and candidate in chosen and against in chosen
        screens.check("06-review-2021-en")
        page.click("#encrypt")
        page.wait_for_selector("#encrypt-progress")
        page.wait_for_selector("[data-screen=encrypted]", timeout=120_000)
        page.click("#challenge")
        page.wait_for_selector("[data-screen=challenged]", timeout=60_000)
        assert page.inner_text("dl.choices") == chosen  # the published ballot opens to exactly the reviewed marks
        screens.check("08-challenged-2021-en")
        page.click("#again")
        page.click("#encrypt")
        page.wait_for_selector("[data-screen=encrypted]", timeout=120_000)
        code = page.inner_text("#tracking-code")
        page.uncheck("#delay")
        page.click("#cast")
        page.wait_for_selector("[data-screen=receipt]", timeout=60_000)
        assert page.inner_text("#receipt-code") == code
        assert election_2021.http.get(f"/v1/receipts/{code}").json()["kind"] == "ballot"
        screens.check("09-receipt-2021-en")
    only_loopback(requests, base_url)


def test_app_is_served_with_a_strict_content_security_policy(election: Election) -> None:
    response = election.http.get("/app/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert election.http.get("/app/..%2Fpyproject.toml").status_code == 404
    assert election.http.get("/app/app.js").headers["content-type"].startswith("text/javascript")
