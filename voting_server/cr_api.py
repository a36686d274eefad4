"""The coercion-resistant mode over HTTP: registration (``POST /v1/cr/credentials``) and casting
(``POST /v1/cr/ballots``); docs/server.md, "The coercion-resistant mode".

Registration: a voter identified by the usual flow (face check, or a precinct device's attestation) sends her
session id and her device's designated-verifier key D = d·G. The registrar takes her slot (once per voter:
``already_identified``), makes the credential secret s, posts Enc(S) as the next ``cr_roster`` entry (position n,
dedup key ``cr_roster:<n>``) and answers s with the designated-verifier proof (`crypto.credentials`, context
`record.cr_board.roster_proof_context`) that entry n holds S = s·G. The proof convinces only the holder of d: with
d the device simulates the same proof for any fake s′ (`simulate_roster_credential`). Trust stated plainly: in this
demo-grade flow the registrar (this server) learns s, so it could cast with it (docs/security.md).

A ``cr_ballot`` (`record.cr_ballot`) carries no credential key, so the server cannot tell a voter's ballots apart
and never tries: it checks the ballot strictly and completely, as check 47 of the verifier does, and posts it. The
order of checks, each refusal with its stable code and nothing written:

1. the election is in this mode (``wrong_mode``) and voting (``wrong_phase``), inside its window
   (``outside_voting_window``);
2. the payload reads strictly (``malformed``, ``non_canonical``, ``invalid_point``: `CrBallot.from_payload`);
3. it is for this election (``wrong_election``) and has exactly the mode's contests (``wrong_ballot_style``);
4. every proof verifies against the election base hash and the joint key (``invalid_proof``).

A retry of the same ballot (same canonical bytes) returns the first receipt: the board's dedup key is
``cr_ballot:<hash of the canonical payload>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from bulletin_board.entries import EntryKind
from bulletin_board.errors import DuplicateEntryError
from bulletin_board.phases import Phase
from crypto.canonical import canonical_json
from crypto.credentials import encrypt_credential, prove_roster_credential
from crypto.group import Point, Scalar
from elections.manifest import Manifest
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from record.ballot import election_base_hash
from record.cr_ballot import CrBallot, check_cr_ballot
from record.cr_board import make_roster_post, roster_proof_context
from record.cr_tally import bits_by_contest
from record.window import VotingWindow
from voting_server.components import Components
from voting_server.election import ElectionService

MODE: Final = "coercion_resistant"
HASH_TAG: Final = b"shailoo/cr-ballot-hash\x00"


class CrRegistrationRequest(BaseModel):
    """An identified session and the device's designated-verifier key (hex of a compressed P-256 point)."""

    session_id: str = Field(min_length=1, max_length=200)
    device_key: str = Field(min_length=66, max_length=66)


class CrRegistration(BaseModel):
    """The voter's credential: her roster position, the credential secret s, the roster entry Enc(S) and the
    designated-verifier proof that it holds S (all hex)."""

    style_id: str
    position: int
    credential_secret: str
    roster_credential: str
    proof: str


def register_cr_voter(components: Components, request: CrRegistrationRequest) -> CrRegistration:
    """Register an identified voter in the coercion-resistant mode (module docstring)."""
    election = components.election
    manifest = election.state().require_manifest()
    if manifest.policy.mode != MODE:
        raise ApiError("this election is not in the coercion-resistant mode", code="wrong_mode")
    device = Point.from_hex(request.device_key)  # validated: ``invalid_point`` / ``non_canonical``
    base = cr_base_hash(election)
    state = election.state()
    assert state.joint_key is not None  # cr_base_hash checked it
    key = state.joint_key.joint_public_key
    manifest, style_id = components.registrar.claim_identified(request.session_id)
    secret, nonce = Scalar.random(), Scalar.random()
    credential = encrypt_credential(key, secret, nonce)
    signer = components.registrar.identity_settings.registrar_signing_key
    position = _next_roster_position(election)
    while True:
        try:
            election.board.append(
                EntryKind.CR_ROSTER,
                make_roster_post(signer, manifest, position, credential),
                dedup_key=f"cr_roster:{position}",
            )
            break
        except DuplicateEntryError:  # another worker took that position: the next one
            position += 1
    proof = prove_roster_credential(roster_proof_context(base, position), key, secret, credential, nonce, device)
    return CrRegistration(
        style_id=style_id,
        position=position,
        credential_secret=secret.to_bytes().hex(),
        roster_credential=credential.to_bytes().hex(),
        proof=proof.to_bytes().hex(),
    )


def _next_roster_position(election: ElectionService) -> int:
    """The first position without a ``cr_roster`` entry (positions are consecutive from 0)."""
    low, high = 0, 1
    while election.board.find_by_dedup_key(f"cr_roster:{high - 1}") is not None:
        low, high = high, high * 2
    while low < high:  # the first free position is in [low, high)
        mid = (low + high) // 2
        if election.board.find_by_dedup_key(f"cr_roster:{mid}") is not None:
            low = mid + 1
        else:
            high = mid
    return low


class CrReceipt(BaseModel):
    """Where a coercion-resistant ballot is on the board: its entry index and the hash of its canonical payload."""

    entry_index: int
    ballot_hash: str


def cr_ballot_hash(payload: Mapping[str, Any]) -> bytes:
    """SHA-256 of a domain tag and the ballot's canonical JSON (the board's dedup key and the voter's receipt)."""
    return hashlib.sha256(HASH_TAG + canonical_json(dict(payload))).digest()


def cast_cr_ballot(election: ElectionService, payload: Mapping[str, Any]) -> CrReceipt:
    """Check a ``cr_ballot`` strictly and post it; the same ballot again gets the same receipt."""
    manifest = election.state().require_manifest()
    if manifest.policy.mode != MODE:
        raise ApiError("this election is not in the coercion-resistant mode", code="wrong_mode")
    if election.phase is not Phase.VOTING:
        raise ApiError(
            f"the election is {election.phase.value}: ballots are accepted only while voting", code="wrong_phase"
        )
    state = election.state()
    if state.joint_key is None:
        raise ApiError("the election key is not on the board yet", code="wrong_phase")
    ballot = CrBallot.from_payload(payload)
    canonical = ballot.to_payload()
    ballot_hash = cr_ballot_hash(canonical)
    existing = election.board.find_by_dedup_key(f"cr_ballot:{ballot_hash.hex()}")
    if existing is not None:
        return CrReceipt(entry_index=existing.index, ballot_hash=ballot_hash.hex())
    VotingWindow.of(manifest).check_open(election.clock(), "ballots")
    check_mode_ballot(manifest, ballot, cr_base_hash(election), state.joint_key.joint_public_key)
    try:
        promise = election.board.append(EntryKind.CR_BALLOT, canonical, dedup_key=f"cr_ballot:{ballot_hash.hex()}")
    except DuplicateEntryError:  # a concurrent retry of the very same ballot posted it first
        found = election.board.find_by_dedup_key(f"cr_ballot:{ballot_hash.hex()}")
        assert found is not None
        return CrReceipt(entry_index=found.index, ballot_hash=ballot_hash.hex())
    return CrReceipt(entry_index=promise.index, ballot_hash=ballot_hash.hex())


def cr_base_hash(election: ElectionService) -> bytes:
    """The election base hash of this mode: manifest, joint key and whatever issuer keys the board holds (none in a
    pure coercion-resistant election), exactly as the verifier's check 15 recomputes it."""
    state = election.state()
    manifest = state.require_manifest()
    if state.joint_key is None:
        raise ApiError("the election key is not on the board yet", code="wrong_phase")
    return election_base_hash(manifest, state.joint_key.joint_public_key, state.issuer_keys)


def check_mode_ballot(manifest: Manifest, ballot: CrBallot, base_hash: bytes, public_key: Any) -> None:
    """Check 47's test of one ballot: its style's contests with their bit widths, then every proof."""
    bits = bits_by_contest(manifest, ballot.style_id)  # an unknown style: ``unknown_id``
    check_cr_ballot(ballot, base_hash, public_key, manifest.election_id, bits)


def build_cr_router() -> APIRouter:
    router = APIRouter(prefix="/v1/cr", tags=["coercion-resistant"])

    @router.post(
        "/credentials",
        response_model=CrRegistration,
        responses=error_responses(
            "wrong_mode",
            "wrong_phase",
            "outside_voting_window",
            "not_found",
            "identification_failed",
            "already_identified",
            "invalid_point",
            "non_canonical",
        ),
    )
    def register(request: Request, body: CrRegistrationRequest) -> CrRegistration:
        """An identified voter's credential with its designated-verifier proof; her encrypted credential goes on
        the roster."""
        return register_cr_voter(request.app.state.components, body)

    @router.post(
        "/ballots",
        response_model=CrReceipt,
        responses=error_responses(
            "wrong_mode",
            "wrong_phase",
            "outside_voting_window",
            "malformed",
            "non_canonical",
            "invalid_point",
            "wrong_election",
            "wrong_ballot_style",
            "invalid_proof",
        ),
    )
    def cast(request: Request, ballot: dict[str, Any]) -> CrReceipt:
        """Cast a coercion-resistant ballot (no credential key; an encrypted credential with its proof)."""
        components: Components = request.app.state.components
        return cast_cr_ballot(components.election, ballot)

    return router
