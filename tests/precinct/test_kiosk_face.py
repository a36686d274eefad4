"""Identification at the kiosk by its camera: the session asks for head turns, the kiosk sends the frames, the
registrar matches them 1:1 with liveness; the credential follows and the ballot is cast from the kiosk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bulletin_board.entries import EntryKind
from identity.liveness import Turn
from identity.registry import SqlVoterRegistry, VoterRecord
from tests.identity.conftest import OBAMA_CENTER, FacePhotos
from tests.identity.test_liveness import frames_for
from tests.precinct.day import PRECINCT, PrecinctDay, kiosk_for, style_of
from tests.server.harness import personal_number


@pytest.mark.faces
def test_voter_identified_by_the_kiosk_camera_votes(tmp_path: Path, faces_dir: Path) -> None:
    photos = FacePhotos(faces_dir)
    day = PrecinctDay.open(tmp_path, kiosks=1, urns=0)
    kiosk, _ = kiosk_for(day, f"kiosk-{PRECINCT}-1")
    number = personal_number(901)
    style = day.election.manifest.ballot_style(style_of(day.election.manifest, PRECINCT))
    registry = day.election.components.registry
    assert isinstance(registry, SqlVoterRegistry)
    registry.add(
        VoterRecord(
            personal_number=number,
            surname="Kiosk",
            given_name="Voter",
            patronymic="",
            birth_date=dt.date(int(number[5:9]), int(number[3:5]), int(number[1:3])),
            region=style.region_id,
            district=style.district_ids[-1],
            precinct=PRECINCT,
            face_template=photos.template(OBAMA_CENTER),
        )
    )
    session = kiosk.begin(number, method="face")
    assert session.opened is not None and session.opened.liveness_turns
    frames = frames_for(tuple(Turn(t) for t in session.opened.liveness_turns), photos)
    assert kiosk.identify_by_face(frames) == style.style_id
    contest = day.election.manifest.contest(style.contest_ids[0])
    kiosk.prepare({contest.contest_id: [contest.selections[0].selection_id]})
    assert kiosk.cast().status == "on_board"
    assert [e.kind for e in day.board.entries(0, day.board.size)].count(EntryKind.BALLOT) == 1
    day.close()
