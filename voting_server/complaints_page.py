"""The complaints registry's pages in Kyrgyz, Russian and English, at ``/complaints`` (docs/complaints.md).

Plain HTML forms, no script: ``GET /complaints`` (file a complaint, look one up), ``POST /complaints`` (the filing,
multipart form; the answer page shows the complaint code), ``GET /complaints/status?code=…``. The language is
``?lang=ky|ru|en`` (Kyrgyz by default). The pages call the same `ComplaintsService` as the JSON API.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse

from crypto.errors import ShailooError
from mobile_api.errors import status_for
from voting_server.complaints import MAX_ATTACHMENT_BYTES, AttachmentUpload, ComplaintsService

LANGUAGES: Final = ("ky", "ru", "en")
LANGUAGE_NAMES: Final = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
TEXT: Final[dict[str, dict[str, str]]] = {
    "title": {"ky": "Даттануулар реестри", "ru": "Реестр жалоб", "en": "Complaints registry"},
    "intro": {
        "ky": "Даттанууңуз жана комиссиянын чечими ачык тактада жарыяланат — атыңыз жана текстиңиз жарыяланбайт.",
        "ru": "Жалоба и решение комиссии публикуются на открытой доске — без вашего имени и без текста жалобы.",
        "en": "Your complaint and the commission's decision are published on the public board — without your name "
        "and without the complaint's text.",
    },
    "file": {"ky": "Даттануу берүү", "ru": "Подать жалобу", "en": "File a complaint"},
    "who": {"ky": "Ким катары", "ru": "Кто подаёт", "en": "I am a"},
    "voter": {"ky": "Шайлоочу", "ru": "Избиратель", "en": "voter"},
    "observer": {"ky": "Байкоочу", "ru": "Наблюдатель", "en": "observer"},
    "candidate": {"ky": "Талапкер", "ru": "Кандидат", "en": "candidate"},
    "category": {"ky": "Даттануунун түрү", "ru": "Вид жалобы", "en": "Kind of complaint"},
    "ballot_missing": {
        "ky": "Менин бюллетеним тактада жок",
        "ru": "Моего бюллетеня нет на доске",
        "en": "My ballot is missing from the board",
    },
    "other": {"ky": "Башка", "ru": "Другое", "en": "Other"},
    "promise": {
        "ky": "Квитанциядагы тактанын кол коюлган убадасы (бюллетень жок болсо)",
        "ru": "Подписанное обещание доски из квитанции (если бюллетеня нет)",
        "en": "The board's signed promise from your receipt (for a missing ballot)",
    },
    "text": {"ky": "Даттануунун тексти", "ru": "Текст жалобы", "en": "Complaint text"},
    "attachments": {
        "ky": "Тиркемелер (PDF, JPEG, PNG, текст; ар бири 256 КБ чейин)",
        "ru": "Вложения (PDF, JPEG, PNG, текст; до 256 КБ каждое)",
        "en": "Attachments (PDF, JPEG, PNG, text; up to 256 KB each)",
    },
    "submit": {"ky": "Жөнөтүү", "ru": "Отправить", "en": "Submit"},
    "lookup": {"ky": "Даттануунун абалы", "ru": "Статус жалобы", "en": "Complaint status"},
    "code": {"ky": "Даттануунун коду", "ru": "Код жалобы", "en": "Complaint code"},
    "show": {"ky": "Көрсөтүү", "ru": "Показать", "en": "Show"},
    "keep_code": {
        "ky": "Бул кодду сактаңыз: даттанууңуздун абалын ушул код менен гана көрө аласыз.",
        "ru": "Сохраните этот код: только по нему можно узнать статус жалобы.",
        "en": "Keep this code: it is the only way to follow your complaint.",
    },
    "status": {"ky": "Абалы", "ru": "Статус", "en": "Status"},
    "open": {"ky": "каралууда", "ru": "на рассмотрении", "en": "open"},
    "resolved": {"ky": "чечилди", "ru": "решена", "en": "resolved"},
    "outcome": {"ky": "Чечим", "ru": "Решение", "en": "Outcome"},
    "upheld": {"ky": "канааттандырылды", "ru": "удовлетворена", "en": "upheld"},
    "rejected": {"ky": "четке кагылды", "ru": "отклонена", "en": "rejected"},
    "reason": {"ky": "Негиздемеси", "ru": "Обоснование", "en": "Reason"},
    "board_entry": {"ky": "Тактадагы жазуу", "ru": "Запись на доске", "en": "Board entry"},
    "error": {"ky": "Ката", "ru": "Ошибка", "en": "Error"},
    "back": {"ky": "Артка", "ru": "Назад", "en": "Back"},
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:1rem auto;padding:0 1rem;line-height:1.45}"
    "label{display:block;margin-top:.7rem;font-weight:600}textarea,input[type=text]{width:100%;box-sizing:border-box}"
    "fieldset{margin-top:1rem}button{margin-top:.8rem;padding:.4rem 1.2rem}.code{font:700 1.4rem monospace}"
    "nav a{margin-right:.8rem}.error{color:#a00}"
)


def _lang(value: str | None) -> str:
    return value if value in LANGUAGES else "ky"


def _page(lang: str, body: str, status: int = 200) -> HTMLResponse:
    t = TEXT
    nav = " ".join(
        f'<a href="/complaints?lang={code}" lang="{code}">{name}</a>' for code, name in LANGUAGE_NAMES.items()
    )
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{t['title'][lang]}</title><style>{_STYLE}</style></head><body>"
        f"<header><nav>{nav}</nav></header><main><h1>{t['title'][lang]}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _status_html(lang: str, status: dict[str, Any]) -> str:
    t = TEXT
    rows = [
        (t["code"][lang], f'<span class="code">{escape(status["complaint_code"])}</span>'),
        (t["category"][lang], t[status["category"]][lang]),
        (t["status"][lang], t[status["status"]][lang]),
        (t["board_entry"][lang], str(status["filed_index"])),
    ]
    if status["outcome"] is not None:
        rows.append((t["outcome"][lang], t[status["outcome"]][lang]))
        rows.append((t["reason"][lang], escape(status["reason"] or "")))
    cells = "".join(f"<tr><th scope=row>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table id="status">{cells}</table>'


def _service(request: Request) -> ComplaintsService:
    service: ComplaintsService = request.app.state.components.complaints
    return service


def build_complaints_pages() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get("/complaints", response_class=HTMLResponse)
    def form(lang: Annotated[str | None, Query()] = None) -> HTMLResponse:
        lg = _lang(lang)
        t = {k: v[lg] for k, v in TEXT.items()}
        who = "".join(
            f'<label><input type="radio" name="complainant" value="{k}"{" checked" if k == "voter" else ""}> {t[k]}'
            "</label>"
            for k in ("voter", "observer", "candidate")
        )
        kinds = "".join(
            f'<label><input type="radio" name="category" value="{k}"{" checked" if k == "other" else ""}> {t[k]}'
            "</label>"
            for k in ("ballot_missing", "other")
        )
        body = (
            f"<p>{t['intro']}</p><h2>{t['file']}</h2>"
            f'<form method="post" action="/complaints?lang={lg}" enctype="multipart/form-data">'
            f"<fieldset><legend>{t['who']}</legend>{who}</fieldset>"
            f"<fieldset><legend>{t['category']}</legend>{kinds}</fieldset>"
            f'<label for="promise">{t["promise"]}</label><textarea id="promise" name="promise" rows="6"></textarea>'
            f'<label for="text">{t["text"]}</label>'
            '<textarea id="text" name="text" rows="6" maxlength="5000"></textarea>'
            f'<label for="files">{t["attachments"]}</label>'
            f'<input id="files" type="file" name="files" multiple accept=".pdf,.jpg,.jpeg,.png,.txt">'
            f'<button type="submit">{t["submit"]}</button></form>'
            f"<h2>{t['lookup']}</h2>"
            f'<form method="get" action="/complaints/status"><input type="hidden" name="lang" value="{lg}">'
            f'<label for="code">{t["code"]}</label><input id="code" type="text" name="code" placeholder="C-…">'
            f'<button type="submit">{t["show"]}</button></form>'
        )
        return _page(lg, body)

    @router.post("/complaints", response_class=HTMLResponse)
    async def file(
        request: Request,
        complainant: Annotated[str, Form()],
        category: Annotated[str, Form()],
        promise: Annotated[str, Form()] = "",
        text: Annotated[str, Form()] = "",
        files: Annotated[list[UploadFile] | None, File()] = None,
        lang: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        lg = _lang(lang)
        service = _service(request)
        try:
            if complainant not in ("voter", "observer", "candidate") or category not in ("ballot_missing", "other"):
                raise ShailooError("choose who you are and the kind of complaint", code="invalid_complaint")
            if category == "ballot_missing":
                status = service.file_ballot_missing(complainant, promise)
            else:
                uploads = []
                for f in files or []:
                    if not f.filename:
                        continue  # the browser sends an empty part when no file was chosen
                    data = await f.read(MAX_ATTACHMENT_BYTES + 1)
                    uploads.append(AttachmentUpload(f.content_type or "", data))
                status = service.file_other(complainant, text, uploads)
        except ShailooError as e:
            body = (
                f'<p class="error" id="error"><strong>{TEXT["error"][lg]}</strong> <code>{escape(e.code)}</code>: '
                f'{escape(e.message)}</p><p><a href="/complaints?lang={lg}">{TEXT["back"][lg]}</a></p>'
            )
            return _page(lg, body, status_for(e.code))
        body = f"<p><strong>{TEXT['keep_code'][lg]}</strong></p>{_status_html(lg, status)}"
        return _page(lg, body)

    @router.get("/complaints/status", response_class=HTMLResponse)
    def status(
        request: Request,
        code: Annotated[str, Query(max_length=40)] = "",
        lang: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        lg = _lang(lang)
        try:
            found = _service(request).status(code.strip().upper())
        except ShailooError as e:
            body = (
                f'<p class="error" id="error"><code>{escape(e.code)}</code>: {escape(e.message)}</p>'
                f'<p><a href="/complaints?lang={lg}">{TEXT["back"][lg]}</a></p>'
            )
            return _page(lg, body, status_for(e.code))
        return _page(lg, _status_html(lg, found) + f'<p><a href="/complaints?lang={lg}">{TEXT["back"][lg]}</a></p>')

    return router
