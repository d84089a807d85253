"""A page pushed down into a query's driver is exactly that slice of the whole result.

Stored queries that list many rows mark the sub-SELECT choosing their rows with
``# kgload:page`` (see :func:`kgload.queries.paged`): with ``--limit``, only the rows of
the page are read. For every such query, on a store of generated articles and the
example, with its default parameters (a required entity: the busiest one; a required
code: its first example's) and with a date window where it takes one, each page must
equal the same slice of the full result.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

from kgload.pipeline import load  # noqa: E402
from kgload.queries import bind, paged, parse_query_file, run  # noqa: E402
from kgload.store import Store  # noqa: E402
from kgload.vocab import KG_IRI  # noqa: E402

QUERY_DIR = ROOT / "queries"
PAGED = sorted(p.stem for p in QUERY_DIR.glob("*.rq") if "# kgload:page" in p.read_text())
JOINED = ("; ", " | ")  # separators of GROUP_CONCAT columns, whose order is the store's


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("paging")
    generate.generate(folder / "corpus", 40, seed=11)
    path = folder / "store"
    with Store(path, write=True) as store:
        report = load(store, [folder / "corpus" / "articles", EXAMPLE])
    assert report.count("loaded") == 41, [o.findings for o in report.rejected][:1]
    return path


_ROLE = {"actor": "agent", "target": "target"}  # a required parameter: the role it names


def _busiest(store: Store, role: str) -> str:
    """The IRI of the entity with the most actions in ``role`` (kg:agent, kg:target)."""
    rows = run(store, f"""PREFIX kg: <{KG_IRI}>
        SELECT ?e (COUNT(DISTINCT ?fact) AS ?n) WHERE {{ ?fact kg:{role} ?e }}
        GROUP BY ?e ORDER BY DESC(?n) STR(?e) LIMIT 1""").rows
    return str(rows[0][0])


def _busiest_pair(store: Store) -> tuple[str, str]:
    """The IRIs of the two entities with the most actions between them, either way."""
    rows = run(store, f"""PREFIX kg: <{KG_IRI}>
        SELECT ?a ?t (COUNT(DISTINCT ?fact) AS ?n) WHERE {{
          {{ ?fact kg:agent ?a ; kg:target ?t }} UNION {{ ?fact kg:agent ?t ; kg:target ?a }}
          FILTER(STR(?a) < STR(?t)) }}
        GROUP BY ?a ?t ORDER BY DESC(?n) STR(?a) STR(?t) LIMIT 1""").rows
    return str(rows[0][0]), str(rows[0][1])


def _cells(row: list[object]) -> tuple[str, ...]:
    out = []
    for cell in row:
        text = "" if cell is None else str(cell)
        for sep in JOINED:
            if sep in text:
                text = sep.join(sorted(text.split(sep)))
        out.append(text)
    return tuple(out)


def test_the_listing_queries_have_a_page_driver() -> None:
    assert {"timeline", "hostile-actions", "use-of-force", "cooperation"} <= set(PAGED)


@pytest.mark.parametrize("name", PAGED)
@pytest.mark.parametrize("window", [None, ("2024-01-01", "2024-06-30")], ids=["all", "window"])
def test_every_page_is_the_slice_of_the_whole(corpus_store: Path, name: str,
                                              window: tuple[str, str] | None) -> None:
    query = parse_query_file(QUERY_DIR / f"{name}.rq")
    values: dict[str, str] = {}
    if window is not None:
        if query.param("from") is None:
            pytest.skip(f"{name} takes no date window")
        values = {"from": window[0], "to": window[1]}
    with Store(corpus_store, write=False) as store:
        for param in query.params:
            if query.param("other") is not None and param.name in ("actor", "other"):
                # two sides: the pair with the most actions between them
                values[param.name] = _busiest_pair(store)[param.name == "other"]
            elif param.required and param.name in _ROLE:  # the entity most in that role
                values[param.name] = _busiest(store, _ROLE[param.name])
            elif param.required:  # a code: the one the query's first example gives
                values[param.name] = next(e.params[param.name] for e in query.examples
                                          if param.name in e.params)
        sparql = bind(query, values, store)
        whole = [_cells(r) for r in run(store, sparql).rows]
        assert len(whole) >= 10, f"{name}: too few rows ({len(whole)}) to test pages"
        for limit, offset in ((1, 0), (5, 0), (5, 5), (7, 3), (10, len(whole) - 4),
                              (10, len(whole) + 5)):
            # the page is pushed into the driver, not only cut from the whole result
            assert f"LIMIT {offset + limit}" in paged(sparql, limit, offset), name
            page = [_cells(r) for r in run(store, sparql, limit=limit, offset=offset).rows]
            assert page == whole[offset:offset + limit], (name, limit, offset)


# the bundled queries read in slices, and a fixture that keeps the slice reader tested
# when none is
SLICED = {p.stem: p for folder in (QUERY_DIR, ROOT / "tests" / "fixtures" / "sliced")
          for p in sorted(folder.glob("*.rq")) if "# kgload:page slices" in p.read_text()}


def test_the_slice_fixture_is_read_in_slices() -> None:
    assert "event-table-sliced" in SLICED


@pytest.mark.parametrize("name", sorted(SLICED))
@pytest.mark.parametrize("window", [None, ("2024-01-01", "2024-06-30")], ids=["all", "window"])
@pytest.mark.parametrize("size", [1, 3, 250])
def test_a_whole_result_read_in_slices_is_the_whole(corpus_store: Path, name: str,
                                                    window: tuple[str, str] | None,
                                                    size: int) -> None:
    """Slices of 1, 3 or 250 driver rows, one after the other, give the plain result."""
    query = parse_query_file(SLICED[name])
    values = {} if window is None else {"from": window[0], "to": window[1]}
    with Store(corpus_store, write=False) as store:
        sparql = bind(query, values, store)
        plain = sparql.replace("# kgload:page slices", "")  # no driver: evaluated at once
        whole = [_cells(r) for r in run(store, plain).rows]
        assert len(whole) > 12, f"{name}: too few rows ({len(whole)}) to test slices"
        sliced = [_cells(r) for r in run(store, sparql, slice_rows=size).rows]
        assert sliced == whole, (name, size)
