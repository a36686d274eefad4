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

The coercion-resistant mode (docs/voter.md, "The coercion-resistant mode"): ``cr-register`` (identify as
``identify`` does, then the real credential), ``cr-fake`` (a fake, through the same flow and output), ``cr-list``,
``cr-export`` (text ``SHAILOO-CR1:…`` and QR), ``cr-check`` (a receiver's check), ``cr-import`` (e.g. a kiosk slip)
and ``cr-vote``; credentials sealed alike in a `cli.wallet.CrWallet`.
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
    from cli.wallet import Wallet
    from crypto.errors import ShailooError

    passphrase = _wallet_passphrase(confirm=True)
    client = _client(server)
    try:
        session_id, style_id = _identify_attested(client, national_id, device_key, device_id)
        credential = client.obtain_credential(session_id, style_id)
        Wallet.create(wallet, passphrase, credential)
    except ShailooError as e:
        _fail(e)
        return
    Console().print(f"credential for ballot style [bold]{style_id}[/bold] sealed in {wallet}")


def _identify_attested(client: Any, national_id: str, device_key: Path, device_id: str) -> tuple[str, str]:
    """Identification attested by a precinct terminal whose key file the caller holds: (session id, style id)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from mobile_api.schemas import DeviceAttestation

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
    return str(session.session_id), str(identified.style_id)


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


# --- the coercion-resistant mode (docs/voter.md, "The coercion-resistant mode") ----------------------------------

CheckCode = Annotated[str, typer.Option("--code", help="The credential's check code XXXX-XXXX (see cr-list)")]


def _print_cr(client: Any, credential: Any, stored: str) -> None:
    """The one block every credential gets, real or fake, from cr-register, cr-fake, cr-import and cr-check: the
    designated-verifier proof is checked here, now, and only then printed as passed."""
    credential.check(client.election())  # ``invalid_proof`` / ``wrong_election`` raise before anything is printed
    console = Console(width=200)
    console.print(f"credential of ballot style {credential.style_id}, roster entry {credential.position}")
    console.print(f"check code [bold]{credential.check_code}[/bold]")
    console.print("designated-verifier proof: passed (the roster entry holds this credential)")
    console.print(stored)


@voter_app.command("cr-register")
def cr_register(
    server: Server,
    national_id: Annotated[str, typer.Option(help="Your 14-digit personal number")],
    device_key: Annotated[Path, typer.Option(help="The precinct terminal's Ed25519 key (32-byte hex seed file)")],
    device_id: Annotated[str, typer.Option(help="The precinct terminal's registered id")],
    wallet: WalletPath = Path("shailoo-wallet.json"),
) -> None:
    """Coercion-resistant mode: identify (attested by a precinct terminal, as `identify`) and get your real
    credential with the registrar's designated-verifier proof, sealed in a wallet under your passphrase. Remember
    its check code: it is how you tell it from the fakes you make with cr-fake."""
    from cli.wallet import CrWallet, WalletError
    from crypto.errors import ShailooError

    if wallet.exists():  # before identifying: a registration is once per voter, and the wallet may hold it
        _fail(WalletError(f"{wallet} exists; register into a new wallet file", code="wallet_exists"))
    passphrase = _wallet_passphrase(confirm=True)
    client = _client(server)
    try:
        session_id, _ = _identify_attested(client, national_id, device_key, device_id)
        real = client.obtain_cr_credential(session_id)
        device = (real.position, client.cr_device_secret(real.position))
        CrWallet.create(wallet, passphrase, real, device)
        _print_cr(client, real, f"sealed in {wallet}")
    except ShailooError as e:
        _fail(e)


@voter_app.command("cr-fake")
def cr_fake(server: Server, wallet: WalletPath = Path("shailoo-wallet.json")) -> None:
    """Coercion-resistant mode: make a fake credential, at any time, any number of times. It is made, checked,
    sealed and printed exactly as cr-register's real one; ballots cast with it are dropped at the tally."""
    from cli.wallet import CrWallet, WalletError
    from crypto.errors import ShailooError

    client = _client(server)
    try:
        opened = CrWallet.open(wallet, _wallet_passphrase(confirm=False))
        if opened.device is None:
            raise WalletError(
                "this wallet holds no designated-verifier key (its credentials came from kiosk slips: the kiosk "
                "prints every fake at registration)",
                code="not_found",
            )
        client.adopt_cr_device(*opened.device)
        fake = client.fake_cr_credential(opened.credentials[0])  # any entry: only the registration's parts are read
        opened.add(fake)
        _print_cr(client, fake, f"sealed in {wallet}")
    except ShailooError as e:
        _fail(e)


@voter_app.command("cr-list")
def cr_list(wallet: WalletPath = Path("shailoo-wallet.json")) -> None:
    """Coercion-resistant mode: the credentials in the wallet (check code, roster entry, casts). The list does not
    say which is real: you know its check code."""
    from cli.wallet import CrWallet
    from crypto.errors import ShailooError

    try:
        opened = CrWallet.open(wallet, _wallet_passphrase(confirm=False))
        table = Table(title=f"credentials in {wallet}")
        table.add_column("check code")
        table.add_column("ballot style")
        table.add_column("roster entry")
        table.add_column("ballots cast")
        for credential in opened.credentials:
            casts = opened.casts(credential.check_code)
            table.add_row(credential.check_code, credential.style_id, str(credential.position), str(len(casts)))
        Console(width=200).print(table)
    except ShailooError as e:
        _fail(e)


@voter_app.command("cr-export")
def cr_export(
    code: CheckCode,
    wallet: WalletPath = Path("shailoo-wallet.json"),
    qr: Annotated[bool, typer.Option(help="Also print it as a QR code in the terminal")] = False,
    out: Annotated[Path | None, typer.Option(help="Write the text to this file (0600) instead of the screen")] = None,
) -> None:
    """Coercion-resistant mode: a credential as text (SHAILOO-CR1:…) and, with --qr, a QR code, to hand it over.
    Real and fake give texts of the same form and length."""
    from cli.wallet import CrWallet
    from crypto.errors import ShailooError
    from trustees.keystore import write_file_atomically

    try:
        text = CrWallet.open(wallet, _wallet_passphrase(confirm=False)).find(code).to_text()
    except ShailooError as e:
        _fail(e)
        return
    if out is not None:
        write_file_atomically(out, (text + "\n").encode())
        Console().print(f"written to {out}")
    else:
        typer.echo(text)
    if qr:
        typer.echo(_qr_text(text))


def _qr_text(text: str) -> str:
    import io

    import qrcode

    code = qrcode.QRCode(border=2)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.StringIO()
    code.print_ascii(out=buffer)
    return buffer.getvalue()


@voter_app.command("cr-check")
def cr_check(server: Server, credential: Annotated[str, typer.Argument(help="SHAILOO-CR1:… (or @FILE)")]) -> None:
    """Coercion-resistant mode: check a credential handed to you (its designated-verifier proof, against the
    election on the server), as cr-register checks the real one."""
    from crypto.errors import ShailooError
    from mobile_api.client import CrCredential

    client = _client(server)
    try:
        _print_cr(client, CrCredential.from_text(_read_text(credential)), "not stored")
    except ShailooError as e:
        _fail(e)


@voter_app.command("cr-import")
def cr_import(
    server: Server,
    credential: Annotated[str, typer.Argument(help="SHAILOO-CR1:… (or @FILE), e.g. read from a kiosk slip's QR")],
    wallet: WalletPath = Path("shailoo-wallet.json"),
) -> None:
    """Coercion-resistant mode: check a credential (e.g. from a kiosk slip) and seal it in the wallet (made if it
    does not exist) like any other."""
    from cli.wallet import CrWallet
    from crypto.errors import ShailooError
    from mobile_api.client import CrCredential

    client = _client(server)
    try:
        parsed = CrCredential.from_text(_read_text(credential))
        parsed.check(client.election())
        if wallet.exists():
            CrWallet.open(wallet, _wallet_passphrase(confirm=False)).add(parsed)
        else:
            CrWallet.create(wallet, _wallet_passphrase(confirm=True), parsed)
        _print_cr(client, parsed, f"sealed in {wallet}")
    except ShailooError as e:
        _fail(e)


def _read_text(value: str) -> str:
    return Path(value[1:]).read_text().strip() if value.startswith("@") else value.strip()


@voter_app.command("cr-vote")
def cr_vote(
    server: Server,
    choice: Annotated[list[str], typer.Option(help="CONTEST=SELECTION, one per contest of the election")],
    code: Annotated[str | None, typer.Option("--code", help="The wallet credential's check code")] = None,
    credential: Annotated[
        str | None, typer.Option(help="A credential's text (SHAILOO-CR1:… or @FILE) instead of a wallet's")
    ] = None,
    wallet: WalletPath = Path("shailoo-wallet.json"),
    cast_delay_max: Annotated[
        float | None,
        typer.Option(
            min=0,
            envvar="SHAILOO_CAST_DELAY_MAX",
            help="Wait a random delay of up to this many seconds before casting (default 120), as `vote` does",
        ),
    ] = None,
) -> None:
    """Coercion-resistant mode: encrypt your choice with a credential (real or fake: the server and the board treat
    them alike) and cast it. You may cast again; which ballot counts is the tally's policy
    (docs/spec/credentials.md)."""
    from cli.wallet import CrWallet
    from crypto.errors import ShailooError
    from mobile_api.client import CrCredential
    from mobile_api.errors import ClientError

    if (code is None) == (credential is None):
        raise typer.BadParameter("give exactly one of --code (a wallet's credential) and --credential")
    client = _client(server, cast_delay_max)
    try:
        opened = None
        if code is not None:
            opened = CrWallet.open(wallet, _wallet_passphrase(confirm=False))
            chosen = opened.find(code)
        else:
            assert credential is not None
            chosen = CrCredential.from_text(_read_text(credential))
        manifest = client.election().manifest
        indices: dict[str, int] = {}
        for item in choice:
            contest_id, sep, selection_id = item.partition("=")
            if not sep or contest_id in indices:
                raise ClientError(f"--choice {item!r}: one CONTEST=SELECTION per contest", code="malformed")
            indices[contest_id] = manifest.contest(contest_id).selection_index(selection_id)
        receipt = client.cast_cr(chosen, indices)
        if opened is not None:
            opened.record_cast(chosen.check_code, str(receipt["ballot_hash"]))
    except ShailooError as e:
        _fail(e)
        return
    Console(width=200).print(
        f"cast: entry {receipt['entry_index']} of the board, ballot hash [bold]{receipt['ballot_hash']}[/bold]"
    )
