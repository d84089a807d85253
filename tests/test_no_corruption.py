"""Bad input never changes the store, and never reaches outside the folders it is given.

* Every bad facts file (tests/fixtures/bad/, plus a few made here) loaded into a copy of
  the example store: exit 1 (the documented code for rejected input), the file named in
  the output, no traceback, and the store's N-Quads export byte-identical before and after.
* A folder mixing good and bad files: only the good articles are added; nothing else in
  the store changes.
* Security: ids that look like paths are refused by the schema; a symbolic link inside a
  loaded folder is not followed (rule "symlink"); a FIFO or a device is not read; YAML
  tags that would construct objects or run commands never do.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ARTICLE_ID, EXAMPLE, ROOT, facts_yaml, invoke, nquads
from kgload.check import check_facts
from kgload.errors import InputRejected
from kgload.facts import parse_bytes
from kgload.iris import Iris
from kgload.registry import load_registry

BAD = ROOT / "tests" / "fixtures" / "bad"
GOOD = ROOT / "tests" / "fixtures" / "good"
REJECTED = 1  # README: "some input was rejected"
IRIS = Iris()

GOOD_ENTITY = """
id: nc-alice
type: Person
name: "Alice Smith"
"""
GOOD_ACTION = """
id: nc-alice-threatens
type: Threaten
agents: [nc-alice]
targets: [colombia]
status: occurred
evidence: "Alice Smith threatened Colombia"
"""


def good_facts(article_id: str) -> str:
    return facts_yaml(article_id, [GOOD_ENTITY], [GOOD_ACTION])


# Bad files made here, each a different stage's rejection: name -> content
OWN_BAD = {
    # no file declares nc-nobody (nc-alice would do: another file of the folder declares it)
    "own-undeclared.yaml": facts_yaml("nc-undeclared", [], [
        GOOD_ACTION.replace("[nc-alice]", "[nc-nobody]")]),
    "own-city-agent.yaml": facts_yaml("nc-city-agent", [], ["""
        id: bogota-announces
        type: MakeStatement
        agents: [bogota]
        evidence: "Bogota announced"
        """]),
    "own-inconsistent.yaml": facts_yaml("nc-inconsistent", ["""
        id: nc-radio
        type: Platform
        name: "Radio"
        located_in: colombia
        """], ["""
        id: a1
        type: MakeStatement
        agents: [colombia]
        medium: nc-radio
        evidence: "x"
        """]),
    "own-bad-time.yaml": facts_yaml("nc-bad-time", [GOOD_ENTITY], [
        GOOD_ACTION + 'time: {text: "in recent days", after: "2027-01-01"}\n']),
    "own-path-id.yaml": good_facts("../../etc/passwd"),
    "own-half-json.json": '{"format_version": 1, "article": {"id": "nc-half", "title": "t", '
                          '"published": "2026-01-08"}, "actions": [',
    "own-utf16.yaml": "\ufeff" + good_facts("nc-utf16"),  # written as UTF-16 below
    "own-binary.yaml": "format_version: 1\x00\x01\x02",
}


def _write_own(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in OWN_BAD.items():
        path = folder / name
        if "utf16" in name:
            path.write_bytes(text.encode("utf-16"))
        else:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _bad_fixtures() -> list[object]:
    if not BAD.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason="tests/fixtures/bad/ is not "
                                                          "there yet"))]
    files = sorted(p for p in BAD.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    return [pytest.param(p, id=p.name) for p in files]


@pytest.fixture(scope="module")
def example_nquads(example_store: Path) -> bytes:
    return nquads(example_store)


def assert_rejected_unchanged(path: Path, store: Path, before: bytes) -> None:
    result = invoke("load", path, store=store)
    assert result.exit_code == REJECTED, result.output
    assert f"rejected {path}" in result.output, result.output
    assert "internal error" not in result.output
    assert nquads(store) == before


@pytest.mark.parametrize("path", _bad_fixtures())
def test_a_bad_fixture_leaves_the_store_byte_identical(path: Path, store_copy: Path,
                                                       example_nquads: bytes) -> None:
    assert nquads(store_copy) == example_nquads
    assert_rejected_unchanged(path, store_copy, example_nquads)


@pytest.mark.parametrize("name", sorted(OWN_BAD))
def test_a_bad_file_of_any_stage_leaves_the_store_byte_identical(
        name: str, store_copy: Path, tmp_path: Path, example_nquads: bytes) -> None:
    path = next(p for p in _write_own(tmp_path / "bad") if p.name == name)
    assert_rejected_unchanged(path, store_copy, example_nquads)


def _quads(store_path: Path) -> set[str]:
    return {line for line in nquads(store_path).decode("utf-8").splitlines() if line}


def _graph_of(line: str) -> str:
    quad = next(iter(ox.parse(line.encode(), ox.RdfFormat.N_QUADS)))
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""


def test_a_folder_of_good_and_bad_files_adds_only_the_good_articles(
        store_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    _write_own(folder)
    good = {"nc-good-one": folder / "nc-good-one.yaml"}
    good["nc-good-one"].write_text(good_facts("nc-good-one"), encoding="utf-8")
    if (GOOD / "arabic-names.yaml").is_file():
        (folder / "arabic-names.yaml").write_bytes((GOOD / "arabic-names.yaml").read_bytes())
        good["test-ar-cairo-call"] = folder / "arabic-names.yaml"
    bad_fixtures = [p for p in sorted(BAD.glob("*")) if p.suffix in (".yaml", ".json")][:12] \
        if BAD.is_dir() else []
    for path in bad_fixtures:
        (folder / f"fixture-{path.name}").write_bytes(path.read_bytes())
    before = _quads(store_copy)

    result = invoke("load", folder, store=store_copy)

    assert result.exit_code == REJECTED, result.output
    rejected = [p for p in sorted(folder.iterdir()) if p not in good.values()]
    summary = [line for line in result.output.splitlines() if " loaded, " in line]
    assert summary == [f"{len(good)} loaded, 0 unchanged, {len(rejected)} rejected."], \
        result.output  # the whole line: "2 loaded" is also in "12 loaded"
    for aid, path in good.items():
        assert f"loaded {aid} from {path} (" in result.output
    for path in _write_own(tmp_path / "unused"):
        assert f"rejected {folder / path.name}" in result.output
    after = _quads(store_copy)
    assert before <= after  # nothing removed or changed
    new_graphs = {str(g) for aid in good for g in IRIS.article_graphs(aid)}
    added = {_graph_of(line) for line in after - before}
    # the new articles' graphs, and what they add to the shared entity graphs
    assert new_graphs <= added <= new_graphs | {str(g) for g in IRIS.shared_graphs}
    listing = invoke("articles", "--format", "json", store=store_copy)
    assert sorted([ARTICLE_ID, *good]) == sorted(
        row["article"] for row in json.loads(listing.output))


# ------------------------------------------------------------------ security

PATH_IDS = ["../etc/passwd", "/abs/path", "a/b", "..", ".", "a\\b", "~root", "%2e%2e",
            "a b", "A", "-leading-dash", "x" * 101, "", "a\x00b", "\u0430pple"]


@pytest.mark.parametrize("bad_id", PATH_IDS, ids=repr)
@pytest.mark.parametrize("where", ["article", "entity", "action"])
def test_ids_that_look_like_paths_are_refused_by_the_schema(bad_id: str, where: str) -> None:
    article = bad_id if where == "article" else "nc-ids"
    entity = GOOD_ENTITY.replace("id: nc-alice", f'id: "{_escape(bad_id)}"') \
        if where == "entity" else GOOD_ENTITY
    action = GOOD_ACTION.replace("id: nc-alice-threatens", f'id: "{_escape(bad_id)}"') \
        if where == "action" else GOOD_ACTION
    text = facts_yaml(f'"{_escape(article)}"', [entity], [action])
    with pytest.raises(InputRejected) as caught:
        check_facts(parse_bytes(text.encode("utf-8"), name="ids.yaml"), load_registry().types)
    rules = {f.rule for f in caught.value.findings}
    assert "schema-pattern" in rules, caught.value.findings


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\0")


def test_a_path_like_article_id_writes_nothing_anywhere(store_copy: Path, tmp_path: Path,
                                                        example_nquads: bytes) -> None:
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    path = work / "passwd.yaml"
    path.write_text(good_facts("../../escaped"), encoding="utf-8")
    before = sorted(tmp_path.joinpath("work").rglob("*"))
    result = invoke("load", path, store=store_copy)
    assert result.exit_code == REJECTED, result.output
    assert "schema-pattern" in result.output
    assert sorted(tmp_path.joinpath("work").rglob("*")) == before
    assert not any("escaped" in p.name for p in tmp_path.rglob("*"))
    assert nquads(store_copy) == example_nquads


def test_a_symlink_inside_a_loaded_folder_is_not_followed(store_copy: Path, tmp_path: Path,
                                                          example_nquads: bytes) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "secret.yaml"
    target.write_text(good_facts("nc-outside"), encoding="utf-8")  # valid: would load
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(target)
    (folder / "etc.yaml").symlink_to("/etc/passwd")
    result = invoke("load", folder, store=store_copy)
    assert result.exit_code == REJECTED, result.output
    assert result.output.count("(symlink)") == 2, result.output
    assert "0 loaded" in result.output, result.output
    assert "nc-outside" not in result.output
    assert nquads(store_copy) == example_nquads
    report = invoke("validate", "--format", "json", folder)
    rules = {f["rule"] for item in json.loads(report.output) for f in item["findings"]}
    assert rules == {"symlink"}, report.output


def _folder_with_linked_folders(tmp_path: Path) -> Path:
    """A folder with one good file, a link to a folder outside it and a link to itself."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(good_facts("nc-outside"), encoding="utf-8")
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "good.yaml").write_text(good_facts("nc-inside"), encoding="utf-8")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    return folder


def test_a_symlinked_folder_inside_a_loaded_folder_is_reported(tmp_path: Path) -> None:
    folder = _folder_with_linked_folders(tmp_path)
    report = invoke("validate", "--format", "json", folder)
    items = json.loads(report.output)
    assert not any(item["article"] == "nc-outside" for item in items)  # not followed
    rules = [f["rule"] for item in items for f in item["findings"]]
    assert rules.count("symlink") == 2, report.output


def test_a_symlink_loop_and_a_symlinked_folder_are_not_followed(store_copy: Path,
                                                                tmp_path: Path) -> None:
    folder = _folder_with_linked_folders(tmp_path)
    result = invoke("load", folder, store=store_copy)
    assert "loaded nc-inside" in result.output, result.output
    assert "nc-outside" not in result.output


def test_a_fifo_or_a_device_is_not_read(store_copy: Path, tmp_path: Path,
                                         example_nquads: bytes) -> None:
    folder = tmp_path / "facts"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")  # reading it would block for ever
    result = invoke("load", folder, "/dev/zero", store=store_copy)
    assert result.exit_code == REJECTED, result.output
    assert result.output.count("(not-a-file)") == 2, result.output
    assert nquads(store_copy) == example_nquads


def test_a_huge_file_is_refused_before_it_is_read(store_copy: Path, tmp_path: Path,
                                                  example_nquads: bytes) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # a sparse file: takes no disk space
        handle.write(good_facts("nc-huge").encode())
        handle.truncate(64 * 1024 * 1024)
    result = invoke("load", path, store=store_copy)
    assert result.exit_code == REJECTED, result.output
    assert "(file-too-large)" in result.output
    assert nquads(store_copy) == example_nquads


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/object/apply:subprocess.check_output",
    "!<tag:yaml.org,2002:python/object/apply:os.system>",
])
def test_yaml_tags_that_would_run_commands_never_do(tag: str, store_copy: Path,
                                                    tmp_path: Path, example_nquads: bytes
                                                    ) -> None:
    marker = Path("/tmp") / f"kgload-pwned-{uuid.uuid4().hex}"
    args = f'["touch {marker}"]' if "subprocess" not in tag else f'[["touch", "{marker}"]]'
    path = tmp_path / "tag.yaml"
    path.write_text(good_facts("nc-tag").replace('title: "A test article"',
                                                 f"title: {tag} {args}"), encoding="utf-8")
    try:
        result = invoke("load", path, store=store_copy)
        assert result.exit_code == REJECTED, result.output
        assert "(yaml-tag)" in result.output
        validate = invoke("validate", path)
        assert validate.exit_code == REJECTED
        assert not marker.exists()
        assert nquads(store_copy) == example_nquads
    finally:
        marker.unlink(missing_ok=True)


def test_the_gold_example_through_a_symlink_named_directly_still_loads(
        store_copy: Path, tmp_path: Path) -> None:
    """Links are refused inside folders only: a link named on the command line is the
    user's choice (the message says to name the target directly)."""
    link = tmp_path / "example.yaml"
    link.symlink_to(EXAMPLE)
    result = invoke("load", link, store=store_copy)
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output  # read (its SHA-256 matched), not refused


def test_a_file_name_that_is_not_utf8_does_not_stop_the_run(store_copy: Path,
                                                            tmp_path: Path) -> None:
    """Regression: such a name crashed `kgload load` (exit 5: the provenance literal of the
    file name held a lone surrogate) and the files after it were not loaded."""
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(good_facts("nc-good-a"), encoding="utf-8")
    odd = os.path.join(os.fsencode(folder), b"b-\xff.yaml")
    with open(odd, "w", encoding="utf-8") as handle:
        handle.write(good_facts("nc-good-b"))
    (folder / "c-good.yaml").write_text(good_facts("nc-good-c"), encoding="utf-8")
    result = invoke("load", folder, store=store_copy)
    assert result.exit_code == 0, result.output
    assert "3 loaded" in result.output, result.output
