"""The voter client SDK: everything a phone app does, over HTTP (docs/voter.md).

Credential keys, blinding, encryption and proofs happen here, on the device; the server sees only the blinded
credential message and the encrypted ballot. `VoterClient` works against a real server (``base_url``) or
in-process through httpx's ASGI transport (tests, the demo)::

    client = VoterClient(httpx.Client(transport=httpx.ASGITransport(app), base_url="http://shailoo"))

Every server refusal raises `ClientError` with the server's stable code; every answer the device can check is
checked (the credential signature, the receipt's promise, the spoiled ballot's opening, inclusion proofs).

**Casting apart from identification** (docs/voter.md, "Casting apart from identification"). A client made with
`VoterClient.connect` casts on a fresh connection of its own (a new ``httpx.Client``: no cookie, no connection or
session shared with the identification requests) and waits a random delay, drawn with `secrets` and up to
``cast_delay_max_seconds`` (default `DEFAULT_CAST_DELAY_MAX_SECONDS`), between getting its credential and casting,
so the time of a cast says little about when its voter was identified. A client made from an ``httpx.Client``
(tests, the demo, in-process) waits no delay unless told.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bulletin_board.checkpoint import SignedPromise, SignedTreeHead, verify_promise, verify_tree_head
from bulletin_board.entries import Entry, EntryKind
from bulletin_board.proofs import InclusionProof
from crypto.blind_rsa import BlindRsaPublicKey
from crypto.credentials import (
    RosterProof,
    public_credential,
    simulate_roster_credential,
    verify_roster_credential,
)
from crypto.elgamal import CIPHERTEXT_BYTES, Ciphertext
from crypto.group import POINT_BYTES, SCALAR_BYTES, Point, Scalar
from crypto.hashing import hash_fields
from elections.ballot import encode_ballot
from elections.manifest import Manifest
from identity.credentials import Credential, CredentialRequest
from mobile_api.errors import ClientError
from mobile_api.schemas import (
    BallotDefinition,
    CredentialIssued,
    DeviceAttestation,
    ElectionPublic,
    IdentificationResult,
    IdentificationSession,
    Language,
    Receipt,
    ReceiptStatus,
)
from record.ballot import BallotReveal, EncryptedBallot, SpoiledBallot, check_spoiled, create_ballot
from record.cr_ballot import create_cr_ballot
from record.cr_board import roster_proof_context
from record.cr_contests import Layout
from record.cr_tally import mode_contests

#: The longest random delay (seconds) a connected client waits between its credential and its cast by default.
DEFAULT_CAST_DELAY_MAX_SECONDS: Final = 120.0
#: A cast is answered once its ballot batch is on the board (up to the server's integration interval): the cast's
#: own connection waits at least this long.
CAST_TIMEOUT_SECONDS: Final = 120.0


@dataclass(frozen=True)
class ElectionView:
    """The election as the device pinned it: manifest, joint key, issuer keys, base hash, board key."""

    public: ElectionPublic
    manifest: Manifest
    joint_public_key: Point
    issuer_keys: dict[str, BlindRsaPublicKey]
    base_hash: bytes
    board_key: Ed25519PublicKey


#: The text form of a coercion-resistant credential (`CrCredential.to_text`): this prefix, then base32 (RFC 4648,
#: no padding) of the binary form. Only capitals, digits, ``-`` and ``:``: a QR code holds it in alphanumeric mode.
CR_TEXT_PREFIX: Final = "SHAILOO-CR1:"
_CR_CHECK_CODE_TAG: Final = "cr/check-code"


def cr_check_code(credential: Point) -> str:
    """The short check code of a public credential S: the first 5 bytes of ``H("cr/check-code", S)``, base32, as
    ``XXXX-XXXX``. A name for the voter to tell her credentials apart (printed in large type on a kiosk slip): it
    says nothing about whether the credential is real, and a fake's is made the same way."""
    code = base64.b32encode(hash_fields(_CR_CHECK_CODE_TAG, credential.to_bytes())[:5]).decode()
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class CrRegistration:
    """The public parts a registration's credentials share, real or fake: what a fake is made for (no secret)."""

    style_id: str
    position: int
    roster_credential: Ciphertext
    device_key: Point
    election_id: str


@dataclass(frozen=True)
class CrCredential:
    """A credential of the coercion-resistant mode as a device holds it: the election and ballot style, the roster
    position, the secret s, the roster entry Enc(S), the designated-verifier proof that the entry holds s·G, and the
    public designated-verifier key D the proof is made for. A fake has the same form, the same sizes and passes the
    same check; only the holder of d (the device that registered) knows which is which."""

    style_id: str
    position: int
    secret: Scalar
    roster_credential: Ciphertext
    proof: RosterProof
    device_key: Point
    election_id: str = ""

    def check(self, view: ElectionView, device_key: Point | None = None) -> None:
        """The coercer's (and the device's) check: the credential is for this election and the proof holds under
        the designated verifier's key D (this credential's own unless given): ``wrong_election`` /
        ``invalid_proof``."""
        if self.election_id and self.election_id != view.manifest.election_id:
            raise ClientError("this credential is for another election", code="wrong_election")
        verify_roster_credential(
            roster_proof_context(view.base_hash, self.position),
            view.joint_public_key,
            public_credential(self.secret),
            self.roster_credential,
            self.device_key if device_key is None else device_key,
            self.proof,
        )

    @property
    def registration(self) -> CrRegistration:
        return CrRegistration(self.style_id, self.position, self.roster_credential, self.device_key, self.election_id)

    @property
    def check_code(self) -> str:
        """`cr_check_code` of this credential's S = s·G."""
        return cr_check_code(public_credential(self.secret))

    def to_bytes(self) -> bytes:
        """``u8 len ‖ election_id ‖ u8 len ‖ style_id ‖ u32 position ‖ s (32) ‖ Enc(S) (66) ‖ proof (195) ‖ D (33)``
        — the same length for every credential (real or fake) of one registration."""
        election, style = self.election_id.encode(), self.style_id.encode()
        if len(election) > 255 or len(style) > 255 or not 0 <= self.position < 2**32:
            raise ClientError("this credential cannot be written in the text form", code="malformed")
        return (
            bytes([len(election)])
            + election
            + bytes([len(style)])
            + style
            + self.position.to_bytes(4, "big")
            + self.secret.to_bytes()
            + self.roster_credential.to_bytes()
            + self.proof.to_bytes()
            + self.device_key.to_bytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> CrCredential:
        """Strictly: every length exact, the secret a non-zero canonical scalar, every point on the curve
        (``malformed``, ``non_canonical``, ``invalid_point``)."""
        try:
            at = 0
            fields = []
            for _ in range(2):
                size = data[at]
                fields.append(data[at + 1 : at + 1 + size].decode("utf-8", errors="strict"))
                if len(data) < at + 1 + size:
                    raise IndexError
                at += 1 + size
            tail = data[at:]
            sizes = (4, SCALAR_BYTES, CIPHERTEXT_BYTES, RosterProof.SIZE, POINT_BYTES)
            if len(tail) != sum(sizes):
                raise IndexError
        except (IndexError, UnicodeDecodeError) as e:
            raise ClientError("this is not a credential of the coercion-resistant mode", code="malformed") from e
        cuts = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
        raw = [tail[cuts[i] : cuts[i + 1]] for i in range(len(sizes))]
        secret = Scalar.from_bytes(raw[1])
        if secret.is_zero():
            raise ClientError("a credential secret is not zero", code="malformed")
        return cls(
            style_id=fields[1],
            position=int.from_bytes(raw[0], "big"),
            secret=secret,
            roster_credential=Ciphertext.from_bytes(raw[2]),
            proof=RosterProof.from_bytes(raw[3]),
            device_key=Point.from_bytes(raw[4]),
            election_id=fields[0],
        )

    def to_text(self) -> str:
        """``SHAILOO-CR1:`` + base32 of `to_bytes` (what a kiosk slip's QR code holds, and what the CLI exports)."""
        return CR_TEXT_PREFIX + base64.b32encode(self.to_bytes()).decode().rstrip("=")

    @classmethod
    def from_text(cls, text: str) -> CrCredential:
        body = text.strip()
        if not body.startswith(CR_TEXT_PREFIX):
            raise ClientError(f"a credential's text starts with {CR_TEXT_PREFIX}", code="malformed")
        body = body[len(CR_TEXT_PREFIX) :]
        try:
            data = base64.b32decode(body + "=" * (-len(body) % 8))
        except ValueError as e:
            raise ClientError("a credential's text is base32 after its prefix", code="malformed") from e
        credential = cls.from_bytes(data)
        if credential.to_text() != CR_TEXT_PREFIX + body:  # one text per credential
            raise ClientError("a credential's text is not in its canonical form", code="non_canonical")
        return credential

    def __repr__(self) -> str:
        return f"CrCredential(position={self.position}, secret=<hidden>)"


class PreparedBallot:
    """A ballot encrypted on the device, not yet cast: the voter now casts it or challenges it.

    The *reveal* (per contest the 0/1 vector and every encryption nonce) opens the ballot, and with the public board
    it would prove to anyone — a vote buyer — what a cast ballot holds. So it lives only here, is handed to
    `VoterClient.challenge` (which publishes it: a challenged ballot is never counted), and is dropped, with the
    marks, by `spend` — which `VoterClient.cast` calls before the ballot leaves the device. After that `reveal` and
    `marks` raise `ClientError` (``reveal_erased``): a cast ballot's randomness cannot be read back from the SDK.
    (Python drops the references; it cannot promise the freed memory is overwritten at once.)
    """

    __slots__ = ("_marks", "_reveal", "ballot")

    def __init__(self, ballot: EncryptedBallot, reveal: BallotReveal, marks: Mapping[str, Sequence[str]]) -> None:
        self.ballot = ballot
        self._reveal: BallotReveal | None = reveal
        self._marks: Mapping[str, tuple[str, ...]] | None = {c: tuple(s) for c, s in marks.items()}

    def __repr__(self) -> str:
        state = "prepared" if self._reveal is not None else "cast"
        return f"PreparedBallot({self.tracking_code}, {state})"

    @property
    def tracking_code(self) -> str:
        return self.ballot.tracking_code()

    @property
    def is_spent(self) -> bool:
        """True once `spend` dropped the reveal (the ballot was, or is being, cast)."""
        return self._reveal is None

    def _erased(self) -> ClientError:
        return ClientError(
            f"ballot {self.tracking_code} was cast: its randomness and marks were erased on this device",
            code="reveal_erased",
        )

    @property
    def reveal(self) -> BallotReveal:
        """The opening, for a challenge; raises `ClientError` (``reveal_erased``) once the ballot was cast."""
        if self._reveal is None:
            raise self._erased()
        return self._reveal

    @property
    def marks(self) -> Mapping[str, tuple[str, ...]]:
        """The voter's marks; raises `ClientError` (``reveal_erased``) once the ballot was cast."""
        if self._marks is None:
            raise self._erased()
        return self._marks

    def spend(self) -> EncryptedBallot:
        """Drop the reveal and the marks, for good, and return the ballot to send. Call it before a cast leaves the
        device (`VoterClient.cast` does; so does a kiosk that queues the ballot itself). Idempotent, so a retry of
        the same cast still works."""
        self._reveal = None
        self._marks = None
        return self.ballot


class VoterClient:
    """A voter's device talking to a Shailoo server."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        cast_connection: Callable[[], httpx.Client] | None = None,
        cast_delay_max_seconds: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if cast_delay_max_seconds < 0:
            raise ValueError("the cast delay is a non-negative number of seconds")
        self.http = http
        self._view: ElectionView | None = None
        #: The designated-verifier secrets d of this device's coercion-resistant credentials, by roster position.
        self._cr_device: dict[int, Scalar] = {}
        self._cast_connection = cast_connection
        self._cast_delay_max_ms = int(cast_delay_max_seconds * 1000)
        self._sleep = sleep
        self._cast_not_before: float | None = None  # time.monotonic() seconds

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        timeout: float = 30.0,
        cast_delay_max_seconds: float = DEFAULT_CAST_DELAY_MAX_SECONDS,
    ) -> VoterClient:
        """A client of the server at ``base_url`` that casts on a connection of its own after a random delay."""
        cast_timeout = max(timeout, CAST_TIMEOUT_SECONDS)
        return cls(
            httpx.Client(base_url=base_url, timeout=timeout),
            cast_connection=lambda: httpx.Client(base_url=base_url, timeout=cast_timeout),
            cast_delay_max_seconds=cast_delay_max_seconds,
        )

    def _draw_cast_delay(self) -> float:
        """A delay in [0, max] seconds, uniform to the millisecond, from `secrets`."""
        return secrets.randbelow(self._cast_delay_max_ms + 1) / 1000

    def _wait_before_cast(self) -> None:
        """Wait until the delay drawn when the credential came has passed (a fresh delay for a credential this
        client did not obtain itself, e.g. one opened from a wallet)."""
        if self._cast_not_before is None:
            self._cast_not_before = time.monotonic() + self._draw_cast_delay()
        remaining = self._cast_not_before - time.monotonic()
        if remaining > 0:
            self._sleep(remaining)
        self._cast_not_before = None

    def close(self) -> None:
        self.http.close()

    # --- transport ----------------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, http: httpx.Client | None = None, **kwargs: Any) -> Any:
        response = (http or self.http).request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
                code, message = str(body["code"]), str(body["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "http_error", response.text[:200]
            raise ClientError(message, code=code, status=response.status_code)
        return response.json()

    # --- election -----------------------------------------------------------------------------------------------

    def election(self, *, refresh: bool = False) -> ElectionView:
        """Fetch (once) and decode the election; issuer keys and the joint key are pinned from then on."""
        if self._view is not None and not refresh:
            return self._view
        public = ElectionPublic.model_validate(self._request("GET", "/v1/election"))
        if public.joint_public_key is None or public.election_base_hash is None:
            raise ClientError("the election is not ready for voting yet", code="wrong_phase")
        keys = {k.style_id: BlindRsaPublicKey(int(k.modulus_hex, 16), k.public_exponent) for k in public.issuer_keys}
        self._view = ElectionView(
            public=public,
            manifest=Manifest.from_dict(public.manifest),
            joint_public_key=Point.from_hex(public.joint_public_key),
            issuer_keys=keys,
            base_hash=bytes.fromhex(public.election_base_hash),
            board_key=Ed25519PublicKey.from_public_bytes(bytes.fromhex(public.board_public_key)),
        )
        return self._view

    def ballot_definition(self, style_id: str, language: Language = "ky") -> BallotDefinition:
        return BallotDefinition.model_validate(
            self._request("GET", f"/v1/ballot-styles/{style_id}", params={"lang": language})
        )

    # --- identification and credential --------------------------------------------------------------------------

    def start_identification(
        self, national_id: str, channel: str = "app", method: str = "attestation"
    ) -> IdentificationSession:
        """Open a session; ``method="face"`` returns the liveness nonce and the head turns to film."""
        body = {"national_id": national_id, "channel": channel, "method": method}
        return IdentificationSession.model_validate(self._request("POST", "/v1/identification/sessions", json=body))

    def submit_attestation(self, session_id: str, attestation: DeviceAttestation) -> IdentificationResult:
        path = f"/v1/identification/sessions/{session_id}/attestation"
        return IdentificationResult.model_validate(self._request("POST", path, json=attestation.model_dump()))

    def submit_face(self, session: IdentificationSession, frames: Sequence[bytes]) -> IdentificationResult:
        """The face check: one frame looking straight at the camera, then one per requested turn, in order."""
        body = {
            "frames_base64": [base64.b64encode(f).decode() for f in frames],
            "liveness_nonce": session.liveness_nonce,
        }
        path = f"/v1/identification/sessions/{session.session_id}/face"
        return IdentificationResult.model_validate(self._request("POST", path, json=body))

    def obtain_credential(self, session_id: str, style_id: str) -> Credential:
        """Make a credential key, blind it under the pinned issuer key of ``style_id``, have it signed, unblind."""
        view = self.election()
        key = view.issuer_keys.get(style_id)
        if key is None:
            raise ClientError(f"no pinned issuer key for ballot style {style_id!r}", code="credential_invalid")
        request = CredentialRequest.create(view.manifest.election_id, style_id, key)
        body = {"session_id": session_id, "blinded_message": request.blinded_message.hex()}
        issued = CredentialIssued.model_validate(self._request("POST", "/v1/credentials", json=body))
        credential = request.finalize(bytes.fromhex(issued.blind_signature))
        self._cast_not_before = time.monotonic() + self._draw_cast_delay()
        return credential

    # --- the coercion-resistant mode (docs/server.md, "The coercion-resistant mode") -----------------------------

    def obtain_cr_credential(self, session_id: str) -> CrCredential:
        """Register the identified session in the coercion-resistant mode: make the device's designated-verifier
        key d (kept in this client), receive the credential secret with the registrar's proof that the roster
        entry holds it, and check that proof (``invalid_proof`` if it fails: the registrar cheated)."""
        view = self.election()
        device = Scalar.random()
        device_key = Point.base_mul(device)
        body = {"session_id": session_id, "device_key": device_key.to_bytes().hex()}
        got = self._request("POST", "/v1/cr/credentials", json=body)
        try:
            credential = CrCredential(
                style_id=str(got["style_id"]),
                position=int(got["position"]),
                secret=Scalar.from_hex(str(got["credential_secret"])),
                roster_credential=Ciphertext.from_bytes(bytes.fromhex(str(got["roster_credential"]))),
                proof=RosterProof.from_bytes(bytes.fromhex(str(got["proof"]))),
                device_key=device_key,
                election_id=view.manifest.election_id,
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ClientError(f"the registrar's answer does not read: {e}", code="malformed") from e
        self._cr_device[credential.position] = device
        credential.check(view)
        return credential

    def fake_cr_credential(self, like: CrCredential | CrRegistration) -> CrCredential:
        """A fake for a coercer, of the registration ``like`` belongs to (``like`` may be the real credential, any
        fake of it, or its `CrRegistration`: only its position, roster entry and D are read): a fresh secret with a
        proof simulated with the device key d, which passes the very check (`CrCredential.check`) the real one
        passes, with the same fields and sizes; ballots cast with it are dropped at the tally. Possible at any time
        after registration, any number of times, while this client holds d (``not_found`` otherwise)."""
        device = self._cr_device.get(like.position)
        if device is None or Point.base_mul(device) != like.device_key:
            raise ClientError("this device holds no designated-verifier key for that credential", code="not_found")
        view = self.election()
        fake = Scalar.random()
        context = roster_proof_context(view.base_hash, like.position)
        proof = simulate_roster_credential(
            context, view.joint_public_key, public_credential(fake), like.roster_credential, device
        )
        return CrCredential(
            like.style_id, like.position, fake, like.roster_credential, proof, like.device_key, like.election_id
        )

    def cr_device_key(self, position: int) -> Point:
        """The public designated-verifier key D of the credential registered at ``position`` (what the device
        shows alongside a credential, real or fake)."""
        return Point.base_mul(self._cr_device[position])

    def cr_device_secret(self, position: int) -> Scalar:
        """The designated-verifier secret d of the registration at ``position``, for a wallet that seals it so
        fakes can be made later (`adopt_cr_device`); ``not_found`` if this client does not hold it."""
        device = self._cr_device.get(position)
        if device is None:
            raise ClientError("this device holds no designated-verifier key for that position", code="not_found")
        return device

    def adopt_cr_device(self, position: int, secret: Scalar) -> None:
        """Hold d again (opened from a sealed wallet), so `fake_cr_credential` works for that registration."""
        if secret.is_zero():
            raise ClientError("a designated-verifier key is a non-zero scalar", code="malformed")
        self._cr_device[position] = secret

    def forget_cr_device(self, position: int) -> None:
        """Drop d of the registration at ``position``: no more fakes of it can be made here (a kiosk after
        printing). Python drops the reference; it cannot promise the freed memory is overwritten at once."""
        self._cr_device.pop(position, None)

    def cast_cr(self, credential: CrCredential, choices: Mapping[str, int]) -> dict[str, Any]:
        """Encrypt ``choices`` (contest id → index of the chosen selection, every contest of the mode) with the
        credential, real or fake, and cast; the receipt (``entry_index``, ``ballot_hash``). Like `cast`: after the
        random delay and on a connection of its own where the client is so configured (`connect`)."""
        view = self.election()
        manifest = view.manifest
        style_id = manifest.ballot_styles[0].style_id
        contests = mode_contests(manifest)
        if sorted(choices) != contests:
            raise ClientError(f"a ballot of this mode chooses in {contests}", code="wrong_ballot_style")
        # Each contest's number (record.cr_contests): the index for a single mark, list + preference for a party list.
        packed = Layout.of(manifest).encode_marks(style_id, {c: (choices[c],) for c in contests})
        ballot = create_cr_ballot(
            view.base_hash, view.joint_public_key, manifest.election_id, style_id, credential.secret, packed
        )
        self._wait_before_cast()
        if self._cast_connection is None:
            result: dict[str, Any] = self._request("POST", "/v1/cr/ballots", json=ballot.to_payload())
        else:
            with self._cast_connection() as connection:
                result = self._request("POST", "/v1/cr/ballots", http=connection, json=ballot.to_payload())
        return result

    # --- ballots ------------------------------------------------------------------------------------------------

    def prepare_ballot(
        self, credential: Credential, marks: Mapping[str, Sequence[str]], *, precinct_id: str | None = None
    ) -> PreparedBallot:
        """Encrypt and prove the voter's marks (contest id → selection ids) on the device, and sign."""
        view = self.election()
        style_id = credential.public.ballot_style_id
        vectors = encode_ballot(view.manifest, style_id, marks)
        ballot, reveal = create_ballot(
            view.manifest,
            style_id,
            vectors,
            joint_public_key=view.joint_public_key,
            base_hash=view.base_hash,
            credential_key=credential.private_key,
            msg_prefix=credential.public.prepared_message[:32],
            registrar_signature=credential.public.signature,
            precinct_id=precinct_id,
        )
        return PreparedBallot(ballot, reveal, marks)

    def _check_receipt(
        self, receipt: Receipt, kind: EntryKind, payload: Mapping[str, Any], ballot: EncryptedBallot
    ) -> None:
        """The promise is signed by the board key and names the entry that holds exactly this ballot, and the receipt
        names this device's credential (its fingerprint, which the app shows the voter beside the tracking code)."""
        view = self.election()
        promise = SignedPromise.from_text(receipt.promise)
        verify_promise(promise, view.board_key)
        expected = Entry.create(promise.index, kind, payload).entry_hash
        if promise.entry_hash != expected or receipt.tracking_code != ballot.tracking_code():
            raise ClientError("the receipt does not promise this ballot", code="receipt_invalid")
        if receipt.credential_fingerprint != ballot.credential_fingerprint():
            raise ClientError("the receipt names another credential than this voter's", code="receipt_invalid")

    def cast(self, prepared: PreparedBallot) -> Receipt:
        """Cast (after the random delay, on a fresh connection where so configured); the receipt's signed promise is
        checked against this very ballot.

        The prepared ballot's randomness and marks are erased (`PreparedBallot.spend`) before the request is sent,
        whatever the answer: from then on this ballot can be cast again (an idempotent retry), never opened.
        """
        ballot = prepared.spend()
        ballot_json = ballot.to_json()
        self._wait_before_cast()
        if self._cast_connection is None:
            answer = self._request("POST", "/v1/ballots", json={"ballot": ballot_json})
        else:  # a connection of its own: nothing of the identification's connection goes with the ballot
            with self._cast_connection() as connection:
                answer = self._request("POST", "/v1/ballots", http=connection, json={"ballot": ballot_json})
        receipt = Receipt.model_validate(answer)
        self._check_receipt(receipt, EntryKind.BALLOT, ballot_json, ballot)
        return receipt

    def challenge(self, prepared: PreparedBallot) -> tuple[Receipt, dict[str, tuple[str, ...]]]:
        """Challenge (spoil) a prepared ballot: publish it with its randomness; check it opens to the voter's
        marks. Returns the receipt and the marks the published ballot decrypts to.

        Raises `ClientError` (``reveal_erased``) for a ballot already cast: its randomness is gone from the device.
        """
        reveal, marks = prepared.reveal, prepared.marks
        body = SpoiledBallot(prepared.ballot, reveal).to_payload()  # the request body is the entry's payload
        receipt = Receipt.model_validate(self._request("POST", "/v1/challenges", json=body))
        self._check_receipt(receipt, EntryKind.SPOILED_BALLOT, body, prepared.ballot)
        view = self.election()
        opened = check_spoiled(prepared.ballot, reveal, manifest=view.manifest, joint_public_key=view.joint_public_key)
        wanted = {c: tuple(sorted(s)) for c, s in marks.items()}
        if {c: tuple(sorted(s)) for c, s in opened.items() if s or c in wanted} != wanted:
            raise ClientError("the challenged ballot does not hold the voter's marks", code="spoil_mismatch")
        return receipt, opened

    def check_receipt(self, tracking_code: str, *, require_inclusion: bool = True) -> ReceiptStatus:
        """Look the tracking code up and verify its inclusion proof against the board's signed tree head."""
        status = ReceiptStatus.model_validate(self._request("GET", f"/v1/receipts/{tracking_code}"))
        if status.inclusion_proof is None or status.tree_head is None:
            if require_inclusion:
                raise ClientError("no tree head covers this ballot yet; try again shortly", code="not_yet_included")
            return status
        head = SignedTreeHead.from_text(status.tree_head)
        verify_tree_head(head, self.election().board_key)
        proof = InclusionProof.from_json(status.inclusion_proof)
        proof.verify(bytes.fromhex(status.entry_hash), head.root_hash)
        if proof.index != status.entry_index or proof.tree_size != head.size:
            raise ClientError("the inclusion proof is for another entry or tree", code="receipt_invalid")
        return status
