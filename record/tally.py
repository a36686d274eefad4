"""Weeding and homomorphic aggregation of cast ballots (docs/server.md, "Tally").

Used identically by the server, by the trustees (who recompute the encrypted tally from the board rather than
trust the server's) and by the observers' verifier.

* `weed`: from the ballots in board order, keep one per credential — the LAST when the election allows
  re-voting, the only one otherwise (a second ballot of a credential without re-voting is refused at cast time;
  if one is on the board anyway, the first counts and the rest are reported). Spoiled ballots are separate board
  entries and never reach this function.
* `aggregate`: Σ ciphertexts per ballot style, contest and selection, and per precinct when ballots carry one.

The encrypted tally's JSON (the ``encrypted_tally`` board payload) is::

    {"election_id": str, "ballots_counted": int,
     "styles": [{"style_id": str, "ballots": int,
                 "contests": [{"contest_id": str, "ciphertexts": [hex(66 bytes), ...]}, ...]}, ...],
     "precincts": [{"precinct_id": str, "ballots": int, "contests": [...same...]}, ...]}

sorted by id at every level; an empty sum is written with the 33-zero-byte identity points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar

from crypto.contest import EncryptedContest
from crypto.elgamal import Ciphertext, ciphertext_sum
from crypto.hashing import hash_fields
from crypto.strict_json import Field, MalformedFieldError
from elections.errors import ElectionError
from elections.manifest import Manifest
from elections.results import NATION_CELL, REGION_CELL_PREFIX
from elections.results_model import ContestTurnout, Figures, Turnout
from record.ballot import EncryptedBallot


class AggregateError(ElectionError):
    """An encrypted tally is malformed or does not match the manifest."""

    code = "invalid_tally"


@dataclass(frozen=True)
class CountedItem:
    """One thing the tally adds up: an electronic ballot that survived weeding, or a paper sheet an urn scanned.

    It needs no credential: which electronic ballots count is weeding's business (by credential), which paper
    sheets count is the device chains' (every sheet of a valid batch, once). ``index`` is the board entry it
    comes from (a ballot, or the precinct batch holding the sheet)."""

    index: int
    style_id: str
    precinct_id: str | None
    contests: tuple[tuple[str, EncryptedContest], ...]


@dataclass(frozen=True)
class CastBallot:
    """A ballot as it sits on the board: its entry index and its decoded contests (already checked)."""

    index: int
    ballot: EncryptedBallot
    contests: tuple[tuple[str, EncryptedContest], ...]

    @property
    def credential_key(self) -> bytes:
        return self.ballot.credential.public_key

    def counted_item(self) -> CountedItem:
        """What the tally adds of this ballot once weeding has kept it."""
        return CountedItem(self.index, self.ballot.style_id, self.ballot.precinct_id, self.contests)


class Credentialed(Protocol):
    """What weeding reads of a ballot: its board index and its credential key."""

    @property
    def index(self) -> int: ...

    @property
    def credential_key(self) -> bytes: ...


_B = TypeVar("_B", bound=Credentialed)


@dataclass(frozen=True)
class WeedResult(Generic[_B]):
    """Ballots that count (board order) and the indices of those that do not, each with the reason."""

    counted: tuple[_B, ...]
    superseded: tuple[int, ...]
    refused_second: tuple[int, ...]


def weed(ballots: Iterable[_B], *, revoting_allowed: bool) -> WeedResult[_B]:
    """One ballot per credential: the last one with re-voting, the first one without (see the module docstring)."""
    chosen: dict[bytes, _B] = {}
    superseded: list[int] = []
    refused: list[int] = []
    for cast in sorted(ballots, key=lambda b: b.index):
        previous = chosen.get(cast.credential_key)
        if previous is None:
            chosen[cast.credential_key] = cast
        elif revoting_allowed:
            superseded.append(previous.index)
            chosen[cast.credential_key] = cast
        else:
            refused.append(cast.index)
    counted = tuple(sorted(chosen.values(), key=lambda b: b.index))
    return WeedResult(counted, tuple(sorted(superseded)), tuple(refused))


@dataclass(frozen=True)
class CountedSet:
    """What the encrypted tally adds up — defined once, used alike by the server that posts the tally, the trustees
    who recompute it before decrypting, and the observers' verifier (docs/spec/record.md §2.11): the electronic
    ballots weeding keeps, and every paper sheet of the urns' batches."""

    weeded: WeedResult[CastBallot]
    paper: tuple[CountedItem, ...]
    #: Precincts the commission annulled (``precinct_annulment``, record.md §2.17): their items count nowhere.
    annulled: frozenset[str] = frozenset()

    def items(self) -> tuple[CountedItem, ...]:
        every = (*(b.counted_item() for b in self.weeded.counted), *self.paper)
        return tuple(item for item in every if item.precinct_id is None or item.precinct_id not in self.annulled)

    def tally(self, manifest: Manifest) -> EncryptedTally:
        """The encrypted tally of this set (`aggregate`), small precinct cells left out (`publishable`)."""
        return publishable(manifest, aggregate(manifest, self.items()))


def counted_set(
    ballots: Iterable[CastBallot],
    paper: Iterable[CountedItem],
    *,
    revoting_allowed: bool,
    annulled: Iterable[str] = (),
) -> CountedSet:
    """Weed the electronic ballots by the election's policy and join the paper sheets (`CountedSet`); the items of
    ``annulled`` precincts are left out after weeding (a voter's re-vote elsewhere still supersedes)."""
    return CountedSet(weed(ballots, revoting_allowed=revoting_allowed), tuple(paper), frozenset(annulled))


@dataclass(frozen=True)
class TallyGroup:
    """Σ ciphertexts per contest and selection over ``ballots`` ballots of one style (or one precinct), or of a
    merged cell of small styles (``members``: the styles it holds and their ballots; see `merge_small_styles`)."""

    key: str
    ballots: int
    contests: tuple[tuple[str, tuple[Ciphertext, ...]], ...]
    members: tuple[tuple[str, int], ...] = ()

    def contest(self, contest_id: str) -> tuple[Ciphertext, ...]:
        for cid, cts in self.contests:
            if cid == contest_id:
                return cts
        raise AggregateError(f"no contest {contest_id!r} in tally group {self.key!r}")

    def to_json(self, key_name: str) -> dict[str, Any]:
        value: dict[str, Any] = {
            key_name: self.key,
            "ballots": self.ballots,
            "contests": [
                {"contest_id": c, "ciphertexts": [ct.to_bytes().hex() for ct in cts]} for c, cts in self.contests
            ],
        }
        if self.members:
            value["members"] = [{"style_id": s, "ballots": b} for s, b in self.members]
        return value

    def style_ballots(self) -> tuple[tuple[str, int], ...]:
        """The (style, ballots) this group counts: its members if a merged cell, else itself."""
        return self.members or ((self.key, self.ballots),)


@dataclass(frozen=True)
class EncryptedTally:
    """The encrypted tally of an election (the ``encrypted_tally`` board payload)."""

    election_id: str
    ballots_counted: int
    styles: tuple[TallyGroup, ...]
    precincts: tuple[TallyGroup, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "election_id": self.election_id,
            "ballots_counted": self.ballots_counted,
            "styles": [g.to_json("style_id") for g in self.styles],
            "precincts": [g.to_json("precinct_id") for g in self.precincts],
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> EncryptedTally:
        """Read the tally part of an ``encrypted_tally`` payload strictly (other members are `TallyEntry`'s)."""
        try:
            return cls._from_field(Field(value, "$(encrypted_tally)"))
        except MalformedFieldError as e:
            raise AggregateError(f"the encrypted tally is malformed: {e.message}", code=e.code) from e

    @classmethod
    def _from_field(cls, obj: Field) -> EncryptedTally:
        return cls(
            election_id=obj["election_id"].text(),
            ballots_counted=obj["ballots_counted"].integer(),
            styles=tuple(_group_from_field(g, "style_id") for g in obj["styles"].items()),
            precincts=tuple(_group_from_field(g, "precinct_id") for g in obj["precincts"].items()),
        )

    def ciphertexts(self) -> list[Ciphertext]:
        """Every ciphertext to decrypt, in a fixed order (styles, then precincts; contests; selections)."""
        return [ct for group in (*self.styles, *self.precincts) for _, cts in group.contests for ct in cts]


def _group_from_field(group: Field, key_name: str) -> TallyGroup:
    obj = group.as_object({key_name, "ballots", "contests"}, {"members"} if key_name == "style_id" else ())
    members_field = obj.get("members")
    members: tuple[tuple[str, int], ...] = ()
    if members_field is not None:
        members = tuple(
            (m["style_id"].text(), m["ballots"].integer())
            for m in (item.as_object({"style_id", "ballots"}) for item in members_field.items(min_len=1))
        )
    contests = []
    for item in obj["contests"].items():
        contest = item.as_object({"contest_id", "ciphertexts"})
        ciphertexts = tuple(
            h.decode(lambda raw: Ciphertext.from_bytes(raw, allow_identity=True), h.hex(CIPHERTEXT_BYTES))
            for h in contest["ciphertexts"].items()
        )
        contests.append((contest["contest_id"].text(), ciphertexts))
    return TallyGroup(obj[key_name].text(), obj["ballots"].integer(), tuple(contests), members)


@dataclass(frozen=True)
class TallyBookkeeping:
    """What an ``encrypted_tally`` payload says besides the sums (record.md §2.11): how many ballots it counts, the
    weeding the server applied (entry indices of superseded ballots, and of second ballots refused without
    re-voting) and the registered voters per region that turnout is measured against. Read without decoding a
    single point, for the checks that need no ciphertext."""

    ballots_counted: int
    superseded: tuple[int, ...]
    refused_second: tuple[int, ...]
    registered_by_region: Mapping[str, int]

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> TallyBookkeeping:
        try:
            obj = Field(payload, "$(encrypted_tally)").as_object(_TALLY_ENTRY_FIELDS)
            return cls(
                obj["ballots_counted"].integer(),
                tuple(i.integer() for i in obj["superseded"].items()),
                tuple(i.integer() for i in obj["refused_second"].items()),
                {region: n.integer() for region, n in obj["registered_by_region"].entries()},
            )
        except MalformedFieldError as e:
            raise AggregateError(f"the encrypted tally is malformed: {e.message}", code=e.code) from e


def tally_payload(
    tally: EncryptedTally, weeded: WeedResult[Any], registered_by_region: Mapping[str, int]
) -> dict[str, Any]:
    """The ``encrypted_tally`` payload: the sums (`EncryptedTally`) and their `TallyBookkeeping`."""
    return {
        **tally.to_json(),
        "superseded": list(weeded.superseded),
        "refused_second": list(weeded.refused_second),
        "registered_by_region": {r: registered_by_region[r] for r in sorted(registered_by_region)},
    }


_TALLY_ENTRY_FIELDS: Final = frozenset(
    {"election_id", "ballots_counted", "styles", "precincts", "superseded", "refused_second", "registered_by_region"}
)
#: alpha ‖ beta, two 33-byte points (the identity written as 33 zero bytes).
CIPHERTEXT_BYTES: Final = 66


def _sum_group(
    key: str, contest_ids: Sequence[str], selections: Mapping[str, int], ballots: Sequence[CountedItem]
) -> TallyGroup:
    contests = []
    for contest_id in contest_ids:
        columns: list[list[Ciphertext]] = [[] for _ in range(selections[contest_id])]
        for cast in ballots:
            for cid, encrypted in cast.contests:
                if cid == contest_id:
                    if len(encrypted.ciphertexts) != len(columns):
                        raise AggregateError(f"ballot {cast.index}: contest {cid!r} has the wrong size")
                    for column, ct in zip(columns, encrypted.ciphertexts, strict=True):
                        column.append(ct)
        contests.append((contest_id, tuple(ciphertext_sum(column) for column in columns)))
    return TallyGroup(key, len(ballots), tuple(contests))


def aggregate(manifest: Manifest, counted: Sequence[CountedItem]) -> EncryptedTally:
    """Σ per ballot style (every style of the manifest, even with no ballot) and per precinct seen on an item."""
    selections = {c.contest_id: len(c.selections) for c in manifest.contests}
    known = {s.style_id for s in manifest.ballot_styles}
    unknown = sorted({item.style_id for item in counted} - known)
    if unknown:
        raise AggregateError(f"counted items of unknown ballot styles {unknown}")
    styles = []
    for style in sorted(manifest.ballot_styles, key=lambda s: s.style_id):
        of_style = [b for b in counted if b.style_id == style.style_id]
        styles.append(_sum_group(style.style_id, style.contest_ids, selections, of_style))
    precincts = []
    # Partial sums (the verifier's shards) keep every precinct group; `publishable` drops the small ones from the
    # whole tally before anyone decrypts it.
    for precinct_id in sorted({b.precinct_id for b in counted if b.precinct_id is not None}):
        of_precinct = [b for b in counted if b.precinct_id == precinct_id]
        contest_ids = sorted({cid for b in of_precinct for cid, _ in b.contests})
        precincts.append(_sum_group(precinct_id, contest_ids, selections, of_precinct))
    return EncryptedTally(manifest.election_id, len(counted), tuple(styles), tuple(precincts))


def publishable(manifest: Manifest, tally: EncryptedTally) -> EncryptedTally:
    """The tally the trustees decrypt (record.md §2.11, "Small cells"): every precinct group with fewer than the
    manifest's minimum cell (``policy.minimum_cell``) counted ballots is left out, so its ballots count only in
    the ballot-style groups above it; and ballot-style groups below the minimum are merged upward
    (`merge_small_styles`). So no subtotal of fewer ballots than the minimum is ever decrypted, except the whole
    election's when the whole election is smaller."""
    minimum = manifest.policy.minimum_cell
    kept = tuple(g for g in tally.precincts if g.ballots >= minimum)
    return EncryptedTally(tally.election_id, tally.ballots_counted, merge_small_styles(manifest, tally.styles), kept)


def merge_small_styles(manifest: Manifest, styles: Sequence[TallyGroup]) -> tuple[TallyGroup, ...]:
    """Ballot-style groups with ``0 < ballots < minimum`` merged upward (record.md §2.11, "Small cells"), so that
    every region either keeps all its counted ballots in cells of its own or gives them all to ``nation``:

    1. a region with fewer than the minimum counted ballots in all gives all its styles to the cell ``nation``
       (its empty ones too, so that it keeps no counts of its own);
    2. in any other region, its small styles are summed into the cell ``region:<region_id>``; while that cell is
       below the minimum, the region's smallest style at or above it (fewest ballots, then style id) joins it;
    3. if ``nation`` is then below the minimum, the smallest region at or above it (fewest ballots, then region
       id) gives all its styles to ``nation`` too; if there is none, ``nation`` holds every ballot of the
       election, whose total the results publish anyway.

    A region whose ballots are in ``nation`` publishes no counts of its own (the results name it as suppressed,
    elections.results). A merged cell sums, per contest, the ciphertexts of its members that list the contest, and
    names its members with their ballots (``members``), which are public anyway (every ballot names its style).
    Other empty styles (0 ballots: nothing to decrypt) stay as they are, and so does everything when no style is
    small or when only empty regions are below the minimum. Groups come out by key."""
    minimum = manifest.policy.minimum_cell
    if not any(0 < g.ballots < minimum for g in styles):
        return tuple(styles)
    region_of = {s.style_id: s.region_id for s in manifest.ballot_styles}
    order = [c.contest_id for c in manifest.contests]
    by_region: dict[str, list[TallyGroup]] = {}
    for group in styles:
        by_region.setdefault(region_of.get(group.key, ""), []).append(group)
    out: list[TallyGroup] = []
    to_nation: list[TallyGroup] = []  # whole regions, their empty styles too, so none keeps counts of its own
    own: dict[str, list[TallyGroup]] = {}  # the regions that keep cells of their own, with those cells
    for region in sorted(by_region):
        groups = by_region[region]
        if sum(g.ballots for g in groups) < minimum:
            to_nation += groups
            continue
        out += [g for g in groups if g.ballots == 0]
        little = [g for g in groups if 0 < g.ballots < minimum]
        large = sorted((g for g in groups if g.ballots >= minimum), key=lambda g: (g.ballots, g.key))
        if little:
            while sum(g.ballots for g in little) < minimum:
                little.append(large.pop(0))
            large.append(_merge_cell(f"{REGION_CELL_PREFIX}{region}", little, order))
        own[region] = large
    if any(g.ballots for g in to_nation):
        if sum(g.ballots for g in to_nation) < minimum and own:
            target = min(own, key=lambda r: (sum(g.ballots for g in own[r]), r))
            to_nation += own.pop(target) + [g for g in by_region[target] if g.ballots == 0]
            out = [g for g in out if g.ballots or region_of.get(g.key, "") != target]
        out.append(_merge_cell(NATION_CELL, to_nation, order))
    else:
        out += to_nation  # only empty regions: nothing to hide, they stay as they are
    out += [g for groups in own.values() for g in groups]
    return tuple(sorted(out, key=lambda g: g.key))


def _merge_cell(key: str, groups: Sequence[TallyGroup], contest_order: Sequence[str]) -> TallyGroup:
    sums: dict[str, list[Ciphertext]] = {}
    for group in groups:
        for contest_id, cts in group.contests:
            if contest_id in sums:
                if len(sums[contest_id]) != len(cts):
                    raise AggregateError(f"contest {contest_id!r} has two sizes in the cell {key!r}")
                sums[contest_id] = [ciphertext_sum([a, b]) for a, b in zip(sums[contest_id], cts, strict=True)]
            else:
                sums[contest_id] = list(cts)
    members = tuple(sorted(m for g in groups for m in g.style_ballots()))
    contests = tuple((c, tuple(sums[c])) for c in contest_order if c in sums)
    return TallyGroup(key, sum(g.ballots for g in groups), contests, members)


def check_minimum_cells(manifest: Manifest, tally: EncryptedTally) -> None:
    """Raise `AggregateError` (``cell_below_minimum``) if a precinct group, or a ballot-style group or merged cell,
    of ``tally`` is smaller than the manifest's minimum cell (an empty style excepted, and a single group holding
    every counted ballot of the election): the trustees refuse to decrypt such a tally, and the verifier fails it."""
    minimum = manifest.policy.minimum_cell
    small = [g.key for g in tally.precincts if g.ballots < minimum]
    non_empty = [g for g in tally.styles if g.ballots > 0]
    whole = len(non_empty) == 1 and non_empty[0].ballots == tally.ballots_counted
    small += [g.key for g in non_empty if g.ballots < minimum and not whole]
    if small:
        raise AggregateError(
            f"cells below the minimum of {minimum} ballots: {small}",
            code="cell_below_minimum",
        )


def contest_totals(
    manifest: Manifest, tally: EncryptedTally, counts: Mapping[tuple[str, str], Sequence[int]]
) -> dict[str, tuple[int, ...]]:
    """Per contest, the decrypted counts summed over ballot styles. ``counts`` maps (style_id, contest_id) → counts."""
    totals: dict[str, list[int]] = {c.contest_id: [0] * len(c.selections) for c in manifest.contests}
    for group in tally.styles:
        for contest_id, _ in group.contests:
            for i, v in enumerate(counts[(group.key, contest_id)]):
                totals[contest_id][i] += v
    return {c: tuple(v) for c, v in totals.items()}


DECRYPTION_CONTEXT_TAG = "tally/decryption"


def decryption_context(base_hash: bytes, tally_payload_hash: bytes) -> bytes:
    """The context of every decryption-share proof of one encrypted tally (bound to the election and the tally)."""
    return hash_fields(DECRYPTION_CONTEXT_TAG, base_hash, tally_payload_hash)


def decryptable_positions(ciphertexts: Sequence[Ciphertext]) -> list[int]:
    """Positions whose ciphertext has a non-identity alpha; the others (empty sums) decrypt to 0 without shares."""
    return [i for i, ct in enumerate(ciphertexts) if not ct.alpha.is_identity()]


def turnout_from_tally(manifest: Manifest, tally: EncryptedTally, registered_by_region: Mapping[str, int]) -> Turnout:
    """Turnout per contest and region as the record defines it (docs/spec/record.md, "Results"): took part =
    ballots counted with the contest; registered = max(the tally's registered count for the region, took part);
    electronic ballots are never invalid."""
    ballots_by_style = {style: ballots for g in tally.styles for style, ballots in g.style_ballots()}
    contests: dict[str, ContestTurnout] = {}
    for contest in manifest.contests:
        by_region: dict[str, list[int]] = {}
        for style in manifest.ballot_styles:
            if contest.contest_id in style.contest_ids:
                by_region.setdefault(style.region_id, [0, 0])[1] += ballots_by_style.get(style.style_id, 0)
        for region_id, figures in by_region.items():
            figures[0] = max(int(registered_by_region.get(region_id, 0)), figures[1])
        regions = {r: Figures(registered=f[0], took_part=f[1], invalid=0) for r, f in by_region.items()}
        contests[contest.contest_id] = ContestTurnout(
            registered=sum(f.registered for f in regions.values()),
            took_part=sum(f.took_part for f in regions.values()),
            invalid=0,
            by_region=regions,
        )
    return Turnout(contests=contests)


def without_precincts(manifest: Manifest, tally: EncryptedTally, annulled: Iterable[str]) -> EncryptedTally:
    """``tally`` (before `publishable`, every precinct group kept) with the annulled precincts' ballots taken out:
    each annulled precinct's group is subtracted from the group of the ballot style its region and district give
    it, then dropped (record.md §2.17). The verifier reaches the server's tally of the counted set without those
    precincts this way, from sums it already has; it equals that tally when every ballot of a precinct has the
    precinct's ballot style."""
    gone = set(annulled)
    styles = {g.key: g for g in tally.styles}
    removed = 0
    for group in tally.precincts:
        if group.key not in gone:
            continue
        precinct = next((p for p in manifest.precincts if p.precinct_id == group.key), None)
        style = next(
            (
                s
                for s in manifest.ballot_styles
                if precinct is not None and s.region_id == precinct.region_id and precinct.district_id in s.district_ids
            ),
            None,
        )
        if style is None or style.style_id not in styles:
            raise AggregateError(f"annulled precinct {group.key!r} has no ballot style", code="unknown_id")
        base = styles[style.style_id]
        minus = dict(group.contests)
        contests = tuple(
            (
                cid,
                tuple(
                    Ciphertext(a.alpha - b.alpha, a.beta - b.beta)
                    for a, b in zip(cts, minus.get(cid, (Ciphertext.zero(),) * len(cts)), strict=True)
                ),
            )
            for cid, cts in base.contests
        )
        if set(minus) - {cid for cid, _ in base.contests}:
            raise AggregateError(f"annulled precinct {group.key!r} holds contests not on its style's ballot")
        styles[style.style_id] = TallyGroup(base.key, base.ballots - group.ballots, contests)
        removed += group.ballots
    return EncryptedTally(
        tally.election_id,
        tally.ballots_counted - removed,
        tuple(styles[g.key] for g in tally.styles),
        tuple(g for g in tally.precincts if g.key not in gone),
    )
