"""The ``shailoo`` command. Each area of the system adds its commands from its own module in `cli/`."""

from __future__ import annotations

import importlib
import warnings

import typer

app = typer.Typer(
    name="shailoo",
    help="Shailoo: end-to-end verifiable elections for the Central Election Commission of the Kyrgyz Republic.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Shailoo: end-to-end verifiable elections."""


#: Modules that each define ``register(app)``; the order is the order of ``shailoo --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "cli.info",
    "cli.demo",
    "cli.serve",
    "cli.voter",
    "cli.verify",
    "cli.registry",
    "cli.observe",
    "cli.trustee",
    "cli.witness",
    "cli.precinct",
    "cli.candidates",
)

# `shailoo demo` and the voter commands drive the server in-process through Starlette's test client, which warns on
# import that it will move to another HTTP library: a notice for Shailoo's developers, not for a person reading the
# demo's output.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`", category=UserWarning)

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
