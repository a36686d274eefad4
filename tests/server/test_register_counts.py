"""Eligibility from the register, not from the operator: the registrar's signed ``register_counts`` entry (before
voting opens) is what turnout, check 44's upper bound and a referendum's validity are measured against; the tally
is a function of the board, takes no figures, and can be computed again at any time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulletin_board.entries import EntryKind
from crypto import signing
from record.register import RegisterCounts
from tests.security.conftest import attempt
from tests.server.harness import OPERATOR, Election


@pytest.fixture
def referendum(tmp_path: Path) -> Iterator[Election]:
    election = Election(tmp_path, preset="referendum", registered=40).setup_to_voting()
    yield election
    election.close()


def _entry(election: Election, key: str) -> Any:
    entry = election.components.board.find_by_dedup_key(key)
    assert entry is not None
    return entry


def test_the_registrar_posts_signed_register_counts_before_voting_opens(referendum: Election) -> None:
    entry = _entry(referendum, "register_counts")
    assert entry.kind is EntryKind.REGISTER_COUNTS
    assert entry.index < _entry(referendum, "channels_open").index
    counts = RegisterCounts.from_payload(entry.payload)
    counts.check(referendum.manifest)  # signed by the key the manifest pins
    styles = referendum.manifest.ballot_styles
    expected = Counter(styles[i % len(styles)].style_id for i in range(40))
    assert dict(counts.counts) == {s.style_id: expected[s.style_id] for s in styles}
    assert counts.registrar_key == signing.public_key_bytes(
        referendum.components.registrar.identity_settings.registrar_signing_key
    )
    again = attempt(referendum, "POST", "/v1/admin/register-counts", headers=OPERATOR)
    assert again.code in ("wrong_phase", "duplicate_entry")  # once, and never while voting


def test_voting_does_not_open_without_register_counts(tmp_path: Path) -> None:
    election = Election(tmp_path)
    try:
        election.load_manifest()
        election.key_ceremony()
        election.publish_issuer_keys()
        refusal = attempt(election, "POST", "/v1/admin/channels/open", headers=OPERATOR, json={"channels": ["app"]})
        assert refusal.code == "wrong_phase" and "register counts" in refusal.body["message"]
    finally:
        election.close()


def test_the_tally_takes_no_figures_from_the_operator(referendum: Election) -> None:
    referendum.close_voting()
    for body in ({"registered_by_region": {"mars": 10}}, {"registered_by_region": {}}):
        refusal = attempt(referendum, "POST", "/v1/admin/tally", headers=OPERATOR, json=body)
        assert refusal.code == "malformed"
    assert referendum.components.board.find_by_dedup_key("encrypted_tally") is None


def test_referendum_turnout_is_measured_against_the_register(referendum: Election) -> None:
    """3 of 40 registered voters vote yes: turnout 7.5 % is below the 30 % floor, so the referendum is not held.
    Measured against the credentials issued (3), turnout would be 100 % and the question would pass."""
    for _ in range(3):
        client, credential = referendum.credential()
        client.cast(client.prepare_ballot(credential, referendum.marks_for(credential, 0)))
    referendum.close_and_tally()
    for trustee in (1, 2, 3):
        assert referendum.post_shares(trustee).status_code == 200
    contests = _entry(referendum, "result").payload["results"]["contests"]
    assert contests and all((c["took_part"], c["registered"]) == (3, 40) for c in contests), contests
    assert all(c["outcome"] == "not_held" and "turnout_below_minimum" in c["applied"] for c in contests)


def test_the_tally_is_computed_again_from_the_board_and_is_the_same(referendum: Election) -> None:
    client, credential = referendum.credential()
    client.cast(client.prepare_ballot(credential, referendum.marks_for(credential, 1)))
    referendum.close_and_tally()
    posted = _entry(referendum, "encrypted_tally")
    size = referendum.components.board.size
    again = referendum.admin("POST", "/v1/admin/tally", json={})
    assert again["index"] == posted.index and referendum.components.board.size == size
    assert referendum.components.tally.payload() == dict(posted.payload)
    registered = RegisterCounts.from_payload(_entry(referendum, "register_counts").payload)
    assert posted.payload["registered_by_region"] == registered.by_region(referendum.manifest)
