"""A run killed with SIGKILL at each step of its publish leaves the warehouse as it was (or, once
its runs row is committed, as a finished run leaves it); the next run completes the work without
duplicates. On a local folder and on S3 (the moto server of tests/conftest.py).

Real runs of `stancewire run` in a subprocess, against the session's Prefect test server; the
process kills itself at a named step (``CRASHING_CLI`` wraps the warehouse's publish steps
before it calls the CLI), so every step is hit exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from flows.storage import Warehouse
from stages.schemas import TABLES

pytestmark = pytest.mark.e2e

FIRST, SECOND = "2026-11-28", "2026-11-29"
S3_BUCKET = "stancewire-test"  # the bucket tests/conftest.py's s3_server makes
LEASE_SECONDS = 4  # a killed run's lease on S3 expires this long after its last renewal

# `stancewire <args>` that SIGKILLs itself at a publish step, the ``nth`` time it comes (tables
# are committed one at a time, in TABLES order): "staged" (before a table's files are moved),
# "moved" (moved, before its Delta commit: the commit has not happened), "committed" (just
# after it), "runs" (every table committed, before the runs row) and "published" (just after it).
CRASHING_CLI = textwrap.dedent(
    """
    import functools, os, signal, sys
    from flows import cli
    from flows.storage import Warehouse

    def crash(*_):
        os.kill(os.getpid(), signal.SIGKILL)

    def around(name, nth, before=True):
        step = getattr(Warehouse, name)
        calls = [0]

        @functools.wraps(step)
        def wrapped(self, *args, **kwargs):
            calls[0] += 1
            if before and calls[0] == nth:
                crash()
            result = step(self, *args, **kwargs)
            if not before and calls[0] == nth:
                crash()
            return result

        setattr(Warehouse, name, wrapped)

    crash_at, nth, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if crash_at == "staged":
        around("_move_staged", nth)
    elif crash_at == "moved":
        around("_commit_table", nth)
    elif crash_at == "committed":
        around("_commit_table", nth, before=False)
    elif crash_at == "runs":
        around("_commit_runs", nth)
    elif crash_at == "published":
        around("_commit_runs", nth, before=False)
    else:
        raise SystemExit(f"unknown crash step {crash_at!r}")
    sys.exit(cli.main(argv))
    """
)
N_TABLES = len(TABLES) - 1  # committed one by one before runs


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory, seed_bytes: bytes) -> Path:
    """The first night's inbox holds the seed; the second night a feed arrives beside it."""
    root = tmp_path_factory.mktemp("crash-inbox")
    (root / "seed.txt").write_bytes(seed_bytes)
    return root


@pytest.fixture(scope="module")
def second_inbox(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-inbox-2") / "inbox"
    shutil.copytree(inbox, root)
    rows = [{"text": f"Story {i}: Lavrov accused NATO of raising tensions."} for i in range(3)]
    (root / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def run_cli(
    inbox: Path, warehouse: str | Path, day: str, crash_at: tuple[str, int] | None = None
) -> subprocess.CompletedProcess[str]:
    from prefect.settings import get_current_settings

    env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url), "STANCEWIRE_DATA_DOCS": "0"}
    env["STANCEWIRE_LEASE_SECONDS"] = str(LEASE_SECONDS)
    launch = ["-c", CRASHING_CLI, crash_at[0], str(crash_at[1])] if crash_at else ["-m", "flows.cli"]
    command = [
        sys.executable,
        *launch,
        "run",
        "--inbox",
        str(inbox),
        "--warehouse",
        str(warehouse),
        "--date",
        day,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def committed_state(warehouse: str | Path) -> dict[str, str]:
    """What readers see: the published run, the versions it records and a checksum of every
    file those versions name."""
    wh = Warehouse(warehouse)
    published = wh.published()
    state = {"run": str(published.run_id), "versions": json.dumps(published.versions, sort_keys=True)}
    for uris in wh.view_files().values():
        for uri in uris:
            rel = uri.removeprefix(wh.location.uri("")).lstrip("/")
            state[rel] = hashlib.sha256(wh.location.read_bytes(rel)).hexdigest()
    return state


def counts(warehouse: str | Path) -> dict[str, int]:
    wh = Warehouse(warehouse)
    return {
        t: len(wh.read_table(t))
        for t in ("articles", "sentences", "stances", "stance_daily", "rejects", "files")
    }


def wait_until_free(warehouse: str | Path) -> None:
    """Until nobody holds the warehouse: at once on disk (the kernel drops a killed run's flock);
    on S3 once the killed run's lease has expired (``LEASE_SECONDS``), which a run started
    before then is refused for."""
    wh = Warehouse(warehouse)
    deadline = time.monotonic() + 3 * LEASE_SECONDS
    while wh.write_lock.holder() is not None:
        assert time.monotonic() < deadline, "the killed run's lease never expired"
        time.sleep(0.5)


def copy_warehouse(src: str | Path, dst: str | Path) -> None:
    """A copy of a warehouse, local or on S3."""
    if isinstance(src, Path) and isinstance(dst, Path):
        shutil.copytree(src, dst)
        return
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)
    for path in fs.find(str(src).removeprefix("s3://")):
        fs.copy(path, path.replace(str(src).removeprefix("s3://"), str(dst).removeprefix("s3://"), 1))


def new_root(kind: str, tmp_path_factory: pytest.TempPathFactory, name: str) -> str | Path:
    if kind == "local":
        return tmp_path_factory.mktemp(name) / "wh"
    return f"s3://{S3_BUCKET}/{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module", params=["local", "s3"])
def store_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3_server")
    return str(request.param)


@pytest.fixture(scope="module")
def first_night(
    prefect_harness: None, store_kind: str, inbox: Path, tmp_path_factory: pytest.TempPathFactory
) -> str | Path:
    """A warehouse after one clean night, copied by each test."""
    warehouse = new_root(store_kind, tmp_path_factory, "first")
    done = run_cli(inbox, warehouse, FIRST)
    assert done.returncode == 0, done.stderr[-2000:]
    return warehouse


@pytest.fixture(scope="module")
def clean(
    store_kind: str, first_night: str | Path, second_inbox: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, int]:
    """Row counts after two clean nights: what every crash-and-rerun must end with."""
    warehouse = new_root(store_kind, tmp_path_factory, "clean")
    copy_warehouse(first_night, warehouse)
    assert run_cli(second_inbox, warehouse, SECOND).returncode == 0
    return counts(warehouse)


# (step, nth call): before the first table's move, between the move and the commit of a middle
# table, after the last table's commit, before and after the runs row.
STEPS = [("staged", 1), ("moved", N_TABLES // 2), ("committed", N_TABLES), ("runs", 1), ("published", 1)]


@pytest.mark.parametrize("step", STEPS, ids=[f"{s}-{n}" for s, n in STEPS])
def test_a_run_killed_at_any_publish_step_loses_and_duplicates_nothing(
    store_kind: str,
    first_night: str | Path,
    second_inbox: Path,
    clean: dict[str, int],
    tmp_path_factory: pytest.TempPathFactory,
    step: tuple[str, int],
) -> None:
    warehouse = new_root(store_kind, tmp_path_factory, "crash")
    copy_warehouse(first_night, warehouse)
    before = committed_state(warehouse)
    killed = run_cli(second_inbox, warehouse, SECOND, crash_at=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    if step[0] == "published":
        assert committed_state(warehouse) != before, "the runs row is committed: the night is published whole"
        assert counts(warehouse) == clean
    else:
        assert committed_state(warehouse) == before, "nothing of the killed run is visible"
    wait_until_free(warehouse)  # a killed writer's lease (S3) holds the warehouse until it expires
    rerun = run_cli(second_inbox, warehouse, SECOND)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert counts(warehouse) == clean, "the rerun completes the work, without duplicates"
    wh = Warehouse(warehouse)
    assert not wh.location.glob("_staging/*"), "no staging is left"
    wh.ensure_free()  # the lock (or lease) is released
    latest = {t: wh.tables.latest_version(t) for t in wh.published().versions}
    for table, version in wh.published().versions.items():
        assert wh.tables.same_files(table, latest[table] or 0, version), f"{table} holds what is published"
