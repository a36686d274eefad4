"""``shailoo demo``: a complete election in one command, in-process, on a temporary SQLite file.

The server is the real application (`voting_server.app.create_app`); voters use the real voter SDK
(`mobile_api.client.VoterClient`) over HTTP requests served in-process, so the demo exercises what a phone does.
Steps: manifest → 3-of-5 key ceremony → issuer keys → the registrar's signed register counts → voters (identify,
credential, encrypt, cast; some re-vote, some challenge) → close → tally → trustees 1, 3, 5 decrypt (2 and 4
absent) → results → board export.

The demo runs on the election day's clock (`ElectionDayClock`): the server, its board and the witness see the
preset's own dates — setup the evening before, voting from ``voting_opens``, the close at ``voting_closes`` — while
the clock runs at the speed of the wall clock in between, so the voting window is enforced as on a real day.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

DEMO_PRESETS = ("president", "parliament-2025", "parliament-2021", "referendum", "city", "village")
TRUSTEES_N, TRUSTEES_K = 5, 3
PRESENT_TRUSTEES = (1, 3, 5)
WITNESS_NAME = "observers.example/witness"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    preset: Annotated[str, typer.Option(help="Election preset: " + ", ".join(DEMO_PRESETS))] = "president",
    voters: Annotated[int, typer.Option(min=1, help="Number of voters")] = 200,
    faces: Annotated[Path | None, typer.Option(help="Folder of face photos (with MANIFEST.csv)")] = None,
    out: Annotated[Path, typer.Option(help="Where the board export and results are written")] = Path("out/demo"),
    issuer_bits: Annotated[int, typer.Option(help="Issuer RSA key size (3072 for any real election)")] = 3072,
    seed: Annotated[int, typer.Option(help="Seed of the simulated voters' choices (not of any protocol value)")] = 7,
    coercion_resistant: Annotated[
        bool,
        typer.Option(
            "--coercion-resistant",
            help="Run the election in the coercion-resistant mode (in process, library code of every role): "
            "some voters give a coercer fake credentials; only the real ones count",
        ),
    ] = False,
    coerced: Annotated[int, typer.Option(min=0, help="Coerced voters (with --coercion-resistant)")] = 3,
    spoilt: Annotated[
        int,
        typer.Option(
            min=0,
            help="Voters whose ballot holds, in every contest that has one, a number naming no valid choice (a "
            "preference beyond the list, 'against all' with a preference, too many marks); counted invalid "
            "(with --coercion-resistant)",
        ),
    ] = 0,
) -> None:
    """Run a complete verifiable election on this machine and explain each step."""
    if preset not in DEMO_PRESETS:
        raise typer.BadParameter(f"preset must be one of {', '.join(DEMO_PRESETS)}")
    console = Console()
    if coercion_resistant:
        _coercion_resistant_demo(console, preset, voters, min(coerced, voters), min(spoilt, voters), out, seed)
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shailoo-demo-") as tmp:
        run = DemoRun(console, preset, voters, faces, out, issuer_bits, seed, Path(tmp))
        run.execute()
    console.print(f"[dim]Total time: {time.perf_counter() - started:.1f} s[/dim]")


class ElectionDayClock:
    """Unix milliseconds on the election day: the wall clock shifted by an offset that `travel_to` sets."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms

    def travel_to(self, utc: str, *, plus_seconds: int = 0) -> None:
        from record.window import utc_ms

        self.offset_ms = utc_ms(utc) + plus_seconds * 1000 - time.time_ns() // 1_000_000


@dataclass
class VoterPlan:
    """A simulated voter: who they are, where they vote, what they choose."""

    personal_number: str
    style_id: str
    marks: dict[str, list[str]]
    revote_marks: dict[str, list[str]] | None = None
    challenge_first: bool = False
    #: With ``--faces``: the enrolment photo (registry template) and the photo the precinct camera takes.
    enrol_photo: Path | None = None
    probe_photo: Path | None = None


@dataclass
class DemoRun:
    console: Console
    preset: str
    voters: int
    faces: Path | None
    out: Path
    issuer_bits: int
    seed: int
    tmp: Path
    timings: dict[str, float] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)
    clock: ElectionDayClock = field(default_factory=ElectionDayClock)

    @contextmanager
    def step(self, title: str, name: str) -> Iterator[None]:
        self.console.rule(f"[bold cyan]{title}")
        t0 = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - t0

    def execute(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from bulletin_board.checkpoint import public_key_bytes
        from crypto import signing
        from elections.manifest import WitnessRosterEntry
        from elections.presets import build_preset
        from identity.settings import IdentitySettings
        from trustees.coordinator import CeremonyParams
        from trustees.in_process import new_trustee_stores, roster_for

        # Each trustee makes its identity key first (``shailoo trustee init``); the commission writes the public
        # keys into the manifest's roster, so every trustee post on the board is signed by an appointed trustee.
        self.trustee_stores = new_trustee_stores(CeremonyParams(TRUSTEES_N, TRUSTEES_K))
        # The witness's key too (``shailoo witness init``): the commission pins it on the manifest's witness roster,
        # and an observer's verifier counts its cosignatures under that key only.
        self.witness_key = Ed25519PrivateKey.generate()
        witness = WitnessRosterEntry(
            name=WITNESS_NAME, public_key=public_key_bytes(self.witness_key.public_key()).hex()
        )
        # The commission also pins the registrar's key, which signs the register counts (record.register).
        registrar_key = signing.public_key_bytes(IdentitySettings().registrar_signing_key)
        self.manifest = (
            build_preset(self.preset)
            .with_trustees(roster_for(self.trustee_stores), TRUSTEES_K)
            .with_witnesses([witness])
            .with_registrar_key(registrar_key)
        )
        self.console.print(
            Panel.fit(
                f"[bold]{self.manifest.name.en}[/bold]\n{self.manifest.name.ky}\n{self.manifest.name.ru}\n\n"
                f"{self.voters} voters, {len(self.manifest.ballot_styles)} ballot styles, "
                f"{sum(len(c.selections) for c in self.manifest.contests)} selections in "
                f"{len(self.manifest.contests)} contests",
                title="Shailoo demo election",
            )
        )
        self._start_issuer_key_generation()
        self.clock.travel_to(self.manifest.dates.voting_opens, plus_seconds=-12 * 3600)  # the evening before
        self._start_server()
        try:
            with self.step("1. The commission publishes the manifest", "manifest"):
                ack = self.admin("POST", "/v1/admin/manifest", json={"manifest": self.manifest.to_canonical_dict()})
                self.console.print(
                    f"manifest on the board at entry {ack['index']}, hash {self.manifest.manifest_hash().hex()[:16]}…, "
                    f"with the roster of {TRUSTEES_N} trustees and their identity keys"
                )
            with self.step(
                "2. Five trustees create the election key (3 of 5 needed to decrypt, no dealer)", "key ceremony"
            ):
                self._key_ceremony()
            with self.step("3. The registrar publishes one blind-signature key per ballot style", "issuer keys"):
                self._issuer_keys()
            with self.step("4. The registrar counts the voters on the register and signs the counts", "register"):
                self._register()
            with self.step("5. Voting opens", "open"):
                self._open()
            with self.step("6. Voters identify, get anonymous credentials, encrypt and cast", "voting"):
                self._vote()
                # A witness follows the board through the day (`shailoo witness run`): its cosignature of a head
                # covering every ballot carries a time inside the voting window, which check 24 holds the log's
                # own times to. Cosigning only at the export would date the ballots after the decryption.
                self._witness_cosigns()
            with self.step(
                "7. Voting closes; the server weeds and adds the ballots up, still encrypted", "close and tally"
            ):
                self.clock.travel_to(self.manifest.dates.voting_closes)
                self.admin("POST", "/v1/admin/close")
                self._witness_cosigns()
                self.console.print(f"voting closed at {self.manifest.dates.voting_closes} (the manifest's time)")
                ack = self.admin("POST", "/v1/admin/tally", json={})
                self.console.print(
                    f"encrypted tally posted at entry {ack['index']}: a function of the board alone (turnout against "
                    "the register counts), so anyone can compute it again"
                )
            with self.step("8. Trustees 1, 3 and 5 decrypt the tally (2 and 4 are absent)", "decryption"):
                self._decrypt()
            with self.step("9. Results", "results"):
                self._results()
            with self.step("10. The board export for observers", "export"):
                self._export()
            with self.step("11. An observer verifies everything from the export alone", "verification"):
                self._observe()
        finally:
            self.components.stop()
            self.http.close()
        self._summary()

    # --- server ---------------------------------------------------------------------------------------------

    def _start_server(self) -> None:
        from fastapi.testclient import TestClient

        from mobile_api.client import VoterClient
        from voting_server.app import create_app
        from voting_server.settings import DEVELOPMENT_OPERATOR_TOKEN, Settings

        settings = Settings(
            database_url=f"sqlite:///{self.tmp / 'shailoo.sqlite3'}",
            min_issuer_key_bits=min(self.issuer_bits, 3072),
            trustees_n=TRUSTEES_N,
            trustees_k=TRUSTEES_K,
            log_level="WARNING",
        )
        self.app = create_app(settings, clock=self.clock)
        self.components = self.app.state.components
        # An in-process HTTP client (httpx over the ASGI app): the exact requests a phone would send.
        self.http = TestClient(self.app, base_url="http://shailoo.demo")
        self.components.board.start()
        self.voter = VoterClient(self.http)
        self.operator_headers = {"Authorization": f"Bearer {DEVELOPMENT_OPERATOR_TOKEN}"}

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, headers=self.operator_headers, **kwargs)
        if response.status_code >= 400:
            body = response.json()
            self.console.print(
                Panel(
                    f"{method} {path} was refused: [bold]{body.get('code')}[/bold]\n{body.get('message')}",
                    title="The server refused a step of the demo",
                    border_style="red",
                )
            )
            raise typer.Exit(2)
        return response.json()

    # --- steps ----------------------------------------------------------------------------------------------

    def _key_ceremony(self) -> None:
        from trustees.coordinator import CeremonyParams
        from trustees.in_process import run_key_ceremony

        joint, _ = run_key_ceremony(self.components.board, CeremonyParams(TRUSTEES_N, TRUSTEES_K), self.trustee_stores)
        self.joint_key = joint
        self.console.print(
            f"joint key K = {joint.joint_public_key.hex()[:20]}… from trustees {list(joint.qualified)}; "
            f"every trustee's commitments, encrypted shares and checks are on the board, signed by its roster key"
        )

    def _start_issuer_key_generation(self) -> None:
        """Start making the RSA keys at once, in 2 processes: the slowest part of the setup overlaps the rest."""
        from concurrent.futures import ProcessPoolExecutor

        self._keygen_started = time.perf_counter()
        self._keygen_pool = ProcessPoolExecutor(max_workers=2)
        self._keygen = [
            (s.style_id, self._keygen_pool.submit(_generate_issuer_key, self.issuer_bits))
            for s in self.manifest.ballot_styles
        ]

    def _issuer_keys(self) -> None:
        from identity.credentials import IssuerKeys

        issuer = IssuerKeys({style_id: future.result() for style_id, future in self._keygen})
        self._keygen_pool.shutdown()
        elapsed = time.perf_counter() - self._keygen_started
        self.components.election.post_issuer_keys(issuer.public_keys())
        self.components.install_issuer_keys(issuer)
        self.console.print(
            f"{len(self._keygen)} RSA-{self.issuer_bits} keys (RFC 9474), one per ballot style, made in the background "
            f"in {elapsed:.1f} s (2 processes); public keys and fingerprints on the board"
        )

    def _register(self) -> None:
        """The register (the voters the demo will simulate) is imported, counted per ballot style and signed."""
        self.plans = self._plans()
        self._register_voters(self.plans)
        ack = self.admin("POST", "/v1/admin/register-counts")
        entry = self.components.board.entry(ack["index"])
        counts = entry.payload["counts"]
        self.console.print(
            f"{sum(counts.values())} voters on the register in {len(counts)} ballot styles; the registrar's signed "
            f"counts at entry {ack['index']} (turnout and the eligibility bound are measured against them)"
        )

    def _open(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from voting_server.identification import device_public_key

        self.device_key = Ed25519PrivateKey.generate()
        self.device_id = "precinct-0001-idterminal"
        self.admin(
            "POST",
            "/v1/admin/devices",
            json={"device_id": self.device_id, "public_key": device_public_key(self.device_key).hex()},
        )
        channels = sorted(self.manifest.policy.channels_open)
        self.channel = "app" if "app" in channels else "kiosk"
        self.clock.travel_to(self.manifest.dates.voting_opens)
        ack = self.admin("POST", "/v1/admin/channels/open", json={"channels": channels})
        self._witness_cosigns()
        base = self.voter.election().base_hash.hex()
        self.console.print(
            f"channels {channels} open at entry {ack['index']} at {self.manifest.dates.voting_opens}; "
            f"election base hash {base[:16]}…"
        )

    def _plans(self) -> list[VoterPlan]:
        rng = random.Random(self.seed)  # noqa: S311 - simulated voters' choices, never protocol randomness
        styles = list(self.manifest.ballot_styles)
        plans = []
        for i in range(self.voters):
            style = styles[i % len(styles)]
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=(i * 97) % 15000)
            number = f"{1 + i % 2}{birth:%d%m%Y}{i:05d}"
            marks = self._choose(rng, style.contest_ids)
            plan = VoterPlan(number, style.style_id, marks)
            if rng.random() < 0.1:
                plan.challenge_first = True
            if self.manifest.policy.revoting_allowed and rng.random() < 0.1:
                plan.revote_marks = self._choose(rng, style.contest_ids)
            plans.append(plan)
        return plans

    def _choose(self, rng: random.Random, contest_ids: tuple[str, ...]) -> dict[str, list[str]]:
        marks = {}
        for contest_id in contest_ids:
            contest = self.manifest.contest(contest_id)
            count = rng.randint(max(1, contest.min_marks), contest.max_marks)
            weights = [1.0 / (1 + i) for i in range(len(contest.selections))]  # a few popular choices
            chosen: set[str] = set()
            while len(chosen) < count:
                chosen.add(rng.choices(contest.selections, weights)[0].selection_id)
            marks[contest_id] = sorted(chosen)
        return marks

    def _register_voters(self, plans: list[VoterPlan]) -> None:
        import numpy as np

        from identity.face import FaceTemplate
        from identity.registry import VoterRecord

        registry = self.components.registry
        if self.faces is not None:
            self._assign_faces(plans)
        for plan in plans:
            style = self.manifest.ballot_style(plan.style_id)
            if plan.enrol_photo is not None:
                from identity.face import create_template

                template = create_template(plan.enrol_photo.read_bytes())
            else:  # no photograph: identified with the ID document at the precinct terminal
                # A placeholder that is nobody's face, one per voter: the register holds a face for one person
                # only, and one placeholder shared by all would put them all under face review.
                placeholder = np.random.default_rng(int(plan.personal_number)).normal(0.0, 0.13, 128)
                template = FaceTemplate.from_array(placeholder)
            birth = dt.date(
                int(plan.personal_number[5:9]), int(plan.personal_number[3:5]), int(plan.personal_number[1:3])
            )
            record = VoterRecord(
                personal_number=plan.personal_number,
                surname="Demo",
                given_name=f"Voter {plan.personal_number[-5:]}",
                patronymic="",
                birth_date=birth,
                region=style.region_id,
                district=style.district_ids[-1],
                precinct="demo",
                face_template=template,
            )
            registry.add(record)

    def _assign_faces(self, plans: list[VoterPlan]) -> None:
        """Give the first voters a real person of the fixture folder: one photo enrols, another is the probe."""
        import csv

        assert self.faces is not None
        by_person: dict[str, list[Path]] = {}
        with (self.faces / "MANIFEST.csv").open(newline="") as f:
            for row in csv.DictReader(f):
                if row.get("faces", "1") == "1":
                    by_person.setdefault(row["identity"], []).append(self.faces / row["file"])
        people = [sorted(photos) for _, photos in sorted(by_person.items()) if len(photos) >= 2]
        for plan, photos in zip(plans, people, strict=False):
            plan.enrol_photo, plan.probe_photo = photos[0], photos[1]
        self.console.print(
            f"face fixtures: {min(len(people), len(plans))} voters identified by a 1:1 face check at the precinct "
            f"terminal ({len(people)} people in {self.faces}); the others by their ID document"
        )

    def _device_identifies(self, plan: VoterPlan) -> str:
        """The precinct terminal's check before it signs: a live face against the registry template, or the ID."""
        if plan.probe_photo is None:
            return "document"
        from identity.errors import IdentityError
        from identity.face import verify_face

        record = self.components.registry.lookup(plan.personal_number)
        try:
            verify_face(plan.probe_photo.read_bytes(), record.face_template)
        except IdentityError:
            # As at a real precinct: when the camera check fails, the poll worker checks the ID document instead.
            self.stats["face_fallbacks"] += 1
            return "document"
        self.stats["face_matches"] += 1
        impostor = self._impostor_photo(plan)
        if impostor is not None:
            try:
                verify_face(impostor.read_bytes(), record.face_template)
            except IdentityError:
                self.stats["impostors_refused"] += 1
        return "face"

    def _impostor_photo(self, plan: VoterPlan) -> Path | None:
        """Every tenth face voter, someone else's photo is tried first (and must be refused)."""
        if self.stats["face_matches"] % 10 != 1:
            return None
        others = [p for p in self._face_plans if p.probe_photo is not None and p.enrol_photo != plan.enrol_photo]
        return others[0].probe_photo if others else None

    def _vote(self) -> None:
        plans = self.plans
        self._face_plans = [p for p in plans if p.probe_photo is not None]
        self.expected: dict[str, Counter[str]] = {c.contest_id: Counter() for c in self.manifest.contests}
        self.receipts: list[str] = []
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console) as progress:
            task = progress.add_task("voters", total=len(plans))
            for plan in plans:
                self._one_voter(plan)
                progress.advance(task)
        s = self.stats
        self.console.print(
            f"{s['cast']} ballots cast by {len(plans)} voters: {s['revotes']} re-votes (last one counts), "
            f"{s['challenges']} challenged ballots checked to decrypt to the voter's choice, "
            f"{s['receipts_checked']} receipts checked against a signed tree head"
        )
        if self.faces is not None:
            self.console.print(
                f"{s['face_matches']} face checks matched, {s['face_fallbacks']} fell back to the ID document; "
                f"{s['impostors_refused']} impostor photos refused"
            )

    def _one_voter(self, plan: VoterPlan) -> None:
        from mobile_api.schemas import DeviceAttestation

        session = self.voter.start_identification(plan.personal_number, self.channel)
        assertion = {
            "election_id": self.manifest.election_id,
            "session_id": session.session_id,
            "personal_number": plan.personal_number,
            "method": self._device_identifies(plan),
            "device_id": self.device_id,
        }
        identified = self.voter.submit_attestation(
            session.session_id, DeviceAttestation.sign(self.device_id, self.device_key, assertion)
        )
        credential = self.voter.obtain_credential(session.session_id, identified.style_id)
        if plan.challenge_first:
            spoiled = self.voter.prepare_ballot(credential, plan.marks)
            _, opened = self.voter.challenge(spoiled)
            # The SDK already checked it; the demo states it again for the reader of the code.
            assert {c: sorted(v) for c, v in opened.items()} == {c: sorted(v) for c, v in plan.marks.items()}
            self.stats["challenges"] += 1
        receipt = self.voter.cast(self.voter.prepare_ballot(credential, plan.marks))
        self.stats["cast"] += 1
        final = plan.marks
        if plan.revote_marks is not None:
            receipt = self.voter.cast(self.voter.prepare_ballot(credential, plan.revote_marks))
            self.stats["cast"] += 1
            self.stats["revotes"] += 1
            final = plan.revote_marks
        for contest_id, selections in final.items():
            self.expected[contest_id].update(selections)
        self.receipts.append(receipt.tracking_code)
        if len(self.receipts) % 25 == 1:
            self.components.board.integrate()
            self.voter.check_receipt(receipt.tracking_code)
            self.stats["receipts_checked"] += 1

    def _decrypt(self) -> None:
        from trustees.decryption import run_decryption
        from trustees.online import HttpTransport

        # Each present trustee recomputes the tally from the board itself, refuses if the server's differs, and
        # posts its shares through the trustees' HTTP API; the server checks them and combines at k = 3.
        transport = HttpTransport(self.http)
        for store in self.trustee_stores:
            index = int(store.secrets["index"])
            if index not in PRESENT_TRUSTEES:
                continue
            t0 = time.perf_counter()
            status = run_decryption(store, transport)
            published = self.components.board.find_by_dedup_key("result") is not None
            self.console.print(
                f"trustee {index}: recomputed the encrypted tally from the ballots, {status.ciphertexts} decryption "
                f"shares with proofs, checked and posted in {time.perf_counter() - t0:.2f} s"
                + (" → k = 3 reached: combined, decoded, results published" if published else "")
            )

    def _results(self) -> None:
        from bulletin_board.entries import EntryKind
        from elections.results_model import ElectionResults
        from voting_server.voter_services import selection_label

        entry = self.components.board.find_by_dedup_key("result")
        assert entry is not None and entry.kind is EntryKind.RESULT
        self.result_payload = dict(entry.payload)
        results = ElectionResults.model_validate(self.result_payload["results"])
        mismatches = 0
        for result in results.contests[:6]:
            contest = self.manifest.contest(result.contest_id)
            table = Table(title=f"{contest.name.en} — {contest.name.ky}", title_style="bold")
            table.add_column("selection")
            table.add_column("votes", justify="right")
            table.add_column("share", justify="right")
            table.add_column("", style="green")
            order = sorted(result.selections, key=lambda s: -s.votes)
            shown = [s for s in order if s.votes > 0][:12]
            elected = set(result.elected)
            for tally in shown:
                selection = contest.selections[contest.selection_index(tally.selection_id)]
                share = f"{100 * tally.votes / result.took_part:.1f} %" if result.took_part else "-"
                mark = "elected" if selection.candidate_id in elected or selection.party_id in elected else ""
                if selection.candidate_id is not None and selection.candidate_id in result.runoff:
                    mark = "to the runoff"
                table.add_row(selection_label(self.manifest, selection, "en"), str(tally.votes), share, mark)
            table.caption = f"outcome: {result.outcome}; took part: {result.took_part}; registered: {result.registered}"
            self.console.print(table)
        for result in results.contests:
            expected = self.expected[result.contest_id]
            got = {s.selection_id: s.votes for s in result.selections}
            mismatches += sum(1 for sid, v in got.items() if v != expected.get(sid, 0))
        if len(results.contests) > 6:
            self.console.print(f"… and {len(results.contests) - 6} more contests (all in results.json)")
        self.mismatches = mismatches
        seats = [r for r in results.contests if r.parties]
        if seats:
            table = Table(title="Seats", title_style="bold")
            table.add_column("contest")
            table.add_column("party")
            table.add_column("seats", justify="right")
            for result in seats:
                for party in result.parties:
                    if party.seats:
                        name = self.manifest.party(party.party_id).name.en
                        table.add_row(result.contest_id, name, str(party.seats))
            self.console.print(table)

    def _witness_cosigns(self) -> None:
        """An independent witness follows the board over its HTTP API (what ``shailoo witness run`` does): it
        checks the latest tree head extends the last one it cosigned and posts its cosignature, which the server
        keeps because the witness is on the manifest's roster with this key."""
        from bulletin_board.witness import MemoryWitnessStore, Witness
        from observer.witness_follower import HttpBoardSource, WitnessFollower

        board = self.components.board
        if not hasattr(self, "witness"):
            witness = Witness(
                WITNESS_NAME,
                self.witness_key,
                log_origin=board.origin,
                log_key=board.public_key,
                store=MemoryWitnessStore(),
                clock=self.clock,
            )
            self.witness = WitnessFollower(witness, HttpBoardSource(self.http))
        board.integrate()  # the operator signs a head for everything so far; the witness reads it over HTTP
        if self.witness.step().action == "cosigned":
            self.stats["cosignatures"] += 1

    def _export(self) -> None:
        from bulletin_board.export import write_export

        self._witness_cosigns()
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / "board.jsonl"
        with path.open("wb") as f:
            size = write_export(self.components.board, f)
        (self.out / "results.json").write_text(json.dumps(self.result_payload["results"], indent=2, ensure_ascii=False))
        (self.out / "tracking_codes.txt").write_text("\n".join(self.receipts) + "\n")
        self.export_path = path
        self.console.print(
            f"board export: {path} ({size / 1e6:.1f} MB, {self.components.board.size} entries, "
            f"the last tree head cosigned by a witness)"
        )

    def _observe(self) -> None:
        """The observers' independent verifier (``shailoo verify``) replays the whole export."""
        from observer.context import VerifyOptions
        from observer.verify import verify

        report = verify(self.export_path, VerifyOptions(min_issuer_bits=min(self.issuer_bits, 3072)))
        report.write_json(self.out / "verification.json")
        report.render(self.console)
        self.verified = report.passed
        self.verification_counts = report.counts()

    def _summary(self) -> None:
        s = self.stats
        ok = self.mismatches == 0 and self.verified
        verdict = (
            "[green]The decrypted totals equal the choices the simulated voters made.[/green]"
            if ok
            else f"[red]{self.mismatches} counts differ from the simulated choices![/red]"
        )
        lines = [
            f"• [bold]{self.voters}[/bold] voters were identified once each and got an anonymous credential: "
            "the registrar blind-signed a key it never saw, so no one can link a ballot to a person.",
            f"• They cast [bold]{s['cast']}[/bold] encrypted ballots; {s['revotes']} were re-votes, "
            "and only each voter's last ballot counts.",
            f"• [bold]{s['challenges']}[/bold] ballots were challenged: published with their randomness, "
            "shown to hold the voter's choice, never counted.",
            "• Every ballot carries zero-knowledge proofs that it is well formed; the server checked them in batches.",
            "• The ballots were added up while still encrypted. Trustees 1, 3 and 5 decrypted only the totals, "
            "with proofs; trustees 2 and 4 stayed away. Any 3 of the 5 suffice, and fewer learn nothing.",
            f"• {verdict}",
            "• The observers' verifier replayed the board export: "
            + ("[green]VERIFIED[/green]" if self.verified else "[red]NOT VERIFIED[/red]")
            + f" ({self.verification_counts.get('pass', 0)} checks passed, {self.verification_counts.get('fail', 0)} "
            "failed). Run it yourself: [bold]uv run --frozen shailoo verify " + f"{self.export_path}[/bold]",
            f"• Everything is on the board: [bold]{self.export_path}[/bold]. "
            "An observer can check all of it without trusting the commission.",
        ]
        self.console.print(Panel("\n".join(lines), title="What just happened", border_style="green" if ok else "red"))
        timing = ", ".join(f"{name}: {seconds:.1f} s" for name, seconds in self.timings.items() if seconds >= 0.05)
        self.console.print(f"[dim]{timing}[/dim]")
        if not ok:
            raise typer.Exit(1)


def _generate_issuer_key(bits: int) -> Any:
    from crypto.blind_rsa import BlindRsaPrivateKey

    return BlindRsaPrivateKey.generate(bits, insecure_allow_small_for_tests=bits < 3072)


def _coercion_resistant_demo(
    console: Console, preset: str, voters: int, coerced: int, spoilt: int, out: Path, seed: int
) -> None:
    """``--coercion-resistant``: `cli.cr_election.run_cr_election`, then the verifier on its export."""
    from cli.cr_election import run_cr_election
    from crypto.errors import ShailooError
    from observer.report import Status
    from observer.verify import verify

    started = time.perf_counter()
    revoters = min(2, voters - coerced)
    try:
        run = run_cr_election(
            out / "board.jsonl",
            preset=preset,
            voters=voters,
            coerced=coerced,
            revoters=revoters,
            spoilt=spoilt,
            seed=seed,
        )
    except ShailooError as e:
        console.print(f"[red]This preset cannot run in the coercion-resistant mode: {e.message}[/red]")
        raise typer.Exit(2) from e
    result = run.result
    console.print(
        Panel(
            f"{voters} voters registered; {coerced} were coerced: each device made a fake credential whose "
            f"designated-verifier proof passed the coercer's check ({run.coercer_checks_passed} of {coerced}), and the "
            f"coercer cast with it; {revoters} voters voted, then changed their mind and voted again with their "
            f"real credential (the last ballot counts).\n"
            f"Order tags, then mixed and blinded by trustees 1 and 3; of {result['ballots']} ballots, "
            f"{result['duplicates']} superseded by a later ballot with their credential, {result['unmatched']} on no "
            f"roster credential (the coercer's), {result['kept']} counted.",
            title="Coercion-resistant election",
        )
    )
    table = Table("contest", "selection", "real last choices", "counted")
    ok = True
    for contest_id, expected in run.expected.items():
        for index, counted in enumerate(result["counts"][contest_id]):
            if counted or expected[index]:
                selection = run.manifest.contest(contest_id).selections[index].selection_id
                table.add_row(contest_id, selection, str(expected[index]), str(counted))
                ok = ok and counted == expected[index]
    for contest_id, invalid in result["invalid"].items():
        if invalid or run.expected_invalid[contest_id]:
            table.add_row(contest_id, "invalid", str(run.expected_invalid[contest_id]), str(invalid))
            ok = ok and invalid == run.expected_invalid[contest_id]
    console.print(table)
    if not ok:
        console.print("[red]The counted choices differ from the real voters' last choices[/red]")
        raise typer.Exit(1)
    console.print(
        "The counted choices equal every real voter's last choice; the coercer's ballots and the re-voters' earlier "
        "ballots did not count."
    )
    report = verify(out / "board.jsonl")
    report.write_json(out / "verification.json")
    failed = [c.number for c in report.checks if c.status is Status.FAIL]
    console.print(f"Verifier: {'passed' if report.passed else f'FAILED checks {failed}'} (checks 45-49 in this mode)")
    console.print(f"[dim]Total time: {time.perf_counter() - started:.1f} s[/dim]")
    if not report.passed:
        raise typer.Exit(1)
