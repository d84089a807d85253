"""Checking a parsed facts file: JSON Schema, cross-references, types, dates.

Every problem is collected (not just the first) as a :class:`Finding` located at the
file, line and column of the offending value, with the id of the fact it belongs to and
a message a journalist can act on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import jsonschema

from . import __version__, dates
from .errors import Finding, InputRejected
from .facts import FactsFile, Limits, Path_
from .references import check_references, suggest
from .resources import schema_path

FORMAT_VERSION = 1

_KINDS = {
    "string": "a text",
    "array": "a list",
    "object": "a mapping (key: value pairs)",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


@cache
def facts_schema() -> dict[str, Any]:
    """The JSON Schema of the facts format (what ``kgload schema`` prints)."""
    with schema_path().open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = facts_schema()
    if kind == "registry":  # a registry file: format_version and entities only
        schema = {
            "$defs": schema["$defs"],
            "type": "object",
            "required": ["format_version", "entities"],
            "additionalProperties": False,
            "properties": {
                "format_version": schema["properties"]["format_version"],
                "entities": schema["properties"]["entities"],
            },
        }
    cls = jsonschema.validators.extend(jsonschema.validators.validator_for(schema),
                                       {"pattern": _pattern})
    return cls(schema)


@cache
def _regex(pattern: str) -> tuple[re.Pattern[str], bool]:
    """The compiled pattern, and whether it must match the whole text (``^...$``)."""
    whole = pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")
    return re.compile(pattern[1:-1] if whole else pattern), whole


def _pattern(validator: Any, pattern: str, instance: Any,
             schema: Any) -> Iterator[jsonschema.ValidationError]:
    """JSON Schema's ``pattern``, where ``^...$`` means the whole text.

    jsonschema uses ``re.search``, whose ``$`` also matches before a final newline: the id
    ``"p-one\\n"`` passed ``^[a-z0-9][a-z0-9._-]{0,99}$`` and became a second node that
    prints like ``p-one``. A full match leaves no such gap.
    """
    if not validator.is_type(instance, "string"):
        return
    regex, whole = _regex(pattern)
    if not (regex.fullmatch(instance) if whole else regex.search(instance)):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@dataclass
class CheckedFacts:
    """A facts file that passed every check, with its times resolved."""

    file: FactsFile
    article: dict[str, Any]
    entities: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    published: date | None
    language: str
    times: dict[Path_, dates.TimeSpan] = field(default_factory=dict)

    @property
    def article_id(self) -> str:
        return str(self.article["id"])


class _Collector:
    def __init__(self, facts: FactsFile) -> None:
        self.facts = facts
        self.findings: list[Finding] = []
        self.paths: list[Path_] = []  # where each finding is, in the document

    def add(self, path: Path_, message: str, rule: str) -> None:
        position = self.facts.position(path)
        line, column = position if position else (None, None)
        self.findings.append(
            Finding(self.facts.path, message, rule, line, column, self.facts.fact_id(path))
        )
        self.paths.append(path)


def _show(value: object) -> str:
    # json.dumps also escapes control characters (no terminal escapes reach the output)
    text = json.dumps(value, ensure_ascii=False)
    if len(text) <= 60:
        return text
    return text[:57] + ('..."' if isinstance(value, str) else "...")


def _field_name(path: Path_) -> str:
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else "the document"


def _schema_messages(error: jsonschema.ValidationError) -> Iterator[tuple[Path_, str, str]]:
    """Turn one JSON Schema error into plain-words messages located at paths."""
    path: Path_ = tuple(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "oneOf" and error.context:
        # the alternatives the value's own type fits (a text, or a mapping) say what is wrong
        misfits = {e.relative_schema_path[0] for e in error.context
                   if e.validator == "type" and tuple(e.absolute_path) == path}
        fitting = [e for e in error.context if e.relative_schema_path[0] not in misfits]
        if not fitting:  # a wrong shape altogether reads better as one message
            yield path, f"{_field_name(path)}: {_show(instance)} has the wrong form: " + (
                error.schema.get("description") or "see `kgload schema`"
            ), "schema-form"
            return
        # of the mappings, the one that knows most of the value's keys ({ref: ...} rather
        # than {unknown: ...}), else the richest, says what is wrong with it
        if isinstance(instance, dict):
            def score(index: Any) -> tuple[int, int]:
                known = error.schema["oneOf"][index].get("properties", {})
                return len(set(instance) & set(known)), len(known)

            best = max({e.relative_schema_path[0] for e in fitting}, key=score)
            fitting = [e for e in fitting if e.relative_schema_path[0] == best]
        if len({e.relative_schema_path[0] for e in fitting}) > 1:
            fitting = [jsonschema.exceptions.best_match(fitting)]
        for sub in fitting:
            yield from _schema_messages(sub)
        return
    if kind == "required":
        for name in value:
            if isinstance(instance, dict) and name not in instance:
                yield path, f'missing required field "{name}"', "schema-required"
    elif kind == "additionalProperties":
        allowed = error.schema.get("properties", {})
        for key in instance:
            if key not in allowed:
                message = f"unknown field {_show(key)}{suggest(key, allowed)}"
                yield (*path, key), message, "schema-unknown-field"
    elif kind == "type":
        expected = value if isinstance(value, list) else [value]
        wanted = " or ".join(_KINDS.get(str(t), str(t)) for t in expected)
        yield path, f"{_field_name(path)}: {_show(instance)} should be {wanted}", "schema-type"
    elif kind == "enum":
        yield path, (
            f"{_field_name(path)}: {_show(instance)} is not one of: {', '.join(map(str, value))}"
            f"{suggest(instance, map(str, value))}"
        ), "schema-enum"
    elif kind == "pattern":
        if value == "\\S":
            if instance != "":  # an empty text is already reported by minLength
                yield path, f"{_field_name(path)} must not be blank", "schema-blank"
        else:
            what = error.schema.get("description", f"it must match {value}")
            message = f"{_field_name(path)}: {_show(instance)} is not valid here. {what}"
            yield path, message, "schema-pattern"
    elif kind in ("minItems", "maxItems"):
        word = "at least" if kind == "minItems" else "at most"
        yield path, f"{_field_name(path)} needs {word} {value} item(s)", "schema-items"
    elif kind == "minLength":
        yield path, f"{_field_name(path)} must not be empty", "schema-blank"
    elif kind == "maxLength":
        yield path, f"{_field_name(path)} is longer than {value} characters", "schema-too-long"
    elif kind in ("exclusiveMinimum", "minimum"):
        message = f"{_field_name(path)}: {_show(instance)} must be greater than {value}"
        yield path, message, "schema-range"
    elif kind in ("minProperties", "maxProperties"):
        yield path, f"{_field_name(path)}: {error.message}", "schema-fields"
    elif kind == "allOf":
        for sub in error.context or []:
            yield from _schema_messages(sub)
    else:
        yield path, f"{_field_name(path)}: {error.message}", f"schema-{kind}"


def check_schema(facts: FactsFile, *, kind: str = "facts") -> list[Finding]:
    """JSON Schema findings for a facts (or registry) file, in document order."""
    return _check_schema(facts, kind).findings


def _check_schema(facts: FactsFile, kind: str) -> _Collector:
    out = _Collector(facts)
    data = facts.data
    if not isinstance(data, dict):
        out.add((), "a facts file must be a mapping with format_version, article and actions "
                "(see `kgload schema`)", "schema-root")
        return out
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        out.add(("format_version",), f"this file is written in facts format version {version}; "
                f"kgload {__version__} reads version {FORMAT_VERSION}: upgrade kgload",
                "future-format")
        return out
    too_many = _too_many_actions(out, data)
    if too_many:  # schema-checking tens of thousands of actions takes minutes: say so at once
        return out
    reported: set[Path_] = set()
    said: set[tuple[Path_, str]] = set()
    for error in _validator(kind).iter_errors(data):
        for path, message, rule in _schema_messages(error):
            if (path, message) in said:  # each missing field comes with every other one's
                continue
            said.add((path, message))
            out.add(path, message, rule)
            reported.add(path)
    for path, value in _non_finite(data):  # JSON Schema's "number" lets .inf and 1e400 through
        if path not in reported:
            out.add(path, f"{_field_name(path)}: {value} is not a finite number", "schema-range")
    order = sorted(range(len(out.findings)),
                   key=lambda n: (out.findings[n].line or 0, out.findings[n].column or 0))
    out.findings = [out.findings[n] for n in order]
    out.paths = [out.paths[n] for n in order]
    return out


def _too_many_actions(out: _Collector, data: dict[str, Any]) -> bool:
    limits: Limits = out.facts.limits
    actions = data.get("actions")
    if isinstance(actions, list) and len(actions) > limits.actions:
        out.add(("actions",), f"the article has {len(actions):,} actions, over the limit of "
                f"{limits.actions:,} per article: raise it with {Limits.OPTIONS['actions']}, "
                "or split the article", "too-many-actions")
        return True
    return False


def _non_finite(data: Any) -> Iterator[tuple[Path_, float]]:
    todo: list[tuple[Path_, Any]] = [((), data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield path, value
        elif isinstance(value, dict):
            todo.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend(((*path, i), v) for i, v in enumerate(value))


def _ref(participant: Any) -> str:
    return participant["ref"] if isinstance(participant, dict) else participant


def entity_references(data: Any) -> Iterator[tuple[Path_, str]]:
    """Every place a (schema-valid) facts document names an entity: (path, id), in order."""
    if not isinstance(data, dict):
        return
    for i, entity in enumerate(data.get("entities") or []):
        if not isinstance(entity, dict):
            continue
        for key in ("located_in", "part_of", "capital"):
            if isinstance(entity.get(key), str):
                yield ("entities", i, key), entity[key]
        for j, side in enumerate(entity.get("between") or []):
            if isinstance(side, str):
                yield ("entities", i, "between", j), side
        for j, role in enumerate(entity.get("roles") or []):
            if isinstance(role, dict) and isinstance(role.get("of"), str):
                yield ("entities", i, "roles", j, "of"), role["of"]
    for i, action in enumerate(data.get("actions") or []):
        if not isinstance(action, dict):
            continue
        for key in ("agents", "targets", "places", "attributed_to"):
            for j, participant in enumerate(action.get(key) or []):
                ref = participant.get("ref") if isinstance(participant, dict) else participant
                if isinstance(ref, str):
                    yield ("actions", i, key, j), ref
        if isinstance(action.get("medium"), str):
            yield ("actions", i, "medium"), action["medium"]


def referenced_ids(data: Any) -> set[str]:
    """The entity ids a (schema-valid) facts document refers to, declared or not."""
    return {ref for _, ref in entity_references(data)}


def declared_ids(data: Any) -> dict[str, str]:
    """The entities a facts document declares: id -> type name."""
    return {i: t for i, (t, _) in declarations(data).items()}


def declarations(data: Any) -> dict[str, tuple[str, str | None]]:
    """The entities a facts document declares: id -> (type name, name)."""
    if not isinstance(data, dict):
        return {}
    return {e["id"]: (e["type"], e["name"] if isinstance(e.get("name"), str) else None)
            for e in data.get("entities") or []
            if isinstance(e, dict) and isinstance(e.get("id"), str)
            and isinstance(e.get("type"), str)}


def check_facts(facts: FactsFile, registry_types: dict[str, str],
                known: Collection[str] = ()) -> CheckedFacts:
    """Check a parsed facts file; raises :class:`InputRejected` listing every problem.

    ``registry_types`` maps the ids of the shared registry to their entity type;
    ``known`` are ids declared elsewhere (in the store, or in other files of the run),
    which the file may use without declaring them.

    Every independent problem is reported in one run: the schema check, the
    cross-references and the times each look at the whole file, and a value the schema
    refuses is only left out of the checks that need it (a bad ``status`` does not hide
    an unknown entity elsewhere, a bad ``published`` date does not hide the rest).
    """
    schema = _check_schema(facts, "facts")
    findings = schema.findings
    data = facts.data
    if findings and (not _checkable(data)
                     or any(f.rule == "too-many-actions" for f in findings)):
        raise InputRejected(findings)  # not a facts document, or too big to check further
    # where the schema refused a value (a missing field is said at its container, which
    # stays checkable)
    refused = {path for path, f in zip(schema.paths, findings, strict=True)
               if f.rule != "schema-required"}
    out = _Collector(facts)

    def first_line(path: Path_) -> int | None:
        position = facts.position(path)
        return position[0] if position else None

    for path, message, rule in check_references(data, registry_types, known, facts.limits,
                                                first_line):
        if not _within(path, refused):
            out.add(path, message, rule)
    published, times = _resolve_times(out, data, refused)
    if findings or out.findings:
        raise InputRejected(sorted(findings + out.findings,
                                   key=lambda f: (f.line or 0, f.column or 0)))
    article = data["article"]
    entities: list[dict[str, Any]] = data.get("entities", [])
    return CheckedFacts(facts, article, entities, data["actions"], published,
                        article.get("language", "en"), times)


def _checkable(data: Any) -> bool:
    """Whether the cross-reference and time checks can read the document: a mapping whose
    sections have the right kind (their items may still be wrong)."""
    return (isinstance(data, dict) and isinstance(data.get("article", {}), dict)
            and isinstance(data.get("actions", []), list)
            and isinstance(data.get("entities", []), list)
            and not (isinstance(data.get("format_version"), int)
                     and data["format_version"] > FORMAT_VERSION))


def _within(path: Path_, refused: Collection[Path_]) -> bool:
    """Whether ``path`` is on the branch of a value the schema check refused: at it,
    under it, or above it (a participant whose ``ref`` is malformed)."""
    return any(path[: len(r)] == r or r[: len(path)] == path for r in refused)


def _parse_day(value: str) -> date:
    span = dates.parse_absolute(value)
    assert span.start is not None
    return span.start


# Statuses whose action is still to come when the article is published: a bare weekday,
# date or month in their time is the coming one, not the most recent (dates.resolve's ahead).
FORWARD_STATUSES = frozenset({"planned", "committed", "requested", "ordered", "hypothetical"})
_BOUNDS = ("start", "end", "after", "before")


def resolve_time(spec: Any, published: date | None, *, status: str | None = None
                 ) -> dates.TimeSpan:
    """Resolve a facts-file time (text, or {text, start, end, after, before}).

    ``status`` is the action's status: for one in :data:`FORWARD_STATUSES`, a bare weekday
    or date is the coming one (a role's time has no status and looks back).

    Without a text, ``start``/``end`` are the bounds. With a text, every bound given
    (``start``, ``end``, ``after``, ``before``) can only narrow the text's window: a bound
    that contradicts it is an error, never a silent widening. A text the rules cannot read
    ("decades ago") is kept as written when bounds are given, and the bounds alone decide.
    """
    ahead = status in FORWARD_STATUSES
    if isinstance(spec, str):
        return dates.resolve(spec, published, ahead=ahead)
    text = spec.get("text")
    start = _parse_day(spec["start"]) if "start" in spec else None
    end = _parse_day(spec["end"]) if "end" in spec else None
    if start and end and start > end:
        raise dates.DateError(f"the start ({start.isoformat()}) is after the end "
                              f"({end.isoformat()})")
    span = None
    if text is not None:
        try:
            span = dates.narrow(dates.resolve(text, published, ahead=ahead),
                                after=start, before=end)
        except (dates.UnreadableTime, dates.NoPublicationDate):
            if not any(key in spec for key in _BOUNDS):
                raise
    if span is None:  # bounds only: no text, or words no rule can read
        precision = "day" if start is not None and start == end else "approximate"
        span = dates.TimeSpan(start, end, precision, text.strip() if text else None)
    after = _parse_day(spec["after"]) if "after" in spec else None
    before = _parse_day(spec["before"]) if "before" in spec else None
    if after or before:
        span = dates.narrow(span, after=after, before=before)
    return span


def _time_paths(data: dict[str, Any]) -> Iterator[tuple[Path_, str | None]]:
    """Where the times are, each with the status of its action (None for a role's)."""
    for i, action in enumerate(data.get("actions") or []):
        if isinstance(action, dict) and "time" in action:
            status = action.get("status")
            yield ("actions", i, "time"), status if isinstance(status, str) else None
    for i, entity in enumerate(data.get("entities") or []):
        roles = entity.get("roles") if isinstance(entity, dict) else None
        for j, role in enumerate(roles if isinstance(roles, list) else []):
            if isinstance(role, dict) and "time" in role:
                yield ("entities", i, "roles", j, "time"), None


def _resolve_times(
    out: _Collector, data: dict[str, Any], refused: Collection[Path_] = ()
) -> tuple[date | None, dict[Path_, dates.TimeSpan]]:
    """Resolve every time; a time (or publication date) the schema refused is left out."""
    published = None
    bad_published = False
    article = data.get("article")
    value = article.get("published") if isinstance(article, dict) else None
    if not isinstance(value, str) or _within(("article", "published"), refused):
        bad_published = True  # missing or refused: said by the schema check
    else:
        try:
            published = _parse_day(value)
        except dates.DateError as exc:
            bad_published = True
            out.add(("article", "published"), f"published: {exc}", "bad-date")
    times: dict[Path_, dates.TimeSpan] = {}
    for path, status in _time_paths(data):
        if _within(path, refused) or _within(path[:2] + ("status",), refused):
            continue  # its form, or the status that decides its direction, is wrong
        spec: Any = data
        for key in path:
            spec = spec[key]
        try:
            times[path] = resolve_time(spec, published, status=status)
        except dates.DateError as exc:
            if bad_published and isinstance(exc, dates.NoPublicationDate):
                continue  # already said once, at the publication date
            hint = ""
            if isinstance(exc, dates.UnreadableTime):
                hint = ("; to keep these words as written, add the dates they stand for: "
                        f"{{text: {_show(spec if isinstance(spec, str) else spec['text'])}, "
                        "after: YYYY-MM-DD, before: YYYY-MM-DD}")
            out.add(path, f"time: {exc}{hint}", "bad-date")
    return published, times
