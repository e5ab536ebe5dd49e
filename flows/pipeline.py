"""The nightly Prefect flow: ingest -> cleanup -> sentences -> stances -> stance_daily.

This module only orchestrates: it lists the inbox, cuts it into chunks, and for
each chunk runs one Prefect task per stage (not per article). Each task loads its
input, calls a pure function of ``stages/``, validates the output with the table's
Great Expectations suite and writes it to the run's staging area. When every chunk
and the aggregation have passed, ``runs`` and ``dq_results`` are written and all
tables are published at once. A suite that fails stops the run before anything is
published.

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

import hashlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd

from flows.settings import (
    VENDOR_DIR,
    Settings,
    configure_runtime_environment,
    load_settings,
    release_free_memory,
)

configure_runtime_environment()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402  (Prefect must see the environment defaults first)
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import PrefectFuture  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from flows.data_docs import make_offline  # noqa: E402
from flows.resources import Resources, load_resources  # noqa: E402
from flows.sources import InboxSource, Source  # noqa: E402
from flows.stage_jobs import (  # noqa: E402
    CLEANUP,
    SENTENCES,
    STANCES,
    InProcess,
    StageJob,
    StageRunner,
    WorkerPool,
    Written,
)
from flows.storage import Warehouse  # noqa: E402
from flows.validation import TableValidation, Validator  # noqa: E402
from stages.aggregate import aggregate_daily, article_days, stances_of_originals  # noqa: E402
from stages.decode import gzip_expanded_size, is_gzip_name  # noqa: E402
from stages.ingest import (  # noqa: E402
    DEFAULT_MAX_FILE_BYTES,
    DUPLICATE,
    NOT_A_FILE,
    OUTSIDE_INBOX,
    TOO_LARGE,
    UNREADABLE,
    file_ledger,
    file_sha256,
    ingest,
)
from stages.near_duplicates import SignatureIndex, mark_near_duplicates, signatures  # noqa: E402
from stages.schemas import TABLES  # noqa: E402
from stages.sentences import DEFAULT_MAX_SENTENCE_CHARS  # noqa: E402

# Rejects whose bytes are not copied to quarantine: fine files (duplicates) and files not read.
NOT_QUARANTINED = frozenset({DUPLICATE, OUTSIDE_INBOX, TOO_LARGE, UNREADABLE, NOT_A_FILE})
# The tables a rebuild recomputes from a run date's articles (and replaces in one commit).
DERIVED_TABLES = ("removed", "paragraphs", "sentences", "mentions", "stances", "stance_daily")
NIGHTLY, REBUILD = "nightly", "rebuild"


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


@dataclass
class RunContext:
    """Everything the tasks of one run share; ``validations`` collects every suite outcome."""

    run_id: str
    run_date: date
    started_at: datetime
    source: Source
    warehouse: Warehouse
    validator: Validator
    load_resources: Callable[[], Resources]  # called once, by the first task that needs the models
    max_article_bytes: int
    mode: str = NIGHTLY
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_sentence_chars: int = DEFAULT_MAX_SENTENCE_CHARS
    processed: set[str] = field(default_factory=set)  # file hashes of earlier runs: not read again
    skipped: set[str] = field(default_factory=set)
    validations: list[TableValidation] = field(default_factory=list)
    # Every attempt writes files of its own names, so a retried run never overwrites a committed file.
    attempt: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    stages: StageRunner | None = None  # set while the chunks' later stages run (see _stage_runner)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checking: threading.Lock = field(default_factory=threading.Lock)
    _resources: Resources | None = None

    @property
    def resources(self) -> Resources:
        """The language identifier, splitter and tagger, loaded on first use (a run with nothing
        new never loads them)."""
        with self._lock:
            if self._resources is None:
                self._resources = self.load_resources()
            return self._resources

    def part(self, chunk: str) -> str:
        """The file-name part of one chunk in this attempt."""
        return f"{self.attempt}-{chunk}"

    def save(self, table: str, frame: pd.DataFrame, part: str) -> pd.DataFrame:
        """Validate ``frame`` with the table's suite (raising on failure), then stage it."""
        self._check(table, frame.assign(run_id=self.run_id))
        self.warehouse.write_part(self.run_id, table, self.run_date, frame, part)
        return frame

    def run_stage(self, stage: str, part: str, **job: Any) -> list[Written]:
        """Run one stage of one chunk (``job``: the rest of its ``StageJob``); the parts it staged."""
        if self.stages is None:
            raise RuntimeError("no stage runner: run_stage is called inside _stage_runner")
        return self.stages.run(StageJob(stage, self.warehouse.root, self.run_id, self.run_date, part, **job))

    def check_part(self, written: Written) -> None:
        """Validate one staged part with its table's suite (raising ``ValidationFailed``).

        One part at a time: GX validates one frame at a time anyway, and a part read while
        another is validated would only wait in memory."""
        with self._checking:
            self._check(
                written.table,
                self.warehouse.read_part(self.run_id, written.table, self.run_date, written.part),
            )
            release_free_memory()  # the part read back is gone: return its pages

    def _check(self, table: str, frame: pd.DataFrame) -> None:
        """Validate ``frame`` (with ``run_id``) and record the outcome; raise when it failed."""
        outcome = self.validator.check(table, frame)
        with self._lock:
            self.validations.append(outcome)


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
def ingest_chunk(
    ctx: RunContext, names: list[str], part: str, seen: dict[str, str], index: SignatureIndex
) -> tuple[dict[str, str], dict[str, str]]:
    """Stage the chunk's articles, files, rejects and article signatures; returns (article_id ->
    source_path of the articles, the SHA-256 of each file read). Tasks hand each other part names,
    not frames, so no chunk's data outlives its tasks (Prefect keeps every task's result until
    the flow ends).

    Each article is marked against ``index`` (the near-duplicate window: earlier nights and this
    night's earlier chunks) and the chunk's signatures are added to it as the task's last step,
    once everything is staged: an attempt that failed (and is retried) has added nothing."""
    read = [ctx.source.read(name) for name in names]
    known = {f.rel_path for f in read if file_sha256(f) in ctx.processed}  # unread files (no hash) are new
    files = [f for f in read if f.rel_path not in known]
    with ctx._lock:
        ctx.skipped |= known  # a set: a retried chunk does not count its files twice
    articles, rejects = ingest(
        files,
        ingested_at=ctx.started_at,
        seen=seen,
        max_article_bytes=ctx.max_article_bytes,
        max_file_bytes=ctx.max_file_bytes,
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
    hashes = dict(zip(ledger["source_path"], ledger["file_sha256"], strict=True))
    signed = signatures(articles)
    articles = mark_near_duplicates(articles, signed, index)
    ctx.save("articles", articles, part)
    ctx.save("article_signatures", signed, part)
    index.add(signed, articles[["article_id", "duplicate_of"]])
    return dict(zip(articles["article_id"], articles["source_path"], strict=True)), hashes


@task(
    name="check inbox for new files",
    cache_policy=NO_CACHE,
    retries=IO_RETRIES,
    retry_delay_seconds=IO_RETRY_DELAY_S,
    retry_condition_fn=_retry_on_io_error,
)
def new_files(
    source: Source, names: list[str], processed: set[str]
) -> tuple[list[str], set[str], dict[str, int]]:
    """(the files to ingest, the files skipped because a run has read their content before,
    the size in bytes of each file to ingest).

    A file that cannot be read has no hash and is new: ingest rejects it with its reason.
    """
    fresh, skipped, sizes = [], set(), {}
    for name in names:
        raw = source.read(name)
        sha = file_sha256(raw)
        if sha is not None and sha in processed:
            skipped.add(name)
        else:
            fresh.append(name)
            # A .gz is sized by what it declares it decompresses to: chunks bound the text they hold.
            sizes[name] = gzip_expanded_size(raw.data) if is_gzip_name(name) else len(raw.data)
    return fresh, skipped, sizes


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


@task(name="cleanup", cache_policy=NO_CACHE)
def cleanup_chunk(
    ctx: RunContext, part: str, file_hashes: dict[str, str] | None, published: str | None = None
) -> list[Written]:
    """Paragraphs and removed noise of the chunk's staged articles (a rebuild: of the
    ``published`` articles file); with ``file_hashes`` (a nightly run, not a rebuild, whose
    rejects stay as they were) also the ``non_english`` rejects of the chunk."""
    return ctx.run_stage(CLEANUP, part, published=published, file_hashes=file_hashes)


@task(name="sentences", cache_policy=NO_CACHE)
def sentences_chunk(ctx: RunContext, part: str, cleaned: list[Written]) -> list[Written]:
    """Sentences of the chunk's staged paragraphs (``cleaned``: cleanup's parts, so this task
    runs after it)."""
    return ctx.run_stage(SENTENCES, part, max_sentence_chars=ctx.max_sentence_chars)


@task(name="stances", cache_policy=NO_CACHE)
def stances_chunk(ctx: RunContext, part: str, split: list[Written]) -> list[Written]:
    """Stances and mentions of the chunk's staged sentences (``split``: the sentences' part)."""
    return ctx.run_stage(STANCES, part)


@task(name="validate", cache_policy=NO_CACHE)
def validate_parts(ctx: RunContext, written: list[Written]) -> int:
    """Validate the parts one stage staged with their tables' suites; their rows. A task of its
    own, so that the chunk's next stage does not wait for it: nothing is published before
    every one of them has passed."""
    for out in written:
        ctx.check_part(out)
    return sum(out.rows for out in written)


@task(name="aggregate", cache_policy=NO_CACHE)
def aggregate_run(ctx: RunContext) -> int:
    """stance_daily of the whole night: this run's stances and, unless it rebuilds the night, the
    stances published earlier for this run date."""
    stance_cols = ["article_id", "source_actor", "target_actor", "stance", "score"]
    article_cols = ["article_id", "published_at", "duplicate_of"]
    earlier = (
        ctx.warehouse.read_table("stances", ctx.run_date, stance_cols)
        if ctx.mode == NIGHTLY
        else pd.DataFrame(columns=stance_cols)
    )
    stances = pd.concat(
        [earlier, ctx.warehouse.read_staged(ctx.run_id, "stances", stance_cols)],
        ignore_index=True,
    )
    articles = pd.concat(
        [
            ctx.warehouse.read_table("articles", ctx.run_date, article_cols),
            ctx.warehouse.read_staged(ctx.run_id, "articles", article_cols),
        ],
        ignore_index=True,
    )
    # A near-duplicate (articles.duplicate_of) keeps its stances, but the story counts once.
    daily = aggregate_daily(stances_of_originals(stances, articles), article_days(articles, ctx.run_date))
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
def publish_run(ctx: RunContext, n_files: int, n_articles: int | None = None) -> dict[str, int]:
    """Write ``runs`` and ``dq_results`` and commit the run: a nightly run appends its rows to the
    night (stance_daily recomputed), a rebuild replaces the night's derived tables."""
    counts = {t: sum(v.n_rows for v in ctx.validations if v.table == t) for t in TABLES}
    runs = runs_row(ctx, n_files, counts, n_articles)
    ctx.save("runs", runs, ctx.part("all"))
    dq = _dq_frame(ctx.validations)
    ctx.validator.check("dq_results", dq.assign(run_id=ctx.run_id))
    ctx.warehouse.write_part(ctx.run_id, "dq_results", ctx.run_date, dq, ctx.part("all"))
    if ctx.mode == REBUILD:
        tables = [*DERIVED_TABLES, "runs", "dq_results"]
        ctx.warehouse.publish(ctx.run_id, ctx.run_date, tables, replace=DERIVED_TABLES)
    else:
        ctx.warehouse.publish(ctx.run_id, ctx.run_date, TABLES, replace=["stance_daily"])
    ctx.warehouse.refresh_catalog()
    counts = {**counts, "files": n_files, "articles": int(runs["n_articles"].iloc[0])}
    _artifact(ctx, counts, dq)
    return counts


def runs_row(
    ctx: RunContext, n_files: int, counts: dict[str, int], n_articles: int | None = None
) -> pd.DataFrame:
    """The run's one ``runs`` row (``n_articles``: the articles it processed, when not ingested)."""
    runs = pd.DataFrame(
        [
            {
                "run_id": ctx.run_id,
                "started_at": ctx.started_at,
                "finished_at": datetime.now(UTC),
                "inbox": ctx.source.location,
                "n_files": n_files,
                "n_skipped": len(ctx.skipped),
                "n_articles": counts.get("articles", 0) if n_articles is None else n_articles,
                "n_rejects": counts.get("rejects", 0),
                "n_sentences": counts.get("sentences", 0),
                "n_stances": counts.get("stances", 0),
                "status": "succeeded",
                "mode": ctx.mode,
            }
        ]
    )
    for col in ("started_at", "finished_at"):
        runs[col] = pd.to_datetime(runs[col], utc=True).astype("datetime64[us, UTC]")
    return runs


@task(
    name="publish (nothing new)",
    cache_policy=NO_CACHE,
    retries=IO_RETRIES,
    retry_delay_seconds=IO_RETRY_DELAY_S,
    retry_condition_fn=_retry_on_io_error,
)
def publish_nothing_new(ctx: RunContext, n_files: int) -> dict[str, int]:
    """A run that found no new file: its one ``runs`` row is the only change.

    The row is built here from constants and counters and checked against the table's
    pyarrow schema (types, nulls); the Great Expectations suites are not loaded for it,
    which is what keeps such a run under a second.
    """
    runs = runs_row(ctx, n_files, {})
    ctx.warehouse.write_part(ctx.run_id, "runs", ctx.run_date, runs, ctx.part("all"))
    ctx.warehouse.publish(ctx.run_id, ctx.run_date, ["runs"])
    ctx.warehouse.refresh_catalog()
    counts = {t: 0 for t in TABLES} | {"runs": 1, "files": n_files}
    _artifact(ctx, counts, _dq_frame([]))
    return counts


def _artifact(ctx: RunContext, counts: dict[str, int], dq: pd.DataFrame) -> None:
    rejected = ctx.warehouse.read_table("rejects", ctx.run_date, ["reason"])["reason"].value_counts()
    create_markdown_artifact(
        run_summary_markdown(ctx, counts, {str(k): int(v) for k, v in rejected.items()}, dq),
        key="stancewire-run",
        description=f"stancewire run {ctx.run_id}: counts, rejects and data-quality results",
    )


def run_summary_markdown(
    ctx: RunContext, counts: dict[str, int], rejects: dict[str, int], dq: pd.DataFrame
) -> str:
    """The run's Prefect artifact: rows per table, rejects by reason, suite results, where the reports are."""
    lines = [
        f"# stancewire {ctx.mode} run `{ctx.run_id}` ({ctx.run_date})",
        "",
        "| table | rows |",
        "| --- | --- |",
    ]
    lines += [f"| {table} | {counts.get(table, 0):,} |" for table in TABLES if table in counts]
    lines += [
        "",
        f"Files in the inbox: {counts.get('files', 0):,}; skipped as read before: {len(ctx.skipped):,}.",
    ]
    lines += ["", "## Rejects of the night", ""]
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


def run_pipeline(settings: Settings, source: Source, run_date: date, *, rebuild: bool = False) -> RunSummary:
    """All stages over ``source`` (or, with ``rebuild``, over the run date's published articles) into
    ``settings.warehouse``; must run inside a Prefect flow.

    The warehouse's write lock is taken first: a second run exits at once with ``WarehouseBusy``.
    """
    mode = REBUILD if rebuild else NIGHTLY
    names = [] if rebuild else source.list()
    warehouse = Warehouse(settings.warehouse)
    started_at = datetime.now(UTC).replace(microsecond=0)
    run_id = make_run_id(run_date, started_at, source, [mode, *names])
    with warehouse.lock(run_id):
        warehouse.begin(run_id)

        ctx = RunContext(
            run_id=run_id,
            run_date=run_date,
            started_at=started_at,
            source=source,
            warehouse=warehouse,
            # Neither builds anything yet: GX is imported at the first check, models at first use.
            validator=Validator(
                settings.expectations_dir, warehouse.reports_dir / "data_docs" if settings.data_docs else None
            ),
            load_resources=lambda: load_resources(
                settings.reference_dir
            ),  # the nightly tagger uses its rules
            max_article_bytes=settings.max_article_bytes,
            mode=mode,
            max_file_bytes=settings.max_file_bytes,
            max_sentence_chars=settings.max_sentence_chars,
        )
        try:
            if rebuild:
                parts = warehouse.committed_files("articles", run_date)
                if not parts:
                    raise NothingToRebuild(f"no articles are published for {run_date}: nothing to rebuild")
                return _rebuild(ctx, settings, parts)
            # Incremental: files read by earlier runs are skipped, decided before anything is loaded.
            ctx.processed = set(warehouse.read_table("files", columns=["file_sha256"])["file_sha256"])
            fresh, ctx.skipped, sizes = new_files(source, names, ctx.processed)
            _log_skipped(ctx.skipped)
            if not fresh:
                return _summary(ctx, publish_nothing_new(untouched(ctx), len(names)))
            chunks = chunked(fresh, sizes, settings.chunk_size, settings.chunk_bytes)
            return _run_locked(ctx, settings, chunks, len(names))
        finally:
            if settings.data_docs and ctx.validator.built:  # passed or failed, the docs were updated
                # Imported here: the report's modules bring altair (~24 MB) that the run does not need.
                from flows.report import vega_bundle

                make_offline(warehouse.reports_dir / "data_docs", VENDOR_DIR / "data_docs", vega_bundle)


def _log_skipped(skipped: set[str]) -> None:
    if skipped:
        get_run_logger().info(
            "skipped %d file(s) already processed by an earlier run (same content hash): %s",
            len(skipped),
            sorted(skipped)[:5],
        )


def _summary(ctx: RunContext, counts: dict[str, int]) -> RunSummary:
    return RunSummary(
        run_id=ctx.run_id,
        run_date=ctx.run_date,
        warehouse=ctx.warehouse.root,
        catalog=ctx.warehouse.catalog_path,
        reports=ctx.warehouse.reports_dir,
        counts=counts,
    )


def _later_stages(
    ctx: RunContext, part: str, file_hashes: dict[str, str] | None = None, published: str | None = None
) -> list[PrefectFuture[Any]]:
    """Submit a chunk's cleanup, sentences and stances, each followed by the validation of what
    it staged; their futures, in stage order."""
    # Prefect resolves a future passed as an argument; its typing only knows the resolved type.
    run = untouched(ctx)
    cleaned: Any = cleanup_chunk.submit(run, part, untouched(file_hashes), published)
    split: Any = sentences_chunk.submit(run, part, cleaned)
    tagged: Any = stances_chunk.submit(run, part, split)
    futures: list[PrefectFuture[Any]] = []
    for stage in (cleaned, split, tagged):
        futures += [stage, validate_parts.submit(run, stage)]
    return futures


# A chunk's tasks past ingest (three stages, three validations): threads for every task of the
# ``max(workers, 1) + 1`` chunks in flight, so none waits for a thread while its chunk's stage runs. The
# flow's thread pool is made when this module is imported, before ``--workers`` is known: it is
# sized for as many workers as there are cores (more would gain nothing) or the setting, if larger.
TASKS_PER_CHUNK = 6
TASK_THREADS = TASKS_PER_CHUNK * (max(load_settings().workers, os.cpu_count() or 1) + 1)


def _drain(in_flight: list[list[PrefectFuture[Any]]], keep: int) -> None:
    """Wait for the oldest chunks until at most ``keep`` are in flight (this bounds memory). A
    chunk's stages are awaited in order, so a failure surfaces as its own exception (a later
    stage would only report that its upstream did not complete)."""
    while len(in_flight) > keep:
        for future in in_flight.pop(0):
            future.result()


def _busy(settings: Settings) -> int:
    """Chunks whose stages run while the next chunk is ingested: one per worker process, or the
    one chunk this process works on."""
    return max(settings.workers, 1)


@contextmanager
def _stage_runner(ctx: RunContext, settings: Settings, n_chunks: int) -> Iterator[None]:
    """Give ``ctx`` its stage runner for the chunks: ``settings.workers`` worker processes (no
    more than there are chunks) when there are several chunks, else this process (``workers``
    0, or one chunk: starting a worker would cost more than it saves). Closed (its workers
    stopped) when the chunks are done, before anything is published."""
    workers = min(settings.workers, n_chunks)
    ctx.stages = (
        WorkerPool(workers, settings.reference_dir)
        if n_chunks > 1 and workers > 0
        else InProcess(lambda: ctx.resources)
    )
    try:
        yield
    finally:
        ctx.stages.close()
        ctx.stages = None


def _run_locked(ctx: RunContext, settings: Settings, chunks: list[list[str]], n_files: int) -> RunSummary:
    """Ingest the new inbox files chunk by chunk and publish them into the night."""
    published = ctx.warehouse.read_table("articles", columns=["article_id", "source_path"])
    seen: dict[str, str] = dict(zip(published["article_id"], published["source_path"], strict=True))
    index = earlier_signatures(ctx.warehouse, ctx.run_date, settings.near_duplicate_days)
    in_flight: list[list[PrefectFuture[Any]]] = []
    with _stage_runner(ctx, settings, len(chunks)):
        for number, chunk in enumerate(chunks):
            part = ctx.part(f"{number:05d}")
            ingested, hashes = ingest_chunk(untouched(ctx), chunk, part, untouched(seen), untouched(index))
            seen.update(ingested)
            in_flight.append(_later_stages(ctx, part, hashes))
            _drain(in_flight, _busy(settings))  # the next chunk is ingested meanwhile
        _drain(in_flight, 0)
    aggregate_run(untouched(ctx))
    return _summary(ctx, publish_run(untouched(ctx), n_files))


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


def _rebuild(ctx: RunContext, settings: Settings, parts: list[str]) -> RunSummary:
    """Reprocess the run date's published articles, one committed articles file per chunk."""
    in_flight: list[list[PrefectFuture[Any]]] = []
    n_articles = 0
    with _stage_runner(ctx, settings, len(parts)):
        for number, rel_path in enumerate(parts):
            n_articles += ctx.warehouse.committed_rows(rel_path)
            in_flight.append(_later_stages(ctx, ctx.part(f"{number:05d}"), published=rel_path))
            _drain(in_flight, _busy(settings))
        _drain(in_flight, 0)
    aggregate_run(untouched(ctx))
    return _summary(ctx, publish_run(untouched(ctx), 0, n_articles))


@flow(
    name="stancewire-nightly",
    task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS),  # type: ignore[arg-type]
    log_prints=False,
)
def nightly(
    inbox: str | None = None,
    warehouse: str | None = None,
    run_date: str | None = None,
    chunk_size: int | None = None,
    rebuild: bool = False,
    workers: int | None = None,
) -> RunSummary:
    """One run of every stage over the inbox's new files, published into the warehouse for ``run_date``
    (default today); with ``rebuild``, the run date is reprocessed from its published articles.
    ``workers``: worker processes for the stages after ingest, 0 for this process (default
    ``STANCEWIRE_WORKERS``)."""
    base = load_settings()
    settings = base.with_overrides(inbox=inbox, warehouse=warehouse, chunk_size=chunk_size, workers=workers)
    day = date.fromisoformat(run_date) if run_date else date.today()
    return run_pipeline(
        settings,
        InboxSource(settings.inbox, settings.max_article_bytes, settings.max_file_bytes),
        day,
        rebuild=rebuild,
    )


@dataclass(frozen=True)
class BackfillSummary:
    """What a backfill did: the dates it rebuilt now, and those an earlier try of it had done."""

    rebuilt: list[date]
    already_done: list[date]


@flow(name="stancewire-backfill", log_prints=False)
def backfill(date_from: str, date_to: str, warehouse: str | None = None) -> BackfillSummary:
    """Rebuild every run date from ``date_from`` to ``date_to`` (inclusive) that has published
    articles, one ``nightly(rebuild=True)`` flow run per date, oldest first.

    Resumable: each finished date is recorded in the warehouse, so rerunning a backfill that
    stopped (a crash, a failed suite) skips the dates it has done; its record is dropped when
    the whole range is done.
    """
    settings = load_settings().with_overrides(warehouse=warehouse)
    first, last = date.fromisoformat(date_from), date.fromisoformat(date_to)
    store = Warehouse(settings.warehouse)
    dates = store.run_dates("articles", first, last)
    done = store.backfill_done(first, last)
    logger = get_run_logger()
    if done:
        logger.info("resuming: %d date(s) of this backfill were rebuilt before: %s", len(done), sorted(done))
    rebuilt = []
    for day in dates:
        if day in done:
            continue
        nightly(warehouse=str(settings.warehouse), run_date=day.isoformat(), rebuild=True)
        store.mark_backfilled(first, last, day)
        rebuilt.append(day)
    store.finish_backfill(first, last)
    return BackfillSummary(rebuilt=rebuilt, already_done=sorted(d for d in done if d in dates))
