"""A run killed with SIGKILL at each step of its publish leaves the warehouse as it was (or, once
committed, as a finished run leaves it); the next run completes the work without duplicates.

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
from pathlib import Path

import pytest

from flows.storage import Warehouse

pytestmark = pytest.mark.e2e

FIRST, SECOND = "2026-11-28", "2026-11-29"

# `stancewire <args>` that SIGKILLs itself at a publish step: "staged" (before the staged files
# are moved), "moved" (moved, before the commit) or "committed" (just after the commit).
CRASHING_CLI = textwrap.dedent(
    """
    import functools, os, signal, sys
    from flows import cli
    from flows.storage import Warehouse

    def crash(*_):
        os.kill(os.getpid(), signal.SIGKILL)

    def around(name, before=crash, after=lambda *_: None):
        step = getattr(Warehouse, name)

        @functools.wraps(step)
        def wrapped(self, *args, **kwargs):
            before()
            result = step(self, *args, **kwargs)
            after()
            return result

        setattr(Warehouse, name, wrapped)

    crash_at, argv = sys.argv[1], sys.argv[2:]
    if crash_at == "staged":
        around("_move_staged")
    elif crash_at == "moved":
        around("_commit")
    elif crash_at == "committed":
        around("_commit", before=lambda *_: None, after=crash)
    else:
        raise SystemExit(f"unknown crash step {crash_at!r}")
    sys.exit(cli.main(argv))
    """
)


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
    inbox: Path, warehouse: Path, day: str, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    from prefect.settings import get_current_settings

    env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url), "STANCEWIRE_DATA_DOCS": "0"}
    launch = ["-c", CRASHING_CLI, crash_at] if crash_at else ["-m", "flows.cli"]
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


def committed_state(warehouse: Path) -> dict[str, str]:
    """The manifest and a checksum of every file it names."""
    manifest = json.loads((warehouse / "_manifest.json").read_text())["files"]
    state = {"manifest": hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()}
    for names in manifest.values():
        for name in names:
            state[name] = hashlib.sha256((warehouse / name).read_bytes()).hexdigest()
    return state


def counts(warehouse: Path) -> dict[str, int]:
    wh = Warehouse(warehouse)
    return {
        t: len(wh.read_table(t))
        for t in ("articles", "sentences", "stances", "stance_daily", "rejects", "files")
    }


@pytest.fixture(scope="module")
def first_night(prefect_harness: None, inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse after one clean night, copied by each test."""
    warehouse = tmp_path_factory.mktemp("first") / "wh"
    assert run_cli(inbox, warehouse, FIRST).returncode == 0
    return warehouse


@pytest.fixture(scope="module")
def clean(first_night: Path, second_inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Row counts after two clean nights: what every crash-and-rerun must end with."""
    warehouse = tmp_path_factory.mktemp("clean") / "wh"
    shutil.copytree(first_night, warehouse)
    assert run_cli(second_inbox, warehouse, SECOND).returncode == 0
    return counts(warehouse)


@pytest.mark.parametrize("step", ["staged", "moved", "committed"])
def test_a_run_killed_at_any_publish_step_loses_and_duplicates_nothing(
    first_night: Path, second_inbox: Path, clean: dict[str, int], tmp_path: Path, step: str
) -> None:
    warehouse = tmp_path / "wh"
    shutil.copytree(first_night, warehouse)
    before = committed_state(warehouse)
    killed = run_cli(second_inbox, warehouse, SECOND, crash_at=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    if step == "committed":
        assert committed_state(warehouse) != before, "the commit happened: the night is published whole"
        assert counts(warehouse) == clean
    else:
        assert committed_state(warehouse) == before, "nothing of the killed run is visible"
    rerun = run_cli(second_inbox, warehouse, SECOND)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert counts(warehouse) == clean, "the rerun completes the work, without duplicates"
    on_disk = {p.relative_to(warehouse).as_posix() for p in warehouse.glob("*/run_date=*/*.parquet")}
    assert on_disk == {
        n for names in json.loads((warehouse / "_manifest.json").read_text())["files"].values() for n in names
    }
    assert not (warehouse / "_staging").exists() and not (warehouse / ".lock").exists()
