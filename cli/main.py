"""The ``shailoo`` command. Each area of the system adds its commands from its own module in `cli/`."""

from __future__ import annotations

import importlib
import sys
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
    "cli.db",
    "cli.admin",
    "cli.doctor",
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


def run() -> None:
    """The ``shailoo`` entry point: the commands, with configuration and connection errors as one line
    (``error (<code>): …``, `cli.errors`) and exit status 2 instead of a traceback."""
    from cli.errors import EXIT_CONFIGURATION, friendly_error

    try:
        app()
    except Exception as e:  # anything not mapped is re-raised with its traceback
        friendly = friendly_error(e)
        if friendly is None:
            raise
        code, line = friendly
        print(f"error ({code}): {line}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIGURATION) from None


if __name__ == "__main__":  # pragma: no cover
    run()
