"""``shailoo voter ...``: what a phone app does, from a terminal, against a Shailoo server.

* ``shailoo voter election --server URL`` — the election, its phase and ballot styles;
* ``shailoo voter ballot --server URL --style S [--lang ky|ru|en]`` — a ballot in one language;
* ``shailoo voter identify --server URL --national-id N --device-key FILE --device-id ID --wallet FILE`` —
  identification attested by a precinct terminal (whose key file you hold), then the anonymous credential, sealed
  under your passphrase in a wallet file (0600) on this machine (`cli.wallet`);
* ``shailoo voter vote --server URL --wallet FILE --choice CONTEST=SELECTION ... [--challenge]`` — encrypt on this
  machine and cast; with ``--challenge`` the encrypted ballot is opened and published instead, and checked to hold
  your choice (then vote again without it). After a cast the wallet keeps the key (sealed) only if the election
  allows re-voting; otherwise the key is erased from it.

The wallet passphrase is asked for (hidden) or, for scripts, read from ``SHAILOO_WALLET_PASSPHRASE``.
* ``shailoo voter check --server URL CODE`` — find a tracking code on the board and verify its inclusion proof.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

voter_app = typer.Typer(
    help="Vote from a terminal: identify, get a credential, encrypt, cast, check.", no_args_is_help=True
)
Server = Annotated[str, typer.Option("--server", help="Base URL of the Shailoo server")]
WalletPath = Annotated[Path, typer.Option("--wallet", help="Credential wallet file")]


def register(app: typer.Typer) -> None:
    app.add_typer(voter_app, name="voter")


def _client(server: str, cast_delay_max: float | None = None) -> Any:
    from mobile_api.client import DEFAULT_CAST_DELAY_MAX_SECONDS, VoterClient

    delay = DEFAULT_CAST_DELAY_MAX_SECONDS if cast_delay_max is None else cast_delay_max
    return VoterClient.connect(server, cast_delay_max_seconds=delay)


def _wallet_passphrase(*, confirm: bool) -> str:
    """From ``SHAILOO_WALLET_PASSPHRASE`` (scripts), else asked for without echo."""
    from cli.wallet import PASSPHRASE_ENV

    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env is not None:
        return from_env
    value: str = typer.prompt("Wallet passphrase", hide_input=True, confirmation_prompt=confirm)
    return value


def _fail(error: Exception) -> None:
    code = getattr(error, "code", "error")
    Console(stderr=True).print(f"[red]refused ({code}):[/red] {error}")
    raise typer.Exit(1)


@voter_app.command("election")
def election(server: Server) -> None:
    """Show the election, its phase and its ballot styles."""
    from mobile_api.errors import ClientError

    try:
        view = _client(server).election()
    except ClientError as e:
        _fail(e)
        return
    manifest = view.manifest
    table = Table(title=f"{manifest.name.en} — {view.public.phase}")
    table.add_column("ballot style")
    table.add_column("region")
    table.add_column("contests")
    for style in manifest.ballot_styles:
        table.add_row(style.style_id, manifest.region(style.region_id).name.en, ", ".join(style.contest_ids))
    Console().print(table)
    Console().print(f"election base hash {view.base_hash.hex()}")


@voter_app.command("ballot")
def ballot(
    server: Server,
    style: Annotated[str, typer.Option(help="Ballot style id")],
    lang: Annotated[str, typer.Option(help="ky, ru or en")] = "ky",
) -> None:
    """Show a ballot: every contest and the selection ids to pass to ``vote --choice``."""
    from mobile_api.errors import ClientError

    try:
        definition = _client(server).ballot_definition(style, lang)
    except ClientError as e:
        _fail(e)
        return
    for contest in definition.contests:
        table = Table(title=f"{contest.title} (choose {contest.min_marks}–{contest.max_marks})")
        table.add_column("--choice")
        table.add_column("")
        for selection in contest.selections:
            table.add_row(f"{contest.contest_id}={selection.selection_id}", selection.label)
        Console().print(table)


@voter_app.command("identify")
def identify(
    server: Server,
    national_id: Annotated[str, typer.Option(help="Your 14-digit personal number")],
    device_key: Annotated[Path, typer.Option(help="The precinct terminal's Ed25519 key (32-byte hex seed file)")],
    device_id: Annotated[str, typer.Option(help="The precinct terminal's registered id")],
    wallet: WalletPath = Path("shailoo-wallet.json"),
) -> None:
    """Identify (attested by a precinct terminal) and get an anonymous credential into a wallet file, sealed under
    your passphrase (asked for, or from SHAILOO_WALLET_PASSPHRASE)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cli.wallet import Wallet
    from crypto.errors import ShailooError
    from mobile_api.schemas import DeviceAttestation

    passphrase = _wallet_passphrase(confirm=True)
    client = _client(server)
    try:
        view = client.election()
        session = client.start_identification(national_id)
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(device_key.read_text().strip()))
        assertion = {
            "election_id": view.manifest.election_id,
            "session_id": session.session_id,
            "personal_number": national_id,
            "method": "document",
            "device_id": device_id,
        }
        identified = client.submit_attestation(session.session_id, DeviceAttestation.sign(device_id, key, assertion))
        credential = client.obtain_credential(session.session_id, identified.style_id)
        Wallet.create(wallet, passphrase, credential)
    except ShailooError as e:
        _fail(e)
        return
    Console().print(f"credential for ballot style [bold]{identified.style_id}[/bold] sealed in {wallet}")


@voter_app.command("vote")
def vote(
    server: Server,
    choice: Annotated[list[str], typer.Option(help="CONTEST=SELECTION (repeat for several marks)")],
    wallet: WalletPath = Path("shailoo-wallet.json"),
    challenge: Annotated[bool, typer.Option(help="Open and publish this encryption instead of casting it")] = False,
    cast_delay_max: Annotated[
        float | None,
        typer.Option(
            min=0,
            envvar="SHAILOO_CAST_DELAY_MAX",
            help="Wait a random delay of up to this many seconds before casting (default 120), on a connection of "
            "its own, so the cast's time says little about when you were identified",
        ),
    ] = None,
) -> None:
    """Encrypt your choice on this machine, then cast it (or challenge it). Needs the wallet passphrase."""
    from cli.wallet import Wallet
    from crypto.errors import ShailooError

    marks: dict[str, list[str]] = {}
    for item in choice:
        contest, sep, selection = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--choice {item!r} is not CONTEST=SELECTION")
        marks.setdefault(contest, []).append(selection)
    client = _client(server, cast_delay_max)
    try:
        opened_wallet = Wallet.open(wallet, _wallet_passphrase(confirm=False))
        prepared = client.prepare_ballot(opened_wallet.credential, marks)
        Console().print(
            f"encrypted on this machine; tracking code [bold]{prepared.tracking_code}[/bold], your credential's "
            f"fingerprint [bold]{opened_wallet.credential.public.fingerprint}[/bold] (the board shows it beside "
            "every ballot you challenge or cast)"
        )
        if challenge:
            receipt, opened = client.challenge(prepared)
            Console().print(f"challenged: published at entry {receipt.entry_index}, it holds {dict(opened)}")
            Console().print("this ballot will never be counted: vote again (a new encryption) without --challenge")
            return
        receipt = client.cast(prepared)  # the ballot's randomness is erased on this machine before it is sent
        revoting = client.election().manifest.policy.revoting_allowed
        opened_wallet.record_cast(receipt.tracking_code, revoting_allowed=revoting)
    except ShailooError as e:
        _fail(e)
        return
    Console().print(
        f"cast: entry {receipt.entry_index} of the board, tracking code [bold]{receipt.tracking_code}[/bold]; "
        "the board's signed promise was checked"
    )
    if revoting:
        Console().print(f"this election allows re-voting: your credential stays sealed in {wallet}")
    else:
        Console().print(f"this election does not allow re-voting: the credential key was erased from {wallet}")


@voter_app.command("check")
def check(server: Server, tracking_code: Annotated[str, typer.Argument(help="XXXX-XXXX-XXXX-XXXX")]) -> None:
    """Find your ballot on the board and verify its inclusion proof against the signed tree head."""
    from crypto.errors import ShailooError

    try:
        status = _client(server).check_receipt(tracking_code)
    except ShailooError as e:
        _fail(e)
        return
    Console().print(
        f"{status.tracking_code}: {status.kind} at entry {status.entry_index}, appended {status.appended_at} UTC by "
        f"the credential of fingerprint [bold]{status.credential_fingerprint}[/bold], included in the signed tree "
        f"head of size {status.inclusion_proof['tree_size'] if status.inclusion_proof else '?'} (proof verified)"
    )
