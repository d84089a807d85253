"""One error base class, the findings it carries, and the documented exit codes.

Every problem a user can cause is a :class:`KgloadError`; the CLI turns it into one
message and one exit code, in one place. Input problems are :class:`Finding` objects so
that all of them can be reported at once, each with file, line, column and fact id.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the ``kgload`` command; :data:`EXIT_CODE_MEANINGS` gives each one's
    meaning, for ``--help`` and the README. No other place defines an exit code."""

    OK = 0
    REJECTED = 1  # some input was rejected (the valid articles of the run were loaded)
    USAGE = 2  # wrong command line, unknown query or parameter
    BUSY = 3  # the store is in use by another kgload process
    IO = 4  # the store or a file cannot be read or written
    INTERNAL = 5  # a bug in kgload, or a broken installation
    TIMEOUT = 6  # a query ran past its time limit (--timeout) and was stopped
    INTERRUPTED = 130  # Ctrl-C


EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.REJECTED: "some input was rejected (the valid articles of the run were "
                       "loaded), a query contract does not hold (check), or a removal was "
                       "refused (remove)",
    ExitCode.USAGE: "usage error (bad option, unknown query or parameter)",
    ExitCode.BUSY: "the store is in use by another kgload process (see --wait)",
    ExitCode.IO: "the store or a file cannot be read or written (no store, a read-only or "
                 "full disk, a damaged store: see check-store), or a remote endpoint that "
                 "a query calls with SERVICE fails, or a remote endpoint (push, --endpoint) "
                 "cannot be reached, refuses the credentials or fails (rerun push with "
                 "--changed)",
    ExitCode.INTERNAL: "internal error: a bug in kgload or a broken installation (please "
                       "report it; -v shows the traceback)",
    ExitCode.TIMEOUT: "a query ran past its time limit (--timeout) and was stopped",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); what was committed is reported",
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a facts file, located as precisely as we can."""

    file: str
    message: str
    rule: str
    line: int | None = None
    column: int | None = None
    fact: str | None = None
    severity: str = "error"

    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self) -> str:
        fact = f" [{_printable(self.fact)}]" if self.fact else ""
        return f"{self.location()}:{fact} {self.message} ({self.rule})"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _printable(text: str) -> str:
    """Text with control characters escaped, so no input can drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


class KgloadError(Exception):
    """Base class of every error kgload reports to a user.

    Raise a subclass: one raised as the base class itself has not been sorted into a
    kind a user can act on, and exits as an internal error.
    """

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputRejected(KgloadError):
    """A facts file was rejected; ``findings`` says every reason at once."""

    exit_code = ExitCode.REJECTED

    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0].format() if findings else "rejected"
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(first + more)
        self.findings = findings


class Refused(KgloadError):
    """A change that would leave the store inconsistent (it is not made)."""

    exit_code = ExitCode.REJECTED


class UsageError(KgloadError):
    """The command was called wrongly (unknown query, bad parameter...)."""

    exit_code = ExitCode.USAGE


class StoreBusy(KgloadError):
    """Another kgload process holds the store."""

    exit_code = ExitCode.BUSY


class StoreError(KgloadError):
    """The store or a file cannot be read or written."""

    exit_code = ExitCode.IO


class QueryTimeout(KgloadError):
    """A query ran past its time limit and was stopped (the rows given so far stand)."""

    exit_code = ExitCode.TIMEOUT

    def __init__(self, message: str, *, seconds: float | None = None) -> None:
        super().__init__(message)
        self.seconds = seconds


class StoreDamaged(StoreError):
    """The store's database files are damaged (truncated, overwritten, missing)."""

    def __init__(self, path: object, detail: str) -> None:
        first = detail.strip().splitlines()[0] if detail.strip() else "unreadable"
        super().__init__(f"the store at {path} is damaged ({first[:300]}); restore it from "
                         "a backup (kgload restore), or load its facts files again into a "
                         "new store")
        self.path = path
        self.detail = detail


class InternalError(KgloadError):
    """kgload itself is broken: a bug, or an installation whose bundled files are damaged."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []
