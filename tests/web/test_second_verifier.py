"""The second verifier (web/verifier, TypeScript on Node) and the Python verifier agree (issue 18).

Each export below — the observer tests' honest election, each of the observer's one-byte mutations, the log
mutations (tree head root, consistency proofs, cosignature, a dropped entry, phase order), the witness pins,
a `shailoo demo` presidential record, and precinct days with a counting urn and a kiosk, honest and with each forged
device record of tests/web/precinct_exports.py — is verified by both, and the test fails on any disagreement of
the status of a check the TypeScript verifier implements. A check it does not implement yet says
"not_implemented" (never "pass"); the test also pins which checks those are, so a new check joins the comparison
when it is implemented.

The TypeScript verifier is built (``npm run build``: tsc, no network) from ``web/verifier`` once per session; its
``node_modules`` come from ``npm ci`` in ``web/verifier``, run by the test itself once per lock file. Without Node
the tests skip, except under CI=true where they fail.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import tests.observer.election as election_module
from bulletin_board.checkpoint import sign_promise
from bulletin_board.entries import EntryKind
from bulletin_board.export import write_export
from bulletin_board.witness import MemoryWitnessStore, Witness
from crypto import signing
from crypto.group import ORDER
from crypto.threshold import DecryptionShare
from elections.manifest import Manifest
from elections.results_model import ElectionResults
from elections.runoff import runoff_manifest
from observer.context import VerifyOptions, WitnessPin
from observer.verify import verify
from record.annulment import PRECINCT_ANNULMENT_TAG
from record.annulment import signing_body as annulment_signing_body
from record.ballot import SIGNATURE_TAG, ballot_canonical_json
from record.window import utc_ms, utc_text
from tests.observer.election import (
    BuiltElection,
    _precinct_of,
    build_election,
    flip_hex_byte,
    read_lines,
    small_president_manifest,
    write_lines,
)
from tests.observer.test_coercion import earlier_instead_of_last
from tests.observer.test_mutations import MUTATIONS
from tests.web.node import npm_ci
from tests.web.precinct_exports import PRECINCT_MUTATIONS

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web" / "verifier"
CLI = WEB / "dist" / "verifier" / "src" / "cli.js"
IN_CI = os.environ.get("CI", "").lower() == "true"

#: The checks the TypeScript verifier implements (every numbered check of the Python verifier).
IMPLEMENTED = frozenset(
    {1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 30, 31, 32, 33}
    | {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50}
)
#: What passes on a homomorphic record without devices or mixing (30–32 skip without kiosks and urns, 45–49
#: without mixing and coercion resistance).
HOMOMORPHIC = IMPLEMENTED - {30, 31, 32, 45, 46, 47, 48, 49}
#: The checks of the mixing and the coercion-resistant mode, whose failures carry a stable ``code`` in both.
CR_CHECKS = frozenset({45, 46, 47, 48, 49})

Line = dict[str, Any]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the second verifier must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ts_cli() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("Node.js (node, npm) is not installed")
    assert npm is not None
    npm_ci(WEB)  # web/verifier's locked packages, once per lock file (as web/'s own, tests/web/node.py)
    subprocess.run([npm, "run", "--silent", "build"], cwd=WEB, check=True, timeout=300)
    return CLI


@pytest.fixture(scope="session")
def election(tmp_path_factory: pytest.TempPathFactory) -> BuiltElection:
    # 6 voters and 2 re-votes: 8 ballots, enough for every observer mutation (the 7th ballot is the last it changes)
    return build_election(tmp_path_factory.mktemp("record") / "export.jsonl", voters=6, revotes=2)


@pytest.fixture
def export_copy(election: BuiltElection, tmp_path: Path) -> Path:
    path = tmp_path / "export.jsonl"
    shutil.copyfile(election.path, path)
    return path


def run_ts(cli: Path, path: Path, *args: str) -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run([node, str(cli), str(path), "--json", *args], capture_output=True, timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr.decode()
    report: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == (0 if report["passed"] else 1)
    return report


def agree(cli: Path, path: Path, options: VerifyOptions | None = None, *args: str) -> dict[int, str]:
    """Verify ``path`` with both verifiers; fail on any disagreement; return the Python statuses by number."""
    python = verify(path, options).to_json()
    ts = run_ts(cli, path, *args)
    assert ts["format"] == python["format"]
    assert ts["export"] == python["export"]
    assert [(c["number"], c["area"], c["name"]) for c in ts["checks"]] == [
        (c["number"], c["area"], c["name"]) for c in python["checks"]
    ], "the two verifiers must number and name the checks alike"
    py_status = {c["number"]: c["status"] for c in python["checks"]}
    implemented = {c["number"] for c in ts["checks"] if c["status"] != "not_implemented"}
    assert implemented == IMPLEMENTED
    differences = [
        {"check": c["number"], "python": py_status[c["number"]], "typescript": c["status"], "ts_message": c["message"]}
        for c in ts["checks"]
        if c["number"] in implemented and c["status"] != py_status[c["number"]]
    ]
    assert not differences, json.dumps(differences, indent=1, ensure_ascii=False)
    # A failing check names the same entries in both (where both give `entry_indices` as their evidence).
    py_evidence = {c["number"]: c["evidence"] for c in python["checks"]}
    named = [
        {
            "check": c["number"],
            "python": py_evidence[c["number"]]["entry_indices"],
            "typescript": c["evidence"]["entry_indices"],
        }
        for c in ts["checks"]
        if c["number"] in implemented
        and c["status"] == "fail"
        and "entry_indices" in c["evidence"]
        and "entry_indices" in py_evidence[c["number"]]
        and sorted(map(json.dumps, c["evidence"]["entry_indices"]))
        != sorted(map(json.dumps, py_evidence[c["number"]]["entry_indices"]))
    ]
    assert not named, json.dumps(named, indent=1)
    # The coercion-resistant checks fail with the same stable code in both (record.md §2.15's error codes).
    codes = [
        {"check": c["number"], "python": py_evidence[c["number"]]["code"], "typescript": c["evidence"]["code"]}
        for c in ts["checks"]
        if c["number"] in CR_CHECKS
        and c["status"] == "fail"
        and "code" in c["evidence"]
        and "code" in py_evidence[c["number"]]
        and c["evidence"]["code"] != py_evidence[c["number"]]["code"]
    ]
    assert not codes, json.dumps(codes, indent=1)
    return py_status


def _entry(lines: list[Line], index: int) -> Line:
    return next(line for line in lines if line.get("type") == "entry" and line["index"] == index)


def _tree_heads(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line.get("type") == "tree_head"]


def test_both_verifiers_pass_the_honest_record(ts_cli: Path, election: BuiltElection) -> None:
    statuses = agree(ts_cli, election.path)
    assert all(statuses[n] == "pass" for n in HOMOMORPHIC)


@pytest.mark.parametrize(
    "ceremony",
    [{"absent": (2,)}, {"cheaters": {3: 1}}, {"false_complaints": {2: 1}}],
    ids=["absent_trustee_steps_closed", "cheating_dealer", "false_complaint"],
)
def test_both_verifiers_agree_on_ceremonies_with_trouble(
    ts_cli: Path, tmp_path: Path, ceremony: dict[str, Any]
) -> None:
    """A trustee that never posts (its steps closed), a dealer judged by a complaint, a complaint that is false."""
    built = build_election(tmp_path / "export.jsonl", voters=4, revotes=0, **ceremony)
    statuses = agree(ts_cli, built.path)
    assert all(statuses[n] == "pass" for n in HOMOMORPHIC)  # a trustee in trouble is judged, not a failure


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_both_verifiers_agree_on_each_observer_mutation(
    ts_cli: Path, election: BuiltElection, export_copy: Path, name: str
) -> None:
    kind, nth, mutate = MUTATIONS[name]
    lines = read_lines(export_copy)
    mutate(_entry(lines, election.indices[kind][nth])["payload"])
    write_lines(export_copy, lines)
    statuses = agree(ts_cli, export_copy)
    assert statuses[1] == "fail"  # the changed entry breaks the log's promise: both must see it


def _flip_root(lines: list[Line]) -> None:
    head = _tree_heads(lines)[2]
    body, sep, sigs = head["checkpoint"].partition("\n\n")
    origin, size, root, time = body.split("\n")
    raw = bytearray(base64.b64decode(root))
    raw[0] ^= 1
    head["checkpoint"] = "\n".join([origin, size, base64.b64encode(bytes(raw)).decode(), time]) + sep + sigs


def _flip_proof_hash(lines: list[Line]) -> None:
    proof = _tree_heads(lines)[2]["consistency"]
    proof["hashes"][0] = flip_hex_byte(proof["hashes"][0], 5)


def _drop_proof_hash(lines: list[Line]) -> None:
    _tree_heads(lines)[2]["consistency"]["hashes"].pop()


def _drop_proof(lines: list[Line]) -> None:
    del _tree_heads(lines)[2]["consistency"]


def _proof_on_first_head(lines: list[Line]) -> None:
    _tree_heads(lines)[0]["consistency"] = {"hashes": [], "new_size": 1, "old_size": 1}


def _flip_cosignature(lines: list[Line]) -> None:
    cosig = [line for line in lines if line.get("type") == "cosignature"][3]
    cosig["signature"] = flip_hex_byte(cosig["signature"], 10)


def _drop_entry(lines: list[Line]) -> None:
    lines.remove(_entry(lines, 20))


def _drop_end(lines: list[Line]) -> None:
    lines.pop()


def _swap_two_heads(lines: list[Line]) -> None:
    heads = _tree_heads(lines)
    a, b = lines.index(heads[1]), lines.index(heads[2])
    lines[a], lines[b] = lines[b], lines[a]


LOG_MUTATIONS: dict[str, Callable[[list[Line]], None]] = {
    "tree_head_root": _flip_root,
    "consistency_hash_flipped": _flip_proof_hash,
    "consistency_hash_dropped": _drop_proof_hash,
    "consistency_proof_dropped": _drop_proof,
    "consistency_proof_on_first_head": _proof_on_first_head,
    "cosignature_byte": _flip_cosignature,
    "entry_dropped": _drop_entry,
    "end_line_dropped": _drop_end,
    "tree_heads_swapped": _swap_two_heads,
}


@pytest.mark.parametrize("name", sorted(LOG_MUTATIONS))
def test_both_verifiers_agree_on_each_log_mutation(ts_cli: Path, export_copy: Path, name: str) -> None:
    lines = read_lines(export_copy)
    LOG_MUTATIONS[name](lines)
    write_lines(export_copy, lines)
    statuses = agree(ts_cli, export_copy)
    assert statuses[1] == "fail" or statuses[2] == "fail" or statuses[3] == "fail"


def test_both_verifiers_agree_on_entries_out_of_phase_order(
    ts_cli: Path, election: BuiltElection, export_copy: Path
) -> None:
    lines = read_lines(export_copy)
    close = _entry(lines, election.indices["close"][0])
    close["kind"], close["payload"] = "ballot", _entry(lines, election.indices["ballot"][0])["payload"]
    write_lines(export_copy, lines)
    assert agree(ts_cli, export_copy)[4] == "fail"


def test_both_verifiers_agree_on_witness_pins(ts_cli: Path, election: BuiltElection) -> None:
    """A roster witness required by name passes; a name the roster lacks, or a key that contradicts it, fails."""
    name = sorted(election.witness_keys)[0]
    assert agree(ts_cli, election.path, VerifyOptions(witnesses=(WitnessPin(name),)), "--witness", name)[3] == "pass"
    unknown = VerifyOptions(witnesses=(WitnessPin("nobody.test"),))
    assert agree(ts_cli, election.path, unknown, "--witness", "nobody.test")[3] == "fail"
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    contradicts = VerifyOptions(witnesses=(WitnessPin.parse(f"{name}={other}"),))
    assert agree(ts_cli, election.path, contradicts, "--witness", f"{name}={other}")[3] == "fail"


def test_both_verifiers_agree_without_a_witness_roster(ts_cli: Path, tmp_path: Path) -> None:
    built = build_election(tmp_path / "export.jsonl", voters=4, revotes=0, witness_roster=False)
    assert agree(ts_cli, built.path)[3] == "fail"  # nothing pinned: no cosignature counts
    assert agree(ts_cli, built.path, VerifyOptions(min_witnesses=0), "--min-witnesses", "0")[3] == "pass"


def test_both_verifiers_agree_on_the_demo_record(ts_cli: Path, tmp_path: Path) -> None:
    """`shailoo demo` (the presidential preset, 6 voters, test-size issuer keys): the real server's record."""
    from typer.testing import CliRunner

    from cli.main import app

    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--voters", "6", "--issuer-bits", "2048", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert agree(ts_cli, out / "board.jsonl")[14] == "fail"  # its test-size keys are below the 3072-bit minimum
    demo_keys = VerifyOptions(min_issuer_bits=2048)
    statuses = agree(ts_cli, out / "board.jsonl", demo_keys, "--min-issuer-bits", "2048")
    assert all(statuses[n] == "pass" for n in HOMOMORPHIC)


@pytest.mark.parametrize("preset", ["referendum", "village", "parliament-2021", "parliament-2025", "city"])
def test_both_verifiers_agree_on_demo_presets(ts_cli: Path, tmp_path: Path, preset: str) -> None:
    """The quick `shailoo demo` presets (4 voters): both verifiers agree on every check the TypeScript one runs,
    the tally checks 40–44 among them, and those pass: check 43 recomputes every preset's results and seats (the
    2021 demo's few voters suppress every region, so its regional threshold reads none)."""
    from typer.testing import CliRunner

    from cli.main import app

    out = tmp_path / preset
    args = ["demo", "--preset", preset, "--voters", "4", "--issuer-bits", "2048", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    statuses = agree(ts_cli, out / "board.jsonl", VerifyOptions(min_issuer_bits=2048), "--min-issuer-bits", "2048")
    assert all(statuses[n] == "pass" for n in (40, 41, 42, 43, 44))


def test_the_typescript_unit_tests_pass(ts_cli: Path) -> None:
    """web/verifier's vitest suite: RFC 9162 roots and consistency proofs on the Certificate Transparency data."""
    npx = shutil.which("npx")
    assert npx is not None
    done = subprocess.run([npx, "vitest", "run"], cwd=WEB, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout.decode()[-3000:]


def _late_ballots(tmp_path: Path) -> Path:
    base = small_president_manifest()
    closes = utc_text(utc_ms(base.dates.voting_opens) + 10_000)  # ten seconds of voting; the ballots take longer
    manifest = base.with_voting_window(base.dates.voting_opens, closes, clock_tolerance_seconds=0)
    return build_election(tmp_path / "late.jsonl", voters=3, revotes=0, manifest=manifest).path


def _early_close(tmp_path: Path) -> Path:
    manifest = small_president_manifest()
    early = utc_text(utc_ms(manifest.dates.voting_closes) - 11 * 3_600_000)
    return build_election(tmp_path / "early.jsonl", voters=3, revotes=0, manifest=manifest, close_at=early).path


def _early_close_allowed(tmp_path: Path) -> Path:
    base = small_president_manifest()
    manifest = base.with_voting_window(base.dates.voting_opens, base.dates.voting_closes, early_close_allowed=True)
    early = utc_text(utc_ms(manifest.dates.voting_closes) - 3_600_000)
    return build_election(
        tmp_path / "ok.jsonl", voters=3, revotes=0, manifest=manifest, close_at=early, close_reason="flood"
    ).path


@pytest.mark.parametrize(
    ("make", "expected"),
    [(_late_ballots, "fail"), (_early_close, "fail"), (_early_close_allowed, "pass")],
    ids=["ballots_after_voting_closes", "early_close_not_allowed", "early_close_allowed_with_reason"],
)
def test_both_verifiers_agree_on_the_voting_window(
    ts_cli: Path, tmp_path: Path, make: Callable[[Path], Path], expected: str
) -> None:
    assert agree(ts_cli, make(tmp_path))[24] == expected


def test_both_verifiers_fail_app_ballots_that_name_a_precinct(ts_cli: Path, tmp_path: Path) -> None:
    """A server that lets app ballots name a precinct no kiosk vouches for: check 31 fails in both."""
    built = build_election(tmp_path / "export.jsonl", voters=3, revotes=0, app_ballots_name_a_precinct=True)
    assert agree(ts_cli, built.path)[31] == "fail"


Shares = list[DecryptionShare]


def _share_scalar(shares: Shares) -> Shares:
    """The proof's response v of one share, its last byte changed (still a valid scalar): the proof is false."""
    raw = bytearray(shares[0].to_bytes())
    raw[-1] ^= 0x01
    return [DecryptionShare.from_bytes(bytes(raw)), *shares[1:]]


def _shares_swapped(shares: Shares) -> Shares:
    """Two valid shares in each other's place: each proof binds its own ciphertext (alpha and beta)."""
    return [shares[1], shares[0], *shares[2:]]


def _share_point(shares: Shares) -> Shares:
    """M_i of one share replaced by another share's M_i (a valid point, a false share)."""
    first, second = shares[0].to_bytes(), shares[1].to_bytes()
    return [DecryptionShare.from_bytes(first[:4] + second[4:37] + first[37:]), *shares[1:]]


TALLY_MUTATIONS: dict[str, Callable[[Shares], Shares]] = {
    "share_proof_scalar": _share_scalar,
    "shares_swapped": _shares_swapped,
    "share_point": _share_point,
}


@pytest.mark.parametrize("name", sorted(TALLY_MUTATIONS))
def test_both_verifiers_fail_a_false_decryption_share(
    ts_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Check 41 in both. Trustee 1 posts false shares, signed with its roster key into an unbroken log: the record
    differs from an honest one only in the shares' proof equations (every point and scalar decodes), so the
    TypeScript verifier agrees only if it really checks each Chaum-Pedersen proof (in its batch)."""
    compute, combine = election_module.compute_decryption_shares, election_module.combine_decryption_share_vectors
    honest: dict[int, Shares] = {}

    def forged(context: bytes, trustee: int, *args: Any, **kwargs: Any) -> Shares:
        honest[trustee] = list(compute(context, trustee, *args, **kwargs))
        return TALLY_MUTATIONS[name](honest[trustee]) if trustee == 1 else honest[trustee]

    def combined(ciphertexts: Any, _posted: Any, k: int) -> Any:  # the published counts stay the true ones
        return combine(ciphertexts, [honest[t] for t in sorted(honest)], k)

    monkeypatch.setattr(election_module, "compute_decryption_shares", forged)
    monkeypatch.setattr(election_module, "combine_decryption_share_vectors", combined)
    built = build_election(tmp_path / "export.jsonl", voters=3, revotes=0)
    statuses = agree(ts_cli, built.path)
    assert statuses[1] == "pass"  # the log is intact: only the shares are false
    assert statuses[41] == "fail"
    assert statuses[42] == "skipped"


# The responses v_0, v_1 of the first selection's 0/1 proof in an encrypted contest (docs/spec/crypto.md §7.4, §8):
# after the 13-byte header and the selection's ciphertext (66), its commitments (4 × 33) and the challenge c_0 (32).
_V0 = 13 + 66 + 4 * 33 + 32


def _forge_cancelling_proof(encrypted: str) -> str:
    """v_0 + δ and v_1 − δ: each branch's two equations are off by ±δ·G and ±δ·K, which cancel in an unweighted sum
    of all equations; only per-equation random weights (or one-by-one checks) catch it."""
    data = bytearray(bytes.fromhex(encrypted))
    delta = 1 + secrets.randbelow(ORDER - 1)
    v0 = int.from_bytes(data[_V0 : _V0 + 32], "big")
    v1 = int.from_bytes(data[_V0 + 32 : _V0 + 64], "big")
    data[_V0 : _V0 + 32] = ((v0 + delta) % ORDER).to_bytes(32, "big")
    data[_V0 + 32 : _V0 + 64] = ((v1 - delta) % ORDER).to_bytes(32, "big")
    return data.hex()


def test_both_verifiers_name_the_one_ballot_with_a_forged_proof_under_a_valid_signature(
    ts_cli: Path, tmp_path: Path
) -> None:
    """Check 20 batches every ballot's proofs (web/verifier/src/checks/ballot_batch.ts): a proof forged so that its
    errors cancel, in one ballot among many, re-signed by its credential (the server posted it as is), fails check
    20 in both verifiers, naming that ballot alone; its log, signatures and everything else are intact."""
    keys: dict[str, Ed25519PrivateKey] = {}
    seen = [0]

    def forge(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind != "ballot":
            return payload
        seen[0] += 1
        if seen[0] != 5:
            return payload
        contests = [dict(c) for c in payload["contests"]]
        contests[0]["encrypted"] = _forge_cancelling_proof(contests[0]["encrypted"])
        body = {k: v for k, v in payload.items() if k != "signature"} | {"contests": contests}
        key = keys[payload["credential"]["public_key"]]
        signature = key.sign(signing.tagged_message(SIGNATURE_TAG, ballot_canonical_json(body)))
        return body | {"signature": signature.hex()}

    built = build_election(tmp_path / "export.jsonl", voters=10, revotes=0, tamper=forge, voter_keys=keys)
    statuses = agree(ts_cli, built.path)
    assert statuses[20] == "fail"
    assert [n for n in IMPLEMENTED if statuses[n] == "fail"] == [20]
    python = verify(built.path).check(20)
    assert python.evidence["entry_indices"] == [built.indices["ballot"][4]]


def _annulment_forged_by_a_stranger() -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """The same annulment, validly signed — by a key the manifest does not pin (tests/observer/test_annulment.py)."""
    stranger = Ed25519PrivateKey.generate()
    manifest_hash: list[bytes] = []

    def forge(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "manifest":
            manifest_hash.append(bytes.fromhex(payload["manifest_hash"]))
        if kind != "precinct_annulment":
            return payload
        unsigned = {k: v for k, v in payload.items() if k != "signature"}
        unsigned["commission_key"] = signing.public_key_bytes(stranger).hex()
        body = annulment_signing_body(manifest_hash[0], unsigned)
        return {**unsigned, "signature": signing.sign(stranger, PRECINCT_ANNULMENT_TAG, body).hex()}

    return forge


def _annulment_reason_changed(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "reason": payload["reason"] + "!"} if kind == "precinct_annulment" else payload


ANNULMENTS: dict[str, tuple[dict[str, Any], dict[int, str]]] = {
    # name: (build_election options, the statuses both must give)
    "annulled": ({}, {33: "pass", 40: "pass", 42: "pass"}),
    "tally_ignores_the_annulment": ({"tally_ignores_annulments": True}, {33: "pass", 40: "fail"}),
    "signed_by_a_stranger": ({"tamper": "stranger"}, {33: "fail", 40: "pass"}),
    "reason_changed_after_signing": ({"tamper": _annulment_reason_changed}, {33: "fail", 40: "pass"}),
    # The manifest pins a commission key apart from the registrar's: annulments must be signed by it, and the
    # registrar's own key no longer will do.
    "signed_by_the_commission_key": ({"commission_key": "fresh"}, {33: "pass", 40: "pass"}),
    "signed_by_the_registrar_when_a_commission_key_is_pinned": (
        {"commission_key": "fresh", "annulments_signed_by_registrar": True},
        {33: "fail", 40: "pass"},
    ),
}


@pytest.mark.parametrize("name", sorted(ANNULMENTS))
def test_both_verifiers_agree_on_precinct_annulments(ts_cli: Path, tmp_path: Path, name: str) -> None:
    """Check 33 and the tally without the annulled precinct (check 40, record.md §2.17): the commission annuls the
    precinct of the first style after the close; the ballots name their region's precinct (no kiosk vouches for
    them, so check 31 fails in both, as in tests/observer/test_annulment.py)."""
    options, expected = ANNULMENTS[name]
    if options.get("tamper") == "stranger":
        options = {**options, "tamper": _annulment_forged_by_a_stranger()}
    if options.get("commission_key") == "fresh":
        options = {**options, "commission_key": Ed25519PrivateKey.generate()}
    manifest = small_president_manifest()
    precinct = _precinct_of(manifest, manifest.ballot_styles[0].style_id)
    built = build_election(
        tmp_path / "export.jsonl",
        voters=12,
        revotes=0,
        app_ballots_name_a_precinct=True,
        annul=[precinct] if precinct else [],
        **options,
    )
    statuses = agree(ts_cli, built.path)
    assert {n: statuses[n] for n in expected} == expected


def _promise_by(key: Ed25519PrivateKey, board: Any, index: int, entry_hash: bytes) -> str:
    return sign_promise(board.origin, index, entry_hash, 1, key).to_text()


def _complaint(code: str, promise: str | None) -> dict[str, Any]:
    return {
        "complaint_code": code,
        "complainant": "voter",
        "category": "ballot_missing" if promise is not None else "other",
        "promise": promise,
        "text_sha256": None if promise is not None else "ab" * 32,
        "attachments": [],
    }


def _resolution(code: str, finding: str | None, outcome: str) -> dict[str, Any]:
    return {"complaint_code": code, "outcome": outcome, "finding": finding, "reason": "judged against the log"}


CODE_A, CODE_B = "C-0123456789ABCDEF", "C-ABCDEFGHJKMNPQRS"


def _complaints_case(name: str, board: Any) -> list[tuple[str, dict[str, Any]]]:
    """The public_complaint and complaint_resolution entries of each case (record.md §2.16)."""
    own = board._signing_key()  # the board's own key: the promise is genuinely the board's
    kept = board.promise(board.size - 1).to_text()  # the result entry, which the board holds
    missing = _promise_by(own, board, board.size + 5, bytes(32))
    differs = _promise_by(own, board, 0, bytes(32))
    stranger = _promise_by(Ed25519PrivateKey.generate(), board, board.size - 1, board.entry(board.size - 1).entry_hash)
    rejected = _resolution(CODE_A, "entry_present", "rejected")
    cases: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "kept_promise_and_an_open_other_complaint": [
            ("public_complaint", _complaint(CODE_A, kept)),
            ("complaint_resolution", rejected),
            ("public_complaint", _complaint(CODE_B, None)),
        ],
        "broken_promise_entry_missing": [
            ("public_complaint", _complaint(CODE_A, missing)),
            ("complaint_resolution", _resolution(CODE_A, "entry_missing", "upheld")),
        ],
        "broken_promise_entry_differs": [
            ("public_complaint", _complaint(CODE_A, differs)),
            ("complaint_resolution", _resolution(CODE_A, "entry_differs", "upheld")),
        ],
        "broken_promise_resolved_as_kept": [  # the board's own resolution hides that it lost the entry
            ("public_complaint", _complaint(CODE_A, missing)),
            ("complaint_resolution", rejected),
        ],
        "promise_never_answered": [("public_complaint", _complaint(CODE_A, kept))],
        "resolution_with_another_finding": [
            ("public_complaint", _complaint(CODE_A, kept)),
            ("complaint_resolution", _resolution(CODE_A, "entry_missing", "upheld")),
        ],
        "promise_signed_by_another_key": [
            ("public_complaint", _complaint(CODE_A, stranger)),
            ("complaint_resolution", rejected),
        ],
        "complaint_code_reused": [
            ("public_complaint", _complaint(CODE_A, kept)),
            ("complaint_resolution", rejected),
            ("public_complaint", _complaint(CODE_A, None)),
        ],
        "resolution_of_no_complaint": [("complaint_resolution", _resolution(CODE_B, None, "rejected"))],
    }
    return cases[name]


COMPLAINT_CASES = {
    "kept_promise_and_an_open_other_complaint": "pass",
    "broken_promise_entry_missing": "fail",
    "broken_promise_entry_differs": "fail",
    "broken_promise_resolved_as_kept": "fail",
    "promise_never_answered": "fail",
    "resolution_with_another_finding": "fail",
    "promise_signed_by_another_key": "fail",
    "complaint_code_reused": "fail",
    "resolution_of_no_complaint": "fail",
}


@pytest.mark.parametrize("name", sorted(COMPLAINT_CASES))
def test_both_verifiers_agree_on_public_complaints(ts_cli: Path, tmp_path: Path, name: str) -> None:
    """Check 50: complaints filed on the decrypted election's board (allowed in every phase after setup), each
    promise judged against the entries before it; then a tree head over them cosigned by the pinned witnesses."""
    built = build_election(tmp_path / "built.jsonl", voters=3, revotes=0)
    board = built.board
    for kind, payload in _complaints_case(name, board):
        board.append(EntryKind(kind), payload)
    board.integrate()
    for witness, key in built.witness_keys.items():
        clock = board._clock
        board.collect_cosignature(
            Witness(
                witness, key, log_origin=board.origin, log_key=board.public_key, store=MemoryWitnessStore(), clock=clock
            )
        )
    path = tmp_path / "export.jsonl"
    with path.open("wb") as f:
        write_export(board, f)
    statuses = agree(ts_cli, path)
    assert statuses[50] == COMPLAINT_CASES[name]
    assert [n for n in IMPLEMENTED if statuses[n] == "fail"] == ([50] if COMPLAINT_CASES[name] == "fail" else [])


@pytest.fixture(scope="module")
def runoff_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A first round whose result says runoff_needed, its runoff (elections.runoff.runoff_manifest), and another
    first round of the same election id with other votes (another result, so another results hash)."""
    folder = tmp_path_factory.mktemp("runoff")
    first = build_election(folder / "first.jsonl", voters=6, revotes=0)
    other = build_election(folder / "other.jsonl", voters=7, revotes=0)
    lines = read_lines(first.path)
    manifest = Manifest.from_dict(_entry(lines, 0)["payload"]["manifest"])
    results = ElectionResults.model_validate(
        next(line for line in lines if line.get("kind") == "result")["payload"]["results"]
    )
    assert [c.outcome for c in results.contests] == ["runoff_needed"]
    second = runoff_manifest(
        manifest,
        results,
        election_id=manifest.election_id + "-r2",
        voting_opens=manifest.dates.voting_opens,
        voting_closes=manifest.dates.voting_closes,
    )
    runoff = build_election(folder / "runoff.jsonl", voters=4, revotes=0, manifest=second)
    return first.path, runoff.path, other.path


@pytest.mark.parametrize("case", ["linked", "no_previous_export", "not_a_runoff", "another_first_round"])
def test_both_verifiers_agree_on_the_runoff_link(ts_cli: Path, runoff_pair: tuple[Path, Path, Path], case: str) -> None:
    """Check 18 with the first round's export (`--previous-export`, as `shailoo verify` takes it)."""
    first, runoff, other = runoff_pair
    export, previous, expected = {
        "linked": (runoff, first, "pass"),
        "no_previous_export": (runoff, None, "skipped"),
        "not_a_runoff": (first, first, "fail"),  # a first round given a previous export
        "another_first_round": (runoff, other, "fail"),  # its result is not the one the runoff names
    }[case]
    options = VerifyOptions(previous_export=previous)
    args = () if previous is None else ("--previous-export", str(previous))
    statuses = agree(ts_cli, export, options, *args)
    assert statuses[18] == expected


# --------------------------------------------------------------------------------------------------
# The coercion-resistant election (cli.cr_election): its record and the dishonest servers and trustees of
# tests/observer/test_coercion.py, plus shuffles tampered with on their way to the board.
# --------------------------------------------------------------------------------------------------

CrTamper = Callable[[str, dict[str, Any]], dict[str, Any] | None]


def _cr_once(kind: str, change: Callable[[dict[str, Any]], dict[str, Any] | None], at: int = 0) -> CrTamper:
    seen: list[int] = []

    def tamper(k: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if k != kind:
            return payload
        seen.append(1)
        return change(payload) if len(seen) == at + 1 else payload

    return tamper


def _ballot_shuffle(change: Callable[[dict[str, Any]], dict[str, Any] | None], at: int) -> CrTamper:
    """``change`` the ``at``-th shuffle of the ballots' chain (not the roster's)."""
    seen: list[int] = []

    def tamper(kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if kind != "shuffle" or "list" in payload:
            return payload
        seen.append(1)
        return change(payload) if len(seen) == at + 1 else payload

    return tamper


def _roster_shuffle(change: Callable[[dict[str, Any]], dict[str, Any] | None], at: int) -> CrTamper:
    """``change`` the ``at``-th shuffle of the roster's chain."""
    seen: list[int] = []

    def tamper(kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if kind != "shuffle" or payload.get("list") != "roster":
            return payload
        seen.append(1)
        return change(payload) if len(seen) == at + 1 else payload

    return tamper


def _flip_last_hex(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def _drop_last_row(payload: dict[str, Any]) -> dict[str, Any]:
    from crypto.shuffle import rows_from_bytes
    from record.mix import MixInput

    rows = rows_from_bytes(bytes.fromhex(payload["rows"]))
    return MixInput(tuple(rows[:-1]), payload.get("list", "ballots")).to_payload()


def _repeat_second_roster_entry() -> CrTamper:
    first: list[dict[str, Any]] = []

    def repeat(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "cr_roster":
            first.append(payload)
            if len(first) == 2:
                return first[0]
        return payload

    return repeat


def _move_a_vote(payload: dict[str, Any]) -> dict[str, Any]:
    counts = {c: list(v) for c, v in payload["counts"].items()}
    contest = next(iter(counts))
    winner = counts[contest].index(max(counts[contest]))
    counts[contest][winner] -= 1
    counts[contest][(winner + 1) % len(counts[contest])] += 1
    return {**payload, "counts": counts}


#: name → (the tamper, the check it fails in the Python verifier: 45's own, or 46–49's, where 45 still passes).
#: Without the second shuffle the trustees stop before blinding (no result follows): check 45 says the mixing is
#: in progress ("skipped"), in both verifiers.
CR_MUTATIONS: dict[str, tuple[Callable[[], CrTamper], int]] = {
    "shuffle_proof_changed": (lambda: _ballot_shuffle(lambda p: {**p, "proof": _flip_last_hex(p["proof"])}, 0), 45),
    "shuffle_signature_changed": (
        lambda: _ballot_shuffle(lambda p: {**p, "signature": _flip_last_hex(p["signature"])}, 1),
        45,
    ),
    "second_shuffle_left_out": (lambda: _ballot_shuffle(lambda p: None, 1), 45),
    "shuffle_position_changed": (lambda: _ballot_shuffle(lambda p: {**p, "position": 5}, 0), 45),
    "roster_entry_signature_changed": (
        lambda: _cr_once("cr_roster", lambda p: {**p, "signature": _flip_last_hex(p["signature"])}, at=1),
        46,
    ),
    "roster_shuffle_proof_changed": (
        lambda: _roster_shuffle(lambda p: {**p, "proof": _flip_last_hex(p["proof"])}, 1),
        46,
    ),
    "roster_mix_input_leaves_out_a_registration": (
        lambda: lambda kind, p: _drop_last_row(p) if kind == "mix_input" and p.get("list") == "roster" else p,
        46,
    ),
    "omitted_roster_entry": (lambda: _cr_once("cr_roster", lambda p: None, at=1), 46),
    "repeated_roster_entry": (_repeat_second_roster_entry, 46),
    "forged_credential_proof": (
        lambda: _cr_once("cr_ballot", lambda p: {**p, "credential_proof": _flip_last_hex(p["credential_proof"])}, 2),
        47,
    ),
    "mix_input_leaves_out_a_ballot": (lambda: _cr_once("mix_input", _drop_last_row), 47),
    # The server leaves out the second trustee's blinding of the order tags: they are blinded by one trustee only.
    "order_tags_blinded_by_one_trustee": (lambda: _cr_once("cr_blinding", lambda p: None, at=1), 47),
    # A trustee post not signed by its trustee: the order chain's first blinding, a tags decryption (every
    # cr_decryption is authenticated by whoever combines any target, so check 47 already fails on it).
    "order_blinding_signature_changed": (
        lambda: _cr_once("cr_blinding", lambda p: {**p, "signature": _flip_last_hex(p["signature"])}, at=0),
        47,
    ),
    "tags_decryption_signature_changed": (
        lambda: _cr_once("cr_decryption", lambda p: {**p, "signature": _flip_last_hex(p["signature"])}, at=2),
        47,
    ),
    "roster_not_blinded_by_every_trustee": (
        lambda: _cr_once("cr_blinding", lambda p: None if p["list"] == "roster" else p, at=5),
        48,
    ),
    "result_moves_a_vote": (lambda: _cr_once("cr_result", _move_a_vote), 49),
}


def _cr_export(path: Path, tamper: CrTamper | None = None) -> Path:
    """The coercion-resistant election's export (the trustees may refuse a tampered board: the export then holds
    what was posted until they did)."""
    from cli.cr_election import run_cr_election
    from crypto.errors import ShailooError

    try:
        run_cr_election(path, voters=5, coerced=2, revoters=1, tamper=tamper)
    except ShailooError:  # a refusal of the trustees (CrBoardError, an unsigned post, …)
        assert tamper is not None
    return path


def test_both_verifiers_agree_on_the_coercion_resistant_record(ts_cli: Path, tmp_path: Path) -> None:
    """The honest coercion-resistant record: checks 45 (the ballots' mixing chain), 46 (the roster and its mix),
    47 (the ballots, order tags and mix input), 48 (the match blinding) and 49 (the tally) pass in both."""
    path = _cr_export(tmp_path / "cr.jsonl")
    statuses = agree(ts_cli, path)
    assert all(statuses[n] == "pass" for n in (45, 46, 47, 48, 49)), statuses
    assert [n for n in IMPLEMENTED if statuses[n] == "fail"] == []
    checks = {c["number"]: c for c in run_ts(ts_cli, path)["checks"]}
    assert checks[49]["evidence"] == {"kept": 5, "unmatched": 2, "duplicates": 1}
    assert checks[47]["evidence"]["superseded"] == verify(path).check(47).evidence["superseded"]


@pytest.mark.parametrize("name", sorted(CR_MUTATIONS))
def test_both_verifiers_agree_on_each_coercion_resistant_mutation(ts_cli: Path, tmp_path: Path, name: str) -> None:
    make, failing = CR_MUTATIONS[name]
    path = _cr_export(tmp_path / "cr.jsonl", make())
    statuses = agree(ts_cli, path)
    assert statuses[failing] == ("skipped" if name == "second_shuffle_left_out" else "fail"), name
    if failing != 45:
        assert statuses[45] == "pass", name  # the shuffles themselves are correct: only the later check fails


def _moved_value(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One more in the first row's last slot value of the ballots' mix input: another choice or another cell."""
    from crypto.elgamal import Ciphertext
    from crypto.group import Point
    from record.mix import MixInput

    if kind != "mix_input" or payload.get("list", "ballots") != "ballots":
        return payload
    mix_input = MixInput.from_payload(payload)
    first = mix_input.rows[0]
    moved = (*first[:-1], Ciphertext(first[-1].alpha, first[-1].beta + Point.generator()))
    return MixInput((moved, *mix_input.rows[1:])).to_payload()


def test_both_verifiers_fail_a_mix_input_keeping_a_re_voters_earlier_ballot(ts_cli: Path, tmp_path: Path) -> None:
    statuses = agree(ts_cli, _cr_export(tmp_path / "cr.jsonl", earlier_instead_of_last()))
    assert statuses[47] == "fail" and statuses[45] == "pass"


def test_both_verifiers_fail_a_mix_input_with_a_moved_packed_value(ts_cli: Path, tmp_path: Path) -> None:
    """The 2021 ballot (a party list with its regional cells and a district): a slot value moved by one in the mix
    input, shuffled faithfully after — check 47 recomputes every row from the posted ballots and the cell parts."""
    from cli.cr_election import run_cr_election

    path = tmp_path / "cr.jsonl"
    run_cr_election(path, preset="parliament-2021", voters=3, coerced=1, revoters=0, tamper=_moved_value)
    statuses = agree(ts_cli, path)
    assert statuses[47] == "fail" and statuses[45] == "pass"


def _trustees_choosing_exponents(path: Path, exponent: Any, refused: str) -> Path:
    from cli.cr_election import run_cr_election
    from record.cr_board import CrBoardError

    with pytest.raises(CrBoardError) as e:
        run_cr_election(path, voters=5, coerced=2, revoters=1, exponent=exponent)
    assert e.value.code == refused
    return path


def test_both_verifiers_fail_a_trustee_reusing_its_order_exponent(ts_cli: Path, tmp_path: Path) -> None:
    """Trustee 3 blinds the order tags and the match tags with one exponent: `blinding_key_reused` in check 48."""
    from crypto.group import Scalar

    reused = Scalar.random()
    path = _trustees_choosing_exponents(
        tmp_path / "cr.jsonl",
        lambda step, trustee: reused if trustee.index == 3 else Scalar.random(),
        "blinding_key_reused",
    )
    statuses = agree(ts_cli, path)
    assert statuses[48] == "fail" and statuses[47] == "pass"


def test_both_verifiers_fail_match_exponents_whose_product_is_the_order_exponents(ts_cli: Path, tmp_path: Path) -> None:
    """Trustees 1 and 3 choose z1·z3 = y1·y3 with every key distinct: check 48 passes, check 49 fails on the
    decrypted tags (`tags_linkable`) although no cr_result follows."""
    from crypto.group import Scalar

    y1, y3, c = Scalar.random(), Scalar.random(), Scalar.random()
    chosen = {("order", 1): y1, ("order", 3): y3, ("match", 1): y1 * c, ("match", 3): y3 * c.inverse()}
    path = _trustees_choosing_exponents(
        tmp_path / "cr.jsonl", lambda step, trustee: chosen[(step, trustee.index)], "tags_linkable"
    )
    statuses = agree(ts_cli, path)
    assert statuses[48] == "pass" and statuses[49] == "fail"


def test_both_verifiers_agree_without_re_voting(ts_cli: Path, tmp_path: Path) -> None:
    """`policy.revoting_allowed` false: the FIRST ballot of each credential is mixed (keep-first), and passes."""
    from cli.cr_election import run_cr_election

    path = tmp_path / "cr.jsonl"
    run_cr_election(path, voters=5, coerced=2, revoters=1, revoting=False)
    statuses = agree(ts_cli, path)
    assert all(statuses[n] == "pass" for n in (45, 46, 47, 48, 49)), statuses


@pytest.mark.parametrize("preset", ["parliament-2021", "village", "president"])
def test_both_verifiers_count_spoilt_packed_contests_as_invalid(ts_cli: Path, tmp_path: Path, preset: str) -> None:
    """A spoilt voter casts, in every contest that has one, a number naming no valid choice ("against all" with a
    preference on the 2021 list, every mark on the village council, a number past the last candidate): both
    verifiers decode it as an invalid ballot of its contest and recompute the same cr_result."""
    from cli.cr_election import run_cr_election

    path = tmp_path / "cr.jsonl"
    run_cr_election(path, preset=preset, voters=3, coerced=1, revoters=1, spoilt=1)
    posted = next(line for line in read_lines(path) if line.get("kind") == "cr_result")["payload"]
    statuses = agree(ts_cli, path)
    assert all(statuses[n] == "pass" for n in (45, 46, 47, 48, 49)), statuses
    assert sum(posted["invalid"].values()) >= 1  # the spoilt voter's numbers, decoded as invalid


@pytest.mark.parametrize("preset", ["president", "parliament-2025", "parliament-2021", "referendum", "city", "village"])
def test_both_verifiers_agree_on_coercion_resistant_demo_presets(ts_cli: Path, tmp_path: Path, preset: str) -> None:
    """`shailoo demo --coercion-resistant --preset P` (4 voters, 1 coerced): every contest kind packed, voters over
    several ballot styles (one with a padded row); checks 45–49 pass in both."""
    from typer.testing import CliRunner

    from cli.main import app

    args = ["demo", "--coercion-resistant", "--preset", preset, "--voters", "4", "--coerced", "1"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    statuses = agree(ts_cli, tmp_path / "board.jsonl")
    assert all(statuses[n] == "pass" for n in (45, 46, 47, 48, 49)), statuses


def _swap_first_two_hex(text: str, size: int) -> str:
    return text[size : 2 * size] + text[:size] + text[2 * size :]


#: A cheating trustee who signs its own false post (every signature holds): (the kind it posts, the list or target
#: and the place it cheats at, the check that must fail). A blinding's first two outputs swapped after proving
#: (each proof then speaks of another output), or two of its decryption shares swapped (each proof of another
#: ciphertext): only the proofs catch them.
TRUSTEE_CHEATS: dict[str, tuple[str, str, int, int]] = {
    "order_blinding_outputs_swapped": ("cr_blinding", "order", 1, 47),
    "ballots_blinding_outputs_swapped": ("cr_blinding", "ballots", 0, 48),
    "order_decryption_shares_swapped": ("cr_decryption", "order", 3, 47),
    "tags_decryption_shares_swapped": ("cr_decryption", "tags", 3, 49),
}


@pytest.mark.parametrize("cheat", sorted(TRUSTEE_CHEATS))
def test_both_verifiers_fail_a_signed_blinding_or_decryption_that_cheats(
    ts_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cheat: str
) -> None:
    import trustees.cr_in_process as cr_trustees
    from cli.cr_election import run_cr_election
    from crypto.errors import ShailooError
    from record.trustee_posts import sign_trustee_post

    kind, which, at, failing = TRUSTEE_CHEATS[cheat]
    honest_blinding, honest_decryption = cr_trustees.make_blinding_post, cr_trustees.make_decryption_post

    def resigned(key: Any, manifest: Manifest, payload: dict[str, Any], field: str, swapped: str) -> dict[str, Any]:
        changed = {**{n: v for n, v in payload.items() if n != "signature"}, field: swapped}
        return sign_trustee_post(key, manifest.manifest_hash(), kind, changed)

    def blinding(key: Any, manifest: Manifest, base: bytes, trustee: int, lst: str, position: int, *rest: Any) -> Any:
        payload = honest_blinding(key, manifest, base, trustee, lst, position, *rest)
        if kind != "cr_blinding" or (lst, position) != (which, at):
            return payload
        outputs = payload["outputs"]  # u8(1) ‖ u32(N) ‖ u32(1) (18 hex digits), then 66-byte ciphertexts
        swapped = outputs[:18] + _swap_first_two_hex(outputs[18:], 132)
        return resigned(key, manifest, payload, "outputs", swapped)

    def decryption(key: Any, manifest: Manifest, base: bytes, trustee: int, share: Any, target: str, cts: Any) -> Any:
        payload = honest_decryption(key, manifest, base, trustee, share, target, cts)
        if kind != "cr_decryption" or (target, trustee) != (which, at):
            return payload
        # 135-byte shares of one trustee: the first two swapped (their indices are equal), each proof then of the
        # other ciphertext
        return resigned(key, manifest, payload, "shares", _swap_first_two_hex(payload["shares"], 270))

    monkeypatch.setattr(cr_trustees, "make_blinding_post", blinding)
    monkeypatch.setattr(cr_trustees, "make_decryption_post", decryption)
    path = tmp_path / "cr.jsonl"
    # The trustees may refuse the false shares they combine: the export then holds what was posted until then.
    with contextlib.suppress(ShailooError):
        run_cr_election(path, voters=5, coerced=2, revoters=1)
    statuses = agree(ts_cli, path)
    assert statuses[failing] == "fail", statuses
    assert statuses[1] == "pass"  # the log is intact: the board holds what the trustees signed
    assert [n for n in range(45, failing) if statuses[n] == "fail"] == [], statuses


class _Stop(Exception):
    """Raised by a tamper to stop the tally before an entry (the export holds what was posted until then)."""


#: The tally stopped before an entry: (its kind, what names it, the statuses of 45–49 both verifiers must give). A
#: step in progress is a skip, never a failure (record.md §3: check 47 "skipped while the order step is in progress
#: and no mix_input stands", check 49 with no cr_result yet).
STOPS: dict[str, tuple[str, str, dict[int, str]]] = {
    "before_the_ballots_mix_input": ("mix_input", "ballots", {45: "skipped", 47: "skipped", 48: "skipped"}),
    "before_the_match_blinding": ("cr_blinding", "ballots", {47: "pass", 48: "skipped", 49: "skipped"}),
    "before_the_tags_decryption": ("cr_decryption", "tags", {48: "pass", 49: "skipped"}),
    "before_the_choices_decryption": ("cr_decryption", "choices", {48: "pass", 49: "skipped"}),
    "before_the_result": ("cr_result", "", {48: "pass", 49: "skipped"}),
}


def _stop_before(kind: str, which: str) -> CrTamper:
    def tamper(k: str, payload: dict[str, Any]) -> dict[str, Any]:
        named = payload.get("list", payload.get("target", "ballots" if k == "mix_input" else ""))
        if k == kind and named == which:
            raise _Stop
        return payload

    return tamper


@pytest.mark.parametrize("stop", sorted(STOPS))
def test_both_verifiers_skip_a_coercion_resistant_tally_in_progress(ts_cli: Path, tmp_path: Path, stop: str) -> None:
    from cli.cr_election import run_cr_election

    kind, which, expected = STOPS[stop]
    path = tmp_path / "cr.jsonl"
    with pytest.raises(_Stop):
        run_cr_election(path, voters=5, coerced=2, revoters=1, tamper=_stop_before(kind, which))
    statuses = agree(ts_cli, path)
    assert {n: statuses[n] for n in expected} == expected
    assert [n for n in IMPLEMENTED if statuses[n] == "fail"] == []


def test_both_verifiers_agree_on_a_shuffle_proof_flipped_in_the_export(ts_cli: Path, tmp_path: Path) -> None:
    """One byte of the first ballots' shuffle's proof changed after the fact (the log's promise breaks too)."""
    path = _cr_export(tmp_path / "cr.jsonl")
    lines = read_lines(path)
    shuffle = next(line for line in lines if line.get("kind") == "shuffle" and "list" not in line["payload"])
    shuffle["payload"]["proof"] = flip_hex_byte(shuffle["payload"]["proof"], 200)
    write_lines(path, lines)
    statuses = agree(ts_cli, path)
    assert statuses[1] == "fail" and statuses[45] == "fail"


def _reencrypted_first(rows: list[Any], key: Any) -> list[Any]:
    from crypto.elgamal import Ciphertext
    from crypto.group import Point

    first = tuple(Ciphertext(ct.alpha + Point.generator(), ct.beta + key) for ct in rows[0])
    return [first, *rows[1:]]


@dataclass
class _ShuffleCall:
    """One ballots' shuffle a trustee is about to post: what it signs with, where, of which list."""

    identity: Any
    trustee: int
    position: int
    rows: Any
    changed_outputs: Callable[[list[Any], Any], list[Any]] | None = None
    #: What the post says, when it differs from what the proof was made for (the list, the place).
    claimed_rows: Any = None
    claimed_position: int | None = None


def _swap_first_two(rows: list[Any], key: Any) -> list[Any]:
    return [rows[1], rows[0], *rows[2:]]


def _outputs_swapped(calls: list[_ShuffleCall], call: _ShuffleCall) -> _ShuffleCall:
    return replace(call, changed_outputs=_swap_first_two) if call.position == 0 else call


def _output_reencrypted(calls: list[_ShuffleCall], call: _ShuffleCall) -> _ShuffleCall:
    return replace(call, changed_outputs=_reencrypted_first) if call.position == 0 else call


def _mix_input_again(calls: list[_ShuffleCall], call: _ShuffleCall) -> _ShuffleCall:
    return replace(call, rows=calls[0].rows) if call.position == 1 else call


def _same_trustee_twice(calls: list[_ShuffleCall], call: _ShuffleCall) -> _ShuffleCall:
    return replace(call, identity=calls[0].identity, trustee=calls[0].trustee) if call.position == 1 else call


def _names_the_mix_input(calls: list[_ShuffleCall], call: _ShuffleCall) -> _ShuffleCall:
    return replace(call, claimed_rows=calls[0].rows) if call.position == 1 else call


def _proved_for_the_next_place(calls: list[_ShuffleCall], call: _ShuffleCall) -> _ShuffleCall:
    return replace(call, position=1) if call.position == 0 else call


def _says_the_next_place(calls: list[_ShuffleCall], call: _ShuffleCall) -> _ShuffleCall:
    return replace(call, claimed_position=1) if call.position == 0 else call


#: A cheating mixing trustee (or two colluding) who signs its own shuffle post: every signature holds, so only
#: check 45's own mechanism catches each — the proof (outputs changed after proving, even to a re-encryption of
#: the same plaintext), the chain's input hash (a correct proof of the newest list naming the old one), distinct
#: trustees, and the position (a correct proof at its place saying it is at the next). A proof of the old list, or
#: one made for the next place, is refused by the proof too (its statement and context are not the chain's).
SHUFFLE_CHEATS: dict[str, Callable[[list[_ShuffleCall], _ShuffleCall], _ShuffleCall]] = {
    "outputs_swapped_after_proving": _outputs_swapped,
    "an_output_reencrypted_after_proving": _output_reencrypted,
    "the_second_shuffles_the_mix_input_again": _mix_input_again,
    "one_trustee_shuffles_twice": _same_trustee_twice,
    "a_shuffle_naming_the_mix_input_as_its_input": _names_the_mix_input,
    "a_shuffle_proved_for_the_next_place": _proved_for_the_next_place,
    "a_shuffle_saying_it_is_at_the_next_place": _says_the_next_place,
}


@pytest.mark.parametrize("cheat", sorted(SHUFFLE_CHEATS))
def test_both_verifiers_fail_a_signed_shuffle_that_cheats(
    ts_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cheat: str
) -> None:
    import trustees.cr_in_process as cr_trustees
    from crypto.shuffle import shuffle
    from record.mix import ShufflePost, rows_hash, shuffle_context
    from record.trustee_posts import sign_trustee_post

    honest = cr_trustees.make_shuffle_post
    calls: list[_ShuffleCall] = []

    def cheating(
        identity: Any,
        manifest: Manifest,
        base: bytes,
        key: Any,
        trustee: int,
        position: int,
        rows: Any,
        source: Any = None,
        which: str = "ballots",
    ) -> dict[str, Any]:
        if which != "ballots":
            return honest(identity, manifest, base, key, trustee, position, rows, source, which)
        call = _ShuffleCall(identity, trustee, position, rows)
        calls.append(call)
        call = SHUFFLE_CHEATS[cheat](calls, call)
        outputs, _, proof = shuffle(shuffle_context(base, call.position, call.trustee), key, call.rows)
        if call.changed_outputs is not None:
            outputs = call.changed_outputs(list(outputs), key)
        named = call.rows if call.claimed_rows is None else call.claimed_rows
        at = call.position if call.claimed_position is None else call.claimed_position
        post = ShufflePost(call.trustee, at, rows_hash(named), tuple(outputs), proof)
        return sign_trustee_post(call.identity, manifest.manifest_hash(), "shuffle", post.to_payload())

    monkeypatch.setattr(cr_trustees, "make_shuffle_post", cheating)
    statuses = agree(ts_cli, _cr_export(tmp_path / "cr.jsonl", lambda kind, payload: payload))
    assert statuses[45] == "fail"
    assert statuses[1] == "pass"  # the log is intact: the board holds what the trustees signed


@pytest.mark.parametrize("cheat", ["registrar_posts_a_credential_twice", "trustees_mix_a_shortened_roster"])
def test_both_verifiers_fail_a_roster_that_cheats(
    ts_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cheat: str
) -> None:
    """Check 46's mechanisms one by one, every signature valid: the registrar signs one encrypted credential at two
    consecutive places (only the no-credential-twice rule catches it), or the trustees mix a roster without its
    last registration, a mix input and shuffles that agree with each other (only the comparison of the roster's
    mix input with the cr_roster entries catches it)."""
    import cli.cr_election as cr_cli
    import trustees.cr_in_process as cr_trustees

    if cheat == "registrar_posts_a_credential_twice":
        honest_post = cr_cli.make_roster_post
        first: list[Any] = []

        def post(key: Any, manifest: Manifest, position: int, credential: Any) -> dict[str, Any]:
            first.append(credential)
            return honest_post(key, manifest, position, first[0] if position == 1 else credential)

        monkeypatch.setattr(cr_cli, "make_roster_post", post)
    else:
        honest_check = cr_trustees.check_roster
        monkeypatch.setattr(cr_trustees, "check_roster", lambda m, p: honest_check(m, p)[:-1])
    statuses = agree(ts_cli, _cr_export(tmp_path / "cr.jsonl", lambda kind, payload: payload))
    assert statuses[46] == "fail"
    assert statuses[1] == "pass"


# --------------------------------------------------------------------------------------------------
# Precinct days (tests/precinct/day.py on the real server): a counting urn's paper ballots, a kiosk, app ballots,
# and every forged device record of tests/precinct and tests/observer (tests/web/precinct_exports.py).
# --------------------------------------------------------------------------------------------------

DAY_OPTIONS = VerifyOptions(min_issuer_bits=2048)
DAY_ARGS = ("--min-issuer-bits", "2048")
#: Checks 30–32 and the tally, which pass on an honest precinct day (the server harness has no witnesses: 3 fails).
DAY_CHECKS = (30, 31, 32, 40, 41, 42, 43, 44)


def _ts_check(cli: Path, path: Path, number: int) -> dict[str, Any]:
    return next(c for c in run_ts(cli, path, *DAY_ARGS)["checks"] if c["number"] == number)


@pytest.fixture(scope="module")
def honest_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.web.precinct_exports import DayPlan, precinct_day_export

    return precinct_day_export(tmp_path_factory.mktemp("day"), DayPlan())


def test_both_verifiers_pass_the_honest_precinct_day(ts_cli: Path, honest_day: Path) -> None:
    """An urn's 30 paper sheets (one overvote) in 3 batches and its protocol, a kiosk's two ballots at another
    precinct (below the minimum cell: its protocol prints no counts), three app ballots: checks 30–32 and the tally
    with the paper ballots pass in both, with the same figures."""
    statuses = agree(ts_cli, honest_day, DAY_OPTIONS, *DAY_ARGS)
    assert {n: statuses[n] for n in DAY_CHECKS} == dict.fromkeys(DAY_CHECKS, "pass")
    python = verify(honest_day, DAY_OPTIONS)
    assert _ts_check(ts_cli, honest_day, 31)["evidence"] == python.check(31).evidence
    assert _ts_check(ts_cli, honest_day, 32)["evidence"] == python.check(32).evidence
    assert python.check(32).evidence["precincts"] == {"pr0001": "equal", "pr0002": "below_minimum_cell"}
    assert python.check(40).evidence["ballots_counted"] == 3 + 2 + 30


@pytest.mark.parametrize("name", sorted(PRECINCT_MUTATIONS))
def test_both_verifiers_agree_on_each_precinct_mutation(ts_cli: Path, tmp_path: Path, name: str) -> None:
    """Each forged device record of a precinct day (a registration twice, at an unknown precinct, with a bad key; a
    batch signed by another key, replayed, dropped, re-chained, of another precinct; a sheet twice; a paper proof
    forged so that its errors cancel; a kiosk listing a ballot not on the board or not of its precinct; a protocol
    missing, twice, not closing the chain, changed after signing, with moved counts; more ballots read than voters
    identified; an urn encrypting other votes than it prints): both verifiers agree on every check, name the same
    entries, and give the statuses the Python tests expect."""
    from tests.web.precinct_exports import PRECINCT_MUTATIONS, precinct_day_export

    make, expected = PRECINCT_MUTATIONS[name]
    path = precinct_day_export(tmp_path, make())
    statuses = agree(ts_cli, path, DAY_OPTIONS, *DAY_ARGS)
    assert {n: statuses[n] for n in expected} == expected
    assert statuses[1] == "pass"  # the log is intact: the board holds what the devices (or forgers) posted
    python_report = verify(path, DAY_OPTIONS)
    for number in (30, 31):  # a failing check names the same problems, by code and entry
        if statuses[number] == "fail":
            python = python_report.check(number).evidence.get("problems", [])
            ts = _ts_check(ts_cli, path, number)["evidence"].get("problems", [])
            assert sorted((p["code"], p["entry_index"]) for p in ts) == sorted(
                (p["code"], p["entry_index"]) for p in python
            ), number
