"""Realistic Kyrgyz fixture manifests, built in code (deterministic, no I/O, no randomness).

``build_preset(name, *, seed_label=DEFAULT_SEED_LABEL) -> Manifest`` for:

* ``president`` — 17 candidates + "against all", one nationwide contest, a ballot style per region;
* ``referendum`` — two yes/no questions with "against all";
* ``parliament-2021`` — 21 parties × 54-candidate lists (1,156 list selections) + 36 single-member districts;
* ``parliament-2025`` — 30 districts × 3 seats, ~15 candidates each of both genders;
* ``city`` — a city council elected by open party lists;
* ``village`` — a village council with three multi-member districts and seats reserved for women.

The rule parameters are the Kyrgyz values of docs/rules.md. Names come from `elections._names` and change
with ``seed_label``; the structure (ids, sizes, genders) does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from elections._names import person_name, pick
from elections.errors import UnknownIdError
from elections.manifest import SPEC_VERSION, Manifest
from elections.parameters import (
    ParliamentDistrictRules,
    PartyListRules,
    PresidentRules,
    ReferendumRules,
    ReservedWomenRules,
    RuleSet,
    SingleMemberRules,
)

DEFAULT_SEED_LABEL = "shailoo-preset-1"
PRESET_NAMES = ("president", "referendum", "parliament-2021", "parliament-2025", "city", "village")

#: The nine regions of the regional threshold (7 oblasts, Bishkek, Osh) and "abroad": (id, ky, ru, en).
REGIONS = (
    ("batken", "Баткен облусу", "Баткенская область", "Batken Region"),
    ("jalal-abad", "Жалал-Абад облусу", "Джалал-Абадская область", "Jalal-Abad Region"),
    ("issyk-kul", "Ысык-Көл облусу", "Иссык-Кульская область", "Issyk-Kul Region"),
    ("naryn", "Нарын облусу", "Нарынская область", "Naryn Region"),
    ("osh-region", "Ош облусу", "Ошская область", "Osh Region"),
    ("talas", "Талас облусу", "Таласская область", "Talas Region"),
    ("chuy", "Чүй облусу", "Чуйская область", "Chuy Region"),
    ("bishkek", "Бишкек шаары", "город Бишкек", "Bishkek City"),
    ("osh-city", "Ош шаары", "город Ош", "Osh City"),
    ("abroad", "Чет өлкө", "За рубежом", "Abroad"),
)
DOMESTIC_REGION_IDS = tuple(r[0] for r in REGIONS[:9])
#: Districts per region for the 36 single-member districts of 2021 and the 30 districts of 2025.
_DISTRICTS_2021 = {"bishkek": 8, "osh-city": 2, "chuy": 6, "osh-region": 6, "jalal-abad": 6, "batken": 3,
                   "issyk-kul": 2, "naryn": 1, "talas": 2}  # fmt: skip
_DISTRICTS_2025 = {"bishkek": 7, "osh-city": 2, "chuy": 5, "osh-region": 5, "jalal-abad": 5, "batken": 2,
                   "issyk-kul": 2, "naryn": 1, "talas": 1}  # fmt: skip
#: Party names (ky, ru, en); the presets take the first ones.
_PARTY_WORDS = (
    ("Ынтымак", "Единство", "Unity"), ("Мекен", "Родина", "Homeland"), ("Ыйман", "Вера", "Faith"),
    ("Ар-Намыс", "Достоинство", "Dignity"), ("Айкөл", "Великодушие", "Magnanimity"), ("Жаңы Доор", "Новая эра",
    "New Era"), ("Ала-Тоо", "Ала-Тоо", "Ala-Too"), ("Ынак", "Согласие", "Concord"), ("Акыйкат", "Справедливость",
    "Justice"), ("Билим", "Знание", "Knowledge"), ("Эмгек", "Труд", "Labour"), ("Ата Мурас", "Наследие",
    "Heritage"), ("Кут", "Благо", "Welfare"), ("Бирдик", "Солидарность", "Solidarity"), ("Өнүгүү", "Развитие",
    "Progress"), ("Келечек", "Будущее", "Future"), ("Тынчтык", "Мир", "Peace"), ("Ишеним", "Доверие", "Trust"),
    ("Эркиндик", "Свобода", "Freedom"), ("Жашыл", "Зелёные", "Greens"), ("Мыйзам", "Закон", "Law"),
    ("Чырак", "Светоч", "Beacon"), ("Дөөлөт", "Достаток", "Prosperity"), ("Бакубат", "Благополучие", "Wellbeing"),
)  # fmt: skip
_NATION = {
    "district_id": "kg",
    "name": {"ky": "Кыргыз Республикасы", "ru": "Кыргызская Республика", "en": "Kyrgyz Republic"},
}
_T0 = datetime(2021, 10, 1, 3, 0, tzinfo=UTC)


def build_preset(name: str, *, seed_label: str = DEFAULT_SEED_LABEL) -> Manifest:
    """The fixture manifest ``name`` (one of `PRESET_NAMES`); `UnknownIdError` for any other name."""
    builders: dict[str, Callable[[str], dict[str, Any]]] = {
        "president": _president,
        "referendum": _referendum,
        "parliament-2021": _parliament_2021,
        "parliament-2025": _parliament_2025,
        "city": _city,
        "village": _village,
    }
    if name not in builders:
        raise UnknownIdError(f"no preset {name!r}; presets are {list(PRESET_NAMES)}")
    return Manifest.model_validate(builders[name](seed_label))


# -- building blocks -------------------------------------------------------------------------------------------


def _text(ky: str, ru: str, en: str) -> dict[str, str]:
    return {"ky": ky, "ru": ru, "en": en}


def _timestamp(minutes: int) -> str:
    return (_T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _skeleton(election_id: str, kind: str, name: dict[str, str], day: str, **policy: Any) -> dict[str, Any]:
    return {
        "spec_version": SPEC_VERSION,
        "election_id": election_id,
        "kind": kind,
        "name": name,
        # Polls open 08:00 and close 20:00 Bishkek time (UTC+6).
        "dates": {"election_day": day, "voting_opens": f"{day}T02:00:00Z", "voting_closes": f"{day}T14:00:00Z"},
        "policy": {
            "revoting_allowed": policy.get("revoting_allowed", True),
            "challenge_allowed": True,
            "channels_open": policy.get("channels_open", ["app", "kiosk", "precinct"]),
        },
        "regions": [{"region_id": r[0], "name": _text(*r[1:])} for r in REGIONS],
        "precincts": [],
        "parties": [],
        "candidates": [],
    }


def _person(seed_label: str, index: int, gender: str, minutes: int, **where: Any) -> dict[str, Any]:
    ky, ru, en = person_name(seed_label, index, gender)
    return {
        "candidate_id": f"c{index:04d}",
        "name": _text(ky, ru, en),
        "gender": gender,
        "registered_at": _timestamp(minutes),
        **where,
    }


def _candidate_selections(candidate_ids: Sequence[str]) -> list[dict[str, Any]]:
    picks: list[dict[str, Any]] = [{"selection_id": c, "kind": "candidate", "candidate_id": c} for c in candidate_ids]
    return [*picks, {"selection_id": "against_all", "kind": "against_all"}]


def _precincts(district_id: str, region_id: str, count: int, start: int) -> list[dict[str, Any]]:
    return [
        {
            "precinct_id": f"pr{start + i:04d}",
            "name": _text(f"№{start + i} шайлоо участогу", f"Участок №{start + i}", f"Precinct {start + i}"),
            "district_id": district_id,
            "region_id": region_id,
        }
        for i in range(count)
    ]


def _districts(plan: dict[str, int], seats: int, label: str) -> list[dict[str, Any]]:
    """Numbered districts, region by region, in the order of `REGIONS`."""
    out: list[dict[str, Any]] = []
    for region_id, *_ in REGIONS:
        for _ in range(plan.get(region_id, 0)):
            n = len(out) + 1
            ky = f"№{n} {label} шайлоо округу"
            out.append(
                {
                    "district_id": f"d{n:02d}",
                    "name": _text(ky, f"Избирательный округ №{n}", f"Electoral district No. {n}"),
                    "region_id": region_id,
                    "seats": seats,
                }
            )
    return out


def _parties(count: int) -> list[dict[str, Any]]:
    return [
        {
            "party_id": f"p{i + 1:02d}",
            "name": _text(f"«{ky}» саясий партиясы", f"Политическая партия «{ru}»", f"{en} Party"),
            "ballot_order": i + 1,
        }
        for i, (ky, ru, en) in enumerate(_PARTY_WORDS[:count])
    ]


def _list_gender(position: int) -> str:
    # Every third position is a woman: 18 of 54, the 30 % floor of list composition.
    return "female" if position % 3 == 2 else "male"


def _list_contest(contest_id: str, parties: list[dict[str, Any]], list_length: int, district_id: str) -> dict[str, Any]:
    selections: list[dict[str, Any]] = []
    for party in parties:
        pid = party["party_id"]
        selections.append({"selection_id": pid, "kind": "party", "party_id": pid})
        selections.extend(
            {"selection_id": f"{pid}#{k}", "kind": "party_preference", "party_id": pid, "list_position": k}
            for k in range(1, list_length + 1)
        )
    selections.append({"selection_id": "against_all", "kind": "against_all"})
    return {
        "contest_id": contest_id,
        "kind": "party_list",
        "name": _text("Партиялык тизмелер", "Партийные списки", "Party lists"),
        "district_id": district_id,
        "seats": 0,  # set by the caller
        "selections": selections,
    }


def _list_candidates(seed_label: str, parties: list[dict[str, Any]], length: int, first: int) -> list[dict[str, Any]]:
    out = []
    for p, party in enumerate(parties):
        for k in range(1, length + 1):
            index = first + p * length + k - 1
            out.append(
                _person(seed_label, index, _list_gender(k), p * 60 + k, party_id=party["party_id"], list_position=k)
            )
    return out


# -- the presets -------------------------------------------------------------------------------------------------


def _president(seed_label: str) -> dict[str, Any]:
    m = _skeleton("kg-president-2021", "president", _text(
        "Кыргыз Республикасынын Президентин шайлоо", "Выборы Президента Кыргызской Республики",
        "Election of the President of the Kyrgyz Republic"), "2021-01-10")  # fmt: skip
    m["districts"] = [
        {"district_id": "kg", "name": _text("Кыргыз Республикасы", "Кыргызская Республика", "Kyrgyz Republic")}
    ]
    genders = ["female" if i in (3, 11) else "male" for i in range(17)]
    m["candidates"] = [_person(seed_label, i + 1, g, i * 90, district_id="kg") for i, g in enumerate(genders)]
    m["contests"] = [{
        "contest_id": "president",
        "kind": "presidential",
        "name": _text("Президент", "Президент", "President"),
        "district_id": "kg",
        "selections": _candidate_selections([c["candidate_id"] for c in m["candidates"]]),
    }]  # fmt: skip
    m["ballot_styles"] = _styles_per_region(["kg"], ["president"])
    m["precincts"] = [p for i, (r, *_) in enumerate(REGIONS) for p in _precincts("kg", r, 2, 1 + 2 * i)]
    m["rules"] = RuleSet(president=PresidentRules()).model_dump()
    return m


def _styles_per_region(district_ids: list[str], contest_ids: list[str]) -> list[dict[str, Any]]:
    return [
        {"style_id": f"s-{r}", "region_id": r, "district_ids": district_ids, "contest_ids": contest_ids}
        for r, *_ in REGIONS
    ]


def _referendum(seed_label: str) -> dict[str, Any]:
    m = _skeleton("kg-referendum-2021", "referendum", _text(
        "Референдум (бүткүл элдик добуш берүү)", "Референдум (всенародное голосование)", "Referendum"),
        "2021-04-11", revoting_allowed=False)  # fmt: skip
    m["districts"] = [
        {"district_id": "kg", "name": _text("Кыргыз Республикасы", "Кыргызская Республика", "Kyrgyz Republic")}
    ]
    questions = [
        ("Конституциянын долбоорун кабыл аласызбы?", "Принимаете ли вы проект Конституции?",
         "Do you adopt the draft Constitution?"),
        ("Жергиликтүү өз алдынча башкаруу жөнүндө мыйзамды колдойсузбу?",
         "Поддерживаете ли вы закон о местном самоуправлении?", "Do you support the law on local self-government?"),
    ]  # fmt: skip
    m["contests"] = [
        {
            "contest_id": f"question-{i + 1}",
            "kind": "referendum_question",
            "name": _text(f"{i + 1}-суроо", f"Вопрос {i + 1}", f"Question {i + 1}"),
            "district_id": "kg",
            "question": _text(*q),
            "selections": [
                {"selection_id": "yes", "kind": "yes"},
                {"selection_id": "no", "kind": "no"},
                {"selection_id": "against_all", "kind": "against_all"},
            ],
        }
        for i, q in enumerate(questions)
    ]
    m["ballot_styles"] = _styles_per_region(["kg"], ["question-1", "question-2"])
    m["rules"] = RuleSet(referendum=ReferendumRules()).model_dump()
    del seed_label  # the referendum has no names to draw
    return m


def _parliament_2021(seed_label: str) -> dict[str, Any]:
    m = _skeleton("kg-jk-2021", "parliament-2021", _text(
        "Жогорку Кеңештин депутаттарын шайлоо", "Выборы депутатов Жогорку Кенеша",
        "Election of deputies of the Jogorku Kenesh"), "2021-11-28")  # fmt: skip
    districts = _districts(_DISTRICTS_2021, 1, "бир мандаттуу")
    m["districts"] = [{**_NATION, "seats": 54}, *districts]
    m["parties"] = _parties(21)
    m["candidates"] = _list_candidates(seed_label, m["parties"], 54, 1)
    index = len(m["candidates"]) + 1
    contests = [{**_list_contest("party-list", m["parties"], 54, "kg"), "seats": 54}]
    styles = []
    for n, d in enumerate(districts):
        ids = []
        for j in range(8):
            gender = "female" if pick(seed_label, "gender-2021", index, 4) == 0 else "male"
            party = {"party_id": f"p{(n + j) % 21 + 1:02d}"} if j % 3 == 0 else {}
            m["candidates"].append(
                _person(seed_label, index, gender, 2000 + index, district_id=d["district_id"], **party)
            )
            ids.append(f"c{index:04d}")
            index += 1
        contests.append({
            "contest_id": f"smd-{d['district_id']}",
            "kind": "single_member_district",
            "name": _text(d["name"]["ky"], d["name"]["ru"], d["name"]["en"]),
            "district_id": d["district_id"],
            "selections": _candidate_selections(ids),
        })  # fmt: skip
        styles.append({
            "style_id": f"s-{d['district_id']}",
            "region_id": d["region_id"],
            "district_ids": ["kg", d["district_id"]],
            "contest_ids": ["party-list", f"smd-{d['district_id']}"],
        })  # fmt: skip
        m["precincts"] += _precincts(d["district_id"], d["region_id"], 2, 1 + 2 * n)
    # Voters abroad get the party ballot only (they are not attached to a single-member district here).
    styles.append(
        {"style_id": "s-abroad", "region_id": "abroad", "district_ids": ["kg"], "contest_ids": ["party-list"]}
    )
    m["precincts"] += _precincts("kg", "abroad", 2, 1 + 2 * len(districts))
    m["contests"], m["ballot_styles"] = contests, styles
    m["rules"] = RuleSet(
        party_list=PartyListRules(
            national_threshold_bp=500,
            regional_threshold_bp=50,
            regional_threshold_region_ids=DOMESTIC_REGION_IDS,
            seat_cap=27,
            women_min_bp=3_000,
            use_preferences=True,
        ),
        single_member=SingleMemberRules(),
    ).model_dump()
    return m


def _parliament_2025(seed_label: str) -> dict[str, Any]:
    m = _skeleton("kg-jk-2025", "parliament-2025", _text(
        "Жогорку Кеңештин депутаттарын мөөнөтүнөн мурда шайлоо", "Досрочные выборы депутатов Жогорку Кенеша",
        "Early election of deputies of the Jogorku Kenesh"), "2025-11-30", revoting_allowed=False,
        channels_open=["kiosk", "precinct"])  # fmt: skip
    districts = _districts(_DISTRICTS_2025, 3, "көп мандаттуу")
    m["districts"], m["contests"], m["ballot_styles"] = districts, [], []
    index = 1
    for n, d in enumerate(districts):
        ids = []
        for j in range(15 + n % 2):
            # About 40 % women (189 of 460 in 2025), spread over the ballot.
            gender = "female" if (j * 2 + n) % 5 < 2 else "male"
            m["candidates"].append(_person(seed_label, index, gender, index, district_id=d["district_id"]))
            ids.append(f"c{index:04d}")
            index += 1
        m["contests"].append({
            "contest_id": f"jk-{d['district_id']}",
            "kind": "parliament_district",
            "name": _text(d["name"]["ky"], d["name"]["ru"], d["name"]["en"]),
            "district_id": d["district_id"],
            "seats": 3,
            "selections": _candidate_selections(ids),
        })  # fmt: skip
        m["ballot_styles"].append({
            "style_id": f"s-{d['district_id']}",
            "region_id": d["region_id"],
            "district_ids": [d["district_id"]],
            "contest_ids": [f"jk-{d['district_id']}"],
        })  # fmt: skip
        m["precincts"] += _precincts(d["district_id"], d["region_id"], 2, 1 + 2 * n)
    m["rules"] = RuleSet(parliament_district=ParliamentDistrictRules()).model_dump()
    return m


def _city(seed_label: str) -> dict[str, Any]:
    m = _skeleton("bishkek-city-2024", "city-council", _text(
        "Бишкек шаардык кеңешинин депутаттарын шайлоо", "Выборы депутатов Бишкекского городского кенеша",
        "Election of the Bishkek City Council"), "2024-11-17")  # fmt: skip
    m["districts"] = [{"district_id": "bishkek-city", "name": _text("Бишкек шаары", "город Бишкек", "Bishkek City"),
                       "region_id": "bishkek", "seats": 45}]  # fmt: skip
    m["parties"] = _parties(8)
    m["candidates"] = _list_candidates(seed_label, m["parties"], 45, 1)
    m["contests"] = [{**_list_contest("city-list", m["parties"], 45, "bishkek-city"), "seats": 45,
                      "name": _text("Шаардык кеңеш", "Городской кенеш", "City council")}]  # fmt: skip
    m["ballot_styles"] = [{"style_id": "s-bishkek", "region_id": "bishkek", "district_ids": ["bishkek-city"],
                           "contest_ids": ["city-list"]}]  # fmt: skip
    m["precincts"] = _precincts("bishkek-city", "bishkek", 4, 1)
    m["rules"] = RuleSet(party_list=PartyListRules(national_threshold_bp=500)).model_dump()
    return m


def _village(seed_label: str) -> dict[str, Any]:
    m = _skeleton("saruu-ayil-2023", "village-council", _text(
        "Саруу айылдык кеңешинин депутаттарын шайлоо", "Выборы депутатов Сарууского айылного кенеша",
        "Election of the Saruu Village Council"), "2023-10-08")  # fmt: skip
    seats = (5, 4, 4)
    m["districts"] = [
        {
            "district_id": f"v{n + 1}",
            "name": _text(f"№{n + 1} айылдык округ", f"Айыльный округ №{n + 1}", f"Village district No. {n + 1}"),
            "region_id": "issyk-kul",
            "seats": s,
        }
        for n, s in enumerate(seats)
    ]
    m["contests"], m["ballot_styles"] = [], []
    index = 1
    for n, s in enumerate(seats):
        did, ids = f"v{n + 1}", []
        for j in range(2 * s + 1):
            gender = "female" if j % 3 == 1 else "male"
            m["candidates"].append(_person(seed_label, index, gender, index, district_id=did))
            ids.append(f"c{index:04d}")
            index += 1
        m["contests"].append({
            "contest_id": f"ayil-{did}",
            "kind": "reserved_women_district",
            "name": m["districts"][n]["name"],
            "district_id": did,
            "seats": s,
            "selections": _candidate_selections(ids),
            "min_marks": 1,
            "max_marks": s,  # UNVERIFIED: up to one mark per seat
        })  # fmt: skip
        m["ballot_styles"].append(
            {"style_id": f"s-{did}", "region_id": "issyk-kul", "district_ids": [did], "contest_ids": [f"ayil-{did}"]}
        )
        m["precincts"] += _precincts(did, "issyk-kul", 1 + n % 2, 1 + 2 * n)
    m["rules"] = RuleSet(reserved_women=ReservedWomenRules()).model_dump()
    return m


__all__ = ["DEFAULT_SEED_LABEL", "DOMESTIC_REGION_IDS", "PRESET_NAMES", "REGIONS", "build_preset"]
