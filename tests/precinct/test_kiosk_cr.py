"""Registration with fake credentials at a kiosk (TRIP-like; precinct/kiosk.py, docs/precinct.md "Registration
with fake credentials"): after identification the kiosk obtains the voter's real credential and prints it on the
80 mm roll (QR code of the credential + check code), prints on request fakes that look exactly the same, and keeps
no credential secret after printing. A coercer given a printed fake and the real one cannot tell them apart by any
field; a ballot cast with a printed fake is dropped as a fake by the tally."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pytest

from mobile_api.client import CrCredential, VoterClient
from precinct.devices import DeviceIdentity, register_device
from precinct.errors import KioskSessionError
from precinct.kiosk import CrSlip, Kiosk
from precinct.outbox import Outbox
from precinct.printing import credential_qr
from tests.precinct.day import PRECINCT, style_of
from tests.security.test_vote_buying import reachable_ints
from tests.server.harness import Election
from trustees.cr_in_process import WorkingTrustee, run_cr_tally
from voting_server.cr_api import cr_base_hash

CR_POLICY = {"mode": "coercion_resistant", "mixing_trustees_required": 2}
KIOSK = f"kiosk-{PRECINCT}-1"
PIN = "2468"


@pytest.fixture
def cr_kiosk(tmp_path: Path) -> Iterator[tuple[Election, Kiosk]]:
    election = Election(tmp_path, policy=CR_POLICY)
    try:
        election.load_manifest()
        election.key_ceremony()
        identity = DeviceIdentity.generate(KIOSK, "kiosk", PRECINCT)
        register_device(election.components.board, election.manifest, identity.record())
        election.open_voting()
        client = VoterClient(election.http)
        yield election, Kiosk(identity, client, Outbox(tmp_path / "kiosk.sqlite3"), poll_worker_pin=PIN)
    finally:
        election.close()


def identify(election: Election, kiosk: Kiosk) -> None:
    number, _ = election.register_voter(style_of(election.manifest, PRECINCT))
    kiosk.begin(number)
    kiosk.identify_here()


def kiosk_ints(kiosk: Kiosk) -> set[int]:
    """Every integer reachable from the kiosk's own state and its client's (not the HTTP connection to the server,
    whose far end is the registrar): what someone who takes the kiosk after the voter left could read."""
    client = {k: v for k, v in vars(kiosk.client).items() if k != "http"}
    own = {k: v for k, v in vars(kiosk).items() if k != "client"}
    return reachable_ints([own, client, kiosk.current])


def secret_forms(value: int) -> list[bytes]:
    raw = value.to_bytes(32, "big")
    return [raw, raw.hex().encode(), raw.hex().upper().encode()]


def masked(slip: CrSlip) -> dict[str, Any]:
    """Every field of a slip with its random values (check code, the credential's text) replaced by their length."""
    return {k: (len(v) if k in ("check_code", "payload") else v) for k, v in asdict(slip).items()}


def public_fields(credential: CrCredential) -> dict[str, Any]:
    """Every field of a credential but its secret and its proof (random values)."""
    return {f.name: getattr(credential, f.name) for f in fields(credential) if f.name not in ("secret", "proof")}


def test_real_and_fake_slips_look_the_same_and_the_tally_drops_the_fakes(
    cr_kiosk: tuple[Election, Kiosk],
) -> None:
    election, kiosk = cr_kiosk
    identify(election, kiosk)
    real_slip = kiosk.print_cr_credential()
    fake_slips = [kiosk.print_cr_fake() for _ in range(2)]
    kiosk.finish_cr_registration()
    view = kiosk.client.election()
    real = CrCredential.from_text(real_slip.payload)
    fakes = [CrCredential.from_text(s.payload) for s in fake_slips]

    for slip, credential in zip(fake_slips, fakes, strict=True):
        # The printed fields: equal but for the random ones, which have equal lengths.
        assert masked(slip) == masked(real_slip)
        assert slip.check_code != real_slip.check_code and slip.check_code == credential.check_code
        for language in ("ky", "ru", "en"):
            real_lines, fake_lines = real_slip.lines(language), slip.lines(language)
            assert [len(line) for line in fake_lines] == [len(line) for line in real_lines]
            assert [line.replace(slip.check_code, "*") for line in fake_lines] == [
                line.replace(real_slip.check_code, "*") for line in real_lines
            ]
        # The credential the QR code holds: every field equal but the secret and the proof, which are random
        # values of the same sizes; the proof passes the coercer's check exactly as the real one does.
        assert public_fields(credential) == public_fields(real)
        assert len(credential.proof.to_bytes()) == len(real.proof.to_bytes())
        assert credential.secret != real.secret
        credential.check(view)
        # The QR code's size, and the printed page: the PDF is a function of these fields alone (no time), on the
        # same 80 mm page.
        assert credential_qr(slip.payload).version == credential_qr(real_slip.payload).version
        pdf = slip.pdf()
        assert pdf == slip.pdf()  # the same slip prints to the same bytes: nothing else goes on it
        assert re.findall(rb"/MediaBox \[[^\]]*\]", pdf) == re.findall(rb"/MediaBox \[[^\]]*\]", real_slip.pdf())
    real.check(view)
    # No proof value is fixed or shared (a fake marked by a constant in its simulated proof would show here):
    # every component of every slip's proof differs from the same component of every other.
    proofs = [c.proof for c in (real, *fakes)]
    for name in ("a1", "a2", "b", "challenge_a", "response_a", "response_b"):
        assert len({getattr(p, name).to_bytes() for p in proofs}) == len(proofs), name

    # The voter casts with her real credential; the coercer casts with both fakes he was handed.
    voter = VoterClient(election.http)
    contests = election.manifest.ballot_styles[0].contest_ids
    voter.cast_cr(real, dict.fromkeys(contests, 1))
    for fake in fakes:
        VoterClient(election.http).cast_cr(fake, dict.fromkeys(contests, 0))

    election.close_voting()
    state = election.components.election.state()
    assert state.joint_key is not None
    trustees = [WorkingTrustee.from_store(election.trustee_stores[j - 1]) for j in (1, 3, 5)]
    base = cr_base_hash(election.components.election)
    _, result = run_cr_tally(election.components.board, election.manifest, base, state.joint_key, trustees)
    assert (result["ballots"], result["kept"], result["unmatched"]) == (3, 1, 2)
    for contest_id in contests:
        size = len(election.manifest.contest(contest_id).selections)
        assert result["counts"][contest_id] == [1 if i == 1 else 0 for i in range(size)]


def test_the_kiosk_keeps_no_credential_secret_after_printing(cr_kiosk: tuple[Election, Kiosk], tmp_path: Path) -> None:
    """Erasure: the real secret leaves the kiosk's memory when its slip is made (`print_cr_credential`), a fake's
    is never kept, and d (which makes fakes) goes at `finish_cr_registration`; nothing of them is in the outbox."""
    election, kiosk = cr_kiosk
    identify(election, kiosk)
    session = kiosk.current
    assert session is not None and session.cr_credential is not None and session.cr_registration is not None
    real_secret = int(session.cr_credential.secret)
    position = session.cr_registration.position
    device = int(kiosk.client.cr_device_secret(position))
    assert {real_secret, device} <= kiosk_ints(kiosk)  # before printing both are there: the search works

    real_slip = kiosk.print_cr_credential()
    assert real_secret == int(CrCredential.from_text(real_slip.payload).secret)
    del real_slip
    assert real_secret not in kiosk_ints(kiosk), "the real credential's secret stayed in the kiosk after printing"
    fake_secret = int(CrCredential.from_text(kiosk.print_cr_fake().payload).secret)
    assert fake_secret not in kiosk_ints(kiosk)
    assert device in kiosk_ints(kiosk)  # more fakes can be printed until the voter leaves

    kiosk.finish_cr_registration()
    left = kiosk_ints(kiosk)
    assert not {real_secret, fake_secret, device} & left, "a credential secret or d stayed in the kiosk"
    data = (tmp_path / "kiosk.sqlite3").read_bytes()
    assert not [f for v in (real_secret, fake_secret, device) for f in secret_forms(v) if f in data]
    with pytest.raises(KioskSessionError):  # the session is gone: no more fakes of that registration
        kiosk.print_cr_fake()
    with pytest.raises(Exception) as refused:
        kiosk.client.cr_device_secret(position)
    assert getattr(refused.value, "code", None) == "not_found"


def test_refusals_change_nothing(cr_kiosk: tuple[Election, Kiosk]) -> None:
    election, kiosk = cr_kiosk
    with pytest.raises(KioskSessionError):  # nobody identified
        kiosk.print_cr_fake()
    identify(election, kiosk)
    with pytest.raises(KioskSessionError) as refused:  # leaving before the real one is printed would lose it
        kiosk.finish_cr_registration()
    assert refused.value.code == "not_printed" and kiosk.voter_in_progress()
    kiosk.print_cr_credential()
    with pytest.raises(KioskSessionError) as refused:  # the real credential is printed once
        kiosk.print_cr_credential()
    assert refused.value.code == "already_printed"
    assert kiosk.voter_in_progress()
    kiosk.print_cr_fake()  # fakes still print


def test_a_poll_worker_ending_the_session_erases_the_registration(cr_kiosk: tuple[Election, Kiosk]) -> None:
    election, kiosk = cr_kiosk
    identify(election, kiosk)
    session = kiosk.current
    assert session is not None and session.cr_credential is not None and session.cr_registration is not None
    secret, position = int(session.cr_credential.secret), session.cr_registration.position
    device = int(kiosk.client.cr_device_secret(position))
    assert kiosk.end_by_poll_worker(PIN, "walked away")
    assert not {secret, device} & kiosk_ints(kiosk)


def test_the_kiosk_screen_prints_the_real_credential_once_and_fakes_on_request(
    cr_kiosk: tuple[Election, Kiosk],
) -> None:
    """The screen's flow (precinct/kiosk_web.py): identification leads to the credential page; each slip goes to the
    printer and the kiosk keeps none; done erases the registration."""
    from fastapi.testclient import TestClient

    from precinct.kiosk_text import error_text, texts
    from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker

    election, kiosk = cr_kiosk
    printed: list[bytes] = []
    app = create_kiosk_app(
        kiosk, identify=identified_by_poll_worker, public_url="http://shailoo.test", print_slip=printed.append
    )
    with TestClient(app, base_url="http://kiosk.local") as screen:
        number, _ = election.register_voter(style_of(election.manifest, PRECINCT))
        page = screen.post("/identify", data={"national_id": number})
        assert page.status_code == 200 and page.url.path == "/credential", page.text
        assert texts("ky")["cr_intro"] in page.text and texts("ky")["cr_print_real"] in page.text
        refused = screen.post("/credential/done")  # her credential is not printed yet
        assert refused.status_code == 409 and error_text("not_printed", "ky") in refused.text
        page = screen.post("/credential/real")
        assert page.url.path == "/credential" and texts("ky")["cr_print_real"] not in page.text
        assert screen.post("/credential/real").status_code == 409  # once
        screen.post("/credential/fake")
        screen.post("/credential/fake")
        assert len(printed) == 3 and all(p.startswith(b"%PDF") for p in printed)
        boxes = {tuple(re.findall(rb"/MediaBox \[[^\]]*\]", p)) for p in printed}
        assert len(boxes) == 1
        page = screen.post("/credential/done")
        assert page.status_code == 200 and texts("ky")["cr_finished"] in page.text
        assert kiosk.current is None and not kiosk.voter_in_progress()
    # Without a printer the slip is the answer itself, never cached.
    app = create_kiosk_app(kiosk, identify=identified_by_poll_worker, public_url="http://shailoo.test")
    with TestClient(app, base_url="http://kiosk.local") as screen:
        number, _ = election.register_voter(style_of(election.manifest, PRECINCT))
        screen.post("/identify", data={"national_id": number})
        slip = screen.post("/credential/real")
        assert slip.headers["content-type"] == "application/pdf" and slip.headers["cache-control"] == "no-store"
