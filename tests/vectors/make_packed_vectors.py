"""Test vectors of the coercion-resistant mode's contest numbers (docs/spec/credentials.md §6 and §9),
deterministic: the 2021 party-list code (list, preference → number → selection or invalid), the village's mark
mask, the slots of the 2021 ballot, and one packed choice with its bit proofs in a mix row, every nonce drawn from
the seeded test source of `tests.vectors.make_shuffle_vectors` (production uses `secrets`).

``tests/vectors/test_packed_vectors.py`` rebuilds the document, compares it with the file, and checks the packed
case from the file alone. Regenerate only on a deliberate format change:

    uv run --frozen python -m tests.vectors.make_packed_vectors
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from crypto.elgamal import ElGamalKeyPair, encrypt
from crypto.packed import PackedChoice, bit_context, prove_bit
from elections.presets import build_preset
from record.cr_contests import ContestCode, Layout, mix_row
from tests.vectors.make_shuffle_vectors import SeededSource

PATH: Final = Path(__file__).resolve().parent / "packed.json"
SEED: Final = b"packed/2021-party-list"
#: (list index 0-based, or 21 for "against all"; preference 0 = none) on the 2021 list, and why each is there.
LIST_CASES: Final = (
    (0, 0, "list 1, no preference"),
    (4, 12, "list 5, preference for its 12th candidate"),
    (20, 54, "the last list, its last candidate"),
    (21, 0, "against all"),
    (21, 1, "against all with a preference: invalid"),
    (3, 55, "a preference beyond the list (no 55th candidate): invalid"),
    (25, 0, "no such list: invalid"),
)
MARK_CASES: Final = ((0b1, "one mark"), (0b10101, "three marks"), (0b111111, "six marks for five seats: invalid"),
                     (1 << 11, "against all alone"), ((1 << 11) | 1, "against all and a candidate: invalid"),
                     (0, "no mark: invalid"))  # fmt: skip


def _selection(code: ContestCode, value: int) -> list[str] | None:
    marked = code.decode(value)
    return None if marked is None else [code.contest.selections[i].selection_id for i in marked]


def _list_case(code: ContestCode, list_bits: int, party: int, preference: int, why: str) -> dict[str, Any]:
    value = party + (preference << list_bits)
    return {"list": party, "preference": preference, "value": value, "why": why, "selections": _selection(code, value)}


def build_vectors() -> dict[str, Any]:
    p2021 = build_preset("parliament-2021")
    layout = Layout.of(p2021)
    code = layout.codes["party-list"]
    list_bits = (len(code.party_selections)).bit_length()
    village = ContestCode.of(build_preset("village").contest("ayil-v1"))
    source = SeededSource(SEED)
    keys = ElGamalKeyPair.from_secret(source.scalar())
    value = code.encode([p2021.contest("party-list").selection_index("p05#12")])
    context = bytes(32)
    cts, proofs = [], []
    for i in range(code.bits):
        bit, nonce = (value >> i) & 1, source.scalar()
        ct = encrypt(keys.public, bit, nonce)
        cts.append(ct)
        proof_nonces = [source.scalar(), source.scalar(), source.scalar()]
        proofs.append(prove_bit(bit_context(context, i, code.bits), keys.public, ct, bit, nonce, proof_nonces))
    packed = PackedChoice(tuple(cts), tuple(proofs))
    credential = encrypt(keys.public, 1, source.scalar())
    row = mix_row(layout, keys.public, "s-d01", credential, {"party-list": packed.combined(), "smd-d01": cts[0]})
    cells = layout.style_cells("s-d01")
    assert cells[0] is not None
    return {
        "description": "Contest numbers of the coercion-resistant mode (docs/spec/credentials.md §6, §9); regenerate "
        "with `uv run --frozen python -m tests.vectors.make_packed_vectors`",
        "party_list_2021": {
            "bits": code.bits,
            "list_bits": list_bits,
            "cases": [_list_case(code, list_bits, party, pref, why) for party, pref, why in LIST_CASES],
        },
        "marks_village_v1": {
            "bits": village.bits,
            "cases": [{"value": v, "why": why, "selections": _selection(village, v)} for v, why in MARK_CASES],
        },
        "slots_2021": {
            "width": layout.width,
            "slot_bits": list(layout.slot_bits),
            "cells_of_s-d01": [[c.contest_id, c.region_id] if c else None for c in cells],
            "cells_of_s-abroad": [[c.contest_id, c.region_id] if c else None for c in layout.style_cells("s-abroad")],
            "cell_part_of_s-d01": [layout.cell_part(k, c) for k, c in enumerate(cells) if c is not None],
        },
        "packed_case": {
            "secret_key": keys.secret.hex(),
            "public_key": keys.public.hex(),
            "context": context.hex(),
            "selection": "p05#12",
            "value": value,
            "packed": packed.to_bytes().hex(),
            "combined": packed.combined().to_bytes().hex(),
            "style": "s-d01",
            "row_slot_0": row[1].to_bytes().hex(),
            "row_slot_0_plaintext": layout.cell_part(0, cells[0]) + value,
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {PATH}")
