"""What precinct devices print: the protocol (text and PDF) and the voter's receipt (PDF with a QR code).

PDFs are made with fpdf2 in DejaVu Sans when the system has it (Kyrgyz and Russian need Cyrillic glyphs); without
it the PDF falls back to the English texts in a core font, so a device never fails to print.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import qrcode
from fpdf import FPDF

from crypto.errors import ShailooError
from elections.manifest import LocalizedText, Manifest
from record.precinct import PrecinctProtocol

_FONT_PATHS: Final = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)

_WORDS: Final = {
    "protocol": {"ky": "Шайлоо участогунун протоколу", "ru": "Протокол участковой комиссии", "en": "Precinct protocol"},
    "precinct": {"ky": "Участок", "ru": "Участок", "en": "Precinct"},
    "device": {"ky": "Түзмөк", "ru": "Устройство", "en": "Device"},
    "identified": {
        "ky": "Идентификацияланган шайлоочулар",
        "ru": "Идентифицировано избирателей",
        "en": "Voters identified",
    },
    "read": {"ky": "Окулган бюллетендер", "ru": "Считано бюллетеней", "en": "Ballots read"},
    "valid": {"ky": "Жарактуу", "ru": "Действительных", "en": "Valid"},
    "invalid": {"ky": "Жараксыз", "ru": "Недействительных", "en": "Invalid"},
    "chain": {"ky": "Пакеттер", "ru": "Пакетов", "en": "Batches"},
    "receipt": {"ky": "Добуш берүү квитанциясы", "ru": "Квитанция о голосовании", "en": "Voting receipt"},
    "tracking": {"ky": "Текшерүү коду", "ru": "Код проверки", "en": "Tracking code"},
    "fingerprint": {"ky": "Ачкычтын изи", "ru": "Отпечаток ключа", "en": "Key fingerprint"},
    "queued": {
        "ky": "Бюллетень кезекте: байланыш калыбына келгенде жөнөтүлөт",
        "ru": "Бюллетень в очереди: будет отправлен при восстановлении связи",
        "en": "Ballot queued: it is sent when the link returns",
    },
    "on_board": {"ky": "Бюллетень тактада", "ru": "Бюллетень на доске", "en": "Ballot on the board"},
    "cr_slip": {"ky": "Шайлоочунун ачкычы", "ru": "Ключ избирателя", "en": "Voter credential"},
    "cr_style": {"ky": "Бюллетендин түрү", "ru": "Вид бюллетеня", "en": "Ballot style"},
    "cr_entry": {"ky": "Тизмедеги орун", "ru": "Позиция в списке", "en": "Roster entry"},
    "cr_code": {"ky": "Текшерүү коду", "ru": "Контрольный код", "en": "Check code"},
    "cr_keep": {
        "ky": "Бул ачкыч менен ким болбосун добуш бере алат. Аны тиркемеге QR аркылуу киргизиңиз.",
        "ru": "С этим ключом может проголосовать любой. Введите его в приложение по QR-коду.",
        "en": "Anyone holding this credential can vote with it. Load it into the app from the QR code.",
    },
    "check": {
        "ky": "Кодду шайлоо тактасынан текшериңиз",
        "ru": "Проверьте код на доске объявлений выборов",
        "en": "Check this code on the election board",
    },
}
_SPECIAL: Final = {
    "against_all": {"ky": "Баарына каршы", "ru": "Против всех", "en": "Against all"},
    "yes": {"ky": "Ооба", "ru": "Да", "en": "Yes"},
    "no": {"ky": "Жок", "ru": "Нет", "en": "No"},
}


def word(key: str, language: str) -> str:
    return _WORDS[key][language]


def _text(value: LocalizedText, language: str) -> str:
    return str(getattr(value, language))


def selection_name(manifest: Manifest, selection: Any, language: str) -> str:
    """A selection's name as printed on the paper ballot."""
    if selection.kind == "candidate":
        return _text(manifest.candidate(selection.candidate_id).name, language)
    if selection.kind == "party":
        return _text(manifest.party(selection.party_id).name, language)
    if selection.kind == "party_preference":
        return f"{_text(manifest.party(selection.party_id).name, language)} № {selection.list_position}"
    return _SPECIAL[selection.kind][language]


def protocol_lines(protocol: PrecinctProtocol, manifest: Manifest, language: str = "ru") -> list[str]:
    """The protocol as the urn prints it: header, turnout figures, per contest valid/invalid and every count."""
    precinct = next(p for p in manifest.precincts if p.precinct_id == protocol.precinct_id)
    lines = [
        f"{word('protocol', language)} — {_text(manifest.name, language)}",
        f"{word('precinct', language)}: {_text(precinct.name, language)} ({protocol.precinct_id})",
        f"{word('device', language)}: {protocol.device_id}",
        f"{word('identified', language)}: {protocol.voters_identified}",
        f"{word('read', language)}: {protocol.ballots_read}",
    ]
    for figures in protocol.contests:
        contest = manifest.contest(figures.contest_id)
        lines.append("")
        lines.append(f"{_text(contest.name, language)}")
        lines.append(f"  {word('valid', language)}: {figures.valid}   {word('invalid', language)}: {figures.invalid}")
        for selection, count in zip(contest.selections, figures.counts, strict=True):
            if count or selection.kind != "party_preference":
                lines.append(f"  {selection_name(manifest, selection, language):<48} {count:>7}")
    lines.append("")
    lines.append(f"{word('chain', language)}: {protocol.batches}  {protocol.last_batch.hex()}")
    lines.append(f"Ed25519: {protocol.signature.hex()}")
    return lines


def protocol_text(protocol: PrecinctProtocol, manifest: Manifest, language: str = "ru") -> str:
    return "\n".join(protocol_lines(protocol, manifest, language)) + "\n"


#: A thermal receipt printer's paper: 80 mm rolls (72 mm printable); the page is as long as the receipt needs.
RECEIPT_WIDTH_MM: Final = 80.0
_RECEIPT_LENGTH_MM: Final = 200.0
_FIXED_DATE: Final = datetime(2000, 1, 1, tzinfo=UTC)


def _pdf(page: str | tuple[float, float] = "A4", margin: float = 12) -> tuple[FPDF, bool]:
    pdf = FPDF(format=page)
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(auto=True, margin=margin)
    pdf.add_page()
    for path in _FONT_PATHS:
        if path.exists():
            pdf.add_font("DejaVu", fname=str(path))
            pdf.set_font("DejaVu", size=10)
            return pdf, True
    pdf.set_font("Helvetica", size=10)
    return pdf, False


def _write(pdf: FPDF, unicode: bool, line: str, height: float = 5.0) -> None:
    text = line if unicode else line.encode("latin-1", "replace").decode("latin-1")
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def protocol_pdf(protocol: PrecinctProtocol, manifest: Manifest, language: str = "ru") -> bytes:
    """The protocol as a PDF (English if no Cyrillic font is installed)."""
    pdf, unicode = _pdf()
    for line in protocol_lines(protocol, manifest, language if unicode else "en"):
        _write(pdf, unicode, line)
    return bytes(pdf.output())


def tracking_url(public_url: str, tracking_code: str) -> str:
    """The public tracking page of ``tracking_code`` on the server whose public base URL is ``public_url``
    (``https://…/observe/track?code=…``): what the receipt's QR code holds, so a phone's camera opens it.
    `ShailooError` ``bad_public_url`` unless ``public_url`` is an absolute http(s) URL with a host."""
    parsed = urlsplit(public_url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc or parsed.query or parsed.fragment:
        raise ShailooError(f"the public URL {public_url!r} is not an http(s) base URL", code="bad_public_url")
    return f"{public_url.rstrip('/')}/observe/track?{urlencode({'code': tracking_code})}"


def receipt_pdf(
    *,
    election_id: str,
    election_name: str,
    precinct_id: str,
    tracking_code: str,
    ballot_hash: str,
    status: str,
    public_url: str,
    language: str = "ky",
    credential_fingerprint: str = "",
) -> bytes:
    """The voter's printed receipt, on a thermal printer's 80 mm roll (`RECEIPT_WIDTH_MM`): tracking code in large
    type, its QR code (the public tracking page on ``public_url``, `tracking_url`), the status, and how to check
    it."""
    url = tracking_url(public_url, tracking_code)
    pdf, unicode = _pdf((RECEIPT_WIDTH_MM, _RECEIPT_LENGTH_MM), margin=4)
    lang = language if unicode else "en"
    _write(pdf, unicode, f"{word('receipt', lang)} — {election_name}")
    _write(pdf, unicode, f"{word('precinct', lang)}: {precinct_id}")
    _write(pdf, unicode, f"{word('tracking', lang)}:")
    pdf.set_font_size(15)
    _write(pdf, unicode, tracking_code, 8)
    pdf.set_font_size(10)
    if credential_fingerprint:
        _write(pdf, unicode, f"{word('fingerprint', lang)}: {credential_fingerprint}")
    image = qrcode.make(url)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    pdf.image(buffer, w=50, h=50)
    pdf.set_font_size(7)
    _write(pdf, unicode, url, 3.5)
    pdf.set_font_size(10)
    _write(pdf, unicode, word(status, lang))
    _write(pdf, unicode, word("check", lang))
    pdf.set_font_size(7)
    _write(pdf, unicode, f"SHA-256: {ballot_hash}", 3.5)
    return bytes(pdf.output())


def cr_credential_lines(
    *, election_name: str, precinct_id: str, style_id: str, position: int, check_code: str, language: str = "ky"
) -> list[str]:
    """The text of a credential slip (coercion-resistant mode), in print order; the check code is the line in large
    type. Nothing on it says whether the credential is real: a fake's slip has the same lines, the same fields and
    the same lengths (only the check code and the QR code's content differ, both random)."""
    return [
        f"{word('cr_slip', language)} — {election_name}",
        f"{word('precinct', language)}: {precinct_id}",
        f"{word('cr_style', language)}: {style_id}",
        f"{word('cr_entry', language)}: {position}",
        f"{word('cr_code', language)}:",
        check_code,
        word("cr_keep", language),
    ]


def credential_qr(payload: str) -> Any:
    """The QR code of a credential's text (``SHAILOO-CR1:…``, alphanumeric mode), error correction M, at the
    version that one registration's texts (all of one length) need."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(payload)
    code.make(fit=True)
    return code


def cr_credential_pdf(
    *,
    election_name: str,
    precinct_id: str,
    style_id: str,
    position: int,
    check_code: str,
    payload: str,
    language: str = "ky",
) -> bytes:
    """A credential slip on the 80 mm roll (`RECEIPT_WIDTH_MM`, the receipt's fixed page length): the lines of
    `cr_credential_lines` and, after the check code, the QR code of the credential's text (60 × 60 mm)."""
    pdf, unicode = _pdf((RECEIPT_WIDTH_MM, _RECEIPT_LENGTH_MM), margin=4)
    pdf.set_creation_date(_FIXED_DATE)  # the slip carries no time: a fake printed later looks the same
    lang = language if unicode else "en"
    lines = cr_credential_lines(
        election_name=election_name,
        precinct_id=precinct_id,
        style_id=style_id,
        position=position,
        check_code=check_code,
        language=lang,
    )
    for line in lines[:5]:
        _write(pdf, unicode, line)
    pdf.set_font_size(18)
    _write(pdf, unicode, lines[5], 9)
    pdf.set_font_size(10)
    buffer = io.BytesIO()
    credential_qr(payload).make_image().save(buffer, format="PNG")
    buffer.seek(0)
    pdf.image(buffer, w=60, h=60)
    pdf.set_font_size(8)
    _write(pdf, unicode, lines[6], 4)
    return bytes(pdf.output())
