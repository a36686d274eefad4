"""Rule parameters carried by the manifest (``Manifest.rules``); docs/rules.md gives each one's source.

Shares are integer basis points (1 bp = 0.01 %), compared exactly with integer arithmetic, so nothing hashed
holds a float. A block is present for each contest kind the manifest uses; the Kyrgyz defaults are the
values documented in docs/rules.md (UNVERIFIED ones are marked there and stay configurable here).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: Base of a share: voters who took part (signatures for ballots received) or valid votes.
ShareBase = Literal["took_part", "valid_votes"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class PresidentRules(BaseModel):
    """Presidential election: majority in round one, else a runoff; "against all" ahead of the leader fails it."""

    model_config = _STRICT
    majority_base: ShareBase = "took_part"
    #: Elected with strictly more than this share of the base (5000 bp = "more than half").
    majority_bp: int = Field(default=5_000, ge=0, le=10_000)
    runoff_size: int = Field(default=2, ge=2)
    against_all_ahead_fails: bool = True
    #: True for the second round: the candidate with more votes wins (UNVERIFIED), "against all" still applies.
    runoff_round: bool = False


class ReferendumRules(BaseModel):
    """Referendum: valid above a turnout; a question passes above a share of those who took part."""

    model_config = _STRICT
    #: Valid only if took_part / registered is strictly above this (3000 bp = 30 %).
    min_turnout_bp: int = Field(default=3_000, ge=0, le=10_000)
    question_base: ShareBase = "took_part"
    #: A question passes with strictly more than this share of the base.
    question_pass_bp: int = Field(default=5_000, ge=0, le=10_000)
    #: "Against all" with strictly more than this share of the base → the referendum did not take place.
    against_all_not_held_bp: int = Field(default=5_000, ge=0, le=10_000)


class SingleMemberRules(BaseModel):
    """Single-member district (2021): plurality, repeat election rules, deregistration after the vote."""

    model_config = _STRICT
    against_all_ahead_repeat: bool = True
    #: Cancelled votes of candidates deregistered after the vote: strictly above num/den of took_part → repeat.
    deregistered_repeat_num: int = Field(default=1, ge=0)
    deregistered_repeat_den: int = Field(default=3, ge=1)
    #: Equal votes: the candidate registered earlier wins.
    tie_break: Literal["earlier_registration"] = "earlier_registration"


class ParliamentDistrictRules(BaseModel):
    """Multi-seat district (2025): top candidates, at most ``max_same_gender`` seats of one gender."""

    model_config = _STRICT
    max_same_gender: int = Field(default=2, ge=1)
    #: Only one gender nominated in the district → not elected there (held later).
    single_gender_not_held: bool = True
    #: UNVERIFIED for 3-seat districts: "against all" ahead of the leading candidate → repeat election.
    against_all_ahead_repeat: bool = False


class PartyListRules(BaseModel):
    """Proportional party lists (JK 2021 list part, city councils): thresholds, Hare quota, cap, gender rule."""

    model_config = _STRICT
    threshold_base: ShareBase = "took_part"
    #: A list needs at least this share nationally (500 bp = 5 %).
    national_threshold_bp: int = Field(default=500, ge=0, le=10_000)
    #: ... and at least this share in each region listed below (50 bp = 0.5 %); 0 disables the regional test.
    regional_threshold_bp: int = Field(default=0, ge=0, le=10_000)
    regional_threshold_region_ids: tuple[str, ...] = ()
    #: No list gets more seats than this; None = no cap. Excess seats go to the other lists (docs/rules.md).
    seat_cap: int | None = Field(default=None, ge=1)
    #: Inside each list, at least this share of its seats (rounded up) goes first to its women.
    women_min_bp: int = Field(default=0, ge=0, le=10_000)
    #: Seats inside a list follow preference votes (open list) or the registered order (closed list).
    use_preferences: bool = True


class ReservedWomenRules(BaseModel):
    """Multi-member majoritarian district with seats reserved for women (village councils)."""

    model_config = _STRICT
    #: At least this share of each district's seats (rounded up) go to the women with most votes.
    women_reserved_bp: int = Field(default=3_000, ge=0, le=10_000)


class PaperRules(BaseModel):
    """How a scanned paper ballot's marks become a selection (see `elections.paper`)."""

    model_config = _STRICT
    #: More marks than the contest allows.
    overvote: Literal["invalid"] = "invalid"
    #: No mark at all in a contest that needs one.
    blank: Literal["invalid"] = "invalid"
    #: A preference number without a party mark: the ballot stays, the number is ignored (UNVERIFIED) or invalid.
    preference_without_party: Literal["void_preference", "invalid"] = "void_preference"
    #: A preference number beyond the marked party's list.
    preference_beyond_list: Literal["void_preference", "invalid"] = "void_preference"
    #: More than one preference number (UNVERIFIED).
    several_preferences: Literal["void_preference", "invalid"] = "void_preference"


class RuleSet(BaseModel):
    """All rule parameters of one election; a block must be present for each contest kind used."""

    model_config = _STRICT
    president: PresidentRules | None = None
    referendum: ReferendumRules | None = None
    single_member: SingleMemberRules | None = None
    parliament_district: ParliamentDistrictRules | None = None
    party_list: PartyListRules | None = None
    reserved_women: ReservedWomenRules | None = None
    paper: PaperRules = PaperRules()
