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
import secrets
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from crypto.canonical import canonical_json
from crypto.errors import ShailooError
from crypto.group import Scalar
from identity.credentials import Credential, PublicCredential
from mobile_api.client import CrCredential
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
        store = _open_sealed(path, passphrase, WALLET_KIND, "a voter wallet")
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


# --- the coercion-resistant mode ------------------------------------------------------------------------------

CR_WALLET_KIND: Final = "voter_cr_wallet"


def _cr_entry(credential: CrCredential, cast: list[str]) -> dict[str, Any]:
    """One credential as the wallet seals it: its text form and the hashes of the ballots cast with it. The same
    keys and, for every credential of one registration, the same lengths, whether it is real or fake."""
    return {"credential": credential.to_text(), "cast": list(cast)}


class CrWallet:
    """The sealed wallet of the coercion-resistant mode (docs/voter.md, "The coercion-resistant mode").

    A keystore like `Wallet`'s (Argon2id + ChaCha20-Poly1305) with public label ``{"kind": "voter_cr_wallet",
    "election_id": …}`` and sealed contents ``{"device": {"position": n, "secret": hex of d} | null,
    "credentials": [{"credential": "SHAILOO-CR1:…", "cast": [ballot hashes]}, …]}``.

    Nothing in it says which credential is real: every entry has the same two keys and (for one registration) the
    same length; the real one is not first — each credential, real or fake, goes in at a position drawn with
    `secrets` (`add`); d, which makes fakes, belongs to the registration, not to an entry; nothing about a cast
    differs with the credential's kind, and no cast ever erases a credential (erasing only real ones after a cast
    would tell them apart). The voter tells the real one by its check code, which she keeps in her head.
    """

    def __init__(self, store: Keystore, device: tuple[int, Scalar] | None, entries: list[dict[str, Any]]) -> None:
        self._store = store
        self._device = device
        self._entries = entries

    @property
    def election_id(self) -> str:
        return str(self._store.label.get("election_id", ""))

    @property
    def device(self) -> tuple[int, Scalar] | None:
        """(position, d) of the registration this wallet made, or None (credentials imported from kiosk slips)."""
        return self._device

    @property
    def credentials(self) -> list[CrCredential]:
        """Every credential in the wallet's order (which says nothing about which is real)."""
        return [CrCredential.from_text(e["credential"]) for e in self._entries]

    def casts(self, check_code: str) -> list[str]:
        return list(self._entries[self._index(check_code)]["cast"])

    @classmethod
    def create(
        cls, path: Path, passphrase: str, credential: CrCredential, device: tuple[int, Scalar] | None = None
    ) -> CrWallet:
        """A new wallet (0600) at ``path`` holding ``credential`` and, if given, the device's (position, d)."""
        label = {"kind": CR_WALLET_KIND, "election_id": credential.election_id}
        entries = [_cr_entry(credential, [])]
        content = {"device": _device_json(device), "credentials": entries}
        try:
            store = Keystore.create(path, passphrase, content, label=label, overwrite=True)
        except TrusteeError as e:  # weak_passphrase
            raise WalletError(e.message, code=e.code) from e
        return cls(store, device, entries)

    @classmethod
    def open(cls, path: Path, passphrase: str) -> CrWallet:
        """Open the wallet at ``path``: ``wallet_locked``, ``wallet_tampered``, ``wallet_invalid``."""
        store = _open_sealed(path, passphrase, CR_WALLET_KIND, "a wallet of the coercion-resistant mode")
        try:
            content = store.secrets
            raw = content["device"]
            device = None if raw is None else (int(raw["position"]), Scalar.from_hex(str(raw["secret"])))
            entries: list[dict[str, Any]] = [
                {"credential": str(e["credential"]), "cast": [str(c) for c in e["cast"]]}
                for e in content["credentials"]
            ]
            for entry in entries:
                CrCredential.from_text(str(entry["credential"]))
        except (KeyError, TypeError, ValueError, ShailooError) as e:
            raise WalletError("the wallet's contents are not credentials", code="wallet_invalid") from e
        return cls(store, device, entries)

    def add(self, credential: CrCredential) -> None:
        """Seal one more credential (a fake made here, or one from a kiosk slip) at a position drawn with `secrets`
        among the existing ones; ``wallet_invalid`` for another election's, ``wallet_duplicate`` for one already
        held. The file is rewritten atomically."""
        if credential.election_id != self.election_id:
            raise WalletError("this credential is for another election than the wallet's", code="wallet_invalid")
        text = credential.to_text()
        if any(e["credential"] == text for e in self._entries):
            raise WalletError("the wallet already holds this credential", code="wallet_duplicate")
        entries = list(self._entries)
        entries.insert(secrets.randbelow(len(entries) + 1), _cr_entry(credential, []))
        self._save(entries)

    def find(self, check_code: str) -> CrCredential:
        """The credential whose check code is ``check_code`` (``not_found`` if none)."""
        return CrCredential.from_text(self._entries[self._index(check_code)]["credential"])

    def record_cast(self, check_code: str, ballot_hash: str) -> None:
        """Note a cast with the credential of ``check_code`` (the same for a real or a fake credential)."""
        entries = [dict(e) for e in self._entries]
        at = self._index(check_code)
        entries[at]["cast"] = [*entries[at]["cast"], ballot_hash]
        self._save(entries)

    def _index(self, check_code: str) -> int:
        wanted = check_code.strip().upper()
        for i, entry in enumerate(self._entries):
            if CrCredential.from_text(entry["credential"]).check_code == wanted:
                return i
        raise WalletError(f"the wallet holds no credential with check code {check_code!r}", code="not_found")

    def _save(self, entries: list[dict[str, Any]]) -> None:
        self._store.save({"device": _device_json(self._device), "credentials": entries})
        self._entries = entries


def _device_json(device: tuple[int, Scalar] | None) -> dict[str, Any] | None:
    return None if device is None else {"position": device[0], "secret": device[1].to_bytes().hex()}


def _open_sealed(path: Path, passphrase: str, kind: str, what: str) -> Keystore:
    """The keystore of a wallet file of label ``kind``: ``wallet_locked`` (wrong passphrase), ``wallet_tampered``
    (damaged or altered), ``wallet_invalid`` (not ``what``, or unreadable)."""
    try:
        if read_label(path).get("kind") != kind:
            raise WalletError(f"{path} is not {what}", code="wallet_invalid")
        return Keystore.open(path, passphrase)
    except KeystoreLockedError as e:
        raise WalletError("the passphrase does not open this wallet", code="wallet_locked") from e
    except KeystoreUnsupportedError as e:
        raise WalletError(f"{path} is not {what}: {e.message}", code="wallet_invalid") from e
    except TrusteeError as e:
        raise WalletError(f"the wallet is damaged or was altered: {e.message}", code="wallet_tampered") from e
    except OSError as e:
        raise WalletError(f"{path} cannot be read ({type(e).__name__})", code="wallet_invalid") from e
