"""A `kgload serve` process for tests: started on a free 127.0.0.1 port, stopped by PID."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MEMORY = 6 * 2**30  # address space of the server process at most


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


class Served:
    """``kgload --store STORE serve --port 0 ARGS`` in a subprocess; a context manager."""

    def __init__(self, store: Path, *args: str, env: Mapping[str, str] | None = None,
                 group: tuple[str, ...] = ()) -> None:
        self.store = store
        self.args = args
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KGLOAD_")}
        self.env.update(env or {})
        self.group = group
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.stderr: list[str] = []

    def __enter__(self) -> Served:
        command = [sys.executable, "-m", "kgload.cli", "--store", str(self.store),
                   *self.group, "serve", "--port", "0", *self.args]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, env=self.env, preexec_fn=_limits)
        assert self.proc.stderr is not None
        found = threading.Event()

        def drain() -> None:
            assert self.proc is not None and self.proc.stderr is not None
            for line in self.proc.stderr:
                self.stderr.append(line)
                match = re.search(r"serving .* at (http://127\.0\.0\.1:\d+)/", line)
                if match:
                    self.url = match.group(1)
                    found.set()
            self.proc.stderr.close()
            found.set()

        threading.Thread(target=drain, daemon=True).start()
        if not found.wait(60) or not self.url:
            self.stop()
            raise AssertionError("kgload serve did not start:\n" + "".join(self.stderr))
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def get(self, path: str, *, headers: Mapping[str, str] | None = None,
            data: bytes | None = None, method: str | None = None,
            timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        """(status, headers with lower-case names, body) of a request to the server."""
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return (response.status, {k.lower(): v for k, v in response.headers.items()},
                        response.read())
        except urllib.error.HTTPError as error:
            return (error.code, {k.lower(): v for k, v in error.headers.items()},
                    error.read())


def wait_until(check: Any, seconds: float = 30) -> None:
    until = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < until, "timed out"
        time.sleep(0.05)
