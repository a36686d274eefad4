"""The election manifest: the commission's description of an election (docs/elections.md, "Manifest").

Pydantic v2 models, every one frozen and refusing unknown fields; `Manifest` validates every cross-reference
on construction, so a `Manifest` that exists is consistent. Its hash is
``record_hash("manifest", to_canonical_dict())`` (RFC 8785 canonical JSON under the domain tag ``manifest``).

Public API (names stable):

* `Manifest` — ``spec_version, election_id, kind, name, dates, policy, regions, districts, precincts, parties,
  candidates, contests, ballot_styles, rules``; methods ``manifest_hash() -> bytes``,
  ``to_canonical_dict() -> dict``, ``Manifest.from_json(str | bytes)``, ``Manifest.from_dict(dict)``,
  ``contest(id)``, ``ballot_style(id)``, ``ballot_style_for_district(district_id)``, ``candidate(id)``,
  ``party(id)``, ``district(id)``, ``region(id)``, ``party_list(party_id)`` (candidates by list position),
  ``with_deregistered(ids)`` (the amended manifest after a deregistration).
* `Contest` — ``contest_id, kind, name, district_id, seats, selections, min_marks, max_marks, question``.
  The selection vector of a contest (what is encrypted: one 0/1 per selection) follows ``selections`` order,
  and ``min_marks <= sum(vector) <= max_marks`` is what the ballot proof proves.
* `Selection` — ``selection_id, kind`` (candidate | party | party_preference | against_all | yes | no),
  ``candidate_id, party_id, list_position``.
* `BallotStyle` — ``style_id, region_id, district_ids, contest_ids``: what a voter of those districts gets.
  Every ballot style lies in one region, so tallies per style sum to tallies per region (regional thresholds).
* `Region`, `District`, `Precinct`, `Party`, `Candidate`, `LocalizedText` (ky, ru, en), `ElectionDates`, `Policy`.
* `TrusteeRosterEntry` — ``index, name, public_key``: the trustees the commission appointed, each with the Ed25519
  identity key that signs its ceremony and decryption posts (`record.trustee_posts`). ``Manifest.trustees`` and
  ``Manifest.trustee_threshold`` (k) are optional; an empty roster is left out of the canonical dict, so manifests
  without one keep their hashes. ``with_trustees(roster, threshold)`` gives the manifest with a roster.
* `WitnessRosterEntry` — ``name, public_key``: the witnesses the commission appointed to cosign the board's tree
  heads, each pinned by its Ed25519 key. ``Manifest.witnesses`` is optional and, when empty, left out of the
  canonical dict like the trustee roster. ``with_witnesses(roster)`` gives the manifest with a witness roster.
* Rule parameters: `elections.parameters.RuleSet` and its blocks.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from crypto import signing
from crypto.canonical import record_hash
from crypto.errors import CryptoError
from elections.errors import ManifestError, UnknownIdError
from elections.geo import PrecinctPlace
from elections.parameters import RuleSet

SPEC_VERSION = "shailoo-manifest/1"
MANIFEST_TAG = "manifest"

ElectionKind = Literal[
    "president", "referendum", "parliament-2021", "parliament-2025", "city-council", "village-council"
]
#: Ballot shape and result rule of a contest (docs/elections.md, "Contest kinds").
ContestKind = Literal[
    "presidential",  # one mark among candidates or "against all"; majority, else runoff
    "single_member_district",  # one mark among candidates or "against all"; plurality (JK 2021)
    "referendum_question",  # yes / no (optionally "against all")
    "parliament_district",  # one mark; `seats` winners with a gender cap (JK 2025)
    "party_list",  # one mark among (party), (party, position k), "against all"; proportional
    "reserved_women_district",  # up to max_marks candidates; seats with a reserved share for women
]
SelectionKind = Literal["candidate", "party", "party_preference", "against_all", "yes", "no"]
Channel = Literal["app", "kiosk", "precinct"]
Gender = Literal["female", "male"]
Status = Literal["registered", "deregistered"]

_STRICT = ConfigDict(extra="forbid", frozen=True)
_ID = r"^[a-z0-9][a-z0-9_.:#-]{0,63}$"
#: The voting window's default clock tolerance (`Policy.clock_tolerance_seconds`).
DEFAULT_CLOCK_TOLERANCE_SECONDS = 120
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Id = Field(pattern=_ID)


class LocalizedText(BaseModel):
    """A name or text in Kyrgyz, Russian and English."""

    model_config = _STRICT
    ky: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ElectionDates(BaseModel):
    """Election day (``YYYY-MM-DD``) and the voting window (UTC, ``YYYY-MM-DDTHH:MM:SSZ``)."""

    model_config = _STRICT
    election_day: str
    voting_opens: str
    voting_closes: str

    @model_validator(mode="after")
    def _check(self) -> ElectionDates:
        if not _DATE.match(self.election_day):
            raise ValueError("election_day must be YYYY-MM-DD")
        for value in (self.voting_opens, self.voting_closes):
            if not _TIMESTAMP.match(value):
                raise ValueError("voting times must be YYYY-MM-DDTHH:MM:SSZ (UTC)")
        if self.voting_opens >= self.voting_closes:
            raise ValueError("voting must open before it closes")
        return self


#: The default minimum cell: a precinct subtotal of fewer ballots is never decrypted (UNVERIFIED as law: a
#: documented, configurable parameter of the manifest's policy).
DEFAULT_MIN_CELL_BALLOTS = 10


class Policy(BaseModel):
    """Casting policy: re-voting (last ballot of a credential counts), Benaloh challenge, open channels, and the
    voting window's rules (docs/spec/record.md §2.10, check 24)."""

    model_config = _STRICT
    revoting_allowed: bool
    challenge_allowed: bool
    #: Sorted, no duplicates (a canonical list, never a set, so the hash is stable).
    channels_open: tuple[Channel, ...]
    #: The fewest counted ballots a precinct cell may hold to be decrypted and published on its own; a smaller cell
    #: counts only in the ballot-style totals above it (docs/spec/record.md §2.11). Absent: `DEFAULT_MIN_CELL_BALLOTS`.
    min_cell_ballots: int | None = Field(default=None, ge=1, le=1_000_000)

    @property
    def minimum_cell(self) -> int:
        return DEFAULT_MIN_CELL_BALLOTS if self.min_cell_ballots is None else self.min_cell_ballots

    #: May the operator close voting before ``voting_closes``? The ``close`` entry then carries the reason the
    #: operator gave. Without it a close before ``voting_closes`` is refused.
    early_close_allowed: bool = False
    #: How far (seconds) the board's own times may run past ``voting_closes`` for a ballot accepted before it: the
    #: delay until a signed tree head covers the ballot (merge delay, an integrator retrying) and the drift
    #: between the clocks of the server's workers. The server itself accepts nothing after ``voting_closes``.
    clock_tolerance_seconds: int = Field(default=DEFAULT_CLOCK_TOLERANCE_SECONDS, ge=0, le=3600)
    #: Mixing (docs/spec/shuffle.md, record.md §2.14): the list posted in ``mix_input`` counts as mixed only after
    #: shuffles by at least this many distinct trustees of the roster, so that one honest mixer among them hides
    #: the order. Absent: the election is not mixed (the homomorphic mode).
    mixing_trustees_required: int | None = Field(default=None, ge=1, le=1000)
    #: The registration window: from this time (UTC, ``YYYY-MM-DDTHH:MM:SSZ``, at or before ``voting_opens``) a
    #: voter may be identified and get her credential, before voting opens, so that the time she was identified
    #: says nothing about when she casts. Absent: identification opens with voting (docs/spec/record.md §2.1).
    registration_opens: str | None = None

    @field_validator("registration_opens")
    @classmethod
    def _registration_time(cls, value: str | None) -> str | None:
        if value is not None and not _TIMESTAMP.match(value):
            raise ValueError("registration_opens must be YYYY-MM-DDTHH:MM:SSZ (UTC)")
        return value

    #: The deadline (UTC ``YYYY-MM-DDTHH:MM:SSZ``) for a voter's application to vote away from home (the voter
    #: cabinet, docs/cabinet.md). Absent: the cabinet takes no applications.
    applications_close: str | None = None

    @field_validator("applications_close")
    @classmethod
    def _deadline(cls, value: str | None) -> str | None:
        if value is not None and not _TIMESTAMP.match(value):
            raise ValueError("applications_close must be YYYY-MM-DDTHH:MM:SSZ (UTC)")
        return value

    #: The election mode (docs/spec/credentials.md §8): ``homomorphic`` (blind-signed credential keys on ballots,
    #: homomorphic tally, re-voting by credential key) or ``coercion_resistant`` (encrypted fakeable credentials,
    #: ``cr_*`` board entries, a mixed tally; needs ``mixing_trustees_required``). Absent: homomorphic, and left
    #: out of the hash so manifests written before it keep theirs.
    mode: Literal["homomorphic", "coercion_resistant"] = "homomorphic"

    @property
    def coercion_resistant(self) -> bool:
        return self.mode == "coercion_resistant"

    @field_validator("channels_open")
    @classmethod
    def _sorted_unique(cls, value: tuple[Channel, ...]) -> tuple[Channel, ...]:
        if list(value) != sorted(set(value)):
            raise ValueError("channels_open must be sorted and without duplicates")
        return value


class Region(BaseModel):
    """An oblast, Bishkek, Osh, or "abroad"."""

    model_config = _STRICT
    region_id: str = Id
    name: LocalizedText


class District(BaseModel):
    """An electoral district with its number of seats; ``region_id`` None = nationwide or across regions."""

    model_config = _STRICT
    district_id: str = Id
    name: LocalizedText
    region_id: str | None = None
    seats: int = Field(default=1, ge=1)


class Precinct(BaseModel):
    """A polling station (or consulate / remote station) and the district its voters belong to."""

    model_config = _STRICT
    precinct_id: str = Id
    name: LocalizedText
    district_id: str
    region_id: str
    #: Where it is (`elections.geo.PrecinctPlace`: location, boundary, address; microdegrees). Absent: left out of
    #: the canonical dict, so manifests without places keep their hashes.
    place: PrecinctPlace | None = None


class Party(BaseModel):
    """A party; ``ballot_order`` is its place on the ballot (drawn by lot) and breaks ties of remainders."""

    model_config = _STRICT
    party_id: str = Id
    name: LocalizedText
    ballot_order: int = Field(ge=1)
    status: Status = "registered"


class Candidate(BaseModel):
    """A candidate: on a party list (``party_id`` + ``list_position``) and/or in a district (``district_id``).

    ``registered_at`` (UTC timestamp) decides ties where the law says the earlier registered wins;
    ``status`` "deregistered" after the vote cancels the candidate's votes (docs/rules.md).
    """

    model_config = _STRICT
    candidate_id: str = Id
    name: LocalizedText
    gender: Gender
    party_id: str | None = None
    list_position: int | None = Field(default=None, ge=1)
    district_id: str | None = None
    registered_at: str
    status: Status = "registered"

    @field_validator("registered_at")
    @classmethod
    def _timestamp(cls, value: str) -> str:
        if not _TIMESTAMP.match(value):
            raise ValueError("registered_at must be YYYY-MM-DDTHH:MM:SSZ (UTC)")
        return value


class Selection(BaseModel):
    """One position of a contest's selection vector and what it stands for."""

    model_config = _STRICT
    selection_id: str = Id
    kind: SelectionKind
    candidate_id: str | None = None
    party_id: str | None = None
    list_position: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _shape(self) -> Selection:
        wants = {
            "candidate": (True, False, False),
            "party": (False, True, False),
            "party_preference": (False, True, True),
            "against_all": (False, False, False),
            "yes": (False, False, False),
            "no": (False, False, False),
        }[self.kind]
        has = (self.candidate_id is not None, self.party_id is not None, self.list_position is not None)
        if has != wants:
            raise ValueError(f"selection {self.selection_id!r} of kind {self.kind} has the wrong fields")
        return self


class Contest(BaseModel):
    """A contest: its kind, district, seats, the ordered selections and the number of marks allowed."""

    model_config = _STRICT
    contest_id: str = Id
    kind: ContestKind
    name: LocalizedText
    district_id: str | None = None
    seats: int = Field(default=1, ge=1)
    selections: tuple[Selection, ...] = Field(min_length=1)
    min_marks: int = Field(default=1, ge=0)
    max_marks: int = Field(default=1, ge=1)
    question: LocalizedText | None = None

    @model_validator(mode="after")
    def _limits(self) -> Contest:
        if not self.min_marks <= self.max_marks <= len(self.selections):
            raise ValueError(f"contest {self.contest_id!r}: need min_marks <= max_marks <= number of selections")
        ids = [s.selection_id for s in self.selections]
        if len(set(ids)) != len(ids):
            raise ValueError(f"contest {self.contest_id!r}: duplicate selection ids")
        return self

    def selection_index(self, selection_id: str) -> int:
        """Position of ``selection_id`` in the selection vector; `UnknownIdError` if absent."""
        for index, selection in enumerate(self.selections):
            if selection.selection_id == selection_id:
                return index
        raise UnknownIdError(f"contest {self.contest_id!r} has no selection {selection_id!r}")

    def against_all_index(self) -> int | None:
        """Position of the "against all" selection, if the contest has one."""
        for index, selection in enumerate(self.selections):
            if selection.kind == "against_all":
                return index
        return None


class BallotStyle(BaseModel):
    """What a voter gets: the contests for voters of ``district_ids``; the style lies in one region."""

    model_config = _STRICT
    style_id: str = Id
    region_id: str
    district_ids: tuple[str, ...] = Field(min_length=1)
    contest_ids: tuple[str, ...] = Field(min_length=1)


def _usable_ed25519(value: str, whose: str) -> str:
    """``value`` if it is the hex of an Ed25519 key `crypto.signing.decode_public_key` accepts (no small order)."""
    try:
        signing.decode_public_key(bytes.fromhex(value))
    except CryptoError as e:
        raise ValueError(f"{whose} is not a usable Ed25519 key: {e.message}") from e
    return value


class TrusteeRosterEntry(BaseModel):
    """A trustee the commission appointed: its index j (1..n), its name, and its Ed25519 identity public key
    (32 bytes, lowercase hex). Every post in trustee j's name must be signed by that key."""

    model_config = _STRICT
    index: int = Field(ge=1, le=255)
    name: LocalizedText | str
    public_key: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("public_key")
    @classmethod
    def _strict_ed25519(cls, value: str) -> str:
        return _usable_ed25519(value, "the trustee's identity key")


#: A witness's name is its signed-note signer name (docs/spec/board.md §4): printable ASCII, no space, no "+".
_WITNESS_NAME = r"^[\x21-\x2a\x2c-\x7e]{1,128}$"


class WitnessRosterEntry(BaseModel):
    """A witness the commission appointed: its signer name and its Ed25519 public key (32 bytes, lowercase hex).
    A verifier counts a cosignature under that name only when it is made with that key."""

    model_config = _STRICT
    name: str = Field(pattern=_WITNESS_NAME)
    public_key: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("public_key")
    @classmethod
    def _strict_ed25519(cls, value: str) -> str:
        return _usable_ed25519(value, "the witness's key")

    @property
    def key_bytes(self) -> bytes:
        """The raw 32-byte Ed25519 key."""
        return bytes.fromhex(self.public_key)


#: Fields left out of the canonical dict while empty, so manifests written before they existed keep their hash.
_OPTIONAL_WHEN_EMPTY = ("trustees", "trustee_threshold")
_OPTIONAL_WHEN_NONE = ("registrar_key", "commission_key", "previous_election")
#: Policy fields left out of the canonical dict at their default, for the same reason.
_POLICY_DEFAULTS: dict[str, Any] = {
    "mixing_trustees_required": None,
    "mode": "homomorphic",
    "early_close_allowed": False,
    "applications_close": None,
    "clock_tolerance_seconds": DEFAULT_CLOCK_TOLERANCE_SECONDS,
}


class PreviousElection(BaseModel):
    """The election a runoff continues: its id and the ``results_hash`` of its published result (hex), whose
    ``runoff`` candidates are this election's (`elections.runoff`)."""

    model_config = _STRICT
    election_id: str = Id
    results_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    """The election manifest (spec version ``shailoo-manifest/1``); validated as a whole on construction."""

    model_config = _STRICT
    spec_version: Literal["shailoo-manifest/1"]
    election_id: str = Id
    kind: ElectionKind
    name: LocalizedText
    dates: ElectionDates
    policy: Policy
    regions: tuple[Region, ...] = Field(min_length=1)
    districts: tuple[District, ...] = Field(min_length=1)
    precincts: tuple[Precinct, ...] = ()
    parties: tuple[Party, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    contests: tuple[Contest, ...] = Field(min_length=1)
    ballot_styles: tuple[BallotStyle, ...] = Field(min_length=1)
    rules: RuleSet
    #: The trustee roster (index 1..n, contiguous) and the decryption threshold k; both or neither.
    trustees: tuple[TrusteeRosterEntry, ...] = ()
    trustee_threshold: int | None = None
    #: The witness roster: the witnesses whose cosignatures a verifier counts by default, each pinned by its key.
    witnesses: tuple[WitnessRosterEntry, ...] = ()

    #: The registrar's Ed25519 key (64 lowercase hex) that signs the register counts (`record.register`); absent: the
    #: ``register_counts`` entry's own key is not pinned by the commission.
    registrar_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    #: The election commission's own Ed25519 key (64 lowercase hex), apart from the registrar's server key: it signs
    #: what the commission decides (a ``precinct_annulment``, `record.annulment`) and is held by the commission, not
    #: by the server. Absent (and then left out of the hashed manifest): those entries are checked under
    #: ``registrar_key``, as before the field existed.
    commission_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    #: For a runoff: the first round it continues (absent from the hashed manifest otherwise).
    previous_election: PreviousElection | None = None

    @field_validator("registrar_key")
    @classmethod
    def _strict_registrar_key(cls, value: str | None) -> str | None:
        return None if value is None else _usable_ed25519(value, "the registrar key")

    @field_validator("commission_key")
    @classmethod
    def _strict_commission_key(cls, value: str | None) -> str | None:
        return None if value is None else _usable_ed25519(value, "the commission key")

    _index: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Manifest:
        from elections._validate import check_manifest  # the checks live in their own module

        check_manifest(self)
        opens = self.policy.registration_opens
        if opens is not None and opens > self.dates.voting_opens:
            raise ValueError("registration_opens must be at or before voting_opens")
        _check_roster(self.trustees, self.trustee_threshold)
        _check_mixing(self.policy.mixing_trustees_required, self.trustees)
        if self.policy.coercion_resistant and self.policy.mixing_trustees_required is None:
            raise ValueError("the coercion-resistant mode needs policy.mixing_trustees_required (its tally is mixed)")
        _check_witnesses(self.witnesses)
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._index = {
            "region": {r.region_id: r for r in self.regions},
            "district": {d.district_id: d for d in self.districts},
            "party": {p.party_id: p for p in self.parties},
            "candidate": {c.candidate_id: c for c in self.candidates},
            "contest": {c.contest_id: c for c in self.contests},
            "style": {s.style_id: s for s in self.ballot_styles},
        }

    # -- construction and hashing ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Manifest:
        """Validate a decoded JSON object; `ManifestError` on any problem."""
        try:
            return cls.model_validate(value)
        except ValidationError as e:
            raise ManifestError(f"manifest is invalid: {e}") from e

    @classmethod
    def from_json(cls, data: str | bytes) -> Manifest:
        """Parse and validate manifest JSON; `ManifestError` on any problem."""
        try:
            value = json.loads(data)
        except (ValueError, UnicodeDecodeError) as e:
            raise ManifestError(f"manifest is not JSON: {e}") from e
        if not isinstance(value, dict):
            raise ManifestError("manifest JSON must be an object")
        return cls.from_dict(value)

    def to_canonical_dict(self) -> dict[str, Any]:
        """The JSON object that is hashed (every field, tuples as lists, ints and strings only; the trustee roster
        and threshold only when there is a roster, the registrar and commission keys only when there are ones; the
        policy's ``early_close_allowed`` and ``clock_tolerance_seconds`` only when they differ from their defaults)."""
        data = self.model_dump(mode="json")
        for precinct in data["precincts"]:
            if precinct.get("place") is None:
                precinct.pop("place", None)
            elif precinct["place"].get("boundary") is None or precinct["place"].get("address") is None:
                precinct["place"] = {k: v for k, v in precinct["place"].items() if v is not None}
        for name in ("min_cell_ballots", "registration_opens"):
            if data["policy"].get(name) is None:  # manifests written before these fields keep their hash
                data["policy"].pop(name, None)
        if not self.trustees:
            for name in _OPTIONAL_WHEN_EMPTY:
                data.pop(name, None)
        if not self.witnesses:
            data.pop("witnesses", None)
        for name in _OPTIONAL_WHEN_NONE:
            if data.get(name) is None:
                data.pop(name, None)
        for name, default in _POLICY_DEFAULTS.items():
            if data["policy"].get(name) == default:
                del data["policy"][name]
        return data

    def manifest_hash(self) -> bytes:
        """``record_hash("manifest", to_canonical_dict())`` — 32 bytes."""
        return record_hash(MANIFEST_TAG, self.to_canonical_dict())

    def with_deregistered(self, ids: Iterable[str]) -> Manifest:
        """The amended manifest where the candidates or parties ``ids`` are deregistered (after the vote)."""
        wanted = set(ids)
        known = set(self._index["candidate"]) | set(self._index["party"])
        if unknown := wanted - known:
            raise UnknownIdError(f"no candidate or party {sorted(unknown)}")
        candidates = tuple(
            c.model_copy(update={"status": "deregistered"}) if c.candidate_id in wanted else c for c in self.candidates
        )
        parties = tuple(
            p.model_copy(update={"status": "deregistered"}) if p.party_id in wanted else p for p in self.parties
        )
        data = self.model_dump(mode="python")
        data["candidates"], data["parties"] = candidates, parties
        return Manifest.model_validate(data)

    def with_places(self, places: Mapping[str, PrecinctPlace]) -> Manifest:
        """The manifest with the precincts ``places`` names placed (location, boundary, address)."""
        unknown = set(places) - {p.precinct_id for p in self.precincts}
        if unknown:
            raise UnknownIdError(f"no precinct {sorted(unknown)}")
        precincts = tuple(
            p.model_copy(update={"place": places[p.precinct_id]}) if p.precinct_id in places else p
            for p in self.precincts
        )
        return Manifest.from_dict({**self.to_canonical_dict(), "precincts": [_dump(p) for p in precincts]})

    def with_trustees(self, roster: Iterable[TrusteeRosterEntry], threshold: int) -> Manifest:
        """This manifest with the trustee roster ``roster`` (indices 1..n) and decryption threshold ``threshold``."""
        data = self.model_dump(mode="python")
        data["trustees"], data["trustee_threshold"] = tuple(roster), threshold
        try:
            return Manifest.model_validate(data)
        except ValidationError as e:
            raise ManifestError(f"the trustee roster is invalid: {e}") from e

    def with_witnesses(self, roster: Iterable[WitnessRosterEntry]) -> Manifest:
        """This manifest with the witness roster ``roster`` (distinct names, distinct keys)."""
        data = self.model_dump(mode="python")
        data["witnesses"] = tuple(roster)
        try:
            return Manifest.model_validate(data)
        except ValidationError as e:
            raise ManifestError(f"the witness roster is invalid: {e}") from e

    def witness_keys(self) -> dict[str, bytes]:
        """The witness roster as name → raw 32-byte Ed25519 key."""
        return {w.name: w.key_bytes for w in self.witnesses}

    def with_registrar_key(self, public_key: bytes) -> Manifest:
        """This manifest pinning the registrar's Ed25519 key ``public_key`` (raw 32 bytes)."""
        data = self.model_dump(mode="python")
        data["registrar_key"] = public_key.hex()
        try:
            return Manifest.model_validate(data)
        except ValidationError as e:
            raise ManifestError(f"the registrar key is invalid: {e}") from e

    def with_commission_key(self, public_key: bytes) -> Manifest:
        """This manifest pinning the commission's Ed25519 key ``public_key`` (raw 32 bytes)."""
        data = self.model_dump(mode="python")
        data["commission_key"] = public_key.hex()
        try:
            return Manifest.model_validate(data)
        except ValidationError as e:
            raise ManifestError(f"the commission key is invalid: {e}") from e

    @property
    def annulment_key(self) -> str | None:
        """The key that signs the commission's decisions on the board: ``commission_key``, else (a manifest without
        one) ``registrar_key``, else none pinned."""
        return self.commission_key if self.commission_key is not None else self.registrar_key

    def with_voting_window(self, opens: str, closes: str, **policy: Any) -> Manifest:
        """This manifest with voting open from ``opens`` to ``closes`` (UTC ``YYYY-MM-DDTHH:MM:SSZ``; election day
        the date of ``opens``) and the ``policy`` fields given (e.g. ``early_close_allowed=True``)."""
        data = self.model_dump(mode="python")
        data["dates"] = {"election_day": opens[:10], "voting_opens": opens, "voting_closes": closes}
        data["policy"] = {**data["policy"], **policy}
        try:
            return Manifest.model_validate(data)
        except ValidationError as e:
            raise ManifestError(f"the voting window or policy is invalid: {e}") from e

    def roster_entry(self, index: int) -> TrusteeRosterEntry:
        """Trustee ``index`` of the roster; `UnknownIdError` if the roster has no such trustee."""
        for entry in self.trustees:
            if entry.index == index:
                return entry
        raise UnknownIdError(f"trustee {index} is not on the roster of manifest {self.election_id!r}")

    # -- look-ups ------------------------------------------------------------------------------------------------

    def _get(self, table: str, key: str) -> Any:
        try:
            return self._index[table][key]
        except KeyError:
            raise UnknownIdError(f"no {table} {key!r} in manifest {self.election_id!r}") from None

    def contest(self, contest_id: str) -> Contest:
        result: Contest = self._get("contest", contest_id)
        return result

    def ballot_style(self, style_id: str) -> BallotStyle:
        result: BallotStyle = self._get("style", style_id)
        return result

    def ballot_style_for_district(self, district_id: str) -> BallotStyle:
        """The ballot style of voters registered in ``district_id`` (their smallest district)."""
        self._get("district", district_id)
        for style in self.ballot_styles:
            if district_id in style.district_ids:
                return style
        raise UnknownIdError(f"no ballot style for district {district_id!r}")

    def candidate(self, candidate_id: str) -> Candidate:
        result: Candidate = self._get("candidate", candidate_id)
        return result

    def party(self, party_id: str) -> Party:
        result: Party = self._get("party", party_id)
        return result

    def district(self, district_id: str) -> District:
        result: District = self._get("district", district_id)
        return result

    def region(self, region_id: str) -> Region:
        result: Region = self._get("region", region_id)
        return result

    def party_list(self, party_id: str) -> tuple[Candidate, ...]:
        """The party's list candidates in list order."""
        self._get("party", party_id)
        listed = [c for c in self.candidates if c.party_id == party_id and c.list_position is not None]
        return tuple(sorted(listed, key=lambda c: c.list_position or 0))


def _check_roster(roster: tuple[TrusteeRosterEntry, ...], threshold: int | None) -> None:
    """Indices 1..n in order, distinct keys, 1 <= k <= n; no threshold without a roster."""
    if not roster:
        if threshold is not None:
            raise ValueError("a trustee threshold needs a trustee roster")
        return
    if [t.index for t in roster] != list(range(1, len(roster) + 1)):
        raise ValueError("the trustee roster lists trustees 1..n, in order, each once")
    if len({t.public_key for t in roster}) != len(roster):
        raise ValueError("two trustees of the roster share an identity key")
    if threshold is None or isinstance(threshold, bool) or not 1 <= threshold <= len(roster):
        raise ValueError(f"the trustee threshold k must satisfy 1 <= k <= n = {len(roster)}")


def _check_mixing(required: int | None, roster: tuple[TrusteeRosterEntry, ...]) -> None:
    """Mixing by k distinct trustees needs a roster of at least k (their keys sign the shuffles)."""
    if required is not None and len(roster) < required:
        raise ValueError(f"mixing by {required} distinct trustees needs a trustee roster of at least {required}")


def _check_witnesses(roster: tuple[WitnessRosterEntry, ...]) -> None:
    """Distinct names and distinct keys: one witness, one key, one name."""
    if dupes := duplicates(w.name for w in roster):
        raise ValueError(f"the witness roster names {dupes} more than once")
    if len({w.public_key for w in roster}) != len(roster):
        raise ValueError("two witnesses of the roster share a key")


def _dump(precinct: Precinct) -> dict[str, Any]:
    data = precinct.model_dump(mode="json")
    if data.get("place") is None:
        data.pop("place", None)
    return data


def duplicates(values: Iterable[str]) -> list[str]:
    """Values that occur more than once, sorted."""
    return sorted(v for v, n in Counter(values).items() if n > 1)
