"""A vote buyer checks a bought vote with what the voter's device kept after the cast.

With a cast ballot's encryption nonces, a buyer re-encrypts the choice he paid for and compares it with the ballot
on the public board; with the credential key he shows the ballot is the voter's (and, where re-voting is allowed,
votes over her). So after a cast the SDK's objects hold no nonce (`mobile_api.client.PreparedBallot.spend`), and
the CLI's wallet file holds no key unless the election allows re-voting — and then only sealed under the voter's
passphrase (`cli.wallet`). Every file check greps the raw bytes of the file.
"""

from __future__ import annotations

import base64
import gc
import json
import types
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from typer.testing import CliRunner

import cli.voter
from cli.main import app
from identity.credentials import Credential
from mobile_api.client import PreparedBallot, VoterClient
from mobile_api.errors import ClientError
from tests.server.harness import DEVICE_ID, Election

PASSPHRASE = "correct horse battery staple"
SERVER = ["--server", "http://shailoo.test"]


def reachable_ints(root: object) -> set[int]:
    """Every integer reachable from ``root`` through instances and containers (not classes, modules, functions):
    what a buyer who gets the object (a memory dump of the app's state) could read. Scalars hold theirs as ints."""
    seen: set[int] = set()
    found: set[int] = set()
    stack: list[object] = [root]
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, skip):
            continue
        seen.add(id(item))
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            found.add(item)
        elif isinstance(item, bytes | bytearray):
            if len(item) == 32:
                found.add(int.from_bytes(item, "big"))
        elif isinstance(item, str):
            if len(item) == 64 and all(ch in "0123456789abcdefABCDEF" for ch in item):
                found.add(int(item, 16))
        else:
            stack.extend(gc.get_referents(item))
            for slot in getattr(type(item), "__slots__", ()):  # slots are referents too, but be explicit
                if hasattr(item, slot):
                    stack.append(getattr(item, slot))
    return found


def nonces_of(prepared: PreparedBallot) -> set[int]:
    return {int(r) for _, _, rs in prepared.reveal.contests for r in rs}


def nonce_forms(nonces: set[int]) -> list[bytes]:
    return [form for n in nonces for form in (n.to_bytes(32, "big"), n.to_bytes(32, "big").hex().encode())]


def key_forms(credential: Credential) -> list[bytes]:
    seed = credential.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return [seed, seed.hex().encode(), seed.hex().upper().encode(), base64.b64encode(seed), base64.b64encode(seed)[:-1]]


def assert_absent(data: bytes, forms: Sequence[bytes], what: str) -> None:
    found = [f for f in forms if f in data]
    assert not found, f"the wallet file holds {what}: {found[:2]}"


# --- the SDK --------------------------------------------------------------------------------------------------


def test_buyer_reads_no_nonce_from_the_sdk_object_after_a_cast(election: Election) -> None:
    client, credential = election.credential()
    prepared = client.prepare_ballot(credential, election.marks_for(credential))
    nonces = nonces_of(prepared)
    assert nonces and nonces <= reachable_ints(prepared)  # before the cast the opening is there: the search works
    receipt = client.cast(prepared)

    assert not nonces & reachable_ints(prepared), "a nonce of the cast ballot is still reachable from the SDK"
    public = receipt.model_dump_json().encode() + json.dumps(prepared.ballot.to_json()).encode()
    assert not [f for f in nonce_forms(nonces) if f in public]  # neither the receipt nor the board entry opens it
    for read in (lambda: prepared.reveal, lambda: prepared.marks, lambda: client.challenge(prepared)):
        with pytest.raises(ClientError) as refused:
            read()
        assert refused.value.code == "reveal_erased"
    assert client.cast(prepared).tracking_code == receipt.tracking_code  # a retry of the cast still works


def test_a_refused_cast_leaves_no_nonce_either(no_revote: Election) -> None:
    """The randomness is dropped before the ballot leaves the device, whatever the server answers."""
    client, credential = no_revote.credential()
    client.cast(client.prepare_ballot(credential, no_revote.marks_for(credential)))
    second = client.prepare_ballot(credential, no_revote.marks_for(credential, 1))
    nonces = nonces_of(second)
    with pytest.raises(ClientError) as refused:
        client.cast(second)
    assert refused.value.code == "credential_spent"
    assert not nonces & reachable_ints(second)


# --- the CLI wallet -------------------------------------------------------------------------------------------


class WatchedClient(VoterClient):
    """The test's window on what the CLI made on the device: its credentials and its ballots' nonces (read when
    prepared, before any cast)."""

    def __init__(self, http: Any) -> None:
        super().__init__(http)
        self.credentials: list[Credential] = []
        self.nonces: set[int] = set()

    def obtain_credential(self, session_id: str, style_id: str) -> Credential:
        credential = super().obtain_credential(session_id, style_id)
        self.credentials.append(credential)
        return credential

    def prepare_ballot(
        self, credential: Credential, marks: Mapping[str, Sequence[str]], *, precinct_id: str | None = None
    ) -> PreparedBallot:
        prepared = super().prepare_ballot(credential, marks, precinct_id=precinct_id)
        self.nonces |= nonces_of(prepared)
        return prepared


class Terminal:
    """``shailoo voter`` run by one voter: a device key file, a wallet, and the watched client."""

    def __init__(self, election: Election, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.election = election
        self.client = WatchedClient(election.http)
        monkeypatch.setattr(cli.voter, "_client", lambda server, *_: self.client)
        seed = election.device_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        (tmp_path / "device.key").write_text(seed.hex())
        self.device_key = tmp_path / "device.key"
        self.wallet = tmp_path / "wallet.json"
        self.runner = CliRunner()

    def run(self, *args: str, passphrase: str | None = PASSPHRASE, prompt: str | None = None) -> Any:
        env = {"SHAILOO_WALLET_PASSPHRASE": passphrase}
        return self.runner.invoke(app, ["voter", *args], env=env, input=prompt)

    def identify(self) -> Credential:
        number, _ = self.election.register_voter()
        device = ["--device-key", str(self.device_key), "--device-id", DEVICE_ID]
        result = self.run("identify", *SERVER, "--national-id", number, *device, "--wallet", str(self.wallet))
        assert result.exit_code == 0, result.output
        return self.client.credentials[-1]

    def vote(self, credential: Credential, index: int = 0, **kwargs: Any) -> Any:
        marks = self.election.marks_for(credential, index)
        choices = [arg for c, ss in marks.items() for s in ss for arg in ("--choice", f"{c}={s}")]
        return self.run("vote", *SERVER, *choices, "--wallet", str(self.wallet), **kwargs)


@pytest.fixture
def no_revote_terminal(no_revote: Election, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Terminal:
    return Terminal(no_revote, tmp_path, monkeypatch)


@pytest.fixture
def revote_terminal(election: Election, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    assert election.manifest.policy.revoting_allowed
    yield Terminal(election, tmp_path, monkeypatch)


def test_buyer_finds_no_key_and_no_nonce_in_the_wallet_after_a_cast_without_revoting(
    no_revote_terminal: Terminal,
) -> None:
    terminal = no_revote_terminal
    assert not terminal.election.manifest.policy.revoting_allowed
    credential = terminal.identify()
    assert_absent(terminal.wallet.read_bytes(), key_forms(credential), "the credential key in clear")

    result = terminal.vote(credential)
    assert result.exit_code == 0 and "erased" in result.output, result.output
    data = terminal.wallet.read_bytes()
    assert_absent(data, key_forms(credential), "the credential key")
    assert_absent(data, nonce_forms(terminal.client.nonces), "a nonce of the cast ballot")
    # Not merely sealed: nothing secret is left, even for a buyer who makes the voter tell the passphrase.
    spent = json.loads(data)
    assert set(spent) == {"format", "version", "state", "election_id", "tracking_code"}
    assert spent["state"] == "spent"
    again = terminal.vote(credential)
    assert again.exit_code == 1 and "wallet_spent" in again.output, again.output


def test_wallet_of_a_revoting_election_is_sealed_and_revotes_only_with_its_passphrase(
    revote_terminal: Terminal,
) -> None:
    terminal = revote_terminal
    credential = terminal.identify()
    assert_absent(terminal.wallet.read_bytes(), key_forms(credential), "the credential key in clear")

    first = terminal.vote(credential, 0)
    assert first.exit_code == 0 and "stays sealed" in first.output, first.output
    data = terminal.wallet.read_bytes()
    assert_absent(data, key_forms(credential), "the credential key in clear")
    assert_absent(data, nonce_forms(terminal.client.nonces), "a nonce of the cast ballot")

    wrong = terminal.vote(credential, 1, passphrase="not the passphrase")
    assert wrong.exit_code == 1 and "wallet_locked" in wrong.output, wrong.output
    # The voter re-votes (overriding a watched vote), typing the passphrase at the hidden prompt.
    second = terminal.vote(credential, 1, passphrase=None, prompt=f"{PASSPHRASE}\n")
    assert second.exit_code == 0 and "cast" in second.output, second.output
    assert PASSPHRASE not in second.output  # the prompt does not echo it
    board = terminal.election.components.board
    key = credential.public.public_key.hex()
    ballots = [e for e in board.entries(0, board.size) if e.kind.value == "ballot"]
    assert sum(e.payload["credential"]["public_key"] == key for e in ballots) == 2
    assert_absent(terminal.wallet.read_bytes(), nonce_forms(terminal.client.nonces), "a nonce of a cast ballot")
