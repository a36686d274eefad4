"""A small but complete election record for the verifier's tests, built from the library code alone.

The steps are the election's: manifest (the presidential preset cut to three regions), a 2-of-3 trustee key
ceremony (`trustees.in_process.run_key_ceremony`), issuer keys (pinned test keys, `tests/vectors/observer`),
the registrar's signed register counts, channels open, voters with blind-signed credentials casting ballots
(`record.ballot.create_ballot`) — some re-vote, one challenges — issuance counts and the close (on the manifest's
election-day clock), weeding and aggregation
(`record.tally`), decryption shares of trustees 1 and 3, combination, the rules engine, the result.
Tree heads are signed along the way and cosigned by two witnesses, both on the manifest's witness roster (unless
``witness_roster=False``); the board is written as an export.

Payload shapes follow what the server writes (voting_server/election.py, voting_server/tally.py).
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bulletin_board.checkpoint import public_key_bytes
from bulletin_board.entries import EntryKind, payload_hash
from bulletin_board.export import write_export
from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage
from bulletin_board.witness import MemoryWitnessStore, Witness
from crypto import blind_rsa, signing
from crypto.blind_rsa import BlindRsaPrivateKey
from crypto.dlog import DiscreteLogTable
from crypto.shuffle import Row
from crypto.threshold import combine_decryption_share_vectors, compute_decryption_shares
from elections.manifest import Manifest, WitnessRosterEntry
from elections.presets import build_preset
from elections.results import compute_results_by_style
from record.annulment import PRECINCT_ANNULMENT_TAG, PrecinctAnnulment, sign_precinct_annulment
from record.annulment import signing_body as annulment_signing_body
from record.ballot import create_ballot, credential_message, election_base_hash
from record.counting import counted_set_from_entries
from record.issuer import issuer_keys_payload
from record.lifecycle import Close, DecryptionSharePart, ResultEntry
from record.mix import MixInput, ShufflePost, make_shuffle_post
from record.register import sign_register_counts
from record.tally import (
    CastBallot,
    aggregate,
    decryptable_positions,
    decryption_context,
    publishable,
    turnout_from_tally,
    weed,
)
from record.trustee_posts import sign_trustee_post
from record.window import utc_ms, utc_text
from tests.trustees.cheating import run_ceremony_with_cheaters, run_ceremony_with_false_complaints
from trustees.coordinator import CeremonyParams
from trustees.in_process import new_trustee_stores, roster_for, run_key_ceremony
from trustees.keystore_contents import TrusteeSecrets

ORIGIN = "cec.shailoo.kg/observer-test"
KEYS_FILE = Path(__file__).parent.parent / "vectors" / "observer" / "issuer_keys.json"
REGIONS = ("batken", "jalal-abad", "abroad")
WITNESS_NAMES = ("witness.osce.test", "witness.university.kg")
#: Voters on the register per ballot style (the registrar's register counts).
REGISTERED_PER_STYLE = 40


def small_president_manifest() -> Manifest:
    """The presidential preset with three regions (two at home, one abroad) and their precincts."""
    data = build_preset("president").to_canonical_dict()
    data["election_id"] = "kg-president-test"
    data["regions"] = [r for r in data["regions"] if r["region_id"] in REGIONS]
    data["precincts"] = [p for p in data["precincts"] if p["region_id"] in REGIONS]
    data["ballot_styles"] = [s for s in data["ballot_styles"] if s["region_id"] in REGIONS]
    return Manifest.from_dict(data)


def issuer_private_keys() -> list[BlindRsaPrivateKey]:
    data = json.loads(KEYS_FILE.read_text())
    return [BlindRsaPrivateKey.from_bytes(bytes.fromhex(h)) for h in data["private_keys"]]


@dataclass
class Voter:
    style_id: str
    key: Ed25519PrivateKey
    msg_prefix: bytes
    registrar_signature: bytes
    voter_hash: str

    @property
    def public(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass
class BuiltElection:
    """The export file and what the tests need to know about it."""

    path: Path
    manifest: Manifest
    board: BulletinBoard
    tracking_codes: list[str] = field(default_factory=list)
    indices: dict[str, list[int]] = field(default_factory=dict)
    witness_keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)


def issue_credential(sk: BlindRsaPrivateKey, election_id: str, style_id: str, public: bytes) -> tuple[bytes, bytes]:
    """RFC 9474 issuance as device and registrar do it: prepare, blind, blind-sign, finalize."""
    pk = sk.public_key()
    msg_prefix = secrets.token_bytes(blind_rsa.MSG_PREFIX_BYTES)
    prepared = msg_prefix + credential_message(election_id, style_id, public)
    blinded, inv = blind_rsa.blind(pk, prepared)
    signature = blind_rsa.finalize(pk, prepared, blind_rsa.blind_sign(sk, blinded), inv)
    return msg_prefix, signature


CEREMONY = CeremonyParams(n=3, k=2)


def _precinct_of(manifest: Manifest, style_id: str) -> str | None:
    region = manifest.ballot_style(style_id).region_id
    return next((p.precinct_id for p in manifest.precincts if p.region_id == region), None)


class SteppingClock:
    """The board's and the witnesses' clock (unix ms): each reading is one second after the last; `set` jumps."""

    def __init__(self, start_ms: int) -> None:
        self.now = start_ms

    def set(self, ms: int) -> None:
        self.now = max(self.now, ms)

    def __call__(self) -> int:
        self.now += 1000
        return self.now


def build_election(
    path: Path,
    *,
    voters: int = 12,
    revotes: int = 2,
    manifest: Manifest | None = None,
    tamper: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
    ceremony: CeremonyParams = CEREMONY,
    app_ballots_name_a_precinct: bool = False,
    witness_roster: bool = True,
    cheaters: Mapping[int, int] | None = None,
    absent: Sequence[int] = (),
    false_complaints: Mapping[int, int] | None = None,
    close_at: str | None = None,
    close_reason: str | None = None,
    log_clock_behind_ms: int = 0,
    mixers: Sequence[int] = (),
    mixing_required: int | None = None,
    annul: Sequence[str] = (),
    tally_ignores_annulments: bool = False,
    commission_key: Ed25519PrivateKey | None = None,
    annulments_signed_by_registrar: bool = False,
    voter_keys: dict[str, Ed25519PrivateKey] | None = None,
) -> BuiltElection:
    """Run the whole election on an in-memory board and write its export to ``path``.

    ``tamper(kind, payload)`` lets a test change a payload before it is appended (a dishonest server);
    ``app_ballots_name_a_precinct`` has voters name a precinct of their region that no kiosk vouches for (a server
    that does not bind precincts to kiosks). Each dealer of ``cheaters`` ({dealer: victim}) sends its victim a bad
    share and is disqualified; the trustees in ``absent`` never post, and the coordinator closes the steps they
    miss; each trustee of ``false_complaints`` ({liar: accused}) complains about a good share (one of the three at
    most). Trustees 1 and 3 decrypt.
    ``close_at`` (UTC) and ``close_reason`` make the close at another time than ``voting_closes``.
    ``log_clock_behind_ms`` sets the log's clock back by that much from the middle of voting on (the witnesses'
    clocks keep the true time): a log that takes ballots late under times inside the window.
    The commission annuls each precinct of ``annul`` after the close (``precinct_annulment``, signed by the key the
    manifest pins); the tally leaves their ballots out (`record.counting.counted_set_from_entries`, as the server
    does) unless ``tally_ignores_annulments`` (a server that counts them anyway). With ``commission_key`` the manifest
    pins it as ``commission_key`` and it signs the annulments (unless ``annulments_signed_by_registrar``: a server
    that signs them itself with the registrar key); without, the registrar key the manifest pins signs them.
    """
    manifest = manifest or small_president_manifest()
    # The trustees' identity keys come first: the commission puts them on the manifest's roster.
    stores = new_trustee_stores(ceremony)
    manifest = manifest.with_trustees(roster_for(stores), ceremony.k)
    if mixers or mixing_required:
        # Mixing (record.md §2.14): the counted ballots' first contest is mixed by ``mixers`` in turn after the close.
        required = mixing_required or len(set(mixers))
        opens, closes = manifest.dates.voting_opens, manifest.dates.voting_closes
        manifest = manifest.with_voting_window(opens, closes, mixing_trustees_required=required)
    # So do the witnesses' keys: the commission pins them on the manifest's witness roster.
    witness_keys = {name: Ed25519PrivateKey.generate() for name in WITNESS_NAMES}
    if witness_roster:
        manifest = manifest.with_witnesses(
            WitnessRosterEntry(name=name, public_key=public_key_bytes(key.public_key()).hex())
            for name, key in witness_keys.items()
        )
    registrar = Ed25519PrivateKey.generate()  # signs the register counts; the manifest pins it
    manifest = manifest.with_registrar_key(registrar.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    if commission_key is not None:
        manifest = manifest.with_commission_key(public_key_bytes(commission_key.public_key()))
    annulment_signer = registrar if commission_key is None or annulments_signed_by_registrar else commission_key
    # The election day's clock: setup the evening before, voting from voting_opens, the close at voting_closes.
    clock = SteppingClock(utc_ms(manifest.dates.voting_opens) - 12 * 3_600_000)
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin=ORIGIN, clock=clock)
    behind = [0]  # how far the log's clock is set back from the witnesses' (from the middle of voting on)

    def witness_clock() -> int:
        return clock() + behind[0]

    witnesses = [
        Witness(
            name,
            key,
            log_origin=ORIGIN,
            log_key=board.public_key,
            store=MemoryWitnessStore(),
            clock=witness_clock,
        )
        for name, key in witness_keys.items()
    ]
    built = BuiltElection(path, manifest, board, witness_keys=witness_keys)

    def append(kind: EntryKind, payload: dict[str, Any]) -> int:
        if tamper is not None:
            payload = tamper(kind.value, payload)
        index = board.append(kind, payload).index
        built.indices.setdefault(kind.value, []).append(index)
        return index

    def checkpoint() -> None:
        board.integrate()
        for w in witnesses:
            board.collect_cosignature(w)

    append(
        EntryKind.MANIFEST, {"manifest": manifest.to_canonical_dict(), "manifest_hash": manifest.manifest_hash().hex()}
    )
    present = [s for i, s in enumerate(stores, start=1) if i not in absent]
    if cheaters:
        joint = run_ceremony_with_cheaters(board, ceremony, stores, cheaters)
    elif false_complaints:
        joint = run_ceremony_with_false_complaints(board, ceremony, stores, false_complaints)
    else:
        joint, _ = run_key_ceremony(board, ceremony, present, close_missing=bool(absent))
    for kind in (
        EntryKind.TRUSTEE_COMMITMENT,
        EntryKind.TRUSTEE_SHARE,
        EntryKind.COMPLAINT,
        EntryKind.STEP_CLOSED,
        EntryKind.JOINT_KEY,
    ):
        built.indices[kind.value] = [e.index for e in board.entries(0, board.size) if e.kind is kind]
    checkpoint()
    styles = [s.style_id for s in manifest.ballot_styles]
    private = dict(zip(styles, issuer_private_keys(), strict=False))
    public = {s: k.public_key() for s, k in private.items()}
    append(EntryKind.ISSUER_KEYS, issuer_keys_payload(manifest.election_id, public))
    register = sign_register_counts(registrar, manifest, dict.fromkeys(styles, REGISTERED_PER_STYLE))
    append(EntryKind.REGISTER_COUNTS, register.to_payload())
    base = election_base_hash(manifest, joint.joint_public_key, public)
    clock.set(utc_ms(manifest.dates.voting_opens))
    append(EntryKind.CHANNELS_OPEN, {"channels": ["app", "precinct"], "election_base_hash": base.hex()})
    checkpoint()

    contest = manifest.contests[0]
    people: list[Voter] = []
    for i in range(voters):
        style = styles[i % len(styles)]
        key = Ed25519PrivateKey.generate()
        pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        prefix, signature = issue_credential(private[style], manifest.election_id, style, pub)
        if voter_keys is not None:
            voter_keys[pub.hex()] = key
        people.append(Voter(style, key, prefix, signature, secrets.token_hex(32)))

    def cast(voter: Voter, choice: int, *, spoil: bool = False) -> None:
        vector = [0] * len(contest.selections)
        vector[choice % len(vector)] = 1
        ballot, reveal = create_ballot(
            manifest,
            voter.style_id,
            {contest.contest_id: vector},
            joint_public_key=joint.joint_public_key,
            base_hash=base,
            credential_key=voter.key,
            msg_prefix=voter.msg_prefix,
            registrar_signature=voter.registrar_signature,
            # App ballots name no precinct (record.devices.check_precinct_binding), unless the test plays a server
            # that lets them choose one.
            precinct_id=_precinct_of(manifest, voter.style_id) if app_ballots_name_a_precinct else None,
        )
        if spoil:
            append(EntryKind.SPOILED_BALLOT, {"ballot": ballot.to_json(), "reveal": reveal.to_json()})
            return
        append(EntryKind.BALLOT, ballot.to_json())
        built.tracking_codes.append(ballot.tracking_code())

    cast(people[0], 5, spoil=True)
    for i, voter in enumerate(people):
        cast(voter, i * 7 + 1)
        if i == len(people) // 2:
            checkpoint()
            behind[0] = log_clock_behind_ms
    for voter in people[:revotes]:
        cast(voter, 2)
    issued: dict[str, int] = {}
    for voter in people:
        issued[voter.style_id] = issued.get(voter.style_id, 0) + 1
    append(
        EntryKind.ISSUANCE,
        {
            "election_id": manifest.election_id,
            "counts": dict(sorted(issued.items())),
            "voter_hashes": sorted(v.voter_hash for v in people),
        },
    )
    clock.set(utc_ms(close_at or manifest.dates.voting_closes))
    append(EntryKind.CLOSE, Close(manifest.election_id, board.size, utc_text(clock.now), close_reason).to_payload())
    checkpoint()

    ballots = []
    from record.ballot import EncryptedBallot

    for entry in board.entries(0, board.size):
        if entry.kind is EntryKind.BALLOT:
            parsed = EncryptedBallot.from_json(dict(entry.payload))
            ballots.append(CastBallot(entry.index, parsed, tuple(parsed.decode_contests())))
    weeded = weed(ballots, revoting_allowed=manifest.policy.revoting_allowed)
    for precinct_id in annul:
        texts = ("ballot stuffing seen on the video", "Election law, art. 43(3)")
        if annulment_signer is registrar and commission_key is not None:  # signed past the producer's own check
            unsigned = PrecinctAnnulment(
                manifest.election_id, precinct_id, *texts, public_key_bytes(registrar.public_key()), b"\0" * 64
            ).unsigned_payload()
            body = annulment_signing_body(manifest.manifest_hash(), unsigned)
            signature = signing.sign(registrar, PRECINCT_ANNULMENT_TAG, body)
            append(EntryKind.PRECINCT_ANNULMENT, {**unsigned, "signature": signature.hex()})
            continue
        annulment = sign_precinct_annulment(annulment_signer, manifest, precinct_id, *texts)
        append(EntryKind.PRECINCT_ANNULMENT, annulment.to_payload())
    counted = counted_set_from_entries(
        board.entries(0, board.size), revoting_allowed=manifest.policy.revoting_allowed
    ).items()
    if tally_ignores_annulments:
        counted = tuple(b.counted_item() for b in weeded.counted)
    if mixers:
        rows: list[Row] = [tuple(b.contests[0][1].ciphertexts) for b in weeded.counted]
        append(EntryKind.MIX_INPUT, MixInput(tuple(rows)).to_payload())
        for position, trustee in enumerate(mixers):
            mixer = TrusteeSecrets.from_dict(stores[trustee - 1].secrets)
            assert mixer.identity_key is not None
            key = Ed25519PrivateKey.from_private_bytes(mixer.identity_key)
            posted = make_shuffle_post(key, manifest, base, joint.joint_public_key, trustee, position, rows)
            append(EntryKind.SHUFFLE, posted)
            rows = list(ShufflePost.from_payload(posted).outputs)
        checkpoint()
    tally = publishable(manifest, aggregate(manifest, counted))
    registered = register.by_region(manifest)
    tally_payload = {
        **tally.to_json(),
        "superseded": list(weeded.superseded),
        "refused_second": list(weeded.refused_second),
        "registered_by_region": registered,
    }
    tally_index = append(EntryKind.ENCRYPTED_TALLY, tally_payload)
    posted = board.entry(tally_index)
    context = decryption_context(base, payload_hash(EntryKind.ENCRYPTED_TALLY, posted.payload))
    every = tally.ciphertexts()
    positions = decryptable_positions(every)
    ciphertexts = [every[i] for i in positions]
    shares = {}
    for trustee in (1, 3):
        secrets_ = TrusteeSecrets.from_dict(stores[trustee - 1].secrets)
        assert secrets_.key_share is not None
        shares[trustee] = compute_decryption_shares(context, trustee, secrets_.key_share.secret_share, ciphertexts)
        unsigned = DecryptionSharePart(trustee, tally_index, 0, 1, tuple(shares[trustee])).to_payload()
        assert secrets_.identity_key is not None
        identity = Ed25519PrivateKey.from_private_bytes(secrets_.identity_key)
        append(
            EntryKind.DECRYPTION_SHARE,
            sign_trustee_post(identity, manifest.manifest_hash(), EntryKind.DECRYPTION_SHARE.value, unsigned),
        )
    points = combine_decryption_share_vectors(ciphertexts, [shares[1], shares[3]], 2)
    table = DiscreteLogTable(max(1, tally.ballots_counted), math.isqrt(max(1, tally.ballots_counted)) + 16)
    counts = [0] * len(every)
    for position, point in zip(positions, points, strict=True):
        counts[position] = 0 if point.is_identity() else table.decode(point)
    flat = iter(counts)
    by_style = {g.key: {c: [next(flat) for _ in cts] for c, cts in g.contests} for g in tally.styles}
    by_precinct = {g.key: {c: [next(flat) for _ in cts] for c, cts in g.contests} for g in tally.precincts}
    turnout = turnout_from_tally(manifest, tally, registered)
    results = compute_results_by_style(manifest, by_style, turnout)
    result = ResultEntry(
        election_id=manifest.election_id,
        tally_entry=tally_index,
        trustees=(1, 3),
        rejected_trustees={},
        counts_by_style={g: {c: tuple(v) for c, v in cs.items()} for g, cs in by_style.items()},
        counts_by_precinct={g: {c: tuple(v) for c, v in cs.items()} for g, cs in by_precinct.items()},
        turnout=turnout.model_dump(mode="json"),
        results=results.to_canonical_dict(),
        results_hash=results.results_hash(),
    )
    append(EntryKind.RESULT, result.to_payload())
    checkpoint()
    with path.open("wb") as f:
        write_export(board, f)
    return built


# --- mutating an export ------------------------------------------------------------------------------------------


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def write_lines(path: Path, lines: Sequence[dict[str, Any]]) -> None:
    from crypto.canonical import canonical_json

    path.write_bytes(b"".join(canonical_json(line) + b"\n" for line in lines))


def flip_hex_byte(text: str, byte: int = 0) -> str:
    """``text`` (hex) with one byte flipped (XOR 0x01), staying valid lowercase hex."""
    raw = bytearray(bytes.fromhex(text))
    raw[byte % len(raw)] ^= 0x01
    return raw.hex()
