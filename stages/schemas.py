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
            pa.field("encoding", pa.string(), nullable=False),
            pa.field("ingested_at", _TS, nullable=False),
            pa.field("duplicate_of", pa.string()),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    "article_signatures": pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            # stages/near_duplicates.NUM_PERM values: a signature of another length is refused at write
            pa.field("minhash", pa.list_(pa.uint32(), 128), nullable=False),
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
            pa.field("cut_at_limit", pa.bool_(), nullable=False),
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


# What each table and column means: written into every Parquet file (field metadata
# "description", schema metadata "description" and "stancewire.table"), so any reader
# (pandas, Polars, Spark, DuckDB) gets them with the data, and into the DuckDB catalog
# as COMMENTs.
RUN_ID = "the run that wrote the row"
TABLE_DESCRIPTIONS: dict[str, str] = {
    "articles": "one row per distinct article read from the inbox",
    "article_signatures": "MinHash signature of each article long enough to compare, for near-duplicate detection",
    "files": "one row per inbox file read: the ledger that makes runs incremental",
    "paragraphs": "kept paragraphs of each article after cleanup",
    "removed": "noise removed from each article by cleanup, with its kind",
    "sentences": "sentences of the kept paragraphs",
    "mentions": "every actor named in a sentence",
    "stances": "stance of a source actor toward a target actor in one sentence",
    "stance_daily": "stance counts per (day, source, target) of a run date",
    "rejects": "input that could not be processed (or was not stance-tagged), with its reason",
    "runs": "one row per run",
    "dq_results": "one row per table validated by a run: its Great Expectations results",
}
COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "articles": {
        "article_id": "first 16 hex digits of the SHA-256 of the article's raw bytes",
        "source_path": "inbox path of the file, relative to the inbox",
        "source_line": "line number in a JSON-lines file (null for other formats)",
        "format": "txt, jsonl or html",
        "outlet": "publisher, when the input names one",
        "title": "headline, when the input has one",
        "url": "address of the article, when the input has one",
        "published_at": "publication time (UTC), when the input has one",
        "raw_text": "the article text as read (HTML: the extracted body), before cleanup",
        "encoding": "the Python codec the bytes were read with (utf-8, utf-8-sig, utf-16-le, cp1252, ...)",
        "ingested_at": "when the run read the file (UTC)",
        "duplicate_of": "article_id of the earlier article this one is a near-duplicate of (the same story "
        "republished with another headline, byline or boilerplate), null for an original",
        "run_id": RUN_ID,
    },
    "article_signatures": {
        "article_id": "the article (articles.article_id)",
        "minhash": "MinHash of the article's 5-word shingles (128 uint32 values, datasketch affine32, seed 1)",
        "run_id": RUN_ID,
    },
    "files": {
        "file_sha256": "SHA-256 of the file's bytes",
        "source_path": "inbox path of the file",
        "size_bytes": "file size in bytes",
        "n_articles": "articles the file gave",
        "n_rejects": "rejects the file gave at ingest",
        "run_id": RUN_ID,
    },
    "paragraphs": {
        "article_id": "the article (articles.article_id)",
        "paragraph_index": "0-based position among the article's kept paragraphs",
        "language": "ISO 639-1 language of the article (und: no body text)",
        "kind": "body or heading",
        "text": "the cleaned paragraph text",
        "raw_start": "offset of the paragraph's first character in articles.raw_text",
        "raw_end": "offset just after the paragraph's last character in articles.raw_text",
        "run_id": RUN_ID,
    },
    "removed": {
        "article_id": "the article (articles.article_id)",
        "removed_index": "0-based position among the article's removed pieces",
        "kind": "related_link, url, read_more, promo, credit or boilerplate",
        "text": "the removed text",
        "raw_start": "offset of the piece in articles.raw_text",
        "raw_end": "offset just after the piece in articles.raw_text",
        "run_id": RUN_ID,
    },
    "sentences": {
        "article_id": "the article (articles.article_id)",
        "sentence_index": "0-based position in the article, headings included",
        "paragraph_index": "the paragraph (paragraphs.paragraph_index)",
        "text": "the sentence",
        "char_start": "offset of the sentence in its paragraph's text",
        "char_end": "offset just after the sentence in its paragraph's text",
        "is_heading": "true when the sentence is a heading paragraph",
        "language": "ISO 639-1 language (only en is stance-tagged)",
        "cut_at_limit": "true when no sentence end came within the length limit and the text was cut "
        "into pieces of at most that length (STANCEWIRE_MAX_SENTENCE_CHARS)",
        "run_id": RUN_ID,
    },
    "mentions": {
        "article_id": "the article",
        "sentence_index": "the sentence (sentences.sentence_index)",
        "actor_id": "the actor: ISO 3166-1 alpha-3 code, organisation id (NATO, EU, ...) or person's id",
        "kind": "country, capital, demonym, organization, institution or person",
        "surface": "the words as written in the sentence",
        "char_start": "offset of the mention in the sentence",
        "char_end": "offset just after the mention in the sentence",
        "run_id": RUN_ID,
    },
    "stances": {
        "article_id": "the article",
        "sentence_index": "the sentence (sentences.sentence_index)",
        "speaker": "who holds the stance, as named (a person, an institution, a place)",
        "source_actor": "the speaker's actor id (a person's affiliation)",
        "target_actor": "the actor the stance is aimed at",
        "stance": "favor, against or neutral",
        "score": "strength in -1..1 (negative: against)",
        "cue": "the words that show the stance, separated by '; '",
        "is_quote": "true when the stance rests on quoted words",
        "run_id": RUN_ID,
    },
    "stance_daily": {
        "day": "publication day of the articles (the run date when unknown)",
        "source_actor": "who holds the stances",
        "target_actor": "whom they are aimed at",
        "n_favor": "favor stances that day",
        "n_against": "against stances that day",
        "n_neutral": "neutral stances that day",
        "n_total": "all stances that day",
        "mean_score": "mean score in -1..1",
        "run_id": RUN_ID,
    },
    "rejects": {
        "source_path": "inbox path of the file",
        "source_line": "line number in a JSON-lines file (null: the whole file)",
        "reason": "empty, binary, undecodable, bad_json, no_text, unsupported_type, duplicate, bad_field, "
        "too_large, outside_inbox, unreadable, non_english, not_a_file (a FIFO, socket, device or folder: "
        "never opened), bad_gzip or bad_html",
        "detail": "what exactly was wrong, in words",
        "file_sha256": "SHA-256 of the file (null when it could not be read)",
        "quarantined_path": "where a copy of a broken file was kept, relative to the warehouse",
        "run_id": RUN_ID,
    },
    "runs": {
        "run_id": "the run: run date, start time and a digest of the inbox listing",
        "started_at": "start time (UTC, whole seconds)",
        "finished_at": "end time (UTC)",
        "inbox": "the inbox folder read",
        "n_files": "files in the inbox",
        "n_skipped": "files skipped as read by an earlier run (same SHA-256)",
        "n_articles": "articles added (a rebuild: articles reprocessed)",
        "n_rejects": "rejects added",
        "n_sentences": "sentences written",
        "n_stances": "stances written",
        "status": "succeeded (a failed run publishes nothing)",
        "mode": "nightly (new inbox files) or rebuild (a run date reprocessed from its articles)",
    },
    "dq_results": {
        "table_name": "the table validated",
        "n_batches": "chunks validated",
        "n_rows": "rows validated",
        "expectations_evaluated": "expectations evaluated over all chunks",
        "expectations_failed": "expectations that failed",
        "success": "true when every chunk passed its suite",
        "failed_expectations": "the failed expectations, separated by '; '",
        "run_id": RUN_ID,
    },
}


def _documented(table: str, schema: pa.Schema) -> pa.Schema:
    described = COLUMN_DESCRIPTIONS[table]
    return pa.schema(
        [f.with_metadata({"description": described[f.name]}) for f in schema],
        metadata={"stancewire.table": table, "description": TABLE_DESCRIPTIONS[table]},
    )


SCHEMAS = {table: _documented(table, schema) for table, schema in SCHEMAS.items()}
