"""Every action type works end to end (issue 11): one article with an action of each of the
308 types checks, reasons, passes the shapes, loads, and each coded action reaches
`event-table` with its CAMEO code and family."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from rdflib import RDFS

from conftest import invoke
from kgload.ontology import action_types, ontology_graph


def _article() -> dict[str, object]:
    types = action_types()
    graph = ontology_graph()
    exchange = types["Exchange"].iri  # an episode: its shape wants two parts
    episodes = {name for name, kind in types.items()
                if exchange in graph.transitive_objects(kind.iri, RDFS.subClassOf)}
    actions: list[dict[str, object]] = []
    for n, name in enumerate(sorted(types)):
        action: dict[str, object] = {
            "id": f"a{n}", "type": name, "agents": ["alpha"], "targets": ["beta"],
            "evidence": f"alpha did {name} to beta"}
        if name in episodes:
            action["parts"] = ["a-part-1", "a-part-2"]
        actions.append(action)
    for part in ("a-part-1", "a-part-2"):
        actions.append({"id": part, "type": "Criticize", "agents": ["alpha"],
                        "targets": ["beta"], "evidence": "alpha criticized beta"})
    return {
        "format_version": 1,
        "article": {"id": "every-type", "title": "Every type", "published": "2026-01-08"},
        "entities": [{"id": "alpha", "type": "Person", "name": "Alpha", "cameo": "ALP"},
                     {"id": "beta", "type": "Person", "name": "Beta", "cameo": "BET"}],
        "actions": actions,
    }


def test_every_action_type_loads_and_reaches_the_event_table(tmp_path: Path) -> None:
    facts = tmp_path / "every-type.yaml"
    facts.write_text(yaml.safe_dump(_article(), allow_unicode=True), encoding="utf-8")
    store = tmp_path / "store"
    loaded = invoke("load", facts, store=store)
    assert loaded.exit_code == 0, loaded.output[-3000:]
    rows = json.loads(invoke("query", "event-table", "--format", "json",
                             store=store).stdout)
    got = {row["fact"].rsplit("/", 1)[-1]: row for row in rows}
    types = action_types()
    for n, name in enumerate(sorted(types)):
        code = types[name].cameo
        if code is None:
            assert f"a{n}" not in got, f"{name} has no code, yet an event row"
            continue
        row = got[f"a{n}"]
        assert (row["event_code"], row["root_code"]) == (code, code[:2]), name
        assert (row["source_code"], row["target_code"]) == ("ALP", "BET"), name
    assert len([t for t in types.values() if t.cameo]) >= 297  # 295 codes, Indict, Sentence
