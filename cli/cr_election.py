"""A whole coercion-resistant election in process (docs/demo.md, "The coercion-resistant mode"), on an in-memory
board whose export is written to a file: the library code of every role, no server.

Steps: the manifest (``policy.mode = coercion_resistant``, mixing and blinding by 2 distinct trustees, the
registrar's key pinned) → a 2-of-3 key ceremony → channels open (base hash = manifest and K) → registration: the
registrar posts each voter's encrypted credential on the ``cr_roster`` and gives her device the credential with its
designated-verifier proof → coerced voters' devices make a fake credential with a simulated proof, which the coercer
checks and casts with; each voter casts with her real credential → close → ``mix_input`` recomputable from the
``cr_ballot`` entries → shuffles by trustees 1 and 3 →
the roster's own mix input and shuffles → both trustees blind both lists → trustees decrypt the tags →
matching drops the coercer's ballots → trustees decrypt the kept ballots' choices → ``cr_result``.

Re-voters cast twice with the same real credential; in this mode one of the two counts, chosen by the mixed order
(credentials.md §8), so the demo's re-voters repeat their choice.
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
from crypto.shuffle import Row
from elections.manifest import Manifest, TrusteeRosterEntry
from elections.presets import build_preset
from record.ballot import election_base_hash
from record.cr_ballot import create_cr_ballot
from record.cr_board import (
    BlindingPost,
    ballot_mix_input,
    credential_column,
    make_blinding_post,
    make_roster_post,
    roster_mix_input,
    roster_proof_context,
)
from record.cr_contests import ContestCode, Layout
from record.cr_tally import (
    CrCount,
    choice_ciphertexts,
    combine,
    count_choices,
    cr_result_payload,
    make_decryption_post,
    match_from_tags,
)
from record.lifecycle import ChannelsOpen, Close
from record.mix import MixInput, ShufflePost, make_shuffle_post
from record.register import sign_register_counts
from record.window import utc_ms, utc_text
from trustees.coordinator import CeremonyParams
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
    preset: str, trustees: Sequence[TrusteeRosterEntry], registrar: Ed25519PrivateKey, witness: Ed25519PrivateKey
) -> Manifest:
    """The preset in the coercion-resistant mode with the trustee roster (2 of 3) and the registrar's key pinned
    (every contest kind packs: `record.cr_contests`)."""
    data = build_preset(preset).model_dump(mode="python")
    data["trustees"] = [t.model_dump() for t in trustees]
    data["trustee_threshold"] = CEREMONY.k
    data["registrar_key"] = registrar.public_key().public_bytes_raw().hex()
    data["witnesses"] = [{"name": WITNESS_NAME, "public_key": witness.public_key().public_bytes_raw().hex()}]
    data["policy"]["mode"] = "coercion_resistant"
    data["policy"]["mixing_trustees_required"] = len(WORKING)
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
) -> CrElection:
    """Run the election and write its export to ``path``. The voters are spread over a few ballot styles (the first
    two and the one with the fewest contests, so a padded row is exercised); the last ``spoilt`` of them cast, in
    every contest that has one, a number naming no valid choice (`ContestCode.invalid_example`), which must count
    as an invalid ballot of that contest. ``tamper(kind, payload)`` lets a test play a dishonest server: it returns
    the payload to post (changed or not), or ``None`` to leave the entry out."""
    choose = random.Random(seed)  # noqa: S311 — the simulated voters' choices only; every protocol value comes from `secrets`
    stores = new_trustee_stores(CEREMONY)
    registrar, witness_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    manifest = cr_manifest(preset, roster_for(stores), registrar, witness_key)
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

    def marks_of(style_id: str) -> dict[str, tuple[int, ...]]:
        return {c: random_marks(choose, layout.codes[c]) for c in manifest.ballot_style(style_id).contest_ids}

    for i, (position, secret, entry, device) in enumerate(devices):
        style_id = voter_styles[i]
        marks = marks_of(style_id)
        real = layout.encode_marks(style_id, marks)
        if i >= voters - spoilt:
            for c, (_, b) in list(real.items()):
                bad = layout.codes[c].invalid_example()
                if bad is not None:
                    real[c] = (bad, b)
                    marks[c] = ()
                    run.expected_invalid[c] += 1
        if i < coerced:
            # The coercer demands the credential: the device makes a fake s′ with a simulated proof for the same
            # roster entry; the coercer checks it like a real one and casts his choice with it.
            fake = Scalar.random()
            context = roster_proof_context(base, position)
            proof = simulate_roster_credential(context, key, public_credential(fake), entry, device)
            verify_roster_credential(context, key, public_credential(fake), entry, Point.base_mul(device), proof)
            run.coercer_checks_passed += 1
            cast(fake, style_id, layout.encode_marks(style_id, marks_of(style_id)))
        cast(secret, style_id, real)
        if coerced <= i < coerced + revoters:
            cast(secret, style_id, real)
        for c, marked in marks.items():
            run.expected[c].update(marked)

    clock.set(utc_ms(manifest.dates.voting_closes))
    append(EntryKind.CLOSE, Close(manifest.election_id, board.size, utc_text(clock.now)).to_payload())
    checkpoint()

    # The tally: mix the ballots' rows (the mix input is the posted ballots', recomputable by anyone).
    ballots = posted(EntryKind.CR_BALLOT)
    append(EntryKind.MIX_INPUT, ballot_mix_input(ballots, Layout.of(manifest), key))
    rows = list(MixInput.from_payload(posted(EntryKind.MIX_INPUT)[0]).rows)
    for position, trustee in enumerate(WORKING):
        signer, _ = identity(trustee)
        append(EntryKind.SHUFFLE, make_shuffle_post(signer, manifest, base, key, trustee, position, rows))
        rows = list(ShufflePost.from_payload(posted(EntryKind.SHUFFLE)[-1]).outputs)
    # The roster is mixed too (its own chain, "list": "roster"), so a roster tag names no registration.
    roster = [entry for _, _, entry, _ in devices]
    append(EntryKind.MIX_INPUT, roster_mix_input(roster))
    roster_rows: list[Row] = [(ct,) for ct in roster]
    for position, trustee in enumerate(WORKING):
        signer, _ = identity(trustee)
        post = make_shuffle_post(signer, manifest, base, key, trustee, position, roster_rows, which="roster")
        append(EntryKind.SHUFFLE, post)
        roster_rows = list(ShufflePost.from_payload(posted(EntryKind.SHUFFLE)[-1]).outputs)
    lists = {"ballots": credential_column(rows), "roster": [row[0] for row in roster_rows]}
    for position, trustee in enumerate(WORKING):
        signer, _ = identity(trustee)
        exponent = Scalar.random()
        for which in ("ballots", "roster"):
            append(
                EntryKind.CR_BLINDING,
                make_blinding_post(signer, manifest, base, trustee, which, position, exponent, lists[which]),
            )
            lists[which] = list(BlindingPost.from_payload(posted(EntryKind.CR_BLINDING)[-1]).outputs)
    tag_cts = [*lists["ballots"], *lists["roster"]]
    shares = dict(enumerate(joint.public_shares, start=1))
    for trustee in WORKING:
        signer, share = identity(trustee)
        append(EntryKind.CR_DECRYPTION, make_decryption_post(signer, manifest, base, trustee, share, "tags", tag_cts))
    tags, _ = combine(manifest, base, shares, "tags", tag_cts, posted(EntryKind.CR_DECRYPTION))
    match = match_from_tags(tags, len(rows))
    choice_cts = choice_ciphertexts(rows, match.kept)
    for trustee in WORKING:
        signer, share = identity(trustee)
        append(
            EntryKind.CR_DECRYPTION, make_decryption_post(signer, manifest, base, trustee, share, "choices", choice_cts)
        )
    points, trustees = combine(manifest, base, shares, "choices", choice_cts, posted(EntryKind.CR_DECRYPTION))
    run.count = count_choices(manifest, match, points)
    run.result = cr_result_payload(manifest, len(rows), len(roster), run.count, trustees)
    append(EntryKind.CR_RESULT, run.result)
    checkpoint()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_export(board, f)
    return run
