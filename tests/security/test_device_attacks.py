"""A device that shows two voters one receipt (docs/security.md, "A device that shows two voters one receipt").

A kiosk (or two coordinated phones) re-sends voter A's ballot when voter B casts: the server's retry handling
answers an identical ballot with its original receipt, so B is handed A's genuine receipt, and the device casts
B's credential for a choice of its own. Every receipt and every tracking page now names the credential that signed
the ballot (its fingerprint) and the time the board took it, so B, checking on a second device, sees that the
ballot behind "her" receipt is not under the credential of the ballot she challenged, and was on the board before
she challenged. The server never builds a receipt whose promise names another ballot than the one cast.
"""

from __future__ import annotations

from typing import Any

import pytest

from crypto.errors import ShailooError
from mobile_api.client import VoterClient
from mobile_api.errors import ClientError
from mobile_api.schemas import Receipt
from record.ballot import EncryptedBallot
from tests.server.harness import Election


def _tracking_page(election: Election, code: str) -> dict[str, Any]:
    """What a voter's second device reads: the public tracking page of a code (the board API's look-up)."""
    response = election.http.get(f"/v1/receipts/{code}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_kiosk_handing_voter_b_voter_a_receipt_is_caught_on_a_second_device(election: Election) -> None:
    # Voter A votes on an honest device.
    a_client, a_credential = election.credential()
    a_ballot = a_client.prepare_ballot(a_credential, election.marks_for(a_credential, 0))
    a_receipt = a_client.cast(a_ballot)
    assert a_receipt.credential_fingerprint == a_credential.public.fingerprint

    # Voter B at the malicious kiosk: it takes her credential, shows her its fingerprint, and she challenges once.
    kiosk, b_credential = election.credential()
    b_fingerprint = b_credential.public.fingerprint  # what the kiosk shows B when her credential is made
    challenged = kiosk.prepare_ballot(b_credential, election.marks_for(b_credential, 1))
    b_challenge, _ = kiosk.challenge(challenged)
    assert b_challenge.credential_fingerprint == b_fingerprint

    # B casts: the kiosk re-sends A's ballot and gets A's genuine receipt back (an idempotent retry) ...
    replayed = election.http.post("/v1/ballots", json={"ballot": a_ballot.ballot.to_json()})
    handed_to_b = Receipt.model_validate(replayed.json())
    assert handed_to_b == a_receipt
    # ... and casts B's credential for its own choice.
    kiosk.cast(kiosk.prepare_ballot(b_credential, election.marks_for(b_credential, 2)))
    election.components.board.integrate()

    # B, on her phone: the receipt names a credential that is not the one of the ballot she challenged, and the
    # board took "her" ballot before she challenged at all.
    her_challenge = _tracking_page(election, b_challenge.tracking_code)
    her_receipt = _tracking_page(election, handed_to_b.tracking_code)
    assert her_challenge["credential_fingerprint"] == b_fingerprint
    assert her_receipt["credential_fingerprint"] == a_receipt.credential_fingerprint != b_fingerprint
    assert her_receipt["appended_at"] <= her_challenge["appended_at"]
    assert her_receipt["entry_index"] < her_challenge["entry_index"]


def test_an_honest_device_refuses_a_receipt_for_another_credential(election: Election) -> None:
    """A server (or anything between) answering B's cast with A's receipt: B's honest device refuses it."""
    a_client, a_credential = election.credential()
    a_receipt = a_client.cast(a_client.prepare_ballot(a_credential, election.marks_for(a_credential)))

    class ReplayingHttp:
        def __init__(self, http: Any) -> None:
            self.http = http

        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            response = self.http.request(method, path, **kwargs)
            return AReceipt() if path == "/v1/ballots" else response

    class AReceipt:
        status_code = 200

        def json(self) -> dict[str, Any]:
            return a_receipt.model_dump()  # A's receipt, for B's ballot

        def __getattr__(self, name: str) -> Any:
            return getattr(self.http, name)

    b_client, b_credential = election.credential()
    replaying = VoterClient(ReplayingHttp(election.http))  # type: ignore[arg-type]
    with pytest.raises(ClientError) as refused:
        replaying.cast(b_client.prepare_ballot(b_credential, election.marks_for(b_credential)))
    assert refused.value.code == "receipt_invalid"


def test_an_honest_device_refuses_its_own_receipt_relabelled_with_another_fingerprint(election: Election) -> None:
    """The receipt promises exactly this ballot, but names another credential's fingerprint (a server, or anything
    between, that would have the app show the voter a fingerprint that is not hers): refused all the same. The
    receipt differs from the genuine one only in ``credential_fingerprint``."""
    a_client, a_credential = election.credential()
    a_receipt = a_client.cast(a_client.prepare_ballot(a_credential, election.marks_for(a_credential)))
    other = a_receipt.credential_fingerprint

    class RelabellingHttp:
        def __init__(self, http: Any) -> None:
            self.http = http

        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            response = self.http.request(method, path, **kwargs)
            return Relabelled(response) if path == "/v1/ballots" else response

    class Relabelled:
        def __init__(self, response: Any) -> None:
            self.response = response

        def json(self) -> dict[str, Any]:
            return {**self.response.json(), "credential_fingerprint": other}

        def __getattr__(self, name: str) -> Any:
            return getattr(self.response, name)

    b_client, b_credential = election.credential()
    relabelling = VoterClient(RelabellingHttp(election.http))  # type: ignore[arg-type]
    with pytest.raises(ClientError) as refused:
        relabelling.cast(b_client.prepare_ballot(b_credential, election.marks_for(b_credential)))
    assert refused.value.code == "receipt_invalid"
    assert "another credential" in refused.value.message


def test_the_server_never_builds_a_receipt_that_promises_another_ballot(election: Election) -> None:
    """The receipt of a cast is built from the promise of exactly that ballot's entry; a promise of another ballot
    (under another credential) is refused before anything is sent."""
    a_client, a_credential = election.credential()
    a_receipt = a_client.cast(a_client.prepare_ballot(a_credential, election.marks_for(a_credential)))
    b_client, b_credential = election.credential()
    b_ballot = EncryptedBallot.from_json(
        b_client.prepare_ballot(b_credential, election.marks_for(b_credential)).ballot.to_json()
    )
    service = election.components.election
    a_promise = election.components.board.promise(a_receipt.entry_index)
    with pytest.raises(ShailooError) as refused:
        service._receipt(election.manifest.election_id, b_ballot, b_ballot.ballot_hash(), a_promise, "ballot")
    assert refused.value.code == "internal"
    assert b_ballot.credential_fingerprint() != a_receipt.credential_fingerprint
