"""The numbered checks of the verifier and their registry.

A check is a function ``(ctx: VerificationContext) -> Passed`` registered with `check(number, area, name)`.
It returns `Passed` (a message and evidence), or raises `CheckFailedError` (with evidence naming entry indices,
hashes and values) or `CheckSkippedError` (with the reason). Checks run in number order and share what they
established through the context (e.g. check 10 sets ``ctx.manifest``; later checks skip if it is missing).

Numbers are grouped by area, with room to grow: adding a check is adding a function in one of these modules,
or a new module listed in `CHECK_MODULES`.

=====  ==========================================  ===============================
range  area                                        module
=====  ==========================================  ===============================
1–9    the log: Merkle tree, tree heads, witnesses  `observer.checks.log`
10–19  setup: manifest, issuer keys, base hash,    `observer.checks.setup`
       issuance, register counts (17); key          `observer.checks.ceremony`
       ceremony (11–13)
20–29  ballots: every ballot, weeding, spoiled;    `observer.checks.ballots`,
       the voting window (24)                      `observer.checks.window`
30–39  precincts: device keys, batch chains,        `observer.checks.precinct`
       reconciliation; annulments (33)             `observer.checks.annulment`
40–49  tally: aggregation, shares, results,       `observer.checks.tally`,
       bounds; mixing (45); the coercion-resistant `observer.checks.mix`,
       roster, ballots, blinding, tally (46–49)    `observer.checks.coercion`
50–59  complaints: promise-backed complaints       `observer.checks.complaints`
       judged again, answers
=====  ==========================================  ===============================
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from observer.context import VerificationContext

CHECK_MODULES: Final = (
    "observer.checks.log",
    "observer.checks.setup",
    "observer.checks.ceremony",
    "observer.checks.ballots",
    "observer.checks.window",
    "observer.checks.precinct",
    "observer.checks.annulment",
    "observer.checks.tally",
    "observer.checks.mix",
    "observer.checks.coercion",
    "observer.checks.complaints",
)


@dataclass(frozen=True)
class Passed:
    """What a passing check found."""

    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


CheckFunction = Callable[["VerificationContext"], Passed]


@dataclass(frozen=True)
class CheckSpec:
    number: int
    area: str
    name: str
    run: CheckFunction


REGISTRY: dict[int, CheckSpec] = {}


def check(number: int, area: str, name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under a unique ``number``."""

    def register(function: CheckFunction) -> CheckFunction:
        existing = REGISTRY.get(number)
        if existing is not None and existing.run is not function:
            raise ValueError(f"check number {number} is taken by {existing.name!r}")
        REGISTRY[number] = CheckSpec(number, area, name, function)
        return function

    return register


def all_checks() -> list[CheckSpec]:
    """Every registered check, in number order (importing the check modules registers them)."""
    for module in CHECK_MODULES:
        importlib.import_module(module)
    return [REGISTRY[n] for n in sorted(REGISTRY)]
