"""Errors raised by `trustees/` (keystore, key ceremony, decryption ceremony).

Every error derives from `crypto.errors.ShailooError` and carries a stable snake_case ``code`` that the CLI and
the server's trustee endpoints return as-is.
"""

from __future__ import annotations

from collections.abc import Mapping

from crypto.errors import ShailooError
from record.errors import CeremonyError as CeremonyError  # raised by the ceremony records too


class TrusteeError(ShailooError):
    """Root of the errors of the trustees package."""

    code = "trustee_error"


class KeystoreLockedError(TrusteeError):
    """The passphrase does not open this keystore (wrong passphrase, or its KDF header was altered)."""

    code = "keystore_locked"


class KeystoreTamperedError(TrusteeError):
    """The keystore file is damaged or was altered: its structure, header or ciphertext fails to check."""

    code = "keystore_tampered"


class KeystoreUnsupportedError(TrusteeError):
    """The keystore file has a format or version this Shailoo does not read."""

    code = "keystore_unsupported"


class KeystoreExistsError(TrusteeError):
    """Refusing to overwrite an existing keystore (a trustee's secret share would be lost)."""

    code = "keystore_exists"


class WrongPhaseError(TrusteeError):
    """The board is not in the phase this step needs (e.g. decryption before the close)."""

    code = "wrong_phase"


class CeremonyFailedError(CeremonyError):
    """The key ceremony ended without a joint key: fewer than k dealers qualified. ``disqualified`` maps every
    disqualified trustee to its reason (record.md §2.2); ``cheaters`` are their indexes."""

    code = "ceremony_failed"

    def __init__(self, message: str, disqualified: Mapping[int, str]) -> None:
        super().__init__(message)
        self.disqualified: dict[int, str] = dict(sorted(disqualified.items()))
        self.cheaters: tuple[int, ...] = tuple(self.disqualified)


class StaleRequestError(TrusteeError):
    """An air-gapped request or response does not answer the current board (stale, swapped or for someone else)."""

    code = "stale_request"


class TallyMismatchError(TrusteeError):
    """The encrypted tally on the board differs from the one the trustee recomputed from the ballots."""

    code = "tally_mismatch"


class NotEnoughSharesError(TrusteeError):
    """Fewer than k valid decryption shares are on the board: nothing can be (or is) revealed yet."""

    code = "not_enough_shares"


class InvalidDecryptionShareError(TrusteeError):
    """A trustee posted a decryption share whose Chaum–Pedersen proof fails; ``trustee`` is its index."""

    code = "invalid_decryption_share"

    def __init__(self, message: str, trustee: int) -> None:
        super().__init__(message)
        self.trustee = trustee
