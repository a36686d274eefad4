"""Mixing on the board (record.md §2.14): a chain of trustee shuffles, the k-distinct-trustees policy, and each way
a chain can break. Every forged chain differs from the honest one in the one thing the test names."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.elgamal import ElGamalKeyPair, decrypt_to_point, encrypt
from crypto.errors import InvalidProofError
from crypto.group import Point, Scalar
from crypto.shuffle import Row
from elections.errors import ManifestError, TrusteeUnauthenticatedError
from elections.manifest import Manifest, TrusteeRosterEntry
from elections.presets import build_preset
from record.mix import (
    MixError,
    MixInput,
    ShufflePost,
    check_mix,
    make_shuffle_post,
    require_mixed,
    rows_hash,
)
from record.trustee_posts import identity_public_hex, sign_trustee_post

KEYS = [Ed25519PrivateKey.from_private_bytes(bytes([i]) * 32) for i in (1, 2, 3)]
JOINT = ElGamalKeyPair.from_secret(Scalar(0xA11CE))
BASE_HASH = b"\x0b" * 32


def _manifest(required: int | None = 2) -> Manifest:
    data = build_preset("president").model_dump(mode="json")
    data["trustees"] = [
        TrusteeRosterEntry(index=i + 1, name=f"Trustee {i + 1}", public_key=identity_public_hex(k)).model_dump()
        for i, k in enumerate(KEYS)
    ]
    data["trustee_threshold"] = 2
    data["policy"]["mixing_trustees_required"] = required
    return Manifest.from_dict(data)


MANIFEST = _manifest()


def _input_rows(count: int = 5) -> list[Row]:
    return [
        (encrypt(JOINT.public, 10 + i, Scalar(500 + i)), encrypt(JOINT.public, i, Scalar(900 + i)))
        for i in range(count)
    ]


def _chain(trustees: list[int], rows: list[Row] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = rows or _input_rows()
    mix_input = MixInput(tuple(rows)).to_payload()
    posts = []
    current: list[Row] = list(rows)
    for position, trustee in enumerate(trustees):
        payload = make_shuffle_post(KEYS[trustee - 1], MANIFEST, BASE_HASH, JOINT.public, trustee, position, current)
        posts.append(payload)
        current = list(ShufflePost.from_payload(payload).outputs)
    return mix_input, posts


def _plain(rows: tuple[Row, ...] | list[Row]) -> list[tuple[Point, ...]]:
    return sorted(
        (tuple(decrypt_to_point(ct, JOINT.secret) for ct in row) for row in rows),
        key=lambda r: [p.to_bytes() for p in r],
    )


def test_two_distinct_trustees_mix_the_list_and_keep_its_plaintexts() -> None:
    mix_input, posts = _chain([2, 3])
    result = check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, posts)
    assert result.trustees == (2, 3) and result.mixed
    assert _plain(require_mixed(result)) == _plain(_input_rows())


def test_one_shuffle_is_not_enough_for_a_policy_of_two() -> None:
    mix_input, posts = _chain([1])
    result = check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, posts)
    assert not result.mixed
    with pytest.raises(MixError) as e:
        require_mixed(result)
    assert e.value.code == "not_mixed"


def test_the_same_trustee_twice_is_refused() -> None:
    mix_input, posts = _chain([1, 1])
    with pytest.raises(MixError) as e:
        check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, posts)
    assert e.value.code == "trustee_already_mixed"


def test_a_shuffle_of_an_older_list_is_refused() -> None:
    # Trustee 3 shuffles the mix input again instead of trustee 2's outputs: its proof is valid for what it took.
    mix_input, posts = _chain([2])
    rows = list(MixInput.from_payload(mix_input).rows)
    stale = make_shuffle_post(KEYS[2], MANIFEST, BASE_HASH, JOINT.public, 3, 1, rows)
    with pytest.raises(MixError) as e:
        check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, [*posts, stale])
    assert e.value.code == "mix_out_of_order"


def test_a_shuffle_posted_at_another_position_is_refused() -> None:
    mix_input, posts = _chain([2])
    moved = sign_trustee_post(KEYS[1], MANIFEST.manifest_hash(), "shuffle", {**posts[0], "position": 1})
    with pytest.raises(MixError) as e:
        check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, [moved])
    assert e.value.code == "mix_out_of_order"


def test_a_proof_made_for_another_trustee_is_refused() -> None:
    # Trustee 1 re-signs trustee 2's shuffle as its own: the proof's context names trustee 2.
    mix_input, posts = _chain([2])
    relabelled = sign_trustee_post(KEYS[0], MANIFEST.manifest_hash(), "shuffle", {**posts[0], "trustee": 1})
    with pytest.raises(InvalidProofError):
        check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, [relabelled])


def test_a_proof_made_for_another_election_is_refused() -> None:
    mix_input, posts = _chain([2, 3])
    with pytest.raises(InvalidProofError):
        check_mix(MANIFEST, b"\x0c" * 32, JOINT.public, mix_input, posts)


def test_an_output_altered_after_the_proof_is_refused() -> None:
    mix_input, posts = _chain([2])
    post = ShufflePost.from_payload(posts[0])
    outputs = list(post.outputs)
    outputs[1] = (outputs[1][0], outputs[0][1])  # one ciphertext replaced by another row's
    forged = {
        **posts[0],
        "outputs": ShufflePost(2, 0, post.input_hash, tuple(outputs), post.proof).to_payload()["outputs"],
    }
    forged = sign_trustee_post(KEYS[1], MANIFEST.manifest_hash(), "shuffle", forged)
    with pytest.raises(InvalidProofError):
        check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, [forged])


def test_a_shuffle_not_signed_by_its_trustee_is_refused() -> None:
    mix_input, posts = _chain([2])
    forged = sign_trustee_post(KEYS[0], MANIFEST.manifest_hash(), "shuffle", posts[0])  # trustee 1's key
    with pytest.raises(TrusteeUnauthenticatedError):
        check_mix(MANIFEST, BASE_HASH, JOINT.public, mix_input, [forged])


def test_the_input_hash_names_the_list_shuffled() -> None:
    mix_input, posts = _chain([2])
    assert ShufflePost.from_payload(posts[0]).input_hash == rows_hash(MixInput.from_payload(mix_input).rows)


def test_the_payload_reader_is_strict() -> None:
    _, posts = _chain([2])
    with pytest.raises(MixError) as e:
        ShufflePost.from_payload({**posts[0], "extra": 1})
    assert e.value.code == "malformed"
    with pytest.raises(MixError) as e:
        ShufflePost.from_payload({**posts[0], "proof": posts[0]["proof"][:-2]})
    assert e.value.code == "non_canonical"
    with pytest.raises(MixError):
        MixInput.from_payload({"rows": "00"})


def test_a_manifest_without_a_mixing_policy_asks_for_no_mixing() -> None:
    mix_input, posts = _chain([2, 3])
    with pytest.raises(MixError) as e:
        check_mix(_manifest(None), BASE_HASH, JOINT.public, mix_input, posts)
    assert e.value.code == "mixing_not_in_policy"
    assert "mixing_trustees_required" not in _manifest(None).to_canonical_dict()["policy"]


def test_a_policy_asking_more_mixers_than_the_roster_has_is_refused() -> None:
    with pytest.raises(ManifestError, match="mixing by 4 distinct trustees"):
        _manifest(4)
