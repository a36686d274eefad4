"""Sample precinct places for the presets' precincts (tests and the map's screenshots): a 0.2° square per
precinct near its region's centre; precincts abroad are left without a place."""

from __future__ import annotations

from elections.geo import PrecinctPlace, microdegrees
from elections.manifest import Manifest

#: Rough region centres (longitude, latitude), enough to draw the country's shape in outline.
CENTRES = {
    "batken": (70.8, 40.06),
    "jalal-abad": (72.98, 41.2),
    "issyk-kul": (77.9, 42.3),
    "naryn": (75.99, 41.43),
    "osh-region": (73.6, 40.0),
    "talas": (72.24, 42.52),
    "chuy": (75.3, 42.65),
    "bishkek": (74.6, 42.87),
    "osh-city": (72.8, 40.53),
}


def square(lon: float, lat: float, half: float = 0.1) -> tuple[tuple[tuple[int, int], ...], ...]:
    corners = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half)]
    ring = [(microdegrees(x), microdegrees(y)) for x, y in corners]
    return (tuple([*ring, ring[0]]),)


def sample_places(manifest: Manifest) -> dict[str, PrecinctPlace]:
    places: dict[str, PrecinctPlace] = {}
    seen: dict[str, int] = {}
    for p in manifest.precincts:
        if p.region_id not in CENTRES:
            continue
        n = seen.get(p.region_id, 0)
        seen[p.region_id] = n + 1
        lon, lat = CENTRES[p.region_id]
        lon += -0.11 + 0.22 * (n % 2)
        lat += 0.22 * (n // 2)
        number = int(p.precinct_id[2:])
        address = {"ky": f"Ленин көчөсү {number}", "ru": f"ул. Ленина {number}", "en": f"Lenin street {number}"}
        if p.region_id == "bishkek" and n == 0:
            address = {"ky": "Чүй проспекти 100", "ru": "проспект Чуй 100", "en": "Chui avenue 100"}
        places[p.precinct_id] = PrecinctPlace(
            location=(microdegrees(lon), microdegrees(lat)), boundary=square(lon, lat), address=address
        )
    return places
