"""The stages after ingest on Dask: the embedded cluster and a cluster of real ``dask scheduler``
and ``dask worker`` processes give exactly the rows of a run in one process; a worker killed
mid-run costs nothing; a scheduler that goes away fails the run with one line, publishing nothing.

Each run reads the bundled samples in chunks of one file. The cluster the tests start is separate
from the test's process: a scheduler and two workers (one thread each, their own scratch
folders, started from another working directory), which reach the warehouse by its path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows.dask_runner import worker_resources
from flows.settings import PROJECT_ROOT
from flows.storage import Warehouse

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 30)
DASK = Path(sys.executable).with_name("dask")  # the console script of the pinned distributed


@pytest.fixture(scope="module")
def inbox() -> Path:
    """The bundled samples: three files (a text, an HTML page, a JSON-lines feed), three chunks."""
    return PROJECT_ROOT / "data" / "samples"


def night(inbox: Path, root: Path, **options: Any) -> None:
    from flows.nightly import nightly

    nightly(inbox=inbox, warehouse=root, run_date=DAY, chunk_size=1, **options)


@pytest.fixture(scope="module")
def in_one_process(prefect_harness: None, inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: ``--workers 0``, every stage in the flow's own process."""
    root = tmp_path_factory.mktemp("dask-one-process") / "wh"
    night(inbox, root, workers=0)
    assert not (root / "_reference").exists(), "no cluster, no snapshot"
    return root


@pytest.fixture(scope="module")
def expected(in_one_process: Path, warehouse_rows: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = warehouse_rows(in_one_process)
    assert len(found["articles"]) == 10 and len(found["stances"]) > 0 and len(found["attributions"]) > 0
    return found


def test_the_embedded_cluster_of_two_workers_stages_the_rows_of_one_process(
    prefect_harness: None, inbox: Path, expected: dict[str, list[str]], warehouse_rows: Any, tmp_path: Path
) -> None:
    root = tmp_path / "wh"
    night(inbox, root, workers=2)
    assert warehouse_rows(root) == expected
    assert len(list((root / "_reference").glob("*/snapshot.json"))) == 1, "the workers' snapshot"
    assert not list((root / "_staging").glob("*")), "nothing left staged"


@dataclass
class Cluster:
    """A ``dask scheduler`` and ``dask worker`` processes of the test's own, on 127.0.0.1."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]

    def client(self) -> Any:
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_cluster(folder: Path, workers: int = 2) -> Cluster:
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"

    def start(*args: str) -> subprocess.Popen[bytes]:
        # From the test's folder, not the project's: what they load comes from the installed
        # packages and the warehouse.
        return subprocess.Popen(
            [str(DASK), *args], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    scheduler = start(
        "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
        "--scheduler-file", str(scheduler_file),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not scheduler_file.exists():
        assert scheduler.poll() is None and time.monotonic() < deadline, "the scheduler did not start"
        time.sleep(0.1)
    time.sleep(0.2)  # written whole by then
    address = json.loads(scheduler_file.read_text())["address"]
    options = ["--nthreads", "1", "--nworkers", "1", "--no-dashboard"]
    processes = [
        start("worker", address, *options, "--name", f"w{n}", "--local-directory", str(folder / f"w{n}"))
        for n in range(workers)
    ]
    cluster = Cluster(address, scheduler, processes)
    with cluster.client() as client:
        client.wait_for_workers(workers, timeout=90)
    return cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = start_cluster(tmp_path_factory.mktemp("dask-cluster"))
    yield started
    started.stop()


def test_a_cluster_of_its_own_processes_stages_the_rows_of_one_process(
    prefect_harness: None,
    inbox: Path,
    expected: dict[str, list[str]],
    warehouse_rows: Any,
    cluster: Cluster,
    tmp_path: Path,
) -> None:
    root = tmp_path / "wh"
    night(inbox, root, scheduler=cluster.address)
    assert warehouse_rows(root) == expected
    with cluster.client() as client:
        loaded = client.run(worker_resources)
    assert len(loaded) == 2
    for state in loaded.values():
        assert state["loads"] == 1, "each worker loaded its resources once"
        assert state["loaded_from"].startswith(str(root / "_reference")), "from the warehouse's snapshot"


def cli_run(inbox: Path, root: Path, scheduler: str) -> subprocess.Popen[str]:
    env = {**os.environ, "STANCEWIRE_DATA_DOCS": "0"}
    for name in ("PREFECT_API_URL", "STANCEWIRE_WAREHOUSE", "STANCEWIRE_DASK_SCHEDULER"):
        env.pop(name, None)
    command = [
        sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox), "--warehouse", str(root),
        "--date", DAY.isoformat(), "--chunk-size", "1", "--scheduler", scheduler,
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def when_a_stances_job_runs(client: Any, run: subprocess.Popen[str], seconds: float = 180) -> str:
    """The address of a worker that is running a chunk's stances job, as soon as one is."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()[1][-3000:]
        for worker, keys in client.processing().items():
            if any(str(key).startswith("stancewire-stances-") for key in keys):
                return str(worker)
        time.sleep(0.05)
    raise AssertionError("no stances job ran")


def test_a_worker_killed_mid_run_costs_the_run_nothing(
    inbox: Path, expected: dict[str, list[str]], warehouse_rows: Any, cluster: Cluster, tmp_path: Path
) -> None:
    root = tmp_path / "wh"
    with cluster.client() as client:
        run = cli_run(inbox, root, cluster.address)
        victim = when_a_stances_job_runs(client, run)
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-3000:]
        client.wait_for_workers(2, timeout=60)
        pids = client.run(os.getpid)
    assert pid not in pids.values(), "the killed worker is gone (its nanny started another)"
    assert "stances" in out
    assert warehouse_rows(root) == expected, "the killed worker's job ran again elsewhere: the same rows"


def test_a_scheduler_that_goes_away_fails_the_run_with_one_line(inbox: Path, tmp_path: Path) -> None:
    lost = start_cluster(tmp_path / "lost-cluster")
    root = tmp_path / "wh"
    try:
        with lost.client() as client:
            run = cli_run(inbox, root, lost.address)
            when_a_stances_job_runs(client, run)
            lost.scheduler.kill()
        started = time.monotonic()
        _, err = run.communicate(timeout=180)
        took = time.monotonic() - started
    finally:
        lost.stop()
    assert run.returncode == 1, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        f"stancewire: run failed: ClusterLost: the Dask cluster at {lost.address} went away"
    )
    assert last.endswith("nothing of this run was published")
    # Above it, only Prefect's own log of the failed tasks, as for any failed run: nothing of Dask's.
    assert "distributed." not in err, err[-3000:]
    assert took < 60, f"{took:.0f} s from the scheduler's end to the run's"
    store = Warehouse(root)
    assert store.read_table("runs").empty and store.read_table("articles").empty, "nothing published"
