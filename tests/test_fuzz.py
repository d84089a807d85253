"""Fuzzing the doors kgload opens to the outside: facts-file bytes and query parameters.

* hypothesis at volume (no reasoning): arbitrary bytes, YAML built from YAML's own
  tokens (anchors, aliases, tags, directives, BOMs, flow and block nesting, duplicate
  keys, 1.1-style scalars), and valid facts files with such tokens spliced in, through
  ``parse_bytes`` and ``check_facts``: success or :class:`InputRejected`, nothing else.
* every stored query parameter (the bundled queries plus tests/fuzz/queries/, one
  parameter of every type) bound to arbitrary text: a :class:`UsageError`, or a query that
  pyoxigraph parses whose only difference from the stored text is one ``VALUES`` block
  binding one term.
* the atheris harnesses (tests/fuzz/fuzz_facts.py, fuzz_bind.py) for a few thousand runs
  each when atheris is installed, and every saved crash input (tests/fuzz/findings/)
  replayed as a regression test.

The harness functions are the single statement of the contract; the tests here import
them. Longer campaigns: tests/fuzz/README.md. ``KGLOAD_FUZZ_SCALE`` multiplies the
hypothesis budgets.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from conftest import invoke
from kgload.errors import InputRejected
from kgload.facts import parse_bytes
from kgload.store import Store

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "tests" / "fuzz"
FINDINGS = FUZZ / "findings"
SCALE = float(os.environ.get("KGLOAD_FUZZ_SCALE", "1"))


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, FUZZ / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fuzz_facts = _module("fuzz_facts")
fuzz_bind = _module("fuzz_bind")


def budget(examples: int) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# ------------------------------------------------------------------ facts files


@budget(1000)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_are_parsed_or_rejected(data: bytes) -> None:
    fuzz_facts.check_one(data, as_json=False)
    fuzz_facts.check_one(data, as_json=True)


SCALARS = [
    "x", "colombia", "bogota", "Threaten", "Person", "1", "-0", "0x1F", "0o17", "0b101",
    "1_000", "1e3", "1e400", ".inf", "-.Inf", ".nan", "NaN", "Infinity", "NO", "yes", "on",
    "~", "null", "Null", "true", "False", "2026-01-08", "2026-02-30", "1:20", "12:30:45",
    "'single ''quoted'''", '"double \\"quoted\\""', '"\\u0041\\x42\\N\\_\\L\\P"',
    '"\\0\\a\\e"', '"\\U0001F600"', '"tab\\there"', "'multi\n  line'", "|\n  literal\n",
    ">-\n  folded\n  text\n", "|+\n\n", "'#not a comment'", "\"{braces}\"", "a b c",
    "\u202eevil", "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "\ufeff",
    "\x85", "\u2028", "<<", "=", "!", "&", "*", "%", "@reserved", "`reserved",
]
KEYS = ["format_version", "article", "entities", "actions", "id", "type", "name", "title",
        "published", "agents", "targets", "evidence", "time", "text", "after", "before",
        "ref", "certain", "between", "length", "value", "unit", "roles", "role", "of",
        "about", "parts", "condition", "if", "unless", "status", "<<", "? complex", "1", "~",
        "null", "true", "", "dup"]
TAGS = ["!!python/object/apply:os.system", "!!python/object/new:os.system",
        "!!python/name:os.system", "!!python/module:os", "!!binary", "!!str", "!!int",
        "!!float", "!!bool", "!!null", "!!map", "!!seq", "!!set", "!!omap", "!!timestamp",
        "!!merge", "!custom", "!", "!e!tag", "!<tag:yaml.org,2002:python/object/apply:os.system>",
        "!<tag:yaml.org,2002:str>", "!<!>", "!!python/tuple"]
TOKENS = [*SCALARS, *(k + ":" for k in KEYS), *TAGS, "&a", "&b", "*a", "*b", "<<: *a", "? ",
          ": ", "- ", "-", "{", "}", "[", "]", ",", "#", " # comment", "---", "...",
          "%YAML 1.1", "%YAML 1.2", "%YAML 2.0", "%TAG !e! tag:example.com,2000:",
          "%TAG ! tag:yaml.org,2002:python/", "\ufeff", "\t", "\r\n", "\r", "\x00", "\x07",
          "\x1b[31m", "\ud7ff", "\ue000", "\U0010ffff"]
SEPARATORS = [" ", "\n", "\n  ", "\n    ", "\n- ", ": ", ", "]


@st.composite
def token_soup(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)),
                          max_size=60))
    return "".join(token + sep for token, sep in parts)


def _scalar_node(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(SCALARS)).replace("\n", " ")


@st.composite
def yaml_node(draw: st.DrawFn, depth: int = 0, indent: int = 0) -> str:
    """A YAML node in flow or block style, maybe with a tag, an anchor or an alias."""
    prefix = ""
    if draw(st.integers(0, 6)) == 0:
        prefix += draw(st.sampled_from(TAGS)) + " "
    if draw(st.integers(0, 8)) == 0:
        prefix += "&" + draw(st.sampled_from(["a", "b", "x0"])) + " "
    if draw(st.integers(0, 10)) == 0:
        return "*" + draw(st.sampled_from(["a", "b", "x0", "undefined"]))
    kind = draw(st.sampled_from(["scalar", "scalar", "flow-map", "flow-seq", "block-map",
                                 "block-seq"] if depth < 6 else ["scalar"]))
    if kind == "scalar":
        return prefix + _scalar_node(draw)
    n = draw(st.integers(0, 4))
    if kind == "flow-map":
        items = [f"{draw(st.sampled_from(KEYS))}: {draw(yaml_node(depth + 1, indent))}"
                 for _ in range(n)]
        return prefix + "{" + ", ".join(items) + "}"
    if kind == "flow-seq":
        return prefix + "[" + ", ".join(draw(yaml_node(depth + 1, indent)) for _ in range(n)) \
            + "]"
    pad = " " * (indent + 2)
    lines = []
    for _ in range(max(n, 1)):
        child = draw(yaml_node(depth + 1, indent + 2))
        if kind == "block-map":
            lines.append(f"{pad}{draw(st.sampled_from(KEYS))}: {child}")
        else:
            lines.append(f"{pad}- {child}")
    return prefix + "\n" + "\n".join(lines)


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["", "\ufeff", "%YAML 1.2\n---\n", "%YAML 1.1\n---\n", "--- ",
                                 "# comment\n"]))
    body = draw(yaml_node())
    tail = draw(st.sampled_from(["", "\n", "\n...\n", "\n---\nsecond: doc\n", "\n# end"]))
    return head + body + tail


def _encodings(text: str, how: str) -> bytes:
    if how == "utf-8":
        return text.encode("utf-8", "surrogatepass")
    if how == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    return text.encode("latin-1", "replace")


ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-bom", "utf-16", "latin-1"])


@budget(800)
@given(token_soup(), ENCODINGS)
def test_yaml_token_soup_is_parsed_or_rejected(text: str, how: str) -> None:
    data = _encodings(text, how)
    note(repr(data))
    fuzz_facts.check_one(data, as_json=False)
    fuzz_facts.check_one(data, as_json=True)


@budget(500)
@given(yaml_documents(), ENCODINGS)
def test_structured_yaml_is_parsed_or_rejected(text: str, how: str) -> None:
    data = _encodings(text, how)
    note(text)
    fuzz_facts.check_one(data, as_json=False)


def _example_lines() -> list[str]:
    return (ROOT / "tests" / "fuzz" / "corpus" / "facts" / "valid-full.yaml").read_text(
        encoding="utf-8").splitlines(keepends=True)


@budget(500)
@given(st.data())
def test_valid_files_with_tokens_spliced_in_are_loaded_or_rejected(data: st.DataObject
                                                                   ) -> None:
    """Near-valid files reach check_facts: the checks must hold on every shape of data."""
    lines = _example_lines()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        column = data.draw(st.integers(0, len(line)))
        token = data.draw(st.one_of(st.sampled_from(TOKENS), yaml_node(2), st.text(max_size=8)))
        replace = data.draw(st.integers(0, 6))
        lines[at] = line[:column] + token + line[column + replace:]
    text = "".join(lines)
    note(text)
    assert fuzz_facts.check_one(text.encode("utf-8", "surrogatepass"), as_json=False) in (
        "ok", "rejected", "known")


def test_python_tags_never_construct_objects(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system"):
        raw = (f'format_version: 1\narticle: {{id: t, title: {tag} ["touch {marker}"], '
               f'published: "2026-01-08"}}\nactions: []\n').encode()
        with pytest.raises(InputRejected) as caught:
            parse_bytes(raw, name="tag.yaml")
        assert caught.value.findings[0].rule == "yaml-tag"
    assert not marker.exists()


# ------------------------------------------------------------------ query parameters

SPECIALS = ["'", '"', '"""', "'''", "\\", "\\u0022", "{", "}", "#", "\n", "\r", "\t", " ",
            "} UNION { ?s ?p ?o }", "> . } #", "<", ">", "<>", "<http://example.org/a>",
            "<http://example.org/a> } UNION {", "http://example.org/a b", "urn:x", "mailto:",
            "?s", "$s", "^^<http://www.w3.org/2001/XMLSchema#integer>", "@en", "VALUES",
            ")", "(", ".", ";", "\x00", "\u2028", "\ufeff", "Trump", "colombia", "bogota",
            "2026-01-08", "2026-02-30", "20260108", "138", "13", "1121", "-1", "+7", "007",
            "\u0661\u0663", "calm", "tense } UNION {", "it's", "https://example.org/kgload/e",
            "://", "\\x3E", "%3E"]
PARAM_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(SPECIALS),
    st.lists(st.one_of(st.sampled_from(SPECIALS), st.text(max_size=5)), max_size=8).map(
        "".join),
)


def test_the_fuzzed_queries_cover_every_parameter_type() -> None:
    from kgload.queries import PARAM_TYPES

    pairs = fuzz_bind.params()
    assert {p.type for _, p in pairs} == set(PARAM_TYPES)
    assert any(p.values for _, p in pairs) and any(p.cls for _, p in pairs)
    assert len({q.name for q, _ in pairs}) >= 10  # the bundled queries are in


@budget(1500)
@given(st.sampled_from(fuzz_bind.params()), PARAM_VALUES)
def test_query_parameters_bind_as_one_term_or_are_refused(pair: tuple[Any, Any],
                                                          value: str) -> None:
    query, param = pair
    note(f"{query.name} {param.name} ({param.type}) = {value!r}")
    fuzz_bind.check_bind(query, param, value)


def test_query_parameters_resolved_in_a_store_bind_as_one_term(example_store: Path) -> None:
    """Names and aliases are looked up in the store with the value itself as a term."""
    pairs = [(q, p) for q, p in fuzz_bind.params()
             if p.type in ("actor", "entity") or p.cls]

    with Store(example_store, write=False) as store:
        @budget(300)
        @given(st.sampled_from(pairs),
               st.one_of(PARAM_VALUES, st.sampled_from(["Trump", "ELN", "Petro", "bogota",
                                                        "trump", " Trump "])))
        def bind_in_store(pair: tuple[Any, Any], value: str) -> None:
            query, param = pair
            note(f"{query.name} {param.name} = {value!r}")
            fuzz_bind.check_bind(query, param, value, store=store)

        bind_in_store()


# ------------------------------------------------------------------ fixed bugs (regressions)

HUGE_INT = "1" * 5000


def test_huge_integer_in_a_facts_file_is_rejected() -> None:
    assert fuzz_facts.check_one(f"format_version: {HUGE_INT}\n".encode(), as_json=False,
                                strict=True) == "rejected"
    assert fuzz_facts.check_one(f'{{"format_version": {HUGE_INT}}}'.encode(), as_json=True,
                                strict=True) == "rejected"


def test_huge_hex_integer_in_a_facts_file_is_rejected() -> None:
    raw = ("format_version: 0x" + "f" * 5000 + "\n").encode()
    assert fuzz_facts.check_one(raw, as_json=False, strict=True) == "rejected"


SURROGATE_JSON = (b'{"format_version": 1, "article": {"id": "surrogate", "title": "t", '
                  b'"published": "2026-01-08"}, "actions": [{"id": "a1", "type": "Threaten", '
                  b'"agents": ["colombia"], "evidence": "x \\udc80 y"}]}')


def test_lone_surrogate_escape_in_json_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "surrogate.json"
    path.write_bytes(SURROGATE_JSON)
    result = invoke("load", path, store=tmp_path / "store")
    assert result.exit_code == 1, result.output
    # rejected for the escape itself (line 1, column 180 is the backslash of \udc80), by the
    # rule that names it, and nothing else
    assert result.output.splitlines()[:3] == [
        f"rejected {path}:",
        f"  {path}:1:180: a \\u escape that is half of a surrogate pair (not a character); "
        "write the character itself (invalid-unicode)",
        "0 loaded, 0 unchanged, 1 rejected."], result.output


def test_a_parameter_with_invalid_utf8_is_a_usage_error(example_store: Path) -> None:
    result = invoke("query", "actions-by", "-p", "actor", "Trump\udcff", store=example_store)
    assert result.exit_code == 2, result.output


def test_a_huge_integer_parameter_is_a_usage_error(example_store: Path) -> None:
    result = invoke("--queries", FUZZ / "queries", "query", "typed-params", "-p", "n",
                    HUGE_INT, store=example_store)
    assert result.exit_code == 2, result.output


def test_an_integer_parameter_with_a_separator_character_binds_the_number(
        example_store: Path) -> None:
    """U+001D is whitespace to ``str.strip``: it is trimmed like a space, and 3 is bound.

    (The saved input findings/bind/int-strip once bound a value that was not 3.)
    """
    from kgload.queries import bind, get_query

    result = invoke("--queries", FUZZ / "queries", "query", "typed-params", "-p", "n",
                    "\x1d3", store=example_store)
    assert result.exit_code == 0, result.output
    query, _ = get_query("typed-params", [FUZZ / "queries"])
    assert bind(query, {"n": "\x1d3"}) == bind(query, {"n": "3"})
    assert '"3"^^<http://www.w3.org/2001/XMLSchema#integer>' in bind(query, {"n": "\x1d3"})


# ------------------------------------------------------------------ saved findings

# crash inputs of bugs not fixed yet: name -> reason (each is also a test above)
OPEN_FINDINGS: dict[str, str] = {}  # none open: each saved input is a regression test


def _findings(kind: str) -> list[Any]:
    folder = FINDINGS / kind
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return [pytest.param(p, id=p.name, marks=[pytest.mark.xfail(
        strict=True, reason=f"open bug: {OPEN_FINDINGS[p.name]}")] if p.name in OPEN_FINDINGS
        else []) for p in files]


@pytest.mark.parametrize("path", _findings("facts"))
def test_saved_facts_findings_stay_fixed(path: Path) -> None:
    fuzz_facts.test_one_input(path.read_bytes(), strict=True)


@pytest.mark.parametrize("path", _findings("bind"))
def test_saved_bind_findings_stay_fixed(path: Path) -> None:
    fuzz_bind.test_one_input(path.read_bytes(), strict=True)


def test_saved_bind_inputs_name_their_parameter() -> None:
    """Saved inputs keep their meaning when queries are added (QUERY:PARAM first line)."""
    named = {f"{q.name}:{p.name}" for q, p in fuzz_bind.params()}
    for folder in (FINDINGS / "bind", FUZZ / "corpus" / "bind"):
        for path in folder.iterdir():
            head = path.read_bytes().partition(b"\n")[0].decode("utf-8", "replace")
            assert head in named or path.name == "unnamed", (path, head)


def test_every_open_finding_is_saved() -> None:
    saved = {p.name for p in FINDINGS.rglob("*") if p.is_file()}
    assert set(OPEN_FINDINGS) <= saved


# ------------------------------------------------------------------ atheris


def _atheris_missing() -> str | None:
    if importlib.util.find_spec("atheris") is None:
        return "atheris is not installed (pip install atheris): the harnesses were not run"
    return None


@pytest.mark.parametrize("harness,corpus,runs", [
    ("fuzz_facts", "facts", 3000),
    ("fuzz_bind", "bind", 3000),
])
def test_atheris_harness_runs_clean(harness: str, corpus: str, runs: int,
                                    tmp_path: Path) -> None:
    reason = _atheris_missing()
    if reason:
        pytest.skip(reason)
    work = tmp_path / "corpus"  # new inputs go here, never into the seed corpus
    work.mkdir()
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    cmd = [sys.executable, str(FUZZ / f"{harness}.py"), f"-runs={int(runs * SCALE)}",
           "-seed=1", "-max_len=4096", f"-artifact_prefix={artifacts}/", "-timeout=20",
           "-rss_limit_mb=2048", str(work), str(FUZZ / "corpus" / corpus)]
    if harness == "fuzz_facts":
        cmd.insert(2, f"-dict={FUZZ / 'facts.dict'}")
    env = {k: v for k, v in os.environ.items() if k != "KGLOAD_FUZZ_STRICT"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env,
                          cwd=tmp_path, check=False)
    crashes = sorted(artifacts.iterdir())
    if done.returncode != 0 or crashes:
        # the inputs stay in pytest's tmp_path: the suite never writes into the checkout
        listed = "\n".join(f"  {crash}" for crash in crashes) or "  (no input saved)"
        pytest.fail(f"{harness} found a crash; its inputs:\n{listed}\nCopy them to "
                    f"{FINDINGS / corpus}/ to make them regression tests, then fix the bug."
                    f"\n{done.stderr[-4000:]}")
    assert "Done" in done.stderr, done.stderr[-2000:]
