"""Air-gapped trustees: request and response files carried on a USB stick (docs/trustees.md, "Air-gapped").

The coordinator writes a *request*: the board's first ``size`` entries and the RFC 9162 root of those entries
(the hash of the board state the trustee answers), the trustee's index and the purpose (key ceremony or
decryption). The offline laptop checks the root against the entries, runs the trustee's next steps on them
(`trustees.ceremony_steps.trustee_step` or `trustees.decryption.decryption_step`), seals its keystore and writes a
*response*: the posts, the request's hash, and the same ``size`` and root. The coordinator imports it only if

* the root is the root of ITS board's first ``size`` entries (same election, same history: a file for another
  board or a forked one is refused),
* the request it would write for that trustee at that size hashes to the response's ``answers`` (a response
  for another trustee or purpose is refused), and
* the trustee has posted nothing since ``size`` but what this response holds (a response to an old request is
  stale; importing the same response twice is a harmless retry),

then checks and appends every post like any other (`BoardTransport`). Every file is RFC 8785 canonical JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from bulletin_board import merkle
from bulletin_board.entries import Entry, EntryKind, payload_hash
from bulletin_board.log import BulletinBoard
from crypto.canonical import canonical_json, record_hash
from crypto.errors import ShailooError
from record.ceremony import (
    Post,
    ceremony_context,
    checked_key,
    commitment_key,
    manifest_payload_hash,
    shares_key,
)
from record.trustee_posts import SIGNED_KINDS, post_trustee
from trustees.ceremony_steps import CeremonyStatus, trustee_step
from trustees.coordinator import BoardTransport, CeremonyParams
from trustees.decryption import DecryptionStatus, decryption_step, read_tally, share_slot
from trustees.errors import StaleRequestError, TrusteeError
from trustees.identity import authenticate_post, board_manifest
from trustees.keystore import write_file_atomically
from trustees.keystore_contents import SecretsStore, TrusteeSecrets

REQUEST_FORMAT: Final = "shailoo-trustee-request"
RESPONSE_FORMAT: Final = "shailoo-trustee-response"
FILE_VERSION: Final = 1


class Purpose(StrEnum):
    """What the trustee is asked to do with the board it is shown."""

    KEY_CEREMONY = "key_ceremony"
    DECRYPTION = "decryption"


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"index": entry.index, "kind": entry.kind.value, "payload": dict(entry.payload)}


def board_root(entries: Sequence[Entry]) -> bytes:
    """RFC 9162 root of ``entries`` (the board's first ``len(entries)`` entries, in order)."""
    return merkle.root([e.entry_hash for e in entries])


def _request_body(entries: Sequence[Entry], trustee: int, purpose: Purpose) -> dict[str, Any]:
    return {
        "format": REQUEST_FORMAT,
        "version": FILE_VERSION,
        "purpose": purpose.value,
        "trustee": trustee,
        "board": {"size": len(entries), "root": board_root(entries).hex()},
        "entries": [_entry_json(e) for e in entries],
    }


def request_hash(body: Mapping[str, Any]) -> bytes:
    """``record_hash("trustee/airgap/request", body)`` over the request without its own hash."""
    return record_hash("trustee/airgap/request", dict(body))


def make_request(entries: Sequence[Entry], trustee: int, purpose: Purpose) -> dict[str, Any]:
    """The request for ``trustee`` over the board's entries (all of them, in order from index 0)."""
    if [e.index for e in entries] != list(range(len(entries))):
        raise TrusteeError("a request carries the board from its first entry, in order", code="invalid_parameters")
    body = _request_body(entries, trustee, purpose)
    return {**body, "request_hash": request_hash(body).hex()}


def _parse_entries(items: object) -> list[Entry]:
    if not isinstance(items, list):
        raise StaleRequestError("the request's entries are not a list")
    entries = [Entry.create(item["index"], item["kind"], item["payload"]) for item in items]
    if [e.index for e in entries] != list(range(len(entries))):
        raise StaleRequestError("the request's entries are not the board from index 0 in order")
    return entries


def read_request(document: Mapping[str, Any]) -> tuple[list[Entry], int, Purpose]:
    """Check a request (format, its hash, the root of its entries) and return (entries, trustee, purpose)."""
    try:
        if document.get("format") != REQUEST_FORMAT or document.get("version") != FILE_VERSION:
            raise StaleRequestError("this file is not a Shailoo trustee request of a known version")
        body = {key: value for key, value in document.items() if key != "request_hash"}
        if request_hash(body).hex() != document.get("request_hash"):
            raise StaleRequestError("the request file was altered: its hash does not match its contents")
        entries = _parse_entries(document["entries"])
        board = document["board"]
        if board["size"] != len(entries) or board["root"] != board_root(entries).hex():
            raise StaleRequestError("the request's entries do not hash to the board root it states")
        return entries, int(document["trustee"]), Purpose(document["purpose"])
    except StaleRequestError:
        raise
    except (KeyError, TypeError, ValueError, ShailooError) as e:
        raise StaleRequestError(f"the request file is malformed: {e}") from e


class RequestTransport:
    """A `CeremonyTransport` over a request's entries: posts are collected for the response and shown back to
    the trustee as if appended, so one trip can cover every step the board already allows."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = list(entries)
        self.posts: list[Post] = []

    def read_entries(self) -> list[Entry]:
        size = len(self._entries)
        pending = [Entry.create(size + i, p.kind, p.payload) for i, p in enumerate(self.posts)]
        return self._entries + pending

    def post(self, posts: Sequence[Post]) -> None:
        self.posts.extend(posts)


def respond(
    store: SecretsStore, request: Mapping[str, Any]
) -> tuple[dict[str, Any], CeremonyStatus | DecryptionStatus]:
    """On the offline laptop: answer ``request`` with this trustee's posts, sealing the keystore first."""
    entries, trustee, purpose = read_request(request)
    secrets_ = TrusteeSecrets.from_dict(store.secrets)
    if trustee != secrets_.index:
        raise StaleRequestError(f"this request is for trustee {trustee}; this keystore is trustee {secrets_.index}'s")
    transport = RequestTransport(entries)
    status: CeremonyStatus | DecryptionStatus
    if purpose is Purpose.KEY_CEREMONY:
        for _ in range(6):
            before = secrets_.to_dict()
            posts, status = trustee_step(secrets_, transport.read_entries())
            if secrets_.to_dict() != before:
                store.save(secrets_.to_dict())
            if not posts:
                break
            transport.post(posts)
    else:
        posts, status = decryption_step(secrets_, entries)
        transport.post(posts)
    response = {
        "format": RESPONSE_FORMAT,
        "version": FILE_VERSION,
        "purpose": purpose.value,
        "trustee": trustee,
        "answers": request["request_hash"],
        "board": dict(request["board"]),
        "posts": [p.to_dict() for p in transport.posts],
        "post_hashes": [payload_hash(p.kind, p.payload).hex() for p in transport.posts],
    }
    return response, status


def response_pieces(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``response`` cut into pieces of one post each (same header, every post's hash declared), so the coordinator
    can import a large response — a trustee's decryption shares of a big tally, in many parts — one request at a
    time under the server's body limit. Importing the pieces in any order equals importing the whole response."""
    posts = list(response.get("posts", []))
    if len(posts) <= 1:
        return [dict(response)]
    declared = response.get("post_hashes") or [
        payload_hash(EntryKind.parse(p["kind"]), p["payload"]).hex() for p in posts
    ]
    return [{**response, "posts": [post], "post_hashes": declared} for post in posts]


def _parts(entries: Sequence[Entry]) -> int:
    """The decryption-share part count of the tally among ``entries`` (1 when there is none yet)."""
    try:
        return read_tally(entries).parts
    except TrusteeError:
        return 1


def _trustee_slots(entries: Sequence[Entry], params: CeremonyParams, trustee: int, parts: int = 1) -> list[str]:
    slots = [share_slot(trustee, part) for part in range(parts)]
    try:
        context = ceremony_context(manifest_payload_hash(entries), params.n, params.k, params.attempt)
    except TrusteeError:
        return slots
    return [*slots, commitment_key(context, trustee), shares_key(context, trustee), checked_key(context, trustee)]


def import_response(board: BulletinBoard, params: CeremonyParams, response: Mapping[str, Any]) -> list[Post]:
    """On the coordinator: check ``response`` against the board and append its posts; returns those appended.

    `StaleRequestError` (``stale_request``) for a response to another board, trustee or purpose, or to an old
    request; the posts themselves are checked like any other (nothing is written if the first one fails).
    """
    try:
        if response.get("format") != RESPONSE_FORMAT or response.get("version") != FILE_VERSION:
            raise StaleRequestError("this file is not a Shailoo trustee response of a known version")
        size, root = int(response["board"]["size"]), str(response["board"]["root"])
        trustee, purpose = int(response["trustee"]), Purpose(response["purpose"])
        posts = [Post.from_dict(p) for p in response["posts"]]
    except StaleRequestError:
        raise
    except (KeyError, TypeError, ValueError, ShailooError) as e:
        raise StaleRequestError(f"the response file is malformed: {e}") from e
    if not 0 <= size <= board.size:
        raise StaleRequestError("the response answers a board larger than this one: another board?")
    prefix = board.entries(0, size)
    if board_root(prefix).hex() != root:
        raise StaleRequestError("the response answers another board (its root is not this board's at that size)")
    if make_request(prefix, trustee, purpose)["request_hash"] != response["answers"]:
        raise StaleRequestError("the response does not answer a request of this board for this trustee and purpose")
    # The response's posts, by payload hash; a piece of a response (`response_pieces`) declares them all.
    hashes = {payload_hash(p.kind, p.payload).hex() for p in posts}
    declared = set(response.get("post_hashes") or hashes)
    if not hashes <= declared:
        raise StaleRequestError("the response holds a post its post_hashes do not declare")
    for slot in _trustee_slots(prefix, params, trustee, _parts(prefix)):
        found = board.find_by_dedup_key(slot)
        # Posted since the request, and not by this very response (importing it twice is a harmless retry).
        if found is not None and found.index >= size and found.payload_hash.hex() not in declared:
            raise StaleRequestError(
                f"stale response: trustee {trustee} has posted since (entry {found.index}); write a new request"
            )
    if any(_post_trustee(p) not in (None, trustee) for p in posts):
        raise StaleRequestError(f"the response holds posts in another trustee's name than {trustee}")
    # Every post's signature before the first append, so a response with one forged post writes nothing.
    manifest = board_manifest(prefix)
    for post in posts:
        authenticate_post(manifest, post, allow_unauthenticated=params.allow_unauthenticated)
    transport = BoardTransport(board, params)
    appended = []
    for post in posts:
        if board.find_by_dedup_key(post.dedup_key) is None:
            transport.post([post])
            appended.append(post)
    return appended


def _post_trustee(post: Post) -> int | None:
    """The trustee a post speaks for (``None`` for the joint key, which anyone may post); a post naming none, or
    naming it with anything but an integer, is refused (`record.trustee_posts.post_trustee`)."""
    if post.kind.value not in SIGNED_KINDS:
        return None
    return post_trustee(post.kind.value, post.payload)


def write_json_file(path: Path, document: Mapping[str, Any]) -> None:
    """Write ``document`` as canonical JSON, atomically (the USB stick may be pulled at any moment)."""
    write_file_atomically(Path(path), canonical_json(dict(document)), mode=0o644)


def read_json_file(path: Path) -> dict[str, Any]:
    """A request or response file; `StaleRequestError` unless it holds a JSON object."""
    try:
        document = json.loads(Path(path).read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise StaleRequestError(f"{path} is not a JSON file") from e
    if not isinstance(document, dict):
        raise StaleRequestError(f"{path} does not hold a JSON object")
    return document
