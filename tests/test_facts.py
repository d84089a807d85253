"""Tests for kgload.facts: reading a facts file, bytes in, plain data and positions out.

Every rejection is asserted by its exact rule, line and column (1-based) and the key words
of its message. Cases a user would recognise are files in tests/fixtures/bad/, each
starting with a comment that says what is wrong; generated cases (huge, binary, deeply
nested) are written to tmp_path by the helpers below.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from kgload import facts as facts_module
from kgload.errors import Finding, InputRejected
from kgload.facts import MAX_DEPTH, MAX_FILE_BYTES, FactsFile, parse_bytes, parse_text, read_file

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
BAD = FIXTURES / "bad"
GOOD = FIXTURES / "good"
EXAMPLE = ROOT / "examples" / "colombia-eln.yaml"

Expected = tuple[str, int | None, int | None, list[str]]  # rule, line, column, key words


# --- helpers ---------------------------------------------------------------------------------


def rejection(raw: bytes | str, *, as_json: bool = False, name: str = "t.yaml") -> Finding:
    """The one finding that parsing ``raw`` is rejected with."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    with pytest.raises(InputRejected) as caught:
        parse_bytes(data, name=name, as_json=as_json)
    assert len(caught.value.findings) == 1, caught.value.findings
    return caught.value.findings[0]


def file_rejection(path: Path) -> Finding:
    with pytest.raises(InputRejected) as caught:
        read_file(path)
    assert len(caught.value.findings) == 1, caught.value.findings
    return caught.value.findings[0]


def assert_finding(
    finding: Finding, rule: str, line: int | None, column: int | None, *words: str
) -> None:
    assert (finding.rule, finding.line, finding.column) == (rule, line, column), finding
    for word in words:
        assert word in finding.message, (word, finding.message)
    assert finding.fact is None  # parsing knows no facts yet
    assert finding.severity == "error"


def parse(text: str, *, as_json: bool = False) -> FactsFile:
    return parse_bytes(text.encode("utf-8"), name="t.json" if as_json else "t.yaml",
                       as_json=as_json)


def value_of(scalar: str) -> Any:
    """How a facts file reads the YAML scalar ``scalar`` written as a mapping value."""
    return parse(f"value: {scalar}\n").data["value"]


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def sparse_file(tmp_path: Path, name: str, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (a hole of zeros)."""
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


# --- the negative corpus: tests/fixtures/bad/ -------------------------------------------------

# Files rejected while parsing (the rest of the corpus is rejected by the checks: test_check.py).
PARSE_CASES: dict[str, Expected] = {
    "duplicate-key.yaml": ("duplicate-key", 11, 5, ['"type"', "twice"]),
    "duplicate-key.json": ("duplicate-key", 10, 7, ['"evidence"', "twice"]),
    "anchor-alias.yaml": ("yaml-anchor", 10, 13, ["&leaders", "not allowed"]),
    "billion-laughs.yaml": ("yaml-anchor", 2, 7, ["&a0", "not allowed"]),
    "recursive-alias.yaml": ("yaml-anchor", 7, 13, ["&self", "not allowed"]),
    "python-tag.yaml": ("yaml-tag", 5, 10, ["!!python/object/apply:os.system", "plain data"]),
    "multi-document.yaml": ("multi-document", 6, 1, ["one YAML document"]),
    # the list opened on line 10 is found unclosed at the next key's ":"
    "yaml-syntax.yaml": ("yaml-syntax", 11, 13, ["not valid YAML", "did not find expected"]),
    # the trailing comma: JSON expects another value where the "]" is
    "json-syntax.json": ("json-syntax", 6, 3, ["not valid JSON", "Expecting value"]),
    "json-nan.json": ("json-syntax", 6, 26, ["NaN", "not a number JSON allows"]),
    "utf16-le.yaml": ("encoding", None, None, ["UTF-16", "save it as UTF-8"]),
    "utf16-be.yaml": ("encoding", None, None, ["UTF-16", "save it as UTF-8"]),
    # the "á" of "Bogotá" on line 5 is the Latin-1 byte 0xE1
    "latin1.yaml": ("encoding", 5, 16, ["not valid UTF-8", "0xe1", "save it as UTF-8"]),
    "empty.yaml": ("empty-file", None, None, ["empty"]),
    "comment-only.yaml": ("empty-file", None, None, ["only comments"]),
}


@pytest.mark.parametrize("name", sorted(PARSE_CASES))
def test_bad_fixture_is_rejected_while_parsing(name: str) -> None:
    rule, line, column, words = PARSE_CASES[name]
    finding = file_rejection(BAD / name)
    assert finding.file == str(BAD / name)
    assert_finding(finding, rule, line, column, *words)


def test_every_parse_rejection_in_the_corpus_is_listed() -> None:
    rejected = set()
    for path in BAD.iterdir():
        try:
            read_file(path)
        except InputRejected:
            rejected.add(path.name)
    assert rejected == set(PARSE_CASES)


def _decoded(raw: bytes) -> str:
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return raw[len(bom) :].decode(codec)
    return raw.decode("utf-8", errors="replace")


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.name)
def test_every_bad_yaml_fixture_says_what_is_wrong(path: Path) -> None:
    raw = path.read_bytes()
    if not raw:  # empty.yaml: nothing at all, not even a comment
        return
    first = _decoded(raw).splitlines()[0]
    assert first.startswith("# ") and len(first) > 20, first


def test_the_duplicate_key_fixture_fools_a_yaml_1_1_loader() -> None:
    # why duplicate keys must be refused: PyYAML silently keeps the last value
    loaded = yaml.safe_load((BAD / "duplicate-key.yaml").read_text(encoding="utf-8"))
    assert loaded["actions"][0]["type"] == "Threaten"


# --- YAML 1.2 core schema ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        # YAML 1.1 booleans are strings in YAML 1.2 (the "Norway problem")
        ("NO", "NO"),
        ("No", "No"),
        ("no", "no"),
        ("yes", "yes"),
        ("Yes", "Yes"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        # sexagesimal numbers and timestamps are YAML 1.1 only
        ("1:20", "1:20"),
        ("2026-01-08", "2026-01-08"),
        ("2026-01-08 10:30:00", "2026-01-08 10:30:00"),
        # integers: decimal, 0o octal, 0x hexadecimal; a leading 0 is still decimal
        ("0o17", 15),
        ("0x1F", 31),
        ("0x1f", 31),
        ("017", 17),
        ("+12", 12),
        ("-3", -3),
        ("0b11", "0b11"),
        ("1_000", "1_000"),
        # floats
        ("1e3", 1000.0),
        ("1.5", 1.5),
        ("-.5", -0.5),
        ("1.", 1.0),
        (".inf", math.inf),
        (".Inf", math.inf),
        ("-.inf", -math.inf),
        ("+.INF", math.inf),
        # booleans and nulls of the core schema
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        # quoted: always a string (tags, !!str included, are refused: test_tags_are_refused)
        ("'NO'", "NO"),
        ('"0o17"', "0o17"),
    ],
)
def test_yaml_1_2_core_schema(scalar: str, expected: Any) -> None:
    value = value_of(scalar)
    assert type(value) is type(expected), (scalar, value)
    assert value == expected


def test_yaml_nan_is_a_float_nan() -> None:
    value = value_of(".nan")
    assert isinstance(value, float) and math.isnan(value)


def test_unquoted_dates_and_yaml_1_1_booleans_load_as_written() -> None:
    text = (GOOD / "yaml12-scalars.yaml").read_text(encoding="utf-8")
    assert "published: 2026-01-08\n" in text  # unquoted on purpose
    data = read_file(GOOD / "yaml12-scalars.yaml").data
    assert data["article"]["published"] == "2026-01-08"
    assert data["article"]["title"] == "Norway answers NO at 1:20"
    assert data["entities"][0]["aliases"] == ["NO", "Noreg"]
    assert data["entities"][0]["descriptors"] == ["on", "yes"]
    action = data["actions"][0]
    assert (action["quote"], action["summary"], action["time"]) == ("NO", "1:20", "2026-01-07")


def test_mapping_keys_are_strings() -> None:
    assert parse("1: a\ntrue: b\n~: c\n").data == {"1": "a", "true": "b", "null": "c"}


def test_a_key_that_is_a_collection_is_refused() -> None:
    assert_finding(rejection("? [a, b]\n: value\n"), "yaml-key", 1, 3, "plain value")


# --- duplicate keys ----------------------------------------------------------------------------


def test_duplicate_key_in_a_nested_yaml_mapping() -> None:
    text = "article:\n  id: a\n  title: t\n  id: b\n"
    assert_finding(rejection(text), "duplicate-key", 4, 3, '"id"', "twice")


def test_duplicate_key_in_a_yaml_flow_mapping() -> None:
    assert_finding(rejection("x: {ref: a, ref: b}\n"), "duplicate-key", 1, 13, '"ref"')


def test_keys_that_read_alike_are_duplicates() -> None:
    # 1 and "1" are both the key "1" once read
    assert_finding(rejection('1: a\n"1": b\n'), "duplicate-key", 2, 1, '"1"')


def test_duplicate_key_in_json_is_located() -> None:
    text = '{"a": {"b": 1,\n       "b": 2}}'
    assert_finding(rejection(text, as_json=True), "duplicate-key", 2, 8, '"b"', "twice")


def test_duplicate_key_in_json_that_yaml_cannot_read() -> None:
    # "\ud83d\ude00" (a surrogate pair escape) is valid JSON but not YAML: the json module
    # finds the duplicate instead, without a position (but with the right rule)
    text = '{"emoji": "\\ud83d\\ude00", "b": {"c": 1, "c": 2}}'
    assert_finding(rejection(text, as_json=True), "duplicate-key", None, None, '"c"', "twice")


def test_a_key_with_control_characters_is_shown_escaped() -> None:
    finding = rejection('"a\\eb": 1\n"a\\eb": 2\n')
    assert finding.rule == "duplicate-key"
    assert "\x1b" not in finding.message and '"a\\u001bb"' in finding.message


# --- anchors, aliases, tags, documents -------------------------------------------------------


def test_anchor_on_a_scalar_is_refused() -> None:
    assert_finding(rejection("a: &x 1\nb: *x\n"), "yaml-anchor", 1, 4, "&x")


def test_anchor_on_the_root_is_refused() -> None:
    assert_finding(rejection("&root {a: 1}\n"), "yaml-anchor", 1, 1, "&root")


def test_alias_without_anchor_is_refused() -> None:
    finding = rejection("a: *nowhere\n")
    assert_finding(finding, "yaml-alias", 1, 4, "*nowhere", "write the value out")


def test_alias_bomb_is_refused_at_once() -> None:
    levels = ['lol0: &a0 "lol"'] + [
        f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)
    ]
    # 10^29 strings if expanded: refused at the first anchor, nothing is built
    assert_finding(rejection("\n".join(levels) + "\n"), "yaml-anchor", 1, 7, "&a0")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('!!python/object/apply:os.system ["ls"]', "!!python/object/apply:os.system"),
        ("!!python/object/apply:subprocess.check_output\n  args: [[id]]",
         "!!python/object/apply:subprocess.check_output"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!timestamp 2026-01-08", "!!timestamp"),
        ("!!set {a}", "!!set"),
        ("!custom x", "!custom"),
        ("!<tag:example.com,2000:thing> 1", "tag:example.com,2000:thing"),
        # the core schema's own tags too: the README says tags are rejected, all of them
        ("!!str 0x1F", "!!str"),
        ("!!float 1", "!!float"),
        ('!!int "12"', "!!int"),
        ("!!bool yes", "!!bool"),
        ("!!null ''", "!!null"),
        ("!!map {}", "!!map"),
        ("!!seq []", "!!seq"),
        ("! 12", "!"),  # the non-specific tag
        ("!<tag:yaml.org,2002:str> x", "!!str"),
    ],
)
def test_tags_are_refused(value: str, shown: str) -> None:
    assert_finding(rejection(f"a: {value}\n"), "yaml-tag", 1, 4, shown, "plain data only")


def test_second_document_is_refused() -> None:
    assert_finding(rejection("a: 1\n---\nb: 2\n"), "multi-document", 2, 1, "one YAML document")


def test_empty_second_document_is_refused() -> None:
    assert_finding(rejection("a: 1\n---\n"), "multi-document", 2, 1)


def test_document_markers_around_one_document_are_fine() -> None:
    assert parse("---\na: 1\n...\n").data == {"a": 1}


# --- deep nesting ------------------------------------------------------------------------------


def test_10000_levels_of_yaml_flow_nesting() -> None:
    # libyaml's own limit (1000 levels) stops it: a clean rejection, no RecursionError
    finding = rejection("[" * 10_000 + "]" * 10_000)
    assert_finding(finding, "too-deep", 1, 1001, "nested too deeply")


def test_10000_levels_of_json_nesting() -> None:
    finding = rejection("[" * 10_000 + "]" * 10_000, as_json=True, name="t.json")
    assert_finding(finding, "too-deep", 1, 1001, "nested too deeply")


def test_10000_levels_of_yaml_block_nesting() -> None:
    # "- - - ... x": the 65th sequence starts at column 129
    finding = rejection("- " * 10_000 + "x\n")
    assert_finding(finding, "too-deep", 1, 2 * MAX_DEPTH + 1, f"more than {MAX_DEPTH} levels")


def test_deep_indented_mappings_are_located() -> None:
    text = "k:\n" + "".join("  " * i + "k:\n" for i in range(1, 100))
    # the 65th mapping starts on line 65, indented 64 times
    assert_finding(rejection(text), "too-deep", 65, 129, f"more than {MAX_DEPTH} levels")


def test_nesting_up_to_the_limit_loads() -> None:
    data = parse("[" * MAX_DEPTH + "]" * MAX_DEPTH).data
    for _ in range(MAX_DEPTH - 1):
        data = data[0]
    assert data == []
    assert_finding(rejection("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)),
                   "too-deep", 1, MAX_DEPTH + 1)


def test_deep_json_that_yaml_cannot_read_is_still_refused() -> None:
    emoji = '"\\ud83d\\ude00", '  # not readable as YAML: the json module reads the file
    deep = "[" + emoji + "[" * 100 + "]" * 100 + "]"
    assert_finding(rejection(deep, as_json=True), "too-deep", None, None, "nested")
    deeper = "[" + emoji + "[" * 10_000 + "]" * 10_000 + "]"
    assert_finding(rejection(deeper, as_json=True), "too-deep", None, None, "nested too deeply")


# --- malformed YAML and JSON -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a:\n\tb: 1\n", 2, 1, ["cannot start any token"]),  # a tab used to indent
        ('a: "unclosed\nb: 1\n', 3, 1, ["end of stream"]),
        ("a: b: c\n", 1, 5, ["mapping values are not allowed"]),
        ("a:\n  - x\n - y\n", 3, 2, ["did not find expected key"]),
    ],
)
def test_malformed_yaml_is_located(text: str, line: int, column: int, words: list[str]) -> None:
    assert_finding(rejection(text), "yaml-syntax", line, column, "not valid YAML", *words)


def test_a_control_character_is_located_in_characters() -> None:
    # libyaml counts bytes; the "á" before the bell is one character
    finding = rejection('a: 1\nb: "Bogotá\x07"\n')
    assert_finding(finding, "yaml-syntax", 2, 11, "U+0007", "control character")


def test_a_nul_byte_after_the_first_4_kib_is_located() -> None:
    finding = rejection(b"a: 1\n" + b"#" * 5000 + b"\x00\n")
    assert_finding(finding, "yaml-syntax", 2, 5001, "U+0000")


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3, ["Expecting ',' delimiter"]),
        ("{'a': 1}", 1, 2, ["double quotes"]),
        ('{"a": 1 // a comment\n}', 1, 9, ["Expecting ',' delimiter"]),
        ('{"a": 1}\n{"b": 2}', 2, 1, ["Extra data"]),
        ('{"a": "tab\there"}', 1, 11, ["control character"]),
    ],
)
def test_malformed_json_is_located(text: str, line: int, column: int, words: list[str]) -> None:
    finding = rejection(text, as_json=True, name="t.json")
    assert_finding(finding, "json-syntax", line, column, "not valid JSON", *words)


@pytest.mark.parametrize(
    ("text", "column", "token"),
    [
        ('{"a": NaN}', 7, "NaN"),
        ('{"a": Infinity}', 7, "Infinity"),
        ('{"title": "NaN or -Infinity", "x": [1, -Infinity]}', 40, "-Infinity"),
    ],
)
def test_json_nan_and_infinity_are_refused(text: str, column: int, token: str) -> None:
    finding = rejection(text, as_json=True, name="t.json")
    assert_finding(finding, "json-syntax", 1, column, f"{token} is not a number JSON allows")


def test_json_reads_like_the_yaml_it_is() -> None:
    data = parse('{"a": [1, 2.5, true, null, "x", "\\u00e9"]}', as_json=True).data
    assert data == {"a": [1, 2.5, True, None, "x", "é"]}


def test_json_that_yaml_cannot_read_still_loads() -> None:
    assert parse('{"a": "\\ud83d\\ude00"}', as_json=True).data == {"a": "😀"}


# --- encodings and file kinds -----------------------------------------------------------------


def test_utf8_with_bom_loads_and_columns_ignore_the_bom() -> None:
    raw = codecs.BOM_UTF8 + "name: Bogotá\nb: 1\n".encode()
    parsed = parse_bytes(raw, name="t.yaml")
    assert parsed.data == {"name": "Bogotá", "b": 1}
    assert parsed.positions[("name",)] == (1, 1)
    assert parsed.sha256 == hashlib.sha256(raw).hexdigest()  # of the bytes as stored


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_named(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    finding = rejection(bom + "a: 1\n".encode(codec))
    assert_finding(finding, "encoding", None, None, "UTF-16", "save it as UTF-8")


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_with_bom_is_named(codec: str) -> None:
    bom = codecs.BOM_UTF32_LE if codec.endswith("le") else codecs.BOM_UTF32_BE
    finding = rejection(bom + "a: 1\n".encode(codec))
    assert_finding(finding, "encoding", None, None, "UTF-32", "save it as UTF-8")


def test_utf16_without_bom_looks_binary() -> None:
    # without a BOM the encoding cannot be told: ASCII text in UTF-16 is full of NUL bytes
    finding = rejection("a: 1\n".encode("utf-16-le"))
    assert_finding(finding, "binary", None, None, "NUL bytes")


def test_invalid_utf8_column_counts_characters() -> None:
    finding = rejection(b'a: 1\nname: "Bogot\xc3\xa1 \xff"\n')
    # 'name: "Bogotá ' is 14 characters (15 bytes): the bad byte is the 15th character
    assert_finding(finding, "encoding", 2, 15, "not valid UTF-8", "0xff")


def test_utf8_cut_in_the_middle_of_a_character() -> None:
    assert_finding(rejection(b"a: caf\xc3"), "encoding", 1, 7, "0xc3")


@pytest.mark.parametrize(
    "raw",
    [b"\x00\x01\x02\x03junk", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"a: 1\n\x00"],
    ids=["junk", "png", "nul-at-end"],
)
def test_binary_junk(tmp_path: Path, raw: bytes) -> None:
    path = write(tmp_path, "junk.yaml", raw)
    assert_finding(file_rejection(path), "binary", None, None, "binary", "NUL bytes")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", ["the file is empty"]),
        (b"  \n\t\r\n   ", ["the file is empty"]),
        (codecs.BOM_UTF8, ["the file is empty"]),
        (codecs.BOM_UTF8 + b"\n\n", ["the file is empty"]),
        (b"# nothing yet\n\n# still nothing\n", ["only comments"]),
    ],
    ids=["empty", "whitespace", "bom-only", "bom-and-blank-lines", "comments"],
)
def test_empty_files(tmp_path: Path, raw: bytes, words: list[str]) -> None:
    path = write(tmp_path, "empty.yaml", raw)
    assert_finding(file_rejection(path), "empty-file", None, None, *words)


def test_empty_json_file(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.json", " \n")
    assert_finding(file_rejection(path), "empty-file", None, None, "empty")


def test_a_directory_given_as_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "article.yaml"
    folder.mkdir()
    finding = file_rejection(folder)
    assert finding.file == str(folder)
    assert_finding(finding, "not-a-file", None, None, "folder")


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert_finding(file_rejection(fifo), "not-a-file", None, None, "not a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    # /dev/zero would never end: it must not be read at all
    assert_finding(file_rejection(Path(device)), "not-a-file", None, None, "not a regular file")


def test_a_missing_file(tmp_path: Path) -> None:
    finding = file_rejection(tmp_path / "missing.yaml")
    assert_finding(finding, "unreadable", None, None, "cannot read the file", "No such file")


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = sparse_file(tmp_path, "huge.yaml", MAX_FILE_BYTES + 1)
    finding = file_rejection(path)
    assert_finding(finding, "file-too-large", None, None,
                   f"the file is {MAX_FILE_BYTES + 1:,} bytes", "limit of 10 MB (10,000,000 bytes)",
                   "--max-file-size")


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    # read, then refused for what it holds (zeros), not for its size
    path = sparse_file(tmp_path, "big.yaml", MAX_FILE_BYTES)
    assert_finding(file_rejection(path), "binary", None, None)


def test_the_size_limit_is_read_at_call_time(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(facts_module, "MAX_FILE_BYTES", 10)
    path = write(tmp_path, "small.yaml", "a: 12345678\n")  # 12 bytes
    assert file_rejection(path).rule == "file-too-large"


def test_json_is_chosen_by_the_suffix(tmp_path: Path) -> None:
    # the same text: NaN is a plain string in YAML, and refused by the JSON reader
    assert read_file(write(tmp_path, "a.yaml", '{"a": NaN}')).data == {"a": "NaN"}
    assert file_rejection(write(tmp_path, "a.JSON", '{"a": NaN}')).rule == "json-syntax"


# --- positions and fact ids --------------------------------------------------------------------


def test_positions_of_keys_and_items() -> None:
    parsed = parse("a: 1\nb:\n  - x\n  - {c: 2}\n")
    assert parsed.positions == {
        (): (1, 1),
        ("a",): (1, 1),
        ("b",): (2, 1),
        ("b", 0): (3, 5),
        ("b", 1): (4, 5),
        ("b", 1, "c"): (4, 6),
    }


def test_position_falls_back_to_the_nearest_located_ancestor() -> None:
    parsed = parse("a:\n  b: 1\n")
    assert parsed.position(("a", "b", "missing", 3)) == (2, 3)
    assert parsed.position(("nothing",)) == (1, 1)


def test_positions_in_json() -> None:
    parsed = read_file(GOOD / "twin.json")
    lines = (GOOD / "twin.json").read_text(encoding="utf-8").splitlines()
    line, column = parsed.positions[("actions", 1, "medium")]
    assert lines[line - 1][column - 1 :].startswith('"medium": "x-platform"')


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_positions_and_fact_ids_in_the_gold_example() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    parsed = read_file(EXAMPLE)
    ids = [action["id"] for action in parsed.data["actions"]]
    i = ids.index("petro-trump-phone-call")
    assert parsed.positions[("actions", i)] == (_line_of(text, "- id: petro-trump-phone-call"), 5)
    assert parsed.positions[("actions", i, "time")][1] == 5
    assert parsed.fact_id(("actions", i, "agents", 1, "ref")) == "petro-trump-phone-call"
    assert parsed.fact_id(("entities", 0, "roles", 0, "time")) == parsed.data["entities"][0]["id"]
    assert parsed.fact_id(("article", "published")) == "afp-2026-01-08-colombia-eln"
    assert parsed.fact_id(("format_version",)) is None
    assert parsed.fact_id(("actions", len(ids))) is None
    assert parsed.fact_id(()) is None


def test_fact_id_of_an_invalid_id_is_not_invented() -> None:
    parsed = parse("actions:\n  - id: [not, text]\n  - nothing\n")
    assert parsed.fact_id(("actions", 0, "type")) is None
    assert parsed.fact_id(("actions", 1)) is None


def test_parse_text_reads_yaml_with_the_same_rules() -> None:
    assert parse_text("name: NO\n", name="q").data == {"name": "NO"}
    with pytest.raises(InputRejected) as caught:
        parse_text("a: &x 1\n", name="q")
    assert caught.value.findings[0].rule == "yaml-anchor"


# --- the good corpus reads the same as YAML and JSON -------------------------------------------


def test_json_twin_holds_the_same_data_as_the_yaml() -> None:
    assert read_file(GOOD / "twin.json").data == read_file(GOOD / "twin.yaml").data


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("arabic-names.yaml", "\u200fالرئيس السيسي"),  # with its right-to-left mark
        ("hebrew-names.yaml", "מְדִינַת יִשְׂרָאֵל"),
        ("chinese-names.yaml", "\U00020000"),  # outside the Basic Multilingual Plane
    ],
)
def test_non_latin_names_are_read_unchanged(name: str, needle: str) -> None:
    aliases = [a for e in read_file(GOOD / name).data["entities"] for a in e.get("aliases", [])]
    assert needle in aliases
