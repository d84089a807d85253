"""What the tests against remote triple stores share (`test_push.py`: Oxigraph server;
`test_virtuoso.py`, opt-in: Virtuoso): a free port, SELECT over HTTP GET, the cases of
the stored queries and rows compared as multisets."""

from __future__ import annotations

import json
import socket
import urllib.parse
import urllib.request
from collections import Counter
from typing import Any

from kgload.queries import load_queries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def select(url: str, sparql: str, *, timeout: float, **params: str) -> list[dict[str, Any]]:
    """The bindings of a SELECT sent as GET (never a direct POST: Virtuoso 7 never
    answers one), each cell its value."""
    request = urllib.request.Request(
        url + "?" + urllib.parse.urlencode({"query": sparql, **params}),
        headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        data = json.load(answer)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def query_cases() -> list[tuple[str, dict[str, str]]]:
    """Every stored query with its default parameters, and with each example's."""
    found, _ = load_queries()
    cases = []
    for name, stored in sorted(found.items()):
        cases.append((name, {}))
        cases += [(name, dict(example.params)) for example in stored.examples
                  if example.params]
    return cases


def parts(value: Any) -> Any:
    """A cell joined by GROUP_CONCAT as the sorted list of its parts (their order is the
    store's); any other cell as it is."""
    if not isinstance(value, str):
        return value
    for separator in ("; ", " | ", ", "):
        if separator in value:
            return sorted(value.split(separator))
    return value


def rows(stdout: str, ignore: frozenset[str] = frozenset(),
         empty_is_unbound: bool = False) -> Counter[str]:
    """The rows of `kgload query --format json` as a multiset, cells through ``parts``,
    the ``ignore`` columns left out."""
    counted: Counter[str] = Counter()
    for row in json.loads(stdout):
        cells = {k: parts(None if empty_is_unbound and v == "" else v)
                 for k, v in row.items() if k not in ignore}
        counted[json.dumps(cells, sort_keys=True)] += 1
    return counted
