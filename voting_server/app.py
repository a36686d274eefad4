"""The application factory: ``create_app(settings)`` builds the voting server's FastAPI app.

Routers: voter API (`mobile_api.router`), admin, board, trustees, health, the voter web app at ``/app``
(`voting_server.voter_app`) and the observers' in-browser verifier at ``/verify`` (`observer.verify_page`).
Errors are always ``{"code", "message"}`` (`voting_server.http_errors`); request bodies above
``max_body_bytes`` are refused before parsing. The lifespan starts the board's tree-head integrator.
``settings.role`` chooses the routers and routes served (`voting_server.roles`): everything, the registrar's
or the ballot box's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from identity.credentials import IssuerKeys
from identity.registry import VoterRegistry
from identity.settings import IdentitySettings
from mobile_api.router import build_voter_router
from observer.verify_page import build_verify_page_router
from precinct.server_api import build_precinct_router
from voting_server.admin_api import build_admin_router
from voting_server.api_docs import build_api_docs_router
from voting_server.auth import Role, require_role
from voting_server.board_api import build_board_router
from voting_server.cabinet import build_cabinet_router
from voting_server.cabinet_identification import build_cabinet_identification_router
from voting_server.cabinet_pages import build_cabinet_pages
from voting_server.candidates_api import build_candidates_router
from voting_server.complaints import build_complaints_router
from voting_server.complaints_page import build_complaints_pages
from voting_server.components import Components, build_components
from voting_server.cr_api import build_cr_router
from voting_server.cr_tally_api import build_cr_tally_router
from voting_server.dashboard import build_dashboard_router
from voting_server.health import build_health_router
from voting_server.http_errors import BodySizeLimit, InFlightLimit, RateLimit, StrictJsonBody, install_error_handlers
from voting_server.logs import configure_logging
from voting_server.places_api import build_places_router
from voting_server.roles import for_role
from voting_server.settings import ServerRole, Settings
from voting_server.trustee_api import build_trustee_router
from voting_server.voter_app import build_voter_app_router


def _version() -> str:
    try:
        return version("shailoo")
    except PackageNotFoundError:  # pragma: no cover - a bare checkout
        return "0+unknown"


def create_app(
    settings: Settings | None = None,
    *,
    components: Components | None = None,
    registry: VoterRegistry | None = None,
    issuer_keys: IssuerKeys | None = None,
    identity_settings: IdentitySettings | None = None,
    clock: Callable[[], int] | None = None,
) -> FastAPI:
    """The voting server for ``settings`` (default: from the environment); ``clock`` (unix milliseconds) replaces
    the system clock for the board and the voting window (tests, the demo)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    parts = components or build_components(
        settings, registry=registry, issuer_keys=issuer_keys, identity_settings=identity_settings, clock=clock
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        parts.start()
        try:
            yield
        finally:
            parts.stop()

    app = FastAPI(
        title="Shailoo voting server",
        version=_version(),
        description="Voter API, admin API, public board API and trustees' API of a Shailoo election.",
        lifespan=lifespan,
        # FastAPI's pages load Swagger UI and ReDoc from a CDN: blank offline. voting_server.api_docs serves both
        # from the files of an installed package instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.components = parts
    app.state.store = parts.storage
    app.state.redis = parts.redis
    app.state.admin_tokens = settings.effective_admin_tokens()
    install_error_handlers(app)
    # Middleware added first runs innermost: the strict JSON parse reads the body through the size cap.
    app.add_middleware(StrictJsonBody)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if parts.redis is not None and settings.rate_limit_per_minute > 0:
        app.add_middleware(RateLimit, redis=parts.redis, per_minute=settings.rate_limit_per_minute)
    if settings.max_in_flight > 0:
        # Added last, so it runs first: a refused request costs neither a Redis round trip nor a body read.
        app.add_middleware(InFlightLimit, max_in_flight=settings.max_in_flight)
    role = settings.role
    app.state.role = role
    app.include_router(build_health_router())
    app.include_router(build_api_docs_router(app))
    app.include_router(for_role(build_voter_router(parts.voter_services), role))
    app.include_router(for_role(build_cr_router(), role))
    app.include_router(for_role(build_admin_router(), role))
    if role is not ServerRole.BALLOT_BOX:  # the cabinet moves voters on the register: the registrar's
        app.include_router(build_cabinet_router())
        app.include_router(build_cabinet_identification_router())
        app.include_router(build_cabinet_pages())
    if role is not ServerRole.REGISTRAR:  # the ballot box's side: the board and everything read from it
        app.include_router(build_candidates_router())
        app.include_router(build_complaints_router())
        app.include_router(build_complaints_pages())
        app.include_router(build_places_router())
        app.include_router(build_board_router())
        app.include_router(build_trustee_router())
        app.include_router(build_cr_tally_router())
        app.include_router(build_dashboard_router(parts.board))
        app.include_router(build_precinct_router(parts.board, operator=require_role(Role.OPERATOR)))
        app.include_router(build_voter_app_router())
        app.include_router(build_verify_page_router())
    return app
