"""The admin API (``/v1/admin``): bearer tokens with roles. Operators change the election; auditors read.

Every change is a board entry, so the phase machine refuses anything out of order with ``wrong_phase``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from crypto import signing
from crypto.errors import ShailooError
from elections.manifest import Manifest
from elections.presets import PRESET_NAMES, build_preset
from identity.credentials import IssuerKeys
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from record.annulment import PrecinctAnnulment, sign_precinct_annulment
from record.ceremony import CeremonyStep
from trustees.coordinator import close_step
from voting_server.auth import AnyAdminRole, OperatorRole
from voting_server.components import Components


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManifestLoad(_Body):
    """Either a preset name (``president``, ``parliament-2025``, ...) or a full manifest object. A preset keeps its
    historical voting window unless ``voting_opens`` and ``voting_closes`` (UTC ``YYYY-MM-DDTHH:MM:SSZ``) move it."""

    preset: str | None = None
    manifest: dict[str, Any] | None = None
    voting_opens: str | None = None
    voting_closes: str | None = None


class IssuerKeyGeneration(_Body):
    bits: int = Field(default=3072, ge=2048)


class DeviceRegistration(_Body):
    device_id: str = Field(min_length=1, max_length=64)
    public_key: str = Field(pattern=r"^[0-9a-f]{64}$")
    role: str = Field(default="identification", max_length=32)


class ChannelsOpen(_Body):
    channels: list[str] = Field(default_factory=lambda: ["app"])


class StepClose(_Body):
    """The key-ceremony step whose deadline has passed: ``commitments``, ``shares`` or ``checks``."""

    step: CeremonyStep


class CloseRequest(_Body):
    """``reason``: why voting closes before the manifest's ``voting_closes`` (only where its policy allows an early
    close; the ``close`` entry records it)."""

    reason: str | None = Field(default=None, min_length=1, max_length=500)


class Annulment(_Body):
    """The commission annuls a precinct. Either the ``annulment`` payload the commission signed with its own key
    (the manifest's ``commission_key``; `record.annulment`, ``shailoo admin annul --commission-keystore``), or —
    only for a manifest that pins no ``commission_key`` — the precinct's id, why (what happened there) and the legal
    basis (the law's text or the decision that annuls it), 1–1000 characters each, for the server to sign with its
    registrar key."""

    precinct_id: str | None = Field(default=None, min_length=1, max_length=64)
    reason: str | None = Field(default=None, min_length=1, max_length=1000)
    legal_basis: str | None = Field(default=None, min_length=1, max_length=1000)
    annulment: dict[str, Any] | None = None


class TallyStart(_Body):
    """No fields: the tally is a function of the board (figures from the operator are refused as ``malformed``)."""


class EntryAck(BaseModel):
    """The board's answer to a change: the entry's index and the log's signed promise."""

    index: int
    promise: str


class RegistrarKey(BaseModel):
    """The registrar's Ed25519 public key (hex): what the manifest pins as ``registrar_key`` so that its signed
    ``register_counts`` are accepted."""

    public_key: str


class AdminStatus(BaseModel):
    election_id: str | None
    phase: str
    board_size: int
    issuer_keys_held: bool


def _components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


def manifest_from_load(body: ManifestLoad) -> Manifest:
    """The manifest a `ManifestLoad` names: a preset (its window moved if asked) or a manifest object."""
    if (body.preset is None) == (body.manifest is None):
        raise ApiError("give exactly one of preset or manifest", code="malformed")
    if body.preset is not None:
        if body.preset not in PRESET_NAMES:
            raise ApiError(f"no preset {body.preset!r}; presets: {list(PRESET_NAMES)}", code="unknown_id")
        manifest = build_preset(body.preset)
        if (body.voting_opens is None) != (body.voting_closes is None):
            raise ApiError("give both voting_opens and voting_closes, or neither", code="malformed")
        if body.voting_opens is not None and body.voting_closes is not None:
            manifest = manifest.with_voting_window(body.voting_opens, body.voting_closes)
        return manifest
    if body.voting_opens is not None or body.voting_closes is not None:
        raise ApiError(
            "voting_opens and voting_closes move a preset's window; a manifest has its own", code="malformed"
        )
    return Manifest.from_dict(body.manifest or {})


def build_admin_router() -> APIRouter:
    router = APIRouter(prefix="/v1/admin", tags=["admin"])
    auth_codes = ("unauthorized", "forbidden")

    @router.get("/status", response_model=AdminStatus, responses=error_responses(*auth_codes))
    def status(request: Request, role: AnyAdminRole) -> AdminStatus:
        """The phase and size of the board (operator or auditor)."""
        c = _components(request)
        manifest = c.election.state().manifest
        return AdminStatus(
            election_id=manifest.election_id if manifest else None,
            phase=c.election.phase.value,
            board_size=c.board.size,
            issuer_keys_held=c.registrar is not None and c.registrar.issuer_keys is not None,
        )

    @router.get("/registrar-key", response_model=RegistrarKey, responses=error_responses(*auth_codes))
    def registrar_key(request: Request, role: AnyAdminRole) -> RegistrarKey:
        """The registrar's public key, for the manifest's ``registrar_key`` (operator or auditor)."""
        key = _components(request).registrar.identity_settings.registrar_signing_key
        return RegistrarKey(public_key=signing.public_key_bytes(key).hex())

    @router.post(
        "/manifest", response_model=EntryAck, responses=error_responses(*auth_codes, "wrong_phase", "invalid_manifest")
    )
    def load_manifest(request: Request, body: ManifestLoad, role: OperatorRole) -> EntryAck:
        """Load the election manifest (phase ``setup``): a preset by name or a manifest object."""
        manifest = manifest_from_load(body)
        promise = _components(request).election.load_manifest(manifest)
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post("/issuer-keys", response_model=EntryAck, responses=error_responses(*auth_codes, "wrong_phase"))
    def generate_issuer_keys(request: Request, body: IssuerKeyGeneration, role: OperatorRole) -> EntryAck:
        """The registrar makes one RFC 9474 key per ballot style and publishes the public keys."""
        c = _components(request)
        manifest = c.election.state().require_manifest()
        if body.bits < c.settings.min_issuer_key_bits:
            raise ApiError(
                f"issuer keys need at least {c.settings.min_issuer_key_bits} bits", code="invalid_parameters"
            )
        keys = IssuerKeys.generate(
            [s.style_id for s in manifest.ballot_styles], body.bits, insecure_allow_small_for_tests=body.bits < 3072
        )
        promise = c.election.post_issuer_keys(keys.public_keys())
        c.install_issuer_keys(keys)
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post(
        "/devices", response_model=EntryAck, responses=error_responses(*auth_codes, "wrong_phase", "duplicate_entry")
    )
    def register_device(request: Request, body: DeviceRegistration, role: OperatorRole) -> EntryAck:
        """Register a precinct device's Ed25519 key on the board (``device_key`` entry)."""
        promise = _components(request).election.register_device(
            body.device_id, bytes.fromhex(body.public_key), body.role
        )
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post(
        "/ceremony/close-step",
        response_model=EntryAck,
        responses=error_responses(*auth_codes, "wrong_phase", "too_early", "nothing_to_close"),
    )
    def close_ceremony_step(request: Request, body: StepClose, role: OperatorRole) -> EntryAck:
        """The commission's deadline for a key-ceremony step has passed: post ``step_closed`` naming the trustees
        still missing from it (docs/trustees.md, "A trustee who does not post"). The others go on without them;
        closing a closed step again answers with the entry already there."""
        c = _components(request)
        entry = close_step(c.board, c.ceremony, body.step)
        return EntryAck(index=entry.index, promise=c.board.promise(entry.index).to_text())

    @router.post(
        "/register-counts",
        response_model=EntryAck,
        responses=error_responses(*auth_codes, "wrong_phase", "not_supported", "invalid_register_counts"),
    )
    def post_register_counts(request: Request, role: OperatorRole) -> EntryAck:
        """The registrar counts the register per ballot style, signs the counts and posts ``register_counts``
        (before voting opens; once)."""
        promise = _components(request).require_registrar().post_register_counts()
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post("/channels/open", response_model=EntryAck, responses=error_responses(*auth_codes, "wrong_phase"))
    def open_channels(request: Request, body: ChannelsOpen, role: OperatorRole) -> EntryAck:
        """Open voting (phase ``ready`` → ``voting``): needs the joint key and an issuer key per ballot style."""
        promise = _components(request).election.open_channels(body.channels)
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post(
        "/close", response_model=EntryAck, responses=error_responses(*auth_codes, "wrong_phase", "close_too_early")
    )
    def close(request: Request, role: OperatorRole, body: Annotated[CloseRequest | None, Body()] = None) -> EntryAck:
        """Close voting: the registrar stops issuing, its final counts and the ``close`` entry (with the server's
        time, and the operator's reason when it closes before ``voting_closes`` where the manifest allows that) are
        appended in one transaction."""
        c = _components(request)
        reason = body.reason if body is not None else None
        manifest = c.election.state().require_manifest()
        # In this order: a close that will be refused stops nothing; once issuance has stopped no credential can be
        # issued (and no ballot cast with it) between the count and the close, so ballots ≤ credentials holds.
        c.election.check_close_allowed(reason)
        if c.registrar is None:  # a ballot box: the separate registrar has posted its final counts already
            if c.board.find_by_dedup_key("issuance:final") is None:
                raise ApiError(
                    "the registrar's final issuance counts are not on the board: "
                    "POST /v1/admin/issuance/final at the registrar first",
                    code="wrong_phase",
                )
            promise = c.election.close(None, reason=reason)
            return EntryAck(index=promise.index, promise=promise.to_text())
        c.registrar.issuer.stop_issuing(manifest.election_id)
        issuance = c.registrar.issuer.board_issuance_payload(manifest.election_id)
        promise = c.election.close(issuance, reason=reason)
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post(
        "/issuance/final",
        response_model=EntryAck,
        responses=error_responses(*auth_codes, "wrong_phase", "close_too_early", "duplicate_entry"),
    )
    def final_issuance(
        request: Request, role: OperatorRole, body: Annotated[CloseRequest | None, Body()] = None
    ) -> EntryAck:
        """A separate registrar's half of the close: when the close is allowed (same rule and ``reason`` as
        ``/close``), stop issuing and post the final ``issuance`` counts; the ballot box's ``/close`` follows."""
        c = _components(request)
        registrar = c.require_registrar()
        reason = body.reason if body is not None else None
        manifest = c.election.state().require_manifest()
        c.election.check_close_allowed(reason)
        registrar.issuer.stop_issuing(manifest.election_id)
        promise = c.election.post_final_issuance(registrar.issuer.board_issuance_payload(manifest.election_id))
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post(
        "/annul",
        response_model=EntryAck,
        responses=error_responses(
            *auth_codes, "wrong_phase", "invalid_annulment", "unknown_id", "duplicate_entry", "malformed"
        ),
    )
    def annul_precinct(request: Request, body: Annulment, role: OperatorRole) -> EntryAck:
        """Annul a precinct (phase ``closed``, before the tally): a ``precinct_annulment`` entry signed by the
        commission's key (the manifest's ``commission_key``, which only the commission holds: the body carries the
        signed payload; without one, the manifest's ``registrar_key``, with which the server signs) goes on the board
        and the tally then leaves that precinct's ballots out of every sum (docs/spec/record.md §2.17)."""
        c = _components(request)
        manifest = c.election.state().require_manifest()
        fields = (body.precinct_id, body.reason, body.legal_basis)
        try:
            if body.annulment is not None:
                if any(f is not None for f in fields):
                    raise ApiError("give the signed annulment alone, or its fields alone", code="malformed")
                annulment = PrecinctAnnulment.from_payload(body.annulment)
            else:
                if body.precinct_id is None or body.reason is None or body.legal_basis is None:
                    raise ApiError("precinct_id, reason and legal_basis (or a signed annulment)", code="malformed")
                if manifest.commission_key is not None:
                    raise ApiError(
                        "the manifest pins a commission key: the commission signs the annulment with it and posts "
                        "the signed payload (shailoo admin annul --commission-keystore); the server does not hold it",
                        code="invalid_annulment",
                    )
                key = c.require_registrar().identity_settings.registrar_signing_key
                annulment = sign_precinct_annulment(key, manifest, body.precinct_id, body.reason, body.legal_basis)
        except ShailooError as e:
            raise ApiError(e.message, code=e.code) from e
        promise = c.election.annul_precinct(annulment)
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post(
        "/tally", response_model=EntryAck, responses=error_responses(*auth_codes, "wrong_phase", "tally_mismatch")
    )
    def start_tally(request: Request, body: TallyStart, role: OperatorRole) -> EntryAck:
        """Weed, aggregate and post the encrypted tally (phase ``closed``): a function of the board, registered
        voters from the registrar's ``register_counts``. Again later: the tally is computed again from the board and
        the posted entry returned if it is the same (``tally_mismatch`` if it were not)."""
        promise = _components(request).tally.start()
        return EntryAck(index=promise.index, promise=promise.to_text())

    @router.post("/results", responses=error_responses(*auth_codes, "wrong_phase", "not_enough_shares"))
    def publish_results(request: Request, role: OperatorRole) -> dict[str, Any]:
        """Combine the trustees' shares (k needed), decode, run the rules engine, post ``result``. Once posted
        (the server posts it as soon as k trustees' shares are valid), the posted results are answered again."""
        c = _components(request)
        posted = c.board.find_by_dedup_key("result")
        if posted is not None:
            results: dict[str, Any] = dict(posted.payload["results"])
            return results
        published = c.tally.combine_if_ready()
        if published is None:
            raise ApiError("fewer than k trustees have posted valid decryption shares", code="not_enough_shares")
        return published.results.to_canonical_dict()

    return router
