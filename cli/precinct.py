"""``shailoo device …``, ``shailoo urn …`` and ``shailoo kiosk …``: the precinct devices (docs/precinct.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

device_app = typer.Typer(help="Precinct device keys: make one, register it with the commission.", no_args_is_help=True)
urn_app = typer.Typer(
    help="The counting urn: read the scanner's records, send batches, print the protocol.", no_args_is_help=True
)
kiosk_app = typer.Typer(help="The kiosk: serve the ballot screen, sync the queue, close.", no_args_is_help=True)

KeyOption = Annotated[Path, typer.Option("--key", help="the device key file (shailoo device keygen)")]
ServerOption = Annotated[str, typer.Option("--server", help="the voting server's base URL")]
OutboxOption = Annotated[Path, typer.Option("--outbox", help="the device's local queue (SQLite file)")]


def register(app: typer.Typer) -> None:
    app.add_typer(device_app, name="device")
    app.add_typer(urn_app, name="urn")
    app.add_typer(kiosk_app, name="kiosk")


@device_app.command("keygen")
def keygen(
    device_id: Annotated[str, typer.Option("--id", help="the device id, e.g. urn-pr0001-1")],
    role: Annotated[str, typer.Option("--role", help="urn or kiosk")],
    precinct_id: Annotated[str, typer.Option("--precinct", help="the precinct id of the manifest")],
    out: Annotated[Path, typer.Option("--out", help="where to write the key file (mode 0600, never overwritten)")],
) -> None:
    """Make a device key; print the registration the commission posts."""
    from precinct.devices import DeviceIdentity

    identity = DeviceIdentity.generate(device_id, role, precinct_id)
    identity.save(out)
    typer.echo(json.dumps(identity.record().payload()))


@device_app.command("register")
def register_device(
    key: KeyOption,
    server: ServerOption,
    token: Annotated[str, typer.Option("--token", envvar="SHAILOO_ADMIN_TOKEN", help="an operator token")],
) -> None:
    """Post the device's ``device_key`` entry through the server's precinct API (operator token)."""
    import httpx

    from precinct.devices import DeviceIdentity

    record = DeviceIdentity.load(key).record()
    response = httpx.post(
        f"{server.rstrip('/')}/v1/precinct/devices",
        json=record.payload(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    typer.echo(response.text)
    raise typer.Exit(0 if response.status_code < 400 else 1)


def _urn(key: Path, server: str, outbox: Path, batch_size: int):  # type: ignore[no-untyped-def]
    import httpx

    from mobile_api.client import VoterClient
    from precinct.devices import DeviceIdentity
    from precinct.link import HttpLink
    from precinct.outbox import Outbox
    from precinct.urn import CountingUrn

    http = httpx.Client(base_url=server, timeout=60)
    view = VoterClient(http).election()
    urn = CountingUrn(
        DeviceIdentity.load(key),
        view.manifest,
        joint_public_key=view.joint_public_key,
        base_hash=view.base_hash,
        outbox=Outbox(outbox),
        batch_size=batch_size,
    )
    return urn, HttpLink(http)


@urn_app.command("ingest")
def urn_ingest(
    scans: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the scanner's JSON-lines file")],
    key: KeyOption,
    server: ServerOption,
    outbox: OutboxOption,
    identified: Annotated[int, typer.Option("--identified", help="voters identified since the last call")] = 0,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 50,
    close: Annotated[bool, typer.Option("--close", help="seal and sign the protocol after these sheets")] = False,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="with --close: write the protocol PDF here")] = None,
    language: Annotated[str, typer.Option("--lang")] = "ru",
) -> None:
    """Read the sheets the urn has not read yet, encrypt them, send the batches (queued if the link is down)."""
    from precinct.printing import protocol_pdf, protocol_text
    from precinct.scanner import read_scanner_lines

    urn, link = _urn(key, server, outbox, batch_size)
    if identified:
        urn.record_identification(identified)
    seen = urn.sheets_read()
    read = 0
    with scans.open(encoding="utf-8") as f:
        for record in read_scanner_lines(f):
            if record.sheet not in seen:
                urn.read(record)
                read += 1
    console = Console()
    console.print(f"sheets read now: {read}")
    if close:
        protocol = urn.close()
        console.print(protocol_text(protocol, urn.manifest, language))
        if pdf is not None:
            pdf.write_bytes(protocol_pdf(protocol, urn.manifest, language))
    sent = urn.sync(link)
    console.print(f"records sent: {len(sent)}; still queued: {urn.outbox.pending()}")
    if close and urn.outbox.pending():
        console.print("the protocol goes to the board once the election is closed: run `shailoo urn sync` then")


@urn_app.command("sync")
def urn_sync(key: KeyOption, server: ServerOption, outbox: OutboxOption) -> None:
    """Send what the urn has queued (idempotent: safe to repeat)."""
    urn, link = _urn(key, server, outbox, 50)
    sent = urn.sync(link)
    typer.echo(f"records sent: {len(sent)}; still queued: {urn.outbox.pending()}")


def _kiosk(key: Path, server: str, outbox: Path, poll_worker_pin: str | None = None):  # type: ignore[no-untyped-def]
    import httpx

    from mobile_api.client import VoterClient
    from precinct.devices import DeviceIdentity
    from precinct.kiosk import Kiosk
    from precinct.link import HttpLink
    from precinct.outbox import Outbox

    http = httpx.Client(base_url=server, timeout=60)
    return Kiosk(
        DeviceIdentity.load(key),
        VoterClient(http),
        Outbox(outbox),
        batch_link=HttpLink(http),
        poll_worker_pin=poll_worker_pin,
    )


@kiosk_app.command("reset-pin-lock")
def kiosk_reset_pin_lock(
    key: KeyOption,
    server: ServerOption,
    outbox: OutboxOption,
    operator: Annotated[str, typer.Option("--operator", help="who resets the lock (written to the kiosk's audit)")],
) -> None:
    """Unlock the poll worker's override after too many wrong PINs (recorded in the kiosk's audit)."""
    kiosk = _kiosk(key, server, outbox)
    if not kiosk.poll_worker_locked():
        typer.echo("the poll-worker override is not locked")
        return
    kiosk.reset_poll_worker_lock(operator)
    typer.echo("the poll-worker override is unlocked; the reset is in the kiosk's audit")


@kiosk_app.command("serve")
def kiosk_serve(
    key: KeyOption,
    server: ServerOption,
    outbox: OutboxOption,
    host: Annotated[
        str, typer.Option("--host", help="the kiosk screen listens here (loopback by default)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8700,
    poll_worker: Annotated[
        bool, typer.Option("--poll-worker-identifies", help="a poll worker checks each voter's document at the kiosk")
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="the server's public base URL (https://…) whose /observe/track page the receipt's QR code opens; "
            "default: --server",
        ),
    ] = None,
    poll_worker_pin: Annotated[
        str | None,
        typer.Option(
            "--poll-worker-pin",
            envvar="SHAILOO_KIOSK_POLL_WORKER_PIN",
            help="the PIN with which the poll worker ends a session a voter walked away from (none: nobody can)",
        ),
    ] = None,
) -> None:
    """Serve the ballot screen on this kiosk (open it in the kiosk's browser).

    Identification in person is the kiosk camera's or the precinct terminal's job (wired in code, see
    docs/precinct.md); from the command line the only mode is a poll worker attending the kiosk.
    """
    import uvicorn

    from precinct.kiosk_web import create_kiosk_app, identified_by_poll_worker

    if not poll_worker:
        typer.echo("say how voters are identified: --poll-worker-identifies (a poll worker checks documents)")
        raise typer.Exit(2)
    app = create_kiosk_app(
        _kiosk(key, server, outbox, poll_worker_pin),
        identify=identified_by_poll_worker,
        public_url=public_url or server,
    )
    uvicorn.run(app, host=host, port=port)


@kiosk_app.command("sync")
def kiosk_sync(key: KeyOption, server: ServerOption, outbox: OutboxOption) -> None:
    """Send the queued ballots and the kiosk's batch (idempotent: safe to repeat)."""
    kiosk = _kiosk(key, server, outbox)
    sent = kiosk.sync()
    typer.echo(f"records sent: {len(sent)}; still queued: {kiosk.pending()}")


@kiosk_app.command("close")
def kiosk_close(key: KeyOption, server: ServerOption, outbox: OutboxOption) -> None:
    """Sign the kiosk's protocol at the close of voting and send it with anything still queued (the protocol itself
    is taken once the election is closed; `shailoo kiosk sync` sends it then)."""
    from precinct.printing import protocol_text

    kiosk = _kiosk(key, server, outbox)
    protocol = kiosk.close()
    typer.echo(protocol_text(protocol, kiosk.client.election().manifest))
    kiosk.sync()
    typer.echo(f"still queued: {kiosk.pending()}")
