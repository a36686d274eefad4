"""The contests of the coercion-resistant mode: every contest kind as one small packed number, the slots of a mixed
row, and the decoding after decryption (docs/spec/credentials.md §9).

**A contest's number** (`ContestCode`, the voter's device encodes it, the tally decodes it):

* ``one`` — a single-mark contest (presidential, single-member district, referendum question, the 2025
  multi-member district): the index of the chosen selection; when ``min_marks`` is 0, the index ``n`` (one past the
  last) is a blank ballot. ``bits = max(1, bit_length(n − 1))`` (or of ``n`` with a blank).
* ``list`` — a party list with preferences (2021, the city council): ``crypto.packed.encode_party_list`` —
  list + 2^list_bits · preference; "against all" is the list one past the last. The 2021 list is 11 bits.
* ``marks`` — a contest of up to ``max_marks`` marks (the village council): the bit mask of the marked selections,
  one bit per selection (at most `MAX_MARK_SELECTIONS`).

The ballot's proofs (``crypto.packed``) show only that each number is below 2^bits. A number that names no valid
choice is found after decryption and counted as an **invalid ballot of that contest**, as on paper: no such list or
selection, a preference beyond its list's length, "against all" with a preference or with any other mark, fewer
marks than ``min_marks`` or more than ``max_marks``.

**Slots.** All ballots of an election are mixed as ONE list, so every row has the same width: the credential, then
one ciphertext per *slot*. A ballot style's contests, in manifest order, fill slots 0, 1, …; a style with fewer
contests than the widest is padded. Each slot has a list of *cells* — (contest, region) for a contest whose rules
need per-region counts (the 2021 list's regional threshold), else (contest, none) — and its plaintext is

    value = choice + 2^slot_bits · (cell index + 1),    0 < choice < 2^slot_bits;    a pad is 0.

The cell part is public (the ballot's style is), so it is not on the ballot: anyone adds it to the combined packed
ciphertext as ``(α, β + cell_part·G)`` when making the mix rows (`mix_row`), and a pad is ``Enc(0; 1) = (G, K)``.
After the mix and the decryption, each value names its contest (and region, where needed) and the choice. What that
shows: which contest each decrypted value belongs to (a district contest names its district, as every district's
count is public) and, for the 2021 list only, the region of the ballot that chose it — the regional threshold needs
those counts; a region with very few ballots in this mode shows their list choices, as a small precinct's paper
protocol does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from crypto.elgamal import Ciphertext
from crypto.group import Point
from crypto.packed import MAX_BITS, decode_party_list, encode_party_list, party_list_bits
from elections.manifest import Contest, Manifest
from record.errors import RecordError

#: The widest bit mask of a ``marks`` contest (its decoding table has (cells + 1)·2^bits entries).
MAX_MARK_SELECTIONS: Final = 16
Form = Literal["one", "list", "marks"]


class CrContestError(RecordError):
    """A contest this mode cannot carry (``unsupported_contest``) or a choice that is not a valid one for the
    voter's device to encode (``invalid_choice``)."""

    code = "unsupported_contest"


@dataclass(frozen=True)
class ContestCode:
    """How one contest's choice is a number, and back."""

    contest: Contest
    form: Form
    bits: int
    #: ``list`` only: each list's "party" selection index, its length, its preference selections by position.
    party_selections: tuple[int, ...] = ()
    list_lengths: tuple[int, ...] = ()
    preferences: Mapping[tuple[int, int], int] = field(default_factory=dict)
    positions: int = 0

    @classmethod
    def of(cls, contest: Contest) -> ContestCode:
        n = len(contest.selections)
        if contest.kind == "party_list" and contest.max_marks == 1:
            return cls._party_list(contest)
        if contest.max_marks == 1:
            values = n + (1 if contest.min_marks == 0 else 0)
            return cls(contest, "one", max(1, (values - 1).bit_length()))
        if n > MAX_MARK_SELECTIONS:
            raise CrContestError(
                f"contest {contest.contest_id!r} has {n} selections for {contest.max_marks} marks; this mode packs "
                f"a mark contest of at most {MAX_MARK_SELECTIONS} selections"
            )
        return cls(contest, "marks", n)

    @classmethod
    def _party_list(cls, contest: Contest) -> ContestCode:
        parties: list[str] = []
        party_selections: list[int] = []
        lengths: dict[str, int] = {}
        by_position: dict[tuple[str, int], int] = {}
        for index, s in enumerate(contest.selections):
            if s.kind == "party" and s.party_id is not None:
                parties.append(s.party_id)
                party_selections.append(index)
            elif s.kind == "party_preference" and s.party_id is not None and s.list_position is not None:
                by_position[(s.party_id, s.list_position)] = index
                lengths[s.party_id] = max(lengths.get(s.party_id, 0), s.list_position)
            elif s.kind != "against_all":
                raise CrContestError(f"contest {contest.contest_id!r}: a {s.kind} selection on a party list")
        if not parties or set(lengths) - set(parties):
            raise CrContestError(f"contest {contest.contest_id!r}: a preference for no list on the ballot")
        list_lengths = tuple(lengths.get(p, 0) for p in parties)
        positions = max(1, *list_lengths)
        if any((p, k) not in by_position for p in parties for k in range(1, lengths.get(p, 0) + 1)):
            raise CrContestError(f"contest {contest.contest_id!r}: a list's preference positions have gaps")
        list_bits, preference_bits = party_list_bits(len(parties), positions)
        order = {p: i for i, p in enumerate(parties)}
        return cls(
            contest,
            "list",
            list_bits + preference_bits,
            party_selections=tuple(party_selections),
            list_lengths=list_lengths,
            preferences={(order[p], k): index for (p, k), index in by_position.items()},
            positions=positions,
        )

    # -- the voter's device -------------------------------------------------------------------------------------

    def encode(self, marked: Sequence[int]) -> int:
        """The number of the selections ``marked`` (indices into the contest's selections); `CrContestError`
        (``invalid_choice``) unless they are a valid choice."""
        contest, n = self.contest, len(self.contest.selections)
        if len(set(marked)) != len(marked) or any(not 0 <= i < n for i in marked):
            raise CrContestError(
                f"contest {contest.contest_id!r}: no such selections {list(marked)}", code="invalid_choice"
            )
        if not contest.min_marks <= len(marked) <= contest.max_marks:
            raise CrContestError(
                f"contest {contest.contest_id!r}: {len(marked)} marks, allowed {contest.min_marks} to "
                f"{contest.max_marks}",
                code="invalid_choice",
            )
        if self.form == "marks":
            value = sum(1 << i for i in marked)
            if self.decode(value) is None:
                raise CrContestError(
                    f"contest {contest.contest_id!r}: 'against all' with another mark", code="invalid_choice"
                )
            return value
        if not marked:
            if self.form == "list":
                raise CrContestError(
                    f"contest {contest.contest_id!r}: a blank party-list ballot has no number in this mode",
                    code="invalid_choice",
                )
            return n  # a blank, allowed by min_marks = 0
        (index,) = marked
        if self.form == "one":
            return index
        parties = len(self.party_selections)
        if contest.selections[index].kind == "against_all":
            return encode_party_list(parties, 0, parties, self.positions)
        if index in self.party_selections:
            return encode_party_list(self.party_selections.index(index), 0, parties, self.positions)
        party, position = next(key for key, i in self.preferences.items() if i == index)
        return encode_party_list(party, position, parties, self.positions)

    # -- the tally ----------------------------------------------------------------------------------------------

    def decode(self, value: int) -> tuple[int, ...] | None:
        """The marked selections' indices of a decrypted number, or None for an invalid ballot of this contest."""
        contest, n = self.contest, len(self.contest.selections)
        if self.form == "one":
            if value < n:
                return (value,)
            return () if value == n and contest.min_marks == 0 else None
        if self.form == "marks":
            marked = tuple(i for i in range(n) if value >> i & 1)
            if value >> n or not contest.min_marks <= len(marked) <= contest.max_marks:
                return None
            against = contest.against_all_index()
            return None if against in marked and len(marked) > 1 else marked
        decoded = decode_party_list(value, self.list_lengths, self.positions)
        if decoded is None:
            return None
        party, preference = decoded
        if party == len(self.party_selections):
            against = contest.against_all_index()
            return None if against is None else (against,)
        return (self.party_selections[party] if preference == 0 else self.preferences[(party, preference)],)

    def invalid_example(self) -> int | None:
        """A number below 2^bits that names no valid choice, as a spoilt paper ballot would (what a test's spoilt
        voter casts), or None if every number is valid: for a party list "against all" with a preference for the
        first position; for a mark contest every selection marked ("against all" among them); else the largest
        number naming no selection."""
        if self.form == "list":
            parties = len(self.party_selections)
            return parties + (1 << party_list_bits(parties, self.positions)[0])
        if self.form == "marks":
            return (1 << self.bits) - 1 if self.decode((1 << self.bits) - 1) is None else None
        last = (1 << self.bits) - 1
        return last if self.decode(last) is None else None


@dataclass(frozen=True, order=True)
class Cell:
    """What a slot's value names besides the choice: the contest and, where its rules need it, the region."""

    contest_id: str
    region_id: str = ""


def _needs_region(manifest: Manifest, contest: Contest) -> bool:
    rules = manifest.rules.party_list
    return (
        contest.kind == "party_list"
        and rules is not None
        and rules.regional_threshold_bp > 0
        and bool(rules.regional_threshold_region_ids)
    )


@dataclass(frozen=True)
class Layout:
    """The slots of an election's mixed rows, from its manifest alone (everyone derives the same)."""

    manifest: Manifest
    codes: Mapping[str, ContestCode]
    #: each slot's cells, sorted; a style's cell in slot k is its k-th contest (manifest order).
    slots: tuple[tuple[Cell, ...], ...]
    slot_bits: tuple[int, ...]
    regional: frozenset[str]

    @classmethod
    def of(cls, manifest: Manifest) -> Layout:
        codes = {c.contest_id: ContestCode.of(c) for c in manifest.contests}
        for code in codes.values():
            if code.bits > MAX_BITS:
                raise CrContestError(f"contest {code.contest.contest_id!r} needs {code.bits} bits")
        regional = frozenset(c.contest_id for c in manifest.contests if _needs_region(manifest, c))
        order = {c.contest_id: i for i, c in enumerate(manifest.contests)}
        width = max(len(s.contest_ids) for s in manifest.ballot_styles)
        cells: list[set[Cell]] = [set() for _ in range(width)]
        for style in manifest.ballot_styles:
            for k, contest_id in enumerate(sorted(style.contest_ids, key=order.__getitem__)):
                cells[k].add(Cell(contest_id, style.region_id if contest_id in regional else ""))
        slots = tuple(tuple(sorted(c)) for c in cells)
        bits = tuple(max(codes[cell.contest_id].bits for cell in slot) for slot in slots)
        return cls(manifest, codes, slots, bits, regional)

    @property
    def width(self) -> int:
        return len(self.slots)

    def bits_of_style(self, style_id: str) -> dict[str, int]:
        """Contest id → bits of its packed choice, for the style's contests (`UnknownIdError` for no such style)."""
        return {c: self.codes[c].bits for c in self.manifest.ballot_style(style_id).contest_ids}

    def style_cells(self, style_id: str) -> tuple[Cell | None, ...]:
        """The cell of each slot for a ballot of ``style_id``; None where the style pads."""
        style = self.manifest.ballot_style(style_id)
        order = {c.contest_id: i for i, c in enumerate(self.manifest.contests)}
        contests = sorted(style.contest_ids, key=order.__getitem__)
        out: list[Cell | None] = [Cell(c, style.region_id if c in self.regional else "") for c in contests]
        return (*out, *([None] * (self.width - len(out))))

    def cell_part(self, slot: int, cell: Cell) -> int:
        return (self.slots[slot].index(cell) + 1) << self.slot_bits[slot]

    def table_max(self, slot: int) -> int:
        """The largest value slot ``slot`` can hold (its decoding table's size − 1)."""
        return ((len(self.slots[slot]) + 1) << self.slot_bits[slot]) - 1

    def decode(self, slot: int, value: int) -> tuple[Cell, tuple[int, ...] | None] | None:
        """(cell, the marked selections or None for an invalid ballot) of a decrypted slot value; None for a pad.
        `CrContestError` (``malformed``) for a value no row of this layout can hold."""
        high, choice = value >> self.slot_bits[slot], value & ((1 << self.slot_bits[slot]) - 1)
        if value < 0 or high > len(self.slots[slot]) or (high == 0 and choice):
            raise CrContestError(f"slot {slot} cannot hold the value {value}", code="malformed")
        if high == 0:
            return None
        cell = self.slots[slot][high - 1]
        code = self.codes[cell.contest_id]
        return cell, (code.decode(choice) if choice < 1 << code.bits else None)

    def encode_marks(self, style_id: str, marks: Mapping[str, Sequence[int]]) -> dict[str, tuple[int, int]]:
        """Contest id → (value, bits) of a voter's marks (contest id → selection indices) on her style's ballot."""
        bits = self.bits_of_style(style_id)
        if set(marks) != set(bits):
            raise CrContestError(
                f"a ballot of style {style_id!r} marks the contests {sorted(bits)}", code="invalid_choice"
            )
        return {c: (self.codes[c].encode(marks[c]), bits[c]) for c in sorted(bits)}


def mix_row(
    layout: Layout, public_key: Point, style_id: str, credential: Ciphertext, combined: Mapping[str, Ciphertext]
) -> tuple[Ciphertext, ...]:
    """A ballot's mix row: its credential, then per slot its contest's combined ciphertext with the cell part added
    (``(α, β + cell_part·G)``), or the pad ``Enc(0; 1) = (G, K)``."""
    row = [credential]
    for slot, cell in enumerate(layout.style_cells(style_id)):
        if cell is None:
            row.append(Ciphertext(Point.generator(), public_key))
        else:
            ct = combined[cell.contest_id]
            row.append(Ciphertext(ct.alpha, ct.beta + Point.base_mul(layout.cell_part(slot, cell))))
    return tuple(row)


@dataclass(frozen=True)
class SlotCount:
    """The decoded choices of the kept ballots: per contest the selection counts, the ballots that carried it and
    the invalid ones; per region the same for the regional contests."""

    counts: dict[str, list[int]]
    took_part: dict[str, int]
    invalid: dict[str, int]
    by_region: dict[str, dict[str, list[int]]]
    took_part_by_region: dict[str, dict[str, int]]
    invalid_by_region: dict[str, dict[str, int]]


def count_values(layout: Layout, values: Sequence[int]) -> SlotCount:
    """Count decrypted slot values (row after row, ``layout.width`` per kept ballot)."""
    manifest = layout.manifest
    counts = {c.contest_id: [0] * len(c.selections) for c in manifest.contests}
    took_part = dict.fromkeys(counts, 0)
    invalid = dict.fromkeys(counts, 0)
    regions = [r.region_id for r in manifest.regions]
    by_region = {r: {c: [0] * len(manifest.contest(c).selections) for c in sorted(layout.regional)} for r in regions}
    took_by_region = {r: dict.fromkeys(sorted(layout.regional), 0) for r in regions}
    invalid_by_region = {r: dict.fromkeys(sorted(layout.regional), 0) for r in regions}
    if len(values) % layout.width:
        raise CrContestError("the decrypted values are not whole rows", code="malformed")
    for i, value in enumerate(values):
        decoded = layout.decode(i % layout.width, value)
        if decoded is None:
            continue
        cell, marked = decoded
        took_part[cell.contest_id] += 1
        if cell.region_id:
            took_by_region[cell.region_id][cell.contest_id] += 1
        if marked is None:
            invalid[cell.contest_id] += 1
            if cell.region_id:
                invalid_by_region[cell.region_id][cell.contest_id] += 1
            continue
        for index in marked:
            counts[cell.contest_id][index] += 1
            if cell.region_id:
                by_region[cell.region_id][cell.contest_id][index] += 1
    return SlotCount(counts, took_part, invalid, by_region, took_by_region, invalid_by_region)
