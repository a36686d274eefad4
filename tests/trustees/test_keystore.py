"""The trustee keystore: sealing, wrong passphrase, tampering, atomic writes and backups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.errors import NonCanonicalError
from trustees.errors import (
    KeystoreExistsError,
    KeystoreLockedError,
    KeystoreTamperedError,
    KeystoreUnsupportedError,
    TrusteeError,
)
from trustees.keystore import KdfParams, Keystore, read_label

#: Tiny Argon2 parameters so the tests stay fast; real keystores use `DEFAULT_KDF`.
FAST = KdfParams(time_cost=1, memory_kib=8, parallelism=1)
PASS = "correct horse battery staple"
SECRETS = {"secret_share": "ab" * 32, "step": 2}


def _create(tmp_path: Path) -> Keystore:
    return Keystore.create(tmp_path / "t1.keystore", PASS, SECRETS, label={"trustee": 1}, kdf=FAST)


def test_round_trip_and_public_label(tmp_path: Path) -> None:
    store = _create(tmp_path)
    assert Keystore.open(store.path, PASS).secrets == SECRETS
    assert read_label(store.path) == {"trustee": 1}
    assert b"secret_share" not in store.path.read_bytes()
    assert (store.path.stat().st_mode & 0o777) == 0o600


def test_passphrase_is_unicode_normalised(tmp_path: Path) -> None:
    composed = "пароль-\u00e9té-долгий"
    decomposed = "пароль-e\u0301té-долгий"
    store = Keystore.create(tmp_path / "k", composed, SECRETS, label={}, kdf=FAST)
    assert Keystore.open(store.path, decomposed).secrets == SECRETS


def test_wrong_passphrase_is_keystore_locked(tmp_path: Path) -> None:
    store = _create(tmp_path)
    with pytest.raises(KeystoreLockedError) as info:
        Keystore.open(store.path, PASS + "!")
    assert info.value.code == "keystore_locked"


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(path.read_bytes())
    change(document)
    path.write_text(json.dumps(document))


def test_flipped_ciphertext_byte_is_keystore_tampered(tmp_path: Path) -> None:
    store = _create(tmp_path)

    def flip(document: dict) -> None:  # type: ignore[type-arg]
        raw = bytearray(bytes.fromhex(document["ciphertext"]))
        raw[3] ^= 1
        document["ciphertext"] = raw.hex()

    _edit(store.path, flip)
    with pytest.raises(KeystoreTamperedError) as info:
        Keystore.open(store.path, PASS)
    assert info.value.code == "keystore_tampered"


def test_relabelled_keystore_is_tampered(tmp_path: Path) -> None:
    """Swapping the public label (claiming to be another trustee's keystore) breaks the AEAD's associated data."""
    store = _create(tmp_path)
    _edit(store.path, lambda d: d["header"]["label"].update(trustee=2))
    with pytest.raises(KeystoreTamperedError):
        Keystore.open(store.path, PASS)


def test_truncated_file_is_tampered(tmp_path: Path) -> None:
    store = _create(tmp_path)
    store.path.write_bytes(store.path.read_bytes()[:-40])
    with pytest.raises(KeystoreTamperedError):
        Keystore.open(store.path, PASS)


def test_forged_huge_kdf_parameters_are_refused_before_hashing(tmp_path: Path) -> None:
    store = _create(tmp_path)
    _edit(store.path, lambda d: d["header"]["kdf"].update(memory_kib=1 << 40))
    with pytest.raises(KeystoreTamperedError):
        Keystore.open(store.path, PASS)


def test_unknown_version_is_unsupported(tmp_path: Path) -> None:
    store = _create(tmp_path)
    _edit(store.path, lambda d: d["header"].update(version=99))
    with pytest.raises(KeystoreUnsupportedError):
        Keystore.open(store.path, PASS)


def test_save_replaces_atomically_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = _create(tmp_path)
    store.save({**SECRETS, "step": 3})
    assert Keystore.open(store.path, PASS).secrets["step"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t1.keystore"]


def test_failed_write_keeps_the_old_keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _create(tmp_path)
    before = store.path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr("trustees.keystore.os.replace", crash)
    with pytest.raises(OSError):
        store.save({"step": 99})
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t1.keystore"]


def test_secrets_outside_canonical_json_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(NonCanonicalError):
        Keystore.create(tmp_path / "k", PASS, {"too_big": 2**60}, label={}, kdf=FAST)
    assert list(tmp_path.iterdir()) == []


def test_create_refuses_to_overwrite_and_short_passphrases(tmp_path: Path) -> None:
    store = _create(tmp_path)
    with pytest.raises(KeystoreExistsError):
        Keystore.create(store.path, PASS, {}, label={}, kdf=FAST)
    with pytest.raises(TrusteeError) as info:
        Keystore.create(tmp_path / "other", "short", {}, label={}, kdf=FAST)
    assert info.value.code == "weak_passphrase"


def test_backup_opens_only_with_the_backup_passphrase(tmp_path: Path) -> None:
    store = _create(tmp_path)
    backup = tmp_path / "backup.keystore"
    store.export_backup(backup, "another long passphrase", kdf=FAST)
    assert Keystore.open(backup, "another long passphrase").secrets == SECRETS
    with pytest.raises(KeystoreLockedError):
        Keystore.open(backup, PASS)
    assert json.loads(backup.read_bytes())["header"]["purpose"] == "backup"


#: Canonical JSON (RFC 8785) numbers are IEEE doubles: integers beyond ±(2^53 − 1) are refused.
JSON_SAFE_INTEGERS = st.integers(-(2**53) + 1, 2**53 - 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    passphrase=st.text(min_size=8, max_size=40),
    secrets=st.dictionaries(
        st.text(max_size=10), st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20), max_size=5
    ),
    position=st.integers(min_value=0),
    bit=st.integers(min_value=0, max_value=7),
)
def test_no_single_bit_flip_opens_to_other_secrets(
    tmp_path: Path,
    passphrase: str,
    secrets: dict,
    position: int,
    bit: int,  # type: ignore[type-arg]
) -> None:
    """Round trip for any passphrase and contents; a flipped bit anywhere is refused, never read as other secrets."""
    path = tmp_path / "prop.keystore"
    path.unlink(missing_ok=True)
    Keystore.create(path, passphrase, secrets, label={"trustee": 1}, kdf=FAST)
    assert Keystore.open(path, passphrase).secrets == secrets
    raw = bytearray(path.read_bytes())
    raw[position % len(raw)] ^= 1 << bit
    path.write_bytes(bytes(raw))
    try:
        opened = Keystore.open(path, passphrase)
    except (KeystoreLockedError, KeystoreTamperedError, KeystoreUnsupportedError):
        return
    # Only a change JSON cannot see (e.g. in insignificant bytes) may still open, and then to the same secrets.
    assert opened.secrets == secrets
