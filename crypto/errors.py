"""Errors raised by the Shailoo crypto core.

Every error carries a stable ``code`` that the APIs return as-is and a message a person can act on.
`ShailooError` is the root of every error in the project: higher layers derive their own from it.
"""

from __future__ import annotations


class ShailooError(Exception):
    """Root of every Shailoo error. ``code`` is stable; the message is for people."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class CryptoError(ShailooError):
    """Something cryptographic is wrong."""

    code = "crypto_error"


class NonCanonicalError(CryptoError):
    """Bytes are not the one canonical encoding of a value (wrong length, scalar >= n, bad prefix)."""

    code = "non_canonical"


class InvalidPointError(CryptoError):
    """Bytes do not decode to a point on P-256, or the point is the identity where that is forbidden."""

    code = "invalid_point"


class InvalidProofError(CryptoError):
    """A zero-knowledge proof does not verify."""

    code = "invalid_proof"


class InvalidSignatureError(CryptoError):
    """A signature does not verify under the expected key."""

    code = "invalid_signature"


class InvalidShareError(CryptoError):
    """A trustee's key share or decryption share is inconsistent with its public commitments."""

    code = "invalid_share"


class DecryptionError(CryptoError):
    """A ciphertext cannot be decrypted (e.g. the plaintext is outside the decodable range)."""

    code = "decryption_failed"


class ParameterError(CryptoError):
    """Arguments are inconsistent (wrong lengths, threshold larger than the number of trustees, ...)."""

    code = "invalid_parameters"
