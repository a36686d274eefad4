"""A ballot of the coercion-resistant mode (docs/spec/credentials.md §7): no credential key, an encrypted credential
with its proof of knowledge, and one packed choice per contest. Producer beside strict reader and checker.

    {"election_id", "style_id", "credential": hex(Enc(S)), "credential_proof": hex(130),
     "contests": {contest_id: hex(packed choice)}}

* each packed choice's proofs have the context ``H("cr-ballot/contest", B, election_id, style_id, contest_id,
  credential bytes)``: a choice copied onto a ballot with another encrypted credential fails;
* the credential proof's context is ``H("cr-ballot/credential", B, JCS(ballot without "credential_proof"))``: the
  encrypted credential copied onto a ballot with other choices fails.

`mix_rows` turns checked ballots into the rows a mix takes: (credential, one ciphertext per slot of the election's
`record.cr_contests.Layout`: each contest's combined packed ciphertext with its public cell part, or a pad).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from crypto.canonical import canonical_json
from crypto.credentials import (
    KnowledgeProof,
    encrypt_credential,
    prove_credential_knowledge,
    verify_credential_knowledge,
)
from crypto.elgamal import Ciphertext
from crypto.group import Point, Scalar
from crypto.hashing import hash_fields
from crypto.packed import PackedChoice, encrypt_packed, verify_packed
from crypto.shuffle import Row
from crypto.strict_json import Field, MalformedFieldError
from record.cr_contests import Layout, mix_row
from record.errors import RecordError

CONTEST_TAG: Final = "cr-ballot/contest"
CREDENTIAL_TAG: Final = "cr-ballot/credential"
_MAX_CONTESTS: Final = 16


class CrBallotError(RecordError):
    """A coercion-resistant ballot is malformed (``malformed``, ``non_canonical``, crypto codes) or its contests are
    not the style's (``wrong_ballot_style``); a bad proof keeps ``invalid_proof``."""

    code = "invalid_ballot"


def contest_context(
    base_hash: bytes, election_id: str, style_id: str, contest_id: str, credential: Ciphertext
) -> bytes:
    return hash_fields(
        CONTEST_TAG, base_hash, election_id.encode(), style_id.encode(), contest_id.encode(), credential.to_bytes()
    )


def credential_context(base_hash: bytes, unsigned: Mapping[str, Any]) -> bytes:
    return hash_fields(CREDENTIAL_TAG, base_hash, canonical_json(dict(unsigned)))


def _unsigned(
    election_id: str, style_id: str, credential: Ciphertext, contests: Sequence[tuple[str, PackedChoice]]
) -> dict[str, Any]:
    return {
        "election_id": election_id,
        "style_id": style_id,
        "credential": credential.to_bytes().hex(),
        "contests": {c: p.to_bytes().hex() for c, p in contests},
    }


@dataclass(frozen=True)
class CrBallot:
    election_id: str
    style_id: str
    credential: Ciphertext
    credential_proof: KnowledgeProof
    contests: tuple[tuple[str, PackedChoice], ...]

    def unsigned(self) -> dict[str, Any]:
        """The payload without ``credential_proof``: what the proof's context hashes."""
        return _unsigned(self.election_id, self.style_id, self.credential, self.contests)

    def to_payload(self) -> dict[str, Any]:
        return {**self.unsigned(), "credential_proof": self.credential_proof.to_bytes().hex()}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> CrBallot:
        def read(f: Field) -> CrBallot:
            obj = f.as_object({"election_id", "style_id", "credential", "credential_proof", "contests"})
            contests = []
            for contest_id, value in obj["contests"].entries():
                contests.append((contest_id, value.decode(PackedChoice.from_bytes, value.hex(max_len=64 * 1024))))
            if not 1 <= len(contests) <= _MAX_CONTESTS:
                raise obj["contests"].fail(f"a ballot has 1 to {_MAX_CONTESTS} contests")
            return cls(
                election_id=obj["election_id"].text(),
                style_id=obj["style_id"].text(),
                credential=obj["credential"].decode(Ciphertext.from_bytes, obj["credential"].hex(66)),
                credential_proof=obj["credential_proof"].decode(
                    KnowledgeProof.from_bytes, obj["credential_proof"].hex(KnowledgeProof.SIZE)
                ),
                contests=tuple(sorted(contests)),
            )

        try:
            result: CrBallot = read(Field(payload, "$(cr_ballot)"))
        except MalformedFieldError as e:
            raise CrBallotError(e.message, code=e.code) from e
        return result


def create_cr_ballot(
    base_hash: bytes,
    public_key: Point,
    election_id: str,
    style_id: str,
    credential_secret: Scalar,
    choices: Mapping[str, tuple[int, int]],
) -> CrBallot:
    """Encrypt the credential (fresh nonce) and each contest's (value, bits) as a packed choice, then prove."""
    nonce = Scalar.random()
    credential = encrypt_credential(public_key, credential_secret, nonce)
    contests = tuple(
        (
            contest_id,
            encrypt_packed(contest_context(base_hash, election_id, style_id, contest_id, credential), public_key, v, b),
        )
        for contest_id, (v, b) in sorted(choices.items())
    )
    context = credential_context(base_hash, _unsigned(election_id, style_id, credential, contests))
    proof = prove_credential_knowledge(context, public_key, credential, credential_secret, nonce)
    return CrBallot(election_id, style_id, credential, proof, contests)


def check_cr_ballot(
    ballot: CrBallot, base_hash: bytes, public_key: Point, election_id: str, bits_by_contest: Mapping[str, int]
) -> None:
    """Raise unless the ballot is for this election, has exactly the style's contests with their bit widths, and
    every proof verifies under its context."""
    if ballot.election_id != election_id:
        raise CrBallotError(f"the ballot is for election {ballot.election_id!r}", code="wrong_election")
    if [c for c, _ in ballot.contests] != sorted(bits_by_contest):
        raise CrBallotError("the ballot's contests are not its style's", code="wrong_ballot_style")
    verify_credential_knowledge(
        credential_context(base_hash, ballot.unsigned()), public_key, ballot.credential, ballot.credential_proof
    )
    for contest_id, packed in ballot.contests:
        context = contest_context(base_hash, ballot.election_id, ballot.style_id, contest_id, ballot.credential)
        verify_packed(context, public_key, packed, bits_by_contest[contest_id])


def mix_rows(ballots: Sequence[CrBallot], layout: Layout, public_key: Point) -> list[Row]:
    """Per ballot its `record.cr_contests.mix_row`: the credential, then one ciphertext per slot. `CrBallotError`
    (``wrong_ballot_style``) for a ballot whose contests are not its style's."""
    rows: list[Row] = []
    for b in ballots:
        if sorted(c for c, _ in b.contests) != sorted(layout.bits_of_style(b.style_id)):
            raise CrBallotError("the ballot's contests are not its style's", code="wrong_ballot_style")
        combined = {c: packed.combined() for c, packed in b.contests}
        rows.append(mix_row(layout, public_key, b.style_id, b.credential, combined))
    return rows
