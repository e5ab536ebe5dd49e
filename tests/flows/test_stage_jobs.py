"""Stage jobs: the later stages of one chunk, run here or on Dask worker processes, stage the same rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from flows.dask_runner import DaskRunner, StageResources, worker_resources
from flows.reference_snapshot import publish_snapshot
from flows.settings import PROJECT_ROOT
from flows.stage_jobs import (
    CLEANUP,
    SENTENCES,
    STANCES,
    InProcess,
    StageJob,
    StageRunner,
    run_job,
)
from flows.storage import Warehouse
from stages.ingest import RawFile, ingest
from stages.roles import Affiliation

DAY = date(2026, 11, 29)
RUN = "20261129-000000-jobs0000"
GERMAN = (
    "Die Regierung in Berlin hat am Montag neue Sanktionen gegen Russland beschlossen, sagte der Sprecher."
)
# The derived tables, in the order the stages stage them.
DERIVED = ("removed", "rejects", "paragraphs", "sentences", "mentions", "stances", "attributions")


@pytest.fixture(scope="module")
def articles(seed_bytes: bytes) -> pd.DataFrame:
    raw = [RawFile("seed.txt", seed_bytes), RawFile("de.txt", (GERMAN + "\n").encode() * 3)]
    frame, _ = ingest(raw, ingested_at=datetime(2026, 11, 29, tzinfo=UTC), seen={})
    return frame


def staged(root: Path, articles: pd.DataFrame, part: str = "p0") -> Warehouse:
    store = Warehouse(root)
    store.begin(RUN)
    store.write_part(RUN, "articles", DAY, articles, part)
    return store


def run_chunk(runner: StageRunner, root: str | Path, part: str = "p0", **cleanup: Any) -> list[Any]:
    written = []
    for stage in (CLEANUP, SENTENCES, STANCES):
        extra = cleanup if stage == CLEANUP else {}
        written += runner.run(StageJob(stage, root, RUN, DAY, part, **extra))
    return written


def tables(store: Warehouse) -> dict[str, pd.DataFrame]:
    return {t: store.read_staged(RUN, t) for t in DERIVED}


REFERENCE = PROJECT_ROOT / "data" / "reference"
MODEL = PROJECT_ROOT / "data" / "models" / "stance_minilm"


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskRunner]:
    """An embedded Dask cluster of two worker processes, loading the reference snapshot of a warehouse."""
    snapshot = publish_snapshot(tmp_path_factory.mktemp("snapshot-wh"), REFERENCE, MODEL)
    workers = DaskRunner.embedded(2, StageResources(snapshot, threads=1))
    yield workers
    workers.close()


def test_worker_processes_stage_the_same_rows_as_this_process(
    articles: pd.DataFrame, resources: Any, pool: DaskRunner, tmp_path: Path
) -> None:
    here = staged(tmp_path / "here", articles)
    there = staged(tmp_path / "there", articles)
    hashes = {"seed.txt": "a" * 64, "de.txt": "b" * 64}
    written_here = run_chunk(InProcess(lambda: resources), here.root, file_hashes=hashes)
    written_there = run_chunk(pool, there.root, file_hashes=hashes)
    assert written_here == written_there, "the same parts and row counts"
    assert [w.table for w in written_here] == [
        "removed",
        "rejects",
        "paragraphs",
        "sentences",
        "mentions",
        "stances",
        "attributions",
    ]
    mine, theirs = tables(here), tables(there)
    for table in DERIVED:
        pd.testing.assert_frame_equal(mine[table], theirs[table], obj=table)
    assert mine["rejects"]["reason"].tolist() == ["non_english"], "the German article is a non_english reject"
    assert len(mine["stances"]) > 0, "the seed article has stances"
    assert len(mine["attributions"]) > 0, "the seed article reports what people said"


def test_a_rebuild_job_reads_the_committed_articles_and_stages_no_rejects(
    articles: pd.DataFrame, resources: Any, tmp_path: Path, publish_night: Any
) -> None:
    store = staged(tmp_path, articles, "nightly")
    publish_night(store, RUN, DAY, ["articles"])
    committed = store.committed_files("articles", DAY)
    rebuild = "20261130-000000-jobs0001"
    store.begin(rebuild)
    written = InProcess(lambda: resources).run(
        StageJob(CLEANUP, store.root, rebuild, DAY, "p0", published=committed[0])
    )
    assert [w.table for w in written] == ["removed", "paragraphs"], "no file hashes: no rejects part"
    assert store.read_staged(rebuild, "paragraphs")["article_id"].nunique() == len(articles)


def test_a_stances_job_gives_the_lookup_each_articles_day(
    articles: pd.DataFrame, resources: Any, tmp_path: Path, publish_night: Any
) -> None:
    """The day asked is the article's published_at date (nightly: its staged articles; a rebuild:
    the committed file), else the run date; the lookup's roles land in the stances rows."""
    asked: set[tuple[str, date]] = set()

    def roles(name: str, day: date) -> Affiliation:
        asked.add((name, day))
        return Affiliation(None, "GOV")

    with_roles = InProcess(lambda: dataclasses.replace(resources, roles=roles))
    dated = articles.assign(published_at=pd.Timestamp("2026-11-20 23:30", tz="UTC"))
    run_chunk(with_roles, staged(tmp_path / "nightly", dated).root)
    assert {day for _, day in asked} == {date(2026, 11, 20)}, "published_at's UTC date"
    stances = Warehouse(tmp_path / "nightly").read_staged(RUN, "stances")
    held = stances[stances["source_name"].notna()]
    assert len(held) > 0 and set(held["source_role"]) == set(stances["target_role"]) == {"GOV"}
    assert stances.loc[stances["source_name"].isna(), "source_role"].isna().all(), "no holder, no role"

    asked.clear()
    store = staged(tmp_path / "rebuild", articles)
    publish_night(store, RUN, DAY, ["articles"])
    rebuild = "20261130-000000-jobs0001"
    store.begin(rebuild)
    for stage in (CLEANUP, SENTENCES, STANCES):
        with_roles.run(
            StageJob(
                stage, store.root, rebuild, DAY, "p0", published=store.committed_files("articles", DAY)[0]
            )
        )
    assert asked and {day for _, day in asked} == {DAY}, "no published_at: the run date"

    plain = staged(tmp_path / "plain", articles)
    run_chunk(InProcess(lambda: dataclasses.replace(resources, load_book=None)), plain.root)
    assert plain.read_staged(RUN, "stances")["source_role"].isna().all(), "no lookup: no roles"

    booked = staged(tmp_path / "booked", articles)
    run_chunk(InProcess(lambda: resources), booked.root)
    assert booked.read_staged(RUN, "stances")["source_role"].notna().any(), "the role book by default"


@pytest.mark.parametrize(
    ("job", "error", "why"),
    [
        (StageJob("tokenize", Path("."), RUN, DAY, "p0"), ValueError, "an unknown stage is refused"),
        (
            StageJob(SENTENCES, Path("."), RUN, DAY, "missing"),
            FileNotFoundError,
            "a missing input part is an error",
        ),
    ],
)
def test_a_failing_job_raises_its_own_error_from_a_worker_too(
    job: StageJob, error: type[Exception], why: str, resources: Any, pool: DaskRunner, tmp_path: Path
) -> None:
    job = StageJob(job.stage, tmp_path, job.run_id, job.run_date, job.part)
    with pytest.raises(error):
        run_job(job, resources)
    with pytest.raises(error):
        pool.run(job)


@pytest.mark.parametrize(
    ("module", "absent", "why"),
    [
        ("flows.nightly", "altair", "the report's charts (~24 MB) are not needed to run the stages"),
        ("flows.nightly", "distributed", "a run in one process (--workers 0, one chunk) never imports Dask"),
        ("flows.stage_jobs", "prefect", "a Dask worker loads what the stages need, not the orchestrator"),
        ("flows.dask_runner", "great_expectations", "validation stays in the flow's process"),
    ],
)
def test_a_process_does_not_load_what_it_does_not_use(module: str, absent: str, why: str) -> None:
    import subprocess
    import sys

    probe = f"import sys, {module}; print({absent!r} in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False", why


def test_with_attribution_off_nothing_is_parsed(
    articles: pd.DataFrame, resources: Any, tmp_path: Path
) -> None:
    def no_parser() -> Any:
        raise AssertionError("the parser was asked for")

    runner = InProcess(lambda: dataclasses.replace(resources, load_parser=no_parser))
    store = staged(tmp_path, articles)
    for stage in (CLEANUP, SENTENCES):
        runner.run(StageJob(stage, store.root, RUN, DAY, "p0"))
    written = runner.run(StageJob(STANCES, store.root, RUN, DAY, "p0", attribution=False))
    assert [(w.table, w.rows) for w in written if w.table == "attributions"] == [("attributions", 0)]
    assert len(store.read_staged(RUN, "stances")) > 0, "stances are tagged all the same"
    assert list(store.read_staged(RUN, "attributions").columns)[:3] == [
        "article_id",
        "sentence_index",
        "kind",
    ]


def test_each_worker_loads_its_resources_once_from_the_snapshot(
    articles: pd.DataFrame, pool: DaskRunner, tmp_path: Path
) -> None:
    """The plugin loaded the snapshot's copy on every worker when it joined, not the project's
    folder, and once: jobs run since did not load again."""
    run_chunk(pool, staged(tmp_path, articles).root)
    seen = pool._client.run(worker_resources)
    assert len(seen) == 2 == pool.slots, "two workers of one thread each"
    for state in seen.values():
        assert state["loads"] == 1, state
        assert "/_reference/" in state["loaded_from"] and state["loaded_from"].endswith("/reference"), state


def test_no_scheduler_at_the_address_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    import flows.dask_runner

    monkeypatch.setattr(flows.dask_runner, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    snapshot = publish_snapshot(tmp_path, REFERENCE, None)
    with pytest.raises(flows.dask_runner.ClusterLost, match=f"no Dask scheduler answers at {address}"):
        DaskRunner.connect(address, StageResources(snapshot))
