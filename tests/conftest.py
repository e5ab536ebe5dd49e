"""Shared fixtures: the seed article and its gold, the resources the stages are given, one Prefect harness per session.

Markers (pyproject.toml): a test that runs the real Prefect flow, in this process (it needs the
``prefect_harness``) or as the CLI in a child process, is ``e2e``; the report's Chromium test is
``browser``. ``./dev.sh test -m "not e2e and not browser"`` is the fast inner loop; CI runs all.
"""

from __future__ import annotations

import json
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
