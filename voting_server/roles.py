"""Which routes each server role serves (`voting_server.settings.ServerRole`).

``all`` serves everything (one server). A **registrar** serves identification, credential issuance and its own
board posts (issuer keys, register counts, final issuance counts), plus the voter cabinet; a **ballot box** serves
everything else: casting, challenges, receipts, the board, trustees, tracking, the dashboard, the voter app, setup
and close/tally. A route outside its role is not mounted at all, so it answers 404 like any unknown path.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter

from voting_server.settings import ServerRole

#: (method, path) of the routes only a registrar serves, of the routers both roles share (voter API, admin API).
REGISTRAR_ROUTES: Final = frozenset(
    {
        ("POST", "/v1/identification/sessions"),
        ("POST", "/v1/identification/sessions/{session_id}/face"),
        ("POST", "/v1/identification/sessions/{session_id}/attestation"),
        ("POST", "/v1/credentials"),
        ("POST", "/v1/cr/credentials"),
        ("POST", "/v1/admin/issuer-keys"),
        ("GET", "/v1/admin/registrar-key"),
        ("POST", "/v1/admin/register-counts"),
        ("POST", "/v1/admin/issuance/final"),
        ("POST", "/v1/admin/annul"),  # signed with the registrar key (the commission key of the manifest)
    }
)
#: Routes of the shared routers that both separate roles serve (health is its own router, served by all roles).
SHARED_ROUTES: Final = frozenset(
    {
        ("GET", "/v1/election"),
        ("GET", "/v1/ballot-styles/{style_id}"),
        ("GET", "/v1/admin/status"),
    }
)


def serves_route(role: ServerRole, method: str, path: str) -> bool:
    """Whether a server of ``role`` serves ``method path`` of a router both roles share."""
    if (method, path) == ("POST", "/v1/admin/issuance/final"):
        return role is ServerRole.REGISTRAR  # one server closes in one transaction; only a registrar posts apart
    if role is ServerRole.ALL or (method, path) in SHARED_ROUTES:
        return True
    return ((method, path) in REGISTRAR_ROUTES) == (role is ServerRole.REGISTRAR)


def for_role(router: APIRouter, role: ServerRole) -> APIRouter:
    """``router`` with only the routes ``role`` serves (the router itself, changed in place)."""
    kept = []
    for route in router.routes:
        methods = getattr(route, "methods", None) or set()
        path = getattr(route, "path", "")
        if all(serves_route(role, m, path) for m in methods if m != "HEAD"):
            kept.append(route)
    router.routes[:] = kept
    return router
