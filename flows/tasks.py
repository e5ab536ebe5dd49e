"""The Prefect tasks of a run: one per stage and chunk (not per article), and the publishing.

Each task loads its input, calls a pure function of ``stages/`` (the later stages through the
run's stage runner, see ``flows.stage_jobs``), validates the output with the table's Great
Expectations suite and stages it. Tasks hand each other part names, not frames, so no chunk's
data outlives its tasks (Prefect keeps every task's result until the flow ends). The tasks that
touch the inbox or publish are ``io_task``s: retried on an IO error, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pandas as pd

from flows.settings import configure_runtime_environment

configure_runtime_environment()

from prefect import Task, task  # noqa: E402  (Prefect must see the environment defaults first)
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from flows.run_context import NIGHTLY, REBUILD, RunContext  # noqa: E402
from flows.run_record import dq_frame, run_summary_markdown, runs_row  # noqa: E402
from flows.sources import Source  # noqa: E402
from flows.stage_jobs import CLEANUP, SENTENCES, STANCES, Written  # noqa: E402
from stages.aggregate import aggregate_daily, article_days, stances_of_originals  # noqa: E402
from stages.decode import gzip_expanded_size, is_gzip_name  # noqa: E402
from stages.ingest import (  # noqa: E402
    DUPLICATE,
    NOT_A_FILE,
    OUTSIDE_INBOX,
    TOO_LARGE,
    UNREADABLE,
    RawFile,
    file_ledger,
    file_sha256,
    ingest,
)
from stages.near_duplicates import SignatureIndex, mark_near_duplicates, signatures  # noqa: E402
from stages.schemas import TABLES, empty_frame  # noqa: E402

# Rejects whose bytes are not copied to quarantine: fine files (duplicates) and files not read.
NOT_QUARANTINED = frozenset({DUPLICATE, OUTSIDE_INBOX, TOO_LARGE, UNREADABLE, NOT_A_FILE})
# The tables a rebuild recomputes from a run date's articles (and replaces in one commit).
DERIVED_TABLES = ("removed", "paragraphs", "sentences", "mentions", "stances", "attributions", "stance_daily")

IO_RETRIES = 2
IO_RETRY_DELAY_S = 2

P = ParamSpec("P")
R = TypeVar("R")


def _retry_on_io_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task whose failure is an IO error (a busy disk, a network mount); nothing else."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


def io_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task that reads the inbox or writes the warehouse: retried ``IO_RETRIES`` times, after
    ``IO_RETRY_DELAY_S`` seconds, when it failed with an ``OSError``."""
    return task(
        name=name,
        cache_policy=NO_CACHE,
        retries=IO_RETRIES,
        retry_delay_seconds=IO_RETRY_DELAY_S,
        retry_condition_fn=_retry_on_io_error,
    )


def stage_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task of one chunk's later stages or checks: not retried (its error is the data's)."""
    return task(name=name, cache_policy=NO_CACHE)


@io_task(name="check inbox for new files")
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


@io_task(name="ingest")
def ingest_chunk(
    ctx: RunContext, names: list[str], part: str, seen: dict[str, str], index: SignatureIndex
) -> tuple[dict[str, str], dict[str, str]]:
    """Stage the chunk's articles, files, rejects and article signatures; returns (article_id ->
    source_path of the articles, the SHA-256 of each file read).

    Each article is marked against ``index`` (the near-duplicate window: earlier nights and this
    night's earlier chunks) and the chunk's signatures are added to it as the task's last step,
    once everything is staged: an attempt that failed (and is retried) has added nothing."""
    read = [ctx.source.read(name) for name in names]
    known = {f.rel_path for f in read if ctx.read_before(file_sha256(f))}  # unread files (no hash) are new
    files = [f for f in read if f.rel_path not in known]
    ctx.mark_skipped(known)
    articles, rejects = ingest(
        files,
        ingested_at=ctx.started_at,
        seen=seen,
        max_article_bytes=ctx.settings.max_article_bytes,
        max_file_bytes=ctx.settings.max_file_bytes,
    )
    ledger = file_ledger(files, articles, rejects).drop_duplicates("file_sha256")
    ctx.mark_read(ledger["file_sha256"])
    ctx.save("files", ledger, part)
    ctx.save("rejects", _quarantine(ctx, files, rejects), part)
    hashes = dict(zip(ledger["source_path"], ledger["file_sha256"], strict=True))
    signed = signatures(articles)
    articles = mark_near_duplicates(articles, signed, index)
    ctx.save("articles", articles, part)
    ctx.save("article_signatures", signed, part)
    index.add(signed, articles[["article_id", "duplicate_of"]])
    return dict(zip(articles["article_id"], articles["source_path"], strict=True)), hashes


def _quarantine(ctx: RunContext, files: list[RawFile], rejects: pd.DataFrame) -> pd.DataFrame:
    """``rejects`` with the warehouse path each rejected file's bytes were copied to (or none)."""
    by_name = {f.rel_path: f.data for f in files}
    quarantined = [
        None if reason in NOT_QUARANTINED else ctx.warehouse.quarantine(ctx.run_date, path, by_name[path])
        for path, reason in zip(rejects["source_path"], rejects["reason"], strict=True)
    ]
    return rejects.assign(quarantined_path=pd.Series(quarantined, index=rejects.index, dtype="str"))


@stage_task(name="cleanup")
def cleanup_chunk(
    ctx: RunContext, part: str, file_hashes: dict[str, str] | None, published: str | None = None
) -> list[Written]:
    """Paragraphs and removed noise of the chunk's staged articles (a rebuild: of the
    ``published`` articles file); with ``file_hashes`` (a nightly run, not a rebuild, whose
    rejects stay as they were) also the ``non_english`` rejects of the chunk."""
    return ctx.run_stage(CLEANUP, part, published=published, file_hashes=file_hashes)


@stage_task(name="sentences")
def sentences_chunk(ctx: RunContext, part: str) -> list[Written]:
    """Sentences of the chunk's staged paragraphs (submitted to wait for its cleanup)."""
    return ctx.run_stage(SENTENCES, part, max_sentence_chars=ctx.settings.max_sentence_chars)


@stage_task(name="stances")
def stances_chunk(ctx: RunContext, part: str, published: str | None = None) -> list[Written]:
    """Stances, mentions and attributions of the chunk's staged sentences (submitted to wait for
    them); the days of its articles come from its staged articles (a rebuild: ``published``)."""
    return ctx.run_stage(
        STANCES, part, published=published, attribution=ctx.settings.attribution, tagger=ctx.settings.tagger
    )


@stage_task(name="validate")
def validate_parts(ctx: RunContext, written: list[Written]) -> int:
    """Validate the parts one stage staged with their tables' suites; their rows. A task of its
    own, so that the chunk's next stage does not wait for it: nothing is published before
    every one of them has passed."""
    for out in written:
        ctx.check_part(out)
    return sum(out.rows for out in written)


@stage_task(name="aggregate")
def aggregate_run(ctx: RunContext) -> int:
    """stance_daily of the whole night: this run's stances and, unless it rebuilds the night, the
    stances published earlier for this run date."""
    stance_cols = ["article_id", "source_actor", "target_actor", "stance", "score"]
    article_cols = ["article_id", "published_at", "duplicate_of"]
    earlier = (
        ctx.warehouse.read_table("stances", ctx.run_date, stance_cols)
        if ctx.mode == NIGHTLY
        else empty_frame("stances")[stance_cols]
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


@io_task(name="publish")
def publish_run(ctx: RunContext, n_files: int, n_articles: int | None = None) -> dict[str, int]:
    """Write ``runs`` and ``dq_results`` and commit the run: a nightly run appends its rows to the
    night (stance_daily recomputed), a rebuild replaces the night's derived tables."""
    counts = ctx.validated_rows()
    runs = runs_row(ctx, n_files, counts, n_articles)
    ctx.save("runs", runs, ctx.part("all"))
    dq = dq_frame(ctx.validations)
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


@io_task(name="publish (nothing new)")
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
    _artifact(ctx, counts, dq_frame([]))
    return counts


def _artifact(ctx: RunContext, counts: dict[str, int], dq: pd.DataFrame) -> None:
    rejected = ctx.warehouse.read_table("rejects", ctx.run_date, ["reason"])["reason"].value_counts()
    create_markdown_artifact(
        run_summary_markdown(ctx, counts, {str(k): int(v) for k, v in rejected.items()}, dq),
        key="stancewire-run",
        description=f"stancewire run {ctx.run_id}: counts, rejects and data-quality results",
    )
