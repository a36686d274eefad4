"""``shailoo trustee …``: a trustee's keystore, the key ceremony (online or air-gapped) and the decryption.

Every command is safe to run again: the keystore and the board decide the next step (docs/trustees.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crypto.errors import ShailooError

trustee_app = typer.Typer(
    name="trustee",
    help="Trustees: keystore, key ceremony (online or air-gapped), decryption of the tally (either mode).",
    no_args_is_help=True,
)
console = Console()

KeystoreOption = Annotated[Path, typer.Option("--keystore", "-k", help="The trustee's keystore file.")]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        envvar="SHAILOO_PASSPHRASE_FILE",
        help="Read the passphrase from this file (automation); else it is asked.",
    ),
]
ServerOption = Annotated[str, typer.Option("--server", help="The voting server's URL, e.g. https://cec.example.kg")]
TokenOption = Annotated[str | None, typer.Option("--token", envvar="SHAILOO_TRUSTEE_TOKEN", help="Bearer token.")]


def register(app: typer.Typer) -> None:
    app.add_typer(trustee_app, name="trustee")


# --- helpers -------------------------------------------------------------------------------------------------------


def _fail(error: ShailooError) -> typer.Exit:
    console.print(f"[bold red]refused[/] ({escape(error.code)}) {escape(error.message)}")
    cheaters = getattr(error, "cheaters", None)
    if cheaters:
        console.print(f"[bold red]trustees who cheated:[/] {', '.join(map(str, cheaters))}")
    return typer.Exit(code=1)


def _passphrase(passphrase_file: Path | None, *, confirm: bool = False, what: str = "keystore passphrase") -> str:
    if passphrase_file is not None:
        return passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
    value: str = typer.prompt(f"Enter the {what}", hide_input=True, confirmation_prompt=confirm)
    return value


def _open(keystore: Path, passphrase_file: Path | None) -> Any:
    from trustees.keystore import Keystore

    if not keystore.exists():
        console.print(f"[red]no keystore at {keystore}[/]: create one with [bold]shailoo trustee init[/]")
        raise typer.Exit(code=1)
    # The passphrase is asked before the spinner starts: a live spinner would redraw over the hidden prompt.
    passphrase = _passphrase(passphrase_file)
    with console.status("Unlocking the keystore (memory-hard key derivation)…"):
        return Keystore.open(keystore, passphrase)


def _print_status(status: Any) -> None:
    style = "green" if status.done else "yellow"
    console.print(f"[{style}]{status.describe()}[/]")


# --- commands ------------------------------------------------------------------------------------------------------


@trustee_app.command("init")
def init(
    index: Annotated[int, typer.Option("--index", "-i", help="This trustee's number, 1..n.")],
    trustees: Annotated[int, typer.Option("--trustees", "-n", help="n, the number of trustees.")] = 5,
    threshold: Annotated[int, typer.Option("--threshold", "-t", help="k, how many trustees decrypt.")] = 3,
    attempt: Annotated[int, typer.Option(help="Ceremony attempt (raise it only if the commission restarts).")] = 1,
    keystore: KeystoreOption = Path("trustee.keystore"),
    passphrase_file: PassphraseFileOption = None,
    public_key_out: Annotated[
        Path | None,
        typer.Option("--public-key-out", help="Also write the identity public key to this file (for the commission)"),
    ] = None,
    kdf_memory_kib: Annotated[int, typer.Option(hidden=True, help="Argon2id memory (KiB); tests only.")] = 64 * 1024,
    kdf_time_cost: Annotated[int, typer.Option(hidden=True, help="Argon2id passes; tests only.")] = 3,
) -> None:
    """Create this trustee's keystore with its identity key (printed: the commission puts it on the manifest's
    roster); the ceremony's secrets are generated only when the ceremony starts on the board."""
    from trustees.ceremony_steps import new_trustee_secrets
    from trustees.coordinator import CeremonyParams
    from trustees.keystore import KdfParams, Keystore

    try:
        secrets_ = new_trustee_secrets(index, CeremonyParams(trustees, threshold, attempt))
        kdf = KdfParams(time_cost=kdf_time_cost, memory_kib=kdf_memory_kib)
        passphrase = _passphrase(passphrase_file, confirm=True)
        with console.status("Sealing the keystore…"):
            Keystore.create(keystore, passphrase, secrets_.to_dict(), label=secrets_.label(), kdf=kdf)
    except ShailooError as e:
        raise _fail(e) from e
    console.print(
        f"[green]Keystore created[/] at {keystore} for trustee {index} of {trustees} (threshold {threshold})."
    )
    console.print("Give the commission this identity public key for the manifest's trustee roster:")
    console.print(f"[bold]{secrets_.identity_public_key}[/]", soft_wrap=True)
    if public_key_out is not None:
        public_key_out.write_text(f"{secrets_.identity_public_key}\n", encoding="utf-8")
        console.print(f"(also written to {public_key_out})")
    console.print("Next: [bold]shailoo trustee join --server URL[/] (online) or answer request files offline.")


@trustee_app.command("join")
def join(
    server: ServerOption,
    keystore: KeystoreOption = Path("trustee.keystore"),
    passphrase_file: PassphraseFileOption = None,
    token: TokenOption = None,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the board while waiting.")] = 5.0,
    wait: Annotated[float | None, typer.Option(help="Give up waiting after this many seconds.")] = None,
) -> None:
    """Take part in the key ceremony online: each step is posted as soon as the board allows it."""
    from trustees.online import HttpTransport, join_ceremony

    try:
        store = _open(keystore, passphrase_file)
        transport = HttpTransport.connect(server, token=token)
        with console.status("Key ceremony in progress…") as spinner:
            status = join_ceremony(
                store,
                transport,
                poll_seconds=poll,
                timeout_seconds=wait,
                on_status=lambda s: spinner.update(f"Key ceremony: {s.describe()}"),
            )
    except ShailooError as e:
        raise _fail(e) from e
    _print_status(status)


@trustee_app.command("offline-respond")
def offline_respond(
    request: Annotated[Path, typer.Argument(help="The request file from the coordinator (USB stick).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the response file.")],
    keystore: KeystoreOption = Path("trustee.keystore"),
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """On the offline laptop: answer a request file with this trustee's next steps."""
    from trustees.airgap import read_json_file, respond, write_json_file

    try:
        store = _open(keystore, passphrase_file)
        with console.status("Checking the request and computing this trustee's step…"):
            response, status = respond(store, read_json_file(request))
            write_json_file(out, response)
    except ShailooError as e:
        raise _fail(e) from e
    console.print(f"[green]Response written[/] to {out} with {len(response['posts'])} post(s).")
    if hasattr(status, "describe"):
        _print_status(status)
    else:
        console.print(f"Decryption shares for {status.ciphertexts} ciphertexts.")


@trustee_app.command("request")
def request_file(
    server: ServerOption,
    trustee: Annotated[int, typer.Option("--trustee", help="The air-gapped trustee's number.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the request file.")],
    purpose: Annotated[str, typer.Option(help="key_ceremony or decryption.")] = "key_ceremony",
    token: TokenOption = None,
) -> None:
    """Coordinator: write a request file for an air-gapped trustee from the server's board."""
    from trustees.airgap import write_json_file
    from trustees.online import HttpTransport

    try:
        document = HttpTransport.connect(server, token=token).airgap_request(trustee, purpose)
        write_json_file(out, document)
    except ShailooError as e:
        raise _fail(e) from e
    console.print(f"[green]Request written[/] to {out}: board of {document['board']['size']} entries.")


@trustee_app.command("import")
def import_file(
    response: Annotated[Path, typer.Argument(help="The response file from the offline laptop.")],
    server: ServerOption,
    token: TokenOption = None,
) -> None:
    """Coordinator: send an air-gapped trustee's response to the server (stale or swapped files are refused)."""
    from trustees.airgap import read_json_file
    from trustees.online import HttpTransport

    try:
        result = HttpTransport.connect(server, token=token).airgap_import(read_json_file(response))
    except ShailooError as e:
        raise _fail(e) from e
    console.print(f"[green]Imported[/]: {len(result['appended'])} new entr(y/ies) on the board.")


@trustee_app.command("decrypt")
def decrypt(
    server: ServerOption,
    keystore: KeystoreOption = Path("trustee.keystore"),
    passphrase_file: PassphraseFileOption = None,
    token: TokenOption = None,
) -> None:
    """After the close: recompute the encrypted tally from the board, compare, and post decryption shares."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from trustees.decryption import run_decryption
    from trustees.online import HttpTransport

    try:
        store = _open(keystore, passphrase_file)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=not console.is_terminal,
        ) as progress:
            task = progress.add_task("Reading the board and recomputing the encrypted tally", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(
                    task, description="Decryption shares: parts computed and posted", completed=done, total=total
                )
                if not console.is_terminal and total:
                    console.print(f"decryption shares: part {done} of {total} posted")

            status = run_decryption(store, HttpTransport.connect(server, token=token), on_progress=on_progress)
    except ShailooError as e:
        raise _fail(e) from e
    verb = "posted" if status.posted else "were already on the board"
    console.print(f"[green]Trustee {status.trustee}'s shares for {status.ciphertexts} ciphertexts {verb}.[/]")


@trustee_app.command("cr-tally")
def cr_tally(
    server: ServerOption,
    keystore: KeystoreOption = Path("trustee.keystore"),
    passphrase_file: PassphraseFileOption = None,
    token: TokenOption = None,
    wait: Annotated[bool, typer.Option(help="Keep polling until the result is on the board.")] = False,
    poll_seconds: Annotated[float, typer.Option(help="Seconds between polls with --wait.")] = 5.0,
    timeout: Annotated[float | None, typer.Option(help="Give up waiting after this many seconds.")] = None,
) -> None:
    """The coercion-resistant tally after the close: re-check the board, then blind, shuffle and decrypt as each
    step opens. Safe to run again: the board says what this trustee has done."""
    from trustees.cr_online import run_cr_tally_trustee
    from trustees.online import HttpTransport

    def on_step(step: str) -> None:
        console.print(f"posted: {step.replace('_', ' ')}")

    try:
        store = _open(keystore, passphrase_file)
        with console.status("Reading and re-checking the board…"):
            status = run_cr_tally_trustee(
                store,
                HttpTransport.connect(server, token=token),
                wait=wait,
                poll_seconds=poll_seconds,
                timeout_seconds=timeout,
                on_step=on_step,
            )
    except ShailooError as e:
        raise _fail(e) from e
    style = "green" if status.done else "yellow"
    posted = ", ".join(s.replace("_", " ") for s in status.posted) or "nothing new"
    console.print(f"[{style}]Trustee {status.trustee} posted {posted}; {status.describe}.[/]")


@trustee_app.command("status")
def status(
    keystore: KeystoreOption = Path("trustee.keystore"),
    passphrase_file: PassphraseFileOption = None,
    unlock: Annotated[bool, typer.Option(help="Unlock the keystore to show the ceremony progress.")] = True,
    server: Annotated[str | None, typer.Option("--server", help="Also show the next step the board allows.")] = None,
    token: TokenOption = None,
) -> None:
    """Show whose keystore this is, how far its ceremony has gone and (with --server) what comes next."""
    from trustees.ceremony_steps import trustee_step
    from trustees.keystore import read_label
    from trustees.keystore_contents import TrusteeSecrets
    from trustees.online import HttpTransport

    try:
        label = read_label(keystore)
        table = Table(title=f"Keystore {keystore}", show_header=False)
        for key, value in sorted(label.items()):
            table.add_row(key, str(value))
        if unlock:
            secrets_ = TrusteeSecrets.from_dict(_open(keystore, passphrase_file).secrets)
            table.add_row("ceremony", "not started" if secrets_.context is None else secrets_.context.hex()[:32])
            table.add_row("step-1 state", "yes" if secrets_.dkg_state else "no")
            table.add_row("posts made", ", ".join(sorted(k.rsplit("/", 2)[-2] for k in secrets_.outbox)) or "none")
            share = secrets_.key_share
            table.add_row("key share", "none yet" if share is None else f"yes (K = {share.joint_public_key.hex()})")
            if server is not None:
                # A dry run on a copy: nothing is sealed or posted, only the status is shown.
                entries = HttpTransport.connect(server, token=token).read_entries()
                table.add_row("on the board", trustee_step(secrets_, entries)[1].describe())
    except ShailooError as e:
        raise _fail(e) from e
    console.print(table)
    if "identity_public_key" in label:
        console.print("Identity public key (as on the manifest's trustee roster):")
        console.print(str(label["identity_public_key"]), soft_wrap=True)


@trustee_app.command("backup")
def backup(
    out: Annotated[Path, typer.Option("--out", "-o", help="The backup file to write (must not exist).")],
    keystore: KeystoreOption = Path("trustee.keystore"),
    passphrase_file: PassphraseFileOption = None,
    backup_passphrase_file: Annotated[Path | None, typer.Option(help="Read the backup passphrase from a file.")] = None,
) -> None:
    """Export the keystore re-sealed under a separate backup passphrase."""
    try:
        store = _open(keystore, passphrase_file)
        backup_passphrase = _passphrase(backup_passphrase_file, confirm=True, what="backup passphrase")
        with console.status("Sealing the backup…"):
            store.export_backup(out, backup_passphrase)
    except ShailooError as e:
        raise _fail(e) from e
    console.print(f"[green]Backup written[/] to {out}. Keep it apart from the laptop and from its passphrase.")
