"""The nightly Prefect flow: ingest -> cleanup -> sentences -> stances -> stance_daily.

This module only orchestrates: it lists the inbox, cuts it into chunks, and for
each chunk runs one Prefect task per stage (not per article). Each task loads its
input, calls a pure function of ``stages/``, validates the output with the table's
Great Expectations suite and writes it to the run's staging area. When every chunk
and the aggregation have passed, ``runs`` and ``dq_results`` are written and all
tables are published at once (a rerun of the same run date replaces its partitions).
A suite that fails stops the run before anything is published.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from flows.settings import Settings, configure_runtime_environment, load_settings

configure_runtime_environment()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402  (Prefect must see the environment defaults first)
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import PrefectFuture  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from flows.models import Models, load_models  # noqa: E402
from flows.sources import InboxSource, Source  # noqa: E402
from flows.storage import Warehouse  # noqa: E402
from flows.validation import TableValidation, Validator  # noqa: E402
from stages.aggregate import aggregate_daily, article_days  # noqa: E402
from stages.cleanup import cleanup  # noqa: E402
from stages.ingest import (  # noqa: E402
    DUPLICATE,
    OUTSIDE_INBOX,
    TOO_LARGE,
    UNREADABLE,
    file_ledger,
    file_sha256,
    ingest,
)

# Rejects whose bytes are not copied to quarantine: fine files (duplicates) and files not read.
NOT_QUARANTINED = frozenset({DUPLICATE, OUTSIDE_INBOX, TOO_LARGE, UNREADABLE})
from stages.schemas import TABLES  # noqa: E402
from stages.sentences import split_sentences  # noqa: E402
from stages.stance import find_mentions, tag_stances  # noqa: E402


@dataclass
class RunContext:
    """Everything the tasks of one run share; ``validations`` collects every suite outcome."""

    run_id: str
    run_date: date
    started_at: datetime
    source: Source
    warehouse: Warehouse
    validator: Validator
    models: Models
    max_article_bytes: int
    processed: set[str] = field(default_factory=set)  # file hashes of earlier runs: not read again
    skipped: set[str] = field(default_factory=set)
    validations: list[TableValidation] = field(default_factory=list)
    # Every attempt writes files of its own names, so a retried run never overwrites a committed file.
    attempt: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def part(self, chunk: str) -> str:
        """The file-name part of one chunk in this attempt."""
        return f"{self.attempt}-{chunk}"

    def save(self, table: str, frame: pd.DataFrame, part: str) -> pd.DataFrame:
        """Validate ``frame`` with the table's suite (raising on failure), then stage it."""
        outcome = self.validator.check(table, frame.assign(run_id=self.run_id))
        with self._lock:
            self.validations.append(outcome)
        self.warehouse.write_part(self.run_id, table, self.run_date, frame, part)
        return frame


@dataclass(frozen=True)
class RunSummary:
    """What a finished run reports back."""

    run_id: str
    run_date: date
    warehouse: Path
    catalog: Path
    reports: Path
    counts: dict[str, int]


def make_run_id(run_date: date, started_at: datetime, source: Source, names: Sequence[str]) -> str:
    """The run date, the start time and a digest of the inbox listing: one id per run."""
    digest = hashlib.sha256("\n".join([source.location, *names]).encode()).hexdigest()[:8]
    return f"{run_date.strftime('%Y%m%d')}-{started_at.strftime('%H%M%S')}-{digest}"


def _retry_on_io_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task whose failure is an IO error (a busy disk, a network mount); nothing else."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


IO_RETRIES = 2
IO_RETRY_DELAY_S = 2


@task(
    name="ingest",
    cache_policy=NO_CACHE,
    retries=IO_RETRIES,
    retry_delay_seconds=IO_RETRY_DELAY_S,
    retry_condition_fn=_retry_on_io_error,
)
def ingest_chunk(ctx: RunContext, names: list[str], part: str, seen: dict[str, str]) -> pd.DataFrame:
    read = [ctx.source.read(name) for name in names]
    known = {f.rel_path for f in read if file_sha256(f) in ctx.processed}  # unread files (no hash) are new
    files = [f for f in read if f.rel_path not in known]
    with ctx._lock:
        ctx.skipped |= known  # a set: a retried chunk does not count its files twice
    articles, rejects = ingest(
        files, ingested_at=ctx.started_at, seen=seen, max_article_bytes=ctx.max_article_bytes
    )
    ledger = file_ledger(files, articles, rejects).drop_duplicates("file_sha256")
    ctx.processed.update(ledger["file_sha256"])  # a copy later in this run is a duplicate, not a new file
    ctx.save("files", ledger, part)
    by_name = {f.rel_path: f.data for f in files}
    quarantined = [
        None
        if reason in NOT_QUARANTINED
        else str(ctx.warehouse.quarantine(ctx.run_date, path, by_name[path]).relative_to(ctx.warehouse.root))
        for path, reason in zip(rejects["source_path"], rejects["reason"], strict=True)
    ]
    rejects = rejects.assign(quarantined_path=pd.Series(quarantined, index=rejects.index, dtype="str"))
    ctx.save("rejects", rejects, part)
    return ctx.save("articles", articles, part)


@task(name="cleanup", cache_policy=NO_CACHE)
def cleanup_chunk(ctx: RunContext, articles: pd.DataFrame, part: str) -> pd.DataFrame:
    paragraphs, removed = cleanup(articles, ctx.models.identify_language)
    ctx.save("removed", removed, part)
    return ctx.save("paragraphs", paragraphs, part)


@task(name="sentences", cache_policy=NO_CACHE)
def sentences_chunk(ctx: RunContext, paragraphs: pd.DataFrame, part: str) -> pd.DataFrame:
    return ctx.save("sentences", split_sentences(paragraphs, ctx.models.segmenter), part)


@task(name="stances", cache_policy=NO_CACHE)
def stances_chunk(ctx: RunContext, sentences: pd.DataFrame, part: str) -> int:
    ctx.save("mentions", find_mentions(sentences, ctx.models.tagger.gazetteer), part)
    return len(ctx.save("stances", tag_stances(sentences, ctx.models.tagger), part))


@task(name="aggregate", cache_policy=NO_CACHE)
def aggregate_run(ctx: RunContext) -> int:
    """stance_daily of the whole night: the stances published earlier for this run date and this run's."""
    stance_cols = ["article_id", "source_actor", "target_actor", "stance", "score"]
    article_cols = ["article_id", "published_at"]
    stances = pd.concat(
        [
            ctx.warehouse.read_table("stances", ctx.run_date, stance_cols),
            ctx.warehouse.read_staged(ctx.run_id, "stances", stance_cols),
        ],
        ignore_index=True,
    )
    articles = pd.concat(
        [
            ctx.warehouse.read_table("articles", ctx.run_date, article_cols),
            ctx.warehouse.read_staged(ctx.run_id, "articles", article_cols),
        ],
        ignore_index=True,
    )
    daily = aggregate_daily(stances, article_days(articles, ctx.run_date))
    return len(ctx.save("stance_daily", daily, ctx.part("all")))


def _dq_frame(validations: Sequence[TableValidation]) -> pd.DataFrame:
    rows = []
    for table in TABLES:
        mine = [v for v in validations if v.table == table]
        if not mine:
            continue
        failed = sorted({name for v in mine for name in v.failed_expectations})
        rows.append(
            {
                "table_name": table,
                "n_batches": len(mine),
                "n_rows": sum(v.n_rows for v in mine),
                "expectations_evaluated": sum(v.evaluated for v in mine),
                "expectations_failed": sum(v.failed for v in mine),
                "success": all(v.success for v in mine),
                "failed_expectations": "; ".join(failed),
            }
        )
    return pd.DataFrame(rows)


@task(
    name="publish",
    cache_policy=NO_CACHE,
    retries=IO_RETRIES,
    retry_delay_seconds=IO_RETRY_DELAY_S,
    retry_condition_fn=_retry_on_io_error,
)
def publish_run(ctx: RunContext, n_files: int) -> dict[str, int]:
    counts = {t: sum(v.n_rows for v in ctx.validations if v.table == t) for t in TABLES}
    runs = pd.DataFrame(
        [
            {
                "run_id": ctx.run_id,
                "started_at": ctx.started_at,
                "finished_at": datetime.now(UTC),
                "inbox": ctx.source.location,
                "n_files": n_files,
                "n_skipped": len(ctx.skipped),
                "n_articles": counts["articles"],
                "n_rejects": counts["rejects"],
                "n_sentences": counts["sentences"],
                "n_stances": counts["stances"],
                "status": "succeeded",
            }
        ]
    )
    for col in ("started_at", "finished_at"):
        runs[col] = pd.to_datetime(runs[col], utc=True).astype("datetime64[us, UTC]")
    ctx.save("runs", runs, ctx.part("all"))
    dq = _dq_frame(ctx.validations)
    ctx.validator.check("dq_results", dq.assign(run_id=ctx.run_id))
    ctx.warehouse.write_part(ctx.run_id, "dq_results", ctx.run_date, dq, ctx.part("all"))
    if counts["files"] or counts["rejects"]:
        # Append this run's rows to the night; stance_daily is recomputed for the whole night.
        ctx.warehouse.publish(ctx.run_id, ctx.run_date, TABLES, replace=["stance_daily"])
    else:
        ctx.warehouse.publish(ctx.run_id, ctx.run_date, ["runs"])  # nothing new: only the runs table changes
    ctx.warehouse.refresh_catalog()
    rejected = ctx.warehouse.read_table("rejects", ctx.run_date, ["reason"])["reason"].value_counts()
    create_markdown_artifact(
        run_summary_markdown(
            ctx, {**counts, "files": n_files}, {str(k): int(v) for k, v in rejected.items()}, dq
        ),
        key="stancewire-run",
        description=f"stancewire run {ctx.run_id}: counts, rejects and data-quality results",
    )
    return {**counts, "files": n_files}


def run_summary_markdown(
    ctx: RunContext, counts: dict[str, int], rejects: dict[str, int], dq: pd.DataFrame
) -> str:
    """The run's Prefect artifact: rows per table, rejects by reason, suite results, where the reports are."""
    lines = [f"# stancewire run `{ctx.run_id}` ({ctx.run_date})", "", "| table | rows |", "| --- | --- |"]
    lines += [f"| {table} | {counts.get(table, 0):,} |" for table in TABLES if table in counts]
    lines += ["", f"Files in the inbox: {counts.get('files', 0):,}.", "", "## Rejects", ""]
    lines += [f"- {reason}: {n:,}" for reason, n in sorted(rejects.items())] or ["- none"]
    lines += [
        "",
        "## Data quality",
        "",
        "| table | expectations | failed | success |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {row.table_name} | {row.expectations_evaluated} | {row.expectations_failed} | {row.success} |"
        for row in dq.itertuples()
    ]
    lines += [
        "",
        f"Tables: `{ctx.warehouse.root}`; Data Docs: `{ctx.warehouse.reports_dir / 'data_docs' / 'index.html'}`.",
    ]
    return "\n".join(lines)


def run_pipeline(settings: Settings, source: Source, run_date: date) -> RunSummary:
    """All stages over ``source`` into ``settings.warehouse``; must run inside a Prefect flow.

    The warehouse's write lock is taken first: a second run exits at once with ``WarehouseBusy``.
    """
    names = source.list()
    warehouse = Warehouse(settings.warehouse, crash_at=settings.crash_at)
    started_at = datetime.now(UTC).replace(microsecond=0)
    run_id = make_run_id(run_date, started_at, source, names)
    with warehouse.lock(run_id):
        ctx = RunContext(
            run_id=run_id,
            run_date=run_date,
            started_at=started_at,
            source=source,
            warehouse=warehouse,
            validator=Validator(
                settings.expectations_dir, warehouse.reports_dir / "data_docs" if settings.data_docs else None
            ),
            models=load_models(settings.reference_dir),  # the nightly tagger uses its rules alone
            max_article_bytes=settings.max_article_bytes,
        )
        return _run_locked(ctx, settings, names)


def _run_locked(ctx: RunContext, settings: Settings, names: list[str]) -> RunSummary:
    warehouse = ctx.warehouse
    warehouse.begin(ctx.run_id)
    chunks = [names[i : i + settings.chunk_size] for i in range(0, len(names), settings.chunk_size)] or [[]]
    # Incremental: files read by earlier runs are skipped, articles seen before are duplicates.
    ctx.processed = set(warehouse.read_table("files", columns=["file_sha256"])["file_sha256"])
    published = warehouse.read_table("articles", columns=["article_id", "source_path"])
    seen: dict[str, str] = dict(zip(published["article_id"], published["source_path"], strict=True))
    in_flight: list[PrefectFuture[int]] = []
    for number, chunk in enumerate(chunks):
        part = ctx.part(f"{number:05d}")
        articles = ingest_chunk(ctx, chunk, part, seen)
        seen.update(zip(articles["article_id"], articles["source_path"], strict=True))
        # Prefect resolves a future passed as an argument; its typing only knows the resolved type.
        paragraphs: Any = cleanup_chunk.submit(ctx, articles, part)
        sentences: Any = sentences_chunk.submit(ctx, paragraphs, part)
        in_flight.append(stances_chunk.submit(ctx, sentences, part))
        # Bound memory: at most `workers` chunks are between ingest and their last stage.
        while len(in_flight) >= settings.workers:
            in_flight.pop(0).result()
    for future in in_flight:
        future.result()
    aggregate_run(ctx)
    counts = publish_run(ctx, len(names))
    if ctx.skipped:
        get_run_logger().warning(
            "skipped %d file(s) already processed (same content hash): %s",
            len(ctx.skipped),
            sorted(ctx.skipped)[:5],
        )

    return RunSummary(
        run_id=ctx.run_id,
        run_date=ctx.run_date,
        warehouse=warehouse.root,
        catalog=warehouse.catalog_path,
        reports=warehouse.reports_dir,
        counts=counts,
    )


@flow(
    name="stancewire-nightly",
    task_runner=ThreadPoolTaskRunner(max_workers=load_settings().workers),  # type: ignore[arg-type]
    log_prints=False,
)
def nightly(
    inbox: str | None = None,
    warehouse: str | None = None,
    run_date: str | None = None,
    chunk_size: int | None = None,
) -> RunSummary:
    """One run of every stage over the inbox, published into the warehouse for ``run_date`` (default today)."""
    base = load_settings()
    settings = base.with_overrides(inbox=inbox, warehouse=warehouse, chunk_size=chunk_size)
    day = date.fromisoformat(run_date) if run_date else date.today()
    return run_pipeline(settings, InboxSource(settings.inbox, settings.max_article_bytes), day)
