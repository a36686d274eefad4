"""Every decoder of untrusted input, fed arbitrary bytes and mutations of valid encodings (Hypothesis): it returns
a valid object or raises a typed `ShailooError` with a stable code — never ``ValueError``, ``KeyError``,
``TypeError``, ``IndexError``, ``RecursionError`` or anything else that would surface as a 500 or a crash.

Examples per property: ``SHAILOO_FUZZ_EXAMPLES`` (default 150 in CI; bench/load.md gives the long run).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin_board import merkle
from bulletin_board.checkpoint import SignedPromise, SignedTreeHead, TreeHead, sign_promise, sign_tree_head
from bulletin_board.entries import Entry
from bulletin_board.proofs import ConsistencyProof, InclusionProof
from crypto import blind_rsa
from crypto.blind_rsa import BlindRsaPrivateKey, BlindRsaPublicKey
from crypto.contest import EncryptedContest, encrypt_contest
from crypto.elgamal import Ciphertext, ElGamalKeyPair, encrypt
from crypto.errors import ShailooError
from crypto.group import Point, Scalar
from crypto.proofs import (
    ChaumPedersenProof,
    DisjunctiveProof,
    SchnorrProof,
    prove_equal_dlog,
    prove_knowledge,
    prove_zero_or_one,
)
from crypto.threshold import DecryptionShare, compute_decryption_shares
from elections.manifest import Manifest
from elections.presets import build_preset
from identity.face import FaceTemplate
from identity.personal_number import parse_personal_number
from record.ballot import BallotReveal, EncryptedBallot
from trustees.keystore import KdfParams, Keystore

EXAMPLES = int(os.environ.get("SHAILOO_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
CONTEXT = b"\x42" * 32
KEYS = ElGamalKeyPair.from_secret(Scalar(0xF022))
R = Scalar(0x1234)


def only_typed_errors(decode: Callable[[], object]) -> None:
    """Run ``decode``: success or a `ShailooError` with a non-empty snake_case code; anything else fails."""
    try:
        decode()
    except ShailooError as e:
        assert e.code and e.code == e.code.lower() and " " not in e.code, e.code


# --- valid seeds to mutate -------------------------------------------------------------------------------------


def _seeds() -> dict[str, bytes]:
    ct = encrypt(KEYS.public, 1, R)
    contest, _ = encrypt_contest(CONTEXT, KEYS.public, [0, 1, 0], 1, 1)
    (share,) = compute_decryption_shares(CONTEXT, 1, Scalar(77), [ct])
    return {
        "scalar": Scalar(123456789).to_bytes(),
        "point": Point.base_mul(Scalar(99)).to_bytes(),
        "ciphertext": ct.to_bytes(),
        "schnorr": prove_knowledge(CONTEXT, Scalar(5)).to_bytes(),
        "chaum_pedersen": prove_equal_dlog(CONTEXT, Scalar(3), Point.generator(), KEYS.public).to_bytes(),
        "zero_or_one": prove_zero_or_one(CONTEXT, KEYS.public, ct, 1, R).to_bytes(),
        "contest": contest.to_bytes(),
        "decryption_share": share.to_bytes(),
    }


SEEDS = _seeds()

BYTE_DECODERS: dict[str, Callable[[bytes], object]] = {
    "scalar": Scalar.from_bytes,
    "point": Point.from_bytes,
    "ciphertext": Ciphertext.from_bytes,
    "schnorr": SchnorrProof.from_bytes,
    "chaum_pedersen": ChaumPedersenProof.from_bytes,
    "zero_or_one": lambda b: DisjunctiveProof.from_bytes(b, 2),
    "contest": EncryptedContest.from_bytes,
    "decryption_share": DecryptionShare.from_bytes,
}


def _mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """A valid encoding with a few bytes overwritten, inserted or cut."""

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 4))):
            op = draw(st.sampled_from(["set", "insert", "cut"]))
            at = draw(st.integers(0, max(0, len(data) - 1)))
            if op == "set" and data:
                data[at] = draw(st.integers(0, 255))
            elif op == "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=3))
            elif data:
                del data[at : at + draw(st.integers(1, 3))]
        return bytes(data)

    return mutate()


@pytest.mark.parametrize("name", list(BYTE_DECODERS))
@FUZZ
@given(data=st.data())
def test_crypto_decoder_raises_only_typed_errors(name: str, data: st.DataObject) -> None:
    seed = SEEDS[name]
    raw = data.draw(st.one_of(st.binary(max_size=2 * len(seed) + 8), _mutated(seed)))
    only_typed_errors(lambda: BYTE_DECODERS[name](raw))


@FUZZ
@given(text=st.text(max_size=80))
def test_hex_decoders_raise_only_typed_errors(text: str) -> None:
    only_typed_errors(lambda: Scalar.from_hex(text))
    only_typed_errors(lambda: Point.from_hex(text))


# --- blind RSA keys and signatures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer_key() -> BlindRsaPrivateKey:
    return BlindRsaPrivateKey.generate(2048, insecure_allow_small_for_tests=True)


@FUZZ
@given(data=st.data())
def test_blind_rsa_public_key_decoding_raises_only_typed_errors(
    issuer_key: BlindRsaPrivateKey, data: st.DataObject
) -> None:
    seed = issuer_key.public_key().to_bytes()
    raw = data.draw(st.one_of(st.binary(max_size=600), _mutated(seed)))
    only_typed_errors(lambda: BlindRsaPublicKey.from_bytes(raw, min_bits=2048))


@FUZZ
@given(data=st.data())
def test_blind_rsa_private_key_decoding_raises_only_typed_errors(
    issuer_key: BlindRsaPrivateKey, data: st.DataObject
) -> None:
    seed = issuer_key.to_bytes()
    raw = data.draw(st.one_of(st.binary(max_size=300), _mutated(seed)))
    only_typed_errors(lambda: BlindRsaPrivateKey.from_bytes(raw, min_bits=2048))


@FUZZ
@given(signature=st.binary(max_size=300), message=st.binary(max_size=64))
def test_blind_rsa_verify_and_blind_sign_raise_only_typed_errors(
    issuer_key: BlindRsaPrivateKey, signature: bytes, message: bytes
) -> None:
    public = issuer_key.public_key()
    only_typed_errors(lambda: blind_rsa.verify(public, message, signature))
    only_typed_errors(lambda: blind_rsa.blind_sign(issuer_key, signature))


# --- board entries, checkpoints, proofs ----------------------------------------------------------------------------

LOG_KEY = Ed25519PrivateKey.generate()
ENTRY = Entry.create(3, "manifest", {"manifest_hash": "ab" * 32, "n": [1, 2, {"x": None}]})
HEAD = sign_tree_head(TreeHead("shailoo.test/board", 4, merkle.root([b"\x00" * 32] * 4), 1_700_000_000_000), LOG_KEY)
PROMISE = sign_promise("shailoo.test/board", 3, ENTRY.entry_hash, 1_700_000_000_000, LOG_KEY)


@FUZZ
@given(data=st.data())
def test_board_entry_decoding_raises_only_typed_errors(data: st.DataObject) -> None:
    raw = data.draw(st.one_of(st.binary(max_size=200), _mutated(ENTRY.leaf_bytes)))
    only_typed_errors(lambda: Entry.from_leaf_bytes(raw))


@pytest.mark.parametrize(
    ("name", "seed", "decode"),
    [("tree_head", HEAD.to_text(), SignedTreeHead.from_text), ("promise", PROMISE.to_text(), SignedPromise.from_text)],
)
@FUZZ
@given(data=st.data())
def test_checkpoint_decoding_raises_only_typed_errors(
    name: str, seed: str, decode: Callable[[str], object], data: st.DataObject
) -> None:
    raw = data.draw(
        st.one_of(st.text(max_size=300), _mutated(seed.encode()).map(lambda b: b.decode("utf-8", "replace")))
    )
    only_typed_errors(lambda: decode(raw))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def _locations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every member and element of a JSON value, at every depth."""
    found: list[tuple[Any, ...]] = []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found.append((*path, key))
        found.extend(_locations(child, (*path, key)))
    return found


def _json_mutations(seed: dict[str, Any]) -> st.SearchStrategy[Any]:
    """The seed with one member or element, at any depth, dropped, retyped or joined by an unknown key."""

    @st.composite
    def mutate(draw: st.DrawFn) -> Any:
        value = json.loads(json.dumps(seed))
        path = draw(st.sampled_from(_locations(value)))
        parent = value
        for key in path[:-1]:
            parent = parent[key]
        op = draw(st.sampled_from(["drop", "retype", "add"]))
        if op == "drop":
            del parent[path[-1]]
        elif op == "retype":
            parent[path[-1]] = draw(JSON)
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(JSON)
        else:
            parent.append(draw(JSON))
        return value

    return mutate()


INCLUSION = {"index": 1, "tree_size": 4, "hashes": ["00" * 32, "11" * 32]}
CONSISTENCY = {"old_size": 2, "new_size": 4, "hashes": ["00" * 32]}


@pytest.mark.parametrize(
    ("seed", "decode"), [(INCLUSION, InclusionProof.from_json), (CONSISTENCY, ConsistencyProof.from_json)]
)
@FUZZ
@given(data=st.data())
def test_board_proof_decoding_raises_only_typed_errors(
    seed: dict[str, Any], decode: Callable[[Any], object], data: st.DataObject
) -> None:
    # The proofs' decoders take a mapping (their callers parse the JSON object first); everything inside is fuzzed.
    value = data.draw(st.one_of(st.dictionaries(st.text(max_size=12), JSON, max_size=4), _json_mutations(seed)))
    only_typed_errors(lambda: decode(value))


# --- ballots, reveals, manifests -----------------------------------------------------------------------------------

BALLOT = {
    "format": "shailoo-ballot/1",
    "election_id": "kg-president-2021",
    "style_id": "s-batken",
    "precinct_id": None,
    "contests": [{"contest_id": "president", "encrypted": SEEDS["contest"].hex()}],
    "credential": {"public_key": "11" * 32, "msg_prefix": "22" * 32, "registrar_signature": "33" * 256},
    "signature": "44" * 64,
}
REVEAL = {"contests": [{"contest_id": "president", "selections": [0, 1, 0], "nonces": [R.hex()] * 3}]}


@pytest.mark.parametrize(("seed", "decode"), [(BALLOT, EncryptedBallot.from_json), (REVEAL, BallotReveal.from_json)])
@FUZZ
@given(data=st.data())
def test_ballot_decoding_raises_only_typed_errors(
    seed: dict[str, Any], decode: Callable[[Any], Any], data: st.DataObject
) -> None:
    value = data.draw(st.one_of(JSON, _json_mutations(seed)))

    def decode_fully() -> None:
        decoded = decode(value)
        if isinstance(decoded, EncryptedBallot):
            decoded.decode_contests()
            decoded.ballot_hash()

    only_typed_errors(decode_fully)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("contests", 0, "encrypted"), 7),
        (("contests", 0, "contest_id"), ["president"]),
        (("credential", "public_key"), None),
        (("credential",), "11" * 32),
        (("contests", 0), "president"),
    ],
)
def test_a_wrong_type_deep_in_a_ballot_is_malformed_and_names_its_path(path: tuple[Any, ...], value: Any) -> None:
    # Found by review: a contest whose "encrypted" was a number escaped the decoder as a TypeError (HTTP 500).
    ballot = json.loads(json.dumps(BALLOT))
    parent = ballot
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    with pytest.raises(ShailooError) as refused:
        EncryptedBallot.from_json(ballot)
    assert refused.value.code in ("malformed", "non_canonical")
    expected = "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)
    assert refused.value.message.startswith(expected + ":"), refused.value.message


@FUZZ
@given(data=st.data())
def test_manifest_decoding_raises_only_typed_errors(data: st.DataObject) -> None:
    seed = build_preset("referendum").to_canonical_dict()
    value = data.draw(st.one_of(JSON, _json_mutations(seed)))
    only_typed_errors(lambda: Manifest.from_dict(value))
    only_typed_errors(lambda: Manifest.from_json(json.dumps(value).encode()))


@FUZZ
@given(raw=st.binary(max_size=200))
def test_manifest_from_arbitrary_bytes_raises_only_typed_errors(raw: bytes) -> None:
    only_typed_errors(lambda: Manifest.from_json(raw))


# --- identity and trustees' files ------------------------------------------------------------------------------


@FUZZ
@given(raw=st.binary(max_size=1100))
def test_face_template_decoding_raises_only_typed_errors(raw: bytes) -> None:
    only_typed_errors(lambda: FaceTemplate.from_bytes(raw))


@FUZZ
@given(text=st.text(max_size=30))
def test_personal_number_parsing_raises_only_typed_errors(text: str) -> None:
    only_typed_errors(lambda: parse_personal_number(text))


@pytest.fixture(scope="module")
def keystore_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("keystore") / "trustee.keystore"
    fast = KdfParams(time_cost=1, memory_kib=64, parallelism=1)
    Keystore.create(path, "correct horse battery staple", {"s": 1}, label={"trustee": 1}, kdf=fast)
    return path.read_bytes()


@settings(max_examples=max(20, EXAMPLES // 3), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_keystore_file_decoding_raises_only_typed_errors(
    keystore_bytes: bytes, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    raw = data.draw(st.one_of(st.binary(max_size=400), _mutated(keystore_bytes)))
    path: Path = tmp_path_factory.mktemp("fuzzed") / "k"
    path.write_bytes(raw)
    only_typed_errors(lambda: Keystore.open(path, "correct horse battery staple"))


# --- precinct records, trustee posts, tallies, board exports -------------------------------------------------------


DEVICE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@functools.cache
def _record_seeds() -> dict[str, dict[str, Any]]:
    """A valid payload of each record decoder, made by the real producers. `_json_mutations` changes one member at
    any depth, so the fuzzer reaches the nested fields that random objects never get to."""
    from precinct.scanner import ScannerRecord, read_sheet
    from record.lifecycle import Close
    from record.precinct import (
        GENESIS,
        PrecinctProtocol,
        ProtocolContest,
        device_public_bytes,
        encrypt_paper_ballot,
        sign_batch,
        sign_protocol,
    )
    from record.register import sign_register_counts

    manifest = build_preset("president")
    scan = ScannerRecord("pr0001", 1, "s-batken", (("president", (2,), ()),))
    paper = encrypt_paper_ballot(
        manifest,
        read_sheet(manifest, scan),
        scan.sheet,
        precinct_id="pr0001",
        device_key=device_public_bytes(DEVICE_KEY),
        joint_public_key=KEYS.public,
        base_hash=bytes(32),
    )
    batch = sign_batch(
        DEVICE_KEY,
        election_id=manifest.election_id,
        device_id="urn-pr0001-1",
        precinct_id="pr0001",
        sequence=1,
        previous=GENESIS,
        ballots=[paper],
        cast=[bytes(range(32))],
    )
    counts = tuple(int(i == 1) for i in range(len(manifest.contest("president").selections)))
    protocol = sign_protocol(
        DEVICE_KEY,
        PrecinctProtocol(
            manifest.election_id,
            "urn-pr0001-1",
            "pr0001",
            voters_identified=1,
            ballots_read=1,
            batches=1,
            last_batch=batch.batch_hash(),
            contests=(ProtocolContest("president", 1, 0, counts),),
            signature=bytes(64),
        ),
    )
    return {
        "device_batch": batch.to_json(),
        "paper_ballot_record": paper.to_json(),
        "precinct_protocol": protocol.to_json(),
        "scanner_record": scan.to_json(),
        "register_counts": sign_register_counts(
            DEVICE_KEY, manifest, dict.fromkeys((st_.style_id for st_ in manifest.ballot_styles), 3)
        ).to_payload(),
        "close": Close(manifest.election_id, 40, "2026-01-10T14:00:05Z", None).to_payload(),
        **_trustee_seeds(),
    }


def _trustee_seeds() -> dict[str, dict[str, Any]]:
    """A 2-of-3 key ceremony's objects (fixed polynomials), as trustee 1 posts and keeps them."""
    from crypto.threshold import (
        compute_decryption_share,
        dkg_finish,
        dkg_step1,
        dkg_step2,
        dkg_step3,
        make_complaint,
    )
    from record.ceremony import checked_post, commitment_post, shares_post

    states, commitments = {}, []
    for index in (1, 2, 3):
        polynomial = (Scalar(100 * index + 1), Scalar(100 * index + 2))
        states[index], commitment = dkg_step1(
            CONTEXT, index, 3, 2, coefficients=polynomial, share_key_secret=Scalar(100 * index + 3)
        )
        commitments.append(commitment)
    sent = {index: dkg_step2(CONTEXT, state, commitments) for index, state in states.items()}
    inbox = [e for shares in sent.values() for e in shares if e.recipient == 1]
    key_share = dkg_finish(CONTEXT, states[1], commitments, dkg_step3(CONTEXT, states[1], commitments, inbox))
    ciphertext = encrypt(key_share.joint_public_key, 1, R)
    complaint = make_complaint(CONTEXT, states[1], inbox[0])
    posts = [
        commitment_post(CONTEXT, commitments[0], attempt=1),
        shares_post(CONTEXT, 1, sent[1], attempt=1),
        checked_post(CONTEXT, 1, [complaint], attempt=1),
    ]
    return {
        "trustee_post": posts[1].to_dict(),
        # The board payloads of the key ceremony (CONTEXT is its context), as `read_ceremony` reads them.
        **{f"ceremony:{post.kind.value}": post.payload for post in posts},
        "trustee_commitment": commitments[0].to_dict(),
        "encrypted_share": sent[1][0].to_dict(),
        "complaint": complaint.to_dict(),
        "decryption_share": compute_decryption_share(CONTEXT, 1, key_share.secret_share, ciphertext).to_dict(),
        "trustee_secret_state": states[1].to_dict(),
        "trustee_key_share": key_share.to_dict(),
    }


def _json_decoders() -> dict[str, Callable[[Any], object]]:
    from crypto.share_encryption import EncryptedShare
    from crypto.threshold import Complaint, TrusteeCommitment, TrusteeKeyShare, TrusteeSecretState
    from precinct.scanner import ScannerRecord
    from record.ceremony import Post
    from record.lifecycle import Close
    from record.precinct import DeviceBatch, PaperBallotRecord, PrecinctProtocol
    from record.register import RegisterCounts
    from record.tally import EncryptedTally

    return {
        # Paper ballots are decoded down to their points and proofs, as the tally and the observer do.
        "device_batch": lambda v: [b.valid_contests() for b in DeviceBatch.from_json(v).ballots],
        "paper_ballot_record": lambda v: PaperBallotRecord.from_json(v).valid_contests(),
        "precinct_protocol": PrecinctProtocol.from_json,
        "scanner_record": ScannerRecord.from_json,
        "register_counts": RegisterCounts.from_payload,
        "close": Close.from_payload,
        "trustee_post": Post.from_dict,
        "encrypted_tally": EncryptedTally.from_json,
        "trustee_commitment": TrusteeCommitment.from_dict,
        "encrypted_share": EncryptedShare.from_dict,
        "complaint": Complaint.from_dict,
        "decryption_share": DecryptionShare.from_dict,
        "trustee_secret_state": TrusteeSecretState.from_dict,
        "trustee_key_share": TrusteeKeyShare.from_dict,
    }


@pytest.mark.parametrize("name", list(_json_decoders()))
@FUZZ
@given(data=st.data())
def test_record_decoding_raises_only_typed_errors(name: str, data: st.DataObject) -> None:
    arbitrary = st.one_of(JSON, st.dictionaries(st.text(max_size=12), JSON, max_size=6))
    seed = _record_seeds().get(name)
    value = data.draw(arbitrary if seed is None else st.one_of(arbitrary, _json_mutations(seed)))
    only_typed_errors(lambda: _json_decoders()[name](value))


def _json_path(path: tuple[Any, ...]) -> str:
    """``("contests", 0, "encrypted")`` as ``$.contests[0].encrypted``."""
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with the member at ``path`` set to ``new``."""
    copy = json.loads(json.dumps(value))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return copy


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("device_batch", ("ballots", 0, "contests", 0, "encrypted"), 7),
        ("device_batch", ("ballots", 0, "sheet"), "1"),
        ("device_batch", ("cast", 0), None),
        ("paper_ballot_record", ("contests", 0, "contest_id"), ["president"]),
        ("paper_ballot_record", ("contests", 0), "president"),
        ("precinct_protocol", ("contests", 0, "counts", 1), "1"),
        ("precinct_protocol", ("contests", 0, "valid"), True),
        ("trustee_commitment", ("coefficient_commitments", 1), 7),
        ("trustee_commitment", ("n",), "3"),
        ("encrypted_share", ("body",), None),
        ("complaint", ("revealed_share",), 7),
        ("decryption_share", ("proof",), ["ab"]),
        ("trustee_secret_state", ("coefficients", 0), 7),
        ("trustee_key_share", ("index",), True),
        ("scanner_record", ("contests", "president", "marked", 0), "2"),
        ("scanner_record", ("contests", "president"), [2]),
        ("scanner_record", ("sheet",), True),
        ("trustee_post", ("payload",), []),
        ("trustee_post", ("dedup_key",), 7),
    ],
)
def test_a_wrong_type_deep_in_a_record_is_malformed_and_names_its_path(
    name: str, path: tuple[Any, ...], value: Any
) -> None:
    # Found by review: the hand-written record decoders refused a wrong type deep inside without saying where
    # (a number for a paper ballot's hex said only "encrypted must be lowercase hex", as non_canonical).
    with pytest.raises(ShailooError) as refused:
        _json_decoders()[name](_replaced(_record_seeds()[name], path, value))
    # The scanner format's spec gives its one code for every refusal; the message names the field.
    expected_code = "invalid_scanner_record" if name == "scanner_record" else "malformed"
    assert refused.value.code == expected_code, refused.value.code
    assert f"{_json_path(path)}: " in refused.value.message, refused.value.message


CEREMONY_KINDS = ["trustee_commitment", "trustee_share", "complaint"]


def _read_ceremony_entry(kind: str, payload: Any) -> Any:
    """The 2-of-3 ceremony of context CONTEXT as `read_ceremony` reads it from a board holding one entry."""
    from record.ceremony import read_ceremony

    return read_ceremony([Entry.create(0, kind, payload)], CONTEXT, 3, 2)


@pytest.mark.parametrize("kind", CEREMONY_KINDS)
@FUZZ
@given(data=st.data())
def test_ceremony_entries_are_read_or_noted_malformed_never_crash(kind: str, data: st.DataObject) -> None:
    seed = _record_seeds()[f"ceremony:{kind}"]
    payload = data.draw(st.one_of(st.dictionaries(st.text(max_size=12), JSON, max_size=6), _json_mutations(seed)))
    # A malformed entry is noted in the view and skipped; an entry the board refuses raises its typed error.
    only_typed_errors(lambda: _read_ceremony_entry(kind, payload))


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("trustee_commitment", ("commitment", "coefficient_commitments", 0), 7),
        ("trustee_commitment", ("commitment", "k"), "2"),
        ("trustee_share", ("shares", 1, "body"), 7),
        ("trustee_share", ("sender",), "1"),
        ("complaint", ("complaints", 0, "proof"), None),
        ("complaint", ("complainer",), "1"),
    ],
)
def test_a_wrong_type_deep_in_a_ceremony_entry_is_noted_with_its_path(
    kind: str, path: tuple[Any, ...], value: Any
) -> None:
    # Found by review: the key ceremony read a sender "1" as trustee 1 (int() of a string), and a bad share deep in
    # an entry was noted without saying which.
    assert not _read_ceremony_entry(kind, _record_seeds()[f"ceremony:{kind}"]).malformed
    view = _read_ceremony_entry(kind, _replaced(_record_seeds()[f"ceremony:{kind}"], path, value))
    assert not view.payloads
    (note,) = view.malformed
    assert f"{_json_path(path)}: " in note, note


@FUZZ
@given(lines=st.lists(st.one_of(st.binary(max_size=80), JSON.map(lambda v: json.dumps(v).encode())), max_size=5))
def test_board_export_verification_raises_only_typed_errors(lines: list[bytes]) -> None:
    from bulletin_board.export import verify_export

    only_typed_errors(lambda: verify_export(lines))
