"""Errors raised by `elections/` (manifest, ballot encoding, paper rules, rules engine).

Every error derives from `crypto.errors.ShailooError` and carries a stable snake_case ``code``.
"""

from __future__ import annotations

from crypto.errors import ShailooError


class ElectionError(ShailooError):
    """Root of the errors of the elections package."""

    code = "election_error"


class ManifestError(ElectionError):
    """A manifest is malformed or inconsistent (unknown reference, duplicate id, bad shape of a contest)."""

    code = "invalid_manifest"


class UnknownIdError(ElectionError):
    """An id (contest, ballot style, district, selection, preset) is not in the manifest."""

    code = "unknown_id"


class BallotError(ElectionError):
    """A plaintext ballot or a selection vector breaks the contest's shape or limits."""

    code = "invalid_ballot"


class CountsError(ElectionError):
    """Counts or turnout handed to the rules engine are inconsistent with the manifest or with each other."""

    code = "invalid_counts"


class ResultsMismatchError(ElectionError):
    """A published result is not what the rules give for the published counts and turnout."""

    code = "results_mismatch"


class TrusteeUnauthenticatedError(ElectionError):
    """A trustee post is unsigned, or not signed by the identity key the manifest's roster gives that trustee."""

    code = "trustee_unauthenticated"
