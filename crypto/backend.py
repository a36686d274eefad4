"""`HomomorphicBackend`: the small interface that both additive homomorphic schemes of Shailoo satisfy.

Exponential ElGamal on P-256 (`ElGamalBackend`, the default: dealer-free threshold decryption is natural
there) and Paillier (`crypto.paillier.PaillierBackend`, 2048-bit, for comparison) expose the same four
operations, so ``bench/crypto.py`` can measure them side by side:

* ``encrypt(message) -> C`` with fresh randomness from `secrets`;
* ``add(left, right) -> C``: a ciphertext of the sum of the two messages;
* ``decrypt(ciphertext) -> int``;
* ``ciphertext_bytes(ciphertext) -> bytes``: the canonical binary form (its length is the size on the wire).

A backend object holds one key pair; it is a measuring and testing device, not a key-management API.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext, ElGamalKeyPair, decrypt_to_point, encrypt
from crypto.group import Scalar

C = TypeVar("C")


class HomomorphicBackend(Protocol[C]):
    """An additively homomorphic encryption scheme with one key pair."""

    name: str

    def encrypt(self, message: int) -> C: ...

    def add(self, left: C, right: C) -> C: ...

    def decrypt(self, ciphertext: C) -> int: ...

    def ciphertext_bytes(self, ciphertext: C) -> bytes: ...


class ElGamalBackend:
    """Exponential ElGamal on P-256 behind `HomomorphicBackend`; decryption decodes with ``table``."""

    name = "elgamal-p256"

    def __init__(self, keypair: ElGamalKeyPair, table: DiscreteLogTable) -> None:
        self.keypair = keypair
        self.table = table

    def encrypt(self, message: int) -> Ciphertext:
        return encrypt(self.keypair.public, message, Scalar.random())

    def add(self, left: Ciphertext, right: Ciphertext) -> Ciphertext:
        return left + right

    def decrypt(self, ciphertext: Ciphertext) -> int:
        return self.table.decode(decrypt_to_point(ciphertext, self.keypair.secret))

    def ciphertext_bytes(self, ciphertext: Ciphertext) -> bytes:
        return ciphertext.to_bytes()
