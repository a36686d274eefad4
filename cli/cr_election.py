"""A whole coercion-resistant election in process (docs/demo.md, "The coercion-resistant mode"), on an in-memory
board whose export is written to a file: the library code of every role, no server.

Steps: the manifest (``policy.mode = coercion_resistant``, mixing and blinding by 2 distinct trustees, the
registrar's key pinned) → a 2-of-3 key ceremony → channels open (base hash = manifest and K) → registration: the
registrar posts each voter's encrypted credential on the ``cr_roster`` and gives her device the credential with its
designated-verifier proof → coerced voters' devices make a fake credential with a simulated proof, which the coercer
checks and casts with (every second coercer only at the very end, after the re-votes); each voter casts with her
real credential → close → the trustees blind the ballots'
credentials in board order and decrypt these order tags; the last ballot of each credential is kept → ``mix_input``
of the kept ballots (recomputable from the ``cr_ballot`` entries and the order tags) → shuffles by trustees 1 and 3
→ the roster's own mix input and shuffles → both trustees blind both lists with fresh exponents → trustees decrypt
the match tags → matching drops the coercer's ballots → trustees decrypt the kept ballots' choices → ``cr_result``.

Re-voters cast a first choice with their real credential and, after everyone else, a different one: the last
ballot of each credential counts (credentials.md §5, the order tags), so the result equals every real voter's last
choice.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.entries import EntryKind
from bulletin_board.export import write_export
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from bulletin_board.witness import MemoryWitnessStore, Witness
from crypto.credentials import (
    encrypt_credential,
    prove_roster_credential,
    public_credential,
    simulate_roster_credential,
    verify_roster_credential,
)
from crypto.group import Point, Scalar
from elections.manifest import Manifest, TrusteeRosterEntry
from elections.presets import build_preset
from record.ballot import election_base_hash
from record.cr_ballot import create_cr_ballot
from record.cr_board import (
    make_roster_post,
    roster_proof_context,
)
from record.cr_contests import ContestCode, Layout
from record.cr_tally import (
    CrCount,
)
from record.lifecycle import ChannelsOpen, Close
from record.register import sign_register_counts
from record.window import utc_ms, utc_text
from trustees.coordinator import CeremonyParams
from trustees.cr_in_process import ExponentSource, WorkingTrustee, fresh_exponent, run_cr_tally
from trustees.in_process import new_trustee_stores, roster_for, run_key_ceremony
from trustees.keystore_contents import TrusteeSecrets

ORIGIN = "cec.shailoo.kg/cr-demo"
CEREMONY = CeremonyParams(n=3, k=2)
#: The trustees who mix, blind and decrypt (2 of 3; trustee 2 stays away).
WORKING = (1, 3)
WITNESS_NAME = "observers.example/witness"


def random_marks(choose: random.Random, code: ContestCode) -> tuple[int, ...]:
    """A simulated voter's valid marks in one contest: one selection, or for a mark contest 1 to ``max_marks``
    candidates (never "against all" with another mark)."""
    contest = code.contest
    n = len(contest.selections)
    if code.form != "marks":
        return (choose.randrange(n),)
    against = contest.against_all_index()
    candidates = [i for i in range(n) if i != against]
    if against is not None and choose.randrange(8) == 0:
        return (against,)
    k = choose.randint(max(1, contest.min_marks), contest.max_marks)
    return tuple(sorted(choose.sample(candidates, k)))


def cr_manifest(
    preset: str,
    trustees: Sequence[TrusteeRosterEntry],
    registrar: Ed25519PrivateKey,
    witness: Ed25519PrivateKey,
    revoting: bool | None = None,
) -> Manifest:
    """The preset in the coercion-resistant mode with the trustee roster (2 of 3) and the registrar's key pinned
    (every contest kind packs: `record.cr_contests`); ``revoting`` overrides the preset's
    ``policy.revoting_allowed`` (the last ballot of a credential counts, or the first)."""
    data = build_preset(preset).model_dump(mode="python")
    data["trustees"] = [t.model_dump() for t in trustees]
    data["trustee_threshold"] = CEREMONY.k
    data["registrar_key"] = registrar.public_key().public_bytes_raw().hex()
    data["witnesses"] = [{"name": WITNESS_NAME, "public_key": witness.public_key().public_bytes_raw().hex()}]
    data["policy"]["mode"] = "coercion_resistant"
    data["policy"]["mixing_trustees_required"] = len(WORKING)
    if revoting is not None:
        data["policy"]["revoting_allowed"] = revoting
    return Manifest.from_dict(data)


class _Clock:
    def __init__(self, start_ms: int) -> None:
        self.now = start_ms

    def set(self, ms: int) -> None:
        self.now = max(self.now, ms)

    def __call__(self) -> int:
        self.now += 1000
        return self.now


@dataclass
class CrElection:
    """What happened, for the demo's report and the tests: the real choices that must count, the coercer's."""

    path: Path
    manifest: Manifest
    expected: dict[str, Counter[int]] = field(default_factory=dict)
    #: Each re-voter's (earlier, last) choices: with re-voting the later ballot supersedes the earlier (without it,
    #: the earlier counts and the later is dropped); ``expected`` holds the one that counts.
    revotes: list[tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]] = field(default_factory=list)
    #: contest id → the spoilt ballots (a number naming no valid choice) the real voters cast in it.
    expected_invalid: Counter[str] = field(default_factory=Counter)
    coerced: int = 0
    coercer_checks_passed: int = 0
    count: CrCount | None = None
    result: dict[str, Any] = field(default_factory=dict)
    indices: dict[str, list[int]] = field(default_factory=dict)


Tamper = Callable[[str, dict[str, Any]], dict[str, Any] | None]


def run_cr_election(
    path: Path,
    *,
    preset: str = "president",
    voters: int = 8,
    coerced: int = 2,
    revoters: int = 1,
    spoilt: int = 0,
    seed: int = 7,
    tamper: Tamper | None = None,
    exponent: ExponentSource = fresh_exponent,
    revoting: bool | None = None,
) -> CrElection:
    """Run the election and write its export to ``path``. The voters are spread over a few ballot styles (the first
    two and the one with the fewest contests, so a padded row is exercised); the last ``spoilt`` of them cast, in
    every contest that has one, a number naming no valid choice (`ContestCode.invalid_example`), which must count
    as an invalid ballot of that contest. ``tamper(kind, payload)`` lets a test play a dishonest server: it returns
    the payload to post (changed or not), or ``None`` to leave the entry out; ``exponent`` lets it play trustees who
    choose their blinding exponents (`trustees.cr_in_process.ExponentSource`); ``revoting`` overrides the preset's
    ``policy.revoting_allowed`` (without re-voting a re-voter's FIRST ballot counts)."""
    choose = random.Random(seed)  # noqa: S311 — the simulated voters' choices only; every protocol value comes from `secrets`
    stores = new_trustee_stores(CEREMONY)
    registrar, witness_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    manifest = cr_manifest(preset, roster_for(stores), registrar, witness_key, revoting)
    clock = _Clock(utc_ms(manifest.dates.voting_opens) - 12 * 3_600_000)
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin=ORIGIN, clock=clock)
    witness = Witness(
        WITNESS_NAME, witness_key, log_origin=ORIGIN, log_key=board.public_key, store=MemoryWitnessStore(), clock=clock
    )

    def checkpoint() -> None:
        board.integrate()
        board.collect_cosignature(witness)

    run = CrElection(path, manifest, coerced=coerced)

    def append(kind: EntryKind, payload: dict[str, Any]) -> None:
        changed = tamper(kind.value, payload) if tamper is not None else payload
        if changed is not None:
            run.indices.setdefault(kind.value, []).append(board.append(kind, changed).index)

    def posted(kind: EntryKind) -> list[dict[str, Any]]:
        return [dict(e.payload) for e in board.entries(0, board.size) if e.kind is kind]

    def identity(trustee: int) -> tuple[Ed25519PrivateKey, Scalar]:
        secrets_ = TrusteeSecrets.from_dict(stores[trustee - 1].secrets)
        assert secrets_.identity_key is not None and secrets_.key_share is not None
        return Ed25519PrivateKey.from_private_bytes(secrets_.identity_key), secrets_.key_share.secret_share

    append(
        EntryKind.MANIFEST, {"manifest": manifest.to_canonical_dict(), "manifest_hash": manifest.manifest_hash().hex()}
    )
    joint, _ = run_key_ceremony(board, CEREMONY, stores)
    key = joint.joint_public_key
    checkpoint()
    layout = Layout.of(manifest)
    all_styles = manifest.ballot_styles
    used = list(
        dict.fromkeys(
            [*(s.style_id for s in all_styles[:2]), min(all_styles, key=lambda s: len(s.contest_ids)).style_id]
        )
    )
    voter_styles = [used[i % len(used)] for i in range(voters)]
    counts = dict.fromkeys((s.style_id for s in all_styles), 0)
    for style_id in voter_styles:
        counts[style_id] += 1
    append(EntryKind.REGISTER_COUNTS, sign_register_counts(registrar, manifest, counts).to_payload())
    base = election_base_hash(manifest, key, {})
    clock.set(utc_ms(manifest.dates.voting_opens))
    append(EntryKind.CHANNELS_OPEN, ChannelsOpen(("app",), base).to_payload())

    run.expected = {c.contest_id: Counter() for c in manifest.contests}

    # Registration: the registrar posts Enc(S) and gives the device s with the designated-verifier proof.
    devices = []
    for position in range(voters):
        secret, nonce, device = Scalar.random(), Scalar.random(), Scalar.random()
        entry = encrypt_credential(key, secret, nonce)
        append(EntryKind.CR_ROSTER, make_roster_post(registrar, manifest, position, entry))
        context = roster_proof_context(base, position)
        proof = prove_roster_credential(context, key, secret, entry, nonce, Point.base_mul(device))
        verify_roster_credential(context, key, public_credential(secret), entry, Point.base_mul(device), proof)
        devices.append((position, secret, entry, device))

    def cast(secret: Scalar, style_id: str, packed: dict[str, tuple[int, int]]) -> None:
        append(
            EntryKind.CR_BALLOT,
            create_cr_ballot(base, key, manifest.election_id, style_id, secret, packed).to_payload(),
        )

    revoted: list[tuple[Scalar, str, dict[str, tuple[int, int]]]] = []
    late: list[tuple[Scalar, str, dict[str, tuple[int, int]]]] = []

    def marks_of(style_id: str) -> dict[str, tuple[int, ...]]:
        return {c: random_marks(choose, layout.codes[c]) for c in manifest.ballot_style(style_id).contest_ids}

    for i, (position, secret, entry, device) in enumerate(devices):
        style_id = voter_styles[i]
        marks = marks_of(style_id)
        real = layout.encode_marks(style_id, marks)
        invalid: list[str] = []
        if i >= voters - spoilt:
            for c, (_, b) in list(real.items()):
                bad = layout.codes[c].invalid_example()
                if bad is not None:
                    real[c] = (bad, b)
                    marks[c] = ()
                    invalid.append(c)
        if i < coerced:
            # The coercer demands the credential: the device makes a fake s′ with a simulated proof for the same
            # roster entry; the coercer checks it like a real one and casts his choice with it.
            fake = Scalar.random()
            context = roster_proof_context(base, position)
            proof = simulate_roster_credential(context, key, public_credential(fake), entry, device)
            verify_roster_credential(context, key, public_credential(fake), entry, Point.base_mul(device), proof)
            run.coercer_checks_passed += 1
            coercers_choice = layout.encode_marks(style_id, marks_of(style_id))
            if i % 2 == 0:
                cast(fake, style_id, coercers_choice)
            else:  # this coercer casts at the very end, after the voter's last ballot: it supersedes nothing of hers
                late.append((fake, style_id, coercers_choice))
        counted, counted_invalid = marks, invalid
        if coerced <= i < coerced + revoters:
            # A re-voter first casts another choice; she changes her mind and votes again after everyone else:
            # her last ballot counts (credentials.md §5), the earlier one is superseded.
            earlier = marks_of(style_id)
            cast(secret, style_id, layout.encode_marks(style_id, earlier))
            revoted.append((secret, style_id, real))
            run.revotes.append((earlier, marks))
            if not manifest.policy.revoting_allowed:
                counted, counted_invalid = earlier, []
        else:
            cast(secret, style_id, real)
        for c, marked in counted.items():
            run.expected[c].update(marked)
        for c in counted_invalid:
            run.expected_invalid[c] += 1
    for secret, style_id, packed in [*revoted, *late]:
        cast(secret, style_id, packed)

    clock.set(utc_ms(manifest.dates.voting_closes))
    append(EntryKind.CLOSE, Close(manifest.election_id, board.size, utc_text(clock.now)).to_payload())
    checkpoint()

    # The tally (trustees.cr_in_process): order tags and the last ballot of each credential, the mix of those and of
    # the roster, match tags with fresh exponents, the kept ballots' choices, cr_result. The export is written even
    # when the trustees stop (a test reads what they refused).
    working = []
    for trustee in WORKING:
        signer, share = identity(trustee)
        working.append(WorkingTrustee(trustee, signer, share))
    try:
        run.count, run.result = run_cr_tally(board, manifest, base, joint, working, post=append, exponent=exponent)
    finally:
        checkpoint()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_export(board, f)
    return run
