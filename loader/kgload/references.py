"""Cross-references of a facts file: ids unique, every entity and action it names exists.

These checks run whether or not the file passed its JSON Schema check, so that one run
reports every independent problem: a bad ``status`` on one action does not hide an
unknown entity on another. They read the document defensively (a value of the wrong
shape is skipped here: the schema check has reported it).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from .facts import Limits, Path_
from .ontology import action_types

# (path, message, rule): what a check found, before it is located in the file
Problem = tuple[Path_, str, str]

_SUGGESTIONS = 25  # "did you mean" costs a scan of all ids: only for the first few


def suggest(value: object, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{matches[0]}"?)' if matches else ""


def _items(data: dict[str, Any], section: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(section)
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield i, item


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for j, item in enumerate(value):
            if isinstance(item, str):
                yield j, item


def _participants(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for j, item in enumerate(value):
            ref = item.get("ref") if isinstance(item, dict) else item
            if isinstance(ref, str):
                yield j, ref


def _id(item: dict[str, Any]) -> str | None:
    value = item.get("id")
    return value if isinstance(value, str) else None


def check_references(data: Any, registry_types: dict[str, str], known: Collection[str],
                     limits: Limits, first_line: Callable[[Path_], int | None]
                     ) -> list[Problem]:
    """Every cross-reference problem of a (possibly schema-invalid) facts document.

    ``registry_types`` maps the shared registry's ids to their types; ``known`` are ids
    declared elsewhere (the store, other files of the run); ``first_line`` locates a path
    (for "first at line N").
    """
    if not isinstance(data, dict):
        return []
    out: list[Problem] = []
    entities = list(_items(data, "entities"))
    actions = list(_items(data, "actions"))

    # ids: unique, and not shadowing the shared registry
    seen: dict[str, Path_] = {}
    for section, items in (("entities", entities), ("actions", actions)):
        for i, item in items:
            fid = _id(item)
            if fid is None:
                continue
            path: Path_ = (section, i, "id")
            if fid in seen:
                line = first_line(seen[fid])
                where = f" (first at line {line})" if line else ""
                out.append((path, f'the id "{fid}" is used twice{where}', "duplicate-id"))
            elif section == "entities" and fid in registry_types:
                out.append((path, f'"{fid}" is already in kgload\'s shared registry: use it '
                            "by id without declaring it", "registry-id"))
            seen[fid] = path
    entity_ids = dict.fromkeys(known, "") | {
        fid: str(e.get("type")) for _, e in entities if (fid := _id(e)) is not None
    } | dict(registry_types)
    action_ids = {fid for _, a in actions if (fid := _id(a)) is not None}
    budget = [_SUGGESTIONS]

    def hint(ref: str, choices: Iterable[str]) -> str:
        if budget[0] <= 0:
            return ""
        budget[0] -= 1
        return suggest(ref, choices)

    def need_entity(path: Path_, ref: str) -> None:
        if ref not in entity_ids:
            why = hint(ref, entity_ids) or (
                " (it is an action, not an entity)" if ref in action_ids else "")
            out.append((path, f'refers to the entity "{ref}", which is not declared in this '
                        f"file, in the shared registry or in the store{why}", "unknown-entity"))

    def need_action(path: Path_, ref: str, own: str | None) -> None:
        if ref == own:
            out.append((path, "an action cannot refer to itself", "self-reference"))
        elif ref not in action_ids:
            why = hint(ref, action_ids) or (
                " (it is an entity, not an action)" if ref in entity_ids else "")
            out.append((path, f'refers to the action "{ref}", which is not declared in this '
                        f"file{why}", "unknown-action"))

    for i, entity in entities:
        base: Path_ = ("entities", i)
        for key in ("located_in", "part_of", "capital"):
            if isinstance(entity.get(key), str):
                need_entity((*base, key), entity[key])
        between = [ref for _, ref in _strings(entity.get("between"))]
        for j, ref in _strings(entity.get("between")):
            need_entity((*base, "between", j), ref)
        if len(between) >= 2 and len(set(between)) == 1:
            out.append(((*base, "between"), "a border lies between two different places",
                        "border-sides"))
        if "between" in entity and isinstance(entity.get("type"), str) \
                and entity["type"] != "Border":
            out.append(((*base, "between"), '"between" only applies to a Border',
                        "between-not-border"))
        for j, role in _items({"roles": entity.get("roles")}, "roles"):
            if isinstance(role.get("of"), str):
                need_entity((*base, "roles", j, "of"), role["of"])

    known_types = action_types()
    for i, action in actions:
        base = ("actions", i)
        own = _id(action)
        kind = action.get("type")
        if isinstance(kind, str) and kind not in known_types:
            out.append(((*base, "type"), f'unknown action type "{kind}"'
                        f"{suggest(kind, known_types)}; `kgload types WORDS` searches them",
                        "unknown-action-type"))
        for key in ("agents", "targets", "places", "attributed_to"):
            for j, ref in _participants(action.get(key)):
                need_entity((*base, key, j), ref)
        if isinstance(action.get("medium"), str):
            need_entity((*base, "medium"), action["medium"])
        for key in ("about", "parts"):
            for j, ref in _strings(action.get(key)):
                need_action((*base, key, j), ref, own)
        condition = action.get("condition")
        if isinstance(condition, dict):
            for key, ref in condition.items():
                if isinstance(ref, str):
                    need_action((*base, "condition", key), ref, own)
    out += _about_depth(actions, limits.about_depth)
    return out


def _about_depth(actions: list[tuple[int, dict[str, Any]]], limit: int) -> list[Problem]:
    """Refuse ``about`` chains deeper than the limit.

    Depth 1 is an action about another one ("agreed to attack"), depth 2 one about an
    action about another ("accused of agreeing to attack"), and so on. Computed once per
    action with an explicit stack (no recursion limit, linear in the links). A cycle (a
    is about b, b about a) is counted once around, not refused: nothing in kgload walks
    ``about`` recursively, and benchmarks/generate.py writes such cycles (about 2% of
    its articles), so refusing them would reject corpora that load today.
    """
    positions = [i for i, _ in actions]
    index = {fid: n for n, (_, a) in enumerate(actions) if (fid := _id(a)) is not None}
    links = [[index[r] for _, r in _strings(a.get("about")) if r in index and r != _id(a)]
             for _, a in actions]
    depth: list[int | None] = [None] * len(actions)
    on_path = [False] * len(actions)
    for first in range(len(actions)):
        if depth[first] is not None:
            continue
        stack = [(first, 0)]
        on_path[first] = True
        while stack:
            node, next_link = stack[-1]
            if next_link < len(links[node]):
                stack[-1] = (node, next_link + 1)
                child = links[node][next_link]
                if on_path[child]:  # a cycle: this link adds no depth
                    continue
                if depth[child] is None:
                    stack.append((child, 0))
                    on_path[child] = True
                continue
            stack.pop()
            on_path[node] = False
            depth[node] = 1 + max((depth[c] or 0 for c in links[node]), default=-1)
            if depth[node] == limit + 1:
                return [(("actions", positions[node], "about"),
                         f"actions nest {limit + 1} levels deep through about (an action "
                         f"about an action about ...), over the limit of {limit}: raise it "
                         f"with {Limits.OPTIONS['about_depth']}", "about-too-deep")]
    return []
