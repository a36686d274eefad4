"""Errors raised by `record/`, the election record's one home.

Every error derives from `crypto.errors.ShailooError` and carries a stable snake_case ``code``.
"""

from __future__ import annotations

from crypto.errors import ShailooError


class RecordError(ShailooError):
    """Root of the errors of the record package."""

    code = "record_error"


class CeremonyError(RecordError):
    """The key ceremony cannot go on: an input is inconsistent with the board or the trustee's own state."""

    code = "ceremony_error"
