"""The encrypted ballot: what a device casts and the board keeps (docs/server.md, "The encrypted ballot").

A ballot is a JSON object (wire form = board payload form) with exactly these fields::

    {"format": "shailoo-ballot/1",
     "election_id": str, "style_id": str, "precinct_id": str | null,
     "contests": [{"contest_id": str, "encrypted": hex(EncryptedContest.to_bytes())}, ...],   # style order
     "credential": {"public_key": hex(32-byte raw Ed25519),
                    "msg_prefix": hex(32-byte RFC 9474 Prepare randomizer),
                    "registrar_signature": hex(RSASSA-PSS signature, kLen bytes)},
     "signature": hex(64-byte Ed25519)}

* The registrar signed (blindly, RFC 9474 RSABSSA-SHA384-PSS-Randomized) the prepared message
  ``msg_prefix || credential_message`` where ``credential_message = lp("SHAILOO-V1/identity/credential") ||
  lp(election_id) || lp(style_id) || lp(public_key)`` — the same bytes as `identity.credentials` (this pure
  layer cannot import identity, so the format is restated here and tested against it).
* ``signature`` is the credential key's Ed25519 signature over ``lp("SHAILOO-V1/ballot/signature") ||
  canonical_json(ballot without "signature")``.
* Every proof of contest ``c`` is bound to ``ballot_context = hash_fields("ballot/context", election_base_hash,
  election_id, style_id, c, public_key)``: a ciphertext copied into another credential's ballot cannot carry a
  valid proof, so duplicate ciphertexts across credentials are impossible to cast.
* ``ballot_hash = hash_fields("ballot", canonical_json(ballot))``; the *tracking code* is the first 10 bytes of it
  in RFC 4648 base32, as four groups of four characters: ``K7QD-3MZX-PA2F-9WTB``.
* The *credential fingerprint* is the first 10 bytes (80 bits) of ``hash_fields("credential/fingerprint",
  public_key, msg_prefix, registrar_signature)`` in base32, four groups of four: ``QX4M-2TJA-7KPD-LM3B``. The
  voter sees it on her device when her credential is made, on every receipt and on the public tracking page of
  every ballot and challenged ballot cast with that credential, so she can tell from a second device whether the
  ballot behind her receipt is hers (docs/security.md, "A device that shows two voters one receipt"). The
  registrar's signature is in it so that a device which makes the keys cannot grind them to share a fingerprint:
  the fingerprint exists only once the registrar has signed, and it signs once per voter.

`create_ballot` (device) and `check_ballot` (server, trustees, observers) sit side by side; `check_ballot` does the
cheapest checks first and raises a `BallotCheckError` whose code says what failed. A challenged (spoiled) ballot
is opened with its `BallotReveal` (per contest the selection vector and the nonces) and checked by `check_spoiled`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto import blind_rsa, signing
from crypto.batch import BatchVerifier
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.canonical import canonical_json
from crypto.contest import EncryptedContest, encrypt_contest
from crypto.elgamal import encrypt
from crypto.errors import CryptoError, InvalidProofError, InvalidSignatureError, ShailooError
from crypto.group import Point, Scalar
from crypto.hashing import domain_tag, hash_fields, length_prefixed
from crypto.strict_json import Field, MalformedFieldError
from elections.ballot import check_selection_vector, decode_selections
from elections.errors import ElectionError
from elections.manifest import Manifest

BALLOT_FORMAT: Final = "shailoo-ballot/1"
BALLOT_HASH_TAG: Final = "ballot"
SIGNATURE_TAG: Final = "ballot/signature"
CONTEXT_TAG: Final = "ballot/context"
BASE_HASH_TAG: Final = "election/base"
CREDENTIAL_TAG: Final = "identity/credential"
TRACKING_CODE_BYTES: Final = 10
CREDENTIAL_FINGERPRINT_TAG: Final = "credential/fingerprint"
CREDENTIAL_FINGERPRINT_BYTES: Final = 10
#: Largest ballot accepted, in bytes of hex-encoded contests (the 2021 list ballot is ~0.7 MB in hex).
MAX_CONTEST_HEX_CHARS: Final = 4_000_000
_ED25519_BYTES: Final = 32
_ED25519_SIGNATURE_BYTES: Final = 64
#: An RSA signature of an issuer key up to 8192 bits; larger is no key of any election.
_MAX_RSA_SIGNATURE_BYTES: Final = 1024
_BALLOT_KEYS: Final = frozenset(
    {"format", "election_id", "style_id", "precinct_id", "contests", "credential", "signature"}
)
_CREDENTIAL_KEYS: Final = frozenset({"public_key", "msg_prefix", "registrar_signature"})
_CONTEST_KEYS: Final = frozenset({"contest_id", "encrypted"})


class BallotCheckError(ElectionError):
    """A ballot is refused; ``code`` is one of: ``malformed``, ``non_canonical``, ``wrong_election``,
    ``wrong_ballot_style``, ``credential_invalid``, ``invalid_signature``, ``invalid_proof``, ``reused_nonce``,
    ``invalid_point``, ``spoil_mismatch``."""

    code = "invalid_ballot"


# -- election base hash and contexts ------------------------------------------------------------------------------


def election_base_hash(
    manifest: Manifest, joint_public_key: Point, issuer_keys: Mapping[str, BlindRsaPublicKey]
) -> bytes:
    """``hash_fields("election/base", manifest_hash, K, fingerprint(style_1), ...)`` (styles sorted by id)."""
    fingerprints = [issuer_keys[s].fingerprint() for s in sorted(issuer_keys)]
    return hash_fields(BASE_HASH_TAG, manifest.manifest_hash(), joint_public_key.to_bytes(), *fingerprints)


def ballot_context(base_hash: bytes, election_id: str, style_id: str, contest_id: str, credential_key: bytes) -> bytes:
    """The Fiat–Shamir context of every proof of one contest of one ballot."""
    return hash_fields(
        CONTEXT_TAG, base_hash, election_id.encode(), style_id.encode(), contest_id.encode(), credential_key
    )


def credential_message(election_id: str, style_id: str, credential_key: bytes) -> bytes:
    """The bytes the registrar blind-signs: ``lp(tag) || lp(election_id) || lp(style_id) || lp(credential_key)``
    (UTF-8 ids, the raw 32-byte Ed25519 key). The device prepares them; the registrar never sees them."""
    if len(credential_key) != _ED25519_BYTES:
        raise BallotCheckError("a credential public key is 32 bytes (raw Ed25519)", code="credential_invalid")
    fields = (domain_tag(CREDENTIAL_TAG), election_id.encode(), style_id.encode(), credential_key)
    return b"".join(length_prefixed(f) for f in fields)


# -- value objects ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotCredential:
    """The anonymous credential a ballot carries: key, Prepare randomizer, unblinded registrar signature."""

    public_key: bytes
    msg_prefix: bytes
    registrar_signature: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "public_key": self.public_key.hex(),
            "msg_prefix": self.msg_prefix.hex(),
            "registrar_signature": self.registrar_signature.hex(),
        }

    def fingerprint(self) -> str:
        """`credential_fingerprint` of this credential."""
        return credential_fingerprint(self.public_key, self.msg_prefix, self.registrar_signature)


@dataclass(frozen=True)
class EncryptedBallot:
    """A parsed ballot. Contests stay as raw bytes until `decode_contests`: decoding points is the costly part."""

    election_id: str
    style_id: str
    precinct_id: str | None
    contests: tuple[tuple[str, bytes], ...]
    credential: BallotCredential
    signature: bytes

    def body_json(self) -> dict[str, Any]:
        """Everything except the ballot signature (what the credential key signs)."""
        return {
            "format": BALLOT_FORMAT,
            "election_id": self.election_id,
            "style_id": self.style_id,
            "precinct_id": self.precinct_id,
            "contests": [{"contest_id": c, "encrypted": data.hex()} for c, data in self.contests],
            "credential": self.credential.to_json(),
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.body_json(), "signature": self.signature.hex()}

    def signed_bytes(self) -> bytes:
        """What the credential key signs: `crypto.signing.tagged_message` of the body's canonical JSON."""
        return signing.tagged_message(SIGNATURE_TAG, ballot_canonical_json(self.body_json()))

    def ballot_hash(self) -> bytes:
        cached: bytes | None = self.__dict__.get("_ballot_hash")
        if cached is None:
            cached = hash_fields(BALLOT_HASH_TAG, ballot_canonical_json(self.to_json()))
            object.__setattr__(self, "_ballot_hash", cached)  # a pure function of the frozen fields
        return cached

    def tracking_code(self) -> str:
        return tracking_code(self.ballot_hash())

    def credential_fingerprint(self) -> str:
        return self.credential.fingerprint()

    def decode_contests(self) -> list[tuple[str, EncryptedContest]]:
        """Strictly decode every contest (canonical points and scalars); `BallotCheckError` otherwise."""
        decoded = []
        for contest_id, data in self.contests:
            try:
                decoded.append((contest_id, EncryptedContest.from_bytes(data)))
            except CryptoError as e:
                raise BallotCheckError(f"contest {contest_id!r}: {e.message}", code=e.code) from e
        return decoded

    @classmethod
    def from_json(cls, value: object) -> EncryptedBallot:
        """Parse the wire/board JSON strictly: exact keys, types, hex lengths at every depth (`BallotCheckError`
        naming the JSON path of the bad field). No point is decoded here."""
        try:
            return cls._from_field(Field(value))
        except MalformedFieldError as e:
            raise BallotCheckError(e.message, code=e.code) from e

    @classmethod
    def _from_field(cls, field: Field) -> EncryptedBallot:
        obj = field.as_object(_BALLOT_KEYS)
        obj["format"].literal(BALLOT_FORMAT)
        items = obj["contests"].items(min_len=1)
        contests, hex_chars = [], 0
        for item in items:
            contest = item.as_object(_CONTEST_KEYS)
            encrypted = contest["encrypted"]
            hex_chars += len(encrypted.value) if isinstance(encrypted.value, str) else 0
            if hex_chars > MAX_CONTEST_HEX_CHARS:
                raise BallotCheckError("the ballot is larger than any ballot of any election", code="payload_too_large")
            contests.append((contest["contest_id"].text(), encrypted.hex()))
        cred = obj["credential"].as_object(_CREDENTIAL_KEYS)
        credential = BallotCredential(
            public_key=cred["public_key"].hex(_ED25519_BYTES),
            msg_prefix=cred["msg_prefix"].hex(blind_rsa.MSG_PREFIX_BYTES),
            registrar_signature=cred["registrar_signature"].hex(max_len=_MAX_RSA_SIGNATURE_BYTES),
        )
        return cls(
            election_id=obj["election_id"].text(),
            style_id=obj["style_id"].text(),
            precinct_id=obj["precinct_id"].optional_text(),
            contests=tuple(contests),
            credential=credential,
            signature=obj["signature"].hex(_ED25519_SIGNATURE_BYTES),
        )


_MAX_SAFE_INTEGER = 2**53 - 1
_PLAIN_TEXT = re.compile(r"[\x20-\x7e]*")


def _plain(value: object) -> bool:
    """Only objects, lists, null, ints and printable ASCII strings without quote or backslash."""
    if value is None:
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= _MAX_SAFE_INTEGER  # larger ints are refused by RFC 8785: let canonical_json say so
    if isinstance(value, str):
        return _PLAIN_TEXT.fullmatch(value) is not None and '"' not in value and "\\" not in value
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(k) and _plain(v) for k, v in value.items())
    return False


def ballot_canonical_json(value: dict[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of a ballot, fast.

    For the values a ballot holds — objects with ASCII keys, lists, null, integers and printable ASCII strings
    without quote or backslash — RFC 8785 output is exactly ``json.dumps`` with sorted keys, no whitespace and
    no escaping (ASCII keys sort the same by UTF-16 code unit and by code point; no such string needs an escape).
    Anything else goes through `crypto.canonical.canonical_json`. Tests pin the equality.
    """
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return canonical_json(value)


def tracking_code(ballot_hash: bytes) -> str:
    """The first 10 bytes of the ballot hash, base32, in four groups of four: ``XXXX-XXXX-XXXX-XXXX``."""
    text = base64.b32encode(ballot_hash[:TRACKING_CODE_BYTES]).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def credential_fingerprint(public_key: bytes, msg_prefix: bytes, registrar_signature: bytes) -> str:
    """The first 10 bytes of ``H("credential/fingerprint", public_key, msg_prefix, registrar_signature)`` (the raw
    32-byte Ed25519 credential key, the 32-byte RFC 9474 Prepare randomizer and the unblinded registrar signature),
    base32, in four groups of four: ``XXXX-XXXX-XXXX-XXXX``.

    80 bits, and fixed only by the registrar's signature, which the device cannot compute and gets once per voter
    (a voter is identified once per election). A device that makes the keys therefore cannot grind two voters'
    credentials into one fingerprint: each try costs a voter's identification, and among N credentials a device
    sees, two share a fingerprint with probability about N²/2^81 (4·10^-13 for a million). `BallotCheckError`
    (``malformed``) for a key or prefix that is not 32 bytes, or an empty signature."""
    if len(public_key) != signing.PUBLIC_KEY_BYTES:
        raise BallotCheckError("a credential key is 32 bytes", code="malformed")
    if len(msg_prefix) != blind_rsa.MSG_PREFIX_BYTES or not registrar_signature:
        raise BallotCheckError("a credential has a 32-byte msg_prefix and a registrar signature", code="malformed")
    digest = hash_fields(CREDENTIAL_FINGERPRINT_TAG, public_key, msg_prefix, registrar_signature)
    text = base64.b32encode(digest[:CREDENTIAL_FINGERPRINT_BYTES]).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


# -- the device: create ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotReveal:
    """What opens a ballot: per contest the 0/1 selection vector and its nonces. Published only when spoiled."""

    contests: tuple[tuple[str, tuple[int, ...], tuple[Scalar, ...]], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "contests": [
                {"contest_id": c, "selections": list(v), "nonces": [r.hex() for r in rs]} for c, v, rs in self.contests
            ]
        }

    @classmethod
    def from_json(cls, value: object) -> BallotReveal:
        """Parse a reveal strictly (`BallotCheckError` naming the JSON path of the bad field)."""
        try:
            items = Field(value, "$.reveal").as_object({"contests"})["contests"].items()
            contests = []
            for item in items:
                c = item.as_object({"contest_id", "selections", "nonces"})
                selections = tuple(s.integer(maximum=1) for s in c["selections"].items())
                nonces = tuple(r.scalar() for r in c["nonces"].items(min_len=len(selections), max_len=len(selections)))
                contests.append((c["contest_id"].text(), selections, nonces))
        except MalformedFieldError as e:
            raise BallotCheckError(e.message, code=e.code) from e
        return cls(tuple(contests))


@dataclass(frozen=True)
class SpoiledBallot:
    """The ``spoiled_ballot`` entry (record.md §2.7): a ballot the voter challenged, opened with its nonces; it is
    never counted. The server writes it, the voter's device and the verifier (check 23) read it."""

    ballot: EncryptedBallot
    reveal: BallotReveal

    def to_payload(self) -> dict[str, Any]:
        return {"ballot": self.ballot.to_json(), "reveal": self.reveal.to_json()}

    @classmethod
    def from_payload(cls, payload: object) -> SpoiledBallot:
        """Read it strictly: exactly ``ballot`` and ``reveal``, each as `EncryptedBallot` and `BallotReveal` read."""
        try:
            obj = Field(payload, "$(spoiled_ballot)").as_object({"ballot", "reveal"})
        except MalformedFieldError as e:
            raise BallotCheckError(e.message, code=e.code) from e
        return cls(EncryptedBallot.from_json(obj["ballot"].value), BallotReveal.from_json(obj["reveal"].value))


def create_ballot(
    manifest: Manifest,
    style_id: str,
    vectors: Mapping[str, Sequence[int]],
    *,
    joint_public_key: Point,
    base_hash: bytes,
    credential_key: Ed25519PrivateKey,
    msg_prefix: bytes,
    registrar_signature: bytes,
    precinct_id: str | None = None,
) -> tuple[EncryptedBallot, BallotReveal]:
    """Encrypt and prove every contest of ``style_id`` (``vectors`` from `elections.ballot.encode_ballot`), sign.

    Returns the ballot and its reveal; the device keeps the reveal only until the voter casts or challenges.
    """
    style = manifest.ballot_style(style_id)
    public = credential_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    contests, opened = [], []
    for contest_id in style.contest_ids:
        contest = manifest.contest(contest_id)
        vector = list(vectors[contest_id])
        check_selection_vector(contest, vector)
        context = ballot_context(base_hash, manifest.election_id, style_id, contest_id, public)
        encrypted, nonces = encrypt_contest(context, joint_public_key, vector, contest.min_marks, contest.max_marks)
        contests.append((contest_id, encrypted.to_bytes()))
        opened.append((contest_id, tuple(vector), tuple(nonces)))
    unsigned = EncryptedBallot(
        election_id=manifest.election_id,
        style_id=style_id,
        precinct_id=precinct_id,
        contests=tuple(contests),
        credential=BallotCredential(public, msg_prefix, registrar_signature),
        signature=bytes(_ED25519_SIGNATURE_BYTES),
    )
    signature = signing.sign(credential_key, SIGNATURE_TAG, ballot_canonical_json(unsigned.body_json()))
    ballot = EncryptedBallot(**{**unsigned.__dict__, "signature": signature})
    return ballot, BallotReveal(tuple(opened))


# -- the checkers --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedBallot:
    """A ballot that passed `check_ballot`, with its decoded contests (for aggregation)."""

    ballot: EncryptedBallot
    contests: tuple[tuple[str, EncryptedContest], ...]

    @property
    def credential_key(self) -> bytes:
        return self.ballot.credential.public_key


def check_ballot_envelope(
    ballot: EncryptedBallot, *, manifest: Manifest, issuer_keys: Mapping[str, BlindRsaPublicKey]
) -> None:
    """The cheap checks: election, ballot style and its contests in order, registrar signature, ballot signature."""
    if ballot.election_id != manifest.election_id:
        raise BallotCheckError("the ballot is for another election", code="wrong_election")
    try:
        style = manifest.ballot_style(ballot.style_id)
    except ShailooError as e:
        raise BallotCheckError(f"unknown ballot style {ballot.style_id!r}", code="wrong_ballot_style") from e
    if tuple(c for c, _ in ballot.contests) != style.contest_ids:
        raise BallotCheckError("the contests are not those of the ballot style, in order", code="wrong_ballot_style")
    if ballot.precinct_id is not None:
        precinct = next((p for p in manifest.precincts if p.precinct_id == ballot.precinct_id), None)
        if precinct is None:
            raise BallotCheckError(f"unknown precinct {ballot.precinct_id!r}", code="malformed")
        if precinct.region_id != style.region_id:
            raise BallotCheckError(
                f"precinct {ballot.precinct_id!r} is not in the region of ballot style {ballot.style_id!r}",
                code="precinct_not_bound",
            )
    key = issuer_keys.get(ballot.style_id)
    if key is None:
        raise BallotCheckError("no issuer key for this ballot style", code="credential_invalid")
    cred = ballot.credential
    prepared = cred.msg_prefix + credential_message(ballot.election_id, ballot.style_id, cred.public_key)
    try:
        blind_rsa.verify(key, prepared, cred.registrar_signature)
    except CryptoError as e:
        raise BallotCheckError("the registrar did not sign this credential", code="credential_invalid") from e
    try:
        signing.verify_signature(cred.public_key, ballot.signed_bytes(), ballot.signature)
    except InvalidSignatureError as e:
        raise BallotCheckError("the ballot signature does not verify", code="invalid_signature") from e
    except CryptoError as e:  # a degenerate or non-canonical credential key
        raise BallotCheckError(f"the credential key is not usable: {e.message}", code="credential_invalid") from e


def add_ballot_proofs(
    verifier: BatchVerifier,
    ballot: EncryptedBallot,
    contests: Sequence[tuple[str, EncryptedContest]],
    *,
    manifest: Manifest,
    joint_public_key: Point,
    base_hash: bytes,
) -> None:
    """Add every proof of a decoded ballot to ``verifier`` (one entry per contest)."""
    for contest_id, encrypted in contests:
        contest = manifest.contest(contest_id)
        if len(encrypted.ciphertexts) != len(contest.selections):
            raise BallotCheckError(f"contest {contest_id!r} has the wrong number of selections", code="malformed")
        context = ballot_context(
            base_hash, ballot.election_id, ballot.style_id, contest_id, ballot.credential.public_key
        )
        try:
            verifier.add_contest(context, joint_public_key, encrypted, contest.min_marks, contest.max_marks, contest_id)
        except InvalidProofError as e:
            raise BallotCheckError(f"contest {contest_id!r}: {e.message}", code=e.code) from e


def check_ballot(
    value: object | EncryptedBallot,
    *,
    manifest: Manifest,
    issuer_keys: Mapping[str, BlindRsaPublicKey],
    joint_public_key: Point,
    base_hash: bytes,
) -> CheckedBallot:
    """Check a ballot, cheapest first: schema and hex lengths, election and style, registrar signature, ballot
    signature, canonical contest encodings, then every proof in one batch. Raises `BallotCheckError`."""
    ballot = value if isinstance(value, EncryptedBallot) else EncryptedBallot.from_json(value)
    check_ballot_envelope(ballot, manifest=manifest, issuer_keys=issuer_keys)
    contests = ballot.decode_contests()
    verifier = BatchVerifier()
    add_ballot_proofs(
        verifier, ballot, contests, manifest=manifest, joint_public_key=joint_public_key, base_hash=base_hash
    )
    try:
        verifier.verify()
    except InvalidProofError as e:
        raise BallotCheckError(e.message, code=e.code) from e
    return CheckedBallot(ballot, tuple(contests))


def check_spoiled(
    ballot: EncryptedBallot, reveal: BallotReveal, *, manifest: Manifest, joint_public_key: Point
) -> dict[str, tuple[str, ...]]:
    """Check that ``reveal`` opens ``ballot`` (re-encrypting every selection) and return the marks it holds,
    contest id → selection ids. Raises `BallotCheckError` with code ``spoil_mismatch`` otherwise."""
    if tuple(c for c, _, _ in reveal.contests) != tuple(c for c, _ in ballot.contests):
        raise BallotCheckError("the reveal does not cover the ballot's contests", code="spoil_mismatch")
    vectors: dict[str, list[int]] = {}
    for (contest_id, encrypted), (_, vector, nonces) in zip(ballot.decode_contests(), reveal.contests, strict=True):
        if len(vector) != len(encrypted.ciphertexts):
            raise BallotCheckError(
                f"contest {contest_id!r}: wrong number of revealed selections", code="spoil_mismatch"
            )
        for index, (ct, m, r) in enumerate(zip(encrypted.ciphertexts, vector, nonces, strict=True)):
            if r.is_zero() or encrypt(joint_public_key, m, r) != ct:
                raise BallotCheckError(
                    f"contest {contest_id!r} selection {index} does not open to the revealed value",
                    code="spoil_mismatch",
                )
        vectors[contest_id] = list(vector)
    return decode_selections(manifest, ballot.style_id, vectors)
