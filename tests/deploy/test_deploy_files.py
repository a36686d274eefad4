"""The files docs/deploy.md ships under deploy/ name real things, so the guide cannot drift from the code:

* every ``ExecStart`` of the systemd units runs a real ``shailoo`` command with options it has (each command's
  ``--help`` is run, and its options read from the command itself);
* every variable of the environment examples is a setting the server or the identity service reads;
* nginx sends exactly the registrar's routes (`voting_server.roles.REGISTRAR_ROUTES`, the cabinet) to the registrar.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app
from identity.settings import IdentitySettings
from voting_server.roles import REGISTRAR_ROUTES, SHARED_ROUTES
from voting_server.settings import ServerRole, Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def exec_lines(unit: Path) -> list[list[str]]:
    """The command lines of a unit's ``ExecStart``/``ExecStartPre``/``ExecStop`` (with ``\\`` continuations)."""
    text = unit.read_text().replace("\\\n", " ")
    found = re.findall(r"^Exec(?:Start|StartPre|StartPost|Stop)=(.+)$", text, flags=re.MULTILINE)
    return [shlex.split(line.lstrip("-@:+!")) for line in found]


def is_group(command: Any) -> bool:
    return hasattr(command, "list_commands")


def resolve(argv: list[str]) -> tuple[Any, list[str], list[str]]:
    """The (click) command ``argv`` (after ``shailoo``) names, its path, and the arguments left for it."""
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    rest = list(argv)
    while is_group(command) and rest and not rest[0].startswith("-"):
        sub = command.get_command(command.make_context("shailoo", [], resilient_parsing=True), rest[0])
        assert sub is not None, f"`shailoo {' '.join([*path, rest[0]])}` is not a command"
        command, path = sub, [*path, rest.pop(0)]
    return command, path, rest


def test_there_are_units_for_both_roles_and_a_witness() -> None:
    names = {u.name for u in UNITS}
    assert {"shailoo-ballot-box.service", "shailoo-registrar.service", "shailoo-witness.service"} <= names


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_every_exec_line_is_a_real_shailoo_command_with_real_options(unit: Path) -> None:
    lines = exec_lines(unit)
    assert lines, f"{unit.name} has no ExecStart"
    for argv in lines:
        assert Path(argv[0]).name == "shailoo", argv
        command, path, rest = resolve(argv[1:])
        assert not is_group(command), f"{unit.name}: `shailoo {' '.join(path)}` needs a subcommand"
        shown = CliRunner().invoke(app, [*path, "--help"])
        assert shown.exit_code == 0, shown.output
        options = {opt: param for param in command.params for opt in param.opts if param.param_type_name == "option"}
        given = [a.split("=", 1)[0] for a in rest if a.startswith("-")]
        unknown = [o for o in given if o not in options]
        assert not unknown, f"{unit.name}: `shailoo {' '.join(path)}` has no option {unknown}"
        # The options parse: typed values (ports, roles, intervals) are what the command accepts.
        context = command.make_context(f"shailoo {' '.join(path)}", list(rest), resilient_parsing=False)
        role = context.params.get("role")
        if role is not None:
            assert ServerRole(role.value if hasattr(role, "value") else role)


def test_the_units_run_each_role_on_the_port_nginx_sends_it_to() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    for unit, upstream in (
        ("shailoo-ballot-box.service", "shailoo_ballot_box"),
        ("shailoo-registrar.service", "shailoo_registrar"),
    ):
        argv = exec_lines(DEPLOY / unit)[0]
        port = argv[argv.index("--port") + 1]
        block = re.search(rf"upstream {upstream} \{{(.*?)\}}", nginx, flags=re.DOTALL)
        assert block is not None and f"127.0.0.1:{port};" in block.group(1), (unit, port)


@pytest.mark.parametrize("example", sorted(DEPLOY.glob("*.env.example")), ids=lambda p: p.name)
def test_every_variable_of_the_environment_examples_is_a_setting(example: Path) -> None:
    known = {f"SHAILOO_IDENTITY_{name.upper()}" for name in IdentitySettings.model_fields} | {
        f"SHAILOO_{name.upper()}" for name in Settings.model_fields
    }
    names = [line.split("=", 1)[0] for line in example.read_text().splitlines() if line and not line.startswith("#")]
    assert names and not [n for n in names if n not in known], [n for n in names if n not in known]


def _registrar_locations() -> list[tuple[bool, str]]:
    """``(exact, path)`` of every nginx location proxied to the registrar."""
    text = (DEPLOY / "nginx.conf").read_text()
    found = re.findall(r"location\s+(=\s+)?(\S+)\s*\{\s*proxy_pass http://shailoo_registrar;", text)
    return [(bool(exact), path) for exact, path in found]


def _goes_to_registrar(path: str) -> bool:
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    return any(concrete == p if exact else concrete.startswith(p) for exact, p in _registrar_locations())


def test_nginx_sends_the_registrars_routes_to_the_registrar_and_no_other() -> None:
    from voting_server.app import create_app

    registrar_only = {path for _, path in REGISTRAR_ROUTES} - {path for _, path in SHARED_ROUTES}
    assert all(_goes_to_registrar(p) for p in registrar_only), [p for p in registrar_only if not _goes_to_registrar(p)]
    assert _goes_to_registrar("/cabinet") and _goes_to_registrar("/v1/cabinet/applications")
    # No route the ballot box serves is sent to the registrar.
    box = create_app(Settings(role=ServerRole.BALLOT_BOX, database_url="sqlite://", min_issuer_key_bits=2048))
    try:
        box_paths = {getattr(r, "path", "") for r in box.routes}
        assert not [p for p in box_paths if _goes_to_registrar(p)]
    finally:
        box.state.components.stop()


def guide_commands() -> list[list[str]]:
    """Every ``shailoo …`` command line in the shell blocks of docs/deploy.md (after ``sudo -u``/``sh -c`` wrappers
    and environment loading are stripped; ``…`` and ``<…>`` placeholders left as arguments)."""
    guide = (DEPLOY.parent / "docs" / "deploy.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", guide, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split(";"):
                code = re.sub(r"-u \S+", "", part.split("#", 1)[0].replace("'", " "))  # not the user `shailoo`
                found = re.search(r"(?:^|\s)(?:/opt/shailoo/\.venv/bin/)?shailoo (.+)$", code.strip())
                if found:
                    commands.append(shlex.split(found.group(1)))
    return commands


def test_every_shailoo_command_in_the_guide_exists_with_its_options() -> None:
    commands = guide_commands()
    assert len(commands) >= 6, commands
    for argv in commands:
        command, path, rest = resolve(argv)
        assert not is_group(command), f"`shailoo {' '.join(argv)}` names no command"
        options = {opt for param in command.params for opt in param.opts if param.param_type_name == "option"}
        unknown = [a for a in rest if a.startswith("--") and a.split("=", 1)[0] not in options]
        assert not unknown, f"`shailoo {' '.join(path)}` has no option {unknown}"
