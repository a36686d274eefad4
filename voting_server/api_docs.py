"""``/docs``: the API reference as one plain HTML page written on the server from the OpenAPI document.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN, so on a server without internet (a
commission's network, an air-gapped test bench) they are blank. This page needs nothing but the server: no script,
no stylesheet, no font from anywhere else. For each route it gives the method, the path, the summary, the request
body's schema name, the parameters and the error codes with their statuses; ``/openapi.json`` stays the full
machine-readable document.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #111; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
.route { margin: 1rem 0; padding: .5rem .75rem; border-left: 4px solid #2a6; background: #f6f8f7; }
.method { font-weight: bold; display: inline-block; min-width: 4rem; }
code { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; margin: .25rem 0; }
th, td { text-align: left; padding: .1rem .6rem .1rem 0; vertical-align: top; }
"""


def _schema_name(content: dict[str, Any]) -> str:
    schema = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref") or next((s.get("$ref") for s in schema.get("anyOf", []) if "$ref" in s), None)
    return str(ref).rsplit("/", 1)[-1] if ref else ""


def _error_codes(response: dict[str, Any]) -> list[str]:
    """The stable error codes a response lists (`mobile_api.openapi.error_responses` names them in its
    description, ``Error codes: `a`, `b```)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    codes = schema.get("properties", {}).get("code", {}).get("enum")
    if codes:
        return [str(c) for c in codes]
    description = str(response.get("description", ""))
    if description.startswith("Error codes:"):
        return [c.strip().strip("`") for c in description.removeprefix("Error codes:").split(",") if c.strip()]
    return [description] if description else []


def render(openapi: dict[str, Any]) -> str:
    """The reference page for an OpenAPI document."""
    info = openapi.get("info", {})
    by_tag: dict[str, list[str]] = {}
    for path, operations in openapi.get("paths", {}).items():
        for method, op in operations.items():
            rows = []
            if op.get("description") or op.get("summary"):
                text = escape(str(op.get("description") or op.get("summary")))
                rows.append(f"<p>{text}</p>")
            params = op.get("parameters", [])
            if params:
                cells = "".join(
                    f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p.get('in', ''))}</td>"
                    f"<td>{'required' if p.get('required') else 'optional'}</td></tr>"
                    for p in params
                )
                rows.append(f"<table><caption>parameters</caption>{cells}</table>")
            body = op.get("requestBody")
            if body:
                rows.append(f"<p>body: <code>{escape(_schema_name(body.get('content', {})) or 'JSON')}</code></p>")
            answers = []
            for status, response in sorted(op.get("responses", {}).items()):
                if status.startswith("2"):
                    answers.append(
                        f"<tr><td>{escape(status)}</td><td>{escape(str(response.get('description')))}</td></tr>"
                    )
                else:
                    codes = ", ".join(f"<code>{escape(c)}</code>" for c in _error_codes(response))
                    answers.append(f"<tr><td>{escape(status)}</td><td>{codes}</td></tr>")
            if answers:
                rows.append(f"<table><caption>answers</caption>{''.join(answers)}</table>")
            block = (
                f'<div class="route"><span class="method">{escape(method.upper())}</span> '
                f"<code>{escape(path)}</code>{''.join(rows)}</div>"
            )
            by_tag.setdefault((op.get("tags") or ["other"])[0], []).append(block)
    sections = "".join(f"<h2>{escape(tag)}</h2>{''.join(blocks)}" for tag, blocks in by_tag.items())
    title = escape(f"{info.get('title', 'API')} {info.get('version', '')}".strip())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body><main><h1>{title}</h1>"
        f"<p>{escape(str(info.get('description', '')))}</p>"
        '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Every error is '
        "<code>{&quot;code&quot;, &quot;message&quot;}</code>.</p>"
        f"{sections}</main></body></html>"
    )


def build_api_docs_router(app: FastAPI) -> APIRouter:
    """``GET /docs`` (and ``/redoc``, the same page) rendered from ``app``'s OpenAPI document."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs", response_class=HTMLResponse)
    @router.get("/redoc", response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(render(app.openapi()))

    return router
