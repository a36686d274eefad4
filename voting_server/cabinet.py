"""The voter cabinet («Кабинет избирателя»): a voter applies to vote away from home before the election's deadline
(docs/cabinet.md).

Destinations: ``app`` (the voter app, abroad), ``consulate`` or ``kiosk`` (a remote precinct: a kiosk), or
``precinct`` (another ordinary precinct, paper). The application moves her on the voter list: her ballot style
becomes the destination's (the registrar's look-ups, the face path and the device path, use it), the channel she
may be identified in becomes the destination's one (``app`` → the app only; ``consulate``/``kiosk`` → a kiosk only;
``precinct`` → no electronic channel: her paper list is the new precinct's), and the register counts the
registrar signs move her from her home style to the new one. One application per voter (a database key on the
registrar's keyed voter hash), so a person is on exactly one list.

The table ``registrar_cabinet_application`` is the registrar's, beside its issuance ledger: it holds the keyed voter
hash (never the personal number), the home and the new ballot style, the destination and an application code.
Nothing of it reaches the board except through the register counts per ballot style.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Final, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from bulletin_board.entries import EntryKind
from crypto import signing
from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from elections.manifest import Manifest
from identity.personal_number import parse_personal_number
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from record.window import utc_ms

#: The domain tag of a device's signature on a cabinet application (not the identification tag: an application
#: assertion can never pass as an identification at a kiosk, nor the reverse).
APPLICATION_TAG: Final = "cabinet/application"
Destination = Literal["app", "consulate", "kiosk", "precinct"]
#: The one identification channel each destination leaves open (None: paper at the new precinct, no server channel).
CHANNEL_FOR: Final[dict[str, str | None]] = {"app": "app", "consulate": "kiosk", "kiosk": "kiosk", "precinct": None}
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_METADATA = sa.MetaData()
APPLICATION = sa.Table(
    "registrar_cabinet_application",
    _METADATA,
    sa.Column("election_id", sa.String(64), primary_key=True),
    sa.Column("voter_hash", sa.String(64), primary_key=True),
    sa.Column("application_code", sa.String(18), nullable=False, unique=True),
    sa.Column("destination", sa.String(16), nullable=False),
    sa.Column("precinct_id", sa.String(64), nullable=True),
    sa.Column("home_style", sa.String(64), nullable=False),
    sa.Column("new_style", sa.String(64), nullable=False),
    sa.Column("applied_at", sa.BigInteger, nullable=False),
)


def application_assertion(
    *, election_id: str, personal_number: str, destination: str, precinct_id: str | None, device_id: str
) -> dict[str, Any]:
    """What a commission device (a consulate's or a precinct's identification terminal) signs once it has
    identified the voter in person for her application."""
    return {
        "election_id": election_id,
        "personal_number": personal_number,
        "destination": destination,
        "precinct_id": precinct_id,
        "device_id": device_id,
    }


def sign_application(key: Any, assertion: Mapping[str, Any]) -> bytes:
    return signing.sign(key, APPLICATION_TAG, canonical_json(dict(assertion)))


class CabinetService:
    """Applications, the moves they make, and what identification and the register counts read of them."""

    def __init__(self, engine: Engine, registrar: Any) -> None:
        self.engine = engine
        self.registrar = registrar  # voting_server.identification.RegistrarService
        _METADATA.create_all(engine)
        from voting_server.cabinet_identification import CabinetIdentification

        #: The cabinet's own face identification (`voting_server.cabinet_identification`).
        self.identification = CabinetIdentification(registrar)

    # --- what the registrar reads --------------------------------------------------------------------------------

    def _row(self, election_id: str, voter_hash: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(APPLICATION).where(
                    APPLICATION.c.election_id == election_id, APPLICATION.c.voter_hash == voter_hash
                )
            ).first()

    def moved_style(self, election_id: str, voter_hash: str) -> str | None:
        row = self._row(election_id, voter_hash)
        return None if row is None else str(row.new_style)

    def check_channel(self, election_id: str, voter_hash: str, channel: str) -> None:
        """``wrong_channel`` unless ``channel`` is the one her application left open (any, without one)."""
        row = self._row(election_id, voter_hash)
        if row is None:
            return
        allowed = CHANNEL_FOR[row.destination]
        if channel != allowed:
            where = allowed or "paper at the precinct she chose"
            raise ApiError(f"this voter applied to vote away from home: identification by {where} only",
                           code="wrong_channel")  # fmt: skip

    def count_moves(self, election_id: str) -> dict[str, int]:
        """Per ballot style, voters moved in minus voters moved out."""
        delta: dict[str, int] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(APPLICATION.c.home_style, APPLICATION.c.new_style).where(
                    APPLICATION.c.election_id == election_id
                )
            ).all()
        for home, new in rows:
            delta[home] = delta.get(home, 0) - 1
            delta[new] = delta.get(new, 0) + 1
        return delta

    # --- applying ------------------------------------------------------------------------------------------------

    def _new_style(self, manifest: Manifest, destination: str, precinct_id: str | None, home: str) -> str:
        from voting_server.identification import style_for_place

        if destination == "app":
            if precinct_id is not None:
                raise ApiError("an application for the app names no precinct", code="invalid_application")
            abroad = [s for s in manifest.ballot_styles if s.region_id == "abroad"]
            home_contests = manifest.ballot_style(home).contest_ids
            fitting = [s.style_id for s in abroad if set(s.contest_ids) <= set(home_contests)]
            return fitting[0] if fitting else home
        if precinct_id is None:
            raise ApiError(f"an application for a {destination} names the precinct", code="invalid_application")
        precinct = next((p for p in manifest.precincts if p.precinct_id == precinct_id), None)
        if precinct is None:
            raise ApiError(f"no precinct {precinct_id!r}", code="unknown_id")
        style = style_for_place(manifest, precinct.region_id, precinct.district_id)
        if style is None:
            raise ApiError(f"precinct {precinct_id!r} has no ballot style", code="invalid_application")
        return style

    def _check_open(self, manifest: Manifest) -> None:
        election = self.registrar.election
        deadline = manifest.policy.applications_close
        if deadline is None:
            raise ApiError("this election takes no applications to vote away from home", code="applications_closed")
        if election.clock() > utc_ms(deadline):
            raise ApiError(f"applications closed at {deadline}", code="applications_closed")
        if _counted(election):
            raise ApiError("the register is counted: no more applications", code="applications_closed")

    def apply(
        self, personal_number: str, destination: str, precinct_id: str | None, device_id: str, signature: bytes
    ) -> dict[str, Any]:
        """An application identified in person by a commission device (its signature over the assertion)."""
        registrar = self.registrar
        manifest: Manifest = registrar.election.state().require_manifest()
        self._check_open(manifest)
        parse_personal_number(personal_number)
        device_key = registrar._device_key(device_id)
        if device_key is None:
            raise ApiError(f"device {device_id!r} is not registered on the board", code="identification_failed")
        assertion = application_assertion(
            election_id=manifest.election_id,
            personal_number=personal_number,
            destination=destination,
            precinct_id=precinct_id,
            device_id=device_id,
        )
        try:
            signing.verify(device_key, APPLICATION_TAG, canonical_json(assertion), signature)
        except CryptoError as e:
            raise ApiError("the device's signature on the application does not verify", code="invalid_signature") from e
        voter = registrar.registry.lookup(personal_number)
        from voting_server.identification import ballot_style_for_voter

        home = ballot_style_for_voter(manifest, voter)
        voter_hash = registrar.issuer.voter_hash(manifest.election_id, personal_number)
        return self._record(manifest, voter_hash, home, destination, precinct_id)

    def apply_identified(self, session_id: str, destination: str, precinct_id: str | None) -> dict[str, Any]:
        """An application by a voter whose face matched in a cabinet identification session (`session_id`)."""
        manifest: Manifest = self.registrar.election.state().require_manifest()
        self._check_open(manifest)
        state = self.identification.identified(session_id)
        return self._record(manifest, state["voter_hash"], state["home_style"], destination, precinct_id)

    def application_of(self, identified: dict[str, Any]) -> dict[str, Any] | None:
        """The application of an identified cabinet session's voter, or None."""
        row = self._row(identified["election_id"], identified["voter_hash"])
        return None if row is None else self.status(str(row.application_code))

    def _record(
        self, manifest: Manifest, voter_hash: str, home: str | None, destination: str, precinct_id: str | None
    ) -> dict[str, Any]:
        if home is None:
            raise ApiError("this voter has no ballot in this election", code="not_eligible")
        new = self._new_style(manifest, destination, precinct_id, home)
        code = "A-" + "".join(secrets.choice(_CROCKFORD) for _ in range(16))
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sa.insert(APPLICATION).values(
                        election_id=manifest.election_id,
                        voter_hash=voter_hash,
                        application_code=code,
                        destination=destination,
                        precinct_id=precinct_id,
                        home_style=home,
                        new_style=new,
                        applied_at=self.registrar.election.clock(),
                    )
                )
        except sa.exc.IntegrityError as e:
            raise ApiError("this voter has already applied; one list, one channel", code="already_applied") from e
        return self.status(code)

    def status(self, code: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(APPLICATION).where(APPLICATION.c.application_code == code)).first()
        if row is None:
            raise ApiError(f"no application {code}", code="unknown_application")
        return {
            "application_code": code,
            "status": "accepted",
            "destination": row.destination,
            "precinct_id": row.precinct_id,
            "ballot_style": row.new_style,
            "identification_channel": CHANNEL_FOR[row.destination],
        }


def _counted(election: Any) -> bool:
    return any(True for _ in election.board.storage.iter_entries_of_kinds((EntryKind.REGISTER_COUNTS.value,)))


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationBody(_Body):
    """The voter's application, identified one of two ways: ``session_id`` of a cabinet identification session
    whose face matched (`voting_server.cabinet_identification`), or — in person — ``personal_number``,
    ``device_id`` and the ``signature`` of the commission device that identified her over `application_assertion`
    (tag ``cabinet/application``). Exactly one of the two."""

    destination: Destination
    precinct_id: str | None = Field(default=None, max_length=64)
    session_id: str | None = Field(default=None, min_length=1, max_length=64)
    personal_number: str | None = Field(default=None, min_length=1, max_length=32)
    device_id: str | None = Field(default=None, min_length=1, max_length=64)
    signature: str | None = Field(default=None, pattern=r"^[0-9a-f]{128}$")


class ApplicationStatus(BaseModel):
    application_code: str
    status: Literal["accepted"]
    destination: str
    precinct_id: str | None
    ballot_style: str
    identification_channel: str | None


def _service(request: Request) -> CabinetService:
    service: CabinetService = request.app.state.components.cabinet
    return service


_APPLY_CODES: Final = (
    "applications_closed",
    "already_applied",
    "invalid_application",
    "invalid_signature",
    "identification_failed",
    "voter_not_found",
    "not_eligible",
    "unknown_id",
    "invalid_personal_number",
)


def build_cabinet_router() -> APIRouter:
    router = APIRouter(prefix="/v1/cabinet", tags=["cabinet"])

    @router.post(
        "/applications",
        response_model=ApplicationStatus,
        responses=error_responses(
            "applications_closed",
            "already_applied",
            "invalid_application",
            "invalid_signature",
            "identification_failed",
            "voter_not_found",
            "not_eligible",
            "unknown_id",
            "invalid_personal_number",
            "session_invalid",
        ),
    )
    def apply(request: Request, body: ApplicationBody) -> dict[str, Any]:
        """Apply to vote away from home (before the manifest's ``policy.applications_close``); keep the code.
        Identified by a cabinet face session (``session_id``) or by a commission device in person."""
        in_person = (body.personal_number, body.device_id, body.signature)
        if body.session_id is not None:
            if any(v is not None for v in in_person):
                raise ApiError("a face session or a device's signature, not both", code="invalid_application")
            return _service(request).apply_identified(body.session_id, body.destination, body.precinct_id)
        if body.personal_number is None or body.device_id is None or body.signature is None:
            raise ApiError(
                "identify first: a cabinet face session, or a commission device's signature",
                code="identification_failed",
            )
        return _service(request).apply(
            body.personal_number, body.destination, body.precinct_id, body.device_id, bytes.fromhex(body.signature)
        )

    @router.get(
        "/applications/{code}", response_model=ApplicationStatus, responses=error_responses("unknown_application")
    )
    def status(request: Request, code: str) -> dict[str, Any]:
        """An application's status by its code (no personal data)."""
        return _service(request).status(code)

    return router
