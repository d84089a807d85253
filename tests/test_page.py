"""The page at `/` in a real headless browser (Debian's Chromium driven by Playwright):
stored-query forms, the SPARQL editor, the graph of who did what to whom and its evidence,
and no request to any host but the server. Screenshots of the main views are kept in
$KGLOAD_ARTIFACTS (else pytest's tmp_path). Skipped when Chromium or Playwright is absent."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from serving import Served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install chromium): no browser tests",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (test extra)")

WAIT = 15_000  # ms for anything the page does


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("KGLOAD_ARTIFACTS")
    folder = Path(named) if named else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def served(example_store: Path) -> Iterator[Served]:
    with Served(example_store) as server:
        yield server


@pytest.fixture(scope="module")
def requests_made() -> list[str]:
    return []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, served: Served, requests_made: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.on("request", lambda request: requests_made.append(request.url))
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.set_default_timeout(WAIT)
    opened.goto(served.url + "/")
    opened.wait_for_selector("body[data-ready=yes]")
    yield opened
    context.close()
    assert not errors, errors


def choose_query(page: Any, name: str, **values: str) -> None:
    page.select_option("#query-select", name)
    for key, value in values.items():
        page.fill(f"#param-{key}", value)


def test_a_stored_query_form_submits_and_renders_rows(page: Any, artifacts: Path) -> None:
    choose_query(page, "who-threatened-whom", actor="Trump")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#query-results tbody tr")
    rows = page.locator("#query-results tbody tr")
    assert rows.count() == 2
    assert page.inner_text("#query-status") == "who-threatened-whom: 2 rows."
    assert "Colombia" in page.inner_text("#query-results")
    page.screenshot(path=str(artifacts / "stored-query.png"))
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => !e.labels.length && !e.closest('label')).map(e => e.id)""")
    assert unlabelled == []


def test_the_address_holds_the_query_and_back_returns_to_it(page: Any, browser: Any,
                                                             served: Served) -> None:
    """A result can be bookmarked or sent (its query and parameters are in the address),
    and the browser's back button returns from an actor's profile to the result."""
    choose_query(page, "who-threatened-whom", actor="Trump")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#query-results tbody tr")
    address = page.url
    assert urlsplit(address).fragment == "query=who-threatened-whom&actor=Trump"
    page.locator("#query-results button.actor", has_text="Gustavo Petro").first.click()
    page.wait_for_function("document.getElementById('query-status').textContent"
                           ".startsWith('actor-profile')")
    assert "query=actor-profile" in urlsplit(page.url).fragment
    page.go_back()
    page.wait_for_function("document.getElementById('query-status').textContent"
                           " === 'who-threatened-whom: 2 rows.'")
    assert page.input_value("#param-actor") == "Trump"
    # the address opened afresh, written another way (parameters in another order, one
    # at its default): the same form, the same rows, and the address rewritten in place
    # (a pushed entry would bring the back button here again and again)
    context = browser.new_context()
    try:
        entries = []
        for opened in (address, f"{served.url}/#actor=Trump&per_article=no"
                                "&query=who-threatened-whom"):
            fresh = context.new_page()
            fresh.set_default_timeout(WAIT)
            fresh.goto(opened)
            fresh.wait_for_selector("body[data-ready=yes]")
            assert fresh.input_value("#query-select") == "who-threatened-whom"
            assert fresh.input_value("#param-actor") == "Trump"
            assert fresh.locator("#query-results tbody tr").count() == 2
            assert urlsplit(fresh.url).fragment == urlsplit(address).fragment
            entries.append(fresh.evaluate("history.length"))
        assert entries[0] == entries[1]  # rewritten in place, no entry added
    finally:
        context.close()


def test_a_wrong_parameter_shows_the_servers_message(page: Any) -> None:
    choose_query(page, "event-table")
    page.fill("#param-from", "2026-01-09")
    page.fill("#param-to", "2026-01-01")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#query-error:not(:empty)")
    assert "from" in page.inner_text("#query-error")


def test_an_actor_in_the_results_opens_its_profile_and_its_graph(page: Any,
                                                                   artifacts: Path) -> None:
    choose_query(page, "who-threatened-whom")
    page.get_by_role("button", name="Run query").click()
    page.locator("#query-results button.actor", has_text="Gustavo Petro").first.click()
    page.wait_for_function("document.getElementById('query-status').textContent"
                           ".startsWith('actor-profile')")
    assert page.input_value("#param-actor") == "Gustavo Petro"
    assert "President" in page.inner_text("#query-results")
    page.wait_for_function("document.getElementById('graph-note').textContent"
                           ".includes('the actions of Gustavo Petro')")
    labels = page.locator("#graph .node text").all_text_contents()
    assert "Donald Trump" in labels and "Gustavo Petro" in labels
    colours = set(page.eval_on_selector_all(
        "#graph .edge path.line", "els => els.map(e => getComputedStyle(e).stroke)"))
    assert len(colours) >= 3  # cooperation and conflict, verbal and material
    page.locator("#graph-view").scroll_into_view_if_needed()
    x, y = edge_point(page, 0)
    page.mouse.click(x, y)
    page.wait_for_selector("#edge-detail blockquote.evidence")
    page.locator("#graph-view").screenshot(path=str(artifacts / "actor-profile-graph.png"))


def test_the_sparql_editor_runs_a_query_and_shows_a_400(page: Any, artifacts: Path) -> None:
    page.get_by_role("button", name="Run SPARQL").click()
    page.wait_for_selector("#sparql-results tbody tr")
    assert "Gustavo Petro" in page.inner_text("#sparql-results")
    page.locator("#sparql-graph").click()
    page.wait_for_selector("#graph .edge")
    assert "the SPARQL results" in page.inner_text("#graph-note")
    page.screenshot(path=str(artifacts / "sparql.png"))
    page.fill("#sparql-text", "SELECT WHERE {")
    page.get_by_role("button", name="Run SPARQL").click()
    page.wait_for_selector("#sparql-error:not(:empty)")
    assert page.inner_text("#sparql-error").startswith("400: the query is not valid SPARQL")


def edge_point(page: Any, index: int) -> tuple[float, float]:
    """Where on the screen the middle of edge ``index``'s line is."""
    point = page.evaluate("""(i) => {
        const line = document.querySelectorAll('#graph .edge path.line')[i];
        const p = line.getPointAtLength(line.getTotalLength() / 2);
        const m = line.getScreenCTM();
        return [p.x * m.a + p.y * m.c + m.e, p.x * m.b + p.y * m.d + m.f];
    }""", index)
    return point[0], point[1]


def test_the_graph_draws_threats_and_an_edge_shows_its_evidence(page: Any,
                                                                 artifacts: Path) -> None:
    choose_query(page, "who-threatened-whom")
    page.get_by_role("button", name="Draw as graph").first.click()
    page.wait_for_selector("#graph .edge")
    assert page.locator("#graph .node circle").count() == 5
    assert page.locator("#graph .edge").count() == 4
    strokes = page.eval_on_selector_all(
        "#graph .edge path.line", "els => els.map(e => getComputedStyle(e).stroke)")
    assert len(set(strokes)) == 1  # all threats: verbal conflict (CAMEO 13)
    page.locator("#graph-view").scroll_into_view_if_needed()
    x, y = edge_point(page, 0)
    page.mouse.click(x, y)
    page.wait_for_selector("#edge-detail blockquote.evidence")
    detail = page.inner_text("#edge-detail")
    assert "Gustavo Petro → Government of the United States" in detail
    assert "stop sharing intelligence" in detail and "verbal conflict" in detail
    page.locator("#graph-view").screenshot(path=str(artifacts / "graph.png"))
    # the keyboard too: Tab order reaches the edges, Enter opens one
    page.locator("#graph .edge").nth(3).focus()
    page.keyboard.press("Enter")
    assert "Donald Trump →" in page.inner_text("#edge-detail h3")


def test_the_time_filter_hides_edges_outside_it(page: Any) -> None:
    choose_query(page, "who-threatened-whom")
    page.get_by_role("button", name="Draw as graph").first.click()
    page.wait_for_selector("#graph .edge")
    page.fill("#time-from", "2026-01-01")
    assert page.locator("#graph .edge:visible").count() == 3  # November's ultimatum is out
    page.fill("#time-to", "2026-01-02")
    assert page.locator("#graph .edge:visible").count() == 1
    assert page.inner_text("#graph-note") == "1 of 4 actions shown."
    page.get_by_role("button", name="All dates").click()
    assert page.locator("#graph .edge:visible").count() == 4


def test_running_actions_by_draws_its_actor_under_its_own_name(page: Any) -> None:
    choose_query(page, "actions-by", actor="Trump")
    page.get_by_role("button", name="Run query").click()  # rows with targets: drawn
    page.wait_for_selector("#graph .edge")
    labels = page.locator("#graph .node text").all_text_contents()
    assert "Donald Trump" in labels and "Trump" not in labels
    assert page.inner_text("#graph-note").endswith("actions-by Donald Trump.")


def test_rows_without_agents_and_targets_say_so(page: Any) -> None:
    page.fill("#sparql-text", "PREFIX kg: <https://w3id.org/kgload/ontology#> "
                              "SELECT ?name WHERE { ?a a kg:Person ; kg:name ?name }")
    page.get_by_role("button", name="Run SPARQL").click()
    page.wait_for_selector("#sparql-results tbody tr")
    page.locator("#sparql-graph").click()
    assert "no agent and target columns" in page.inner_text("#graph-note")
    assert page.locator("#graph .node").count() == 0


def test_the_page_asked_only_the_server(served: Served, requests_made: list[str]) -> None:
    assert requests_made, "the other tests made no request"
    hosts = {urlsplit(url).hostname for url in requests_made if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, hosts
