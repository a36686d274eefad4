"""The kiosk: the voter client (`mobile_api.client.VoterClient`) in kiosk mode on a commission device.

(docs/precinct.md, "Running a kiosk".) One voter at a time:

1. **Identification** at the kiosk: by the kiosk camera's face frames (sent to the registrar's 1:1 check with the
   session's liveness nonce), or by a signed assertion of the precinct's biometric identification device
   (`record.attestation.identification_assertion`, signed with `DeviceAttestation.sign`): Ed25519 by a device
   registered on the board, binding the election, the session, the voter, the channel (``kiosk``), the method,
   the device and the time.
2. **Credential** issued to this kiosk session (blinded here, like on a phone); it is erased when the session ends.
3. **Ballot**: marks → encrypted and proved here (`prepare`); the voter may **challenge** (cast-or-spoil: the ballot
   is published with its randomness and the kiosk shows what it opened to) as often as they like, then **casts**.
4. **Receipt**: tracking code (printed as PDF with a QR code, `precinct.receipt`).

The link may fail at any time after step 2: a cast is first written to the kiosk's outbox (SQLite), then sent;
if the server cannot be reached the receipt is printed as *queued* — the tracking code is the hash of the ballot
bytes, so it is the same code the board will show — and `sync` sends the very same bytes later. The server
answers an identical ballot with the same receipt, so however many times a sync is retried the ballot is on the
board once. After the ballots, `sync` posts the kiosk's own signed, chained batch listing their ballot hashes, so
a ballot the kiosk cast cannot silently go missing from the board.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from bulletin_board.checkpoint import SignedPromise, verify_promise
from bulletin_board.entries import Entry, EntryKind
from crypto.hashing import hash_fields
from elections.ballot import encode_ballot
from identity.credentials import Credential
from mobile_api.client import CrCredential, CrRegistration, PreparedBallot, VoterClient
from mobile_api.errors import ClientError
from mobile_api.schemas import DeviceAttestation, IdentificationSession, Receipt
from precinct.devices import DeviceIdentity
from precinct.errors import DeviceError, KioskSessionError, LinkDownError, PrecinctError
from precinct.outbox import Outbox, Sender
from precinct.printing import cr_credential_lines, cr_credential_pdf
from record.attestation import identification_assertion
from record.ballot import EncryptedBallot
from record.devices import sign_precinct_cast
from record.precinct import (
    ChainHead,
    PrecinctProtocol,
    ProtocolContest,
    sign_batch,
    sign_protocol,
)

CR_MODE: Final = "coercion_resistant"
#: Wrong poll-worker PINs in a row after which the override is locked until an operator resets it
#: (`Kiosk.reset_poll_worker_lock`): a six-digit PIN must not be guessable at the screen.
MAX_POLL_WORKER_PIN_FAILURES = 5


@dataclass
class KioskSession:
    """One voter at the kiosk. The credential and the prepared ballot's randomness live only here."""

    session_id: str
    national_id: str
    liveness_nonce: str
    opened: IdentificationSession | None = field(default=None, repr=False)
    style_id: str | None = None
    credential: Credential | None = field(default=None, repr=False)
    prepared: PreparedBallot | None = field(default=None, repr=False)
    finished: bool = False
    #: Coercion-resistant mode: the real credential until its slip is printed, then None.
    cr_credential: CrCredential | None = field(default=None, repr=False)
    #: Coercion-resistant mode: the registration's public parts, for fakes (no secret).
    cr_registration: CrRegistration | None = field(default=None, repr=False)
    cr_printed: bool = False


@dataclass(frozen=True)
class CrSlip:
    """A credential slip as the kiosk hands it to the printer: the printed fields and the QR code's text (the
    credential, ``SHAILOO-CR1:…``). Real and fake slips have the same fields and lengths; the kiosk keeps none."""

    election_id: str
    election_name: str
    precinct_id: str
    style_id: str
    position: int
    check_code: str
    payload: str = field(repr=False)

    def pdf(self, language: str = "ky") -> bytes:
        """The slip on the 80 mm roll (`precinct.printing.cr_credential_pdf`)."""
        return cr_credential_pdf(
            election_name=self.election_name,
            precinct_id=self.precinct_id,
            style_id=self.style_id,
            position=self.position,
            check_code=self.check_code,
            payload=self.payload,
            language=language,
        )

    def lines(self, language: str = "ky") -> list[str]:
        return cr_credential_lines(
            election_name=self.election_name,
            precinct_id=self.precinct_id,
            style_id=self.style_id,
            position=self.position,
            check_code=self.check_code,
            language=language,
        )


@dataclass(frozen=True)
class KioskReceipt:
    """What the kiosk prints: the tracking code and whether the board has the ballot yet."""

    election_id: str
    precinct_id: str
    device_id: str
    tracking_code: str
    ballot_hash: str
    status: str  # "on_board" | "queued"
    entry_index: int | None = None
    #: The fingerprint of the voter's credential (`record.ballot.credential_fingerprint`), printed with the code.
    credential_fingerprint: str = ""


class Kiosk:
    """A kiosk at one precinct (see the module docstring)."""

    def __init__(
        self,
        identity: DeviceIdentity,
        client: VoterClient,
        outbox: Outbox,
        *,
        batch_link: Sender | None = None,
        clock: Callable[[], float] = time.time,
        poll_worker_pin: str | None = None,
    ) -> None:
        """``poll_worker_pin`` (the kiosk's settings) lets the precinct's poll worker end a voter's session
        (`end_by_poll_worker`); without it nobody can."""
        if identity.role != "kiosk":
            raise DeviceError(f"device {identity.device_id} is a {identity.role}, not a kiosk")
        self.identity = identity
        self.client = client
        self.outbox = outbox
        self.batch_link = batch_link
        self.clock = clock
        self.current: KioskSession | None = None
        self._pin_digest = _pin_digest(poll_worker_pin) if poll_worker_pin else None

    # --- identification and credential --------------------------------------------------------------------------

    def begin(self, national_id: str, method: str = "attestation") -> KioskSession:
        """Open an identification session for the voter at the kiosk (needs the link); ``method`` is
        ``attestation`` (a signed assertion follows) or ``face`` (the kiosk camera's frames follow)."""
        if self.voter_in_progress():
            # She is identified (the registrar's one slot is hers) and holds her credential here: dropping her
            # session would lose her vote, so nobody else begins until she casts.
            raise KioskSessionError(
                "a voter identified at this kiosk has not cast yet: she finishes first", code="voter_in_progress"
            )
        session = self._online(lambda: self.client.start_identification(national_id, channel="kiosk", method=method))
        self.current = KioskSession(session.session_id, national_id, session.liveness_nonce, opened=session)
        return self.current

    def voter_in_progress(self) -> bool:
        """An identified voter's session is open here (identified, or holding a credential, and not yet cast)."""
        current = self.current
        return (
            current is not None
            and not current.finished
            and (current.style_id is not None or current.credential is not None or current.cr_registration is not None)
        )

    def idle(self) -> bool:
        """The screen was left alone: an identification begun but not completed is dropped (nothing was claimed
        for it at the registrar); an identified voter's session is kept, so her vote is never lost. ``True`` if a
        voter's session is still open."""
        if not self.voter_in_progress():
            self.current = None
            return False
        return True

    def end_by_poll_worker(self, pin: str, reason: str = "") -> bool:
        """The poll worker ends the session at the kiosk (a voter who walked away keeps it blocked otherwise).

        Needs the kiosk's poll-worker PIN (`KioskSessionError` ``no_poll_worker_pin`` if none is set,
        ``bad_poll_worker_pin`` if it is wrong; either way the session is untouched). Every attempt is appended to
        the kiosk's audit (`audit`). After `MAX_POLL_WORKER_PIN_FAILURES` wrong PINs in a row the override is
        locked (``poll_worker_locked``, even for the right PIN) until an operator resets it
        (`reset_poll_worker_lock`); a right PIN before that resets the count. The session's credential and prepared
        ballot are erased from the kiosk's memory, so nothing can be cast with them; the registrar already counts
        her as identified, so she gets another credential only if its rules allow it (re-voting). The override's
        record holds the time, the session id (not her personal number), whether a voter was identified and the
        reason. ``True`` if an identified voter's session was ended."""
        if self._pin_digest is None:
            raise KioskSessionError("no poll-worker PIN is set on this kiosk", code="no_poll_worker_pin")
        failures = int(self.outbox.state("pin_failures", 0))
        if failures >= MAX_POLL_WORKER_PIN_FAILURES:
            self._record({"event": "poll_worker_pin_refused", "outcome": "locked"})
            raise KioskSessionError(
                f"the poll-worker override is locked after {failures} wrong PINs: an operator must reset it",
                code="poll_worker_locked",
            )
        if not secrets.compare_digest(_pin_digest(pin), self._pin_digest):
            failures += 1
            locked = failures >= MAX_POLL_WORKER_PIN_FAILURES
            self._record(
                {"event": "poll_worker_pin_wrong", "attempt": failures, "outcome": "locked" if locked else "refused"},
                pin_failures=failures,
            )
            if locked:
                raise KioskSessionError(
                    "the poll-worker PIN is wrong; the override is now locked until an operator resets it",
                    code="poll_worker_locked",
                )
            raise KioskSessionError("the poll-worker PIN is wrong", code="bad_poll_worker_pin")
        session = self.current
        identified = self.voter_in_progress()
        if session is not None:
            self._erase_cr(session)
            session.prepared, session.credential, session.finished = None, None, True
        self.current = None
        record = {
            "event": "session_ended_by_poll_worker",
            "session_id": session.session_id if session is not None else None,
            "voter_identified": identified,
            "reason": reason.strip()[:200],
        }
        self._record(record, pin_failures=0)
        return identified

    def poll_worker_locked(self) -> bool:
        """The override is locked (too many wrong PINs) until an operator resets it."""
        return int(self.outbox.state("pin_failures", 0)) >= MAX_POLL_WORKER_PIN_FAILURES

    def reset_poll_worker_lock(self, operator: str) -> None:
        """The operator (at the kiosk device itself: ``shailoo kiosk reset-pin-lock``) unlocks the override;
        recorded in the audit with the operator's name."""
        name = operator.strip()[:80]
        if not name:
            raise KioskSessionError("name the operator who resets the lock", code="operator_required")
        failures = int(self.outbox.state("pin_failures", 0))
        self._record({"event": "poll_worker_lock_reset", "operator": name, "failures": failures}, pin_failures=0)

    def _record(self, record: dict[str, Any], **state: Any) -> None:
        """Append ``record`` (with the time) to the audit, with any other state, in one write."""
        entry = {"event": record["event"], "at": int(self.clock()), **record}
        self.outbox.put_state({**state, "audit": [*self.audit(), entry]})

    def audit(self) -> list[dict[str, Any]]:
        """The kiosk's audit of poll-worker PIN attempts, overrides and lock resets, oldest first (kept in its
        outbox's state)."""
        return list(self.outbox.state("audit", []))

    def _session(self) -> KioskSession:
        if self.current is None or self.current.finished:
            raise KioskSessionError("no voter is at the kiosk: start with identification")
        return self.current

    def identify_here(self, method: str = "biometric") -> str:
        """The kiosk identified the voter itself (its camera and the precinct list) and signs the assertion."""
        session = self._session()
        assertion = identification_assertion(
            election_id=self.client.election().manifest.election_id,
            session_id=session.session_id,
            personal_number=session.national_id,
            device_id=self.identity.device_id,
            method=method,
            at=int(self.clock()),
        )
        return self.identify_with(DeviceAttestation.sign(self.identity.device_id, self.identity.key, assertion))

    def identify_with(self, attestation: DeviceAttestation) -> str:
        """Identification by a signed assertion (the kiosk's own, or the precinct's biometric terminal's)."""
        session = self._session()
        result = self._online(lambda: self.client.submit_attestation(session.session_id, attestation))
        return self._identified(result.style_id)

    def identify_by_face(self, frames: Sequence[bytes]) -> str:
        """Identification by the kiosk camera's frames (session begun with ``method="face"``: one frame looking at
        the camera, then one per head turn the session asked for), checked 1:1 by the registrar with liveness."""
        session = self._session()
        if session.opened is None:
            raise KioskSessionError("no identification session is open")
        opened = session.opened
        result = self._online(lambda: self.client.submit_face(opened, frames))
        return self._identified(result.style_id)

    def _identified(self, style_id: str) -> str:
        session = self._session()
        session.style_id = style_id
        identified = int(self.outbox.state("voters_identified", 0)) + 1
        self.outbox.put_state({"voters_identified": identified})
        if self.client.election().manifest.policy.mode == CR_MODE:
            real = self._online(lambda: self.client.obtain_cr_credential(session.session_id))
            session.cr_credential, session.cr_registration = real, real.registration
            return style_id
        session.credential = self._online(lambda: self.client.obtain_credential(session.session_id, style_id))
        return style_id

    # --- registration in the coercion-resistant mode (docs/precinct.md, "Registration with fake credentials") ----

    def _cr_session(self) -> tuple[KioskSession, CrRegistration]:
        session = self._session()
        if session.cr_registration is None:
            raise KioskSessionError(
                "no coercion-resistant registration is open: identify first", code="no_cr_registration"
            )
        return session, session.cr_registration

    def _slip(self, credential: CrCredential) -> CrSlip:
        credential.check(self.client.election())  # the same check for the real and a fake, before printing
        manifest = self.client.election().manifest
        return CrSlip(
            election_id=manifest.election_id,
            election_name=manifest.name.en,
            precinct_id=self.identity.precinct_id,
            style_id=credential.style_id,
            position=credential.position,
            check_code=credential.check_code,
            payload=credential.to_text(),
        )

    def print_cr_credential(self) -> CrSlip:
        """The voter's real credential, once: checked, put on a slip for the printer, and erased from the kiosk at
        once (``already_printed`` for a second time: nobody, not even the voter, gets it twice)."""
        session, _ = self._cr_session()
        real = session.cr_credential
        if real is None:
            raise KioskSessionError("the credential was printed already", code="already_printed")
        session.cr_credential = None  # erased before the slip leaves the kiosk, whatever the printer does
        session.cr_printed = True
        return self._slip(real)

    def print_cr_fake(self) -> CrSlip:
        """A fake credential on a slip that looks exactly like the real one's (same lines, fields and lengths; the
        designated-verifier proof simulated with the kiosk's d for this registration). Any number, on request,
        until `finish_cr_registration`; the kiosk keeps none."""
        _, registration = self._cr_session()
        return self._slip(self.client.fake_cr_credential(registration))

    def finish_cr_registration(self) -> None:
        """The voter leaves with her slips: the registration's d is erased (no more fakes can be made for it) and
        the session ends. ``not_printed`` while the real credential is still unprinted (it would be lost)."""
        session, _ = self._cr_session()
        if session.cr_credential is not None:
            raise KioskSessionError("the voter's credential is not printed yet", code="not_printed")
        self._erase_cr(session)
        session.finished = True
        self.current = None

    def _erase_cr(self, session: KioskSession) -> None:
        registration = session.cr_registration
        if registration is not None:
            self.client.forget_cr_device(registration.position)
        session.cr_credential, session.cr_registration = None, None

    # --- the ballot ----------------------------------------------------------------------------------------------

    def prepare(self, marks: Mapping[str, Sequence[str]]) -> PreparedBallot:
        """Encrypt and prove the voter's marks here; the voter now casts or challenges."""
        session = self._session()
        if session.credential is None:
            raise KioskSessionError("the voter has no credential yet: identify first")
        prepared = self.client.prepare_ballot(session.credential, marks, precinct_id=self.identity.precinct_id)
        session.prepared = prepared
        return prepared

    def challenge(self) -> dict[str, tuple[str, ...]]:
        """Spoil the prepared ballot (published with its randomness) and return what it opened to; the voter
        then prepares a new one."""
        session = self._session()
        prepared = session.prepared
        if prepared is None:
            raise KioskSessionError("there is no prepared ballot to challenge")
        _, opened = self._online(lambda: self.client.challenge(prepared))
        session.prepared = None
        return dict(opened)

    def cast(self) -> KioskReceipt:
        """Queue the prepared ballot, then try to send it; the session ends and its credential is erased."""
        session = self._session()
        prepared = session.prepared
        if prepared is None:
            raise KioskSessionError("there is no prepared ballot to cast")
        view = self.client.election()
        counts = self._counted(dict(self.outbox.state("counts", {})), prepared.marks, view.manifest)
        ballot = prepared.spend()  # the randomness and marks leave the kiosk's memory before the ballot leaves it
        local_id = self.outbox.enqueue("ballot", ballot.to_json(), {"counts": counts})
        session.prepared, session.credential, session.finished = None, None, True
        self.current = None
        receipt = KioskReceipt(
            election_id=view.manifest.election_id,
            precinct_id=self.identity.precinct_id,
            device_id=self.identity.device_id,
            tracking_code=ballot.tracking_code(),
            ballot_hash=ballot.ballot_hash().hex(),
            status="queued",
            credential_fingerprint=ballot.credential_fingerprint(),
        )
        try:
            answer = self._send("ballot", ballot.to_json())
        except LinkDownError:
            return receipt
        self.outbox.mark_sent(local_id, answer)
        return KioskReceipt(**{**receipt.__dict__, "status": "on_board", "entry_index": answer["entry_index"]})

    @staticmethod
    def _counted(
        counts: dict[str, dict[str, Any]], marks: Mapping[str, Sequence[str]], manifest: Any
    ) -> dict[str, dict[str, Any]]:
        """The kiosk's running protocol: per contest, ballots holding it and votes per selection."""
        for contest_id, selection_ids in marks.items():
            contest = manifest.contest(contest_id)
            figures = counts.setdefault(contest_id, {"valid": 0, "counts": [0] * len(contest.selections)})
            figures["valid"] += 1
            for selection_id in selection_ids:
                figures["counts"][contest.selection_index(selection_id)] += 1
        return counts

    # --- the link ------------------------------------------------------------------------------------------------

    def _online(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except httpx.TransportError as e:
            raise LinkDownError("the server cannot be reached; identification needs the link") from e

    def _send(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        if kind == "ballot":
            return self._send_ballot(payload)
        if self.batch_link is None:
            raise LinkDownError("this kiosk has no link for its batches configured")
        return dict(self.batch_link(kind, payload))

    def _send_ballot(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST the queued ballot bytes; check the board's signed promise names exactly this ballot."""
        try:
            ballot = EncryptedBallot.from_json(dict(payload))
            body = {
                "ballot": dict(payload),
                "device_id": self.identity.device_id,
                "device_signature": sign_precinct_cast(self.identity.key, ballot.ballot_hash()).hex(),
            }
            response = self.client.http.post("/v1/ballots", json=body)
        except httpx.TransportError as e:
            raise LinkDownError(f"the server is unreachable: {e}") from e
        if response.status_code >= 500:
            raise LinkDownError(f"the server answered {response.status_code}; will retry")
        body = response.json()
        if response.status_code >= 400:
            raise PrecinctError(str(body.get("message")), code=str(body.get("code")))
        receipt = Receipt.model_validate(body)
        promise = SignedPromise.from_text(receipt.promise)
        verify_promise(promise, self.client.election().board_key)
        ballot = EncryptedBallot.from_json(dict(payload))
        expected = Entry.create(promise.index, EntryKind.BALLOT, ballot.to_json()).entry_hash
        if promise.entry_hash != expected or receipt.tracking_code != ballot.tracking_code():
            raise ClientError("the receipt does not promise this ballot", code="receipt_invalid")
        if receipt.credential_fingerprint != ballot.credential_fingerprint():
            raise ClientError("the receipt names another credential than this ballot's", code="receipt_invalid")
        return receipt.model_dump()

    def head(self) -> ChainHead:
        data = self.outbox.state("head")
        return ChainHead() if data is None else ChainHead(int(data[0]), bytes.fromhex(data[1]))

    def _seal_batch(self) -> None:
        """Sign a batch listing the ballots cast since the last batch (queued after them)."""
        listed = int(self.outbox.state("listed", 0))
        ballots = [r for r in self.outbox.records() if r.kind == "ballot"]
        new = ballots[listed:]
        if not new:
            return
        head = self.head()
        batch = sign_batch(
            self.identity.key,
            election_id=self.client.election().manifest.election_id,
            device_id=self.identity.device_id,
            precinct_id=self.identity.precinct_id,
            sequence=head.batches + 1,
            previous=head.last,
            cast=[EncryptedBallot.from_json(r.payload).ballot_hash() for r in new],
        )
        state = {"head": [batch.sequence, batch.batch_hash().hex()], "listed": len(ballots)}
        self.outbox.enqueue("precinct_batch", batch.to_json(), state)

    def sync(self) -> list[dict[str, Any]]:
        """Send everything queued (ballots first, then the kiosk's batch listing them); safe to repeat."""
        if not self.outbox.state("closed", False):
            self._seal_batch()
        return self.outbox.sync(self._send)

    def pending(self) -> int:
        return self.outbox.pending()

    # --- the close -----------------------------------------------------------------------------------------------

    def close(self) -> PrecinctProtocol:
        """Seal the last batch and sign the kiosk's protocol (voters identified here, ballots cast, counts)."""
        if self.outbox.state("closed", False):
            return next(
                PrecinctProtocol.from_json(r.payload) for r in self.outbox.records() if r.kind == "precinct_protocol"
            )
        self._seal_batch()
        manifest = self.client.election().manifest
        counts: dict[str, dict[str, Any]] = dict(self.outbox.state("counts", {}))
        cast = sum(1 for r in self.outbox.records() if r.kind == "ballot")
        head = self.head()
        protocol = PrecinctProtocol(
            election_id=manifest.election_id,
            device_id=self.identity.device_id,
            precinct_id=self.identity.precinct_id,
            voters_identified=int(self.outbox.state("voters_identified", 0)),
            ballots_read=cast,
            batches=head.batches,
            last_batch=head.last,
            # Below the manifest's minimum cell the protocol prints no counts: with one or two voters they would
            # show how those people voted. Its ballots still count in the ballot-style totals.
            contests=()
            if cast < manifest.policy.minimum_cell
            else tuple(ProtocolContest(c, int(f["valid"]), 0, tuple(f["counts"])) for c, f in sorted(counts.items())),
            signature=bytes(64),
        )
        signed = sign_protocol(self.identity.key, protocol)
        self.outbox.enqueue("precinct_protocol", signed.to_json(), {"closed": True})
        return signed


def _pin_digest(pin: str) -> bytes:
    """A fixed-length digest of a PIN, so comparing two PINs in constant time does not reveal the length."""
    return hash_fields("kiosk-poll-worker-pin", pin.encode())


def marks_from_form(manifest: Any, style_id: str, form: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The ballot screen's form (field ``contest:<id>`` → selection ids) as marks, checked by `encode_ballot`."""
    style = manifest.ballot_style(style_id)
    marks = {c: list(form.get(f"contest:{c}", ())) for c in style.contest_ids}
    encode_ballot(manifest, style_id, marks)
    return marks
