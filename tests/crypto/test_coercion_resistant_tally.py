"""The coercion-resistant tally, step by step, with the crypto core alone (docs/spec/credentials.md §5).

Four voters are registered (roster: their encrypted credentials). Voter 0 is coerced: her device makes a fake
credential, which she hands over with a proof that verifies like the real one; the coercer casts with it, and she
casts her own ballot with the real credential. Voter 1 casts twice with the same choice. Voter 3 abstains. After the
close: every ballot's credential proof is checked, ballots and roster are shuffled by two mixers, two trustees blind
every encrypted credential, the tags are decrypted, matched in one pass, and only the kept ballots' choices are
decrypted. The count is the real voters' choices; the coercer's ballot is dropped, and nothing on the way tells
which mixed ballot was his.
"""

from __future__ import annotations

from collections import Counter

from crypto.credentials import (
    KnowledgeProof,
    blind,
    encrypt_credential,
    match_tags,
    prove_credential_knowledge,
    prove_roster_credential,
    public_credential,
    simulate_roster_credential,
    verify_blinding,
    verify_credential_knowledge,
    verify_roster_credential,
)
from crypto.dlog import DiscreteLogTable
from crypto.elgamal import Ciphertext, ElGamalKeyPair, decrypt_to_point, encrypt
from crypto.group import Point, Scalar
from crypto.hashing import hash_fields
from crypto.shuffle import Row, shuffle, verify_shuffle

KEYS = ElGamalKeyPair.generate()
K = KEYS.public
ROSTER_CONTEXT = b"\x01" * 32


def _ballot_context(choice_ct: Ciphertext) -> bytes:
    # What binds the credential proof to its ballot (in the record, the ballot's other contents).
    return hash_fields("test/cr-ballot", choice_ct.to_bytes())


def _cast(secret: Scalar, choice: int) -> tuple[Ciphertext, Ciphertext, KnowledgeProof]:
    r, t = Scalar.random(), Scalar.random()
    credential_ct = encrypt_credential(K, secret, r)
    choice_ct = encrypt(K, choice, t)
    return credential_ct, choice_ct, prove_credential_knowledge(_ballot_context(choice_ct), K, credential_ct, secret, r)


def test_fake_credentials_are_dropped_and_the_real_voters_choices_are_counted() -> None:
    # Registration: the roster holds Enc(S_i); each device gets s_i with a designated-verifier proof.
    secrets_ = [Scalar.random() for _ in range(4)]
    devices = [Scalar.random() for _ in range(4)]
    roster: list[Ciphertext] = []
    for s, v in zip(secrets_, devices, strict=True):
        r = Scalar.random()
        entry = encrypt_credential(K, s, r)
        proof = prove_roster_credential(ROSTER_CONTEXT, K, s, entry, r, Point.base_mul(v))
        verify_roster_credential(ROSTER_CONTEXT, K, public_credential(s), entry, Point.base_mul(v), proof)
        roster.append(entry)

    # Coercion: voter 0's device makes a fake credential with a proof for her roster entry; the coercer checks it.
    fake = Scalar.random()
    fake_proof = simulate_roster_credential(ROSTER_CONTEXT, K, public_credential(fake), roster[0], devices[0])
    verify_roster_credential(
        ROSTER_CONTEXT, K, public_credential(fake), roster[0], Point.base_mul(devices[0]), fake_proof
    )

    ballots = [
        _cast(fake, 2),  # the coercer, with the fake credential
        _cast(secrets_[0], 0),  # voter 0, for real
        _cast(secrets_[1], 1),
        _cast(secrets_[2], 1),
        _cast(secrets_[1], 1),  # voter 1 again
    ]
    for credential_ct, choice_ct, proof in ballots:
        verify_credential_knowledge(_ballot_context(choice_ct), K, credential_ct, proof)

    # Mixing: two mixers in turn over the ballot rows (credential, choice) and over the roster.
    rows: list[Row] = [(c, m) for c, m, _ in ballots]
    roster_rows: list[Row] = [(e,) for e in roster]
    for mixer in (b"mixer-1", b"mixer-2"):
        context = hash_fields("test/cr-mix", mixer)
        outputs, _, proof = shuffle(context, K, rows)
        verify_shuffle(context, K, rows, outputs, proof)
        roster_outputs, _, roster_proof = shuffle(context, K, roster_rows)
        verify_shuffle(context, K, roster_rows, roster_outputs, roster_proof)
        rows, roster_rows = outputs, roster_outputs

    # Tagging: each trustee blinds every encrypted credential with its exponent and a proof; then decryption.
    exponents = [Scalar.random(), Scalar.random()]

    def tags(cts: list[Ciphertext]) -> list[Point]:
        for z in exponents:
            blinded = []
            for ct in cts:
                after, proof = blind(ROSTER_CONTEXT, z, ct)
                verify_blinding(ROSTER_CONTEXT, Point.base_mul(z), ct, after, proof)
                blinded.append(after)
            cts = blinded
        return [decrypt_to_point(ct, KEYS.secret) for ct in cts]

    match = match_tags(tags([row[0] for row in rows]), tags([row[0] for row in roster_rows]))
    assert len(match.kept) == 3 and len(match.unmatched) == 1 and len(match.duplicates) == 1

    # Only the kept ballots' choices are decrypted.
    table = DiscreteLogTable(10, 16)
    counted = Counter(table.decode(decrypt_to_point(rows[i][1], KEYS.secret)) for i in match.kept)
    assert counted == Counter({0: 1, 1: 2})
