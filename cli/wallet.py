"""The voter's credential wallet: the file ``shailoo voter identify`` writes and ``shailoo voter vote`` reads.

The credential's private key is a vote-buying tool: whoever holds it can show which ballot on the board is the
voter's and, where re-voting is allowed, vote over her. So the wallet keeps it only while it is needed, and
never in clear:

* **holding a credential** (after ``identify``, and after every cast where the manifest's policy allows
  re-voting): a Shailoo keystore (`trustees.keystore`, the same code as a trustee's: Argon2id derives the key from
  the voter's passphrase, ChaCha20-Poly1305 seals the contents, the public header is the associated data). Public
  label ``{"kind": "voter_wallet", "election_id": …}``; sealed contents ``{"private_key": hex of the 32-byte
  Ed25519 seed, "credential": PublicCredential JSON, "cast": [tracking codes]}``;
* **spent** (after a cast where re-voting is not allowed): the file is replaced, atomically, by the canonical JSON
  ``{"format": "shailoo-voter-wallet", "version": 1, "state": "spent", "election_id": …, "tracking_code": …}``
  — no key, nothing secret.

Errors (`WalletError`, stable codes): ``wallet_locked`` (the passphrase does not open it), ``wallet_tampered``
(altered or damaged), ``wallet_invalid`` (not a voter wallet), ``wallet_spent`` (its credential was used and
erased), ``weak_passphrase`` (under 8 characters).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from crypto.canonical import canonical_json
from crypto.errors import ShailooError
from identity.credentials import Credential, PublicCredential
from trustees.errors import KeystoreLockedError, KeystoreUnsupportedError, TrusteeError
from trustees.keystore import Keystore, read_label, write_file_atomically

#: Scripts set the passphrase here; without it the CLI asks for it (hidden).
PASSPHRASE_ENV: Final = "SHAILOO_WALLET_PASSPHRASE"  # noqa: S105 - the variable's name, not a passphrase
WALLET_KIND: Final = "voter_wallet"
SPENT_FORMAT: Final = "shailoo-voter-wallet"
SPENT_VERSION: Final = 1


class WalletError(ShailooError):
    """The wallet cannot be opened or used; ``code`` says why."""

    code = "wallet_error"


def _secrets(credential: Credential, cast: list[str]) -> dict[str, Any]:
    seed = credential.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return {"private_key": seed.hex(), "credential": credential.public.to_json(), "cast": list(cast)}


class Wallet:
    """An opened wallet holding a credential (see the module docstring)."""

    def __init__(self, store: Keystore, credential: Credential, cast: list[str]) -> None:
        self._store: Keystore | None = store
        self._credential: Credential | None = credential
        self.cast = cast

    @property
    def credential(self) -> Credential:
        if self._credential is None:
            raise WalletError("this wallet's credential was used and erased", code="wallet_spent")
        return self._credential

    @classmethod
    def create(cls, path: Path, passphrase: str, credential: Credential) -> Wallet:
        """Seal ``credential`` under ``passphrase`` in a new wallet file (0600) at ``path``."""
        label = {"kind": WALLET_KIND, "election_id": credential.public.election_id}
        try:
            store = Keystore.create(path, passphrase, _secrets(credential, []), label=label, overwrite=True)
        except TrusteeError as e:  # weak_passphrase
            raise WalletError(e.message, code=e.code) from e
        return cls(store, credential, [])

    @classmethod
    def open(cls, path: Path, passphrase: str) -> Wallet:
        """Open the wallet at ``path``; `WalletError` with the codes of the module docstring."""
        _refuse_spent(Path(path))
        try:
            if read_label(path).get("kind") != WALLET_KIND:
                raise WalletError(f"{path} is not a voter wallet", code="wallet_invalid")
            store = Keystore.open(path, passphrase)
        except KeystoreLockedError as e:
            raise WalletError("the passphrase does not open this wallet", code="wallet_locked") from e
        except KeystoreUnsupportedError as e:
            raise WalletError(f"{path} is not a voter wallet: {e.message}", code="wallet_invalid") from e
        except TrusteeError as e:
            raise WalletError(f"the wallet is damaged or was altered: {e.message}", code="wallet_tampered") from e
        try:
            content = store.secrets
            key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(content["private_key"]))
            credential = Credential(key, PublicCredential.from_json(content["credential"]))
            cast = [str(code) for code in content["cast"]]
        except (KeyError, TypeError, ValueError, ShailooError) as e:
            raise WalletError("the wallet's contents are not a credential", code="wallet_invalid") from e
        return cls(store, credential, cast)

    def record_cast(self, tracking_code: str, *, revoting_allowed: bool) -> None:
        """After a cast: where re-voting is allowed, re-seal the wallet with the tracking code; otherwise replace
        the file by a spent record without the key, and drop the key from this object."""
        store = self._store
        if store is None:
            raise WalletError("this wallet's credential was used and erased", code="wallet_spent")
        self.cast = [*self.cast, tracking_code]
        if revoting_allowed:
            store.save(_secrets(self.credential, self.cast))
            return
        spent = {
            "format": SPENT_FORMAT,
            "version": SPENT_VERSION,
            "state": "spent",
            "election_id": self.credential.public.election_id,
            "tracking_code": tracking_code,
        }
        write_file_atomically(store.path, canonical_json(spent))
        self._store, self._credential = None, None


def _refuse_spent(path: Path) -> None:
    """A spent wallet says so plainly (and which ballot used it) rather than failing as a keystore."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as e:
        raise WalletError(f"{path} is not a readable voter wallet ({type(e).__name__})", code="wallet_invalid") from e
    if isinstance(document, dict) and document.get("format") == SPENT_FORMAT:
        raise WalletError(
            f"this wallet's credential cast ballot {document.get('tracking_code')} and was erased: "
            "this election does not allow re-voting",
            code="wallet_spent",
        )
