"""``shailoo admin …``: the commission's operator runs an election on a ``shailoo serve`` server from a terminal.

A thin client of the admin API (``/v1/admin``, docs/server.md) with the same bearer tokens: ``--server`` (or
``SHAILOO_SERVER``) and ``--token`` (or ``SHAILOO_ADMIN_TOKEN``). Every refusal is the server's stable code and
message on one line (exit status 1); nothing here decides anything the server does not check again.

The manifest is built here from a preset (or a manifest file) with the trustee roster (``shailoo trustee init``
prints each trustee's identity key), the witness roster (``shailoo witness init``) and the registrar's key (read
from the server), then posted whole: what goes on the board is exactly what was shown to the operator.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape

from cli.progress import waiting

admin_app = typer.Typer(
    name="admin",
    help="The operator's commands: manifest, issuer keys, devices, register counts, open, close, tally, results.",
    no_args_is_help=True,
)
console = Console()

ServerOption = Annotated[str, typer.Option("--server", envvar="SHAILOO_SERVER", help="The voting server's URL.")]
TokenOption = Annotated[
    str,
    typer.Option("--token", envvar="SHAILOO_ADMIN_TOKEN", help="The operator's bearer token (SHAILOO_ADMIN_TOKENS)."),
]
DEFAULT_SERVER = "http://127.0.0.1:8000"
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        envvar="SHAILOO_PASSPHRASE_FILE",
        help="Read the keystore passphrase from this file (automation); else it is asked.",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")


class AdminClient:
    """The admin API over HTTP. ``http`` is an `httpx.Client` (tests pass one over the ASGI app); ``token`` the
    bearer token sent with every admin request."""

    def __init__(self, http: Any, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, f"/v1/admin{path}", json=body, headers=self.headers)
        if response.status_code >= 400:
            try:
                payload = response.json()
                code, message = str(payload["code"]), str(payload["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "server_error", f"HTTP {response.status_code}: {response.text[:200]}"
            console.print(f"[bold red]refused[/] ({code}) {message}", soft_wrap=True, markup=True, highlight=False)
            raise typer.Exit(code=1)
        return response.json()

    def election(self) -> dict[str, Any]:
        response = self.http.get("/v1/election")
        if response.status_code >= 400:
            return {}
        body: dict[str, Any] = response.json()
        return body


def _client(server: str, token: str) -> AdminClient:
    """The client for ``server`` (tests replace this to talk to the app in-process)."""
    import httpx

    # Issuer keys (one 3072-bit RSA key per ballot style) take a minute or more: the read timeout allows for it.
    timeout = httpx.Timeout(connect=10.0, read=900.0, write=60.0, pool=10.0)
    return AdminClient(httpx.Client(base_url=server.rstrip("/"), timeout=timeout), token)


def _ack(what: str, ack: dict[str, Any]) -> None:
    console.print(f"[green]{what}[/]: board entry {ack['index']}")


# --- the manifest ------------------------------------------------------------------------------------------------


def _parse_trustee(text: str, index_default: int) -> Any:
    """``INDEX:KEY`` or ``INDEX:KEY:NAME`` (or a bare ``KEY``, numbered in order) → `TrusteeRosterEntry`."""
    from elections.manifest import TrusteeRosterEntry

    parts = text.split(":", 2)
    if len(parts) == 1:
        index, key, name = index_default, parts[0], f"Trustee {index_default}"
    else:
        if not parts[0].isdigit():
            raise typer.BadParameter(f"--trustee {text!r}: INDEX:PUBLIC_KEY[:NAME]")
        index, key = int(parts[0]), parts[1]
        name = parts[2] if len(parts) == 3 else f"Trustee {index}"
    try:
        return TrusteeRosterEntry(index=index, name=name, public_key=key.strip().lower())
    except ValueError as e:
        raise typer.BadParameter(f"--trustee {text!r}: {e}") from e


def _parse_witness(text: str) -> Any:
    from elections.manifest import WitnessRosterEntry

    name, sep, key = text.partition("=")
    if not sep:
        raise typer.BadParameter(f"--witness {text!r}: NAME=PUBLIC_KEY (as `shailoo witness init` prints)")
    try:
        return WitnessRosterEntry(name=name, public_key=key.strip().lower())
    except ValueError as e:
        raise typer.BadParameter(f"--witness {text!r}: {e}") from e


def build_manifest(
    *,
    preset: str | None,
    manifest_file: Path | None,
    trustees: list[str],
    threshold: int | None,
    witnesses: list[str],
    voting_opens: str | None,
    voting_closes: str | None,
    registrar_key: str | None,
    regions: list[str] | None = None,
    candidates: Path | None = None,
    allow_early_close: bool = False,
    commission_key: str | None = None,
    parties: Path | None = None,
) -> Any:
    """The manifest the operator asked for (`elections.manifest.Manifest`), checked as the server checks it:
    the base (a preset or a file), cut down to ``regions`` if given, the voting window, its candidates replaced by
    the registration file ``candidates`` if given (`elections.candidates`: every registration check, ages on the
    election day; a file with any problem raises `CandidateImportError` with all of them), the rosters and the
    registrar key."""
    from elections.candidates import CandidateImportError
    from elections.errors import ElectionError
    from elections.manifest import Manifest
    from elections.presets import PRESET_NAMES, build_preset

    if (preset is None) == (manifest_file is None):
        raise typer.BadParameter("give exactly one of --preset or --manifest-file")
    try:
        if preset is not None:
            if preset not in PRESET_NAMES:
                raise typer.BadParameter(f"no preset {preset!r}; presets: {', '.join(PRESET_NAMES)}")
            manifest = build_preset(preset)
        else:
            assert manifest_file is not None
            manifest = Manifest.from_dict(json.loads(manifest_file.read_text(encoding="utf-8")))
        if regions:
            manifest = only_regions(manifest, regions)
        if (voting_opens is None) != (voting_closes is None):
            raise typer.BadParameter("give both --voting-opens and --voting-closes, or neither")
        if voting_opens is not None and voting_closes is not None:
            policy = {"early_close_allowed": True} if allow_early_close else {}
            manifest = manifest.with_voting_window(voting_opens, voting_closes, **policy)
        elif allow_early_close:
            raise typer.BadParameter("--allow-early-close goes with --voting-opens and --voting-closes")
        if parties is not None:  # before the candidates, who name their party
            manifest = _with_parties(manifest, parties)
        if candidates is not None:  # after the window: ages are checked on the election day
            manifest = _with_candidates(manifest, candidates)
        if trustees:
            roster = [_parse_trustee(t, i) for i, t in enumerate(trustees, start=1)]
            if threshold is None:
                raise typer.BadParameter("--threshold (k, how many trustees decrypt) goes with --trustee")
            manifest = manifest.with_trustees(roster, threshold)
        if witnesses:
            manifest = manifest.with_witnesses([_parse_witness(w) for w in witnesses])
        if registrar_key is not None:
            manifest = manifest.with_registrar_key(bytes.fromhex(registrar_key))
        if commission_key is not None:
            try:
                raw = bytes.fromhex(commission_key.strip())
            except ValueError as e:
                raise typer.BadParameter(f"--commission-key: not hex ({e})") from e
            manifest = manifest.with_commission_key(raw)
    except CandidateImportError:
        raise
    except ElectionError as e:
        raise typer.BadParameter(f"{e.code}: {e.message}") from e
    except (ValueError, OSError) as e:
        raise typer.BadParameter(str(e)) from e
    return manifest


def only_regions(manifest: Any, regions: list[str]) -> Any:
    """``manifest`` cut down to the regions ``regions``: their districts (and the nationwide ones), precincts and
    ballot styles, and the contests and candidates of the districts kept (a by-election, or a rehearsal with few
    ballot styles and so few issuer keys). An unknown region id is refused."""
    from elections.errors import UnknownIdError
    from elections.manifest import Manifest

    data = manifest.to_canonical_dict()
    known = [r["region_id"] for r in data["regions"]]
    if unknown := sorted(set(regions) - set(known)):
        raise UnknownIdError(f"no region {unknown} in manifest {manifest.election_id!r}; regions: {', '.join(known)}")
    wanted = set(regions)
    data["regions"] = [r for r in data["regions"] if r["region_id"] in wanted]
    data["districts"] = [d for d in data["districts"] if d.get("region_id") is None or d["region_id"] in wanted]
    districts = {d["district_id"] for d in data["districts"]}
    data["precincts"] = [p for p in data["precincts"] if p["region_id"] in wanted and p["district_id"] in districts]
    data["ballot_styles"] = [s for s in data["ballot_styles"] if s["region_id"] in wanted]
    data["contests"] = [c for c in data["contests"] if c.get("district_id") is None or c["district_id"] in districts]
    data["candidates"] = [
        c for c in data["candidates"] if c.get("district_id") is None or c["district_id"] in districts
    ]
    return Manifest.from_dict(data)


def _with_candidates(manifest: Any, path: Path) -> Any:
    """``manifest`` with the candidates of the registration file ``path`` (.json, else CSV; docs/candidates.md)."""
    from elections.candidates import import_candidates

    file_format: Literal["csv", "json"] = "json" if path.suffix.lower() == ".json" else "csv"
    return import_candidates(path.read_text(encoding="utf-8"), file_format, manifest).manifest


def _with_parties(manifest: Any, path: Path) -> Any:
    """``manifest`` with the registered parties of the party file ``path`` (.json, else CSV; docs/candidates.md)."""
    from elections.candidates import import_parties

    file_format: Literal["csv", "json"] = "json" if path.suffix.lower() == ".json" else "csv"
    return import_parties(path.read_text(encoding="utf-8"), file_format, manifest)


def _refuse_candidates(error: Any) -> typer.Exit:
    """Every problem of a refused candidate or party file, one line each, then exit status 1 (nothing posted)."""
    for p in error.problems:
        where = f"row {p.row}, {p.field}" if p.row else p.field
        console.print(
            f"[bold red]refused[/] ({error.code}) {escape(f'{where}: {p.code}: {p.message}')}",
            soft_wrap=True,
            highlight=False,
            markup=True,
        )
    what = "party" if error.code == "invalid_parties" else "candidate"
    console.print(f"{len(error.problems)} problem(s) in the {what} file; nothing was posted", highlight=False)
    return typer.Exit(code=1)


PHASES = ("setup", "key_ceremony", "ready", "voting", "closed", "tallying", "decrypted")


def _wait_for_phase(client: AdminClient, phase: str, timeout: float, interval: float = 0.5) -> dict[str, Any]:
    """The status once the server answers and its phase is ``phase`` or a later one (`PHASES`); a server that does
    not answer yet is asked again until ``timeout`` seconds have gone by, then the last error is raised."""
    import httpx

    deadline = time.monotonic() + timeout
    seen = "no answer"
    while True:
        try:
            body: dict[str, Any] = client.call("GET", "/status")
            if PHASES.index(body["phase"]) >= PHASES.index(phase):
                return body
            seen = f"phase {body['phase']}"
        except (httpx.ConnectError, httpx.TimeoutException):
            if time.monotonic() >= deadline:
                raise
        if time.monotonic() >= deadline:
            console.print(
                f"[bold red]refused[/] (wait_timeout) {seen} after {timeout:.0f} s, not yet {phase}", highlight=False
            )
            raise typer.Exit(code=1)
        time.sleep(interval)


def final_head_cosigners(export: bytes) -> set[str]:
    """The witnesses who cosigned a signed tree head covering every entry of the export (its last head; the
    export's cosignature lines follow the head they cosign and name its size)."""
    lines = [json.loads(line) for line in export.splitlines() if line.strip()]
    entries = sum(1 for line in lines if line.get("type") == "entry")
    heads = [i for i, line in enumerate(lines) if line.get("type") == "tree_head"]
    if not heads:
        return set()
    after = lines[heads[-1] + 1 :]
    return {str(c["witness"]) for c in after if c.get("type") == "cosignature" and c.get("size") == entries}


def _wait_cosigned(client: AdminClient, timeout: float, interval: float = 0.5) -> set[str]:
    """The roster's witnesses once every one of them has cosigned a signed head covering the whole board."""
    deadline = time.monotonic() + timeout
    roster = {w["name"] for w in client.election().get("manifest", {}).get("witnesses", [])}
    while True:
        response = client.http.get("/v1/board/export")
        cosigners = final_head_cosigners(response.content) if response.status_code == 200 else set()
        if roster <= cosigners:
            return roster
        if time.monotonic() >= deadline:
            missing = ", ".join(sorted(roster - cosigners)) or "a signed head covering the board"
            console.print(f"[bold red]refused[/] (wait_timeout) still waiting for {missing}", highlight=False)
            raise typer.Exit(code=1)
        time.sleep(interval)


@admin_app.command("status")
def status(
    wait_for: Annotated[
        str | None,
        typer.Option(
            "--wait-for", help=f"Wait until the server answers in this phase or a later one ({', '.join(PHASES)})"
        ),
    ] = None,
    wait_cosigned: Annotated[
        bool,
        typer.Option(
            "--wait-cosigned", help="Wait until every witness of the roster cosigned a head covering the whole board"
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(min=0, help="How long to wait, in seconds")] = 600.0,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """The election's phase and the board's size (operator or auditor token); with ``--wait-for`` or
    ``--wait-cosigned``, once that is so (exit status 1 after ``--timeout`` seconds otherwise)."""
    if wait_for is not None and wait_for not in PHASES:
        raise typer.BadParameter(f"--wait-for {wait_for!r}: one of {', '.join(PHASES)}")
    client = _client(server, token)
    if wait_for is not None:
        with console.status(f"Waiting for phase {wait_for}…"):
            body = _wait_for_phase(client, wait_for, timeout)
    if wait_cosigned:
        with console.status("Waiting for the witnesses' cosignatures of the final tree head…"):
            witnesses = _wait_cosigned(client, timeout)
        console.print(f"the last tree head covers the whole board, cosigned by {', '.join(sorted(witnesses)) or '-'}")
    body = client.call("GET", "/status")
    keys = "held" if body["issuer_keys_held"] else "not yet"
    console.print(
        f"election {body['election_id'] or '(none)'}: phase {body['phase']}, board of {body['board_size']} entries, "
        f"issuer keys {keys}"
    )


@admin_app.command("manifest")
def manifest(
    preset: Annotated[str | None, typer.Option(help="A preset: president, referendum, parliament-2025, …")] = None,
    manifest_file: Annotated[
        Path | None, typer.Option("--manifest-file", exists=True, dir_okay=False, help="A manifest JSON file.")
    ] = None,
    trustee: Annotated[
        list[str] | None,
        typer.Option(
            "--trustee", help="INDEX:PUBLIC_KEY[:NAME], once per trustee (the key `shailoo trustee init` prints)"
        ),
    ] = None,
    threshold: Annotated[int | None, typer.Option(help="k: how many trustees decrypt")] = None,
    witness: Annotated[
        list[str] | None, typer.Option("--witness", help="NAME=PUBLIC_KEY, once per witness (`shailoo witness init`)")
    ] = None,
    voting_opens: Annotated[
        str | None, typer.Option(help="UTC YYYY-MM-DDTHH:MM:SSZ (moves the preset's window)")
    ] = None,
    voting_closes: Annotated[str | None, typer.Option(help="UTC YYYY-MM-DDTHH:MM:SSZ")] = None,
    region: Annotated[
        list[str] | None,
        typer.Option("--region", help="Keep only this region (repeat): a by-election, or a rehearsal's few styles"),
    ] = None,
    candidates: Annotated[
        Path | None,
        typer.Option(
            "--candidates",
            exists=True,
            dir_okay=False,
            help="The registered candidates (CSV or .json, docs/candidates.md), checked at registration",
        ),
    ] = None,
    parties: Annotated[
        Path | None,
        typer.Option(
            "--parties",
            exists=True,
            dir_okay=False,
            help="The registered parties (CSV or .json: party_id, name_ky, name_ru, name_en, ballot_order)",
        ),
    ] = None,
    allow_early_close: Annotated[
        bool,
        typer.Option(
            "--allow-early-close", help="policy.early_close_allowed: `admin close --reason` before voting_closes"
        ),
    ] = False,
    commission_key: Annotated[
        str | None,
        typer.Option(
            "--commission-key", help="The commission's public key (`shailoo admin commission-key`): signs annulments"
        ),
    ] = None,
    pin_registrar: Annotated[
        bool, typer.Option(help="Pin the server's registrar key, so its register counts are accepted")
    ] = True,
    out: Annotated[Path | None, typer.Option(help="Also write the manifest posted to this file")] = None,
    dry_run: Annotated[bool, typer.Option(help="Build and check the manifest, post nothing")] = False,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """Build the election's manifest (a preset or a file, its candidates from a registration file, the trustee and
    witness rosters, the registrar's key) and load it on the board (phase ``setup`` → ``key_ceremony``)."""
    from elections.candidates import CandidateImportError

    client = None if dry_run and not pin_registrar else _client(server, token)
    registrar_key = client.call("GET", "/registrar-key")["public_key"] if client and pin_registrar else None
    try:
        built = build_manifest(
            preset=preset,
            manifest_file=manifest_file,
            trustees=trustee or [],
            threshold=threshold,
            witnesses=witness or [],
            voting_opens=voting_opens,
            voting_closes=voting_closes,
            registrar_key=registrar_key,
            regions=region,
            candidates=candidates,
            allow_early_close=allow_early_close,
            commission_key=commission_key,
            parties=parties,
        )
    except CandidateImportError as e:
        raise _refuse_candidates(e) from e
    document = built.to_canonical_dict()
    if out is not None:
        out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    console.print(
        f"manifest {built.election_id}: {len(built.ballot_styles)} ballot style(s), {len(built.trustees)} trustee(s) "
        f"(k = {built.trustee_threshold}), {len(built.witnesses)} witness(es), "
        f"voting {built.dates.voting_opens} → {built.dates.voting_closes}"
    )
    if dry_run or client is None:
        return
    _ack("manifest loaded", client.call("POST", "/manifest", {"manifest": document}))


@admin_app.command("issuer-keys")
def issuer_keys(
    bits: Annotated[int, typer.Option(help="RSA modulus size (3072 in any real election)")] = 3072,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """The registrar makes one blind-signature key per ballot style and publishes the public keys (slow: about
    2–20 s per 3072-bit key; the time goes by on screen)."""
    client = _client(server, token)
    styles = len(client.election().get("manifest", {}).get("ballot_styles", [])) or None
    what = f"{styles} key(s)" if styles else "the keys"
    console.print(f"Generating {what} of {bits} bits on the server (one per ballot style)…")
    started = time.monotonic()
    with waiting(console, f"Generating {what} of {bits} bits"):
        ack = client.call("POST", "/issuer-keys", {"bits": bits})
    _ack(f"issuer keys published in {time.monotonic() - started:.0f} s", ack)


@admin_app.command("device")
def device(
    device_id: Annotated[str, typer.Option(help="The device's id (a kiosk's or a precinct tablet's)")],
    public_key: Annotated[str | None, typer.Option(help="Its Ed25519 public key, 64 hex")] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="Or the device's key file (hex seed); only its public key is sent"),
    ] = None,
    new_key: Annotated[
        bool,
        typer.Option("--new-key", help="Make the key file first (mode 0600, never overwritten), for the device"),
    ] = False,
    role: Annotated[str, typer.Option(help="identification or kiosk")] = "identification",
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """Register a precinct device's key on the board (``device_key``); with ``--new-key`` the key file is made here
    and then installed on the device (an identification terminal's, which `shailoo voter identify --device-key`
    reads too)."""
    if (public_key is None) == (key_file is None):
        raise typer.BadParameter("give exactly one of --public-key or --key-file")
    if new_key:
        if key_file is None:
            raise typer.BadParameter("--new-key goes with --key-file (where the new key is written)")
        _new_device_key(key_file)
    if key_file is not None:
        if not key_file.is_file():
            raise typer.BadParameter(f"--key-file {key_file}: no such file (make one with --new-key)")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from crypto import signing

        try:
            seed = bytes.fromhex(key_file.read_text(encoding="utf-8").strip())
            public_key = signing.public_key_bytes(Ed25519PrivateKey.from_private_bytes(seed)).hex()
        except ValueError as e:
            raise typer.BadParameter(f"{key_file}: not a device key file (64 hex digits): {e}") from e
    assert public_key is not None
    body = {"device_id": device_id, "public_key": public_key.strip().lower(), "role": role}
    _ack(f"device {device_id} registered", _client(server, token).call("POST", "/devices", body))


def _new_device_key(path: Path) -> None:
    """A new Ed25519 device key at ``path`` as a hex seed, readable by its owner only; an existing file is kept."""
    import os
    import secrets

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise typer.BadParameter(f"--key-file {path} exists: a device key is never overwritten") from e
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_bytes(32).hex() + "\n")


@admin_app.command("close-step")
def close_step(
    step: Annotated[str, typer.Argument(help="commitments, shares or checks")],
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """A key-ceremony step's deadline passed: name the trustees still missing; the others go on."""
    _ack(f"ceremony step {step} closed", _client(server, token).call("POST", "/ceremony/close-step", {"step": step}))


@admin_app.command("register-counts")
def register_counts(server: ServerOption = DEFAULT_SERVER, token: TokenOption = "") -> None:
    """The registrar counts the register per ballot style and posts the signed counts (before opening)."""
    _ack("register counts posted", _client(server, token).call("POST", "/register-counts"))


@admin_app.command("open")
def open_voting(
    channel: Annotated[list[str] | None, typer.Option("--channel", help="app, kiosk (repeat); default app")] = None,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """Open voting (phase ``ready`` → ``voting``)."""
    body = {"channels": channel or ["app"]}
    _ack(f"voting open ({', '.join(body['channels'])})", _client(server, token).call("POST", "/channels/open", body))


@admin_app.command("close")
def close(
    reason: Annotated[str | None, typer.Option(help="Why, when closing before voting_closes (if allowed)")] = None,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """Close voting: issuance stops, its counts and the ``close`` entry are posted together."""
    body = {"reason": reason} if reason else None
    _ack("voting closed", _client(server, token).call("POST", "/close", body))


@admin_app.command("annul")
def annul_precinct(
    precinct_id: Annotated[str, typer.Argument(help="The precinct to annul (its id in the manifest)")],
    reason: Annotated[str, typer.Option(help="What happened there (1–1000 characters; on the board)")],
    legal_basis: Annotated[
        str, typer.Option("--legal-basis", help="The law's article or the decision that annuls it (1–1000 characters)")
    ],
    commission_keystore: Annotated[
        Path | None,
        typer.Option(
            "--commission-keystore", help="The commission's keystore (when the manifest pins a commission key)"
        ),
    ] = None,
    passphrase_file: PassphraseFileOption = None,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """Annul a precinct after the close and before the tally: the commission's signed ``precinct_annulment`` goes on
    the board and the tally leaves that precinct's ballots out of every sum (checked by ``shailoo verify``). With
    ``--commission-keystore`` the annulment is signed here, with the commission's key, over the manifest the server
    publishes, and posted signed; without it the server signs with its registrar key, which only a manifest without
    a ``commission_key`` accepts."""
    client = _client(server, token)
    if commission_keystore is None:
        body: dict[str, Any] = {"precinct_id": precinct_id, "reason": reason, "legal_basis": legal_basis}
    else:
        signed = _signed_annulment(client, commission_keystore, passphrase_file, precinct_id, reason, legal_basis)
        body = {"annulment": signed}
    _ack(f"precinct {precinct_id} annulled", client.call("POST", "/annul", body))


def _signed_annulment(
    client: AdminClient, keystore: Path, passphrase_file: Path | None, precinct_id: str, reason: str, legal_basis: str
) -> dict[str, Any]:
    """The annulment signed with the commission's key, over the manifest the server publishes (checked to pin
    that key first, so a wrong keystore is refused here)."""
    from crypto.errors import ShailooError
    from crypto.signing import public_key_bytes
    from elections.manifest import Manifest
    from record.annulment import sign_precinct_annulment

    key = _commission_signing_key(keystore, passphrase_file)
    try:
        manifest = Manifest.from_dict(client.election()["manifest"])
        mine = public_key_bytes(key).hex()
        if manifest.commission_key != mine:
            pinned = manifest.commission_key or "none"
            raise typer.BadParameter(f"--commission-keystore holds key {mine}; the manifest pins {pinned}")
        signed = sign_precinct_annulment(key, manifest, precinct_id, reason, legal_basis)
    except (ShailooError, KeyError) as e:
        message = e.message if isinstance(e, ShailooError) else "the server publishes no manifest"
        code = e.code if isinstance(e, ShailooError) else "wrong_phase"
        console.print(f"[bold red]refused[/] ({code}) {escape(message)}", soft_wrap=True, highlight=False)
        raise typer.Exit(code=1) from e
    return signed.to_payload()


COMMISSION_ROLE = "commission"


def _commission_signing_key(keystore: Path, passphrase_file: Path | None) -> Any:
    """The commission's Ed25519 key from its keystore (`trustees.keystore`: Argon2id, ChaCha20-Poly1305)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from crypto.errors import ShailooError
    from trustees.keystore import Keystore

    if not keystore.is_file():
        raise typer.BadParameter(f"no keystore at {keystore}: make one with `shailoo admin commission-key`")
    passphrase = _passphrase(passphrase_file)  # before any spinner: it would draw over the hidden prompt
    try:
        secrets_ = Keystore.open(keystore, passphrase).secrets
        if secrets_.get("role") != COMMISSION_ROLE:
            raise typer.BadParameter(f"{keystore} is not the commission's keystore (role {secrets_.get('role')!r})")
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(str(secrets_["signing_key"])))
    except ShailooError as e:
        console.print(f"[bold red]refused[/] ({e.code}) {escape(e.message)}", soft_wrap=True, highlight=False)
        raise typer.Exit(code=1) from e


def _passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> str:
    if passphrase_file is not None:
        return passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
    value: str = typer.prompt("Enter the commission keystore passphrase", hide_input=True, confirmation_prompt=confirm)
    return value


@admin_app.command("commission-key")
def commission_key_command(
    keystore: Annotated[Path, typer.Option("--keystore", help="The commission's new keystore file")] = Path(
        "commission.keystore"
    ),
    public_key_out: Annotated[
        Path | None,
        typer.Option("--public-key-out", help="Also write the public key here (for `admin manifest --commission-key`)"),
    ] = None,
    passphrase_file: PassphraseFileOption = None,
    kdf_memory_kib: Annotated[int, typer.Option(hidden=True, help="Argon2id memory (KiB); tests only.")] = 64 * 1024,
    kdf_time_cost: Annotated[int, typer.Option(hidden=True, help="Argon2id passes; tests only.")] = 3,
) -> None:
    """Make the commission's own Ed25519 key in a passphrase-protected keystore (kept by the commission, never on
    the server) and print its public key, which the manifest pins as ``commission_key``: precinct annulments are
    signed with it (``shailoo admin annul --commission-keystore``)."""
    import secrets

    from crypto.errors import ShailooError
    from crypto.signing import public_key_bytes
    from trustees.keystore import KdfParams, Keystore

    seed = secrets.token_bytes(32)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = public_key_bytes(Ed25519PrivateKey.from_private_bytes(seed)).hex()
    try:
        passphrase = _passphrase(passphrase_file, confirm=True)
        Keystore.create(
            keystore,
            passphrase,
            {"role": COMMISSION_ROLE, "signing_key": seed.hex()},
            label={"role": COMMISSION_ROLE, "public_key": public},
            kdf=KdfParams(time_cost=kdf_time_cost, memory_kib=kdf_memory_kib),
        )
    except ShailooError as e:
        console.print(f"[bold red]refused[/] ({e.code}) {escape(e.message)}", soft_wrap=True, highlight=False)
        raise typer.Exit(code=1) from e
    console.print(f"[green]commission keystore created[/] at {keystore}; its public key (commission_key):")
    console.print(public, soft_wrap=True, highlight=False)
    if public_key_out is not None:
        public_key_out.write_text(public + "\n", encoding="utf-8")


@admin_app.command("runoff")
def runoff(
    first_manifest: Annotated[
        Path, typer.Option("--first-manifest", exists=True, dir_okay=False, help="The first round's manifest JSON")
    ],
    first_results: Annotated[
        Path,
        typer.Option(
            "--first-results", exists=True, dir_okay=False, help="Its results JSON (`shailoo admin results --json`)"
        ),
    ],
    election_id: Annotated[str, typer.Option("--election-id", help="The runoff's new election id")],
    voting_opens: Annotated[str, typer.Option(help="UTC YYYY-MM-DDTHH:MM:SSZ")],
    voting_closes: Annotated[str, typer.Option(help="UTC YYYY-MM-DDTHH:MM:SSZ")],
    pin_registrar: Annotated[
        bool, typer.Option(help="Pin the runoff server's registrar key, so its register counts are accepted")
    ] = True,
    out: Annotated[Path | None, typer.Option(help="Also write the runoff manifest to this file")] = None,
    dry_run: Annotated[bool, typer.Option(help="Build and check the manifest, post nothing")] = False,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """When the first round's results say ``runoff_needed``: build the runoff's manifest (its two leading candidates
    and "against all", a new election id, ``previous_election`` = the first round's id and results hash, the dates
    given) and load it as a new election on ``--server`` (a server with an empty board)."""
    from elections.errors import ElectionError
    from elections.manifest import Manifest
    from elections.results_model import ElectionResults
    from elections.runoff import check_runoff_link, runoff_manifest

    try:
        first = Manifest.from_json(first_manifest.read_bytes())
        document = json.loads(first_results.read_text(encoding="utf-8"))
        document.pop("annulled", None)  # written beside the results by results-from-protocols
        results = ElectionResults.model_validate(document)
        built = runoff_manifest(
            first, results, election_id=election_id, voting_opens=voting_opens, voting_closes=voting_closes
        )
        client = None if dry_run and not pin_registrar else _client(server, token)
        if client is not None and pin_registrar:
            built = built.with_registrar_key(bytes.fromhex(client.call("GET", "/registrar-key")["public_key"]))
        check_runoff_link(built, first, results)
    except (ElectionError, ValueError) as e:
        code = e.code if isinstance(e, ElectionError) else "invalid_runoff"
        message = e.message if isinstance(e, ElectionError) else str(e).splitlines()[0]
        console.print(f"[bold red]refused[/] ({code}) {message}", soft_wrap=True, highlight=False)
        raise typer.Exit(code=1) from e
    document = built.to_canonical_dict()
    if out is not None:
        out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for contest in built.contests:
        names = ", ".join(c.candidate_id for c in built.candidates)
        console.print(f"runoff {built.election_id}: {contest.contest_id} between {names}")
    if dry_run or client is None:
        return
    _ack("runoff manifest loaded", client.call("POST", "/manifest", {"manifest": document}))


@admin_app.command("tally")
def tally(server: ServerOption = DEFAULT_SERVER, token: TokenOption = "") -> None:
    """Post the encrypted tally (computed from the board alone). Safe to run again: the same entry is answered."""
    with waiting(console, "Weeding and adding up the ballots on the server"):
        ack = _client(server, token).call("POST", "/tally", {})
    _ack("encrypted tally on the board", ack)
    console.print("Next: each trustee runs [bold]shailoo trustee decrypt[/]; then [bold]shailoo admin results[/].")


def results_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per contest and selection: votes, and whether it won (a candidate elected, a party's seats)."""
    rows = []
    for contest in results["contests"]:
        seats = {p["party_id"]: p["seats"] for p in contest.get("parties", [])}
        for selection in contest["selections"]:
            sid = selection["selection_id"]
            rows.append(
                {
                    "contest_id": contest["contest_id"],
                    "district_id": contest["district_id"] or "",
                    "outcome": contest["outcome"],
                    "selection_id": sid,
                    "votes": selection["votes"],
                    "elected": "yes" if sid in contest.get("elected", []) else "",
                    "seats": seats.get(sid, ""),
                }
            )
    return rows


@admin_app.command("results")
def results(
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results (JSON) here")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write votes per selection (CSV) here")] = None,
    server: ServerOption = DEFAULT_SERVER,
    token: TokenOption = "",
) -> None:
    """Combine the trustees' shares (k needed), run the rules and post ``result``; print and export the results."""
    with waiting(console, "Combining the decryption shares and running the rules"):
        body = _client(server, token).call("POST", "/results")
    _write_results(body, json_out, csv_out)
    console.print("[green]results posted[/]; anyone can check them: [bold]shailoo verify SERVER/v1/board/export[/]")


@admin_app.command("results-from-protocols")
def results_from_protocols_command(
    protocols: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSON list of precinct protocols (docs/operator.md)")
    ],
    preset: Annotated[str | None, typer.Option(help="The election's preset")] = None,
    manifest_file: Annotated[
        Path | None, typer.Option("--manifest-file", exists=True, dir_okay=False, help="Or its manifest JSON")
    ] = None,
    annul: Annotated[
        list[str] | None, typer.Option("--annul", help="PRECINCT=REASON: leave this precinct out (repeat)")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results (JSON) here")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write votes per selection (CSV) here")] = None,
) -> None:
    """Official results and seats from paper precinct protocols, by the same rules engine, without the encrypted
    pipeline (offline: no server is asked)."""
    from elections.protocols import ProtocolError, results_from_protocols

    manifest = build_manifest(
        preset=preset,
        manifest_file=manifest_file,
        trustees=[],
        threshold=None,
        witnesses=[],
        voting_opens=None,
        voting_closes=None,
        registrar_key=None,
    )
    annulled: dict[str, str] = {}
    for item in annul or []:
        precinct, sep, reason = item.partition("=")
        if not sep or not reason.strip():
            raise typer.BadParameter(f"--annul {item!r}: PRECINCT=REASON (the reason is recorded)")
        annulled[precinct] = reason.strip()
    try:
        loaded = json.loads(protocols.read_text(encoding="utf-8"))
        body = results_from_protocols(manifest, loaded, annulled=annulled).to_canonical_dict()
    except ProtocolError as e:
        console.print(f"[bold red]refused[/] ({e.code}) {e.message}", soft_wrap=True, highlight=False)
        raise typer.Exit(code=1) from e
    except ValueError as e:
        console.print(f"[bold red]refused[/] (invalid_protocol) {e}", soft_wrap=True, highlight=False)
        raise typer.Exit(code=1) from e
    body["annulled"] = annulled
    _write_results(body, json_out, csv_out)
    for precinct, reason in sorted(annulled.items()):
        console.print(f"annulled {precinct}: {reason}")


def _write_results(body: dict[str, Any], json_out: Path | None, csv_out: Path | None) -> None:
    rows = results_rows(body)
    if json_out is not None:
        json_out.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if csv_out is not None:
        with csv_out.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["contest_id"])
            writer.writeheader()
            writer.writerows(rows)
    for contest in body["contests"]:
        elected = ", ".join(contest.get("elected", [])) or "-"
        console.print(f"{contest['contest_id']}: {contest['outcome']}; elected {elected}")
