"""The kiosk screen's words in Kyrgyz, Russian and English (ballot texts come from the server's definitions)."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("ky", "ru", "en")
LANGUAGE_NAMES: Final = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}

TEXT: Final[dict[str, dict[str, str]]] = {
    "title": {"ky": "Шайлоо киоскусу", "ru": "Киоск для голосования", "en": "Voting kiosk"},
    "skip": {"ky": "Негизги мазмунга өтүү", "ru": "Перейти к содержанию", "en": "Skip to content"},
    "language": {"ky": "Тил", "ru": "Язык", "en": "Language"},
    "large_on": {"ky": "Чоң тамгалар", "ru": "Крупный шрифт", "en": "Large text"},
    "large_off": {"ky": "Кадимки тамгалар", "ru": "Обычный шрифт", "en": "Normal text"},
    "welcome": {
        "ky": "Жеке номериңизди киргизиңиз. Киоск сизди камера же участоктун түзмөгү аркылуу тааныйт.",
        "ru": "Введите ваш персональный номер. Киоск установит вашу личность камерой или устройством участка.",
        "en": "Enter your personal number. The kiosk identifies you with its camera or the precinct's device.",
    },
    "national_id": {
        "ky": "Жеке идентификациялык номер (ПИН)",
        "ru": "Персональный номер (ПИН)",
        "en": "Personal number (PIN)",
    },
    "identify": {"ky": "Идентификациялоо", "ru": "Идентифицироваться", "en": "Identify me"},
    "ballot": {"ky": "Бюллетень", "ru": "Бюллетень", "en": "Ballot"},
    "choose_one": {"ky": "Бирөөнү тандаңыз", "ru": "Выберите один вариант", "en": "Choose one"},
    "choose_up_to": {"ky": "{n} чейин тандаңыз", "ru": "Выберите не более {n}", "en": "Choose up to {n}"},
    "review": {"ky": "Бюллетенди текшерүү", "ru": "Проверить бюллетень", "en": "Review my ballot"},
    "encrypted": {
        "ky": "Бюллетениңиз шифрленди. Текшерүү коду:",
        "ru": "Ваш бюллетень зашифрован. Код проверки:",
        "en": "Your ballot is encrypted. Its tracking code:",
    },
    "cast": {"ky": "Добуш берүү", "ru": "Проголосовать", "en": "Cast my ballot"},
    "fingerprint": {
        "ky": "Добуш берүү ачкычыңыздын изи (ар бир текшерилген жана берилген бюллетениңиздин барагында ушундай)",
        "ru": "Отпечаток вашего ключа голосования (тот же на странице каждого проверенного и поданного вами бюллетеня)",
        "en": "Your voting key's fingerprint (the same on the page of every ballot you challenge or cast)",
    },
    "challenge": {
        "ky": "Бул бюллетенди текшерүү (ал жокко чыгарылат)",
        "ru": "Проверить этот бюллетень (он будет аннулирован)",
        "en": "Challenge this ballot (it will be spoiled)",
    },
    "challenged": {
        "ky": "Текшерилген бюллетень жарыяланды жана эсептелбейт. Ал төмөнкүлөрдү камтыган:",
        "ru": "Проверенный бюллетень опубликован и не будет учтён. Он содержал:",
        "en": "The challenged ballot is published and will not count. It held:",
    },
    "vote_again": {"ky": "Жаңы бюллетень толтуруу", "ru": "Заполнить новый бюллетень", "en": "Mark a new ballot"},
    "thanks": {
        "ky": "Рахмат! Сиз добуш бердиңиз.",
        "ru": "Спасибо! Ваш голос принят.",
        "en": "Thank you, you have voted.",
    },
    "queued": {
        "ky": "Байланыш жок: бюллетень кезекте жана кийин жөнөтүлөт. Код ошол эле бойдон калат.",
        "ru": "Нет связи: бюллетень в очереди и будет отправлен позже. Код не изменится.",
        "en": "No link: your ballot is queued and will be sent later. The code stays the same.",
    },
    "on_board": {
        "ky": "Бюллетень тактага жазылды.",
        "ru": "Бюллетень записан на доску.",
        "en": "Your ballot is on the board.",
    },
    "print": {
        "ky": "Квитанцияны басып чыгаруу (PDF)",
        "ru": "Распечатать квитанцию (PDF)",
        "en": "Print the receipt (PDF)",
    },
    "finish": {"ky": "Бүтүрүү", "ru": "Завершить", "en": "Finish"},
    "error": {"ky": "Ката", "ru": "Ошибка", "en": "Error"},
    "back": {"ky": "Башына кайтуу", "ru": "Вернуться в начало", "en": "Back to the start"},
}


def texts(language: str) -> dict[str, str]:
    """Every screen word in ``language`` (Kyrgyz if unknown)."""
    lang = language if language in LANGUAGES else "ky"
    return {key: value[lang] for key, value in TEXT.items()}
