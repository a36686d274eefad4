"""Precinct places over HTTP (``/v1/precincts``, public): the manifest's precincts as GeoJSON with ballots per
precinct, and "find my precinct" by coordinates or address text (`elections.geo`, docs/map.md). The map page is
the dashboard's ``/observe/map``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from bulletin_board.entries import EntryKind
from elections.geo import find_by_point, find_by_text, microdegrees, to_geojson
from elections.manifest import Manifest
from mobile_api.errors import ApiError
from mobile_api.openapi import error_responses
from voting_server.components import Components


def _manifest(request: Request) -> Manifest:
    components: Components = request.app.state.components
    manifest = components.election.state().manifest
    if manifest is None:
        raise ApiError("no manifest is loaded yet", code="wrong_phase")
    return manifest


def _ballots_by_precinct(components: Components) -> dict[str, int]:
    """Ballot entries naming each precinct (cast there, before weeding); the dashboard shows the weeded count."""
    counts: dict[str, int] = {}
    for stored in components.storage.iter_entries_of_kinds((EntryKind.BALLOT.value,)):
        precinct = stored.entry.payload.get("precinct_id")
        if isinstance(precinct, str):
            counts[precinct] = counts.get(precinct, 0) + 1
    return counts


def build_places_router() -> APIRouter:
    router = APIRouter(prefix="/v1/precincts", tags=["precincts"])

    @router.get("/geojson", responses=error_responses("wrong_phase"))
    def geojson(request: Request) -> dict[str, Any]:
        """A GeoJSON FeatureCollection (decimal degrees) of the placed precincts, with ``ballots`` per precinct."""
        manifest = _manifest(request)
        ballots = _ballots_by_precinct(request.app.state.components)
        props = {p.precinct_id: {"ballots": ballots.get(p.precinct_id, 0)} for p in manifest.precincts}
        return to_geojson(manifest.precincts, props)

    @router.get("/find", responses=error_responses("wrong_phase", "malformed"))
    def find(
        request: Request,
        lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
        q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    ) -> dict[str, Any]:
        """Give ``lat`` and ``lon`` (the precinct whose boundary holds the point, then the nearest), or ``q``
        (address or name words, any language)."""
        manifest = _manifest(request)
        if lat is not None and lon is not None and q is None:
            found = find_by_point(manifest, (microdegrees(lon), microdegrees(lat)))
        elif lat is None and lon is None and q is not None:
            found = find_by_text(manifest, q)
        else:
            raise ApiError("give lat and lon, or q", code="malformed")
        return {"precincts": [f.to_json() for f in found]}

    return router
