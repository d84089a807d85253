"""atheris harness: any text as the value of a stored query's parameter (``queries.bind``).

The contract: binding either raises :class:`kgload.errors.UsageError`, or gives a query
that pyoxigraph parses, whose text outside the ``VALUES`` block is the stored query's text
unchanged, and whose ``VALUES`` block binds the parameter to exactly one RDF term (the
value cannot add patterns, comments or rows).

    python tests/fuzz/fuzz_bind.py tests/fuzz/corpus/bind -max_total_time=600 \\
        -artifact_prefix=tests/fuzz/findings/

Queries are the bundled ones plus tests/fuzz/queries/ (one parameter of every type).
``check_bind`` is imported by tests/test_fuzz.py; atheris is imported only when run.
An input is ``QUERY:PARAM``, a newline and the value as UTF-8 (see ``decode``). Bytes that
are not UTF-8 become lone surrogates, as in Python's argv, with
KGLOAD_FUZZ_SURROGATES=1 (tests/test_fuzz.py:
test_a_parameter_with_invalid_utf8_is_a_usage_error covers them too).
"""

from __future__ import annotations

import os
import re
import sys
import zlib
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXTRA_QUERIES = HERE / "queries"
# Bugs already reported, each with an xfail regression test in tests/test_fuzz.py; bounded
# runs in CI tolerate them while they stand (KGLOAD_FUZZ_STRICT=1 does not).
KNOWN_BUGS: dict[str, str] = {}  # none open (the ones found are fixed)
STRICT = os.environ.get("KGLOAD_FUZZ_STRICT") == "1"
SURROGATES = os.environ.get("KGLOAD_FUZZ_SURROGATES") == "1"
XSD = "http://www.w3.org/2001/XMLSchema#"

_VALUES = re.compile(r" VALUES \((?P<names>\?\w+(?: \?\w+)*)\) \{ \((?P<terms>.*)\) \}\n")


class ContractBroken(AssertionError):
    """The harness found an input that breaks the contract."""


@cache
def queries() -> list[Any]:
    from kgload.queries import load_queries

    found, _ = load_queries([EXTRA_QUERIES])
    return [found[name] for name in sorted(found) if found[name].params]


def params() -> list[tuple[Any, Any]]:
    return [(q, p) for q in queries() for p in q.params]


def _values_block(bound: str, original: str) -> tuple[str, str]:
    """The outer VALUES block inserted in ``bound``, checking the rest is ``original``.

    Sub-SELECTs that name parameters get their own block, with the same terms for
    those: they are taken out too, and checked against the outer one.
    """
    import pyoxigraph as ox

    def without(matches: list[Any]) -> str:
        text, at = [], 0
        for m in matches:
            text.append(bound[at:m.start()])
            at = m.end()
        return "".join(text) + bound[at:]

    found = list(_VALUES.finditer(bound))
    # a VALUES block the stored query itself holds is not ours: try leaving each out
    for keep in range(len(found) + 1):
        matches = [m for i, m in enumerate(found) if i != keep]
        if matches and without(matches) == original:
            break
    else:
        raise ContractBroken("the bound query is not the stored query plus VALUES blocks:\n"
                             + bound)
    outer = matches[0]
    empty = ox.Store()

    def terms(m: Any) -> dict[str, Any]:
        [row] = list(empty.query("SELECT * WHERE {" + bound[m.start():m.end()] + "}"))
        return {name[1:]: row[name[1:]] for name in m["names"].split()}

    main = terms(outer)
    for m in matches[1:]:
        inner = terms(m)
        if any(main.get(name) != term for name, term in inner.items()):
            raise ContractBroken(f"a sub-SELECT's VALUES block differs from the outer one:\n"
                                 f"{bound}")
    return outer["names"], bound[outer.start():outer.end()]


def check_bind(query: Any, param: Any, value: str, *, store: Any = None,
               strict: bool = STRICT) -> str:
    """Bind ``value``; returns "bound", "usage" or "known"; raises if the contract breaks.

    With ``store`` (a kgload Store), names and aliases are resolved in it.
    """
    import pyoxigraph as ox

    from kgload.errors import UsageError
    from kgload.queries import bind

    values = {p.name: p.default for p in query.params if p.required and p.default is None}
    for other in values:  # required parameters other than the fuzzed one: a plain value
        values[other] = {"date": "2026-01-08", "integer": "1", "cameo": "13"}.get(
            query.param(other).type, "colombia")
    values[param.name] = value
    try:
        bound = bind(query, values, store)
    except UsageError as exc:
        if not exc.message:
            raise ContractBroken("UsageError without a message") from exc
        return "usage"
    except Exception as exc:  # noqa: BLE001
        if not strict and any(sign in str(exc) for sign in KNOWN_BUGS.values()):
            return "known"
        raise ContractBroken(f"{type(exc).__name__}: {exc} (value {value!r})") from exc
    names, block = _values_block(bound, query.sparql)
    empty = ox.Store()
    try:
        answer = empty.query(bound, use_default_graph_as_union=True)
        if not isinstance(answer, ox.QueryBoolean):
            list(answer)
        rows = list(empty.query("SELECT * WHERE {" + block + "}"))
    except SyntaxError as exc:
        raise ContractBroken(f"pyoxigraph cannot parse the bound query ({exc}):\n{bound}") \
            from exc
    expected = names.split()
    if len(rows) != 1 or any(rows[0][n[1:]] is None for n in expected):
        raise ContractBroken(f"the VALUES block does not bind one row of {names}: {block}")
    term = rows[0][param.name]
    _check_term(param, value, term)
    return "bound"


def _check_term(param: Any, value: str, term: Any) -> None:
    import pyoxigraph as ox

    kind = param.type
    ok = True
    if kind == "string":
        ok = isinstance(term, ox.Literal) and term.value == value
    elif kind == "integer":
        ok = (isinstance(term, ox.Literal) and term.datatype.value == XSD + "integer"
              and int(term.value) == int(value.strip()))
    elif kind == "date":
        ok = isinstance(term, ox.Literal) and term.datatype.value == XSD + "date"
    elif kind == "cameo":
        ok = isinstance(term, ox.Literal) and term.value == value.strip()
    else:  # iri, entity, actor: one IRI
        ok = isinstance(term, ox.NamedNode)
    if not ok:
        raise ContractBroken(f"{param.name} ({kind}) = {value!r} was bound to {term}")


def decode(data: bytes) -> tuple[Any, Any, str]:
    """An input is ``QUERY:PARAM``, a newline, then the value (UTF-8).

    Naming the parameter keeps saved inputs meaning the same when queries are added; a
    first line that names none picks one from its bytes, so every parameter is fuzzed.
    """
    head, _, rest = data.partition(b"\n")
    pairs = params()
    named = {f"{q.name}:{p.name}": (q, p) for q, p in pairs}
    key = head.decode("utf-8", "replace").strip()
    query, param = named.get(key) or pairs[zlib.crc32(head) % len(pairs)]
    value = rest.decode("utf-8", "surrogateescape" if SURROGATES else "replace")
    return query, param, value


def test_one_input(data: bytes, strict: bool = STRICT) -> None:
    query, param, value = decode(data)
    check_bind(query, param, value, strict=strict)


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["kgload"]):
        import kgload.queries  # noqa: F401
    params()  # read the query files once, before the timed runs
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1] / "loader"))
    main()
