"""The kiosk's ballot screen: a local web page served by the kiosk process (``shailoo kiosk serve``).

Server-rendered HTML (Jinja2, autoescaped) in Kyrgyz, Russian and English, that works with the keyboard alone:
real form controls with labels, fieldsets and legends per contest, a skip link, visible focus, the natural tab
order, and a large-text toggle. No JavaScript. One voter at a time (`precinct.kiosk.Kiosk` holds the session):

``GET /`` identification → ``POST /identify`` → ``GET /ballot`` → ``POST /ballot`` (encrypt; shows the tracking
code) → ``POST /cast`` (receipt page, ``GET /receipt/<code>.pdf``) or ``POST /challenge`` (shows what the spoiled
ballot held, back to ``/ballot``). ``POST /settings`` sets the language and text size (cookies).
``POST /poll-worker/end`` (PIN, reason) is the poll worker's override that ends a session a voter walked away from
(`Kiosk.end_by_poll_worker`).

In the coercion-resistant mode identification leads to ``GET /credential`` instead of the ballot (docs/precinct.md,
"Registration with fake credentials"): ``POST /credential/real`` prints the voter's credential once, ``POST
/credential/fake`` prints a fake on the same slip, ``POST /credential/done`` erases them and ends the session. A slip
goes to ``print_slip`` (the kiosk's printer) or, without one, is the answer itself (a PDF for the kiosk browser to
print); either way the kiosk process keeps no copy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from crypto.errors import ShailooError
from mobile_api.schemas import BallotDefinition
from precinct.kiosk import CrSlip, Kiosk, KioskReceipt, marks_from_form
from precinct.kiosk_text import LANGUAGE_NAMES, LANGUAGES, error_text, texts
from precinct.printing import receipt_pdf, tracking_url

_TEMPLATES: Final = Path(__file__).parent / "templates"
_GET_PAGES: Final = frozenset({"/", "/ballot", "/review", "/receipt", "/credential"})
_STATUS: Final = {
    "session_invalid": 409,
    "link_down": 503,
    "already_identified": 409,
    "not_eligible": 403,
    "voter_in_progress": 409,
    "not_confirmed": 400,
    "no_poll_worker_pin": 403,
    "bad_poll_worker_pin": 403,
    "already_printed": 409,
    "not_printed": 409,
    "no_cr_registration": 409,
    "poll_worker_locked": 423,
}
#: Pages that no voter's open ballot depends on; left alone this long they go back to an empty start screen.
IDLE_RESET_SECONDS: Final = 90
_IDLE_PAGES: Final = frozenset({"start.html", "error.html", "receipt.html", "credential_done.html"})
_IDLE_SCRIPT: Final = """(() => {
  const seconds = Number(document.currentScript.dataset.idleSeconds);
  let timer = 0;
  const arm = () => { clearTimeout(timer); timer = setTimeout(() => location.assign('/idle'), seconds * 1000); };
  for (const name of ['keydown', 'pointerdown', 'input', 'focusin']) addEventListener(name, arm, true);
  arm();
})();
"""


#: How the kiosk identifies the voter in person once the personal number is entered; returns the ballot style.
#: E.g. ``lambda k: k.identify_by_face(camera.frames())`` (the kiosk camera, checked 1:1 by the registrar), or
#: ``lambda k: k.identify_with(terminal.attestation_for(k.current))`` (the precinct's biometric terminal), or
#: `identified_by_poll_worker` (the poll worker beside the kiosk checked the identity document).
Identify = Callable[[Kiosk], str]


def identified_by_poll_worker(kiosk: Kiosk) -> str:
    """The poll worker checked the voter's document at the kiosk; the kiosk signs the assertion (method
    ``document``). Use only where a poll worker attends the kiosk."""
    return kiosk.identify_here("document")


def create_kiosk_app(
    kiosk: Kiosk,
    *,
    identify: Identify,
    public_url: str,
    method: str = "attestation",
    idle_seconds: int = IDLE_RESET_SECONDS,
    print_slip: Callable[[bytes], None] | None = None,
) -> FastAPI:
    """The ballot screen of ``kiosk``; ``identify`` is the in-person identification step (no default on purpose:
    typing a personal number alone never identifies anyone); ``method`` is ``face`` when it sends camera frames.
    The start, error and receipt pages go back to an empty start screen (`Kiosk.idle`, the language and text size
    reset) after ``idle_seconds`` untouched; a voter's open ballot is never reset. ``public_url`` is the server's
    public base URL: the receipt's QR code opens its tracking page (`precinct.printing.tracking_url`)."""
    tracking_url(public_url, "")  # a bad public URL stops the kiosk at start, not at the first receipt
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    app = FastAPI(title="Shailoo kiosk", docs_url=None, redoc_url=None, openapi_url=None)
    state: dict[str, Any] = {"receipts": {}, "last": None}

    def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = request.cookies.get("lang", "ky")
        lang = lang if lang in LANGUAGES else "ky"
        back = request.url.path if request.url.path in _GET_PAGES else "/"
        html = env.get_template(name).render(
            idle_reset=idle_seconds if name in _IDLE_PAGES else None,
            in_progress=kiosk.voter_in_progress(),
            lang=lang,
            t=texts(lang),
            large=request.cookies.get("large") == "1",
            languages=list(LANGUAGE_NAMES.items()),
            back=back,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def language(request: Request) -> str:
        lang = request.cookies.get("lang", "ky")
        return lang if lang in LANGUAGES else "ky"

    def definition(request: Request) -> BallotDefinition:
        session = kiosk.current
        if session is None or session.style_id is None:
            raise ShailooError("no identified voter at the kiosk", code="session_invalid")
        return kiosk.client.ballot_definition(session.style_id, language(request))  # type: ignore[arg-type]

    @app.exception_handler(ShailooError)
    async def _error(request: Request, exc: ShailooError) -> HTMLResponse:
        message = error_text(exc.code, language(request))
        return render(request, "error.html", _STATUS.get(exc.code, 400), message=message, code=exc.code)

    @app.get("/idle.js")
    def idle_script() -> Response:
        """The idle reset of the start, error and receipt pages: ``data-idle-seconds`` after the last key, touch or
        click, go to ``/idle``. A script, not ``<meta http-equiv=refresh>``: a timed refresh cannot be held off by
        someone still using the screen (WCAG 2.2.1, axe's ``meta-refresh``); this one restarts on every input."""
        return Response(_IDLE_SCRIPT, media_type="text/javascript; charset=utf-8")

    @app.get("/idle")
    def idle() -> Response:
        """The screen was left alone: back to an empty start page (an open ballot stays open for its voter)."""
        response = RedirectResponse("/ballot" if kiosk.idle() else "/", status_code=303)
        response.delete_cookie("lang")
        response.delete_cookie("large")
        return response

    @app.get("/", response_class=HTMLResponse)
    def start(request: Request) -> HTMLResponse:
        return render(request, "start.html")

    @app.post("/settings")
    async def settings(request: Request) -> Response:
        form = await request.form()
        back = str(form.get("back", "/"))
        response = RedirectResponse(back if back in _GET_PAGES else "/", status_code=303)
        if (lang := form.get("lang")) in LANGUAGES:
            response.set_cookie("lang", str(lang), samesite="strict")
        if (large := form.get("large")) in ("0", "1"):
            response.set_cookie("large", str(large), samesite="strict")
        return response

    @app.post("/identify")
    async def identify_voter(request: Request) -> Response:
        form = await request.form()
        kiosk.begin(str(form.get("national_id", "")).strip(), method)
        identify(kiosk)
        registering = kiosk.current is not None and kiosk.current.cr_registration is not None
        return RedirectResponse("/credential" if registering else "/ballot", status_code=303)

    # --- the coercion-resistant mode: the real credential and fakes on slips --------------------------------

    @app.get("/credential", response_class=HTMLResponse)
    def credential(request: Request) -> HTMLResponse:
        session = kiosk.current
        if session is None or session.cr_registration is None:
            raise ShailooError("no voter is registering at the kiosk", code="session_invalid")
        return render(request, "credential.html", printed=session.cr_printed)

    def deliver(request: Request, slip: CrSlip) -> Response:
        pdf = slip.pdf(language(request))
        del slip
        if print_slip is None:
            return Response(pdf, media_type="application/pdf", headers={"Cache-Control": "no-store"})
        print_slip(pdf)
        return RedirectResponse("/credential", status_code=303)

    @app.post("/credential/real")
    def print_real(request: Request) -> Response:
        return deliver(request, kiosk.print_cr_credential())

    @app.post("/credential/fake")
    def print_fake(request: Request) -> Response:
        return deliver(request, kiosk.print_cr_fake())

    @app.post("/credential/done", response_class=HTMLResponse)
    def done(request: Request) -> HTMLResponse:
        kiosk.finish_cr_registration()
        return render(request, "credential_done.html")

    @app.post("/poll-worker/end")
    async def end_by_poll_worker(request: Request) -> Response:
        """The poll worker's override: with the kiosk's PIN, the open session ends (`Kiosk.end_by_poll_worker`)."""
        form = await request.form()
        kiosk.end_by_poll_worker(str(form.get("pin", "")), str(form.get("reason", "")))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie("lang")
        response.delete_cookie("large")
        return response

    @app.get("/ballot", response_class=HTMLResponse)
    def ballot(request: Request) -> HTMLResponse:
        return render(request, "ballot.html", definition=definition(request))

    @app.post("/ballot", response_class=HTMLResponse)
    async def prepare(request: Request) -> HTMLResponse:
        form = await request.form()
        session = kiosk.current
        if session is None or session.style_id is None:
            raise ShailooError("no identified voter at the kiosk", code="session_invalid")
        fields = {key: [str(v) for v in form.getlist(key)] for key in form}
        marks = marks_from_form(kiosk.client.election().manifest, session.style_id, fields)
        prepared = kiosk.prepare(marks)
        return review_page(request, prepared)

    def review_page(request: Request, prepared: Any) -> HTMLResponse:
        """The voter's choices as the ballot names them, the tracking code, and cast or challenge."""
        shown = definition(request)
        choices = []
        for contest in shown.contests:
            labels = {s.selection_id: s.label for s in contest.selections}
            chosen = prepared.marks.get(contest.contest_id, ())
            choices.append((contest.title, [labels[s] for s in chosen if s in labels]))
        fingerprint = prepared.ballot.credential_fingerprint()
        return render(request, "review.html", code=prepared.tracking_code, fingerprint=fingerprint, choices=choices)

    @app.get("/review", response_class=HTMLResponse)
    def review(request: Request) -> HTMLResponse:
        session = kiosk.current
        if session is None or session.prepared is None:
            return RedirectResponse("/ballot", status_code=303)  # type: ignore[return-value]
        return review_page(request, session.prepared)

    @app.post("/challenge", response_class=HTMLResponse)
    def challenge(request: Request) -> HTMLResponse:
        labels = {s.selection_id: s.label for c in definition(request).contests for s in c.selections}
        opened = kiosk.challenge()
        return render(request, "challenged.html", opened=[labels[s] for ids in opened.values() for s in ids])

    @app.post("/cast", response_class=HTMLResponse)
    async def cast(request: Request) -> HTMLResponse:
        # Casting is never the default of a key press: the voter ticks the confirmation on the review page.
        if (await request.form()).get("confirm") != "yes":
            raise ShailooError("confirm your choices before casting", code="not_confirmed")
        receipt = kiosk.cast()
        state["receipts"][receipt.tracking_code] = receipt
        state["last"] = receipt
        return render(request, "receipt.html", receipt=receipt)

    @app.get("/receipt", response_class=HTMLResponse)
    def last_receipt(request: Request) -> HTMLResponse:
        if state["last"] is None:
            return RedirectResponse("/", status_code=303)  # type: ignore[return-value]
        return render(request, "receipt.html", receipt=state["last"])

    @app.get("/receipt/{code}.pdf")
    def receipt_file(request: Request, code: str) -> Response:
        receipt: KioskReceipt | None = state["receipts"].get(code)
        if receipt is None:
            raise ShailooError("no receipt with this code was printed here", code="not_found")
        manifest = kiosk.client.election().manifest
        pdf = receipt_pdf(
            election_id=receipt.election_id,
            election_name=str(getattr(manifest.name, language(request))),
            precinct_id=receipt.precinct_id,
            tracking_code=receipt.tracking_code,
            ballot_hash=receipt.ballot_hash,
            status=receipt.status,
            public_url=public_url,
            language=language(request),
            credential_fingerprint=receipt.credential_fingerprint,
        )
        return Response(pdf, media_type="application/pdf")

    return app
