"""What a run records about itself: its id, its ``runs`` row and ``dq_results`` frame, the summary
it hands back, and the markdown of its Prefect artifact. Pure functions of the run context."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from flows.run_context import RunContext
from flows.sources import Source
from flows.validation import TableValidation
from stages.schemas import TABLES, frame


@dataclass(frozen=True)
class RunSummary:
    """What a finished run reports back."""

    run_id: str
    run_date: date
    warehouse: str | Path
    catalog: Path | None
    reports: Path
    counts: dict[str, int]


@dataclass(frozen=True)
class BackfillSummary:
    """What a backfill did: the dates it rebuilt now, and those an earlier try of it had done."""

    rebuilt: list[date]
    already_done: list[date]


def make_run_id(run_date: date, started_at: datetime, source: Source, names: Sequence[str]) -> str:
    """The run date, the start time and a digest of the inbox listing: one id per run."""
    digest = hashlib.sha256("\n".join([source.location, *names]).encode()).hexdigest()[:8]
    return f"{run_date.strftime('%Y%m%d')}-{started_at.strftime('%H%M%S')}-{digest}"


def run_summary(ctx: RunContext, counts: dict[str, int]) -> RunSummary:
    return RunSummary(
        run_id=ctx.run_id,
        run_date=ctx.run_date,
        warehouse=ctx.warehouse.root,
        catalog=ctx.warehouse.catalog_path,
        reports=ctx.warehouse.reports_dir,
        counts=counts,
    )


def runs_row(
    ctx: RunContext, n_files: int, counts: dict[str, int], n_articles: int | None = None
) -> pd.DataFrame:
    """The run's one ``runs`` row (``n_articles``: the articles it processed, when not ingested)."""
    return frame(
        "runs",
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
                "table_versions": None,  # filled in by the publish (flows.storage.Warehouse.publish)
            }
        ],
        with_run_id=True,
    )


def dq_frame(validations: Sequence[TableValidation]) -> pd.DataFrame:
    """The run's ``dq_results`` rows: one per table validated, its batches' outcomes summed."""
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
    return frame("dq_results", rows)


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
