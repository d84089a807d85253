"""The package's layering: no import cycle between kgload's modules, and no module below
the load pipeline reaching into it (issue 10: "break the pipeline <-> workers cycle").

Only imports that run when a module is loaded count (module level); an import inside a
function is how the CLI stays quick to start, and is allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kgload

PACKAGE = Path(kgload.__file__).resolve().parent


def _imports_at_load() -> dict[str, set[str]]:
    """Each module's kgload modules imported at module level."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        found: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        graph[path.stem] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _imports_at_load()
    assert "pipeline" in graph and "workers" in graph  # the scan sees the package
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_what_prepares_an_article_does_not_know_the_load() -> None:
    """The per-article stages (and the workers that run them) never import the pipeline,
    the commit or the CLI; the term conversion and the IRIs depend on no kgload module
    that touches a store or a graph's meaning."""
    graph = _imports_at_load()
    orchestration = {"pipeline", "commit", "cli", "reindex", "api"}
    for module in ("prepare", "workers", "mapping", "reasoning", "fastreason", "background",
                   "validation", "check", "facts"):
        assert not graph[module] & orchestration, (module, graph[module] & orchestration)
    assert graph["iris"] == set()
    assert graph["terms"] == set()
