"""The chunks' later stages on Dask (``distributed``): an embedded cluster, or one already running.

``DaskRunner`` is the stage runner (``flows.stage_jobs.StageRunner``) of a run with several
chunks. Each ``StageJob`` (picklable, naming staged parts rather than holding frames) is
submitted as one Dask future; the Prefect task that submitted it waits for its result and then
validates the parts it wrote, in the flow's process. Prefect stays the orchestrator on its own
thread pool: Prefect's ``DaskTaskRunner`` would pickle every task's arguments (~0.5 s a task,
against ~2-12 ms a plain future here).

- ``DaskRunner.embedded(n)`` starts a ``distributed.LocalCluster`` of ``n`` worker processes
  of one thread each, on 127.0.0.1, without a dashboard, and stops it when the run ends.
- ``DaskRunner.connect(address)`` submits to the scheduler at ``address`` (``--scheduler``,
  ``STANCEWIRE_DASK_SCHEDULER``) and leaves the cluster running.

Workers load their resources once each (``StageResources``, a ``WorkerPlugin``) from the
reference snapshot the flow put in the warehouse (``flows.reference_snapshot``), and read and
write the staged parts through the warehouse's path or URI: nothing comes from the flow host's
own disk. A worker process that dies mid-job (killed, out of memory) has its job run again on
another by the scheduler (up to ``distributed.scheduler.allowed-failures`` times, 3 by default;
then the run fails with ``KilledWorker``). A scheduler that goes away fails the run with
``ClusterLost``, before anything is published.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, get_worker
from distributed.client import FutureCancelledError

from flows.reference_snapshot import Snapshot, open_snapshot
from flows.resources import Resources, load_resources
from flows.stage_jobs import StageJob, Written, run_job

PLUGIN_NAME = "stancewire-resources"
# The cluster's own INFO lines (workers starting, closing) would fill a run's console.
logging.getLogger("distributed").setLevel(logging.WARNING)
# How long a run waits for an existing cluster's scheduler to answer, and for a worker to join.
CONNECT_TIMEOUT_S = 30
WAIT_STEP_S = 1.0  # how often a job's wait checks that the scheduler is still there


class ClusterLost(RuntimeError):
    """The Dask cluster a run submits its stage jobs to went away (its scheduler stopped)."""


class StageResources(WorkerPlugin):
    """Loads a worker's resources once, when the worker starts (or when a run registers a new
    snapshot): the reference data and sentence model of ``snapshot``, the model on ``threads``
    ONNX Runtime threads."""

    name = PLUGIN_NAME

    def __init__(self, snapshot: Snapshot, threads: int = 1) -> None:
        self.snapshot = snapshot
        self.threads = threads
        self.resources: Resources | None = None
        self.loaded_from: Path | None = None
        self.loads = 0

    async def setup(self, worker: Any) -> None:
        # Off the worker's event loop: loading takes seconds, and the loop answers heartbeats.
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._load, Path(worker.local_directory))

    def _load(self, scratch: Path) -> None:
        reference, model = open_snapshot(self.snapshot, scratch / "stancewire-reference")
        self.resources = load_resources(reference, sentence_model_dir=model, threads=self.threads)
        self.loaded_from = reference
        self.loads += 1


def worker_resources(dask_worker: Any) -> dict[str, Any]:
    """What a worker's ``StageResources`` loaded (``Client.run(worker_resources)``, which passes
    the worker): where from, how often, and the snapshot's digest."""
    plugin = dask_worker.plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, StageResources):
        return {}
    return {"loaded_from": str(plugin.loaded_from), "loads": plugin.loads, "digest": plugin.snapshot.digest}


def run_on_worker(job: StageJob) -> list[Written]:
    """A stage job on a Dask worker, with the resources its ``StageResources`` loaded."""
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, StageResources) or plugin.resources is None:
        raise RuntimeError("this Dask worker has no stancewire resources (StageResources not registered)")
    return run_job(job, plugin.resources)


class DaskRunner:
    """Runs stage jobs as Dask futures on ``client``'s cluster (and closes ``cluster``, when the
    runner started it)."""

    def __init__(self, client: Client, plugin: StageResources, cluster: LocalCluster | None = None) -> None:
        self._client = client
        self._cluster = cluster
        try:
            client.register_plugin(plugin)
            info = client.scheduler_info(n_workers=-1)
        except BaseException:
            self.close()
            raise
        self.address = str(info["address"])
        self._slots = max(1, sum(int(w["nthreads"]) for w in info["workers"].values()))

    @classmethod
    def embedded(cls, workers: int, plugin: StageResources) -> DaskRunner:
        """A cluster of ``workers`` processes on 127.0.0.1, started for this run."""
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.WARNING,
        )
        try:
            client = Client(cluster, set_as_default=False)
        except BaseException:
            cluster.close()
            raise
        return cls(client, plugin, cluster)

    @classmethod
    def connect(cls, address: str, plugin: StageResources) -> DaskRunner:
        """The running cluster whose scheduler is at ``address``; waits for one worker."""
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except OSError as err:
            raise ClusterLost(f"no Dask scheduler answers at {address}: {err}") from None
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            client.close()
            raise ClusterLost(
                f"the Dask scheduler at {address} has no worker (none joined in {CONNECT_TIMEOUT_S} s)"
            ) from None
        return cls(client, plugin)

    @property
    def slots(self) -> int:
        """Jobs the cluster runs at once: its workers' threads, as the run started."""
        return self._slots

    def run(self, job: StageJob) -> list[Written]:
        if self._client.status != "running":
            raise self._lost("ClientNotRunning")
        key = f"stancewire-{job.stage}-{job.part}-{uuid.uuid4().hex[:8]}"
        future = self._client.submit(run_on_worker, job, key=key, pure=False)
        finished = threading.Event()
        future.add_done_callback(lambda _: finished.set())
        # Not ``future.result(timeout=...)``: distributed's sync() can then return an unbound
        # result (UnboundLocalError, met at 50k articles) when the timeout and the result race.
        while not finished.wait(WAIT_STEP_S):
            # A client that lost its scheduler reconnects for a while, but every future it had
            # is gone with the scheduler: the job would never finish.
            if self._client.status != "running":
                raise self._lost("SchedulerUnreachable")
        try:
            written: list[Written] = future.result()
        except (FutureCancelledError, asyncio.CancelledError, OSError) as err:
            if self._client.status == "running":  # the job's own error (or a cancelled future)
                raise
            raise self._lost(type(err).__name__) from None
        return written

    def _lost(self, why: str) -> ClusterLost:
        # The client's reconnecting would log its own tracebacks from here on: the run's one
        # line says what happened.
        for name in ["distributed", *logging.root.manager.loggerDict]:
            if name == "distributed" or name.startswith("distributed."):  # dask sets some of their own
                logging.getLogger(name).setLevel(logging.CRITICAL)
        return ClusterLost(
            f"the Dask cluster at {self.address} went away mid-run ({why}); nothing of this run was published"
        )

    def close(self) -> None:
        self._client.close(timeout=5)
        if self._cluster is not None:
            self._cluster.close(timeout=10)
