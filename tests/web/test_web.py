"""The voter web app (web/): its TypeScript tests, its committed build, and ballots it makes, sent to the server.

* the vitest suite of ``web/core`` reproduces the Python vectors under ``tests/vectors/`` byte for byte;
* the committed build ``web/dist/app`` (what ``shailoo serve`` serves at ``/app``) equals a fresh build;
* a ballot made by the TypeScript code (credential key, RFC 9474 blinding, encryption, proofs, signature) is
  accepted by the Python server, and refused — changing nothing — when one byte of it is changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.harness import Election
from tests.web.node import CLI, WEB, ensure_packages, need_node, run


@pytest.fixture(scope="module")
def node() -> str:
    ensure_packages()
    return need_node()[0]


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Election]:
    e = Election(tmp_path_factory.mktemp("web-president")).setup_to_voting()
    yield e
    e.close()


def test_vitest_suite_passes(node: str) -> None:
    done = run([node, "node_modules/vitest/vitest.mjs", "run"], timeout=600)
    print(done.stdout[-2000:])
    assert done.returncode == 0, done.stdout + done.stderr


def test_typescript_is_strict_and_compiles(node: str) -> None:
    done = run([node, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_committed_build_equals_a_fresh_build(node: str, tmp_path: Path) -> None:
    out = tmp_path / "app"
    done = run([node, "build.mjs", "--out", str(out)], timeout=300)
    assert done.returncode == 0, done.stderr
    committed = WEB / "dist" / "app"
    fresh = {p.name: p.read_bytes() for p in out.iterdir()}
    served = {p.name: p.read_bytes() for p in committed.iterdir()}
    assert sorted(fresh) == sorted(served)
    stale = [name for name in fresh if fresh[name] != served[name]]
    assert not stale, f"web/dist/app is stale ({stale}): run `npm run build` in web/ and commit"


def _cli(node: str, command: str, payload: dict[str, Any]) -> dict[str, Any]:
    done = run([node, str(CLI), command], stdin=json.dumps(payload), timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _typescript_ballot(node: str, election: Election) -> dict[str, Any]:
    """A voter identified by the precinct device; the TypeScript code makes her credential and her ballot."""
    client = election.voter_client()
    number, _ = election.register_voter()
    session = client.start_identification(number)
    identified = election.attest(client, number, session.session_id)
    view = client.election()
    key = next(k for k in view.public.issuer_keys if k.style_id == identified.style_id)
    common = {
        "election_id": view.manifest.election_id,
        "style_id": identified.style_id,
        "modulus_hex": key.modulus_hex,
        "public_exponent": key.public_exponent,
    }
    pending = _cli(node, "credential-request", common)
    issued = election.http.post(
        "/v1/credentials", json={"session_id": session.session_id, "blinded_message": pending["blinded_message"]}
    )
    assert issued.status_code == 200, issued.text
    style = view.manifest.ballot_style(identified.style_id)
    contests = []
    for i, contest_id in enumerate(style.contest_ids):
        contest = view.manifest.contest(contest_id)
        vector = [0] * len(contest.selections)
        vector[i % len(vector)] = 1
        contests.append(
            {
                "contest_id": contest_id,
                "selections": vector,
                "min_marks": contest.min_marks,
                "max_marks": contest.max_marks,
            }
        )
    return _cli(
        node,
        "ballot",
        {
            **common,
            **pending,
            "blind_signature": issued.json()["blind_signature"],
            "joint_public_key": view.public.joint_public_key,
            "election_base_hash": view.public.election_base_hash,
            "contests": contests,
        },
    )


def _flip_hex(text: str, at: int) -> str:
    return text[:at] + ("1" if text[at] == "0" else "0") + text[at + 1 :]


def test_the_server_accepts_a_typescript_ballot_and_refuses_it_with_one_byte_changed(
    node: str, election: Election
) -> None:
    made = _typescript_ballot(node, election)
    ballot = made["ballot"]
    size_before = election.components.board.size

    # One byte (two hex digits' worth: one digit) of a ciphertext changed: refused, and the board is unchanged.
    tampered = json.loads(json.dumps(ballot))
    contest = tampered["contests"][0]
    contest["encrypted"] = _flip_hex(contest["encrypted"], 2 * 13 + 40)  # inside the first beta
    refused = election.http.post("/v1/ballots", json={"ballot": tampered})
    assert refused.status_code in (400, 422), refused.text
    assert refused.json()["code"] in ("invalid_signature", "invalid_point", "non_canonical", "invalid_proof")
    assert election.components.board.size == size_before

    accepted = election.http.post("/v1/ballots", json={"ballot": ballot})
    assert accepted.status_code == 200, accepted.text
    receipt = accepted.json()
    assert receipt["tracking_code"] == made["tracking_code"]
    assert receipt["credential_fingerprint"] == made["credential_fingerprint"]


def test_a_typescript_challenge_opens_on_the_server(node: str, election: Election) -> None:
    made = _typescript_ballot(node, election)
    body = {"ballot": made["ballot"], "reveal": made["reveal"]}
    wrong = json.loads(json.dumps(body))
    first = wrong["reveal"]["contests"][0]
    first["selections"] = [1 - s for s in first["selections"]]  # the reveal claims other marks
    refused = election.http.post("/v1/challenges", json=wrong)
    assert refused.status_code in (400, 422), refused.text
    assert refused.json()["code"] == "spoil_mismatch"
    spoiled = election.http.post("/v1/challenges", json=body)
    assert spoiled.status_code == 200, spoiled.text
    assert spoiled.json()["kind"] == "spoiled_ballot"


_APP_ROUTES = (
    ("/v1/election", "get"),
    ("/v1/ballot-styles/{style_id}", "get"),
    ("/v1/identification/sessions", "post"),
    ("/v1/identification/sessions/{session_id}/face", "post"),
    ("/v1/credentials", "post"),
    ("/v1/challenges", "post"),
    ("/v1/ballots", "post"),
)


def test_every_error_code_the_app_can_meet_has_a_message_in_ky_ru_en(election: Election) -> None:
    """Each code the server documents for the routes the app calls has its own text in web/app/src/i18n.ts (an
    unknown code would still show the generic text, never the code itself)."""
    import re

    spec = election.app.openapi()
    codes: set[str] = set()
    for path, method in _APP_ROUTES:
        for response in spec["paths"][path][method]["responses"].values():
            codes.update(re.findall(r"`([a-z_]+)`", response.get("description", "")))
    assert {"face_mismatch", "locked_out", "duplicate_ballot"} <= codes
    source = (WEB / "app" / "src" / "i18n.ts").read_text(encoding="utf-8")
    errors = source[source.index("export const ERRORS") :]
    entries = dict(re.findall(r"\n  ([a-z_]+): \{ ky: '([^']+)', ru: '[^']+', en: '[^']+' \}", errors))
    missing = sorted(codes - set(entries))
    assert not missing, f"no voter-facing message for {missing}"
