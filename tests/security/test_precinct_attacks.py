"""Precinct cells are bound: a ballot names a precinct only when that precinct's kiosk casts it, for a ballot style
of the precinct's region (record.devices.check_precinct_binding). Each attack writes nothing."""

from __future__ import annotations

import pytest

from precinct.devices import DeviceIdentity, register_device
from record.devices import sign_precinct_cast
from tests.precinct.day import style_of
from tests.security.conftest import attempt
from tests.server.harness import Election


@pytest.fixture(scope="module")
def kiosks(election: Election) -> dict[str, DeviceIdentity]:
    """A kiosk registered for each of two precincts of different regions."""
    manifest = election.manifest
    first = manifest.precincts[0]
    other = next(p for p in manifest.precincts if p.region_id != first.region_id)
    found = {}
    for precinct in (first, other):
        kiosk = DeviceIdentity.generate(f"kiosk-{precinct.precinct_id}-sec", "kiosk", precinct.precinct_id)
        register_device(election.components.board, manifest, kiosk.record())
        found[precinct.precinct_id] = kiosk
    return found


def _ballot(election: Election, precinct_id: str, style_id: str) -> dict[str, object]:
    client, credential = election.credential(style_id=style_id)
    prepared = client.prepare_ballot(credential, election.marks_for(credential, 0), precinct_id=precinct_id)
    return prepared.ballot.to_json()


def _cast(election: Election, ballot: dict[str, object], kiosk: DeviceIdentity | None) -> dict[str, object]:
    from record.ballot import EncryptedBallot

    body: dict[str, object] = {"ballot": ballot}
    if kiosk is not None:
        signature = sign_precinct_cast(kiosk.key, EncryptedBallot.from_json(ballot).ballot_hash())
        body |= {"device_id": kiosk.device_id, "device_signature": signature.hex()}
    return body


def test_an_app_ballot_naming_a_precinct_is_refused(election: Election, kiosks: dict[str, DeviceIdentity]) -> None:
    """A voter (or a coercer directing her) picks an unused precinct so that her vote is a cell of its own."""
    precinct = next(iter(kiosks))
    ballot = _ballot(election, precinct, style_of(election.manifest, precinct))
    refusal = attempt(election, "POST", "/v1/ballots", json=_cast(election, ballot, None))
    assert (refusal.status, refusal.code) == (422, "precinct_not_bound")


def test_a_ballot_naming_a_precinct_of_another_region_is_refused(
    election: Election, kiosks: dict[str, DeviceIdentity]
) -> None:
    """Even the precinct's own kiosk cannot put a ballot of another region's style into its cell."""
    here, elsewhere = list(kiosks)
    ballot = _ballot(election, here, style_of(election.manifest, elsewhere))
    refusal = attempt(election, "POST", "/v1/ballots", json=_cast(election, ballot, kiosks[here]))
    assert (refusal.status, refusal.code) == (422, "precinct_not_bound")


def test_a_kiosk_cannot_cast_into_another_precincts_cell(election: Election, kiosks: dict[str, DeviceIdentity]) -> None:
    here, elsewhere = list(kiosks)
    ballot = _ballot(election, here, style_of(election.manifest, here))
    refusal = attempt(election, "POST", "/v1/ballots", json=_cast(election, ballot, kiosks[elsewhere]))
    assert (refusal.status, refusal.code) == (422, "precinct_not_bound")


def test_the_precincts_own_kiosk_casts_into_its_cell(election: Election, kiosks: dict[str, DeviceIdentity]) -> None:
    here = next(iter(kiosks))
    ballot = _ballot(election, here, style_of(election.manifest, here))
    accepted = election.http.post("/v1/ballots", json=_cast(election, ballot, kiosks[here]))
    assert accepted.status_code == 200, accepted.text
    entry = election.components.board.entry(accepted.json()["entry_index"])
    assert entry.payload["precinct_id"] == here
