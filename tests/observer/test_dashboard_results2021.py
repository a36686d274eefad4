"""The 2021 parliament's results page: party votes apart from preference votes (by candidate name, per list,
folded), long tables cut with "show all", and contests past the first folded; so the page stays short."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from observer.dashboard.app import create_dashboard_app
from tests.observer.results2021 import Results2021Reader


@pytest.fixture(scope="module")
def reader() -> Results2021Reader:
    return Results2021Reader()


@pytest.fixture(scope="module")
def client(reader: Results2021Reader) -> TestClient:
    return TestClient(create_dashboard_app(reader))


def _section(html: str, contest_id: str) -> str:
    start = html.index(f'id="contest-{contest_id}"')
    return html[start : html.index('<details class="contest"', start)]


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_party_votes_and_preferences_have_their_own_labels(
    client: TestClient, reader: Results2021Reader, lang: str
) -> None:
    html = client.get(f"/results?lang={lang}").text
    section = _section(html, "party-list")
    party = reader.manifest.parties[0]
    name = str(getattr(party.name, lang))
    votes_tables = "".join(re.findall(r'<table class="votes">.*?</table>', section, re.S))
    # The party's list votes are one row of the vote tables (shown and "show all"), not one per preference.
    assert votes_tables.count(f"<td>{name}</td>") + votes_tables.count(f"<strong>{name} ✓</strong>") == 1
    # Its preferences are behind one <details> per list, named by candidate, not by party.
    assert section.count('<details class="preferences">') == len(reader.manifest.parties)
    first = next(c for c in reader.manifest.candidates if c.party_id == party.party_id and c.list_position == 1)
    prefs = section[section.index(f"<summary>{name}") :]
    prefs = prefs[: prefs.index("</details>")]
    assert str(getattr(first.name, lang)) in prefs
    assert prefs.count("<tr>") == 1 + sum(
        1 for c in reader.manifest.candidates if c.party_id == party.party_id and c.list_position
    )


def test_elected_list_candidates_are_marked_in_their_list(client: TestClient, reader: Results2021Reader) -> None:
    html = client.get("/results?lang=en").text
    section = _section(html, "party-list")
    elected = reader.results.contest("party-list").elected
    names = {str(c.name.en) for c in reader.manifest.candidates if c.candidate_id in elected}
    marked = set(re.findall(r"<strong>([^<]+) ✓</strong>", section))
    assert names <= marked


def test_long_vote_tables_are_cut_with_show_all_and_later_contests_are_folded(client: TestClient) -> None:
    html = client.get("/results?lang=en").text
    opened = re.findall(r'<details class="contest" id="contest-[^"]+" open>', html)
    assert len(opened) == 2
    assert html.count('<details class="contest"') == 37
    for table in re.findall(r'<table class="votes"><caption>Votes for the lists.*?</table>', html, re.S):
        assert table.count("<tr>") <= 11
    assert "Show all" in html


def test_the_2021_results_page_is_of_a_sane_height_in_the_browser(reader: Results2021Reader) -> None:
    """At 1280 px wide the whole page is under 8,000 px (it was 56,000 px with every row open)."""
    from tests.browser import Screens, chromium, serve_app
    from tests.web.node import ensure_packages

    ensure_packages()  # axe-core
    with serve_app(create_dashboard_app(reader)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        screens = Screens(page, "observer")
        for lang in ("ky", "ru", "en"):
            page.goto(f"{url}/results?lang={lang}")
            height = page.evaluate("() => document.documentElement.scrollHeight")
            assert height < 8_000, f"{lang}: {height} px"
        screens.check("results-2021-en")  # axe-core: no violation
        # Opening one list's preferences shows its candidates by name.
        page.locator("details.preferences summary").first.click()
        assert page.locator("details.preferences[open] tr").count() == 55
