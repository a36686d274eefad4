"""``shailoo witness …``: an independent witness that follows the board over HTTP and cosigns consistent growth.

* ``init`` makes the witness's Ed25519 key in a passphrase-protected keystore (`trustees.keystore`: Argon2id and
  ChaCha20-Poly1305) and prints the name and public key the commission puts on the manifest's witness roster;
* ``show`` prints them again;
* ``run`` follows a server (`observer.witness_follower`): for each new signed tree head it fetches the consistency
  proof from the last head it cosigned, checks it, cosigns and posts the cosignature; its state (the pinned log,
  the last cosigned head, split-view evidence) is a local file, so it survives restarts. SIGTERM or Ctrl-C stops
  it cleanly between two rounds.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from crypto.errors import ShailooError

witness_app = typer.Typer(
    name="witness",
    help="Witnesses: follow the board, check that it only grows, cosign its tree heads.",
    no_args_is_help=True,
)
console = Console()

KeystoreOption = Annotated[Path, typer.Option("--keystore", "-k", help="The witness's keystore file.")]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        envvar="SHAILOO_PASSPHRASE_FILE",
        help="Read the passphrase from this file (automation); else it is asked.",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(witness_app, name="witness")


def _fail(error: ShailooError) -> typer.Exit:
    console.print(f"[bold red]refused[/] ({escape(error.code)}) {escape(error.message)}")
    return typer.Exit(code=1)


def _passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> str:
    if passphrase_file is not None:
        return passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
    value: str = typer.prompt("Enter the keystore passphrase", hide_input=True, confirmation_prompt=confirm)
    return value


def _identity(keystore: Path, passphrase_file: Path | None) -> Any:
    from observer.witness_follower import WitnessIdentity
    from trustees.keystore import Keystore

    if not keystore.exists():
        console.print(f"[red]no keystore at {keystore}[/]: create one with [bold]shailoo witness init[/]")
        raise typer.Exit(code=1)
    # The passphrase is asked before the spinner starts: a live spinner would redraw over the hidden prompt.
    passphrase = _passphrase(passphrase_file)
    try:
        with console.status("Unlocking the keystore (memory-hard key derivation)…"):
            store = Keystore.open(keystore, passphrase)
        return WitnessIdentity.from_secrets(store.secrets)
    except ShailooError as e:
        raise _fail(e) from e


def _print_roster_entry(identity: Any) -> None:
    console.print("For the manifest's witness roster ([bold]witnesses[/]):")
    console.print(f'{{"name": "{identity.name}", "public_key": "{identity.public_key.hex()}"}}', soft_wrap=True)
    console.print(f"Observers pin it with: shailoo verify … --witness {identity.name}={identity.public_key.hex()}")


@witness_app.command("init")
def init(
    name: Annotated[str, typer.Option("--name", help="The witness's name: printable ASCII, no space, no '+'.")],
    keystore: KeystoreOption = Path("witness.keystore"),
    passphrase_file: PassphraseFileOption = None,
    public_key_out: Annotated[
        Path | None,
        typer.Option(
            "--public-key-out", help="Also write NAME=PUBLIC_KEY to this file (as `shailoo admin manifest --witness`)"
        ),
    ] = None,
    kdf_memory_kib: Annotated[int, typer.Option(hidden=True, help="Argon2id memory (KiB); tests only.")] = 64 * 1024,
    kdf_time_cost: Annotated[int, typer.Option(hidden=True, help="Argon2id passes; tests only.")] = 3,
) -> None:
    """Make this witness's Ed25519 key in a new keystore and print what the commission puts on the roster."""
    from observer.witness_follower import WitnessIdentity
    from trustees.keystore import KdfParams, Keystore

    try:
        identity = WitnessIdentity.generate(name)
        kdf = KdfParams(time_cost=kdf_time_cost, memory_kib=kdf_memory_kib)
        passphrase = _passphrase(passphrase_file, confirm=True)
        with console.status("Sealing the keystore…"):
            Keystore.create(keystore, passphrase, identity.to_secrets(), label=identity.label(), kdf=kdf)
    except ShailooError as e:
        raise _fail(e) from e
    console.print(f"[green]Keystore created[/] at {keystore} for witness {escape(name)}.")
    _print_roster_entry(identity)
    if public_key_out is not None:
        public_key_out.write_text(f"{identity.name}={identity.public_key.hex()}\n", encoding="utf-8")
        console.print(f"(NAME=PUBLIC_KEY also written to {public_key_out})")
    console.print("Next: [bold]shailoo witness run --server URL[/]")


@witness_app.command("show")
def show(keystore: KeystoreOption = Path("witness.keystore"), passphrase_file: PassphraseFileOption = None) -> None:
    """Print this witness's name and public key (from the opened keystore, so they are authenticated)."""
    identity = _identity(keystore, passphrase_file)
    console.print(f"witness {escape(identity.name)}")
    console.print(f"public key {identity.public_key.hex()}", soft_wrap=True)
    _print_roster_entry(identity)


@witness_app.command("run")
def run(
    server: Annotated[str, typer.Option("--server", help="The voting server's URL, e.g. https://cec.example.kg")],
    keystore: KeystoreOption = Path("witness.keystore"),
    passphrase_file: PassphraseFileOption = None,
    state: Annotated[
        Path | None, typer.Option("--state", help="The witness's state file (default: KEYSTORE.state.json)")
    ] = None,
    log_key: Annotated[
        str | None,
        typer.Option("--log-key", help="The board's Ed25519 key (hex) to pin; default: the server's, on first use"),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit (1 if it failed)")] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.05, help="Seconds between rounds")] = 5.0,
) -> None:
    """Follow the board: cosign each new tree head that extends the last one cosigned, post the cosignature."""
    from bulletin_board.witness import Witness
    from bulletin_board.witness_store import FileWitnessStore
    from crypto.signing import decode_public_key
    from observer.witness_follower import HttpBoardSource, WitnessFollower

    identity = _identity(keystore, passphrase_file)
    store = FileWitnessStore(state or keystore.with_name(keystore.name + ".state.json"))
    source = HttpBoardSource.connect(server)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        origin, key = _pin_log(store, source, log_key, stop)
        witness = Witness(
            identity.name,
            identity.signing_key,
            log_origin=origin,
            log_key=decode_public_key(key),
            store=store,
            clock=lambda: int(time.time() * 1000),
        )
        follower = WitnessFollower(witness, source)
        console.print(
            f"witness {escape(identity.name)} follows {escape(origin)} at {escape(server)}; state in {store.path}"
        )
        ok = _follow(follower, store, once=once, interval=interval, stop=stop)
    except ShailooError as e:
        raise _fail(e) from e
    finally:
        source.close()
    console.print("witness stopped")
    if not ok:
        raise typer.Exit(code=1)


def _pin_log(store: Any, source: Any, log_key: str | None, stop: threading.Event) -> tuple[str, bytes]:
    """The log this witness follows: pinned in its state, or ``--log-key``, or the server's on first use."""
    from observer.errors import BoardUnreachableError, WitnessError
    from observer.witness_follower import parse_log_key

    wanted = parse_log_key(log_key) if log_key is not None else None
    pinned = store.pinned_log()
    if pinned is not None and (wanted is None or wanted == pinned[1]):
        return pinned  # type: ignore[no-any-return]
    if pinned is not None:
        raise WitnessError(f"--log-key differs from the key of the log {pinned[0]!r} that {store.path} pinned")
    while True:
        try:
            origin, stated = source.log()
            break
        except BoardUnreachableError as e:
            console.print(f"[yellow]the board does not answer yet[/] ({escape(e.message)}); retrying")
            if stop.wait(2.0):
                raise typer.Exit(code=1) from e
    if wanted is not None and wanted != stated:
        console.print(f"[bold red]the server states another log key ({stated.hex()}) than --log-key[/]")
    if wanted is None:
        console.print(
            f"[yellow]pinning the log on first use[/]: {escape(origin)} key {stated.hex()} "
            "(compare it with the key the commission published, or pass --log-key)"
        )
    key = wanted if wanted is not None else stated
    store.pin_log(origin, key)
    return origin, key


def _follow(follower: Any, store: Any, *, once: bool, interval: float, stop: threading.Event) -> bool:
    """Rounds until ``stop`` (or one with ``once``); True when the last round succeeded."""
    from bulletin_board.errors import BoardError
    from observer.errors import BoardUnreachableError, CosignatureRefusedError

    ok = True
    while not stop.is_set():
        try:
            outcome = follower.step()
            ok = True
            if outcome.action == "cosigned":
                head = outcome.head
                console.print(f"cosigned size {head.size} root {head.root_hash.hex()[:16]}… time {head.timestamp}")
        except (BoardUnreachableError, CosignatureRefusedError) as e:
            ok = False
            console.print(f"[yellow]{escape(e.code)}[/]: {escape(e.message)}")
        except BoardError as e:  # the log misbehaved: nothing is cosigned, the evidence is in the state file
            ok = False
            console.print(
                f"[bold red]{escape(e.code)}[/]: {escape(e.message)} — not cosigned; evidence kept in {store.path}"
            )
        if once or stop.wait(interval):
            break
    return ok
