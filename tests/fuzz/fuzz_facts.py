"""atheris harness: any bytes as a facts file, through ``parse_bytes`` and ``check_facts``.

The contract: reading and checking a facts file either succeeds or raises
:class:`kgload.errors.InputRejected` with findings that each have a message and a rule;
no other exception, and what is parsed is valid text (it can be written to the store).

    python tests/fuzz/fuzz_facts.py tests/fuzz/corpus/facts -max_total_time=600 \\
        -artifact_prefix=tests/fuzz/findings/

``check_one`` is imported by tests/test_fuzz.py (hypothesis and the findings replay), so
this module imports atheris only when run as a program.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Bugs already reported, each with an xfail regression test in tests/test_fuzz.py. While
# they stand, bounded runs in CI tolerate them (KGLOAD_FUZZ_STRICT=1 does not).
KNOWN_BUGS: dict[str, str] = {}  # none open (the ones found are fixed)
STRICT = os.environ.get("KGLOAD_FUZZ_STRICT") == "1"


class ContractBroken(AssertionError):
    """The harness found an input that breaks the contract."""


def _strings(data: Any) -> Any:
    todo = [data]
    while todo:
        value = todo.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            todo.extend(value.keys())
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)


def _known(message: str, strict: bool) -> bool:
    return not strict and any(sign in message for sign in KNOWN_BUGS.values())


def check_one(data: bytes, *, as_json: bool, strict: bool = STRICT) -> str:
    """Parse and check ``data``; returns "ok", "rejected" or "known"; raises otherwise.

    "known" is an exception of a bug in KNOWN_BUGS (never with ``strict``).
    """
    from kgload.check import check_facts
    from kgload.errors import InputRejected
    from kgload.facts import parse_bytes
    from kgload.registry import load_registry

    name = "fuzz.json" if as_json else "fuzz.yaml"
    try:
        facts = parse_bytes(data, name=name, as_json=as_json)
        for text in _strings(facts.data):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"lone surrogate in parsed text {text!r}") from None
        for path, (line, column) in facts.positions.items():
            if line < 1 or column < 1:
                raise ContractBroken(f"position {line}:{column} of {path} is not 1-based")
        check_facts(facts, load_registry().types)
        return "ok"
    except InputRejected as exc:
        if not exc.findings:
            raise ContractBroken("InputRejected without findings") from exc
        for finding in exc.findings:
            if not (finding.message and finding.rule and finding.file == name):
                raise ContractBroken(f"finding without message, rule or file: {finding}") \
                    from exc
            finding.format()
        return "rejected"
    except ContractBroken:
        raise
    except Exception as exc:  # noqa: BLE001 - any other exception breaks the contract
        if _known(str(exc), strict):
            return "known"
        raise ContractBroken(f"{type(exc).__name__}: {exc}") from exc


def test_one_input(data: bytes, strict: bool = STRICT) -> None:
    check_one(data, as_json=False, strict=strict)
    check_one(data, as_json=True, strict=strict)


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["kgload"]):
        import kgload.check  # noqa: F401
        import kgload.dates  # noqa: F401
        import kgload.facts  # noqa: F401
    from kgload.registry import load_registry

    load_registry()  # warm up outside the timed runs
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "loader"))
    main()
