"""Every contest kind as one packed number (record.cr_contests): the voter's encoding, the decoding after decryption
where an invalid combination is an invalid ballot as on paper, and the slots of the mixed rows of every preset."""

from __future__ import annotations

import pytest

from crypto.elgamal import encrypt
from crypto.group import Point, Scalar
from crypto.packed import encode_party_list
from elections.presets import PRESET_NAMES, build_preset
from record.cr_contests import Cell, ContestCode, CrContestError, Layout, count_values, mix_row

K = Point.base_mul(Scalar(0xC0FFEE))
P2021 = build_preset("parliament-2021")
LIST_2021 = ContestCode.of(P2021.contest("party-list"))


def test_the_2021_list_is_eleven_bits_and_every_selection_round_trips() -> None:
    assert (LIST_2021.form, LIST_2021.bits) == ("list", 11)
    for index in range(len(P2021.contest("party-list").selections)):
        assert LIST_2021.decode(LIST_2021.encode([index])) == (index,)


def test_invalid_list_combinations_are_invalid_ballots() -> None:
    parties, positions = 21, 54
    list_bits = 5
    # "against all" with a preference: the packed range allows it, the paper rules do not.
    assert LIST_2021.decode(parties + (1 << list_bits)) is None
    # A preference beyond the list (position 55 of a 54-candidate list): a candidate not on the chosen list.
    assert LIST_2021.decode(3 + (55 << list_bits)) is None
    # No such list.
    assert LIST_2021.decode(30) is None
    assert LIST_2021.decode(encode_party_list(3, 54, parties, positions)) is not None
    assert LIST_2021.invalid_example() == parties + (1 << list_bits)


def test_a_preference_beyond_a_shorter_list_is_invalid() -> None:
    city = ContestCode.of(build_preset("city").contest("city-list"))
    list_bits = city.bits - 6  # 8 lists + "against all" in 4 bits, 45 positions in 6
    assert city.decode(2 + (45 << list_bits)) is not None
    assert city.decode(2 + (46 << list_bits)) is None


def test_a_mark_contest_is_a_bit_mask_with_the_paper_limits() -> None:
    contest = build_preset("village").contest("ayil-v1")  # 11 candidates + "against all", up to 5 marks
    code = ContestCode.of(contest)
    against = contest.against_all_index()
    assert (code.form, code.bits) == ("marks", 12) and against == 11
    assert code.decode(code.encode([0, 4, 7])) == (0, 4, 7)
    assert code.decode(1 << against) == (against,)
    assert code.decode(0) is None  # no mark (min_marks 1)
    assert code.decode(0b111111) is None  # six marks for five seats
    assert code.decode((1 << against) | 1) is None  # "against all" and a candidate
    with pytest.raises(CrContestError) as e:
        code.encode([0, 1, 2, 3, 4, 5])
    assert e.value.code == "invalid_choice"


def test_a_single_mark_contest_beyond_its_selections_is_invalid() -> None:
    code = ContestCode.of(build_preset("president").contest("president"))  # 18 selections in 5 bits
    assert code.bits == 5 and code.decode(17) == (17,) and code.decode(18) is None


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_preset_has_slots_and_every_value_decodes_to_its_cell(preset: str) -> None:
    manifest = build_preset(preset)
    layout = Layout.of(manifest)
    for style in manifest.ballot_styles:
        cells = layout.style_cells(style.style_id)
        assert len(cells) == layout.width
        assert sorted(c.contest_id for c in cells if c is not None) == sorted(style.contest_ids)
        for slot, cell in enumerate(cells):
            if cell is None:
                assert layout.decode(slot, 0) is None
                continue
            code = layout.codes[cell.contest_id]
            value = layout.cell_part(slot, cell) + code.encode([0])
            assert value <= layout.table_max(slot)
            assert layout.decode(slot, value) == (cell, (0,))


def test_the_2021_list_names_its_region_and_the_district_its_contest() -> None:
    layout = Layout.of(P2021)
    d01 = layout.style_cells("s-d01")
    assert d01[0] == Cell("party-list", P2021.ballot_style("s-d01").region_id) and d01[1] == Cell("smd-d01")
    assert layout.style_cells("s-abroad") == (Cell("party-list", "abroad"), None)


def test_a_mix_row_adds_the_public_cell_part_and_pads() -> None:
    layout = Layout.of(P2021)
    secret = Scalar(0xC0FFEE)
    credential = encrypt(K, 1, Scalar(5))
    choice = LIST_2021.encode([3])
    row = mix_row(layout, K, "s-abroad", credential, {"party-list": encrypt(K, choice, Scalar(7))})
    assert row[0] == credential

    def decrypt(slot: int) -> Point:
        return row[slot + 1].beta - row[slot + 1].alpha * secret

    cell = Cell("party-list", "abroad")
    assert decrypt(0) == Point.base_mul(layout.cell_part(0, cell) + choice)
    assert decrypt(1).is_identity()  # the pad Enc(0; 1)


def test_counting_values_sorts_them_by_contest_and_region_and_counts_invalid_ones() -> None:
    layout = Layout.of(P2021)
    d01, abroad = layout.style_cells("s-d01"), layout.style_cells("s-abroad")
    assert d01[0] is not None and d01[1] is not None and abroad[0] is not None
    values = [
        layout.cell_part(0, d01[0]) + LIST_2021.encode([1]),
        layout.cell_part(1, d01[1]) + 2,
        layout.cell_part(0, abroad[0]) + LIST_2021.invalid_example(),  # type: ignore[operator]
        0,
    ]
    count = count_values(layout, values)
    assert count.counts["party-list"][1] == 1 and count.counts["smd-d01"][2] == 1
    assert count.took_part["party-list"] == 2 and count.invalid["party-list"] == 1
    assert count.by_region[d01[0].region_id]["party-list"][1] == 1
    assert count.invalid_by_region["abroad"]["party-list"] == 1
    with pytest.raises(CrContestError):
        count_values(layout, [*values, 0])  # not whole rows


def test_a_blank_is_a_number_where_min_marks_allows_it() -> None:
    president = build_preset("president").contest("president").model_copy(update={"min_marks": 0})
    code = ContestCode.of(president)
    assert code.bits == 5 and code.encode([]) == 18 and code.decode(18) == () and code.decode(19) is None
    party_list = P2021.contest("party-list").model_copy(update={"min_marks": 0})
    with pytest.raises(CrContestError) as e:
        ContestCode.of(party_list).encode([])
    assert e.value.code == "invalid_choice"
