"""The DuckDB catalog of a warehouse: a view per table over the Parquet files of its published
Delta version (with the tables' and columns' descriptions as comments) and the ready-made views,
and the confined, read-only connections ``stancewire sql`` and the reports use.

On disk the views live in ``<warehouse>/stancewire.duckdb``, refreshed by each publish. On S3 a
DuckDB file cannot live beside the tables, so each connection is an in-memory database with the
warehouse's s3fs file system registered on it (``register_filesystem``) and the views made
over the published files' ``s3://`` URIs when it opens. (DuckDB's own ``delta`` and ``httpfs``
extensions cannot be installed offline; a view over a version's file list needs neither.)

duckdb is imported where the catalog is used: the stage workers never load it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from flows.location import Location
from stages.schemas import SCHEMAS

if TYPE_CHECKING:
    import duckdb

CATALOG_FILE = "stancewire.duckdb"
# Ready-made views over the table views (documented in the README):
# name -> (tables it reads, its description, SQL).
READY_VIEWS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # One row per (source, target, day): the stance counts over every run date, and the net
    # score (favor - against) / total in -1..1.
    "dyads": (
        ("stance_daily",),
        "stance counts and net score (favor - against) / total per (source, target, day), all run dates",
        """
        SELECT source_actor, target_actor, day,
               sum(n_favor)::BIGINT AS n_favor, sum(n_against)::BIGINT AS n_against,
               sum(n_neutral)::BIGINT AS n_neutral, sum(n_total)::BIGINT AS n_total,
               round((sum(n_favor) - sum(n_against)) / sum(n_total), 4) AS net_score,
               round(sum(mean_score * n_total) / sum(n_total), 4) AS mean_score
        FROM stance_daily
        GROUP BY source_actor, target_actor, day
        """,
    ),
    # One row per pair of named entities and day, over every run date: every stance row, those
    # with a null actor id or within one actor (which stance_daily and dyads leave out) included;
    # near-duplicate articles left out, as in dyads. The day is the article's (published_at, UTC).
    "entity_dyads": (
        ("stances", "articles"),
        "stance counts per (day, source name and role, target name and role), every stance row "
        "(null actor ids and pairs within one actor included), all run dates",
        """
        SELECT coalesce(CAST(a.published_at AT TIME ZONE 'UTC' AS DATE), s.run_date) AS day,
               s.source_name, s.source_role, s.source_actor,
               s.target_name, s.target_role, s.target_actor,
               count(*) FILTER (WHERE s.stance = 'favor')::BIGINT AS n_favor,
               count(*) FILTER (WHERE s.stance = 'against')::BIGINT AS n_against,
               count(*) FILTER (WHERE s.stance = 'neutral')::BIGINT AS n_neutral,
               count(*)::BIGINT AS n_total,
               round(avg(s.score), 4) AS mean_score
        FROM stances s
        JOIN articles a ON a.article_id = s.article_id AND a.run_date = s.run_date
        WHERE a.duplicate_of IS NULL
        GROUP BY ALL
        """,
    ),
    # One row per reported statement: who said it (as written, resolved, and the actor), the
    # cue, what was said, the sentence and its article.
    "quotes": (
        ("attributions", "sentences", "articles"),
        "who said what: every reported statement with its speaker, cue, content, sentence and article",
        """
        SELECT q.run_date, q.article_id, q.sentence_index, q.kind, q.speaker, q.speaker_name,
               q.speaker_actor, q.speaker_role, q.cue, q.content, q.speaker_is_pronoun,
               q.continued_quote, t.text AS sentence, a.title, a.outlet, a.url, a.published_at,
               a.source_path, q.speaker_start, q.speaker_end, q.cue_start, q.cue_end,
               q.content_start, q.content_end
        FROM attributions q
        JOIN sentences t ON t.article_id = q.article_id AND t.sentence_index = q.sentence_index
                        AND t.run_date = q.run_date
        JOIN articles a ON a.article_id = q.article_id
        """,
    ),
}


class Catalog:
    """The DuckDB views of the warehouse at ``location``."""

    def __init__(self, location: Location) -> None:
        self.location = location

    @property
    def path(self) -> Path | None:
        """The DuckDB file of a local warehouse; None on S3 (views are made per connection)."""
        return self.location.local / CATALOG_FILE if self.location.is_local else None

    def refresh(self, files: dict[str, list[str]]) -> None:
        """(Re)create the DuckDB file of a local warehouse with one view per table over ``files``
        (the published files' paths); nothing on S3."""
        if self.path is None:
            return
        self.location.local.mkdir(parents=True, exist_ok=True)
        import duckdb

        with duckdb.connect(str(self.path)) as con:
            create_views(con, {t: [str(Path(f).resolve()) for f in names] for t, names in files.items()})

    def connect(self, files: Callable[[], dict[str, list[str]]]) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB connection to the catalog that reads files inside the warehouse only.

        The views read the published Parquet files by their absolute paths (or ``s3://`` URIs)
        under the warehouse; any other file (``read_text('/etc/passwd')``, a sibling folder
        ``<warehouse>-other/``, a symlink leading out) is refused with
        ``duckdb.PermissionException``, and the connection cannot turn that off again (see
        ``_confine``). ``files`` gives the published files, for an S3 warehouse's views.
        """
        import duckdb

        if self.path is None:
            con = duckdb.connect(":memory:")
            try:
                con.register_filesystem(self.location.fs)
                create_views(con, files())
                _confine(con, self.location.uri(""), remote=True)
            except BaseException:
                con.close()
                raise
            return con
        if not self.path.exists():
            raise FileNotFoundError(f"no warehouse catalog at {self.path}: run `stancewire run` first")
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            _confine(con, str(self.location.local.resolve()))
        except BaseException:
            con.close()
            raise
        return con


def create_views(con: duckdb.DuckDBPyConnection, files: dict[str, list[str]]) -> None:
    """One view per table over its files (a table without files has none), and the ready-made
    views whose tables all have files."""
    for table, names in files.items():
        if not names:
            continue
        paths = ", ".join(_sql_string(f) for f in names)
        con.execute(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet([{paths}], "
            "hive_partitioning = true, hive_types = {'run_date': DATE}, union_by_name = true)"
        )
        _comment(con, table, SCHEMAS[table])
    for view, (needs, description, sql) in READY_VIEWS.items():
        if all(files.get(t) for t in needs):
            con.execute(f"CREATE OR REPLACE VIEW {view} AS {sql}")
            con.execute(f"COMMENT ON VIEW {view} IS {_sql_string(description)}")


def _confine(con: duckdb.DuckDBPyConnection, root: str, remote: bool = False) -> None:
    """Let ``con``'s database read and write files under ``root`` only, and lock its configuration
    so that no statement (``SET``, ``RESET``, ``PRAGMA``) can widen that again.

    DuckDB takes these settings only as statements on a started database (its ``connect(config=)``
    refuses ``allowed_directories`` "before the database is started"), and in this order: once
    external access is off, ``allowed_directories`` can no longer be changed. DuckDB resolves
    symlinks both in the allowed folder and in every path it checks, so the warehouse's real path
    is given (the views name resolved paths too) and a symlink inside it that leads out is refused.
    All connections of one process to one database file share one instance, hence one
    configuration: a second connection finds it locked already and only checks it.
    """
    allowed = root.rstrip("/") + "/" if remote else os.path.join(root, "")  # "<root>-other/" is outside
    # Each result is fetched whole: DuckDB's next query on a connection discards a pending one.
    (locked,) = con.execute("SELECT current_setting('lock_configuration')").fetchall()[0]
    if not locked:
        con.execute("SET allowed_directories = ?", [[allowed]])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    external, directories, locked, temp = con.execute(
        "SELECT current_setting('enable_external_access'), current_setting('allowed_directories'), "
        "current_setting('lock_configuration'), current_setting('temp_directory')"
    ).fetchall()[0]
    # DuckDB adds the database's own temporary folder (<catalog>.tmp/ inside a local warehouse;
    # for an in-memory database, .tmp/ in the working directory, where it spills large sorts).
    spill = os.path.join(os.path.abspath(str(temp)), "") if temp else allowed
    if external or not locked or not all(str(d).startswith((allowed, spill)) for d in directories):
        raise PermissionError(
            f"the DuckDB database of {root} is open in this process with other file access "
            f"settings (external access {external}, allowed {directories}): close that connection first"
        )


def _comment(con: duckdb.DuckDBPyConnection, view: str, schema: pa.Schema) -> None:
    """The table's and its columns' descriptions as DuckDB comments (``duckdb_columns().comment``)."""
    description = (schema.metadata or {}).get(b"description", b"").decode()
    con.execute(f"COMMENT ON VIEW {view} IS {_sql_string(description)}")
    for field in schema:
        text = (field.metadata or {}).get(b"description", b"").decode()
        con.execute(f"COMMENT ON COLUMN {view}.{field.name} IS {_sql_string(text)}")
    con.execute(f"COMMENT ON COLUMN {view}.run_date IS 'the run date (hive partition)'")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
