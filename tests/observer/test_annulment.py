"""The commission's precinct annulment on the board (record.md §2.17, check 33): the tally and the results leave the
annulled precinct's ballots out, and a tally that counts them anyway fails verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.errors import WrongPhaseError
from crypto import signing
from observer.verify import verify
from record.annulment import (
    PRECINCT_ANNULMENT_TAG,
    AnnulmentError,
    PrecinctAnnulment,
    sign_precinct_annulment,
    signing_body,
)
from tests.observer.election import BuiltElection, _precinct_of, build_election, small_president_manifest

MANIFEST = small_president_manifest()
STYLE = MANIFEST.ballot_styles[0]
PRECINCT = _precinct_of(MANIFEST, STYLE.style_id)
assert PRECINCT is not None


def _build(path: Path, **options: object) -> BuiltElection:
    # Ballots name their region's precinct (as kiosk ballots do), so they are precinct-bound; no kiosk vouches for
    # them here, which check 31 reports on its own.
    return build_election(path, voters=12, revotes=0, app_ballots_name_a_precinct=True, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def annulled(tmp_path_factory: pytest.TempPathFactory) -> BuiltElection:
    return _build(tmp_path_factory.mktemp("annul") / "export.jsonl", annul=[PRECINCT])


def test_an_annulled_precinct_counts_nowhere_and_the_record_verifies(annulled: BuiltElection) -> None:
    report = verify(annulled.path)
    for number in (33, 40, 41, 42, 43, 44):
        assert report.check(number).status == "pass", report.check(number).to_json()
    assert report.check(33).evidence["annulled"][0]["precinct_id"] == PRECINCT
    tally = annulled.board.entry(annulled.indices["encrypted_tally"][0]).payload
    # Small style groups are merged upward (record.md §2.11); the members of each cell say how many ballots of each
    # style it holds, and every ballot of that style was cast in the annulled precinct.
    members = {m["style_id"]: m["ballots"] for g in tally["styles"] for m in g.get("members", [g])}
    assert members[STYLE.style_id] == 0
    assert tally["ballots_counted"] == 8
    assert sum(members.values()) == 8


def test_a_tally_that_ignores_a_posted_annulment_fails(tmp_path: Path) -> None:
    built = _build(tmp_path / "export.jsonl", annul=[PRECINCT], tally_ignores_annulments=True)
    report = verify(built.path)
    assert report.check(40).status == "fail", report.check(40).to_json()
    differences = report.check(40).evidence["differences"]
    assert {"ballots_counted": [12, 8]} in differences
    # The annulled style is small, so it is counted in the merged nation cell (record.md §2.11): that cell differs.
    assert {"style": "nation", "ballots": [12, 8], "contests": [MANIFEST.contests[0].contest_id]} in differences


def test_an_annulment_signed_by_another_key_than_the_commissions_fails_check_33(tmp_path: Path) -> None:
    stranger = Ed25519PrivateKey.generate()
    manifest_hash: list[bytes] = []

    def forge(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == EntryKind.MANIFEST.value:
            manifest_hash.append(bytes.fromhex(payload["manifest_hash"]))
        if kind != EntryKind.PRECINCT_ANNULMENT.value:
            return payload
        # The same annulment, validly signed — by a key the manifest does not pin.
        unsigned = {k: v for k, v in payload.items() if k != "signature"}
        unsigned["commission_key"] = signing.public_key_bytes(stranger).hex()
        body = signing_body(manifest_hash[0], unsigned)
        return {**unsigned, "signature": signing.sign(stranger, PRECINCT_ANNULMENT_TAG, body).hex()}

    report = verify(_build(tmp_path / "export.jsonl", annul=[PRECINCT], tamper=forge).path)
    assert report.check(33).status == "fail", report.check(33).to_json()
    problems = report.check(33).evidence["problems"]
    assert [p["code"] for p in problems] == ["invalid_annulment"]
    assert "another key" in problems[0]["problem"]


def test_the_reader_is_strict_and_the_producer_checks() -> None:
    key = Ed25519PrivateKey.generate()
    manifest = MANIFEST.with_registrar_key(signing.public_key_bytes(key))
    good = sign_precinct_annulment(key, manifest, PRECINCT, "stuffing", "art. 43").to_payload()
    PrecinctAnnulment.from_payload(good).check(manifest)
    with pytest.raises(AnnulmentError):
        PrecinctAnnulment.from_payload({**good, "extra": 1})
    with pytest.raises(AnnulmentError):
        PrecinctAnnulment.from_payload({**good, "reason": "   "})
    with pytest.raises(AnnulmentError) as unknown:
        sign_precinct_annulment(key, manifest, "no-such-precinct", "stuffing", "art. 43")
    assert unknown.value.code == "unknown_id"
    changed = PrecinctAnnulment.from_payload({**good, "reason": "another reason"})
    with pytest.raises(AnnulmentError):
        changed.check(manifest)  # the signature covers the reason


def test_the_board_takes_an_annulment_only_between_the_close_and_the_tally(annulled: BuiltElection) -> None:
    board = annulled.board  # the election is decrypted: the tally stands
    payload = board.entry(annulled.indices["precinct_annulment"][0]).payload
    size = board.size
    with pytest.raises(WrongPhaseError):
        board.append(EntryKind.PRECINCT_ANNULMENT, dict(payload))
    assert board.size == size


def test_with_a_commission_key_pinned_the_commission_signs_and_the_record_verifies(tmp_path: Path) -> None:
    commission = Ed25519PrivateKey.generate()
    built = _build(tmp_path / "export.jsonl", annul=[PRECINCT], commission_key=commission)
    report = verify(built.path)
    assert report.check(33).status == "pass", report.check(33).to_json()
    payload = built.board.entry(built.indices["precinct_annulment"][0]).payload
    assert payload["commission_key"] == signing.public_key_bytes(commission).hex()


def test_with_a_commission_key_pinned_an_annulment_signed_by_the_registrar_key_fails_check_33(tmp_path: Path) -> None:
    """The server's registrar key, pinned by the same manifest as ``registrar_key``, no longer signs annulments once
    the manifest pins the commission's own key: a server broken into cannot annul a precinct."""
    commission = Ed25519PrivateKey.generate()
    built = _build(
        tmp_path / "export.jsonl", annul=[PRECINCT], commission_key=commission, annulments_signed_by_registrar=True
    )
    report = verify(built.path)
    assert report.check(33).status == "fail", report.check(33).to_json()
    (problem,) = report.check(33).evidence["problems"]
    assert problem["code"] == "invalid_annulment" and "(commission_key)" in problem["problem"], problem


def test_the_commission_key_pins_the_annulment_key_and_is_left_out_of_the_hash_when_absent() -> None:
    registrar, commission = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with_registrar = MANIFEST.with_registrar_key(signing.public_key_bytes(registrar))
    assert "commission_key" not in with_registrar.to_canonical_dict()  # manifests without it keep their hash
    manifest = with_registrar.with_commission_key(signing.public_key_bytes(commission))
    assert manifest.manifest_hash() != with_registrar.manifest_hash()  # pinned by the manifest's hash
    good = sign_precinct_annulment(commission, manifest, PRECINCT, "stuffing", "art. 43")
    good.check(manifest)
    with pytest.raises(AnnulmentError, match="commission_key"):
        sign_precinct_annulment(registrar, manifest, PRECINCT, "stuffing", "art. 43")  # the producer checks too
    # Without a commission key the registrar's key still signs (manifests written before the field).
    sign_precinct_annulment(registrar, with_registrar, PRECINCT, "stuffing", "art. 43").check(with_registrar)
