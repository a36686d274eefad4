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
    "your_choices": {"ky": "Сиздин тандооңуз:", "ru": "Ваш выбор:", "en": "Your choices:"},
    "no_choice": {"ky": "(эч нерсе тандалган жок)", "ru": "(ничего не выбрано)", "en": "(nothing chosen)"},
    "confirm": {
        "ky": "Бул менин тандоом экенин ырастайм",
        "ru": "Подтверждаю, что это мой выбор",
        "en": "I confirm these are my choices",
    },
    "continue": {"ky": "Бюллетенге кайтуу", "ru": "Вернуться к бюллетеню", "en": "Back to my ballot"},
    "voter_in_progress": {
        "ky": "Бул киоскто шайлоочунун бюллетени ачык. Ал добуш бергенден кийин гана кийинки шайлоочу баштайт.",
        "ru": "В этом киоске открыт бюллетень избирателя. Следующий начнёт только после того, как он проголосует.",
        "en": "A voter's ballot is open at this kiosk. The next voter begins only once it is cast.",
    },
    "cr_intro": {
        "ky": "Сиз каттоодон өттүңүз. Адегенде өзүңүздүн ачкычыңызды басып чыгарыңыз жана анын текшерүү кодун эстеп "
        "калыңыз. Анан каалаганча жасалма ачкыч басып чыгарсаңыз болот: алар так ошондой көрүнөт, бирок алар менен "
        "берилген добуштар эсептелбейт. Ачкычыңызды талап кылган адамга жасалмасын бериңиз.",
        "ru": "Вы зарегистрированы. Сначала напечатайте свой ключ и запомните его контрольный код. Затем можно "
        "напечатать сколько угодно поддельных ключей: они выглядят точно так же, но голоса, поданные с ними, не "
        "учитываются. Тому, кто требует ваш ключ, отдайте поддельный.",
        "en": "You are registered. First print your credential and remember its check code. Then you may print as "
        "many fake credentials as you like: they look exactly the same, but ballots cast with them do not count. "
        "Give a fake to anyone who demands your credential.",
    },
    "cr_print_real": {"ky": "Менин ачкычымды басып чыгаруу", "ru": "Напечатать мой ключ", "en": "Print my credential"},
    "cr_print_fake": {
        "ky": "Жасалма ачкыч басып чыгаруу",
        "ru": "Напечатать поддельный ключ",
        "en": "Print a fake credential",
    },
    "cr_done": {"ky": "Бүттү: ачкычтарды өчүрүү", "ru": "Готово: стереть ключи", "en": "Done: erase the credentials"},
    "cr_finished": {
        "ky": "Киоск ачкычтарыңызды өчүрдү. Эми жасалма ачкычтарды бул каттоо үчүн жасоого болбойт.",
        "ru": "Киоск стёр ваши ключи. Поддельные ключи для этой регистрации больше сделать нельзя.",
        "en": "The kiosk erased your credentials. No more fakes can be made for this registration.",
    },
    "poll_worker": {"ky": "Участоктун кызматкери үчүн", "ru": "Для члена комиссии", "en": "For the poll worker"},
    "poll_worker_pin": {"ky": "Кызматкердин PIN-коду", "ru": "PIN-код члена комиссии", "en": "Poll worker's PIN"},
    "poll_worker_reason": {"ky": "Себеби", "ru": "Причина", "en": "Reason"},
    "poll_worker_end": {
        "ky": "Шайлоочунун сеансын аяктоо (бюллетень берилбейт)",
        "ru": "Завершить сеанс избирателя (бюллетень не будет подан)",
        "en": "End the voter's session (no ballot is cast)",
    },
}

#: Error pages in the voter's language, by the stable code (`error_text`); the code itself is shown beside it.
ERRORS: Final[dict[str, dict[str, str]]] = {
    "voter_not_found": {
        "ky": "Бул жеке номер шайлоочулардын тизмесинде жок.",
        "ru": "Этого персонального номера нет в списке избирателей.",
        "en": "This personal number is not on the register of voters.",
    },
    "invalid_personal_number": {
        "ky": "Жеке номер туура эмес. Текшерип, кайра киргизиңиз.",
        "ru": "Неверный персональный номер. Проверьте и введите снова.",
        "en": "This is not a valid personal number. Check it and enter it again.",
    },
    "already_identified": {
        "ky": "Бул шайлоочу буга чейин идентификацияланган.",
        "ru": "Этот избиратель уже прошёл идентификацию.",
        "en": "This voter has already been identified.",
    },
    "not_eligible": {
        "ky": "Бул шайлоочу бул шайлоодо добуш бере албайт.",
        "ru": "Этот избиратель не может голосовать на этих выборах.",
        "en": "This voter cannot vote in this election.",
    },
    "voter_in_progress": {
        "ky": "Киоскто башка шайлоочу добуш берип жатат. Ал бүтмөйүнчө күтө туруңуз.",
        "ru": "В киоске голосует другой избиратель. Подождите, пока он закончит.",
        "en": "Another voter is voting at this kiosk. Please wait until they finish.",
    },
    "no_poll_worker_pin": {
        "ky": "Бул киоскко кызматкердин PIN-коду коюлган эмес.",
        "ru": "На этом киоске не задан PIN-код члена комиссии.",
        "en": "No poll worker's PIN is set on this kiosk.",
    },
    "bad_poll_worker_pin": {
        "ky": "Кызматкердин PIN-коду туура эмес. Эч нерсе өзгөргөн жок.",
        "ru": "Неверный PIN-код члена комиссии. Ничего не изменилось.",
        "en": "The poll worker's PIN is wrong. Nothing was changed.",
    },
    "already_printed": {
        "ky": "Сиздин ачкычыңыз буга чейин басылып чыккан. Жасалма ачкычтарды гана басып чыгарса болот.",
        "ru": "Ваш ключ уже напечатан. Можно печатать только поддельные ключи.",
        "en": "Your credential was printed already. Only fakes can be printed now.",
    },
    "not_printed": {
        "ky": "Адегенде өзүңүздүн ачкычыңызды басып чыгарыңыз, болбосо ал жоголот.",
        "ru": "Сначала напечатайте свой ключ, иначе он будет потерян.",
        "en": "Print your credential first, or it would be lost.",
    },
    "poll_worker_locked": {
        "ky": "PIN-код өтө көп жолу туура эмес терилди. Оператор кулпуну ачмайынча эч нерсе өзгөрбөйт.",
        "ru": "PIN-код введён неверно слишком много раз. До сброса блокировки оператором ничего не изменится.",
        "en": "The PIN was wrong too many times. Nothing changes until an operator resets the lock.",
    },
    "not_confirmed": {
        "ky": "Добуш берүүдөн мурун тандооңузду ырастаңыз.",
        "ru": "Перед голосованием подтвердите свой выбор.",
        "en": "Confirm your choices before casting.",
    },
    "session_invalid": {
        "ky": "Киоскто идентификацияланган шайлоочу жок. Башынан баштаңыз.",
        "ru": "В киоске нет идентифицированного избирателя. Начните сначала.",
        "en": "No identified voter at the kiosk. Start again.",
    },
    "link_down": {
        "ky": "Сервер менен байланыш жок. Бир аздан кийин кайра аракет кылыңыз.",
        "ru": "Нет связи с сервером. Попробуйте ещё раз чуть позже.",
        "en": "No link to the server. Try again in a moment.",
    },
    "outside_voting_window": {
        "ky": "Азыр добуш берүү убактысы эмес.",
        "ru": "Сейчас не время голосования.",
        "en": "Voting is not open at this time.",
    },
    "identification_failed": {
        "ky": "Идентификация ийгиликсиз болду. Участоктун кызматкерине кайрылыңыз.",
        "ru": "Идентификация не удалась. Обратитесь к члену комиссии.",
        "en": "Identification failed. Please ask a poll worker.",
    },
    "face_mismatch": {
        "ky": "Жүз дал келген жок. Участоктун кызматкерине кайрылыңыз.",
        "ru": "Лицо не совпало. Обратитесь к члену комиссии.",
        "en": "The face did not match. Please ask a poll worker.",
    },
    "liveness_failed": {
        "ky": "Текшерүү ийгиликсиз болду: башыңызды айтылгандай буруңуз.",
        "ru": "Проверка не пройдена: поверните голову, как просили.",
        "en": "The check failed: turn your head as asked.",
    },
    "locked_out": {
        "ky": "Өтө көп аракет болду. Участоктун кызматкерине кайрылыңыз.",
        "ru": "Слишком много попыток. Обратитесь к члену комиссии.",
        "en": "Too many attempts. Please ask a poll worker.",
    },
}
_UNKNOWN_ERROR: Final = {
    "ky": "Бир нерсе туура эмес болду. Участоктун кызматкерине кайрылыңыз.",
    "ru": "Что-то пошло не так. Обратитесь к члену комиссии.",
    "en": "Something went wrong. Please ask a poll worker.",
}


def error_text(code: str, language: str) -> str:
    """The error page's sentence for ``code`` in ``language`` (a general one for a code without its own)."""
    lang = language if language in LANGUAGES else "ky"
    return ERRORS.get(code, _UNKNOWN_ERROR)[lang]


def texts(language: str) -> dict[str, str]:
    """Every screen word in ``language`` (Kyrgyz if unknown)."""
    lang = language if language in LANGUAGES else "ky"
    return {key: value[lang] for key, value in TEXT.items()}
