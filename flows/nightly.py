"""The nightly Prefect flow: ingest -> cleanup -> sentences -> stances -> stance_daily.

This module only orchestrates: it lists the inbox, cuts it into chunks, and for each chunk
submits one Prefect task per stage (``flows.tasks``), each followed by the validation of what
it staged. When every chunk and the aggregation have passed, ``runs`` and ``dq_results`` are
written and all tables are published at once. A suite that fails stops the run before
anything is published.

Three kinds of run:

- nightly (``nightly()``): the inbox files no earlier run has read (by content hash) are
  added to the run date; with nothing new, only a ``runs`` row is written, before any
  model or Great Expectations is loaded;
- rebuild (``nightly(rebuild=True)``): a run date is reprocessed from its published
  articles (after a tagger upgrade, say), its derived tables replaced in one commit;
- backfill (``backfill()``): a rebuild per run date in a range, one flow run each,
  resumable: a backfill stopped part-way skips the dates it has done when rerun.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from flows.settings import (
    TAGGERS,
    VENDOR_DIR,
    Settings,
    SettingsError,
    configure_runtime_environment,
    load_settings,
)

configure_runtime_environment()

from prefect import flow, get_run_logger  # noqa: E402  (Prefect must see the environment defaults first)
from prefect.futures import PrefectFuture  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from flows.data_docs import make_offline  # noqa: E402
from flows.resources import Resources, load_resources  # noqa: E402
from flows.run_context import NIGHTLY, REBUILD, RunContext  # noqa: E402
from flows.run_record import BackfillSummary, RunSummary, make_run_id, run_summary  # noqa: E402
from flows.sources import InboxSource, Source  # noqa: E402
from flows.stage_jobs import InProcess, StageRunner  # noqa: E402
from flows.storage import Warehouse  # noqa: E402
from flows.tasks import (  # noqa: E402
    aggregate_run,
    cleanup_chunk,
    ingest_chunk,
    new_files,
    publish_nothing_new,
    publish_run,
    sentences_chunk,
    stances_chunk,
    validate_parts,
)
from flows.validation import Validator  # noqa: E402
from stages.near_duplicates import SignatureIndex  # noqa: E402
from stages.stance.minilm import MINILM_DIR_NAME  # noqa: E402

T = TypeVar("T")


def untouched(value: T) -> T:
    """``value`` as a task argument Prefect hands over as it is. Prefect walks every argument
    (dataclass fields, dict items) looking for futures, and rebuilds it: the run context and
    the night's ``seen`` ids walked again for every task made the flow's cost per article grow
    with the size of the night. (``quote`` is unwrapped before the task runs; the cast only
    tells the type checker so.)"""
    return cast(T, quote(value))


class NothingToRebuild(ValueError):
    """A rebuild of a run date that has no published articles."""


def chunked(names: list[str], sizes: dict[str, int], max_files: int, max_bytes: int) -> list[list[str]]:
    """Consecutive chunks of at most ``max_files`` files and, unless one file alone is larger,
    ``max_bytes`` bytes: what bounds the articles (and memory) a chunk holds."""
    chunks: list[list[str]] = []
    chunk: list[str] = []
    total = 0
    for name in names:
        size = sizes.get(name, 0)
        if chunk and (len(chunk) >= max_files or total + size > max_bytes):
            chunks.append(chunk)
            chunk, total = [], 0
        chunk.append(name)
        total += size
    return [*chunks, chunk] if chunk else chunks


def run_pipeline(settings: Settings, source: Source, run_date: date, *, rebuild: bool = False) -> RunSummary:
    """All stages over ``source`` (or, with ``rebuild``, over the run date's published articles) into
    ``settings.warehouse``; must run inside a Prefect flow.

    The warehouse's write lock is taken first: a second run exits at once with ``WarehouseBusy``.
    """
    mode = REBUILD if rebuild else NIGHTLY
    names = [] if rebuild else source.list()
    warehouse = Warehouse(settings.warehouse, settings.lease_seconds)
    started_at = datetime.now(UTC).replace(microsecond=0)
    run_id = make_run_id(run_date, started_at, source, [mode, *names])
    with warehouse.lock(run_id):
        warehouse.begin(run_id)
        ctx = RunContext(
            run_id=run_id,
            run_date=run_date,
            started_at=started_at,
            mode=mode,
            settings=settings,
            source=source,
            warehouse=warehouse,
            # Neither builds anything yet: GX is imported at the first check, resources at first use.
            validator=Validator(
                settings.expectations_dir, warehouse.reports_dir / "data_docs" if settings.data_docs else None
            ),
            load_resources=lambda: load_resources(
                settings.reference_dir,
                sentence_model_dir=sentence_model_dir(settings),
                threads=model_threads(1),
            ),
        )
        try:
            return _rebuild(ctx) if rebuild else _ingest_new(ctx, names)
        finally:
            if settings.data_docs and ctx.validator.built:  # passed or failed, the docs were updated
                # Imported here: the report's modules bring altair (~24 MB) that the run does not need.
                from flows.report import vega_bundle

                make_offline(warehouse.reports_dir / "data_docs", VENDOR_DIR / "data_docs", vega_bundle)
                warehouse.upload_reports("data_docs")


def _ingest_new(ctx: RunContext, names: list[str]) -> RunSummary:
    """A nightly run: the inbox files no earlier run has read, decided before anything is loaded."""
    ctx.processed = set(ctx.warehouse.read_table("files", columns=["file_sha256"])["file_sha256"])
    fresh, skipped, sizes = new_files(ctx.source, names, ctx.processed)
    ctx.mark_skipped(skipped)
    if skipped:
        get_run_logger().info(
            "skipped %d file(s) already processed by an earlier run (same content hash): %s",
            len(skipped),
            sorted(skipped)[:5],
        )
    if not fresh:
        return run_summary(ctx, publish_nothing_new(untouched(ctx), len(names)))
    chunks = chunked(fresh, sizes, ctx.settings.chunk_size, ctx.settings.chunk_bytes)
    published = ctx.warehouse.read_table("articles", columns=["article_id", "source_path"])
    seen: dict[str, str] = dict(zip(published["article_id"], published["source_path"], strict=True))
    index = earlier_signatures(ctx.warehouse, ctx.run_date, ctx.settings.near_duplicate_days)
    in_flight: list[list[PrefectFuture[Any]]] = []
    with ctx.running(stage_runner(ctx.settings, len(chunks), lambda: ctx.resources)) as stages:
        for number, chunk in enumerate(chunks):
            part = ctx.part(f"{number:05d}")
            ingested, hashes = ingest_chunk(untouched(ctx), chunk, part, untouched(seen), untouched(index))
            seen.update(ingested)
            in_flight.append(_later_stages(ctx, part, hashes))
            _drain(in_flight, busy_chunks(stages))  # the next chunk is ingested meanwhile
        _drain(in_flight, 0)
    aggregate_run(untouched(ctx))
    return run_summary(ctx, publish_run(untouched(ctx), len(names)))


def _rebuild(ctx: RunContext) -> RunSummary:
    """Reprocess the run date's published articles, one committed articles file per chunk."""
    parts = ctx.warehouse.committed_files("articles", ctx.run_date)
    if not parts:
        raise NothingToRebuild(f"no articles are published for {ctx.run_date}: nothing to rebuild")
    in_flight: list[list[PrefectFuture[Any]]] = []
    n_articles = 0
    with ctx.running(stage_runner(ctx.settings, len(parts), lambda: ctx.resources)) as stages:
        for number, rel_path in enumerate(parts):
            n_articles += ctx.warehouse.committed_rows(rel_path)
            in_flight.append(_later_stages(ctx, ctx.part(f"{number:05d}"), published=rel_path))
            _drain(in_flight, busy_chunks(stages))
        _drain(in_flight, 0)
    aggregate_run(untouched(ctx))
    return run_summary(ctx, publish_run(untouched(ctx), 0, n_articles))


def earlier_signatures(warehouse: Warehouse, run_date: date, days: int) -> SignatureIndex:
    """The near-duplicate index of the published articles of the ``days`` latest run dates up to
    ``run_date`` (its own earlier runs included), oldest first: what tonight's copies point at.

    Read one run date at a time, so that only one night's signatures are ever held as frames."""
    index = SignatureIndex()
    dates = warehouse.run_dates("article_signatures", last=run_date)
    for day in dates[-days:] if days > 0 else []:
        index.add(
            warehouse.read_table("article_signatures", day),
            warehouse.read_table("articles", day, ["article_id", "duplicate_of"]),
        )
    return index


def _later_stages(
    ctx: RunContext, part: str, file_hashes: dict[str, str] | None = None, published: str | None = None
) -> list[PrefectFuture[Any]]:
    """Submit a chunk's cleanup, sentences and stances, each after the one before and each followed
    by the validation of what it staged; their futures, in stage order."""
    run = untouched(ctx)
    # Prefect resolves a future passed as an argument; its typing only knows the resolved type.
    cleaned: Any = cleanup_chunk.submit(run, part, untouched(file_hashes), published)
    split: Any = sentences_chunk.submit(run, part, return_state=False, wait_for=[cleaned])
    tagged: Any = stances_chunk.submit(run, part, published, return_state=False, wait_for=[split])
    futures: list[PrefectFuture[Any]] = []
    for stage in (cleaned, split, tagged):
        futures += [stage, validate_parts.submit(run, stage)]
    return futures


def _drain(in_flight: list[list[PrefectFuture[Any]]], keep: int) -> None:
    """Wait for the oldest chunks until at most ``keep`` are in flight (this bounds memory). A
    chunk's stages are awaited in order, so a failure surfaces as its own exception (a later
    stage would only report that its upstream did not complete)."""
    while len(in_flight) > keep:
        for future in in_flight.pop(0):
            future.result()


def busy_chunks(stages: StageRunner) -> int:
    """Chunks whose stages run while the next chunk is ingested: one per job the runner runs at
    once (at most ``MAX_BUSY_CHUNKS``), or the one chunk this process works on."""
    return min(stages.slots, MAX_BUSY_CHUNKS)


def stage_runner(settings: Settings, n_chunks: int, resources: Callable[[], Resources]) -> StageRunner:
    """What runs the chunks' later stages: the Dask cluster at ``settings.dask_scheduler``, when one
    is given; else an embedded one of ``settings.workers`` worker processes (no more than there are
    chunks) when there are several chunks; else this process with ``resources`` (``workers`` 0,
    or one chunk: starting a cluster would cost more than it saves). The workers load the
    reference data and sentence model from a snapshot in the warehouse, written here first."""
    workers = min(settings.workers, n_chunks)
    if settings.dask_scheduler is None and (n_chunks <= 1 or workers == 0):
        return InProcess(resources)
    # Dask is imported only for a run that uses it (about 0.5 s).
    from flows.dask_runner import DaskRunner, StageResources
    from flows.reference_snapshot import publish_snapshot

    snapshot = publish_snapshot(settings.warehouse, settings.reference_dir, sentence_model_dir(settings))
    if settings.dask_scheduler is not None:
        return DaskRunner.connect(settings.dask_scheduler, StageResources(snapshot, threads=1))
    return DaskRunner.embedded(workers, StageResources(snapshot, threads=model_threads(workers)))


def sentence_model_dir(settings: Settings) -> Path | None:
    """Where the stance stage's sentence model is (None with ``--tagger fast``: it is never opened)."""
    return settings.models_dir / MINILM_DIR_NAME if settings.tagger == "model" else None


def model_threads(processes: int) -> int:
    """ONNX Runtime threads for each of ``processes`` that run the sentence model: the cores shared out."""
    return max(1, (os.cpu_count() or 1) // max(1, processes))


# A chunk's tasks past ingest (three stages, three validations): threads for every task of the
# ``busy_chunks + 1`` chunks in flight, so none waits for a thread while its chunk's stage runs. The
# flow's thread pool is made when this module is imported, before the cluster's size is known; its
# threads are started only when tasks wait for them, so the cap costs nothing below it.
TASKS_PER_CHUNK = 6
MAX_BUSY_CHUNKS = 64
TASK_THREADS = TASKS_PER_CHUNK * (MAX_BUSY_CHUNKS + 1)


def _today() -> date:
    """Today in the machine's own time zone (what a run date defaults to)."""
    return datetime.now(UTC).astimezone().date()


@flow(
    name="stancewire-nightly",
    task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS),  # type: ignore[arg-type]
    log_prints=False,
)
def nightly(
    inbox: Path | None = None,
    warehouse: Path | str | None = None,
    run_date: date | None = None,
    chunk_size: int | None = None,
    rebuild: bool = False,
    workers: int | None = None,
    tagger: str | None = None,
    scheduler: str | None = None,
) -> RunSummary:
    """One run of every stage over the inbox's new files, published into the warehouse for ``run_date``
    (default today); with ``rebuild``, the run date is reprocessed from its published articles.
    ``workers``: worker processes for the stages after ingest, 0 for this process (default
    ``STANCEWIRE_WORKERS``). ``tagger``: ``model`` or ``fast`` (default ``STANCEWIRE_TAGGER``).
    ``scheduler``: a running Dask cluster's scheduler, ``tcp://host:8786``, to run the stages on
    (default ``STANCEWIRE_DASK_SCHEDULER``; none: a cluster of ``workers`` on this machine).
    Prefect validates the parameters: ``"2026-11-29"`` is a date."""
    settings = load_settings().with_overrides(
        inbox=inbox,
        warehouse=warehouse,
        chunk_size=chunk_size,
        workers=workers,
        tagger=tagger,
        dask_scheduler=scheduler,
    )
    if settings.tagger not in TAGGERS:
        raise SettingsError(f"tagger must be one of {', '.join(TAGGERS)}, not {settings.tagger!r}")
    return run_pipeline(
        settings,
        InboxSource(settings.inbox, settings.max_article_bytes, settings.max_file_bytes),
        run_date or _today(),
        rebuild=rebuild,
    )


@flow(name="stancewire-backfill", log_prints=False)
def backfill(
    date_from: date,
    date_to: date,
    warehouse: Path | str | None = None,
    tagger: str | None = None,
    scheduler: str | None = None,
) -> BackfillSummary:
    """Rebuild every run date from ``date_from`` to ``date_to`` (inclusive) that has published
    articles, one ``nightly(rebuild=True)`` flow run per date, oldest first.

    Resumable: each finished date is recorded in the warehouse, so rerunning a backfill that
    stopped (a crash, a failed suite) skips the dates it has done; its record is dropped when
    the whole range is done.
    """
    store = Warehouse(load_settings().with_overrides(warehouse=warehouse).warehouse)
    dates = store.run_dates("articles", date_from, date_to)
    done = store.backfill_done(date_from, date_to)
    if done:
        get_run_logger().info(
            "resuming: %d date(s) of this backfill were rebuilt before: %s", len(done), sorted(done)
        )
    rebuilt = []
    for day in dates:
        if day in done:
            continue
        nightly(warehouse=str(store.root), run_date=day, rebuild=True, tagger=tagger, scheduler=scheduler)
        store.mark_backfilled(date_from, date_to, day)
        rebuilt.append(day)
    store.finish_backfill(date_from, date_to)
    return BackfillSummary(rebuilt=rebuilt, already_done=sorted(d for d in done if d in dates))
