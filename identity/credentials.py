"""Anonymous voting credentials: an Ed25519 key made on the voter's device, blind-signed by the registrar.

The credential message (the bytes the registrar signs without seeing them) is

    credential_message = lp("SHAILOO-V1/identity/credential") || lp(election_id) || lp(ballot_style_id)
                         || lp(credential_public_key)

with ``lp(x) = u64be(len(x)) || x``, UTF-8 ids and the 32-byte raw Ed25519 public key. The device prepares it
(RFC 9474 Prepare, RSABSSA-SHA384-PSS-Randomized: a 32-byte random prefix), blinds it under the issuer key of its
ballot style, and the registrar blind-signs (`IssuerKeys.blind_sign`) after identification. The unblinded signature
verifies under that ballot style's key, and the registrar cannot link it to the blinded message it signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto import blind_rsa
from crypto.blind_rsa import BlindRsaPrivateKey, BlindRsaPublicKey
from crypto.errors import CryptoError
from identity.errors import CredentialInvalidError, NotEligibleError
from record.ballot import credential_fingerprint, credential_message
from record.issuer import VARIANT

_ED25519_PUBLIC_BYTES: Final = 32


class IssuerKeys:
    """The registrar's blind-RSA keys for one election: one key per ballot style."""

    def __init__(self, keys: Mapping[str, BlindRsaPrivateKey]) -> None:
        if not keys:
            raise ValueError("an election needs at least one ballot style key")
        self._keys = dict(keys)

    @classmethod
    def generate(
        cls, ballot_style_ids: Iterable[str], bits: int = 3072, *, insecure_allow_small_for_tests: bool = False
    ) -> IssuerKeys:
        return cls(
            {
                style: BlindRsaPrivateKey.generate(bits, insecure_allow_small_for_tests=insecure_allow_small_for_tests)
                for style in ballot_style_ids
            }
        )

    @property
    def ballot_style_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._keys))

    def public_keys(self) -> dict[str, BlindRsaPublicKey]:
        return {style: key.public_key() for style, key in self._keys.items()}

    def blind_sign(self, ballot_style_id: str, blinded_msg: bytes) -> bytes:
        """RFC 9474 BlindSign with the key of ``ballot_style_id``; raises `NotEligibleError` for an unknown style."""
        key = self._keys.get(ballot_style_id)
        if key is None:
            raise NotEligibleError("there is no issuer key for this ballot style")
        return blind_rsa.blind_sign(key, blinded_msg)


@dataclass(frozen=True)
class PublicCredential:
    """What a ballot carries: the credential key, the prepared message and the registrar's signature on it."""

    election_id: str
    ballot_style_id: str
    public_key: bytes
    prepared_message: bytes
    signature: bytes

    @property
    def fingerprint(self) -> str:
        """The credential fingerprint the voter sees on her device and on the tracking page (`record.ballot`)."""
        return credential_fingerprint(
            self.public_key, self.prepared_message[: blind_rsa.MSG_PREFIX_BYTES], self.signature
        )

    def to_json(self) -> dict[str, str]:
        return {
            "election_id": self.election_id,
            "ballot_style_id": self.ballot_style_id,
            "public_key": self.public_key.hex(),
            "prepared_message": self.prepared_message.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> PublicCredential:
        try:
            return cls(
                str(data["election_id"]),
                str(data["ballot_style_id"]),
                bytes.fromhex(data["public_key"]),
                bytes.fromhex(data["prepared_message"]),
                bytes.fromhex(data["signature"]),
            )
        except (KeyError, ValueError, TypeError) as e:
            raise CredentialInvalidError("a credential is malformed") from e


@dataclass(frozen=True)
class Credential:
    """The voter's credential on their device: the Ed25519 private key and the public part."""

    private_key: Ed25519PrivateKey = field(repr=False)
    public: PublicCredential

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


@dataclass(frozen=True)
class CredentialRequest:
    """Device side, between blinding and finalizing. ``inv`` and the private key never leave the device."""

    election_id: str
    ballot_style_id: str
    issuer_key: BlindRsaPublicKey
    private_key: Ed25519PrivateKey = field(repr=False)
    prepared_message: bytes = field(repr=False)
    blinded_message: bytes = field(repr=False)
    inv: bytes = field(repr=False)

    @classmethod
    def create(cls, election_id: str, ballot_style_id: str, issuer_key: BlindRsaPublicKey) -> CredentialRequest:
        """Make a fresh Ed25519 key, prepare its credential message and blind it; send ``blinded_message``."""
        private_key = Ed25519PrivateKey.generate()
        public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        prepared = blind_rsa.prepare(credential_message(election_id, ballot_style_id, public_key), VARIANT)
        blinded, inv = blind_rsa.blind(issuer_key, prepared, VARIANT)
        return cls(election_id, ballot_style_id, issuer_key, private_key, prepared, blinded, inv)

    def finalize(self, blind_signature: bytes) -> Credential:
        """Unblind the registrar's answer; raises `CredentialInvalidError` if it is not a valid signature."""
        try:
            signature = blind_rsa.finalize(self.issuer_key, self.prepared_message, blind_signature, self.inv, VARIANT)
        except CryptoError as e:
            raise CredentialInvalidError("the registrar's blind signature does not verify") from e
        public_key = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        public = PublicCredential(self.election_id, self.ballot_style_id, public_key, self.prepared_message, signature)
        return Credential(self.private_key, public)


def check_credential(
    issuer_public_keys: Mapping[str, BlindRsaPublicKey],
    election_id: str,
    credential: PublicCredential | Credential,
) -> str:
    """Check a credential for ``election_id``; return its ballot style id or raise `CredentialInvalidError`.

    Checks: same election; a known ballot style; the prepared message is a 32-byte prefix followed by exactly the
    credential message of (election, ballot style, credential key); the signature verifies under that style's key.
    """
    public = credential.public if isinstance(credential, Credential) else credential
    if public.election_id != election_id:
        raise CredentialInvalidError("the credential is for another election")
    key = issuer_public_keys.get(public.ballot_style_id)
    if key is None:
        raise CredentialInvalidError("the credential names an unknown ballot style")
    expected = credential_message(election_id, public.ballot_style_id, public.public_key)
    prefix_length = blind_rsa.MSG_PREFIX_BYTES
    if len(public.prepared_message) != prefix_length + len(expected) or public.prepared_message[prefix_length:] != (
        expected
    ):
        raise CredentialInvalidError("the signed message does not bind this credential key, election and style")
    try:
        Ed25519PublicKey.from_public_bytes(public.public_key)
        blind_rsa.verify(key, public.prepared_message, public.signature, VARIANT)
    except (CryptoError, ValueError) as e:
        raise CredentialInvalidError("the registrar's signature on the credential does not verify") from e
    return public.ballot_style_id
