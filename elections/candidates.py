"""Candidate registration import («Электронный кандидат»): candidate files → registration checks → the manifest's
candidates (docs/candidates.md).

Pure: the caller hands in the file's text and the base manifest; nothing is read or written here. Every row is
checked and every problem reported at once (`CandidateProblem`: row, field, stable code, message); if there is any
problem `import_candidates` raises `CandidateImportError` carrying all of them and returns nothing, so a bad file
changes nothing.

What is checked (each threshold is a field of `RegistrationRules`, so a commission can set the value the law in
force gives; the defaults marked UNVERIFIED in docs/candidates.md were not confirmed against a law text):

* every field present and well formed, ids unique, the party and district known to the base manifest;
* the registration documents present (``documents`` names each one handed in);
* the age on election day within the bounds for the election's kind;
* the list gender rule on every party list: at most ``list_max_gender_share_percent`` of one gender, and no run of
  more than ``list_max_gender_run`` consecutive positions of one gender;
* in a multi-seat district with a gender cap (JK 2025), both genders nominated.

Birth dates and documents are checked and dropped: the manifest's candidates carry name, gender, party, list
position, district and registration time only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from elections.errors import ElectionError, ManifestError
from elections.manifest import _ID, _TIMESTAMP, Manifest

FileFormat = Literal["csv", "json"]

#: The CSV header (and the JSON object keys); ``party_id``, ``list_position`` and ``district_id`` may be empty.
COLUMNS: tuple[str, ...] = (
    "candidate_id",
    "name_ky",
    "name_ru",
    "name_en",
    "gender",
    "birth_date",
    "party_id",
    "list_position",
    "district_id",
    "registered_at",
    "documents",
)
_REQUIRED = ("candidate_id", "name_ky", "name_ru", "name_en", "gender", "birth_date", "registered_at")
#: The largest file accepted (characters) and the most rows: a national list election has about a thousand.
MAX_FILE_CHARS = 4_000_000
MAX_ROWS = 20_000


class RegistrationRules(BaseModel):
    """The registration checks' parameters. Defaults: docs/candidates.md says which are UNVERIFIED."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    required_documents: tuple[str, ...] = ("application", "identity_document", "income_declaration")
    #: Youngest age on election day, by election kind (``Manifest.kind``).
    min_age: Mapping[str, int] = Field(
        default_factory=lambda: {
            "president": 35,
            "parliament-2021": 25,
            "parliament-2025": 25,
            "city-council": 21,
            "village-council": 21,
            "referendum": 0,
        }
    )
    #: Oldest age on election day, by election kind; absent: no upper bound.
    max_age: Mapping[str, int] = Field(default_factory=lambda: {"president": 70})
    list_max_gender_share_percent: int = Field(default=70, ge=50, le=100)
    list_max_gender_run: int = Field(default=3, ge=1)
    #: Election kinds whose multi-seat districts need candidates of both genders (JK 2025: otherwise the district's
    #: election is cancelled, docs/rules.md).
    both_genders_in_district: tuple[str, ...] = ("parliament-2025",)


@dataclass(frozen=True)
class CandidateProblem:
    """One problem of an import: ``row`` (1-based data row, 0 for a problem of the whole file or of a list),
    ``field`` (a column, a party or a district id), a stable ``code`` and a message."""

    row: int
    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message}


class CandidateImportError(ElectionError):
    """A candidate file failed registration; ``problems`` lists every problem found."""

    code = "invalid_candidates"

    def __init__(self, problems: Sequence[CandidateProblem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"row {first.row}, {first.field}: {first.code}: {first.message}{more}")
        self.problems = tuple(problems)


@dataclass(frozen=True)
class CandidateImport:
    """The outcome of a successful import: the manifest with the imported candidates."""

    manifest: Manifest
    candidates: int


def parse_rows(text: str, file_format: FileFormat) -> list[dict[str, str]]:
    """The rows of a candidate file as column → text; `CandidateImportError` (row 0) if the file itself is bad."""
    if len(text) > MAX_FILE_CHARS:
        raise CandidateImportError([_file_problem("file_too_large", f"more than {MAX_FILE_CHARS} characters")])
    if file_format == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = reader.fieldnames or []
        missing = [c for c in _REQUIRED if c not in header]
        unknown = [c for c in header if c not in COLUMNS]
        if missing or unknown:
            raise CandidateImportError(
                [_file_problem("bad_header", f"missing columns {missing}, unknown columns {unknown}")]
            )
        try:
            rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
        except csv.Error as e:
            raise CandidateImportError([_file_problem("bad_file", f"not CSV: {e}")]) from e
    elif file_format == "json":
        try:
            value = json.loads(text)
        except ValueError as e:
            raise CandidateImportError([_file_problem("bad_file", f"not JSON: {e}")]) from e
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise CandidateImportError([_file_problem("bad_file", "JSON must be a list of candidate objects")])
        rows = [_json_row(v) for v in value]
    else:
        raise CandidateImportError([_file_problem("bad_file", f"unknown format {file_format!r}")])
    if not rows:
        raise CandidateImportError([_file_problem("no_candidates", "the file holds no candidate")])
    if len(rows) > MAX_ROWS:
        raise CandidateImportError([_file_problem("file_too_large", f"more than {MAX_ROWS} rows")])
    return rows


def _json_row(value: Mapping[str, Any]) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, item in value.items():
        if key == "name" and isinstance(item, Mapping):
            for lang in ("ky", "ru", "en"):
                row[f"name_{lang}"] = str(item.get(lang, "")).strip()
        elif key == "documents" and isinstance(item, list):
            row[key] = ";".join(str(d) for d in item)
        elif item is None:
            row[key] = ""
        else:
            row[key] = str(item).strip()
    return row


def _folded(name: str) -> str:
    """A party's name as compared: case and runs of white space ignored, «» and quotes dropped."""
    return " ".join(name.translate({ord(c): " " for c in "«»\"“”'"}).casefold().split())


def _party_names(manifest: Manifest) -> dict[str, str]:
    """Each party's names (Kyrgyz, Russian, English; `_folded`) → its id; ``""`` for a name two parties share."""
    names: dict[str, str] = {}
    for party in manifest.parties:
        for text in {party.name.ky, party.name.ru, party.name.en}:
            key = _folded(text)
            names[key] = party.party_id if names.get(key, party.party_id) == party.party_id else ""
    return names


def _file_problem(code: str, message: str) -> CandidateProblem:
    return CandidateProblem(0, "file", code, message)


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_rows(
    rows: Sequence[Mapping[str, str]], manifest: Manifest, rules: RegistrationRules
) -> tuple[list[dict[str, Any]], list[CandidateProblem]]:
    """The registration checks: (the manifest candidates of the rows that passed, every problem found)."""
    problems: list[CandidateProblem] = []
    parties = {p.party_id for p in manifest.parties}
    party_names = _party_names(manifest)
    districts = {d.district_id for d in manifest.districts}
    election_day = dt.date.fromisoformat(manifest.dates.election_day)
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        found = len(problems)

        def bad(field: str, code: str, message: str, n: int = n) -> None:
            problems.append(CandidateProblem(n, field, code, message))

        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            bad(unknown[0], "unknown_field", f"unknown fields {unknown}")
        for column in _REQUIRED:
            if not row.get(column):
                bad(column, "missing_field", f"{column} is required")
        cid = row.get("candidate_id", "")
        if cid and not re.match(_ID, cid):
            bad("candidate_id", "invalid_field", "candidate_id: lowercase letters, digits and _.:#- (at most 64)")
        if cid in seen:
            bad("candidate_id", "duplicate_candidate", f"candidate {cid!r} appears twice")
        seen.add(cid)
        gender = row.get("gender", "")
        if gender and gender not in ("female", "male"):
            bad("gender", "invalid_field", "gender must be female or male")
        if row.get("registered_at") and not _TIMESTAMP.match(row["registered_at"]):
            bad("registered_at", "invalid_field", "registered_at must be YYYY-MM-DDTHH:MM:SSZ (UTC)")
        party, district = row.get("party_id") or None, row.get("district_id") or None
        if party is not None and party not in parties:
            named = party_names.get(_folded(party))
            if named is None:
                bad("party_id", "unknown_party", f"no party {party!r} in the manifest (by id or by name)")
            elif named == "":
                bad("party_id", "ambiguous_party", f"{party!r} is the name of more than one party: give its id")
            else:
                party = named
        if district is not None and district not in districts:
            bad("district_id", "unknown_district", f"no district {district!r} in the manifest")
        position: int | None = None
        if row.get("list_position"):
            try:
                position = int(row["list_position"])
                if position < 1:
                    raise ValueError
            except ValueError:
                bad("list_position", "invalid_field", "list_position must be a whole number from 1")
            if party is None:
                bad("list_position", "invalid_field", "a list position needs a party")
        if party is None and district is None:
            bad("district_id", "missing_field", "a candidate stands on a party list, in a district, or both")
        handed_in = {d.strip() for d in row.get("documents", "").split(";") if d.strip()}
        missing_docs = [d for d in rules.required_documents if d not in handed_in]
        if missing_docs:
            bad("documents", "documents_missing", f"documents not handed in: {missing_docs}")
        if row.get("birth_date"):
            try:
                age = _age_on(dt.date.fromisoformat(row["birth_date"]), election_day)
            except ValueError:
                bad("birth_date", "invalid_field", "birth_date must be YYYY-MM-DD")
            else:
                youngest = rules.min_age.get(manifest.kind, 0)
                oldest = rules.max_age.get(manifest.kind)
                if age < youngest:
                    bad("birth_date", "under_age", f"{age} on election day; at least {youngest} required")
                elif oldest is not None and age > oldest:
                    bad("birth_date", "over_age", f"{age} on election day; at most {oldest} allowed")
        if len(problems) > found:
            continue
        candidate: dict[str, Any] = {
            "candidate_id": cid,
            "name": {"ky": row["name_ky"], "ru": row["name_ru"], "en": row["name_en"]},
            "gender": gender,
            "registered_at": row["registered_at"],
        }
        if party is not None:
            candidate["party_id"] = party
        if position is not None:
            candidate["list_position"] = position
        if district is not None:
            candidate["district_id"] = district
        out.append(candidate)
    problems += _check_lists(out, rules)
    problems += _check_districts(out, manifest, rules)
    return out, problems


def _check_lists(candidates: Sequence[Mapping[str, Any]], rules: RegistrationRules) -> list[CandidateProblem]:
    """Positions 1..n per party and the list gender rule (share and longest run of one gender)."""
    problems: list[CandidateProblem] = []
    lists: dict[str, list[Mapping[str, Any]]] = {}
    for c in candidates:
        if "list_position" in c:
            lists.setdefault(c["party_id"], []).append(c)
    for party, members in sorted(lists.items()):
        members = sorted(members, key=lambda c: int(c["list_position"]))
        positions = [int(c["list_position"]) for c in members]
        if positions != list(range(1, len(members) + 1)):
            problems.append(CandidateProblem(0, party, "list_positions", "list positions must be 1..n, no gaps"))
            continue
        genders = [c["gender"] for c in members]
        for gender in ("female", "male"):
            share = 100 * genders.count(gender) / len(genders)
            if share > rules.list_max_gender_share_percent:
                problems.append(
                    CandidateProblem(
                        0,
                        party,
                        "list_gender_share",
                        f"{share:.0f}% of the list are {gender}; at most {rules.list_max_gender_share_percent}%",
                    )
                )
        run, longest, at = 1, 1, 1
        for i in range(1, len(genders)):
            run = run + 1 if genders[i] == genders[i - 1] else 1
            if run > longest:
                longest, at = run, i + 1
        if longest > rules.list_max_gender_run:
            problems.append(
                CandidateProblem(
                    0,
                    party,
                    "list_gender_run",
                    f"{longest} positions in a row of one gender ending at position {at}; "
                    f"at most {rules.list_max_gender_run}",
                )
            )
    return problems


def _check_districts(
    candidates: Sequence[Mapping[str, Any]], manifest: Manifest, rules: RegistrationRules
) -> list[CandidateProblem]:
    if manifest.kind not in rules.both_genders_in_district:
        return []
    problems = []
    for district in manifest.districts:
        genders = {c["gender"] for c in candidates if c.get("district_id") == district.district_id}
        if len(genders) == 1:
            problems.append(
                CandidateProblem(
                    0,
                    district.district_id,
                    "district_single_gender",
                    f"only {genders.pop()} candidates nominated; both genders are needed",
                )
            )
    return problems


def _rebuild_contests(data: dict[str, Any], candidates: Sequence[Mapping[str, Any]]) -> None:
    """Each candidate contest lists the imported candidates of its district in file order (plus its "against all"
    if it had one); each party-list contest offers a preference for every imported list position."""
    list_length: dict[str, int] = {}
    for c in candidates:
        if "list_position" in c:
            list_length[c["party_id"]] = max(list_length.get(c["party_id"], 0), int(c["list_position"]))
    for contest in data["contests"]:
        selections = contest["selections"]
        against = [s for s in selections if s["kind"] == "against_all"]
        kinds = {s["kind"] for s in selections}
        if "candidate" in kinds or contest["kind"] in _CANDIDATE_CONTESTS:
            picks = [
                {"selection_id": c["candidate_id"], "kind": "candidate", "candidate_id": c["candidate_id"]}
                for c in candidates
                if contest.get("district_id") is None or c.get("district_id") == contest["district_id"]
            ]
            contest["selections"] = [*picks, *against]
        elif contest["kind"] == "party_list":
            rebuilt: list[dict[str, Any]] = []
            for s in selections:
                if s["kind"] == "party":
                    pid = s["party_id"]
                    rebuilt.append(s)
                    rebuilt.extend(
                        {"selection_id": f"{pid}#{k}", "kind": "party_preference", "party_id": pid, "list_position": k}
                        for k in range(1, list_length.get(pid, 0) + 1)
                    )
            contest["selections"] = [*rebuilt, *against]


_CANDIDATE_CONTESTS = {"presidential", "single_member_district", "parliament_district", "reserved_women_district"}


def import_candidates(
    text: str, file_format: FileFormat, manifest: Manifest, rules: RegistrationRules | None = None
) -> CandidateImport:
    """``manifest`` with its candidates replaced by those of the file; `CandidateImportError` with every problem."""
    rules = rules or RegistrationRules()
    rows = parse_rows(text, file_format)
    candidates, problems = check_rows(rows, manifest, rules)
    if problems:
        raise CandidateImportError(problems)
    data = manifest.model_dump(mode="json")
    data["candidates"] = candidates
    _rebuild_contests(data, candidates)
    try:
        result = Manifest.from_dict(data)
    except (ManifestError, ValidationError) as e:  # e.g. a name too long for the manifest
        raise CandidateImportError([_file_problem("inconsistent_manifest", str(e))]) from e
    return CandidateImport(manifest=result, candidates=len(candidates))


#: The party file's columns (CSV header, or the keys of each JSON object; ``name`` may be ``{"ky", "ru", "en"}``).
PARTY_COLUMNS: tuple[str, ...] = ("party_id", "name_ky", "name_ru", "name_en", "ballot_order")
MAX_PARTIES = 1000


class PartyImportError(CandidateImportError):
    """A party file failed: ``problems`` lists every problem found (row, field, code, message)."""

    code = "invalid_parties"


def _party_rows(text: str, file_format: FileFormat) -> list[dict[str, str]]:
    if len(text) > MAX_FILE_CHARS:
        raise PartyImportError([_file_problem("file_too_large", f"more than {MAX_FILE_CHARS} characters")])
    if file_format == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = reader.fieldnames or []
        missing = [c for c in PARTY_COLUMNS if c not in header]
        unknown = [c for c in header if c not in PARTY_COLUMNS]
        if missing or unknown:
            raise PartyImportError(
                [_file_problem("bad_header", f"missing columns {missing}, unknown columns {unknown}")]
            )
        try:
            rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
        except csv.Error as e:
            raise PartyImportError([_file_problem("bad_file", f"not CSV: {e}")]) from e
    else:
        try:
            value = json.loads(text)
        except ValueError as e:
            raise PartyImportError([_file_problem("bad_file", f"not JSON: {e}")]) from e
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise PartyImportError([_file_problem("bad_file", "JSON must be a list of party objects")])
        rows = [_json_row(v) for v in value]
    if not rows:
        raise PartyImportError([_file_problem("no_parties", "the file holds no party")])
    if len(rows) > MAX_PARTIES:
        raise PartyImportError([_file_problem("file_too_large", f"more than {MAX_PARTIES} parties")])
    return rows


def import_parties(text: str, file_format: FileFormat, manifest: Manifest) -> Manifest:
    """``manifest`` with its parties replaced by those of the file (registered parties, in ballot order): each
    party-list contest offers exactly these parties (with preferences for the list positions of the candidates
    kept), and the candidates of parties no longer there are dropped (a candidate file usually follows,
    `import_candidates`). Every problem is reported at once in `PartyImportError`: a missing or malformed field
    (``missing_field``, ``invalid_field``, ``unknown_field``), a party id or a ballot place given twice
    (``duplicate_party``, ``duplicate_ballot_order``); nothing is returned then."""
    rows = _party_rows(text, file_format)
    problems: list[CandidateProblem] = []
    parties: list[dict[str, Any]] = []
    ids: set[str] = set()
    orders: set[int] = set()
    for n, row in enumerate(rows, start=1):
        found = len(problems)

        def bad(field: str, code: str, message: str, n: int = n) -> None:
            problems.append(CandidateProblem(n, field, code, message))

        unknown = sorted(set(row) - set(PARTY_COLUMNS))
        if unknown:
            bad(unknown[0], "unknown_field", f"unknown fields {unknown}")
        for column in PARTY_COLUMNS:
            if not row.get(column):
                bad(column, "missing_field", f"{column} is required")
        pid = row.get("party_id", "")
        if pid and not re.match(_ID, pid):
            bad("party_id", "invalid_field", "party_id: lowercase letters, digits and _.:#- (at most 64)")
        if pid and pid in ids:
            bad("party_id", "duplicate_party", f"party {pid!r} appears twice")
        ids.add(pid)
        order = 0
        if row.get("ballot_order"):
            try:
                order = int(row["ballot_order"])
                if order < 1:
                    raise ValueError
            except ValueError:
                bad("ballot_order", "invalid_field", "ballot_order must be a whole number from 1")
            else:
                if order in orders:
                    bad("ballot_order", "duplicate_ballot_order", f"ballot place {order} is given twice")
                orders.add(order)
        if len(problems) == found:
            name = {"ky": row["name_ky"], "ru": row["name_ru"], "en": row["name_en"]}
            parties.append({"party_id": pid, "name": name, "ballot_order": order})
    if problems:
        raise PartyImportError(problems)
    parties.sort(key=lambda p: int(p["ballot_order"]))
    data = manifest.model_dump(mode="json")
    data["parties"] = parties
    kept = {p["party_id"] for p in parties}
    candidates = [
        {k: v for k, v in c.items() if v is not None}
        for c in data["candidates"]
        if c.get("party_id") is None or c["party_id"] in kept
    ]
    data["candidates"] = candidates
    for contest in data["contests"]:
        if contest["kind"] == "party_list":
            against = [s for s in contest["selections"] if s["kind"] == "against_all"]
            picks = [{"selection_id": p["party_id"], "kind": "party", "party_id": p["party_id"]} for p in parties]
            contest["selections"] = [*picks, *against]
    _rebuild_contests(data, candidates)
    try:
        return Manifest.from_dict(data)
    except (ManifestError, ValidationError) as e:
        raise PartyImportError([_file_problem("inconsistent_manifest", str(e).splitlines()[0])]) from e
