"""What grinding the credential fingerprint costs: the former key-only 40-bit fingerprint against today's.

Run from the repository root::

    uv run --frozen python bench/fingerprint_grinding.py            # about 5 s of work
    uv run --frozen python bench/fingerprint_grinding.py --seconds 1

Prints ONE JSON document on stdout. The attack: a device that makes the credential keys wants two voters'
credentials to share a fingerprint (docs/security.md, "A device that shows two voters one receipt").

* ``baseline_key_only_40_bit``: the former fingerprint, ``H("credential/fingerprint", key)[0:5]``. The device
  grinds offline: it measures how many Ed25519 keys and fingerprints one core makes per second, and actually finds
  a collision on the first 3 bytes (a 24-bit fingerprint) to show the birthday bound at work; the 40-bit figure
  is the birthday bound sqrt(pi/2 * 2^40) at that rate.
* ``key_only_80_bit``: lengthening alone, with no other change — the same grinding at 80 bits.
* ``bound_80_bit`` (today): 80 bits of ``H("credential/fingerprint", key, msg_prefix, registrar_signature)``.
  Every try needs a registrar signature, which the registrar gives once per identified voter, so grinding is not
  available to the device at all; the figures are the chance of a collision by luck among N credentials, and —
  should the registrar collude and sign without voters — the RSA-3072 blind signatures a birthday search would
  need, at the rate measured here.

Optimized grinders are faster than this Python loop (incremental keys, batched inversions, GPUs); the ratios,
not the absolute times, are the point.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto import blind_rsa
from crypto.hashing import hash_fields
from record.ballot import CREDENTIAL_FINGERPRINT_BYTES, CREDENTIAL_FINGERPRINT_TAG

YEAR_S = 365.25 * 24 * 3600


def _key_only(length: int) -> bytes:
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hash_fields(CREDENTIAL_FINGERPRINT_TAG, key)[:length]


def grinding_rate(seconds: float) -> float:
    """Keys and key-only fingerprints made per second on one core."""
    made, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(256):
            _key_only(5)
        made += 256
    return made / elapsed


def find_collision(length: int) -> dict[str, Any]:
    """Grind key-only fingerprints of ``length`` bytes until two keys share one."""
    seen: set[bytes] = set()
    start = time.perf_counter()
    while (fingerprint := _key_only(length)) not in seen:
        seen.add(fingerprint)
    return {
        "bits": 8 * length,
        "tries": len(seen) + 1,
        "expected_tries": round(math.sqrt(math.pi / 2 * 2 ** (8 * length))),
        "seconds": round(time.perf_counter() - start, 3),
    }


def signing_rate(seconds: float) -> float:
    """RSA-3072 blind signatures per second (what each try costs when the fingerprint hashes the signature)."""
    key = blind_rsa.BlindRsaPrivateKey.generate(3072)
    prepared = blind_rsa.prepare(b"credential message")
    blinded, _ = blind_rsa.blind(key.public_key(), prepared)
    made, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        blind_rsa.blind_sign(key, blinded)
        made += 1
    return made / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per rate (default 2)")
    args = parser.parse_args()
    rate = grinding_rate(args.seconds)
    demo = find_collision(3)
    tries_40 = math.sqrt(math.pi / 2 * 2**40)
    tries_80 = math.sqrt(math.pi / 2 * 2 ** (8 * CREDENTIAL_FINGERPRINT_BYTES))
    signatures = signing_rate(args.seconds)
    report = {
        "machine": {"python": platform.python_version(), "cores_used": 1},
        "grinding_rate_keys_per_s": round(rate),
        "demonstration_24_bit_key_only": demo,
        "baseline_key_only_40_bit": {
            "expected_tries": round(tries_40),
            "expected_core_seconds": round(tries_40 / rate, 1),
        },
        "key_only_80_bit": {
            "expected_tries": float(f"{tries_80:.3g}"),
            "expected_core_years": float(f"{tries_80 / rate / YEAR_S:.3g}"),
        },
        "bound_80_bit": {
            "tries_available_to_a_device": "one per identified voter (a registrar signature each)",
            "collision_probability_among_n_credentials": {
                str(n): float(f"{n * n / 2 ** (8 * CREDENTIAL_FINGERPRINT_BYTES + 1):.3g}") for n in (10**4, 10**6)
            },
            "registrar_signatures_per_s": round(signatures, 1),
            "colluding_registrar_expected_core_years": float(f"{tries_80 / signatures / YEAR_S:.3g}"),
        },
        "ratio_bound_80_over_key_only_40": float(f"{(tries_80 / signatures) / (tries_40 / rate):.3g}"),
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
