"""``shailoo voter cr-*``: the coercion-resistant mode from a terminal, against the real app (in-process).

The voter registers (real credential), makes fakes at any time through the same flow and output, lists, exports,
and casts; a coercer checks a handed-over fake (the proof passes) and casts with it; the tally drops his ballots.
The wallet seals every credential alike: nothing in it says which is real (same entry form and size, the real one
not first), and nothing secret is in the file in clear.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from typer.testing import CliRunner

import cli.voter
from cli.main import app
from cli.wallet import CrWallet
from crypto.credentials import encrypt_credential, prove_roster_credential, public_credential
from crypto.group import Point, Scalar
from mobile_api.client import CrCredential, VoterClient
from tests.server.harness import DEVICE_ID, Election
from trustees.cr_in_process import WorkingTrustee, run_cr_tally
from trustees.keystore import Keystore
from voting_server.cr_api import cr_base_hash

CR_POLICY = {"mode": "coercion_resistant", "mixing_trustees_required": 2}
PASSPHRASE = "a passphrase for the cr wallet"
SERVER = ["--server", "http://shailoo.test"]
CODE = re.compile(r"check code ([A-Z2-7]{4}-[A-Z2-7]{4})")


@pytest.fixture
def cr_election(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Election]:
    e = Election(tmp_path, policy=CR_POLICY)
    try:
        e.load_manifest()
        e.key_ceremony()
        e.open_voting()
        monkeypatch.setattr(cli.voter, "_client", lambda server, *_: VoterClient(e.http))
        yield e
    finally:
        e.close()


def runner() -> CliRunner:
    return CliRunner(env={"SHAILOO_WALLET_PASSPHRASE": PASSPHRASE})


def register(election: Election, tmp_path: Path, wallet: Path) -> Any:
    number, _ = election.register_voter(election.manifest.ballot_styles[0].style_id)
    seed = election.device_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    (tmp_path / "device.key").write_text(seed.hex())
    identify = ["--national-id", number, "--device-key", str(tmp_path / "device.key"), "--device-id", DEVICE_ID]
    return runner().invoke(app, ["voter", "cr-register", *SERVER, *identify, "--wallet", str(wallet)])


def sealed_entries(wallet: Path) -> list[dict[str, Any]]:
    return list(Keystore.open(wallet, PASSPHRASE).secrets["credentials"])


def choices(election: Election, index: int) -> list[str]:
    out = []
    for contest_id in election.manifest.ballot_styles[0].contest_ids:
        selections = election.manifest.contest(contest_id).selections
        out += ["--choice", f"{contest_id}={selections[index % len(selections)].selection_id}"]
    return out


def test_register_fake_export_vote_and_the_tally_drops_the_fakes(cr_election: Election, tmp_path: Path) -> None:
    wallet = tmp_path / "wallet.json"
    real = register(cr_election, tmp_path, wallet)
    assert real.exit_code == 0, real.output
    assert wallet.stat().st_mode & 0o077 == 0
    real_code = CODE.findall(real.output)[0]
    fakes = [runner().invoke(app, ["voter", "cr-fake", *SERVER, "--wallet", str(wallet)]) for _ in range(2)]
    for fake in fakes:
        assert fake.exit_code == 0, fake.output
        # The same flow and output as the real one: only the (random) check code differs; the proof printed as
        # passing was checked by the same code.
        assert CODE.sub("check code X", fake.output) == CODE.sub("check code X", real.output)
        assert "designated-verifier proof: passed" in fake.output
    fake_codes = [CODE.findall(f.output)[0] for f in fakes]
    assert len({real_code, *fake_codes}) == 3

    listed = runner().invoke(app, ["voter", "cr-list", "--wallet", str(wallet)])
    assert listed.exit_code == 0 and all(c in listed.output for c in (real_code, *fake_codes)), listed.output

    # Export: the real and a fake have texts of one form and length; the coercer's check passes on the fake.
    texts = {}
    for code in (real_code, *fake_codes):
        exported = runner().invoke(app, ["voter", "cr-export", "--wallet", str(wallet), "--code", code, "--qr"])
        assert exported.exit_code == 0, exported.output
        texts[code] = exported.output.splitlines()[0]
    assert len({len(t) for t in texts.values()}) == 1 and all(t.startswith("SHAILOO-CR1:") for t in texts.values())
    handed = texts[fake_codes[0]]
    checked = CliRunner().invoke(app, ["voter", "cr-check", *SERVER, handed])
    assert checked.exit_code == 0 and "designated-verifier proof: passed" in checked.output, checked.output
    tampered = handed[:-3] + ("A" if handed[-3] != "A" else "B") + handed[-2:]
    refused = CliRunner().invoke(app, ["voter", "cr-check", *SERVER, tampered])
    assert refused.exit_code == 1 and "passed" not in refused.output, refused.output

    # The voter casts with her real credential; the coercer casts with both fakes he was handed.
    voted = runner().invoke(
        app, ["voter", "cr-vote", *SERVER, "--wallet", str(wallet), "--code", real_code, *choices(cr_election, 1)]
    )
    assert voted.exit_code == 0 and "cast: entry" in voted.output, voted.output
    for code in fake_codes:
        coerced = CliRunner().invoke(
            app, ["voter", "cr-vote", *SERVER, "--credential", texts[code], *choices(cr_election, 0)]
        )
        assert coerced.exit_code == 0, coerced.output
    voted = runner().invoke(
        app, ["voter", "cr-vote", *SERVER, "--wallet", str(wallet), "--code", fake_codes[1], *choices(cr_election, 0)]
    )
    assert voted.exit_code == 0, voted.output

    # In the wallet every entry has the same keys and the same size, before and after casts with each of them.
    entries = sealed_entries(wallet)
    assert len(entries) == 3 and {tuple(sorted(e)) for e in entries} == {("cast", "credential")}
    assert len({len(json.dumps(e)) for e in entries if len(e["cast"]) == 1}) == 1

    cr_election.close_voting()
    state = cr_election.components.election.state()
    assert state.joint_key is not None
    trustees = [WorkingTrustee.from_store(cr_election.trustee_stores[j - 1]) for j in (1, 3, 5)]
    base = cr_base_hash(cr_election.components.election)
    _, result = run_cr_tally(cr_election.components.board, cr_election.manifest, base, state.joint_key, trustees)
    # The coercer's second ballot with fake_codes[1] supersedes his first before the mix (keep-last); both fakes'
    # last ballots then match no roster entry.
    assert (result["ballots"], result["kept"], result["unmatched"], result["duplicates"]) == (4, 1, 2, 1)
    for contest_id in cr_election.manifest.ballot_styles[0].contest_ids:
        size = len(cr_election.manifest.contest(contest_id).selections)
        assert result["counts"][contest_id] == [1 if i == 1 % size else 0 for i in range(size)]


def secret_forms(value: int) -> list[bytes]:
    raw = value.to_bytes(32, "big")
    return [raw, raw.hex().encode(), raw.hex().upper().encode(), base64.b32encode(raw)[:40], base64.b64encode(raw)[:40]]


def test_the_wallet_is_sealed_and_opens_only_with_its_passphrase(cr_election: Election, tmp_path: Path) -> None:
    """Sealing (Argon2id + ChaCha20-Poly1305): no credential secret, no d and no credential text in the file; a
    wrong passphrase is refused with ``wallet_locked`` and changes nothing."""
    wallet = tmp_path / "wallet.json"
    assert register(cr_election, tmp_path, wallet).exit_code == 0
    assert runner().invoke(app, ["voter", "cr-fake", *SERVER, "--wallet", str(wallet)]).exit_code == 0
    opened = CrWallet.open(wallet, PASSPHRASE)
    assert opened.device is not None
    data = wallet.read_bytes()
    forms = [f for c in opened.credentials for f in secret_forms(int(c.secret))] + secret_forms(int(opened.device[1]))
    forms += [c.to_text().encode()[12:60] for c in opened.credentials]
    found = [f for f in forms if f in data]
    assert not found, f"the wallet file holds a secret in clear: {found[:1]}"

    wrong = CliRunner(env={"SHAILOO_WALLET_PASSPHRASE": "not the passphrase"}).invoke(
        app, ["voter", "cr-fake", *SERVER, "--wallet", str(wallet)]
    )
    assert wrong.exit_code == 1 and "wallet_locked" in wrong.output, wrong.output
    assert wallet.read_bytes() == data
    again = register(cr_election, tmp_path, wallet)  # never over an existing wallet, and before identifying
    assert again.exit_code == 1 and "wallet_exists" in again.output, again.output
    assert wallet.read_bytes() == data


def offline_credential(base: bytes, key: Point, position: int = 7) -> tuple[CrCredential, Scalar]:
    """A credential made without a server (the registrar's proof for a device key d), and d."""
    secret, nonce, device = Scalar.random(), Scalar.random(), Scalar.random()
    entry = encrypt_credential(key, secret, nonce)
    proof = prove_roster_credential(base, key, secret, entry, nonce, Point.base_mul(device))
    return CrCredential("s1", position, secret, entry, proof, Point.base_mul(device), "e1"), device


def test_each_credential_goes_in_at_a_random_place(tmp_path: Path) -> None:
    """The real credential is not first and a fake not last: `CrWallet.add` draws the place with `secrets`. Of 40
    additions, all at the end would happen by chance with probability 1/41!."""
    from crypto.credentials import simulate_roster_credential

    key = Point.base_mul(Scalar.random())
    real, device = offline_credential(b"context", key)
    opened = CrWallet.create(tmp_path / "w.json", PASSPHRASE, real, (real.position, device))
    at_end = 0
    for _ in range(40):
        fake_secret = Scalar.random()
        proof = simulate_roster_credential(
            b"context", key, public_credential(fake_secret), real.roster_credential, device
        )
        fake = CrCredential("s1", 7, fake_secret, real.roster_credential, proof, real.device_key, "e1")
        opened.add(fake)
        at_end += [c.secret for c in opened.credentials][-1] == fake_secret
    assert at_end < 40
    reopened = CrWallet.open(tmp_path / "w.json", PASSPHRASE)
    assert sorted(int(c.secret) for c in reopened.credentials) == sorted(int(c.secret) for c in opened.credentials)
    assert len({len(json.dumps(e)) for e in sealed_entries(tmp_path / "w.json")}) == 1


def test_a_credential_text_reads_strictly() -> None:
    from mobile_api.errors import ClientError

    real, _ = offline_credential(b"context", Point.base_mul(Scalar.random()))
    text = real.to_text()
    assert CrCredential.from_text(text) == real
    for bad in ("SHAILOO-CR2:" + text[12:], text[:-8], text + "AAAAAAAA", text[:12] + "1" + text[13:]):
        with pytest.raises(ClientError) as refused:
            CrCredential.from_text(bad)
        assert refused.value.code in ("malformed", "non_canonical")


def test_a_cr_cast_goes_on_a_fresh_connection_after_a_random_delay(cr_election: Election) -> None:
    """`VoterClient.cast_cr` (what `cr-vote` calls) casts as `cast` does: over a connection made for the cast (no
    cookie of the identification's), after a delay drawn with `secrets`."""
    import httpx
    from fastapi.testclient import TestClient

    seen: list[httpx.Request] = []
    waited: list[float] = []

    def fresh_connection() -> httpx.Client:
        connection = TestClient(cr_election.app, base_url="http://shailoo.test")
        connection.event_hooks["request"] = [seen.append]
        return connection

    cr_election.http.cookies.set("shailoo-session", "identification-only")
    try:
        client = VoterClient(
            cr_election.http, cast_connection=fresh_connection, cast_delay_max_seconds=86_400.0, sleep=waited.append
        )
        number, _ = cr_election.register_voter(cr_election.manifest.ballot_styles[0].style_id)
        session = client.start_identification(number)
        cr_election.attest(client, number, session.session_id)
        real = client.obtain_cr_credential(session.session_id)
        client.cast_cr(real, dict.fromkeys(cr_election.manifest.ballot_styles[0].contest_ids, 0))
    finally:
        cr_election.http.cookies.clear()
    assert [r.url.path for r in seen] == ["/v1/cr/ballots"] and "cookie" not in seen[0].headers
    assert len(waited) == 1 and 0 < waited[0] <= 86_400.0  # a draw below the ~1 s the test takes: p ≈ 1e-5
