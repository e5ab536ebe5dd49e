"""The declaration of every table stancewire writes: its grain, and each column's type,
nullability, meaning and allowed values, written once.

Everything else about a table is derived from these declarations by ``stages/schemas.py``:
the pyarrow schemas (with the descriptions written into every Parquet file and the DuckDB
catalog), the structural Great Expectations checks (column order, not-null, allowed values),
the pandas frames the stages return, and README.md's table list.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral")
PARAGRAPH_KINDS: tuple[str, ...] = ("body", "heading")
REMOVED_KINDS: tuple[str, ...] = ("url", "related_link", "read_more", "promo", "credit", "boilerplate")
MENTION_KINDS: tuple[str, ...] = ("country", "capital", "demonym", "organization", "institution", "person")
ARTICLE_FORMATS: tuple[str, ...] = ("txt", "jsonl", "html")
# rejects.reason: the codes of stages/ingest.py, in the order the description gives them
REJECT_REASONS: tuple[str, ...] = (
    "empty",
    "binary",
    "undecodable",
    "bad_json",
    "no_text",
    "unsupported_type",
    "duplicate",
    "bad_field",
    "too_large",
    "outside_inbox",
    "unreadable",
    "non_english",
    "not_a_file",
    "bad_gzip",
    "bad_html",
)
# attributions.kind: a direct quote, reported speech ("said that ..."), a quote inside reported
# speech, and a statement credited with "according to"
ATTRIBUTION_KINDS: tuple[str, ...] = ("direct", "indirect", "mixed", "according_to")
RUN_STATUSES: tuple[str, ...] = ("succeeded",)
RUN_MODES: tuple[str, ...] = ("nightly", "rebuild", "rollback", "migrate")
BOOLEANS: tuple[bool, ...] = (True, False)

STRING = pa.string()
TEXT = pa.large_string()
INT32 = pa.int32()
INT64 = pa.int64()
FLOAT64 = pa.float64()
BOOL = pa.bool_()
DATE = pa.date32()
TIMESTAMP = pa.timestamp("us", tz="UTC")
# stages/near_duplicates.NUM_PERM values: a signature of another length is refused at write
MINHASH = pa.list_(pa.uint32(), 128)


@dataclass(frozen=True)
class Column:
    """One column: its pyarrow type, what it means, whether it may be null, and (when the
    column is an enumeration) the values it may hold."""

    name: str
    type: pa.DataType
    description: str
    nullable: bool = False
    allowed: tuple[object, ...] | None = None


@dataclass(frozen=True)
class Table:
    """One table: what it holds, what one row is (``row``) and the columns that identify a row
    within a run (``key``; empty when nothing does), and its columns in order."""

    name: str
    description: str
    row: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]


RUN_ID = Column("run_id", STRING, "the run that wrote the row")
ARTICLE = "the article (articles.article_id)"

DECLARED: tuple[Table, ...] = (
    Table(
        "articles",
        "one row per distinct article read from the inbox",
        "distinct article of a run",
        ("article_id",),
        (
            Column("article_id", STRING, "first 16 hex digits of the SHA-256 of the article's raw bytes"),
            Column("source_path", STRING, "inbox path of the file, relative to the inbox"),
            Column(
                "source_line",
                INT64,
                "line number in a JSON-lines file (null for other formats)",
                nullable=True,
            ),
            Column("format", STRING, "txt, jsonl or html", allowed=ARTICLE_FORMATS),
            Column("outlet", STRING, "publisher, when the input names one", nullable=True),
            Column("title", STRING, "headline, when the input has one", nullable=True),
            Column("url", STRING, "address of the article, when the input has one", nullable=True),
            Column(
                "published_at", TIMESTAMP, "publication time (UTC), when the input has one", nullable=True
            ),
            Column("raw_text", TEXT, "the article text as read (HTML: the extracted body), before cleanup"),
            Column(
                "encoding",
                STRING,
                "the Python codec the bytes were read with (utf-8, utf-8-sig, utf-16-le, cp1252, ...)",
            ),
            Column("ingested_at", TIMESTAMP, "when the run read the file (UTC)"),
            Column(
                "duplicate_of",
                STRING,
                "article_id of the earlier article this one is a near-duplicate of (the same story "
                "republished with another headline, byline or boilerplate), null for an original",
                nullable=True,
            ),
            RUN_ID,
        ),
    ),
    Table(
        "article_signatures",
        "MinHash signature of each article long enough to compare, for near-duplicate detection",
        "article of 20+ shingles",
        ("article_id",),
        (
            Column("article_id", STRING, ARTICLE),
            Column(
                "minhash",
                MINHASH,
                "MinHash of the article's 5-word shingles (128 uint32 values, datasketch affine32, seed 1)",
            ),
            RUN_ID,
        ),
    ),
    Table(
        "files",
        "one row per inbox file read: the ledger that makes runs incremental",
        "inbox file read (the incremental ledger)",
        ("file_sha256",),
        (
            Column("file_sha256", STRING, "SHA-256 of the file's bytes"),
            Column("source_path", STRING, "inbox path of the file"),
            Column("size_bytes", INT64, "file size in bytes"),
            Column("n_articles", INT64, "articles the file gave"),
            Column("n_rejects", INT64, "rejects the file gave at ingest"),
            RUN_ID,
        ),
    ),
    Table(
        "paragraphs",
        "kept paragraphs of each article after cleanup",
        "kept paragraph",
        ("article_id", "paragraph_index"),
        (
            Column("article_id", STRING, ARTICLE),
            Column("paragraph_index", INT32, "0-based position among the article's kept paragraphs"),
            Column("language", STRING, "ISO 639-1 language of the article (und: no body text)"),
            Column("kind", STRING, "body or heading", allowed=PARAGRAPH_KINDS),
            Column("text", TEXT, "the cleaned paragraph text"),
            Column("raw_start", INT64, "offset of the paragraph's first character in articles.raw_text"),
            Column("raw_end", INT64, "offset just after the paragraph's last character in articles.raw_text"),
            RUN_ID,
        ),
    ),
    Table(
        "removed",
        "noise removed from each article by cleanup, with its kind",
        "removed noise",
        ("article_id", "removed_index"),
        (
            Column("article_id", STRING, ARTICLE),
            Column("removed_index", INT32, "0-based position among the article's removed pieces"),
            Column(
                "kind",
                STRING,
                "related_link, url, read_more, promo, credit or boilerplate",
                allowed=REMOVED_KINDS,
            ),
            Column("text", TEXT, "the removed text"),
            Column("raw_start", INT64, "offset of the piece in articles.raw_text"),
            Column("raw_end", INT64, "offset just after the piece in articles.raw_text"),
            RUN_ID,
        ),
    ),
    Table(
        "sentences",
        "sentences of the kept paragraphs",
        "sentence",
        ("article_id", "sentence_index"),
        (
            Column("article_id", STRING, ARTICLE),
            Column("sentence_index", INT32, "0-based position in the article, headings included"),
            Column("paragraph_index", INT32, "the paragraph (paragraphs.paragraph_index)"),
            Column("text", TEXT, "the sentence"),
            Column("char_start", INT32, "offset of the sentence in its paragraph's text"),
            Column("char_end", INT32, "offset just after the sentence in its paragraph's text"),
            Column("is_heading", BOOL, "true when the sentence is a heading paragraph", allowed=BOOLEANS),
            Column("language", STRING, "ISO 639-1 language (only en is stance-tagged)"),
            Column(
                "cut_at_limit",
                BOOL,
                "true when no sentence end came within the length limit and the text was cut "
                "into pieces of at most that length (STANCEWIRE_MAX_SENTENCE_CHARS)",
            ),
            RUN_ID,
        ),
    ),
    Table(
        "mentions",
        "every actor named in a sentence",
        "actor named in a sentence",
        ("article_id", "sentence_index", "char_start"),
        (
            Column("article_id", STRING, "the article"),
            Column("sentence_index", INT32, "the sentence (sentences.sentence_index)"),
            Column(
                "actor_id",
                STRING,
                "the actor: ISO 3166-1 alpha-3 code, organisation id (NATO, EU, ...) or person's id",
            ),
            Column(
                "kind",
                STRING,
                "country, capital, demonym, organization, institution or person",
                allowed=MENTION_KINDS,
            ),
            Column("surface", STRING, "the words as written in the sentence"),
            Column("char_start", INT32, "offset of the mention in the sentence"),
            Column("char_end", INT32, "offset just after the mention in the sentence"),
            RUN_ID,
        ),
    ),
    Table(
        "stances",
        "stance of a source actor toward a target actor in one sentence",
        "(sentence, source, target)",
        ("article_id", "sentence_index", "source_actor", "target_actor", "source_name", "target_name"),
        (
            Column("article_id", STRING, "the article"),
            Column("sentence_index", INT32, "the sentence (sentences.sentence_index)"),
            Column(
                "speaker",
                STRING,
                "who holds the stance, as named (a person, an institution, a place)",
                nullable=True,
            ),
            Column(
                "source_actor",
                STRING,
                "the speaker's actor id (a person's affiliation); null when no affiliation is known",
                nullable=True,
            ),
            Column(
                "source_name",
                STRING,
                "the source as the article names it: a person's canonical name, else the words as written; "
                "null for a sentence's own attitude toward an actor, where no holder is named "
                "(the sentence model's rows)",
                nullable=True,
            ),
            Column(
                "source_role",
                STRING,
                "the source's CAMEO role on the article's day (GOV, MIL, LEG, OPP, ...); null when unknown",
                nullable=True,
            ),
            Column(
                "target_actor",
                STRING,
                "the actor id the stance is aimed at; null when no affiliation is known",
                nullable=True,
            ),
            Column(
                "target_name",
                STRING,
                "the target as the article names it: a person's canonical name, else the words as written",
            ),
            Column(
                "target_role",
                STRING,
                "the target's CAMEO role on the article's day (GOV, MIL, LEG, OPP, ...); null when unknown",
                nullable=True,
            ),
            Column("stance", STRING, "favor, against or neutral", allowed=STANCE_LABELS),
            Column("score", FLOAT64, "strength in -1..1 (negative: against)"),
            Column("cue", STRING, "the words that show the stance, separated by '; '", nullable=True),
            Column("is_quote", BOOL, "true when the stance rests on quoted words"),
            RUN_ID,
        ),
    ),
    Table(
        "attributions",
        "who says what: one row per reported statement (quote, reported speech, 'according to'), "
        "with or without a stance; spans are character offsets into articles.raw_text",
        "reported statement (one cue) in a sentence, or a sentence's quotation that continues "
        "the statement before it (no cue)",
        ("article_id", "sentence_index", "cue_start"),
        (
            Column("article_id", STRING, "the article"),
            Column("sentence_index", INT32, "the sentence that holds the cue (sentences.sentence_index)"),
            Column("kind", STRING, "direct, indirect, mixed or according_to", allowed=ATTRIBUTION_KINDS),
            Column("speaker", STRING, "the speaker as written (a pronoun as written)", nullable=True),
            Column("speaker_start", INT64, "offset of the speaker in articles.raw_text", nullable=True),
            Column("speaker_end", INT64, "offset just after the speaker in articles.raw_text", nullable=True),
            Column(
                "speaker_name",
                STRING,
                "the speaker's resolved name (a pronoun's antecedent; a title dropped)",
                nullable=True,
            ),
            Column(
                "speaker_actor",
                STRING,
                "the speaker's actor id: ISO 3166-1 alpha-3 code or organisation id (null: no affiliation known)",
                nullable=True,
            ),
            Column(
                "speaker_role",
                STRING,
                "the speaker's CAMEO role on the article's day: GOV, LEG, MIL, REB, COP, HRI, ... "
                "(stages.roles.ROLE_CODES; null: none known)",
                nullable=True,
            ),
            Column(
                "cue",
                STRING,
                "the words that report the statement (said, told, according to, ...); null for a "
                "continued quotation, whose sentence holds none",
                nullable=True,
            ),
            Column("cue_start", INT64, "offset of the cue in articles.raw_text", nullable=True),
            Column("cue_end", INT64, "offset just after the cue in articles.raw_text", nullable=True),
            Column("content", STRING, "what was said", nullable=True),
            Column("content_start", INT64, "offset of the content in articles.raw_text", nullable=True),
            Column("content_end", INT64, "offset just after the content in articles.raw_text", nullable=True),
            Column(
                "speaker_is_pronoun", BOOL, "true when the speaker is a pronoun resolved to an earlier name"
            ),
            Column(
                "continued_quote",
                BOOL,
                "true when the row is a quotation going on from the statement of the sentence before "
                "(its speaker and cue are that statement's)",
            ),
            RUN_ID,
        ),
    ),
    Table(
        "stance_daily",
        "stance counts per (day, source, target) of a run date: stances between two different known "
        "actor ids (a row with a null id, or within one actor, is in stances and entity_dyads only)",
        "(day, source, target)",
        ("day", "source_actor", "target_actor"),
        (
            Column("day", DATE, "publication day of the articles (the run date when unknown)"),
            Column("source_actor", STRING, "who holds the stances"),
            Column("target_actor", STRING, "whom they are aimed at"),
            *(Column(f"n_{label}", INT64, f"{label} stances that day") for label in STANCE_LABELS),
            Column("n_total", INT64, "all stances that day"),
            Column("mean_score", FLOAT64, "mean score in -1..1"),
            RUN_ID,
        ),
    ),
    Table(
        "rejects",
        "input that could not be processed (or was not stance-tagged), with its reason",
        "input that could not be processed",
        (),
        (
            Column("source_path", STRING, "inbox path of the file"),
            Column(
                "source_line", INT64, "line number in a JSON-lines file (null: the whole file)", nullable=True
            ),
            Column(
                "reason",
                STRING,
                "empty, binary, undecodable, bad_json, no_text, unsupported_type, duplicate, bad_field, "
                "too_large, outside_inbox, unreadable, non_english, not_a_file (a FIFO, socket, device or "
                "folder: never opened), bad_gzip or bad_html",
                allowed=REJECT_REASONS,
            ),
            Column("detail", STRING, "what exactly was wrong, in words"),
            Column(
                "file_sha256", STRING, "SHA-256 of the file (null when it could not be read)", nullable=True
            ),
            Column(
                "quarantined_path",
                STRING,
                "where a copy of a broken file was kept, relative to the warehouse",
                nullable=True,
            ),
            RUN_ID,
        ),
    ),
    Table(
        "runs",
        "one row per run",
        "run",
        ("run_id",),
        (
            Column("run_id", STRING, "the run: run date, start time and a digest of the inbox listing"),
            Column("started_at", TIMESTAMP, "start time (UTC, whole seconds)"),
            Column("finished_at", TIMESTAMP, "end time (UTC)"),
            Column("inbox", STRING, "the inbox folder read"),
            Column("n_files", INT64, "files in the inbox"),
            Column("n_skipped", INT64, "files skipped as read by an earlier run (same SHA-256)"),
            Column("n_articles", INT64, "articles added (a rebuild: articles reprocessed)"),
            Column("n_rejects", INT64, "rejects added"),
            Column("n_sentences", INT64, "sentences written"),
            Column("n_stances", INT64, "stances written"),
            Column("status", STRING, "succeeded (a failed run publishes nothing)", allowed=RUN_STATUSES),
            Column(
                "mode",
                STRING,
                "nightly (new inbox files), rebuild (a run date reprocessed from its articles), "
                "rollback (every table set back to an earlier run's versions) or migrate (the "
                "warehouse converted to Delta Lake)",
                allowed=RUN_MODES,
            ),
            Column(
                "table_versions",
                STRING,
                "the Delta version of every other table this run left published, as JSON "
                '({"articles": 3, ...}): what readers read; set by the publish itself, after '
                "those tables' commits (null in rows written before Delta Lake)",
                nullable=True,
            ),
        ),
    ),
)

DECLARED += (
    Table(
        "dq_results",
        "one row per table validated by a run: its Great Expectations results",
        "validated table of a run",
        ("table_name",),
        (
            Column("table_name", STRING, "the table validated", allowed=tuple(t.name for t in DECLARED)),
            Column("n_batches", INT64, "chunks validated"),
            Column("n_rows", INT64, "rows validated"),
            Column("expectations_evaluated", INT64, "expectations evaluated over all chunks"),
            Column("expectations_failed", INT64, "expectations that failed"),
            Column("success", BOOL, "true when every chunk passed its suite", allowed=BOOLEANS),
            Column("failed_expectations", STRING, "the failed expectations, separated by '; '"),
            RUN_ID,
        ),
    ),
)
