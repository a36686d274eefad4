"""The phone's face identification through the voter API: nonce and head turns, frames, match, credential."""

from __future__ import annotations

import pytest

from identity.liveness import Turn
from mobile_api.errors import ClientError
from tests.browser import register_face_voter
from tests.identity.conftest import FacePhotos
from tests.identity.test_liveness import frames_for
from tests.server.harness import Election, personal_number


@pytest.mark.faces
def test_a_voter_identified_by_face_gets_a_credential_and_votes(voting: Election, photos: FacePhotos) -> None:
    style = voting.manifest.ballot_styles[3]
    number = register_face_voter(
        voting.components.registry,
        photos,
        personal_number(900),
        region=style.region_id,
        district=style.district_ids[-1],
    )
    client = voting.voter_client()
    session = client.start_identification(number, method="face")
    assert session.liveness_turns  # the phone is told which way to turn
    turns = tuple(Turn(t) for t in session.liveness_turns)
    identified = client.submit_face(session, frames_for(turns, photos))
    assert identified.style_id == style.style_id
    credential = client.obtain_credential(session.session_id, identified.style_id)
    client.cast(client.prepare_ballot(credential, voting.marks_for(credential, 1)))

    # The same person cannot be identified again, by face or otherwise.
    again = client.start_identification(number, method="face")
    with pytest.raises(ClientError) as caught:
        client.submit_face(again, frames_for(tuple(Turn(t) for t in again.liveness_turns), photos))
    assert caught.value.code == "already_identified"


@pytest.mark.faces
def test_someone_elses_face_is_refused(voting: Election, photos: FacePhotos) -> None:
    number, _ = voting.register_voter()  # registered with a template that is nobody's face
    client = voting.voter_client()
    session = client.start_identification(number, method="face")
    turns = tuple(Turn(t) for t in session.liveness_turns)
    with pytest.raises(ClientError) as caught:
        client.submit_face(session, frames_for(turns, photos))
    assert caught.value.code == "face_mismatch"
