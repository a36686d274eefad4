"""``shailoo info``: versions and the cryptographic parameters in force."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    app.command("info")(info)


def info() -> None:
    """Show the version of Shailoo and the group and hash parameters every proof is bound to."""
    import cli
    from crypto.group import ORDER, Point
    from crypto.hashing import PROTOCOL_TAG

    table = Table(title="Shailoo", show_header=False)
    table.add_row("version", cli.__version__)
    table.add_row("group", "P-256 (secp256r1), OpenSSL via petlib")
    table.add_row("order n", hex(ORDER))
    table.add_row("generator G", Point.generator().hex())
    table.add_row("protocol tag", PROTOCOL_TAG.decode())
    Console().print(table)
