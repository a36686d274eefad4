"""One face, one identity: a face registered under two personal numbers is held for review, and a face that matches
another registered identity better than the one claimed is refused.

The attack these tests reproduce: the same reference template imported under two personal numbers passed liveness
and the 1:1 match for both, and two credentials (so two ballots) were issued.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from identity.credentials import CredentialRequest, IssuerKeys, check_credential
from identity.db import make_engine
from identity.errors import IdentityError, IdentityHeldError
from identity.issuance import Issuer
from identity.registry import HeldRow, SqlVoterRegistry, VoterRecord, record_to_csv_row
from identity.review import ReviewDecision, ReviewQueue
from identity.session import DistrictBallotStyles, IdentificationService
from identity.settings import IdentitySettings
from identity.state import MemoryStateStore
from tests.identity.conftest import OBAMA_CENTER, FacePhotos, make_personal_number, synthetic_template
from tests.identity.test_liveness import frames_for
from tests.identity.test_registry import csv_text

SETTINGS = IdentitySettings()
ELECTION = "dedup-election"
STYLE = "bishkek-1"
BIRTH = dt.date(1991, 5, 17)


def voter(
    serial: str, template_seed: int | None = None, photos: FacePhotos | None = None, photo: str = ""
) -> VoterRecord:
    template = photos.template(photo) if photos is not None else synthetic_template(template_seed or 0)
    return VoterRecord(
        personal_number=make_personal_number(BIRTH, "1", serial),
        surname="Осмонова",
        given_name="Жылдыз",
        patronymic="",
        birth_date=BIRTH,
        region="Бишкек",
        district="Bishkek-1",
        precinct="1001",
        face_template=template,
    )


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'identity.db'}")


def issue(issuer: Issuer, keys: IssuerKeys, personal_number: str, channel: str = "app") -> str:
    """The real issuance path: claim, blind signature, commit; returns the credential's ballot style."""
    request = CredentialRequest.create(ELECTION, STYLE, keys.public_keys()[STYLE])
    issuance = issuer.issue(ELECTION, personal_number, STYLE, channel, request.blinded_message, keys)  # type: ignore[arg-type]
    return check_credential(keys.public_keys(), ELECTION, request.finalize(issuance.blind_signature))


def test_one_template_under_two_personal_numbers_in_a_csv_import_is_held_and_issues_nothing(
    engine: Engine, issuer_keys: IssuerKeys
) -> None:
    registry = SqlVoterRegistry(engine, SETTINGS.template_key_bytes)
    issuer = Issuer(engine, SETTINGS.voter_hash_key_bytes)
    first, second, bystander = voter("00101", 11), voter("00102", 11), voter("00103", 12)
    report = registry.import_csv(csv_text([record_to_csv_row(v) for v in (first, second, bystander)]))

    # Both rows are on the register, and held: line 3 has the face of line 2.
    assert report.imported == 3 and report.rejected == ()
    (held,) = report.held
    assert held == HeldRow(line=3, other_line=2, review_id=held.review_id, distance=0.0)
    assert not report.ok

    # Nothing is issued for either identity, in any channel; the bystander is not affected.
    for number in (first.personal_number, second.personal_number):
        for channel in ("app", "kiosk", "precinct"):
            with pytest.raises(IdentityHeldError) as caught:
                issue(issuer, issuer_keys, number, channel)
            assert caught.value.code == "face_review_pending"
    assert issue(issuer, issuer_keys, bystander.personal_number) == STYLE
    assert issuer.issued_count(ELECTION) == 1

    # The operator decides: one person registered twice, keep the first. The first is released, the second is not.
    queue = ReviewQueue(engine)
    (review,) = queue.list()
    assert (review.first_number, review.second_number, review.review_id) == (
        first.personal_number,
        second.personal_number,
        held.review_id,
    )
    queue.decide(review.review_id, "keep_first", operator="registrar-7")
    assert queue.list() == [] and queue.get(review.review_id).decision is ReviewDecision.KEEP_FIRST
    assert issue(issuer, issuer_keys, first.personal_number) == STYLE
    with pytest.raises(IdentityHeldError) as caught:
        issue(issuer, issuer_keys, second.personal_number)
    assert caught.value.code == "identity_blocked"
    assert issuer.issued_count(ELECTION) == 2

    # The audit log records the hold, the refusals and the decision — never a personal number.
    log = issuer.audit_log()
    outcomes = [(e.event, e.outcome) for e in log]
    assert ("face_review_opened", f"review {review.review_id}: held") in outcomes
    assert ("face_review_decided", f"review {review.review_id}: keep_first") in outcomes
    assert ("issuance", "face_review_pending") in outcomes and ("issuance", "identity_blocked") in outcomes
    assert not any(v.personal_number in repr(e) for e in log for v in (first, second, bystander))


def test_enrolling_a_face_already_registered_opens_a_review(engine: Engine, issuer_keys: IssuerKeys) -> None:
    registry = SqlVoterRegistry(engine, SETTINGS.template_key_bytes)
    assert registry.add(voter("00201", 21)) == ()
    (opened,) = registry.add(voter("00202", 21))
    assert opened.pending and opened.distance == 0.0
    with pytest.raises(IdentityHeldError):
        issue(Issuer(engine, SETTINGS.voter_hash_key_bytes), issuer_keys, voter("00201").personal_number)


def test_a_second_process_sees_the_faces_another_one_registered(engine: Engine) -> None:
    """Each process keeps its own gallery; the generation counter makes it reload what another process added."""
    one = SqlVoterRegistry(engine, SETTINGS.template_key_bytes)
    other = SqlVoterRegistry(engine, SETTINGS.template_key_bytes)
    one.add(voter("00301", 31))
    assert other.add(voter("00302", 32)) == ()
    (opened,) = one.add(voter("00303", 32))
    assert (opened.first_number, opened.second_number) == (
        voter("00302").personal_number,
        voter("00303").personal_number,
    )


def test_review_decisions_are_final_and_checked(engine: Engine) -> None:
    registry = SqlVoterRegistry(engine, SETTINGS.template_key_bytes)
    registry.add(voter("00401", 41))
    (opened,) = registry.add(voter("00402", 41))
    queue = ReviewQueue(engine)
    for review_id, decision, operator, code in [
        (opened.review_id + 99, "keep_first", "op", "review_not_found"),
        (opened.review_id, "keep_both", "op", "invalid_decision"),
        (opened.review_id, "keep_first", " ", "invalid_decision"),
    ]:
        with pytest.raises(IdentityError) as caught:
            queue.decide(review_id, decision, operator)
        assert caught.value.code == code
    queue.decide(opened.review_id, ReviewDecision.DIFFERENT_PEOPLE, "op")
    with pytest.raises(IdentityError) as caught:
        queue.decide(opened.review_id, ReviewDecision.BLOCK_BOTH, "op")
    assert caught.value.code == "review_already_decided"
    assert [r.decision for r in queue.list("decided")] == [ReviewDecision.DIFFERENT_PEOPLE]


# --- identification: a face closer to another registered identity than to its own ---------------------------


def face_service(engine: Engine, registry: SqlVoterRegistry, keys: IssuerKeys) -> IdentificationService:
    return IdentificationService(
        settings=SETTINGS,
        registry=registry,
        issuer=Issuer(engine, SETTINGS.voter_hash_key_bytes),
        election_keys={ELECTION: keys},
        ballot_styles=DistrictBallotStyles({ELECTION: {"Bishkek-1": STYLE}}),
        store=MemoryStateStore(),
    )


@pytest.mark.faces
def test_a_face_closer_to_another_identity_than_its_own_is_refused(
    engine: Engine, photos: FacePhotos, issuer_keys: IssuerKeys
) -> None:
    """Two identities enrolled with photos of one man — and released by an operator who judged them different
    people. He presents himself as the one whose photo is farther from his face: refused, whatever the review said."""
    registry = SqlVoterRegistry(engine, SETTINGS.template_key_bytes)
    near = voter("00501", photos=photos, photo=OBAMA_CENTER)  # the very photo of the baseline frame
    far = voter("00502", photos=photos, photo="obama__fr_obama_small.jpg")  # another copy, ~0.07 away
    registry.add(near)
    (opened,) = registry.add(far)
    ReviewQueue(engine).decide(opened.review_id, "different_people", "registrar-7")
    service = face_service(engine, registry, issuer_keys)

    start = service.start(ELECTION, far.personal_number, "app", "203.0.113.9")
    frames = frames_for(start.challenge.turns, photos)
    with pytest.raises(IdentityError) as caught:
        service.submit_frames(start.session_id, start.challenge.nonce, frames, "203.0.113.9")
    assert caught.value.code == "face_matches_another_identity"
    events = [(e.event, e.outcome) for e in Issuer(engine, SETTINGS.voter_hash_key_bytes).audit_log(ELECTION)]
    assert ("face_check", "face_matches_another_identity") in events

    # The identity his face is closest to is his own: identified.
    start = service.start(ELECTION, near.personal_number, "app", "203.0.113.9")
    frames = frames_for(start.challenge.turns, photos)
    assert (
        service.submit_frames(start.session_id, start.challenge.nonce, frames, "203.0.113.9").ballot_style_id == STYLE
    )


@pytest.mark.faces
def test_a_held_identity_is_told_so_after_its_face_matched(
    engine: Engine, photos: FacePhotos, issuer_keys: IssuerKeys
) -> None:
    registry = SqlVoterRegistry(engine, SETTINGS.template_key_bytes)
    first, second = voter("00601", photos=photos, photo=OBAMA_CENTER), voter("00602", photos=photos, photo=OBAMA_CENTER)
    registry.import_csv(csv_text([record_to_csv_row(first), record_to_csv_row(second)]))
    service = face_service(engine, registry, issuer_keys)
    for number in (first.personal_number, second.personal_number):
        start = service.start(ELECTION, number, "app", "203.0.113.10")
        frames = frames_for(start.challenge.turns, photos)
        with pytest.raises(IdentityHeldError) as caught:
            service.submit_frames(start.session_id, start.challenge.nonce, frames, "203.0.113.10")
        assert caught.value.code == "face_review_pending"
