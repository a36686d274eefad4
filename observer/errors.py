"""Errors of the observers' verifier (`observer`). Every one carries a stable code.

Checks themselves do not raise these to the caller: a failed check is a line of the report (`observer.report`).
These errors are for what stops verification from starting at all (an unreadable export, a bad checkpoint file).
"""

from __future__ import annotations

from crypto.errors import ShailooError


class ObserverError(ShailooError):
    """Root of the verifier's errors."""

    code = "observer_error"


class ExportUnreadableError(ObserverError):
    """The export cannot be read at all (missing file, no header, not the Shailoo export format)."""

    code = "export_unreadable"


class CheckpointMismatchError(ObserverError):
    """A resume checkpoint belongs to another export (another tree head) or is not a checkpoint file."""

    code = "checkpoint_mismatch"


class WitnessPinError(ObserverError):
    """A ``--witness`` option that is neither ``NAME=KEY`` with a valid Ed25519 key nor a bare name."""

    code = "invalid_witness_pin"


class WitnessError(ObserverError):
    """A witness's keystore or identity is not usable."""

    code = "witness_error"


class BoardUnreachableError(WitnessError):
    """The board did not answer (network error, timeout, HTTP 5xx): try again later."""

    code = "board_unreachable"


class CosignatureRefusedError(WitnessError):
    """The board answered a witness's request with an error; ``code`` is the board's (``unknown_witness``, …)."""

    code = "cosignature_refused"


class CheckFailedError(ObserverError):
    """Raised inside a check: the check fails, with ``evidence`` (entry indices, hashes, values)."""

    code = "check_failed"

    def __init__(self, message: str, evidence: dict[str, object] | None = None, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.evidence = dict(evidence or {})


class CheckSkippedError(ObserverError):
    """Raised inside a check: the check cannot run (what it needs is absent or failed earlier); ``reason`` says why."""

    code = "check_skipped"
