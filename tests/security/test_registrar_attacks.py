"""A dishonest registrar holds the issuer keys, so it can mint valid credentials. What it cannot do is stuff the
ballot box *undetectably*: every ballot counted must be covered by a published issuance, and issuances by the
number of voters on the register the registrar counted and signed before voting opened (check 17). The observers'
verifier (check 44, eligibility bounds) catches both, from the board export alone, even though every stuffed ballot
is individually valid (checks 16 and 20 pass).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from identity.credentials import CredentialRequest, IssuerKeys
from mobile_api.client import VoterClient
from observer.board_export import load_export
from observer.context import VerifyOptions
from observer.report import Status
from observer.verify import run_checks
from tests.server.harness import OPERATOR, Election

_KEYS: dict[str, IssuerKeys] = {}

HONEST = 3


def _keys(election: Election) -> IssuerKeys:
    """A distinct 2048-bit key per ballot style (the verifier refuses styles sharing a key), made once."""
    if "keys" not in _KEYS:
        styles = [s.style_id for s in election.manifest.ballot_styles]
        _KEYS["keys"] = IssuerKeys.generate(styles, 2048, insecure_allow_small_for_tests=True)
    return _KEYS["keys"]


def _open(election: Election) -> Election:
    """The harness's setup, with the registrar's own per-style keys."""
    election.load_manifest()
    election.key_ceremony()
    election.components.election.post_issuer_keys(_keys(election).public_keys())
    election.components.install_issuer_keys(_keys(election))
    election.open_voting()
    return election


def _vote_honestly(election: Election) -> None:
    for i in range(HONEST):
        client, credential = election.credential()
        client.cast(client.prepare_ballot(credential, election.marks_for(credential, i % 2)))


def _stuff(election: Election, count: int) -> None:
    """The registrar mints credentials with its own keys, records no issuance, and casts with them."""
    keys = _keys(election)
    client = VoterClient(election.http)
    view = client.election()
    style = election.manifest.ballot_styles[0].style_id
    for _ in range(count):
        request = CredentialRequest.create(view.manifest.election_id, style, view.issuer_keys[style])
        credential = request.finalize(keys.blind_sign(style, request.blinded_message))
        client.cast(client.prepare_ballot(credential, election.marks_for(credential, 0)))


def _finish_and_verify(election: Election, tmp_path: Path) -> Any:
    election.close_voting()
    election.http.post("/v1/admin/tally", headers=OPERATOR, json={}).raise_for_status()
    for trustee in (1, 3, 5):
        response = election.post_shares(trustee)
        assert response.status_code == 200, response.text
    export = tmp_path / "board.jsonl"
    export.write_bytes(election.http.get("/v1/board/export").content)
    # Test elections use 2048-bit issuer keys and no witnesses; everything else is checked as in production.
    return run_checks(load_export(export), VerifyOptions(min_issuer_bits=2048, min_witnesses=0))


def test_ballots_stuffed_with_off_book_credentials_fail_the_eligibility_check(tmp_path: Path) -> None:
    election = _open(Election(tmp_path))
    try:
        _vote_honestly(election)
        _stuff(election, 2)
        report = _finish_and_verify(election, tmp_path)
    finally:
        election.close()
    statuses = {c.number: c.status for c in report.checks}
    assert statuses[20] is Status.PASS  # every stuffed ballot carries a genuine registrar signature
    assert statuses[44] is Status.FAIL and not report.passed
    assert [n for n, s in statuses.items() if s is Status.FAIL] == [44]  # the stuffing is the only finding
    evidence = report.check(44).evidence
    assert "over" in evidence and sum(evidence["counted_by_style"].values()) == HONEST + 2


def test_more_credentials_than_registered_voters_fail_the_eligibility_check(tmp_path: Path) -> None:
    """Issuances recorded (the registrar 'identified' a ghost added to the register after it counted it), but more
    than the register counts it signed before voting opened allow."""
    election = _open(Election(tmp_path, registered=HONEST - 1))
    try:
        _vote_honestly(election)  # the last of them is not on the register the registrar counted
        report = _finish_and_verify(election, tmp_path)
    finally:
        election.close()
    check = report.check(44)
    assert check.status is Status.FAIL and "over" in check.evidence, check.to_json()
    assert "register" in check.message
    assert report.check(17).status is Status.PASS  # the counts themselves are the registrar's, signed
