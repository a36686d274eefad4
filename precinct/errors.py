"""Errors of the precinct devices and of the server's precinct endpoints, each with a stable code.

Record-level refusals (signatures, chains, proofs) are `record.precinct.PrecinctRecordError` and keep
their codes (``batch_replayed``, ``batch_missing``, ``invalid_signature`` …); these are the devices' own.
"""

from __future__ import annotations

from crypto.errors import ShailooError


class PrecinctError(ShailooError):
    """Root of the precinct package's errors."""

    code = "precinct_error"


class ScannerRecordError(PrecinctError):
    """A scanner line is not a valid record (docs/spec/scanner_record.md); the message names the line."""

    code = "invalid_scanner_record"


class DeviceError(PrecinctError):
    """A device is unknown, registered for another precinct or role, or its key file is unusable."""

    code = "unknown_device"


class BatchConflictError(PrecinctError):
    """A different batch was already posted under this device's sequence number (a fork of the chain)."""

    code = "batch_conflict"


class LinkDownError(PrecinctError):
    """The server cannot be reached; the device keeps the record in its local queue and retries later."""

    code = "link_down"


class KioskSessionError(PrecinctError):
    """A kiosk step out of order (no identified voter, no prepared ballot, session already finished)."""

    code = "session_invalid"


class HeldBackError(LinkDownError):
    """The server takes this record only later (a precinct protocol before the election's close): the device keeps
    it queued, and its next sync after the close sends it."""

    code = "held_back"
