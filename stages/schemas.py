"""The one declared pyarrow schema of every table stancewire writes.

Each table is a Parquet dataset partitioned by ``run_date`` (a hive directory
``run_date=YYYY-MM-DD``), so ``run_date`` is not a column inside the files; DuckDB
views add it back, typed as DATE. ``run_id`` is added by storage when a chunk is
written, so stage functions return every column except ``run_id``.

Each table also has exactly one Great Expectations suite, ``expectations/<table>.json``.
"""

from __future__ import annotations

import pyarrow as pa

STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral")
PARAGRAPH_KINDS: tuple[str, ...] = ("body", "heading")

_TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "articles": pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("source_line", pa.int64()),
            pa.field("format", pa.string(), nullable=False),
            pa.field("outlet", pa.string()),
            pa.field("title", pa.string()),
            pa.field("url", pa.string()),
            pa.field("published_at", _TS),
            pa.field("raw_text", pa.large_string(), nullable=False),
            pa.field("ingested_at", _TS, nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "files": pa.schema(
        [
            pa.field("file_sha256", pa.string(), nullable=False),
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("size_bytes", pa.int64(), nullable=False),
            pa.field("n_articles", pa.int64(), nullable=False),
            pa.field("n_rejects", pa.int64(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "paragraphs": pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("paragraph_index", pa.int32(), nullable=False),
            pa.field("language", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("text", pa.large_string(), nullable=False),
            pa.field("raw_start", pa.int64(), nullable=False),
            pa.field("raw_end", pa.int64(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "removed": pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("removed_index", pa.int32(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("text", pa.large_string(), nullable=False),
            pa.field("raw_start", pa.int64(), nullable=False),
            pa.field("raw_end", pa.int64(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "sentences": pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("sentence_index", pa.int32(), nullable=False),
            pa.field("paragraph_index", pa.int32(), nullable=False),
            pa.field("text", pa.large_string(), nullable=False),
            pa.field("char_start", pa.int32(), nullable=False),
            pa.field("char_end", pa.int32(), nullable=False),
            pa.field("is_heading", pa.bool_(), nullable=False),
            pa.field("language", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "mentions": pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("sentence_index", pa.int32(), nullable=False),
            pa.field("actor_id", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("surface", pa.string(), nullable=False),
            pa.field("char_start", pa.int32(), nullable=False),
            pa.field("char_end", pa.int32(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "stances": pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("sentence_index", pa.int32(), nullable=False),
            pa.field("speaker", pa.string()),
            pa.field("source_actor", pa.string(), nullable=False),
            pa.field("target_actor", pa.string(), nullable=False),
            pa.field("stance", pa.string(), nullable=False),
            pa.field("score", pa.float64(), nullable=False),
            pa.field("cue", pa.string()),
            pa.field("is_quote", pa.bool_(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "stance_daily": pa.schema(
        [
            pa.field("day", pa.date32(), nullable=False),
            pa.field("source_actor", pa.string(), nullable=False),
            pa.field("target_actor", pa.string(), nullable=False),
            pa.field("n_favor", pa.int64(), nullable=False),
            pa.field("n_against", pa.int64(), nullable=False),
            pa.field("n_neutral", pa.int64(), nullable=False),
            pa.field("n_total", pa.int64(), nullable=False),
            pa.field("mean_score", pa.float64(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "rejects": pa.schema(
        [
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("source_line", pa.int64()),
            pa.field("reason", pa.string(), nullable=False),
            pa.field("detail", pa.string(), nullable=False),
            pa.field("file_sha256", pa.string()),
            pa.field("quarantined_path", pa.string()),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "runs": pa.schema(
        [
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("started_at", _TS, nullable=False),
            pa.field("finished_at", _TS, nullable=False),
            pa.field("inbox", pa.string(), nullable=False),
            pa.field("n_files", pa.int64(), nullable=False),
            pa.field("n_skipped", pa.int64(), nullable=False),
            pa.field("n_articles", pa.int64(), nullable=False),
            pa.field("n_rejects", pa.int64(), nullable=False),
            pa.field("n_sentences", pa.int64(), nullable=False),
            pa.field("n_stances", pa.int64(), nullable=False),
            pa.field("status", pa.string(), nullable=False),
            pa.field("mode", pa.string(), nullable=False),
        ]
    ),
    "dq_results": pa.schema(
        [
            pa.field("table_name", pa.string(), nullable=False),
            pa.field("n_batches", pa.int64(), nullable=False),
            pa.field("n_rows", pa.int64(), nullable=False),
            pa.field("expectations_evaluated", pa.int64(), nullable=False),
            pa.field("expectations_failed", pa.int64(), nullable=False),
            pa.field("success", pa.bool_(), nullable=False),
            pa.field("failed_expectations", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)


def columns(table: str, *, with_run_id: bool = False) -> list[str]:
    """Column names of ``table`` in schema order; ``run_id`` only when asked for."""
    names = list(SCHEMAS[table].names)
    return names if with_run_id else [n for n in names if n != "run_id"]
