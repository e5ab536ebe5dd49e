"""Shared fixtures: the seed article and its gold, the resources the stages are given, one Prefect harness per session.

Markers (pyproject.toml): a test that runs the real Prefect flow, in this process (it needs the
``prefect_harness``) or as the CLI in a child process, is ``e2e``; the report's Chromium test is
``browser``. ``./dev.sh test -m "not e2e and not browser"`` is the fast inner loop; CI runs all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows.settings import PROJECT_ROOT, configure_runtime_environment

configure_runtime_environment()

# Fixtures that start Prefect: any test needing one (directly or through another fixture) is e2e.
E2E_FIXTURES = frozenset({"prefect_harness"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


SEED = PROJECT_ROOT / "data" / "samples" / "000_a5b98195f9a05f26.txt"
GOLD = Path(__file__).parent / "data" / "seed_gold.json"


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def gold() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLD.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def resources() -> Any:
    from flows.resources import load_resources

    return load_resources(PROJECT_ROOT / "data" / "reference", PROJECT_ROOT / "data" / "models")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A throw-away Prefect API for the whole session (starting one costs ~15 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def sample_warehouse(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The main job's output: one nightly run over the bundled sample data (data/samples/)."""
    from flows.nightly import nightly

    root = tmp_path_factory.mktemp("sample-warehouse")
    nightly(inbox=PROJECT_ROOT / "data" / "samples", warehouse=root, run_date=date(2026, 11, 29))
    return root


def _stage_runs_row(store: Any, run_id: str, day: date) -> None:
    """Stage a bare ``runs`` row (no counts) for ``run_id``, as every run stages one."""
    from datetime import UTC, datetime

    from stages.schemas import frame

    started = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
    row: dict[str, Any] = {"started_at": started, "finished_at": started, "inbox": "inbox"}
    row |= {"status": "succeeded", "mode": "nightly"}
    row |= {f"n_{k}": 0 for k in ("files", "skipped", "articles", "rejects", "sentences", "stances")}
    store.write_part(run_id, "runs", day, frame("runs", [row]), "all")


@pytest.fixture(scope="session")
def publish_night() -> Any:
    """``publish(store, run_id, day, tables, replace=())``: publish staged tables as a run does, its
    ``runs`` row committed last (a bare one staged here unless the test staged its own)."""

    def publish(
        store: Any, run_id: str, day: date, tables: list[str], replace: tuple[str, ...] | list[str] = ()
    ) -> None:
        if not store.staged_parts(run_id, "runs"):
            _stage_runs_row(store, run_id, day)
        store.publish(run_id, day, [*tables, "runs"], replace=replace)

    return publish


# Columns that differ between two runs of the same input: their ids and times.
RUN_COLUMNS = frozenset({"run_id", "ingested_at", "started_at", "finished_at", "inbox", "table_versions"})


@pytest.fixture(scope="session")
def warehouse_rows() -> Any:
    """``rows(root)``: every published table of the warehouse at ``root``, as its rows without
    ``RUN_COLUMNS`` (one JSON text each, sorted), by table: what two runs of the same input share."""
    from flows.storage import Warehouse
    from stages.schemas import SCHEMAS

    def rows(root: str | Path) -> dict[str, list[str]]:
        store = Warehouse(root)
        found = {}
        for table in SCHEMAS:
            frame = store.read_table(table)
            kept = frame.drop(columns=[c for c in frame.columns if c in RUN_COLUMNS])
            found[table] = sorted(
                json.dumps(r, default=str, sort_keys=True) for r in kept.astype(object).to_dict("records")
            )
        return found

    return rows


S3_BUCKET = "stancewire-test"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# What the tests' S3 clients (botocore, s3fs, delta-rs) read, set for the whole session when this
# file is imported: the processes a run starts (the Dask cluster's workers, and the scheduler and
# workers a test starts itself) get the environment of the moment, so it holds the S3 server's
# address before any of them starts. The server itself starts on that port only for tests that ask.
S3_PORT = _free_port()
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{S3_PORT}",
    }
)


# A moto S3 server in a child process of its own: delta-rs holds the GIL during some of its S3
# requests, which a server thread in the test's own process would then wait for (a deadlock
# until the request times out). It prints its port, and stops when its stdin closes.
MOTO_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (a free port) for the whole session, with one bucket; the
    standard AWS variables (set above) point this process and its children at it. Yields the endpoint."""
    import subprocess
    import sys

    server = subprocess.Popen(
        [sys.executable, "-c", MOTO_SERVER, str(S3_PORT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    endpoint = f"http://127.0.0.1:{int(server.stdout.readline())}"
    assert os.environ["AWS_ENDPOINT_URL"] == endpoint
    try:
        import boto3

        boto3.client("s3").create_bucket(Bucket=S3_BUCKET)
        yield endpoint
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(params=["local", "s3"])
def store_root(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """A fresh warehouse root: a local folder, then an ``s3://`` prefix on the moto server."""
    if request.param == "local":
        return tmp_path / "wh"
    request.getfixturevalue("s3_server")
    import uuid

    return f"s3://{S3_BUCKET}/{uuid.uuid4().hex[:12]}"
