"""Worker processes of ``load --jobs N``: they hold nothing of the store and die with the load.

Forked workers used to inherit the store's ``flock``'d lock file and the caller's standard
output; after a SIGKILL of the main process they lived on (parent PID 1) and the store
stayed locked for good, and ``kgload load ... | tee log`` never ended.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgload.iris import Iris
from kgload.store import Store
from kgload.workers import preparer

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "loader")}
GONE_WITHIN = 60.0  # seconds: a bound on waiting, not a speed target (dying takes < 1 s)

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                                reason="reads process information from /proc (Linux)")


def _kgload(*args: str) -> list[str]:
    return [sys.executable, "-c", "from kgload.cli import main; main()", *args]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(n) for n in (task / "children").read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # a zombie is dead


def _wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return bool(condition())  # type: ignore[operator]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("workers") / "corpus"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(out),
                    "--articles", "24", "--seed", "7"], check=True, capture_output=True,
                   env=ENV)
    return out / "articles"


def test_sigkill_of_a_parallel_load_leaves_no_worker_no_lock_and_no_open_pipe(
        corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    process = subprocess.Popen(_kgload("--store", str(store), "load", "--jobs", "2",
                                       str(corpus)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert process.stdout is not None and process.stderr is not None
    workers: set[int] = set()
    try:
        for line in process.stderr:  # an article came back from the pool: it is running
            if line.startswith(b"loaded "):
                break
        workers = _children(process.pid)
        assert len(workers) >= 2, workers
        process.kill()
        process.wait(timeout=60)
        assert _wait_until(lambda: not any(_alive(w) for w in workers), GONE_WITHIN), \
            f"workers outlived the killed load: {sorted(w for w in workers if _alive(w))}"
        # nobody holds the store: a reader and a writer get it at once
        for command in (["articles"], ["load", str(corpus)]):
            result = subprocess.run(_kgload("--store", str(store), *command),
                                    capture_output=True, text=True, env=ENV, timeout=300)
            assert result.returncode == 0, result.stderr
        # a reader of the load's standard output (`kgload load ... | tee log`) sees its end
        assert _wait_until(lambda: bool(select.select([process.stdout], [], [], 0)[0]),
                           GONE_WITHIN)
        assert process.stdout.read() == b""
    finally:
        process.stdout.close()
        process.stderr.close()
        for pid in workers:  # the old code's survivors: ours to end
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_worker_holds_no_file_of_the_store_nor_the_callers_stdout(tmp_path: Path) -> None:
    path = tmp_path / "store"
    ours = os.readlink("/proc/self/fd/1")
    with Store(path, write=True), preparer(2, Iris(), "fast") as pool:
        pids = {pool.executor.submit(os.getpid).result(timeout=300)  # type: ignore[union-attr]
                for _ in range(4)}
        children = _children(os.getpid())
        assert pids and pids <= children
        for pid in children:
            held = set()
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    held.add(os.readlink(fd))
                except OSError:  # closed meanwhile
                    continue
            assert not {h for h in held if h.startswith(str(path))}, (pid, held)
            if pid in pids:
                assert os.readlink(f"/proc/{pid}/fd/1") != ours
