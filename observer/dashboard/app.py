"""The observer dashboard: server-rendered pages (Jinja2) over a `BoardReader`, readable without JavaScript.

`build_dashboard_router(reader, base="/observe")` gives a FastAPI router the voting server mounts on its live
board; `create_dashboard_app(reader)` is the same pages as a stand-alone app (``shailoo observe EXPORT``).
Pages (each takes ``?lang=ky|ru|en``): overview, board explorer and entry pages, tree heads with witness
cosignatures, turnout over the day, tracking-code lookup with an RFC 9162 inclusion proof (checked on the
server, and again in the browser with WebCrypto SHA-256), results with seat charts, precincts.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bulletin_board import merkle
from bulletin_board.errors import BoardError
from observer.dashboard import charts
from observer.dashboard.i18n import LANGUAGES, language, translate
from observer.dashboard.mapview import map_view, region_turnout_view
from observer.dashboard.model import DashboardModel, selection_label
from observer.dashboard.readers import BoardReader
from observer.verify_page import build_verify_page_router

PAGE_SIZE: Final = 50
#: ``?lang=`` of every page (absent: Kyrgyz).
Lang = Annotated[str | None, Query(pattern="^(ky|ru|en)$")]
_TEMPLATES: Final = Path(__file__).parent / "templates"
#: Payloads longer than this are cut on the entry page (the export has them whole).
_SHOWN_PAYLOAD_CHARS: Final = 20_000


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["utc"] = lambda ms: datetime.fromtimestamp(int(ms) / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    env.filters["hhmm"] = lambda ms: datetime.fromtimestamp(int(ms) / 1000, tz=UTC).strftime("%H:%M")
    return env


def build_dashboard_router(reader: BoardReader, *, base: str = "") -> APIRouter:
    """The dashboard's pages for ``reader``, to be mounted at ``base`` (links are built from it)."""
    env = _environment()
    model = DashboardModel(reader)
    router = APIRouter(prefix=base, include_in_schema=False)

    def render(template: str, lang: str | None, request: Request, **values: Any) -> HTMLResponse:
        chosen = language(lang)
        m = model.refresh()
        context = {
            "t": lambda key: translate(key, chosen),
            "lang": chosen,
            "languages": LANGUAGES,
            "base": base,
            "path": request.url.path,
            "switch": {
                code: f"{request.url.path}?{urlencode({**request.query_params, 'lang': code})}" for code in LANGUAGES
            },
            "model": m,
            "election_name": getattr(m.manifest.name, chosen) if m.manifest else reader.origin,
            **values,
        }
        return HTMLResponse(env.get_template(template).render(**context))

    @router.get("/", response_class=HTMLResponse)
    def overview(request: Request, lang: Lang = None) -> HTMLResponse:
        heads = reader.tree_heads()
        latest = heads[-1] if heads else None
        marks = reader.cosignatures(latest.size) if latest else []
        regions = region_turnout_view(model.refresh(), language(lang))
        return render("overview.html", lang, request, latest=latest, marks=marks, **regions)

    @router.get("/board", response_class=HTMLResponse)
    def board(request: Request, lang: Lang = None, start: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
        size = model.refresh().size
        entries = list(reader.iter_entries(start, min(size, start + PAGE_SIZE)))
        rows = [(e, _summary(e.kind, e.payload)) for e in entries]
        return render("board.html", lang, request, rows=rows, start=start, size=size, page=PAGE_SIZE)

    @router.get("/board/{index}", response_class=HTMLResponse)
    def entry(request: Request, index: int, lang: Lang = None) -> HTMLResponse:
        size = model.refresh().size
        if not 0 <= index < size:
            response = render("message.html", lang, request, message="not_found")
            response.status_code = 404
            return response
        e = next(reader.iter_entries(index, index + 1))
        text = json.dumps(e.payload, indent=1, ensure_ascii=False)
        shown = text if len(text) <= _SHOWN_PAYLOAD_CHARS else text[:_SHOWN_PAYLOAD_CHARS] + "\n…"
        return render(
            "entry.html", lang, request, e=e, payload=shown, proof=_proof(reader, e.index, e.entry_hash, e.leaf_bytes)
        )

    @router.get("/tree-heads", response_class=HTMLResponse)
    def tree_heads(request: Request, lang: Lang = None) -> HTMLResponse:
        heads = [(h, reader.cosignatures(h.size)) for h in reversed(reader.tree_heads())]
        return render("tree_heads.html", lang, request, heads=heads)

    @router.get("/turnout", response_class=HTMLResponse)
    def turnout(request: Request, lang: Lang = None) -> HTMLResponse:
        data = model.refresh().turnout()
        times = [env.filters["hhmm"](t) for t in data["times"]]
        chart = Markup(charts.turnout_line(times, data["total"], title=translate("turnout", language(lang))))  # noqa: S704 - built from escaped parts
        chosen = language(lang)
        manifest = model.manifest
        region_names = {r.region_id: str(getattr(r.name, chosen)) for r in manifest.regions} if manifest else {}
        district_names = {d.district_id: str(getattr(d.name, chosen)) for d in manifest.districts} if manifest else {}
        return render(
            "turnout.html",
            lang,
            request,
            data=data,
            times=times,
            chart=chart,
            region_names=region_names,
            district_names=district_names,
            registered_by_region=model.registered_by_region(),
        )

    @router.get("/track", response_class=HTMLResponse)
    def track(request: Request, lang: Lang = None, code: Annotated[str, Query(max_length=32)] = "") -> HTMLResponse:
        m = model.refresh()
        found = m.track(code) if code else None
        proof, held = None, None
        if found is not None:
            e = next(reader.iter_entries(found.index, found.index + 1))
            proof = _proof(reader, e.index, e.entry_hash, e.leaf_bytes)
            if found.kind == "spoiled_ballot":
                held = _held(m, e.payload, language(lang))
        return render("track.html", lang, request, code=code, found=found, proof=proof, held=held)

    @router.get("/results", response_class=HTMLResponse)
    def results(request: Request, lang: Lang = None) -> HTMLResponse:
        m = model.refresh()
        contests = _results(m, language(lang))
        return render("results.html", lang, request, contests=contests)

    @router.get("/precincts", response_class=HTMLResponse)
    def precincts(request: Request, lang: Lang = None) -> HTMLResponse:
        return render("precincts.html", lang, request, rows=model.refresh().precinct_rows())

    @router.get("/map", response_class=HTMLResponse)
    def precinct_map(
        request: Request,
        lang: Lang = None,
        lat: Annotated[str, Query(max_length=32)] = "",
        lon: Annotated[str, Query(max_length=32)] = "",
        q: Annotated[str, Query(max_length=200)] = "",
    ) -> HTMLResponse:
        """Turnout and results by precinct and region on an SVG map; "find my precinct" by coordinates or text.
        The form sends empty fields for what was not filled in; coordinates that do not read are said so."""
        m = model.refresh()
        chosen = language(lang)
        view = map_view(m, chosen, lat=lat.strip(), lon=lon.strip(), query=q)
        response = render("map.html", lang, request, **view)
        if view["error"]:
            response.status_code = 422
        return response

    return router


def _proof(reader: BoardReader, index: int, entry_hash: bytes, leaf_bytes: bytes) -> dict[str, Any] | None:
    """The entry's inclusion proof in the latest signed tree head, checked here (and handed to the page)."""
    heads = reader.tree_heads()
    if not heads or heads[-1].size <= index:
        return None
    head = heads[-1]
    hashes = reader.inclusion_proof(index, head.size)
    try:
        merkle.verify_inclusion(merkle.leaf_hash(leaf_bytes), index, head.size, hashes, head.root_hash)
        ok = merkle.leaf_hash(leaf_bytes) == entry_hash
    except BoardError:
        ok = False
    return {
        "index": index,
        "size": head.size,
        "root": head.root_hash.hex(),
        "checkpoint": head.to_text(),
        "hashes": [h.hex() for h in hashes],
        "leaf_b64": base64.b64encode(leaf_bytes).decode(),
        "server_ok": ok,
    }


def _held(m: DashboardModel, payload: dict[str, Any], lang: str) -> list[tuple[str, list[str]]] | None:
    """A challenged ballot's opened choices as (contest name, selection names in ``lang``), in ballot order;
    ``None`` if its reveal does not open it (`DashboardModel.opened_spoiled`)."""
    marks = m.opened_spoiled(payload)
    if marks is None or m.manifest is None:
        return None
    shown = []
    for contest_id, selection_ids in marks.items():
        contest = m.manifest.contest(contest_id)
        names = []
        for selection_id in selection_ids:
            selection = contest.selections[contest.selection_index(selection_id)]
            if selection.kind == "against_all":
                names.append(translate("against_all", lang))
            elif selection.kind == "party_preference" and selection.party_id is not None:
                person = next(
                    (
                        c
                        for c in m.manifest.candidates
                        if c.party_id == selection.party_id and c.list_position == selection.list_position
                    ),
                    None,
                )
                names.append(str(getattr(person.name, lang)) if person else selection_id)
            else:
                names.append(selection_label(m.manifest, contest_id, selection_id, lang))
        shown.append((str(getattr(contest.name, lang)), names))
    return shown


def _summary(kind: str, payload: dict[str, Any]) -> str:
    """A one-line description of an entry for the explorer."""
    keys = {
        "ballot": lambda p: f"{p.get('style_id')} · {p.get('precinct_id') or 'app'}",
        "trustee_commitment": lambda p: f"trustee {p.get('commitment', {}).get('index')}",
        "trustee_share": lambda p: f"trustee {p.get('sender')}",
        "complaint": lambda p: f"trustee {p.get('complainer')}: {len(p.get('complaints', []))}",
        "step_closed": lambda p: f"{p.get('step')} closed, missing {p.get('missing')}",
        "joint_key": lambda p: f"n={p.get('n')} k={p.get('k')} qualified {p.get('qualified')}",
        "decryption_share": lambda p: f"trustee {p.get('trustee')}: {len(p.get('shares', []))}",
        "encrypted_tally": lambda p: f"{p.get('ballots_counted')} ballots",
        "issuance": lambda p: f"{sum(p.get('counts', {}).values())}",
    }
    try:
        return str(keys[kind](payload)) if kind in keys else ""
    except (AttributeError, TypeError):
        return ""


#: Contests shown open on the results page; past this many, the others are folded behind their summary line.
OPEN_CONTESTS: Final = 2
#: Rows of a vote table shown before "show all".
TOP_ROWS: Final = 10


def _results(m: DashboardModel, lang: str) -> list[dict[str, Any]]:
    """Per contest: the chart, party votes (lists, with seats) apart from preference votes (by candidate name,
    grouped per list), and candidate votes; long tables are cut to `TOP_ROWS` with the rest behind "show all"."""
    if m.result is None or m.manifest is None:
        return []
    manifest = m.manifest
    on_list = {(c.party_id, c.list_position): c for c in manifest.candidates if c.party_id is not None}
    out = []
    listed = m.result.get("results", {}).get("contests", [])
    for number, contest in enumerate(listed):
        cid = contest["contest_id"]
        definition = manifest.contest(cid)
        elected, runoff = set(contest.get("elected", [])), set(contest.get("runoff", []))
        rows: list[tuple[str, int, bool]] = []  # candidates, parties (votes for the list), against all, yes/no
        preferences: dict[str, list[tuple[int, str, int, bool]]] = {}  # party → (position, candidate, votes, won)
        for s in contest.get("selections", []):
            sel = definition.selections[definition.selection_index(s["selection_id"])]
            votes = int(s["votes"])
            if sel.kind == "party_preference" and sel.party_id is not None:
                candidate = on_list.get((sel.party_id, sel.list_position))
                name = str(getattr(candidate.name, lang)) if candidate else f"№ {sel.list_position}"
                won = candidate is not None and candidate.candidate_id in elected
                preferences.setdefault(sel.party_id, []).append((sel.list_position or 0, name, votes, won))
                continue
            label = selection_label(manifest, cid, s["selection_id"], lang)
            if sel.kind == "against_all":
                label = translate("against_all", lang)
            won = sel.candidate_id in elected or sel.candidate_id in runoff if sel.candidate_id else False
            rows.append((label, votes, won))
        seats = {str(p["party_id"]): int(p.get("seats", 0)) for p in contest.get("parties", [])}
        seat_parties = [(_party_name(m, pid, lang), n) for pid, n in seats.items()]
        rows.sort(key=lambda r: -r[1])
        chart = (
            charts.hemicycle(seat_parties, title=cid)
            if any(n for _, n in seat_parties)
            else charts.vote_bars(rows[:TOP_ROWS], title=cid)
        )
        lists = [
            {
                "party": _party_name(m, pid, lang),
                "seats": seats.get(pid, 0),
                "rows": sorted(prefs, key=lambda r: (-r[2], r[0])),
            }
            for pid, prefs in sorted(preferences.items(), key=lambda kv: (-seats.get(kv[0], 0), kv[0]))
        ]
        out.append(
            {
                "contest": contest,
                "name": getattr(definition.name, lang),
                "open": number < OPEN_CONTESTS or len(listed) <= OPEN_CONTESTS + 1,
                "rows": rows[:TOP_ROWS],
                "more_rows": rows[TOP_ROWS:],
                "lists": lists,
                "chart": Markup(chart),  # noqa: S704 - built from escaped parts in observer.dashboard.charts
                "elected": [_candidate_name(m, c, lang) for c in contest.get("elected", [])],
                "runoff": [_candidate_name(m, c, lang) for c in contest.get("runoff", [])],
                "seats": seat_parties,
            }
        )
    return out


def _party_name(m: DashboardModel, party_id: str, lang: str) -> str:
    assert m.manifest is not None
    for party in m.manifest.parties:
        if party.party_id == party_id:
            return str(getattr(party.name, lang))
    return party_id


def _candidate_name(m: DashboardModel, candidate_id: str, lang: str) -> str:
    assert m.manifest is not None
    for candidate in m.manifest.candidates:
        if candidate.candidate_id == candidate_id:
            return str(getattr(candidate.name, lang))
    return candidate_id


def create_dashboard_app(reader: BoardReader) -> FastAPI:
    """The dashboard alone (``shailoo observe EXPORT``), at the root path."""
    app = FastAPI(title="Shailoo observer dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_dashboard_router(reader))
    app.include_router(build_verify_page_router())
    return app
