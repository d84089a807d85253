"""The repository's scripts (benchmarks, build scripts) as modules, for tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_script(relative: str, name: str | None = None) -> ModuleType:
    """The script at ``ROOT / relative``, imported once per process under ``name``
    (registered in ``sys.modules`` before it runs: dataclasses look their module up)."""
    name = name or "kgload_" + relative.removesuffix(".py").replace("/", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generator() -> ModuleType:
    """``benchmarks/generate.py``: corpora of generated articles."""
    return load_script("benchmarks/generate.py", "kgload_benchmarks_generate")
