"""Flip one byte anywhere that matters and the verifier fails at the check that names it.

Each mutation changes one byte of one value (an entry's proof, signature, key, share or count, a tree head, a
cosignature) — or moves a seat in the published results and re-hashes them — in an exported record, keeps the
line canonical JSON, and expects: the named check fails, and its evidence names the entry (or tree head) that
was changed. An altered entry also breaks the log's promise, so check 1 must name the same entry index.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crypto.canonical import record_hash
from observer.report import Status
from observer.verify import verify
from tests.observer.election import BuiltElection, flip_hex_byte, read_lines, write_lines

Line = dict[str, Any]


def _entry(lines: list[Line], index: int) -> Line:
    return next(line for line in lines if line.get("type") == "entry" and line["index"] == index)


def _contest_hex(payload: Line) -> None:
    payload["contests"][0]["encrypted"] = flip_hex_byte(payload["contests"][0]["encrypted"], 40)


def _move_a_seat(payload: Line) -> None:
    """Give the first contest's seat to another candidate and re-hash the results, so only recomputing the
    results and seats from the counts (check 43's rules engine) can tell; the hash alone cannot."""
    contest = payload["results"]["contests"][0]
    holder = contest["elected"][0] if contest["elected"] else None
    other = next(c["candidate_id"] for c in contest["candidates"] if c["candidate_id"] != holder)
    contest["elected"] = [other]
    for c in contest["candidates"]:
        c["elected"] = c["candidate_id"] == other
        c["seat_reason"] = "majority" if c["elected"] else None
    payload["results_hash"] = record_hash("result", payload["results"]).hex()


MUTATIONS: dict[str, tuple[str, int, Callable[[Line], None]]] = {
    # name: (entry kind, which entry of that kind, how to change its payload)
    "ballot_proof_byte": ("ballot", 3, _contest_hex),
    "ballot_registrar_signature": (
        "ballot",
        4,
        lambda p: p["credential"].__setitem__(
            "registrar_signature", flip_hex_byte(p["credential"]["registrar_signature"], 7)
        ),
    ),
    "ballot_credential_signature": (
        "ballot",
        5,
        lambda p: p.__setitem__("signature", flip_hex_byte(p["signature"], 3)),
    ),
    "ballot_wrong_style": ("ballot", 6, lambda p: p.__setitem__("style_id", "style-nowhere")),
    "trustee_commitment_proof": (
        "trustee_commitment",
        1,
        lambda p: p["commitment"].__setitem__(
            "coefficient_proof", flip_hex_byte(p["commitment"]["coefficient_proof"], 40)
        ),
    ),
    "encrypted_share_body": (
        "trustee_share",
        0,
        lambda p: (
            p["shares"][0].__setitem__("body", flip_hex_byte(p["shares"][0]["body"], 2))
            if "body" in p["shares"][0]
            else None
        ),
    ),
    "joint_key_public_share": (
        "joint_key",
        0,
        lambda p: p["public_shares"].__setitem__(1, flip_hex_byte(p["public_shares"][1], 20)),
    ),
    "issuer_key_fingerprint": (
        "issuer_keys",
        0,
        lambda p: p["keys"][0].__setitem__("fingerprint", flip_hex_byte(p["keys"][0]["fingerprint"], 0)),
    ),
    "base_hash": (
        "channels_open",
        0,
        lambda p: p.__setitem__("election_base_hash", flip_hex_byte(p["election_base_hash"])),
    ),
    "issuance_count": (
        "issuance",
        0,
        lambda p: p["counts"].__setitem__(next(iter(p["counts"])), p["counts"][next(iter(p["counts"]))] + 1),
    ),
    "spoiled_reveal_nonce": (
        "spoiled_ballot",
        0,
        lambda p: p["reveal"]["contests"][0]["nonces"].__setitem__(
            0, flip_hex_byte(p["reveal"]["contests"][0]["nonces"][0], 31)
        ),
    ),
    "tally_ciphertext": (
        "encrypted_tally",
        0,
        lambda p: p["styles"][0]["contests"][0]["ciphertexts"].__setitem__(
            1, flip_hex_byte(p["styles"][0]["contests"][0]["ciphertexts"][1], 40)
        ),
    ),
    "tally_weeding_list": ("encrypted_tally", 0, lambda p: p.__setitem__("superseded", p["superseded"][:1])),
    "decryption_share_byte": (
        "decryption_share",
        1,
        lambda p: p["shares"].__setitem__(2, flip_hex_byte(p["shares"][2], 100)),
    ),
    "result_count": (
        "result",
        0,
        lambda p: p["counts_by_style"][next(iter(p["counts_by_style"]))]["president"].__setitem__(
            0, p["counts_by_style"][next(iter(p["counts_by_style"]))]["president"][0] + 1
        ),
    ),
    "results_hash": ("result", 0, lambda p: p.__setitem__("results_hash", flip_hex_byte(p["results_hash"], 5))),
    "results_seat_moved": ("result", 0, _move_a_seat),
    "results_turnout": (
        "result",
        0,
        lambda p: p["turnout"]["contests"]["president"].__setitem__(
            "registered", p["turnout"]["contests"]["president"]["registered"] + 1
        ),
    ),
}

EXPECTED_CHECK = {
    "ballot_proof_byte": 20,
    "ballot_registrar_signature": 20,
    "ballot_credential_signature": 20,
    "ballot_wrong_style": 20,
    "trustee_commitment_proof": 11,
    # Only its recipient can open an encrypted share; after the fact, the log's promise is what catches the change.
    "encrypted_share_body": 1,
    "joint_key_public_share": 13,
    "issuer_key_fingerprint": 14,
    "base_hash": 15,
    "issuance_count": 16,
    "spoiled_reveal_nonce": 23,
    "tally_ciphertext": 40,
    "tally_weeding_list": 22,
    "decryption_share_byte": 41,
    "result_count": 42,
    "results_hash": 43,
    "results_seat_moved": 43,
    "results_turnout": 43,
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_one_flipped_byte_fails_the_check_that_names_it(name: str, election: BuiltElection, export_copy: Path) -> None:
    kind, nth, mutate = MUTATIONS[name]
    index = election.indices[kind][nth]
    lines = read_lines(export_copy)
    before = repr(_entry(lines, index)["payload"])
    mutate(_entry(lines, index)["payload"])
    assert repr(_entry(lines, index)["payload"]) != before, "the mutation must change the entry"
    write_lines(export_copy, lines)

    report = verify(export_copy)

    assert not report.passed
    log = report.check(1)
    assert log.status is Status.FAIL and index in log.evidence["entry_indices"]
    target = report.check(EXPECTED_CHECK[name])
    assert target.status is Status.FAIL, target.to_json()
    assert str(index) in repr(target.evidence), target.to_json()


def _tree_head_lines(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line.get("type") == "tree_head"]


def test_flipped_byte_in_a_tree_head_root_fails_check_2(export_copy: Path) -> None:
    lines = read_lines(export_copy)
    head = _tree_head_lines(lines)[2]
    body, sep, sigs = head["checkpoint"].partition("\n\n")
    origin, size, root, time = body.split("\n")
    raw = bytearray(base64.b64decode(root))
    raw[0] ^= 1
    head["checkpoint"] = "\n".join([origin, size, base64.b64encode(bytes(raw)).decode(), time]) + sep + sigs
    write_lines(export_copy, lines)
    report = verify(export_copy)
    check = report.check(2)
    assert check.status is Status.FAIL
    assert any(t.get("size") == int(size) for t in check.evidence["tree_heads"])
    assert report.check(1).status is Status.PASS  # the entries themselves are intact


@pytest.mark.parametrize("change", ["flip_a_hash", "drop_a_hash", "drop_the_proof"])
def test_a_wrong_consistency_proof_in_the_export_fails_check_2(export_copy: Path, change: str) -> None:
    lines = read_lines(export_copy)
    head = _tree_head_lines(lines)[2]
    proof = head["consistency"]
    assert proof["hashes"], "the third head's proof from the second is not empty"
    if change == "flip_a_hash":
        proof["hashes"][0] = flip_hex_byte(proof["hashes"][0], 5)
    elif change == "drop_a_hash":
        proof["hashes"].pop()
    else:
        del head["consistency"]
    write_lines(export_copy, lines)
    report = verify(export_copy)
    check = report.check(2)
    assert check.status is Status.FAIL, check.to_json()
    size = int(head["checkpoint"].split("\n")[1])
    (problem,) = check.evidence["tree_heads"]
    assert problem["size"] == size and "consistency proof" in problem["problem"]
    assert report.check(1).status is Status.PASS  # the entries and the signed roots are intact


def test_flipped_byte_in_a_cosignature_fails_check_3(export_copy: Path) -> None:
    lines = read_lines(export_copy)
    cosig = [line for line in lines if line.get("type") == "cosignature"][3]
    cosig["signature"] = flip_hex_byte(cosig["signature"], 10)
    write_lines(export_copy, lines)
    check = verify(export_copy).check(3)
    assert check.status is Status.FAIL
    assert check.evidence["cosignatures"][0]["witness"] == cosig["witness"]


def test_entry_dropped_from_the_export_fails_check_1(election: BuiltElection, export_copy: Path) -> None:
    lines = [line for line in read_lines(export_copy) if not (line.get("type") == "entry" and line["index"] == 20)]
    write_lines(export_copy, lines)
    check = verify(export_copy).check(1)
    assert check.status is Status.FAIL
    assert 20 in check.evidence["entry_indices"]


def test_entries_out_of_phase_order_fail_check_4(election: BuiltElection, export_copy: Path) -> None:
    lines = read_lines(export_copy)
    close = _entry(lines, election.indices["close"][0])
    close["kind"], close["payload"] = "ballot", _entry(lines, election.indices["ballot"][0])["payload"]
    write_lines(export_copy, lines)
    check = verify(export_copy).check(4)
    assert check.status is Status.FAIL  # without the close, the tally comes while voting is still open
    assert check.evidence["entry_index"] == election.indices["encrypted_tally"][0]


def test_dishonest_server_with_valid_signatures_is_caught_by_the_result_check(tmp_path: Path) -> None:
    """The server signs everything properly but publishes one more vote for a candidate: only check 42 fails."""
    from tests.observer.election import build_election

    def inflate(kind: str, payload: Line) -> Line:
        if kind == "result":
            style = next(iter(payload["counts_by_style"]))
            payload["counts_by_style"][style]["president"][1] += 1
        return payload

    built = build_election(tmp_path / "export.jsonl", voters=4, revotes=0, tamper=inflate)
    report = verify(built.path)
    failed = {c.number for c in report.failed()}
    assert failed == {42}, [c.to_json() for c in report.failed()]


def _flip_first_hex(value: Any) -> bool:
    """Flip one byte of the first hex string found in ``value`` (depth first); False if there is none."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        if (
            isinstance(item, str)
            and len(item) >= 2
            and len(item) % 2 == 0
            and all(c in "0123456789abcdef" for c in item)
        ):
            value[key] = flip_hex_byte(item, len(item) // 4)
            return True
        if isinstance(item, dict | list) and _flip_first_hex(item):
            return True
    return False


def test_any_entry_changed_by_one_byte_is_named_by_the_log_check(election: BuiltElection, tmp_path: Path) -> None:
    """Every entry of the record, one at a time: a flipped byte (or, without hex, a changed number) is caught."""
    from observer.board_export import load_export
    from observer.checks.log import merkle_log
    from observer.context import VerificationContext
    from observer.errors import CheckFailedError

    original = read_lines(election.path)
    indices = [line["index"] for line in original if line.get("type") == "entry"]
    for index in indices:
        lines = read_lines(election.path)
        payload = _entry(lines, index)["payload"]
        if not _flip_first_hex(payload):
            payload["election_id"] = payload.get("election_id", "") + "x"
        path = tmp_path / f"entry-{index}.jsonl"
        write_lines(path, lines)
        with pytest.raises(CheckFailedError) as failed:
            merkle_log(VerificationContext(load_export(path)))
        assert failed.value.evidence["entry_indices"] == [index]


def test_two_bad_ballots_in_different_batches_are_both_named(
    election: BuiltElection, export_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import observer.shards

    monkeypatch.setattr(observer.shards, "BATCH_BALLOTS", 3)
    lines = read_lines(export_copy)
    bad = [election.indices["ballot"][1], election.indices["ballot"][8]]
    for index in bad:
        _contest_hex(_entry(lines, index)["payload"])
    write_lines(export_copy, lines)
    check = verify(export_copy).check(20)
    assert check.status is Status.FAIL
    assert check.evidence["entry_indices"] == bad
    assert check.evidence["verified"] == len(election.indices["ballot"]) - 2


@pytest.mark.parametrize(
    ("kind", "number"),
    [("trustee_commitment", 11), ("trustee_share", 12), ("complaint", 12), ("decryption_share", 41)],
)
def test_trustee_post_signed_by_another_key_fails_the_check_naming_it(
    kind: str, number: int, election: BuiltElection, export_copy: Path
) -> None:
    """A trustee post re-signed by a key that is not its trustee's on the manifest's roster (an outsider who
    took the slot): the check that reads that kind fails and names the entry."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from elections.manifest import Manifest
    from record.trustee_posts import sign_trustee_post

    index = election.indices[kind][0]
    lines = read_lines(export_copy)
    manifest = Manifest.from_dict(_entry(lines, 0)["payload"]["manifest"])
    entry = _entry(lines, index)
    entry["payload"] = sign_trustee_post(Ed25519PrivateKey.generate(), manifest.manifest_hash(), kind, entry["payload"])
    write_lines(export_copy, lines)

    report = verify(export_copy)

    target = report.check(number)
    assert target.status is Status.FAIL, target.to_json()
    assert str(index) in repr(target.evidence) and "roster" in repr(target.to_json()), target.to_json()
