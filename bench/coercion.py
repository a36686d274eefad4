"""Benchmark of the coercion-resistant mode (docs/spec/credentials.md), against the homomorphic path in the same run.

Run from the repository root::

    uv run --frozen python bench/coercion.py                  # 1,000 tags, 100,000 matched, a tally of 1,000
    uv run --frozen python bench/coercion.py --tally 2000     # a larger tally
    uv run --frozen python bench/coercion.py --quick          # small sizes (the smoke test)

Prints ONE JSON document on stdout (progress on stderr); one core, pinned, except where it says so:

* ``party_list_ballot``: the 2021 party-list contest (21 lists, one preference: 11 bits) as a packed choice —
  bytes, encrypt + prove, verify — against today's encrypted contest of 1,156 selections (`encrypt_contest`,
  `verify_contest`) measured in the same run.
* ``ballot_2021``: the WHOLE 2021 ballot of this mode (`record.cr_ballot`: the encrypted credential with its proof,
  the party list + preference in 11 bits, the district contest of 9 selections in 4 bits) — its JSON and binary
  bytes, create (encrypt + prove), check (`check_cr_ballot`: every proof) — against the homomorphic path's two
  contests (1,156 + 9 selections, `encrypt_contest` / `verify_contest`) in the same run; issue 16's aims ≤ 4 KB and
  ≤ 10 ms.
* ``tagging``: per ciphertext, one trustee's blinding with its proof, and the proof's check (measured on ``--tags``
  ciphertexts); the figure for 100,000 ballots + 100,000 roster entries and two trustees is an EXTRAPOLATION,
  marked ``"extrapolated": true``.
* ``matching``: `match_tags` over ``--match`` ballot tags against as many roster tags (measured, not extrapolated).
* ``tally``: the whole tally of ``--tally`` 2021 ballots (5 % of them cast with fake credentials) in process, the
  library calls of `trustees.cr_in_process` and the verifier's checks, step by step (seconds each), trustees 1
  and 3 of a 2-of-3 key.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))

from bench._harness import emit, load, log, machine, median_s, pin_one_core, timed  # noqa: E402
from crypto.contest import encrypt_contest, verify_contest  # noqa: E402
from crypto.credentials import blind, encrypt_credential, match_tags, verify_blinding  # noqa: E402
from crypto.elgamal import ElGamalKeyPair  # noqa: E402
from crypto.group import Point, Scalar  # noqa: E402
from crypto.packed import encode_party_list, encrypt_packed, party_list_bits, verify_packed  # noqa: E402

SCHEMA = "shailoo-bench-coercion/1"
CONTEXT = b"\x43" * 32
#: Issue 16's aims for the 2021 ballot in this mode.
AIM_BYTES = 4096
AIM_ENCRYPT_PROVE_S = 10e-3
SELECTIONS_2021 = 21 * (1 + 54) + 1


def bench_ballot(keys: ElGamalKeyPair, repeats: int, selections: int) -> dict[str, Any]:
    bits = sum(party_list_bits(21, 54))
    value = encode_party_list(7, 12, 21, 54)
    packed = [encrypt_packed(CONTEXT, keys.public, value, bits)]
    encrypt_s = median_s(lambda: packed.append(encrypt_packed(CONTEXT, keys.public, value, bits)), repeats)
    verify_s = median_s(lambda: verify_packed(CONTEXT, keys.public, packed[-1], bits), repeats)
    log(f"packed ballot: {encrypt_s * 1e3:.1f} ms; today's contest of {selections} selections")
    vector = [0] * selections
    vector[1] = 1
    contests = [encrypt_contest(CONTEXT, keys.public, vector, 1, 1)[0]]
    baseline_repeats = max(1, repeats // 3)
    today_encrypt = median_s(
        lambda: contests.append(encrypt_contest(CONTEXT, keys.public, vector, 1, 1)[0]), baseline_repeats
    )
    today_verify = median_s(lambda: verify_contest(CONTEXT, keys.public, contests[-1], 1, 1), baseline_repeats)
    size = len(packed[-1].to_bytes())
    return {
        "bits": bits,
        "packed": {"bytes": size, "encrypt_prove_s": encrypt_s, "verify_s": verify_s},
        "today": {
            "selections": selections,
            "bytes": len(contests[-1].to_bytes()),
            "encrypt_prove_s": today_encrypt,
            "verify_s": today_verify,
        },
        "aim": {"bytes": AIM_BYTES, "encrypt_prove_s": AIM_ENCRYPT_PROVE_S},
        "aim_met": {"bytes": size <= AIM_BYTES, "encrypt_prove_s": encrypt_s <= AIM_ENCRYPT_PROVE_S},
    }


def bench_tagging(keys: ElGamalKeyPair, count: int) -> dict[str, Any]:
    z = Scalar.random()
    key = Point.base_mul(z)
    cts = [encrypt_credential(keys.public, Scalar.random(), Scalar.random()) for _ in range(count)]
    start = time.perf_counter()
    blinded = [blind(CONTEXT, z, ct) for ct in cts]
    blind_s = (time.perf_counter() - start) / count
    start = time.perf_counter()
    for ct, (after, proof) in zip(cts, blinded, strict=True):
        verify_blinding(CONTEXT, key, ct, after, proof)
    verify_s = (time.perf_counter() - start) / count
    # 100,000 ballots + 100,000 roster entries, two trustees: 400,000 blindings and as many checks.
    return {
        "measured_on": count,
        "blind_prove_per_ciphertext_s": blind_s,
        "verify_per_ciphertext_s": verify_s,
        "ballots_100k_roster_100k_two_trustees": {
            "blind_prove_s": 400_000 * blind_s,
            "verify_s": 400_000 * verify_s,
            "extrapolated": True,
        },
    }


def bench_matching(count: int) -> dict[str, Any]:
    roster = [Point.base_mul(Scalar(i + 1)) for i in range(count)]
    ballots = roster[: count // 2] + [Point.base_mul(Scalar(count + i + 1)) for i in range(count - count // 2)]
    for tag in roster + ballots:
        tag.to_bytes()  # tags arrive decoded from bytes, encodings cached: time the matching alone
    start = time.perf_counter()
    result = match_tags(ballots, roster)
    elapsed = time.perf_counter() - start
    return {"ballots": count, "roster": count, "kept": len(result.kept), "match_s": elapsed}


def bench_ballot_2021(keys: ElGamalKeyPair, repeats: int) -> dict[str, Any]:
    """The whole 2021 ballot of this mode (style of district 1: the party list and the district) against the
    homomorphic path's two contests, in the same run."""
    from crypto.canonical import canonical_json
    from elections.presets import build_preset
    from record.cr_ballot import check_cr_ballot, create_cr_ballot
    from record.cr_contests import Layout

    manifest = build_preset("parliament-2021")
    layout = Layout.of(manifest)
    style = "s-d01"
    party_list = manifest.contest("party-list")
    marks = {"party-list": (party_list.selection_index("p05#12"),), "smd-d01": (3,)}
    choices = layout.encode_marks(style, marks)
    bits = layout.bits_of_style(style)
    secret = Scalar.random()
    made = [create_cr_ballot(CONTEXT, keys.public, manifest.election_id, style, secret, choices)]
    create_s = median_s(
        lambda: made.append(create_cr_ballot(CONTEXT, keys.public, manifest.election_id, style, secret, choices)),
        repeats,
    )
    check_s = median_s(lambda: check_cr_ballot(made[-1], CONTEXT, keys.public, manifest.election_id, bits), repeats)
    ballot = made[-1]
    binary = 66 + len(ballot.credential_proof.to_bytes()) + sum(len(p.to_bytes()) for _, p in ballot.contests)
    json_bytes = len(canonical_json(ballot.to_payload()))
    log(f"2021 ballot in this mode: {binary} bytes, {create_s * 1e3:.1f} ms to make, {check_s * 1e3:.1f} ms to check")
    sizes = {"party-list": len(party_list.selections), "smd-d01": len(manifest.contest("smd-d01").selections)}
    vectors = {c: [1 if i == marks[c][0] else 0 for i in range(n)] for c, n in sizes.items()}
    today: list[Any] = []

    def encrypt_today() -> None:
        today.append([encrypt_contest(CONTEXT, keys.public, v, 1, 1)[0] for v in vectors.values()])

    baseline_repeats = max(1, repeats // 3)
    today_encrypt = median_s(encrypt_today, baseline_repeats)
    today_verify = median_s(
        lambda: [verify_contest(CONTEXT, keys.public, ct, 1, 1) for ct in today[-1]], baseline_repeats
    )
    return {
        "contests": {c: {"selections": sizes[c], "bits": bits[c]} for c in sorted(bits)},
        "this_mode": {
            "binary_bytes": binary,
            "json_bytes": json_bytes,
            "create_s": create_s,
            "check_s": check_s,
        },
        "homomorphic": {
            "binary_bytes": sum(len(ct.to_bytes()) for ct in today[-1]),
            "encrypt_prove_s": today_encrypt,
            "verify_s": today_verify,
            "note": "the two contests' ciphertexts and proofs only (no credential, no signature)",
        },
        "aim": {"bytes": AIM_BYTES, "encrypt_prove_s": AIM_ENCRYPT_PROVE_S, "verify_s": AIM_ENCRYPT_PROVE_S},
        "aim_met": {
            "bytes": binary <= AIM_BYTES,
            "encrypt_prove_s": create_s <= AIM_ENCRYPT_PROVE_S,
            "verify_s": check_s <= AIM_ENCRYPT_PROVE_S,
        },
    }


def bench_tally(count: int) -> dict[str, Any]:
    """The whole tally of ``count`` 2021 ballots in process, each step timed, with the verifier's checks."""
    import random

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from bulletin_board.entries import EntryKind
    from bulletin_board.log import BulletinBoard
    from bulletin_board.storage import open_storage
    from cli.cr_election import CEREMONY, cr_manifest, random_marks
    from record.ballot import election_base_hash
    from record.cr_ballot import CrBallot, check_cr_ballot, create_cr_ballot
    from record.cr_board import (
        BlindingPost,
        ballot_mix_input,
        check_blinding,
        credential_column,
        make_blinding_post,
        roster_mix_input,
    )
    from record.cr_contests import Layout
    from record.cr_tally import (
        choice_ciphertexts,
        combine,
        count_choices,
        cr_result_payload,
        make_decryption_post,
        match_from_tags,
    )
    from record.mix import MixInput, ShufflePost, check_mix, make_shuffle_post, require_mixed
    from trustees.cr_in_process import WorkingTrustee
    from trustees.in_process import new_trustee_stores, roster_for, run_key_ceremony

    steps: dict[str, float] = {}
    started = time.perf_counter()
    stores = new_trustee_stores(CEREMONY)
    registrar, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    manifest = cr_manifest("parliament-2021", roster_for(stores), registrar, witness)
    board = BulletinBoard(open_storage("sqlite://"), Ed25519PrivateKey.generate(), origin="bench.shailoo/cr")
    board.append(
        EntryKind.MANIFEST, {"manifest": manifest.to_canonical_dict(), "manifest_hash": manifest.manifest_hash().hex()}
    )
    joint, _ = run_key_ceremony(board, CEREMONY, stores)
    key = joint.joint_public_key
    base = election_base_hash(manifest, key, {})
    trustees = [WorkingTrustee.from_store(stores[i - 1]) for i in (1, 3)]
    shares = dict(enumerate(joint.public_shares, start=1))
    layout = Layout.of(manifest)
    steps["setup_key_ceremony"] = time.perf_counter() - started
    log(f"tally of {count}: registering and casting")

    choose = random.Random(5)
    styles = [s.style_id for s in manifest.ballot_styles]
    fakes = count // 20
    secrets_ = [Scalar.random() for _ in range(count - fakes)]
    roster: list[Any] = []
    steps["registration_roster"] = timed(
        lambda: roster.extend(encrypt_credential(key, s, Scalar.random()) for s in secrets_)
    )
    payloads: list[dict[str, Any]] = []

    def cast() -> None:
        for i in range(count):
            style = styles[i % len(styles)]
            marks = {c: random_marks(choose, layout.codes[c]) for c in manifest.ballot_style(style).contest_ids}
            secret = secrets_[i] if i < len(secrets_) else Scalar.random()
            ballot = create_cr_ballot(base, key, manifest.election_id, style, secret, layout.encode_marks(style, marks))
            payloads.append(ballot.to_payload())

    steps["voters_cast_all_ballots"] = timed(cast)
    log(f"tally of {count}: checking every ballot")
    tally_started = time.perf_counter()

    def check_all() -> None:
        for payload in payloads:
            ballot = CrBallot.from_payload(payload)
            check_cr_ballot(ballot, base, key, manifest.election_id, layout.bits_of_style(ballot.style_id))

    steps["check_ballot_proofs"] = timed(check_all)
    mix_input: list[dict[str, Any]] = []
    # Every ballot is kept (no re-votes here): the order-tag step before the mix costs one more blinding and one
    # more decryption per ballot per trustee, as the tagging figures below measure.
    everyone = range(len(payloads))
    steps["mix_input"] = timed(lambda: mix_input.append(ballot_mix_input(payloads, everyone, layout, key)))
    rows = list(MixInput.from_payload(mix_input[0]).rows)
    posts: list[dict[str, Any]] = []

    def mix(which: str, start: list[Any], into: list[dict[str, Any]]) -> list[Any]:
        current = start
        for position, t in enumerate(trustees):
            post = make_shuffle_post(t.identity, manifest, base, key, t.index, position, current, which=which)
            into.append(post)
            current = list(ShufflePost.from_payload(post).outputs)
        return current

    log(f"tally of {count}: shuffling the ballots")
    mixed: list[Any] = []
    steps["shuffle_ballots_two_trustees"] = timed(lambda: mixed.extend(mix("ballots", rows, posts)))
    steps["verify_ballot_shuffles"] = timed(lambda: require_mixed(check_mix(manifest, base, key, mix_input[0], posts)))
    roster_input = roster_mix_input(roster)
    roster_posts: list[dict[str, Any]] = []
    roster_rows = [(ct,) for ct in roster]
    mixed_roster: list[Any] = []
    log(f"tally of {count}: shuffling the roster")
    steps["shuffle_roster_two_trustees"] = timed(lambda: mixed_roster.extend(mix("roster", roster_rows, roster_posts)))
    steps["verify_roster_shuffles"] = timed(
        lambda: require_mixed(check_mix(manifest, base, key, roster_input, roster_posts, which="roster"))
    )
    lists = {"ballots": credential_column(mixed), "roster": [row[0] for row in mixed_roster]}
    blinding_posts: list[dict[str, Any]] = []

    def blind_all() -> None:
        for position, t in enumerate(trustees):
            exponent = Scalar.random()
            for which in ("ballots", "roster"):
                post = make_blinding_post(t.identity, manifest, base, t.index, which, position, exponent, lists[which])
                blinding_posts.append(post)
                lists[which] = list(BlindingPost.from_payload(post).outputs)

    log(f"tally of {count}: blinding")
    steps["blind_both_lists_two_trustees"] = timed(blind_all)
    start_lists = (credential_column(mixed), [row[0] for row in mixed_roster])
    steps["verify_blinding"] = timed(lambda: check_blinding(manifest, base, *start_lists, blinding_posts))
    tag_cts = [*lists["ballots"], *lists["roster"]]
    decryptions: list[dict[str, Any]] = []
    log(f"tally of {count}: tags")
    steps["decrypt_tags_two_trustees"] = timed(
        lambda: decryptions.extend(
            make_decryption_post(t.identity, manifest, base, t.index, t.share, "tags", tag_cts) for t in trustees
        )
    )
    tags: list[Any] = []
    steps["combine_and_check_tag_shares"] = timed(
        lambda: tags.extend(combine(manifest, base, shares, "tags", tag_cts, decryptions)[0])
    )
    matches: list[Any] = []
    steps["matching"] = timed(lambda: matches.append(match_from_tags(tags, len(mixed))))
    match = matches[0]
    choice_cts = choice_ciphertexts(mixed, match.kept)
    log(f"tally of {count}: choices")
    steps["decrypt_choices_two_trustees"] = timed(
        lambda: decryptions.extend(
            make_decryption_post(t.identity, manifest, base, t.index, t.share, "choices", choice_cts) for t in trustees
        )
    )
    points: list[Any] = []
    steps["combine_and_check_choice_shares"] = timed(
        lambda: points.extend(combine(manifest, base, shares, "choices", choice_cts, decryptions)[0])
    )
    result: list[Any] = []
    steps["decode_count_rules_engine"] = timed(
        lambda: result.append(
            cr_result_payload(
                manifest, len(mixed), len(roster), count_choices(manifest, match, points), (1, 3), superseded=0
            )
        )
    )
    tally_s = time.perf_counter() - tally_started
    return {
        "ballots": count,
        "fake_credential_ballots": fakes,
        "roster": len(roster),
        "row_width": layout.width + 1,
        "kept": result[0]["kept"],
        "unmatched": result[0]["unmatched"],
        "steps_s": steps,
        "tally_s_including_verification": tally_s,
        "per_ballot_s": tally_s / count,
        "note": "voters_cast_all_ballots and setup are not part of the tally; every other step is, the verifier's "
        "checks included",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tags", type=int, default=1000)
    parser.add_argument("--match", type=int, default=100_000)
    parser.add_argument("--selections", type=int, default=SELECTIONS_2021)
    parser.add_argument("--tally", type=int, default=1000, help="ballots in the whole-tally run (0: none)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.tags, args.match, args.selections, args.tally = 1, 20, 1000, 20, 20
    pin_one_core()
    keys = ElGamalKeyPair.generate()
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "machine": machine(1),
        "load_average_before": load()["load_average"],
        "party_list_ballot": bench_ballot(keys, args.repeats, args.selections),
        "ballot_2021": bench_ballot_2021(keys, args.repeats),
        "tagging": bench_tagging(keys, args.tags),
        "matching": bench_matching(args.match),
    }
    if args.tally:
        report["tally"] = bench_tally(args.tally)
    report["load_average_after"] = load()["load_average"]
    emit(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
