"""Witness cosignatures received over HTTP (``POST /v1/board/cosignatures``, docs/server.md "Witnesses").

A witness follows the board (``GET /v1/board/tree-head``, ``GET /v1/board/proofs/consistency``), checks that each
new head extends the last one it cosigned, and posts its cosignature here. The server keeps it only if

1. it decodes strictly (`bulletin_board.checkpoint.WitnessCosignature.from_json`: ``malformed``, ``non_canonical``);
2. its witness is on the manifest's witness roster *with that key* (``unknown_witness``) — the key is what a
   verifier pins, so a cosignature under a roster name and another key is an impostor's. Without a roster only a
   development server takes cosignatures, as it takes unauthenticated trustee posts, and never lets a second key
   replace the cosignature a witness name already holds for that head (``witness_key_conflict``);
3. the board signed a head of that size (``entry_not_found``) and the cosignature verifies over it under the
   witness's key (``invalid_checkpoint``: `BulletinBoard.add_cosignature`).
"""

from __future__ import annotations

from bulletin_board.checkpoint import WitnessCosignature
from bulletin_board.log import BulletinBoard
from crypto.signing import decode_public_key
from elections.manifest import Manifest
from mobile_api.errors import ApiError


def accept_cosignature(
    board: BulletinBoard, manifest: Manifest | None, cosignature: WitnessCosignature, *, allow_unlisted: bool
) -> None:
    """Check ``cosignature`` as the module docstring says and keep it; raises `ApiError` or a board error."""
    name = cosignature.witness
    roster = manifest.witness_keys() if manifest is not None else {}
    if roster:
        if roster.get(name) != cosignature.witness_key:
            listed = "is not on the manifest's witness roster" if name not in roster else "signs with another key"
            raise ApiError(
                f"witness {name!r} {listed}: only the roster's witnesses, under their roster keys, cosign this board",
                code="unknown_witness",
            )
    elif not allow_unlisted:
        raise ApiError(
            "the manifest names no witness roster, so no cosignature can be authenticated; the commission lists its "
            "witnesses (name and key) in the manifest",
            code="unknown_witness",
        )
    else:
        held = {c.witness: c.witness_key for c in board.cosignatures(cosignature.size)}
        if held.get(name, cosignature.witness_key) != cosignature.witness_key:
            raise ApiError(
                f"witness {name!r} already cosigned the head of size {cosignature.size} with another key",
                code="witness_key_conflict",
            )
    board.add_cosignature(cosignature.size, cosignature.cosignature, decode_public_key(cosignature.witness_key))
