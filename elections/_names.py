"""Deterministic Kyrgyz/Russian/English names for the fixture presets (no randomness: picks come from SHA-256).

Given names and surname stems are ordinary Kyrgyz names; the Latin form is a plain transliteration.
The same ``seed_label`` always gives the same names; another label gives another, equally valid, set.
"""

from __future__ import annotations

import hashlib


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MALE = _words(
    "Азамат Айбек Алмаз Асан Бакыт Бектур Данияр Жоомарт Замир Икрам Кубат Марат Нурбек Нурлан Өмүрбек "
    "Руслан Садыр Талант Темир Улан Үсөн Чынгыз Эркин Эрлан Адилет Бакай Мирлан Таалай Кайрат Мелис"
)
_FEMALE = _words(
    "Айгүл Айжан Айпери Асель Бермет Гүлнара Динара Жылдыз Канышай Назгүл Нургүл Роза Салтанат Сезим "
    "Таттыбүбү Үмүт Чолпон Элмира Элиза Жаңыл Мээрим Аида Бактыгүл Кундуз Алтынай Бурул Гүлзат Акмарал"
)
_SURNAME_STEMS = _words(
    "Асан Токтогул Сарыбай Жумабек Абдыкадыр Бейшен Осмон Мамыт Сатыбалды Ташбай Кадыр Орозбек Турдубай "
    "Медет Акмат Жээнбек Карыбек Мусабек Токон Эсен Султан Байзак Шаршен Нарынбай Курман Момун Бекназар "
    "Атамбай Исак Молдо Чоткар Кулмат Дуйшен Абыл Жусуп Кочкор Алымбек Сыдык Темирбек Үсөнбай"
)
_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ү": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def latin(cyrillic: str) -> str:
    """Plain Latin transliteration of Kyrgyz Cyrillic."""
    out = []
    for ch in cyrillic:
        low = ch.lower()
        if low in _LATIN:
            mapped = _LATIN[low]
            out.append(mapped.capitalize() if ch != low else mapped)
        else:
            out.append(ch)
    return "".join(out)


def pick(seed_label: str, purpose: str, index: int, modulus: int) -> int:
    """A deterministic index in ``range(modulus)`` for (label, purpose, index)."""
    digest = hashlib.sha256(f"{seed_label}|{purpose}|{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % modulus


def person_name(seed_label: str, index: int, gender: str) -> tuple[str, str, str]:
    """(ky, ru, en) of person ``index``: Kyrgyz "Given Surname", Russian "Surname Given", English in Latin."""
    given_names = _FEMALE if gender == "female" else _MALE
    given = given_names[pick(seed_label, "given", index, len(given_names))]
    stem = _SURNAME_STEMS[pick(seed_label, "surname", index, len(_SURNAME_STEMS))]
    surname = stem + ("ова" if gender == "female" else "ов")
    return f"{given} {surname}", f"{surname} {given}", f"{latin(given)} {latin(surname)}"
