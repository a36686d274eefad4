"""A precinct day on the real server: an election set up through the server harness, precinct devices registered,
the precinct endpoints mounted, and helpers to make scanner records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bulletin_board.entries import EntryKind
from crypto.blind_rsa import BlindRsaPrivateKey
from elections.manifest import Manifest
from identity.credentials import IssuerKeys
from mobile_api.client import VoterClient
from precinct.devices import DeviceIdentity, register_device
from precinct.kiosk import Kiosk
from precinct.link import HttpLink
from precinct.outbox import Outbox
from precinct.scanner import ScannerRecord, printed_boxes
from precinct.server_api import build_precinct_router
from precinct.urn import CountingUrn
from tests.server.harness import Election

PRECINCT = "pr0001"
KEYS_FILE = Path(__file__).parent / "data" / "issuer_keys.json"


def distinct_issuer_keys(manifest: Manifest) -> IssuerKeys:
    """One pinned test key per ballot style (the observers' verifier refuses styles that share a key)."""
    hexes = json.loads(KEYS_FILE.read_text())["private_keys"]
    styles = sorted(s.style_id for s in manifest.ballot_styles)
    return IssuerKeys(
        {s: BlindRsaPrivateKey.from_bytes(bytes.fromhex(h), min_bits=2048) for s, h in zip(styles, hexes, strict=False)}
    )


def style_of(manifest: Manifest, precinct_id: str) -> str:
    precinct = next(p for p in manifest.precincts if p.precinct_id == precinct_id)
    return next(
        s.style_id
        for s in manifest.ballot_styles
        if s.region_id == precinct.region_id and precinct.district_id in s.district_ids
    )


def sheets(manifest: Manifest, count: int, *, style_id: str, precinct_id: str = PRECINCT) -> Iterator[ScannerRecord]:
    """Sheet i marks box (i mod 5) + 1 of every contest; every 20th sheet is an overvote (two boxes marked)."""
    style = manifest.ballot_style(style_id)
    for i in range(1, count + 1):
        contests = []
        for contest_id in style.contest_ids:
            boxes = len(printed_boxes(manifest.contest(contest_id)))
            marked = (1, 2) if i % 20 == 0 else ((i % 5) % boxes + 1,)
            contests.append((contest_id, marked, ()))
        yield ScannerRecord(precinct_id, i, style_id, tuple(contests))


@dataclass
class PrecinctDay:
    """The server election plus the devices of one precinct."""

    election: Election
    tmp: Path
    devices: dict[str, DeviceIdentity] = field(default_factory=dict)

    @classmethod
    def open(cls, tmp: Path, *, kiosks: int = 0, urns: int = 1, preset: str = "president") -> PrecinctDay:
        election = Election(tmp, preset=preset)
        if not any(getattr(r, "path", "") == "/v1/precinct/batches" for r in election.app.routes):
            election.app.include_router(build_precinct_router(election.components.board))
        day = cls(election, tmp)
        election.load_manifest()
        election.key_ceremony()
        keys = distinct_issuer_keys(election.manifest)
        election.components.election.post_issuer_keys(keys.public_keys())
        election.components.install_issuer_keys(keys)
        for i in range(urns):
            day.register(f"urn-{PRECINCT}-{i + 1}", "urn")
        for i in range(kiosks):
            day.register(f"kiosk-{PRECINCT}-{i + 1}", "kiosk")
        election.open_voting()
        return day

    def register(self, device_id: str, role: str, precinct_id: str = PRECINCT) -> DeviceIdentity:
        identity = DeviceIdentity.generate(device_id, role, precinct_id)
        register_device(self.election.components.board, self.election.manifest, identity.record())
        self.devices[device_id] = identity
        return identity

    @property
    def board(self):  # type: ignore[no-untyped-def]
        return self.election.components.board

    def base_hash(self) -> bytes:
        opened = self.board.find_by_dedup_key("channels_open")
        assert opened is not None
        return bytes.fromhex(opened.payload["election_base_hash"])

    def urn(self, device_id: str, *, batch_size: int = 50) -> CountingUrn:
        return CountingUrn(
            self.devices[device_id],
            self.election.manifest,
            joint_public_key=self.election.joint_key.joint_public_key,
            base_hash=self.base_hash(),
            outbox=Outbox(self.tmp / f"{device_id}.sqlite3"),
            batch_size=batch_size,
        )

    def link(self) -> HttpLink:
        return HttpLink(self.election.http)

    def tally_and_decrypt(self) -> dict[str, object]:
        self.election.close_and_tally()
        for trustee in (1, 3, 5):
            response = self.election.post_shares(trustee)
            assert response.status_code == 200, response.text
        result = self.board.find_by_dedup_key("result")
        assert result is not None and result.kind is EntryKind.RESULT
        return dict(result.payload)

    def close(self) -> None:
        self.election.close()


def verify_board(day: PrecinctDay) -> dict[int, object]:
    """Export the board and run the observers' verifier; returns check number → result."""
    from bulletin_board.export import write_export
    from observer.board_export import load_export
    from observer.context import VerifyOptions
    from observer.verify import run_checks

    day.board.integrate()
    path = day.tmp / "export.jsonl"
    with path.open("wb") as f:
        write_export(day.board, f)
    report = run_checks(load_export(path), VerifyOptions(min_issuer_bits=2048))
    return {c.number: c for c in report.checks}


class FlakyTransport(httpx.BaseTransport):
    """A link that works (``up``), fails to connect (``down``), delivers requests but loses every answer
    (``lose_answers``: the server acted, the device never heard), or changes one field of a cast's receipt
    (``relabel_fingerprint``: a receipt naming another credential, the rest genuine)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.mode = "up"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.mode == "down":
            raise httpx.ConnectError("the link is down", request=request)
        response = self.inner.handle_request(request)
        if self.mode == "lose_answers":
            response.read()
            raise httpx.ReadError("the answer was lost", request=request)
        if self.mode == "relabel_fingerprint" and request.url.path == "/v1/ballots" and response.status_code == 200:
            response.read()
            receipt = {**response.json(), "credential_fingerprint": "AAAA-AAAA-AAAA-AAAA"}
            return httpx.Response(200, json=receipt, request=request)
        return response


def kiosk_for(day: PrecinctDay, device_id: str, *, poll_worker_pin: str | None = None) -> tuple[Kiosk, FlakyTransport]:
    transport = FlakyTransport(day.election.http._transport)
    http = httpx.Client(transport=transport, base_url="http://shailoo.test")
    kiosk = Kiosk(
        day.devices[device_id],
        VoterClient(http),
        Outbox(day.tmp / f"{device_id}.sqlite3"),
        batch_link=HttpLink(http),
        poll_worker_pin=poll_worker_pin,
    )
    return kiosk, transport


def box_one_as_box_two(honest: Any) -> Any:
    """A tampered urn's `encrypt_paper_ballot`: it prints the true counts but encrypts every vote for box 1 as a
    vote for box 2 (signed, chained and proved like an honest one; only reconciliation catches it)."""
    from elections.paper import PaperBallot, PaperContest

    def tampered(manifest: Any, reading: PaperBallot, sheet: int, **kwargs: Any) -> Any:
        moved = []
        for c in reading.contests:
            vector = c.vector
            if vector is not None and vector[0] == 1:
                vector = (0, 1, *vector[2:])
            moved.append(PaperContest(**{**c.model_dump(), "vector": vector}))
        return honest(manifest, PaperBallot(style_id=reading.style_id, contests=tuple(moved)), sheet, **kwargs)

    return tampered
