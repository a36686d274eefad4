"""The dashboard's words in Kyrgyz, Russian and English (``?lang=ky|ru|en``; Kyrgyz first, as the state language)."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("ky", "ru", "en")
DEFAULT_LANGUAGE: Final = "ky"

_T: Final[dict[str, tuple[str, str, str]]] = {
    # key: (ky, ru, en)
    "title": ("Байкоочунун тактасы", "Панель наблюдателя", "Observer dashboard"),
    "overview": ("Жалпы көрүнүш", "Обзор", "Overview"),
    "board": ("Бюллетендер тактасы", "Доска бюллетеней", "Board explorer"),
    "tree_heads": ("Дарактын башы жана күбөлөр", "Головы дерева и свидетели", "Tree heads and witnesses"),
    "turnout": ("Катышуу", "Явка", "Turnout"),
    "track": ("Көзөмөл коду боюнча текшерүү", "Проверка по коду отслеживания", "Tracking-code lookup"),
    "results": ("Жыйынтыктар", "Итоги", "Results"),
    "precincts": ("Участоктор жана салыштыруу", "Участки и сверка", "Precincts and reconciliation"),
    "election": ("Шайлоо", "Выборы", "Election"),
    "phase": ("Этап", "Этап", "Phase"),
    "entries": ("Жазуулар", "Записи", "Entries"),
    "entry": ("Жазуу", "Запись", "Entry"),
    "index": ("Номер", "Номер", "Index"),
    "kind": ("Түрү", "Тип", "Kind"),
    "time": ("Убакыт (UTC)", "Время (UTC)", "Time (UTC)"),
    "entry_hash": ("Жазуунун хэши", "Хэш записи", "Entry hash"),
    "size": ("Өлчөмү", "Размер", "Size"),
    "root": ("Тамыр хэши", "Корневой хэш", "Root hash"),
    "witnesses": ("Күбөлөр", "Свидетели", "Witnesses"),
    "cosigned_by": ("Кол койгондор", "Подписали", "Cosigned by"),
    "none": ("жок", "нет", "none"),
    "ballots": ("Бюллетендер", "Бюллетени", "Ballots"),
    "voters": ("Шайлоочулар", "Избиратели", "Voters"),
    "spoiled": ("Текшерилген (жокко чыгарылган)", "Проверенные (испорченные)", "Challenged (spoiled)"),
    "issued": ("Берилген ишеним каттар", "Выданные учётные данные", "Credentials issued"),
    "region": ("Облус", "Область", "Region"),
    "district": ("Округ", "Округ", "District"),
    "precinct": ("Участок", "Участок", "Precinct"),
    "total": ("Бардыгы", "Всего", "Total"),
    "code": ("Көзөмөл коду", "Код отслеживания", "Tracking code"),
    "lookup": ("Издөө", "Найти", "Look up"),
    "not_found": (
        "Мындай код менен бюллетень табылган жок",
        "Бюллетень с таким кодом не найден",
        "No ballot with this code",
    ),
    "status": ("Абалы", "Статус", "Status"),
    "fingerprint": ("Добуш берүү ачкычынын изи", "Отпечаток ключа голосования", "Voting key fingerprint"),
    "appended_at": ("Тактага жазылган убакыт (UTC)", "Записан на доску (UTC)", "Appended to the board (UTC)"),
    "status_counted": ("эсептелет", "учитывается", "counted"),
    "status_superseded": ("кийинки бюллетень менен алмашылды", "заменён более поздним", "superseded by a later ballot"),
    "status_spoiled": ("текшерилди, эсептелбейт", "проверен, не учитывается", "challenged, never counted"),
    "status_cast": ("кабыл алынды", "принят", "cast"),
    "inclusion_proof": (
        "Кошулуу далили (RFC 9162)",
        "Доказательство включения (RFC 9162)",
        "Inclusion proof (RFC 9162)",
    ),
    "server_check": ("Сервердеги текшерүү", "Проверка на сервере", "Checked on the server"),
    "browser_check": ("Браузердеги текшерүү", "Проверка в браузере", "Checked in your browser"),
    "verified": ("ырасталды", "подтверждено", "verified"),
    "failed": ("ырасталган жок", "не подтверждено", "FAILED"),
    "needs_js": (
        "Браузерде текшерүү үчүн JavaScript керек",
        "Для проверки в браузере нужен JavaScript",
        "Checking in the browser needs JavaScript",
    ),
    "votes": ("Добуштар", "Голоса", "Votes"),
    "seats": ("Орундар", "Мандаты", "Seats"),
    "elected": ("Шайланды", "Избран(а)", "Elected"),
    "no_results": ("Жыйынтыктар азырынча жарыялана элек", "Итоги ещё не опубликованы", "No results published yet"),
    "protocol": ("Протокол", "Протокол", "Protocol"),
    "reconciliation": ("Салыштыруу", "Сверка", "Reconciliation"),
    "electronic_ballots": ("Электрондук бюллетендер", "Электронные бюллетени", "Electronic ballots"),
    "rec_no_protocol": ("протокол жок", "протокола нет", "no protocol posted"),
    "rec_awaiting_decryption": ("чечмелөө күтүлүүдө", "ожидает расшифровки", "awaiting decryption"),
    "rec_reconciled": ("дал келет", "сходится", "matches the protocol"),
    "rec_mismatch": ("дал келбейт", "расхождение", "MISMATCH"),
    "voters_identified": ("Аныкталган шайлоочулар", "Идентифицировано избирателей", "Voters identified"),
    "ballots_read": ("Окулган бюллетендер", "Считано бюллетеней", "Ballots read"),
    "previous": ("Мурунку", "Назад", "Previous"),
    "next": ("Кийинки", "Далее", "Next"),
    "payload": ("Мазмуну", "Содержимое", "Payload"),
    "verify_in_browser": (
        "Бул шайлоону өз браузериңизде өзүңүз текшериңиз",
        "Проверьте эти выборы сами в своём браузере",
        "Verify this election yourself in your browser",
    ),
    "verify_yourself": (
        "Бардыгын өзүңүз текшериңиз: shailoo verify",
        "Проверьте всё сами: shailoo verify",
        "Verify everything yourself: shailoo verify",
    ),
    "export": ("Тактаны жүктөп алуу", "Скачать доску", "Download the board"),
    "latest_head": ("Акыркы кол коюлган баш", "Последняя подписанная голова", "Latest signed tree head"),
    "runoff": ("Экинчи турга", "Во второй тур", "To the runoff"),
    "outcome": ("Натыйжа", "Исход", "Outcome"),
    "against_all": ("Баарына каршы", "Против всех", "Against all"),
    "choice": ("Тандоо", "Вариант", "Choice"),
    "party_list": ("Партиялык тизме", "Партийный список", "Party list"),
    "party_votes": ("Тизмелерге берилген добуштар", "Голоса за списки", "Votes for the lists"),
    "preference_votes": (
        "Артыкчылык добуштары (талапкерлерге)",
        "Преференциальные голоса (за кандидатов)",
        "Preference votes (for candidates)",
    ),
    "candidate": ("Талапкер", "Кандидат", "Candidate"),
    "show_all": ("Баарын көрсөтүү", "Показать все", "Show all"),
    "spoiled_held": (
        "Текшерилген бюллетендин мазмуну (ачылган)",
        "Содержимое проверенного бюллетеня (раскрыто)",
        "What the challenged ballot held (opened)",
    ),
    "contest": ("Шайлоо түрү", "Голосование", "Contest"),
    "marked": ("Белгиленген", "Отмечено", "Marked"),
    "no_mark": ("белги жок", "нет отметки", "no mark"),
    "not_opened": ("Ачылышы табылган жок", "Раскрытие не найдено", "The opening was not found"),
    "share_registered": ("Тизмедегилерден, %", "От внесённых в список, %", "Of registered, %"),
    "phase_setup": ("Даярдоо", "Подготовка", "Setup"),
    "phase_key_ceremony": ("Ачкыч аземи", "Церемония ключей", "Key ceremony"),
    "phase_ready": ("Даяр", "Готово", "Ready"),
    "phase_voting": ("Добуш берүү", "Голосование", "Voting"),
    "phase_closed": ("Жабылды", "Закрыто", "Closed"),
    "phase_tallying": ("Эсептөө", "Подсчёт", "Tallying"),
    "phase_decrypted": ("Жыйынтыктар чыгарылды", "Итоги расшифрованы", "Results decrypted"),
    "outcome_elected": ("Шайланды", "Избран", "Elected"),
    "outcome_runoff_needed": ("Экинчи тур керек", "Нужен второй тур", "Runoff needed"),
    "outcome_repeat_election": ("Кайра шайлоо", "Повторные выборы", "Repeat election"),
    "outcome_failed": ("Шайлоо болгон жок деп табылды", "Выборы признаны несостоявшимися", "Election failed"),
    "outcome_not_held": ("Өткөрүлгөн жок", "Не проводились", "Not held"),
    "outcome_passed": ("Кабыл алынды", "Принято", "Passed"),
    "outcome_rejected": ("Четке кагылды", "Отклонено", "Rejected"),
    "map": ("Участоктордун картасы", "Карта участков", "Precinct map"),
    "map_note": (
        "Түсү: участоктогу бюллетендер (электрондук жана урна окуган кагаз бюллетендер).",
        "Цвет: бюллетени участка (электронные и бумажные, прочитанные урной).",
        "Shade: the precinct's ballots (electronic, and paper ballots read by the urn).",
    ),
    "precinct_count": ("Участоктор", "Участки", "Precincts"),
    "registered": ("Тизмеде", "В списках", "Registered"),
    "by_region": ("Облустар боюнча", "По областям", "By region"),
    "ballots_total": ("Бюллетендер", "Бюллетени", "Ballots"),
    "leading": ("Алдыда", "Лидирует", "Leading"),
    "find_precinct": ("Участогумду табуу", "Найти мой участок", "Find my precinct"),
    "latitude": ("Кеңдик", "Широта", "Latitude"),
    "longitude": ("Узундук", "Долгота", "Longitude"),
    "address": ("Дарек", "Адрес", "Address"),
    "find": ("Табуу", "Найти", "Find"),
    "found_inside": ("чегинде", "внутри границ", "inside its boundary"),
    "found_nearest": ("эң жакын", "ближайший", "nearest"),
    "found_address": ("дареги боюнча", "по адресу", "by address"),
    "nothing_found": ("Эч нерсе табылган жок", "Ничего не найдено", "Nothing found"),
    "bad_coordinates": ("Координаталар туура эмес", "Неверные координаты", "Coordinates out of range"),
    "region_map": (
        "Облустар боюнча катышуу",
        "Явка по областям",
        "Turnout by region",
    ),
    "region_map_desc": (
        "Кыргызстандын облустарынын картасы: ар бир облус тизмедеги шайлоочулардан добуш бергендердин үлүшү боюнча "
        "боёлгон (канчалык кочкул болсо, ошончолук көп). Ош шаары тегерек белги менен көрсөтүлгөн. Ошол эле "
        "сандар картанын жанындагы таблицада.",
        "Карта областей Кыргызстана: каждая область закрашена по доле проголосовавших от внесённых в список "
        "(чем темнее, тем больше). Город Ош показан круглым знаком. Те же цифры в таблице рядом с картой.",
        "Map of Kyrgyzstan's regions, each shaded by the share of its registered voters who voted (darker is "
        "higher). Osh City is drawn as a round symbol. The table beside the map gives the same figures.",
    ),
    "suppressed_cell": (
        "жашырылган (саналган бюллетендер аз)",
        "скрыто (мало подсчитанных бюллетеней)",
        "suppressed (too few counted ballots)",
    ),
    "voted": ("Добуш бергендер", "Проголосовали", "Voted"),
    "region_map_note": (
        "Чек аралар: Natural Earth (коомдук менчик), жөнөкөйлөтүлгөн. Боз: маалымат жок; штрихтелген: жашырылган.",
        "Границы: Natural Earth (общественное достояние), упрощены. Серый: нет данных; штриховка: скрыто.",
        "Outlines: Natural Earth (public domain), simplified. Grey: no figures; hatched: suppressed.",
    ),
    "no_places": (
        "Манифестте участоктордун жайгашкан жерлери жок.",
        "В манифесте нет координат участков.",
        "The manifest gives no precinct places.",
    ),
}


def translate(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (the key itself if it has none, so a missing word is visible)."""
    words = _T.get(key)
    if words is None:
        return key
    return words[LANGUAGES.index(lang) if lang in LANGUAGES else 0]


def language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE
