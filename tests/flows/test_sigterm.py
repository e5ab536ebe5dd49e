"""SIGTERM (systemd, Prefect) and SIGINT (Ctrl-C) stop `stancewire run` within seconds, cleanly:
nothing published, the warehouse lock released, one line on stderr, exit 128 + the signal, and
no process of the run left behind (Prefect's temporary server, the Dask cluster's stage workers).

Real `stancewire run` subprocesses, each in a session of its own so that whatever it starts can
be found afterwards, and each on its own temporary Prefect server (no PREFECT_API_URL): that
server is one of the processes that must not outlive the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from flows.settings import PROJECT_ROOT
from flows.stopping import UNWIND_SECONDS
from flows.storage import Warehouse

pytestmark = pytest.mark.e2e

FIRST, SECOND, THIRD = "2026-11-28", "2026-11-29", "2026-11-30"


def session_processes(sid: int) -> dict[int, str]:
    """The processes (zombies too) of session ``sid``, by pid, with their command lines."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getsid(int(entry)) != sid:
                continue
            found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ProcessLookupError):
            continue
    return found


def wait_for_empty_session(sid: int, seconds: float = 5) -> dict[int, str]:
    """What is left of the session once ``seconds`` have passed or it is empty. Multiprocessing's
    resource tracker ends only after the run (it waits for every holder of its pipe to go)."""
    deadline = time.monotonic() + seconds
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def cli_env() -> dict[str, str]:
    env = {**os.environ, "STANCEWIRE_DATA_DOCS": "0", "STANCEWIRE_WORKERS": "1"}
    for name in ("PREFECT_API_URL", "STANCEWIRE_WAREHOUSE"):
        env.pop(name, None)  # no API: the run starts Prefect's temporary server
    return env


def start_run(inbox: Path, warehouse: Path, day: str, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox), "--warehouse", str(warehouse)]
    return subprocess.Popen(
        [*command, "--date", day, *extra],
        env=cli_env(),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(run: subprocess.Popen[str], timeout: float = 150) -> tuple[int, str, float]:
    """The run's exit status, stderr and the time it ended (before its session is checked)."""
    _, err = run.communicate(timeout=timeout)
    ended = time.monotonic()
    left = wait_for_empty_session(run.pid)
    assert not left, f"processes of the run outlived it: {left}"
    return run.returncode, err, ended


def write_inbox(folder: Path, seed: bytes, numbers: range) -> Path:
    """Distinct articles: the seed with a different closing line each."""
    folder.mkdir(parents=True)
    for number in numbers:
        (folder / f"article-{number:05d}.txt").write_bytes(seed + f"\n\nStory number {number}.\n".encode())
    return folder


def test_sigterm_mid_run_stops_it_cleanly_and_the_next_run_publishes(
    tmp_path: Path, seed_bytes: bytes
) -> None:
    warehouse = tmp_path / "wh"
    code, err, _ = finish(start_run(write_inbox(tmp_path / "first", seed_bytes, range(1)), warehouse, FIRST))
    assert code == 0, err[-2000:]
    published = Warehouse(warehouse).published()

    # Many small chunks: the run is still ingesting and tagging when it is stopped.
    big = write_inbox(tmp_path / "big", seed_bytes, range(1, 401))
    run = start_run(big, warehouse, SECOND, "--chunk-size", "10")
    deadline = time.monotonic() + 90
    # Mid-run: the first chunk is staged and the embedded cluster's worker (started by
    # multiprocessing's spawn) is up.
    while not (
        (warehouse / "_staging").exists()
        and any("spawn_main" in c for c in session_processes(run.pid).values())
    ):
        assert run.poll() is None, run.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the run never got under way"
        time.sleep(0.1)
    started = session_processes(run.pid)
    assert any("uvicorn" in c for c in started.values()), f"no temporary Prefect server: {started}"
    assert (warehouse / ".lock").exists()

    signalled = time.monotonic()
    run.send_signal(signal.SIGTERM)
    code, err, ended = finish(run, timeout=30)
    took = ended - signalled
    print(f"SIGTERM to exit: {took:.2f} s")

    assert took < 10, f"{took:.1f} s from SIGTERM to exit"
    assert code == 128 + signal.SIGTERM, err[-2000:]
    assert err.strip().splitlines()[-1] == "stancewire: run stopped by SIGTERM; nothing of it was published"
    assert Warehouse(warehouse).published() == published, "nothing of the stopped run is visible"
    assert not (warehouse / ".lock").exists(), "the write lock is released"

    # The next run removes what the stopped one staged and publishes.
    code, err, _ = finish(
        start_run(write_inbox(tmp_path / "next", seed_bytes, range(401, 402)), warehouse, THIRD)
    )
    assert code == 0, err[-2000:]
    after = Warehouse(warehouse)
    assert after.run_dates("articles") == [date.fromisoformat(FIRST), date.fromisoformat(THIRD)]
    assert not any(date.fromisoformat(SECOND) in after.run_dates(t) for t in ("sentences", "stances"))
    assert not (warehouse / "_staging").exists() and not (warehouse / ".lock").exists()


# A stand-in for a run, without Prefect: holds the warehouse lock and a child process inside
# StopOnSignal; "stuck" swallows the stop (as a task thread busy with a stage does not let the
# flow end), so the exit has to be forced.
STAND_IN = textwrap.dedent(
    """
    import subprocess, sys, time
    from pathlib import Path
    from flows.stopping import StopOnSignal
    from flows.storage import Warehouse

    store, stuck = Warehouse(Path(sys.argv[1])), sys.argv[2] == "stuck"
    Path(sys.argv[1]).mkdir(parents=True, exist_ok=True)
    with StopOnSignal(store), store.lock("stand-in"):
        child = subprocess.Popen(["sleep", "600"])
        announced = False
        while True:
            try:
                if not announced:  # inside the try: the signal may land while it is printed
                    announced = True
                    print("ready", flush=True)
                time.sleep(60)
            except BaseException:
                if not stuck:
                    raise
    """
)

STOPS = [
    # (signal, how the block ends, the exit status, seconds to exit (least, most), why)
    (signal.SIGTERM, "unwinds", 143, (0, 3), "the block unwinds at once: the lock's own finally releases it"),
    (signal.SIGINT, "unwinds", 130, (0, 3), "Ctrl-C is a stop too, exit 128 + 2"),
    (
        signal.SIGTERM,
        "stuck",
        143,
        (UNWIND_SECONDS, UNWIND_SECONDS + 4),
        "the block never ends: forced after UNWIND_SECONDS, lock removed",
    ),
]


@pytest.mark.parametrize(("signum", "mode", "status", "seconds", "why"), STOPS, ids=[s[-1] for s in STOPS])
def test_a_stop_signal_ends_the_block_and_its_children(
    signum: int, mode: str, status: int, seconds: tuple[float, float], why: str, tmp_path: Path
) -> None:
    warehouse = tmp_path / "wh"
    process = subprocess.Popen(
        [sys.executable, "-c", STAND_IN, str(warehouse), mode],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    assert (warehouse / ".lock").exists()
    signalled = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    took = time.monotonic() - signalled
    assert process.returncode == status, (why, err)
    assert seconds[0] <= took < seconds[1], (why, took)
    name = signal.Signals(signum).name
    assert err.strip().splitlines()[-1] == f"stancewire: run stopped by {name}; nothing of it was published"
    assert not (warehouse / ".lock").exists(), why
    assert not wait_for_empty_session(process.pid), "the child process is stopped"


@pytest.mark.parametrize(("quiet", "warned"), [(False, True), (True, False)], ids=["plain", "quieted"])
def test_the_resource_tracker_says_nothing_after_a_stop(quiet: bool, warned: bool) -> None:
    """A stopped run's stage workers leave semaphores the resource tracker removes once the run
    has exited; started by StopOnSignal, it does so without a warning after the stop's line."""
    code = (
        "import os, sys\n"
        + (
            "from flows.stopping import _start_quiet_resource_tracker; _start_quiet_resource_tracker()\n"
            if quiet
            else ""
        )
        + "import multiprocessing as mp\n"
        "semaphore = mp.get_context('spawn').Semaphore(1)\n"
        "print('stopped', file=sys.stderr, flush=True)\n"
        "os._exit(143)\n"
    )
    # The tracker holds the child's stderr until it exits: what it says is captured too.
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT
    )
    assert child.stderr.splitlines()[0] == "stopped"
    assert ("leaked semaphore" in child.stderr) is warned
