"""The trustees' API (``/v1/trustees``): key-ceremony posts and decryption shares.

Nothing a trustee sends is trusted: every post must be signed by the identity key the manifest's roster gives
its trustee (``trustee_unauthenticated`` otherwise; without a roster, only a development server takes posts), a
ceremony post is checked by the trustees package's coordinator checks
(`trustees.coordinator.accept_post`: proofs of knowledge, slots, the ceremony's own rules) and decryption shares are
batch-verified against the trustee's public share before anything reaches the board.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from bulletin_board.entries import DECRYPTION_SHARES_PER_PART, Entry
from crypto.threshold import DecryptionShare
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from record.ceremony import Post
from trustees.airgap import Purpose, import_response, make_request
from trustees.coordinator import accept_post
from voting_server.components import Components


class CeremonyPost(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    payload: dict[str, Any]
    dedup_key: str = Field(min_length=1, max_length=200)


class SharesPost(BaseModel):
    """A trustee's ``decryption_share`` payload; ``signature`` by its roster identity key (docs/trustees.md)."""

    model_config = ConfigDict(extra="forbid")
    trustee: int = Field(ge=1)
    shares: list[str]
    tally_entry: int | None = Field(default=None, ge=0)
    part: int = Field(default=0, ge=0)
    parts: int | None = Field(default=None, ge=1)
    signature: str | None = Field(default=None, max_length=128)


def _components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"index": entry.index, "kind": entry.kind.value, "payload": entry.payload}


def build_trustee_router() -> APIRouter:
    router = APIRouter(prefix="/v1/trustees", tags=["trustees"])

    @router.get("/ceremony")
    def ceremony(request: Request) -> dict[str, Any]:
        """The ceremony parameters (n, k) and the board entries a trustee reads."""
        c = _components(request)
        return {
            "n": c.ceremony.n,
            "k": c.ceremony.k,
            "entries": [_entry_json(e) for e in c.board.entries(0, c.board.size)],
        }

    @router.post(
        "/posts",
        responses=error_responses(
            "wrong_phase", "invalid_entry", "slot_taken", "invalid_proof", "trustee_unauthenticated"
        ),
    )
    def post(request: Request, body: CeremonyPost) -> dict[str, Any]:
        """A key-ceremony post (commitment, encrypted shares, complaints, joint key), checked then appended."""
        c = _components(request)
        appended = accept_post(c.board, c.ceremony, Post.from_dict(body.model_dump()))
        return {"appended": appended}

    @router.get("/tally", responses=error_responses("wrong_phase"))
    def tally(request: Request) -> dict[str, Any]:
        """The encrypted tally to decrypt: its entry index, the proof context, the positions and ciphertexts, and
        in how many parts (of ``shares_per_part`` shares, in position order) the shares are posted."""
        posted = _components(request).tally.posted_tally()
        return {
            "tally_entry": posted.entry.index,
            "parts": posted.parts,
            "shares_per_part": DECRYPTION_SHARES_PER_PART,
            "context": posted.context.hex(),
            "positions": list(posted.positions),
            "ciphertexts": [ct.to_bytes().hex() for ct in posted.ciphertexts],
        }

    @router.post(
        "/decryption-shares",
        responses=error_responses(
            "wrong_phase", "invalid_decryption_share", "duplicate_entry", "trustee_unauthenticated"
        ),
    )
    def decryption_shares(request: Request, body: SharesPost) -> dict[str, Any]:
        """Part ``part`` of a trustee's decryption shares (one per ciphertext of ``GET /tally``, in parts of
        ``shares_per_part``), signed by its roster key; results follow once k trustees have posted every part."""
        c = _components(request)
        try:
            shares = [DecryptionShare.from_bytes(bytes.fromhex(h)) for h in body.shares]
        except ValueError as e:
            raise ApiError("decryption shares are hex", code="malformed") from e
        appended = c.tally.submit_share(
            body.trustee,
            shares,
            tally_entry=body.tally_entry,
            part=body.part,
            parts=body.parts,
            signature=body.signature,
            allow_unauthenticated=c.ceremony.allow_unauthenticated,
        )
        published = c.tally.combine_if_ready()
        return {"appended": appended, "results_published": published is not None}

    @router.get("/airgap/request", responses=error_responses("invalid_parameters"))
    def airgap_request(request: Request, trustee: int, purpose: Purpose) -> dict[str, Any]:
        """The request file for an air-gapped trustee: the board so far, its root, the trustee and the purpose."""
        c = _components(request)
        if not 1 <= trustee <= c.ceremony.n:
            raise ApiError(f"there is no trustee {trustee}", code="invalid_parameters")
        return make_request(c.board.entries(0, c.board.size), trustee, purpose)

    @router.post(
        "/airgap/response",
        responses=error_responses("stale_request", "invalid_decryption_share", "trustee_unauthenticated"),
    )
    def airgap_response(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Import an air-gapped trustee's response file: refused if stale, swapped or for another board."""
        c = _components(request)
        appended = import_response(c.board, c.ceremony, body)
        published = any(p.kind.value == "decryption_share" for p in appended) and c.tally.combine_if_ready()
        return {"appended": [p.dedup_key for p in appended], "results_published": bool(published)}

    return router
