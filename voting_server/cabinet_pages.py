"""The voter cabinet's pages in Kyrgyz, Russian and English (docs/cabinet.md).

* ``/cabinet?lang=&code=`` — an application's status by its code (no JavaScript; no personal data);
* ``/cabinet/apply?lang=`` — identify by the face check and apply: personal number → the camera and the head turns
  the server asks for (`voting_server.cabinet_identification`) → her application, or the form to make one. The
  page's script (``/cabinet/apply.js``, plain JavaScript, no build step) only drives the API; every text is rendered
  here. Served with the voter app's Content-Security-Policy (same origin only, no inline script or style).

Without a camera or JavaScript the fallback is the in-person path: a consulate's or precinct's identification
terminal signs the application (``POST /v1/cabinet/applications`` with a device signature).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from crypto.errors import ShailooError
from mobile_api.errors import status_for
from voting_server.voter_app import CONTENT_SECURITY_POLICY, SECURITY_HEADERS

_STATIC: Final = Path(__file__).parent / "static"
#: The voter app's headers, except that the status page's form (GET, same origin) may be sent.
HEADERS: Final = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace("form-action 'none'", "form-action 'self'"),
}
LANGUAGES: Final = ("ky", "ru", "en")
_LANGUAGE_NAMES: Final = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}

TEXT: Final[dict[str, dict[str, str]]] = {
    "title": {"ky": "Шайлоочунун кабинети", "ru": "Кабинет избирателя", "en": "Voter cabinet"},
    "intro": {
        "ky": "Үйдөн алыс добуш берүү арызы бетиңиз текшерилгенден кийин же комиссиянын түзмөгү сизди тааныгандан "
        "кийин кабыл алынат. Арыздын абалын анын коду менен көрүңүз.",
        "ru": "Заявление о голосовании не по месту жительства принимается после проверки лица или установления "
        "личности устройством комиссии. Статус заявления — по его коду.",
        "en": "An application to vote away from home is taken once your face is checked, or a commission device has "
        "identified you. Look up its status by its code.",
    },
    "apply_link": {
        "ky": "Арыз берүү же арызымды көрүү",
        "ru": "Подать или посмотреть заявление",
        "en": "Apply, or see my application",
    },
    "status_link": {
        "ky": "Арыздын абалы коду боюнча",
        "ru": "Статус заявления по коду",
        "en": "Application status by code",
    },
    "code": {"ky": "Арыздын коду", "ru": "Код заявления", "en": "Application code"},
    "show": {"ky": "Көрсөтүү", "ru": "Показать", "en": "Show"},
    "accepted": {"ky": "кабыл алынды", "ru": "принято", "en": "accepted"},
    "status": {"ky": "Абалы", "ru": "Статус", "en": "Status"},
    "destination": {"ky": "Кайда добуш берет", "ru": "Где голосовать", "en": "Where to vote"},
    "app": {"ky": "тиркеме аркылуу (чет өлкөдө)", "ru": "через приложение (за рубежом)", "en": "in the app (abroad)"},
    "consulate": {"ky": "консулдукта", "ru": "в консульстве", "en": "at a consulate"},
    "kiosk": {"ky": "киоск участогунда", "ru": "на участке с киоском", "en": "at a kiosk precinct"},
    "precinct": {"ky": "башка участокто", "ru": "на другом участке", "en": "at another precinct"},
    "precinct_id": {"ky": "Участок", "ru": "Участок", "en": "Precinct"},
    "channel": {"ky": "Идентификация", "ru": "Идентификация", "en": "Identification"},
    "paper": {
        "ky": "участокто, кагаз бюллетень",
        "ru": "на участке, бумажный бюллетень",
        "en": "at the precinct, on paper",
    },
    # the apply page
    "apply_title": {
        "ky": "Бет аркылуу таанытуу жана арыз",
        "ru": "Проверка лица и заявление",
        "en": "Face check and application",
    },
    "apply_intro": {
        "ky": "Жеке номериңизди киргизиңиз, андан кийин камерага карап, сурамжылангандай башыңызды буруңуз. "
        "Бул текшерүү добуш берүү укугуңузду колдонбойт.",
        "ru": "Введите персональный номер, затем посмотрите в камеру и поверните голову, как попросят. "
        "Эта проверка не расходует ваше право голоса.",
        "en": "Enter your personal number, then look at the camera and turn your head as asked. "
        "This check does not use up your vote.",
    },
    "pin": {"ky": "Жеке номер (14 сан)", "ru": "Персональный номер (14 цифр)", "en": "Personal number (14 digits)"},
    "continue": {"ky": "Улантуу", "ru": "Продолжить", "en": "Continue"},
    "camera_title": {"ky": "Камера жана баш буруу", "ru": "Камера и повороты головы", "en": "Camera and head turns"},
    "camera_intro": {
        "ky": "Камерага түз караңыз, андан кийин ар бир буйрукта башыңызды буруңуз.",
        "ru": "Смотрите прямо в камеру, затем поворачивайте голову по каждой подсказке.",
        "en": "Look straight at the camera, then turn your head at each prompt.",
    },
    "camera_on": {"ky": "Камераны күйгүзүү", "ru": "Включить камеру", "en": "Turn the camera on"},
    "camera_preview": {"ky": "Камеранын сүрөтү", "ru": "Изображение с камеры", "en": "Camera preview"},
    "turn_center": {"ky": "Түз караңыз", "ru": "Смотрите прямо", "en": "Look straight"},
    "turn_left": {"ky": "Башыңызды солго буруңуз", "ru": "Поверните голову влево", "en": "Turn your head left"},
    "turn_right": {"ky": "Башыңызды оңго буруңуз", "ru": "Поверните голову вправо", "en": "Turn your head right"},
    "sending": {"ky": "Текшерилүүдө…", "ru": "Проверка…", "en": "Checking…"},
    "identified": {"ky": "Сиз таанылдыңыз", "ru": "Личность подтверждена", "en": "You are identified"},
    "where": {"ky": "Кайда добуш бересиз?", "ru": "Где вы будете голосовать?", "en": "Where will you vote?"},
    "choose_precinct": {
        "ky": "Участок (консулдук, киоск же башка участок үчүн)",
        "ru": "Участок (для консульства, киоска или другого участка)",
        "en": "Precinct (for a consulate, kiosk or another precinct)",
    },
    "apply": {"ky": "Арыз берүү", "ru": "Подать заявление", "en": "Apply"},
    "yours": {"ky": "Сиздин арызыңыз", "ru": "Ваше заявление", "en": "Your application"},
    "keep_code": {"ky": "Бул кодду сактап коюңуз.", "ru": "Сохраните этот код.", "en": "Keep this code."},
    "error": {"ky": "Ката", "ru": "Ошибка", "en": "Error"},
    "error_generic": {
        "ky": "Аткарылган жок. Кайра аракет кылыңыз.",
        "ru": "Не удалось. Попробуйте снова.",
        "en": "That did not work. Please try again.",
    },
    "error_face_mismatch": {
        "ky": "Бет реестрдеги сүрөткө дал келген жок. Эч нерсе өзгөргөн жок.",
        "ru": "Лицо не совпало с фотографией в реестре. Ничего не изменилось.",
        "en": "The face did not match the register's photograph. Nothing was changed.",
    },
    "error_liveness_failed": {
        "ky": "Баш буруулар туура эмес болду. Кайра баштаңыз.",
        "ru": "Повороты головы не распознаны. Начните снова.",
        "en": "The head turns were not recognised. Start again.",
    },
    "error_locked_out": {
        "ky": "Өтө көп аракет. Кийинчерээк кайталаңыз.",
        "ru": "Слишком много попыток. Повторите позже.",
        "en": "Too many attempts. Try again later.",
    },
    "error_voter_not_found": {
        "ky": "Бул жеке номер тизмеде жок.",
        "ru": "Этого номера нет в списке избирателей.",
        "en": "This personal number is not on the register.",
    },
    "error_invalid_personal_number": {
        "ky": "Жеке номер туура эмес.",
        "ru": "Неверный персональный номер.",
        "en": "This is not a valid personal number.",
    },
    "error_applications_closed": {
        "ky": "Арыздарды кабыл алуу бүттү.",
        "ru": "Приём заявлений закрыт.",
        "en": "Applications are closed.",
    },
    "error_already_applied": {
        "ky": "Сиз арыз бергенсиз.",
        "ru": "Вы уже подали заявление.",
        "en": "You have already applied.",
    },
    "error_camera": {
        "ky": "Камера жеткиликсиз. Консулдукка же участокко келиңиз.",
        "ru": "Камера недоступна. Обратитесь в консульство или на участок.",
        "en": "No camera is available. Come to a consulate or a precinct instead.",
    },
}


def _lang(value: str) -> str:
    return value if value in LANGUAGES else "ky"


def _page(lang: str, title: str, body: str, *, status: int = 200, script: bool = False) -> HTMLResponse:
    nav = " ".join(
        f'<a href="?lang={code}" lang="{code}"{" aria-current=page" if code == lang else ""}>{name}</a>'
        for code, name in _LANGUAGE_NAMES.items()
    )
    links = (
        f'<a href="/cabinet?lang={lang}">{TEXT["status_link"][lang]}</a> · '
        f'<a href="/cabinet/apply?lang={lang}">{TEXT["apply_link"][lang]}</a>'
    )
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset=utf-8>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="/cabinet/cabinet.css"></head>'
        f"<body><header><nav>{nav}</nav><p>{links}</p></header><main><h1>{escape(title)}</h1>{body}</main>"
        + ('<script src="/cabinet/apply.js" defer></script>' if script else "")
        + "</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _texts_block(lang: str) -> str:
    """Every text the script shows, rendered here (the script holds no language)."""
    items = "".join(f'<span data-key="{k}">{escape(v[lang])}</span>' for k, v in TEXT.items())
    return f'<div id="texts" hidden>{items}</div>'


def build_cabinet_pages() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/cabinet", response_class=HTMLResponse)
    def page(request: Request, lang: str = "ky", code: str = Query(default="", max_length=40)) -> HTMLResponse:
        lg = _lang(lang)
        t = {k: v[lg] for k, v in TEXT.items()}
        body = (
            f"<p>{t['intro']}</p><form method=get action=/cabinet><input type=hidden name=lang value={lg}>"
            f'<label for=code>{t["code"]}</label> <input id=code name=code value="{escape(code)}" placeholder="A-…"> '
            f"<button>{t['show']}</button></form>"
        )
        status = 200
        if code.strip():
            try:
                found = request.app.state.components.cabinet.status(code.strip().upper())
            except ShailooError as e:
                body += f"<p id=error class=error><code>{escape(e.code)}</code>: {escape(e.message)}</p>"
                status = status_for(e.code)
            else:
                body += _status_table(found, t)
        return _page(lg, t["title"], body, status=status)

    @router.get("/cabinet/apply", response_class=HTMLResponse)
    def apply_page(request: Request, lang: str = "ky") -> HTMLResponse:
        lg = _lang(lang)
        t = {k: v[lg] for k, v in TEXT.items()}
        manifest = request.app.state.components.election.state().manifest
        options = "".join(
            f'<option value="{escape(p.precinct_id)}">{escape(getattr(p.name, lg))} ({escape(p.precinct_id)})</option>'
            for p in (manifest.precincts if manifest is not None else ())
        )
        destinations = "".join(
            f"<label class=option><input type=radio name=destination value={d}{' checked' if d == 'app' else ''}> "
            f"{t[d]}</label>"
            for d in ("app", "consulate", "kiosk", "precinct")
        )
        body = (
            f"<p>{t['apply_intro']}</p>"
            f"<form id=number-form><label for=pin>{t['pin']}</label> "
            f"<input id=pin name=pin inputmode=numeric autocomplete=off maxlength=14 required> "
            f"<button id=start type=submit>{t['continue']}</button></form>"
            f"<section id=step-camera hidden aria-labelledby=camera-title><h2 id=camera-title>{t['camera_title']}</h2>"
            f"<p>{t['camera_intro']}</p><ol id=turns></ol>"
            f"<button id=camera-on type=button>{t['camera_on']}</button>"
            f'<video id=preview muted playsinline aria-label="{t["camera_preview"]}" hidden></video>'
            f"<p id=pose aria-live=assertive></p></section>"
            f"<section id=step-apply hidden aria-labelledby=apply-title><h2 id=apply-title>{t['identified']}</h2>"
            f"<form id=apply-form><fieldset><legend>{t['where']}</legend>{destinations}</fieldset>"
            f"<label for=precinct>{t['choose_precinct']}</label> <select id=precinct name=precinct>{options}</select> "
            f"<button id=apply type=submit>{t['apply']}</button></form></section>"
            f"<section id=step-status hidden aria-labelledby=yours-title><h2 id=yours-title>{t['yours']}</h2>"
            f"<p>{t['keep_code']} <strong id=application-code class=code></strong></p>"
            f"<table id=status><caption class=visually-hidden>{t['yours']}</caption><tbody></tbody></table></section>"
            f"<p id=error class=error role=alert hidden></p>{_texts_block(lg)}"
        )
        return _page(lg, t["apply_title"], body, script=True)

    @router.get("/cabinet/apply.js")
    def script() -> Response:
        return _asset("apply.js", "text/javascript; charset=utf-8")

    @router.get("/cabinet/cabinet.css")
    def style() -> Response:
        return _asset("cabinet.css", "text/css; charset=utf-8")

    return router


def _asset(name: str, media_type: str) -> Response:
    headers = {**HEADERS, "Cache-Control": "no-cache"}
    return Response((_STATIC / "cabinet" / name).read_bytes(), media_type=media_type, headers=headers)


def _status_table(found: dict[str, Any], t: dict[str, str]) -> str:
    channel = found["identification_channel"]
    rows = [
        (t["code"], escape(found["application_code"])),
        (t["status"], t[found["status"]]),
        (t["destination"], t[found["destination"]]),
        (t["precinct_id"], escape(found["precinct_id"] or "—")),
        (t["channel"], t[channel] if channel in t else t["paper"]),
    ]
    return (
        f"<table id=status><caption class=visually-hidden>{t['status']}</caption>"
        + "".join(f"<tr><th scope=row>{k}</th><td>{v}</td></tr>" for k, v in rows)
        + "</table>"
    )
