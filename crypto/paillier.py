"""Paillier encryption (2048-bit modulus) through ``phe``, behind `crypto.backend.HomomorphicBackend`.

Shailoo counts with exponential ElGamal; Paillier is kept as a second backend so that the two can be
measured side by side (``bench/crypto.py``). Paillier decrypts any sum directly (no discrete logarithm),
but its ciphertexts are 512 bytes, it has no cheap 0/1 proofs here, and its key cannot be generated
without a dealer — which is why it is not the default.

Scheme (the ``phe`` construction, g = n + 1): Enc(m; r) = (1 + n)^m · r^n mod n², for 0 ≤ m < n and
0 < r < n drawn from `secrets`; Enc(a)·Enc(b) mod n² = Enc(a + b mod n).

Bytes of a ciphertext: the integer c, big-endian, exactly ``2 · n_bytes`` long (512 bytes for 2048 bits).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any, Final

from phe import paillier as phe_paillier
from phe.util import mulmod

from crypto.errors import NonCanonicalError, ParameterError

#: The modulus size Shailoo uses for Paillier.
PAILLIER_BITS: Final = 2048


@dataclass(frozen=True, slots=True)
class PaillierCiphertext:
    """c ∈ Z*_{n²} under the public modulus n."""

    value: int
    n: int

    def __post_init__(self) -> None:
        if not 0 < self.value < self.n * self.n or math.gcd(self.value, self.n) != 1:
            raise NonCanonicalError("a Paillier ciphertext is a unit modulo n²")

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(_ciphertext_length(self.n), "big")

    @classmethod
    def from_bytes(cls, data: bytes, n: int) -> PaillierCiphertext:
        """Decode exactly ``2 · n_bytes`` big-endian bytes and check the value is a unit mod n²."""
        if not isinstance(data, bytes | bytearray) or len(data) != _ciphertext_length(n):
            raise NonCanonicalError(f"a Paillier ciphertext is exactly {_ciphertext_length(n)} bytes")
        return cls(int.from_bytes(data, "big"), n)


def _ciphertext_length(n: int) -> int:
    return 2 * ((n.bit_length() + 7) // 8)


class PaillierKeyPair:
    """A Paillier key pair made by ``phe`` (primes from the operating system's random source)."""

    __slots__ = ("_private", "_public")

    def __init__(self, public: Any, private: Any) -> None:
        if private.public_key != public:
            raise ParameterError("the Paillier private key does not belong to the public key")
        self._public = public
        self._private = private

    @classmethod
    def generate(cls, n_length: int = PAILLIER_BITS) -> PaillierKeyPair:
        if n_length < PAILLIER_BITS:
            raise ParameterError(f"a Paillier modulus has at least {PAILLIER_BITS} bits")
        public, private = phe_paillier.generate_paillier_keypair(n_length=n_length)
        return cls(public, private)

    @property
    def n(self) -> int:
        """The public modulus n."""
        return int(self._public.n)

    def encrypt(self, message: int, nonce: int | None = None) -> PaillierCiphertext:
        """Enc(m; r) with 0 ≤ m < n; r (0 < r < n, coprime to n) is drawn from `secrets` unless given."""
        if isinstance(message, bool) or not isinstance(message, int) or not 0 <= message < self.n:
            raise ParameterError("a Paillier message is an integer in [0, n)")
        r = secrets.randbelow(self.n - 1) + 1 if nonce is None else nonce
        if not 0 < r < self.n or math.gcd(r, self.n) != 1:
            raise ParameterError("a Paillier nonce is a unit modulo n")
        return PaillierCiphertext(int(self._public.raw_encrypt(message, r_value=r)), self.n)

    def add(self, left: PaillierCiphertext, right: PaillierCiphertext) -> PaillierCiphertext:
        """Enc(a)·Enc(b) mod n² = Enc(a + b mod n)."""
        self._check_key(left)
        self._check_key(right)
        # phe's own modular multiplication (GMP when gmpy2 is installed), as phe's addition does
        return PaillierCiphertext(int(mulmod(left.value, right.value, self.n * self.n)), self.n)

    def decrypt(self, ciphertext: PaillierCiphertext) -> int:
        """The message in [0, n) (sums wrap modulo n)."""
        self._check_key(ciphertext)
        return int(self._private.raw_decrypt(ciphertext.value))

    def _check_key(self, ciphertext: PaillierCiphertext) -> None:
        if not isinstance(ciphertext, PaillierCiphertext) or ciphertext.n != self.n:
            raise ParameterError("the ciphertext was made under another Paillier key")


class PaillierBackend:
    """`PaillierKeyPair` behind `crypto.backend.HomomorphicBackend`."""

    name = "paillier-2048"

    def __init__(self, keypair: PaillierKeyPair) -> None:
        self.keypair = keypair

    def encrypt(self, message: int) -> PaillierCiphertext:
        return self.keypair.encrypt(message)

    def add(self, left: PaillierCiphertext, right: PaillierCiphertext) -> PaillierCiphertext:
        return self.keypair.add(left, right)

    def decrypt(self, ciphertext: PaillierCiphertext) -> int:
        return self.keypair.decrypt(ciphertext)

    def ciphertext_bytes(self, ciphertext: PaillierCiphertext) -> bytes:
        return ciphertext.to_bytes()
