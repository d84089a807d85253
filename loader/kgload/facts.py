"""Reading facts files: bytes in, a plain document and a position index out.

YAML is read with YAML 1.2 core-schema semantics from libyaml's event stream (so ``NO``
stays the string "NO", ``1:20`` stays "1:20" and ``2026-01-08`` stays a string), and the
events are turned into plain dicts, lists and scalars by a loop with an explicit stack:
every explicit tag is refused (``!!str`` as much as ``!!python/object``: no Python
object is ever constructed from a tag), anchors and aliases are refused (alias "bombs"
and recursive aliases cannot get in), duplicate keys are refused, and deep nesting cannot
exhaust the interpreter's recursion limit. JSON is read by the json
module (duplicate keys and NaN refused) and located with the same event reader.

Positions are kept per path: ``("actions", 3, "agents", 0) -> (line, column)``, 1-based.

How much one article may hold is a :class:`Limits` (file size here; the number of
actions and the depth of ``about`` are checked in :mod:`kgload.check`); ``kgload load``
and ``kgload validate`` raise each limit with an option.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from .errors import Finding, InputRejected

try:  # libyaml: fast, and stops cleanly on deep nesting
    _Loader: type = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.BaseLoader

Path_ = tuple[str | int, ...]
Position = tuple[int, int]

MAX_FILE_BYTES = 10_000_000  # 10 MB (load/validate --max-file-size)
MAX_ACTIONS = 5_000  # actions per article (--max-actions)
MAX_ABOUT_DEPTH = 50  # actions about actions about ... (--max-about-depth)
# The format needs about 6 levels; refusing far deeper data early keeps every later stage
# (JSON Schema messages use repr(), which recurses) clear of the recursion limit.
MAX_DEPTH = 64

# YAML 1.2 core schema, for plain (unquoted) scalars; always matched with fullmatch (a
# "$" would also match before a final newline).
_NULL = re.compile(r"~|null|Null|NULL|")
_TRUE = re.compile(r"true|True|TRUE")
_FALSE = re.compile(r"false|False|FALSE")
_INT10 = re.compile(r"[-+]?[0-9]+")
_INT8 = re.compile(r"0o[0-7]+")
_INT16 = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")


def _default_file_bytes() -> int:
    return MAX_FILE_BYTES  # read at call time, so that tests can lower it


@dataclass(frozen=True)
class Limits:
    """How much one article may hold; ``kgload load`` and ``validate`` raise each one.

    ``file_bytes``: the size of a facts file (of one line, in JSON Lines);
    ``actions``: the actions of one article; ``about_depth``: how deep actions may nest
    as the content of other actions (``about``). Time and memory grow linearly up to them.
    """

    file_bytes: int = field(default_factory=_default_file_bytes)
    actions: int = MAX_ACTIONS
    about_depth: int = MAX_ABOUT_DEPTH

    # the option of ``kgload load`` and ``kgload validate`` that raises each limit
    OPTIONS: ClassVar[dict[str, str]] = {"file_bytes": "--max-file-size",
                                         "actions": "--max-actions",
                                         "about_depth": "--max-about-depth"}


_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgG]i?[bB]?|[bB])?\s*")
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6,
          "mib": 2**20, "g": 10**9, "gb": 10**9, "gib": 2**30}


def parse_size(text: str) -> int:
    """A size in bytes from ``10MB``, ``512 KiB``, ``2.5GB`` or ``1000000``; ValueError if not.

    >>> parse_size("10MB"), parse_size("1 MiB")
    (10000000, 1048576)
    """
    match = _SIZE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a size (examples: 10MB, 512KB, 2GiB, 1000000)")
    number, unit = match.groups()
    size = int(float(number) * _UNITS[(unit or "").lower()])
    if size < 1:
        raise ValueError(f"{text!r} is not a size of at least one byte")
    return size


def shown_size(size: int) -> str:
    """A byte count as people write it: ``10 MB (10,000,000 bytes)``."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{size / factor:.4g} {unit} ({size:,} bytes)"
    return f"{size:,} bytes"


@dataclass
class FactsFile:
    """A parsed facts file: its data, where each value was written, and its hash."""

    path: str
    data: Any
    positions: dict[Path_, Position] = field(default_factory=dict)
    sha256: str = ""
    line: int | None = None  # the line of a JSON Lines file this article is on
    # the limits it is checked against (travels with it to ``load --jobs`` workers)
    limits: Limits = field(default_factory=Limits)
    text: str = field(default="", repr=False, compare=False)  # the document as read
    as_json: bool = False  # the text is JSON (else YAML)

    @property
    def source(self) -> str:
        """Where the article comes from: the file, or ``file:line`` for JSON Lines."""
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def fact_id(self, path: Path_) -> str | None:
        """The id of the fact (action, entity or article) that ``path`` lies in."""
        data = self.data
        if not isinstance(data, dict) or not path:
            return None
        if len(path) >= 2 and path[0] in ("actions", "entities") and isinstance(path[1], int):
            items = data.get(path[0])
            if (isinstance(items, list) and path[1] < len(items)
                    and isinstance(items[path[1]], dict)):
                value = items[path[1]].get("id")
                return value if isinstance(value, str) else None
            return None
        if path[0] == "article" and isinstance(data.get("article"), dict):
            value = data["article"].get("id")
            return value if isinstance(value, str) else None
        return None

    def position(self, path: Path_) -> Position | None:
        """The position of ``path``, or of its nearest located ancestor."""
        for cut in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:cut]))
            if found:
                return found
        return None


def read_documents(path: str | Path,
                   limits: Limits | None = None) -> Iterator[FactsFile | InputRejected]:
    """Every article of a facts file: the file itself, or each line of a JSON Lines file.

    A rejection is yielded, not raised, so that one bad line does not stop the others.
    """
    limits = limits or Limits()
    if str(path).lower().endswith(".jsonl"):
        yield from _read_jsonl(Path(path), limits)
        return
    try:
        yield read_file(path, limits)
    except InputRejected as exc:
        yield exc


def _too_large(size: int, limits: Limits, what: str) -> str:
    return (f"{what} is {size:,} bytes, over the limit of {shown_size(limits.file_bytes)} "
            f"for one article: raise it with {Limits.OPTIONS['file_bytes']}, or split the "
            "file (a JSON Lines file holds one article per line)")


def _read_jsonl(path: Path, limits: Limits) -> Iterator[FactsFile | InputRejected]:
    name = str(path)
    try:
        _regular_file(path, name)
        handle = path.open("rb")
    except InputRejected as exc:
        yield exc
        return
    except OSError as exc:
        yield _reject(name, f"cannot read the file: {exc.strerror or exc}", "unreadable")
        return
    with handle:
        found = False
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            found = True
            # without its line break: an error at the end of the line is on this line,
            # not at column 1 of the next one
            raw = raw.rstrip(b"\r\n")
            if len(raw) > limits.file_bytes:
                yield InputRejected([Finding(name, _too_large(len(raw), limits, "the line"),
                                             "file-too-large", number, 1)])
                continue
            try:
                facts = parse_bytes(raw, name=name, as_json=True)
            except InputRejected as exc:
                yield InputRejected([_shifted(f, number) for f in exc.findings])
                continue
            facts.positions = {k: (line + number - 1, column)
                               for k, (line, column) in facts.positions.items()}
            facts.line = number
            facts.limits = limits
            yield facts
        if not found:
            yield _reject(name, "the file is empty", "empty-file")


def _shifted(finding: Finding, number: int) -> Finding:
    line = (finding.line or 1) + number - 1
    return Finding(finding.file, finding.message, finding.rule, line,
                   finding.column, finding.fact, finding.severity)


def _regular_file(path: Path, name: str) -> int:
    """The file's size; anything but a regular file is refused without being opened."""
    try:
        info = path.stat()
    except OSError as exc:
        raise _reject(name, f"cannot read the file: {exc.strerror or exc}", "unreadable") \
            from exc
    if stat.S_ISDIR(info.st_mode):
        raise _reject(name, "this is a folder, not a facts file", "not-a-file")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or /dev/zero would block or never end
        raise _reject(name, "this is not a regular file (a device, pipe or socket)",
                      "not-a-file")
    return info.st_size


def read_file(path: str | Path, limits: Limits | None = None) -> FactsFile:
    """Read and parse one facts file (``.yaml``, ``.yml`` or ``.json``)."""
    limits = limits or Limits()
    name = str(path)
    size = _regular_file(Path(path), name)
    if size > limits.file_bytes:
        raise _reject(name, _too_large(size, limits, "the file"), "file-too-large")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise _reject(name, f"cannot read the file: {exc.strerror or exc}", "unreadable") from exc
    facts = parse_bytes(raw, name=name, as_json=name.lower().endswith(".json"))
    facts.limits = limits
    return facts


def parse_bytes(raw: bytes, *, name: str, as_json: bool = False) -> FactsFile:
    """Parse facts from bytes; raises :class:`InputRejected` with located findings."""
    text = _decode(raw, name)
    if not text.strip():
        raise _reject(name, "the file is empty", "empty-file")
    digest = hashlib.sha256(raw).hexdigest()
    if as_json:
        try:  # JSON is YAML flow syntax: the event reader gives positions
            _, positions = _load_yaml_events(_json_lines_only(text), name)
        except InputRejected as exc:
            if exc.findings[0].rule in ("duplicate-key", "too-deep", "number-too-long"):
                raise
            positions = {}  # the json module reports the syntax error below
        data = _load_json(text, name)
        return FactsFile(name, data, positions, digest, text=text, as_json=True)
    data, positions = _load_yaml_events(text, name)
    if not positions:  # not a single node: the file holds only comments
        raise _reject(name, "the file holds no data (only comments)", "empty-file")
    return FactsFile(name, data, positions, digest, text=text)


# Line breaks for YAML but not for JSON (which counts only "\n"): NEL, LINE SEPARATOR and
# PARAGRAPH SEPARATOR may stand in JSON strings, and a lone CR is JSON whitespace.
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]|\r(?!\n)")


def _json_lines_only(text: str) -> str:
    """JSON text whose lines the YAML event reader counts as JSON does (same columns)."""
    return _YAML_ONLY_BREAKS.sub(" ", text)


def parse_text(text: str, *, name: str) -> FactsFile:
    """Parse YAML (or JSON) text already in memory, e.g. a query file's header."""
    data, positions = _load_yaml_events(text, name)
    return FactsFile(name, data, positions, hashlib.sha256(text.encode()).hexdigest())


def _reject(name: str, message: str, rule: str, mark: Any = None) -> InputRejected:
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return InputRejected([Finding(name, message, rule, line, column)])


_BOMS = [
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
]


def _decode(raw: bytes, name: str) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise _reject(
                name,
                f"the file is encoded as {encoding}; save it as UTF-8",
                "encoding",
            )
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if b"\x00" in raw[:4096]:
        raise _reject(name, "the file is binary (it contains NUL bytes), not YAML or JSON",
                      "binary")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8")) + 1  # characters, not bytes
        raise InputRejected(
            [
                Finding(
                    name,
                    f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                    "encoding",
                    line,
                    column,
                )
            ]
        ) from None


class _DuplicateKey(ValueError):
    pass


# a JSON string, or one of the non-standard constants Python's json module accepts
_JSON_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(?P<constant>-?Infinity|NaN)')


def _load_json(text: str, name: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise _DuplicateKey(f"the key {_quoted(key)} appears twice in the same object")
            result[key] = value
        return result

    def no_constants(token: str) -> Any:
        raise ValueError(f"{token} is not a number JSON allows")

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise InputRejected(
            [Finding(name, f"not valid JSON: {exc.msg}", "json-syntax", exc.lineno, exc.colno)]
        ) from None
    except RecursionError:
        raise _reject(name, "the JSON is nested too deeply", "too-deep") from None
    except _DuplicateKey as exc:
        raise _reject(name, str(exc), "duplicate-key") from None
    except ValueError as exc:
        line = column = None
        for match in _JSON_CONSTANT.finditer(text):
            if match["constant"]:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                break
        raise InputRejected(
            [Finding(name, f"not valid JSON: {exc}", "json-syntax", line, column)]
        ) from None
    if _depth(data) > MAX_DEPTH:  # when the event reader could not read it (it stops first)
        raise _reject(name, f"the data is nested more than {MAX_DEPTH} levels deep", "too-deep")
    _no_lone_surrogates(data, name, text)
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_lone_surrogates(data: Any, name: str, text: str) -> None:
    """JSON escapes such as \\udc80 decode to text no UTF-8 output can hold: refuse them."""
    todo = [data]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            escape = re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", text)
            line = column = None
            if escape:
                line = text.count("\n", 0, escape.start()) + 1
                column = escape.start() - (text.rfind("\n", 0, escape.start()) + 1) + 1
            raise InputRejected([Finding(
                name, "a \\u escape that is half of a surrogate pair (not a character); "
                "write the character itself", "invalid-unicode", line, column)])


def _depth(data: Any) -> int:
    deepest, todo = 0, [(data, 0)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level + 1)
            items = value.values() if isinstance(value, dict) else value
            todo.extend((item, level + 1) for item in items)
    return deepest


def _quoted(key: str) -> str:
    """A key as JSON text: quoted, control characters escaped (no terminal escapes)."""
    return json.dumps(key, ensure_ascii=False)


def _shown_tag(tag: str) -> str:
    """A tag as it is usually written: !!python/object rather than tag:yaml.org,2002:..."""
    return _quoted(tag.replace("tag:yaml.org,2002:", "!!", 1))[1:-1]


class _TooLong:
    pass


_TOO_LONG: Any = _TooLong()
MAX_NUMBER_CHARS = 100  # far beyond any count or date; Python's int() refuses > 4300 digits


def _plain_scalar(value: str) -> Any:
    if len(value) > MAX_NUMBER_CHARS and (_INT10.fullmatch(value) or _INT8.fullmatch(value)
                                          or _INT16.fullmatch(value) or _FLOAT.fullmatch(value)):
        return _TOO_LONG
    if _NULL.fullmatch(value):
        return None
    if _TRUE.fullmatch(value):
        return True
    if _FALSE.fullmatch(value):
        return False
    if _INT10.fullmatch(value):
        return int(value)
    if _INT8.fullmatch(value):
        return int(value[2:], 8)
    if _INT16.fullmatch(value):
        return int(value[2:], 16)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _INF.fullmatch(value):
        return -math.inf if value.startswith("-") else math.inf
    if _NAN.fullmatch(value):
        return math.nan
    return value


def _tag_refused(tag: str, name: str, mark: Any) -> InputRejected:
    """Every explicit tag, core ones too (``!!str``, ``!!float``, ``!``): plain data only."""
    return _reject(name, f"the YAML tag {_shown_tag(tag)} is not allowed: facts files hold "
                   "plain data only (leave the tag out; quote a value to make it a text)",
                   "yaml-tag", mark)


def _scalar(event: yaml.ScalarEvent, name: str) -> Any:
    if event.tag is not None:
        raise _tag_refused(event.tag, name, event.start_mark)
    if event.implicit[0]:  # plain (unquoted): typed by the core schema
        value = _plain_scalar(event.value)
        if value is _TOO_LONG:
            raise _reject(name, f"a number of {len(event.value):,} characters: numbers in "
                          f"facts files have at most {MAX_NUMBER_CHARS}", "number-too-long",
                          event.start_mark)
        return value
    return event.value


def _load_yaml_events(text: str, name: str) -> tuple[Any, dict[Path_, Position]]:
    """Build plain data from libyaml events; one document, no anchors, tags or duplicates."""
    positions: dict[Path_, Position] = {}
    # Each frame: [container, path, pending key (mappings), key mark]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0

    def attach(value: Any, mark: Any) -> Path_:
        nonlocal root
        if not stack:
            root = value
            path: Path_ = ()
        else:
            frame = stack[-1]
            container, parent = frame[0], frame[1]
            if isinstance(container, list):
                path = (*parent, len(container))
                container.append(value)
            elif frame[2] is _NO_KEY:
                if not isinstance(value, str | int | float | bool) and value is not None:
                    raise _reject(name, "a mapping key must be a plain value", "yaml-key", mark)
                key = value if isinstance(value, str) else str(value).lower()
                if value is None:
                    key = "null"
                if key in container:
                    raise _reject(
                        name,
                        f"the key {_quoted(key)} appears twice in the same mapping",
                        "duplicate-key",
                        mark,
                    )
                frame[2], frame[3] = key, mark
                return parent
            else:
                key = frame[2]
                path = (*parent, key)
                container[key] = value
                positions[path] = (frame[3].line + 1, frame[3].column + 1)
                frame[2] = _NO_KEY
                return path
        positions[path] = (mark.line + 1, mark.column + 1)
        return path

    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _reject(
                        name, "a facts file holds one YAML document", "multi-document",
                        event.start_mark,
                    )
            elif isinstance(event, yaml.AliasEvent):
                raise _reject(
                    name,
                    f"YAML aliases (*{event.anchor}) are not allowed in facts files: "
                    "write the value out",
                    "yaml-alias",
                    event.start_mark,
                )
            elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
                if event.anchor is not None:
                    raise _reject(
                        name,
                        f"YAML anchors (&{event.anchor}) are not allowed in facts files",
                        "yaml-anchor",
                        event.start_mark,
                    )
                if isinstance(event, yaml.ScalarEvent):
                    attach(_scalar(event, name), event.start_mark)
                    continue
                if event.tag is not None:
                    raise _tag_refused(event.tag, name, event.start_mark)
                if isinstance(event, yaml.MappingStartEvent):
                    container: Any = {}
                else:
                    container = []
                if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is _NO_KEY:
                    raise _reject(name, "a mapping key must be a plain value", "yaml-key",
                                  event.start_mark)
                if len(stack) >= MAX_DEPTH:
                    raise _reject(name, f"the data is nested more than {MAX_DEPTH} levels deep",
                                  "too-deep", event.start_mark)
                path = attach(container, event.start_mark)
                stack.append([container, path, _NO_KEY, None])
            elif isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        if "nesting depth" in problem:  # libyaml's own limit (1000), met first in flow style
            raise _reject(name, f"the data is nested too deeply ({problem})", "too-deep",
                          mark) from None
        raise _reject(name, f"not valid YAML: {problem}", "yaml-syntax", mark) from None
    except yaml.reader.ReaderError as exc:  # a control character; libyaml counts bytes
        at = len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore"))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise InputRejected([Finding(
            name, f"not valid YAML: the control character U+{character:04X} is not allowed "
            "(delete it, or write it as an escape in double quotes)", "yaml-syntax", line, column,
        )]) from None
    except yaml.YAMLError as exc:
        raise _reject(name, f"not valid YAML: {exc}", "yaml-syntax") from None
    return root, positions


class _NoKey:
    def __repr__(self) -> str:
        return "<no key>"


_NO_KEY: Any = _NoKey()
