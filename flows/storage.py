"""All reading and writing of tables: Delta Lake tables under a warehouse (``Warehouse``), a local
folder or an object store prefix (``s3://bucket/prefix``, see ``flows.location``).

Layout of a warehouse::

    <table>/_delta_log/                                the Delta log of each table (flows.delta_tables)
    <table>/run_date=YYYY-MM-DD/part-<run_id>-<chunk>.parquet   its files (partitioned by run date)
    _staging/<run_id>/<table>/run_date=.../            a run's output until it is published
    _backfill/<from>_<to>.json                         the dates a running backfill has finished
    quarantine/run_date=YYYY-MM-DD/<file>              copies of inbox files that were rejected
    reports/                                           Data Docs and other reports
    stancewire.duckdb                                  a view per table over its published files (local only)
    .lock / _lease.json                                the single writer's lock (flock) / lease (S3)

**What is published.** Delta commits one table at a time, so a night is made all-or-nothing for
readers by the ``runs`` table: a run commits each table's files (each commit tagged with the run
and idempotent through a Delta app transaction), then commits its ``runs`` row *last*, and that
row records the version of every other table it leaves (``runs.table_versions``). Readers (the
DuckDB views, ``read_table``) read the versions the latest ``runs`` row records, never a table's
latest version; a run killed at any moment before its ``runs`` commit is invisible. ``recover()``,
at the next writer's start, restores every table that moved past its recorded version (Delta
RESTORE) and removes the staging left behind. ``rollback`` records an earlier run's versions in a
new ``runs`` row (one commit: the views follow at once), then restores the tables the same way.

Its other parts have modules of their own: the Delta tables (``flows.delta_tables``), the
file operations (``flows.location``), the single-writer lock on disk (``flows.warehouse_lock``)
or on S3 (``flows.lease``) and the DuckDB catalog (``flows.catalog``). Nothing outside these
modules touches these paths, so ``stages/`` never knows where tables live.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from flows.catalog import Catalog
from flows.delta_tables import PARTITION, DataFile, DeltaTables, storage_schema
from flows.lease import LEASE_SECONDS, Lease
from flows.location import Location

# WarehouseBusy is raised by Warehouse.lock: importable from here, as callers know the Warehouse.
from flows.warehouse_lock import WarehouseBusy as WarehouseBusy
from flows.warehouse_lock import WriteLock
from stages.schemas import SCHEMAS

if TYPE_CHECKING:
    import duckdb

MANIFEST_FILE = "_manifest.json"  # the layout before Delta Lake (``stancewire migrate`` converts it)
STAGING = "_staging"
POINTER_TABLE = "runs"
# The tables whose versions a runs row records: every table but runs itself.
VERSIONED = tuple(t for t in SCHEMAS if t != POINTER_TABLE)
RUN_COLUMNS = ["run_id", "mode", "finished_at", "table_versions"]


class SchemaError(ValueError):
    """A frame does not fit its table's declared schema."""


class UnmanagedFiles(RuntimeError):
    """Table files in a folder that is not a Delta warehouse: not this warehouse's to delete."""


class NeedsMigration(RuntimeError):
    """A warehouse in the layout before Delta Lake (``_manifest.json``): ``stancewire migrate``."""


class UnknownRun(ValueError):
    """A rollback target that no published run matches."""


def to_arrow(table: str, frame: pd.DataFrame, run_id: str) -> pa.Table:
    """Convert a stage's frame to its table's declared schema (adding ``run_id``), checking nulls."""
    schema = SCHEMAS[table]
    missing = [n for n in schema.names if n != "run_id" and n not in frame.columns]
    if missing:
        raise SchemaError(f"{table}: frame lacks columns {missing}")
    data = frame.assign(run_id=run_id)[schema.names]
    try:
        # pyarrow checks types and refuses nulls in the schema's non-nullable fields.
        return pa.Table.from_pandas(data, schema=schema, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as err:
        raise SchemaError(f"{table}: {err}") from None


def _partition(run_date: date) -> str:
    return f"{PARTITION}={run_date.isoformat()}"


@dataclass(frozen=True)
class Published:
    """What readers see: the run whose ``runs`` row is the latest, and the table versions it records
    (a table it does not name has nothing published)."""

    run_id: str | None = None
    versions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RunVersions:
    """One ``runs`` row as history shows it."""

    run_id: str
    run_date: date
    mode: str
    finished_at: datetime
    versions: dict[str, int]


class Warehouse:
    """A warehouse: staged writes, publishing, recovery, rollback and reads of its Delta tables, its
    reports, quarantine and backfill progress; its lock and catalog are parts of their own."""

    def __init__(self, root: str | Path, lease_seconds: int = LEASE_SECONDS) -> None:
        """``lease_seconds``: how long the writer's lease on S3 lasts unrenewed (``flows.lease``)."""
        self.location = Location(root)
        self.root: str | Path = self.location.root
        self.tables = DeltaTables(self.location)
        self.write_lock: WriteLock | Lease = (
            WriteLock(self.location.local) if self.location.is_local else Lease(self.location, lease_seconds)
        )
        self.catalog = Catalog(self.location)
        self._published: Published | None = None
        self._files: dict[tuple[str, int], list[DataFile]] = {}

    @property
    def catalog_path(self) -> Path | None:
        """The DuckDB file of a local warehouse (None on S3: ``connect`` builds the views in memory)."""
        return self.catalog.path

    @property
    def reports_dir(self) -> Path:
        """Where reports are written: ``<warehouse>/reports``, or for S3 a local folder that
        ``upload_reports`` copies to ``<warehouse>/reports/``."""
        if self.location.is_local:
            return self.location.local / "reports"
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / "stancewire-reports" / digest

    @property
    def manifest_path(self) -> Path:
        return self.location.local / MANIFEST_FILE

    # --- the one writer ---------------------------------------------------------------------------
    def ensure_free(self) -> None:
        """Raise ``WarehouseBusy``, naming the holder, when a live run holds the write lock."""
        self.write_lock.ensure_free()

    def lock(self, owner: str) -> contextlib.AbstractContextManager[None]:
        """Hold the warehouse's single-writer lock (a flock on disk, a lease on S3) for a ``with``
        block; a second writer gets ``WarehouseBusy`` at once."""
        return self.write_lock.hold(owner)

    def _assert_writer(self) -> None:
        if isinstance(self.write_lock, Lease):
            self.write_lock.assert_held()

    # --- what is published ------------------------------------------------------------------------
    def published(self) -> Published:
        """The latest ``runs`` row's run and table versions (read once per ``Warehouse``)."""
        if self._published is None:
            self._published = self._read_published()
        return self._published

    def _read_published(self) -> Published:
        runs = self.run_versions()
        return Published(runs[-1].run_id, runs[-1].versions) if runs else Published()

    def run_versions(self) -> list[RunVersions]:
        """Every ``runs`` row that records table versions, oldest first."""
        if not self.tables.exists(POINTER_TABLE):
            return []
        # Read by its file list, as every table is: deltalake's own pyarrow reader
        # (``to_pyarrow_table``) can abort the process at interpreter exit.
        latest = self.tables.latest_version(POINTER_TABLE)
        found = []
        for f in self.tables.files(POINTER_TABLE, latest or 0):
            stored = storage_schema(POINTER_TABLE)
            rows = self.location.read_parquet(f"{POINTER_TABLE}/{f.path}", RUN_COLUMNS, stored).to_pylist()
            found += [
                RunVersions(
                    r["run_id"], f.run_date, r["mode"], r["finished_at"], json.loads(r["table_versions"])
                )
                for r in rows
                if r["table_versions"] is not None
            ]
        return sorted(found, key=lambda r: (r.finished_at, r.run_id))

    def published_files(self, table: str) -> list[DataFile]:
        """The published files of ``table`` (those of its recorded version)."""
        version = self.published().versions.get(table)
        if table == POINTER_TABLE and self.tables.exists(table):
            version = self.tables.latest_version(table)
        if version is None:
            return []
        key = (table, version)
        if key not in self._files:
            self._files[key] = self.tables.files(table, version)
        return self._files[key]

    def _forget(self) -> None:
        self._published = None

    # --- writing a run ----------------------------------------------------------------------------
    def begin(self, run_id: str) -> None:
        """Prepare a run: undo what a run that died before its ``runs`` commit left behind."""
        if self.location.is_local:
            self.location.local.mkdir(parents=True, exist_ok=True)
        self.recover()

    def _staged_rel(self, run_id: str, table: str, run_date: date, part: str) -> str:
        return f"{STAGING}/{run_id}/{table}/{_partition(run_date)}/part-{run_id}-{part}.parquet"

    def write_part(self, run_id: str, table: str, run_date: date, frame: pd.DataFrame, part: str) -> int:
        """Write one chunk of ``table`` into the run's staging area; returns its row count."""
        arrow = to_arrow(table, frame, run_id)
        stored = arrow.cast(storage_schema(table))
        self.location.write_parquet(self._staged_rel(run_id, table, run_date, part), stored)
        return arrow.num_rows

    def read_part(
        self, run_id: str, table: str, run_date: date, part: str, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """One staged chunk of ``table`` (what ``write_part`` wrote under that part name)."""
        return self._read(table, [self._staged_rel(run_id, table, run_date, part)], columns)

    def staged_parts(self, run_id: str, table: str, partition: str = f"{PARTITION}=*") -> list[str]:
        return self.location.glob(f"{STAGING}/{run_id}/{table}/{partition}/part-*.parquet")

    def read_staged(self, run_id: str, table: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Every staged chunk of ``table`` for this run, in part order."""
        return self._read(table, self.staged_parts(run_id, table), columns)

    def publish(
        self, run_id: str, run_date: date, tables: Iterable[str], replace: Iterable[str] = ()
    ) -> None:
        """Commit the run's staged files of ``tables``, one Delta commit per table, then its
        ``runs`` row last, recording the version of every table (what readers read). For the
        tables in ``replace`` the commit takes the place of the run date's earlier files.

        Each table goes in two steps, ``_move_staged`` and ``_commit_table``; ``runs`` in
        ``_commit_runs``. A crash anywhere before ``_commit_runs`` is invisible to readers and
        undone by the next writer's ``recover``; tests/flows/test_crash_safety.py kills a run
        around each step, on disk and on S3.
        """
        tables = list(tables)
        replaced = set(replace)
        partition = _partition(run_date)
        versions = dict(self.published().versions)
        for table in [t for t in tables if t != POINTER_TABLE]:
            files = self._move_staged(run_id, table, partition, run_date)
            versions[table] = self._commit_table(
                table, run_id, files, run_date if table in replaced else None
            )
        self._commit_runs(run_id, run_date, partition, versions)
        self._drop_staging(run_id)

    def _drop_staging(self, run_id: str) -> None:
        self.location.remove_tree(f"{STAGING}/{run_id}")
        if self.location.is_local:
            with contextlib.suppress(OSError):
                (self.location.local / STAGING).rmdir()  # only when no other run's staging is left
        self._forget()

    def _move_staged(self, run_id: str, table: str, partition: str, run_date: date) -> list[DataFile]:
        """Move the run's staged files of ``table`` into the table folder; no reader sees them
        until a version that names them is recorded."""
        staged = self.staged_parts(run_id, table, partition)
        if not staged:
            raise FileNotFoundError(f"nothing staged for table {table!r} in run {run_id}")
        files = []
        for rel in staged:
            name = rel.rsplit("/", 1)[-1]
            inside = f"{partition}/{name}"
            rows = self.location.parquet_rows(rel)
            self.location.move(rel, f"{table}/{inside}")
            files.append(DataFile(inside, self.location.size(f"{table}/{inside}"), rows, run_date))
        return files

    def _commit_table(self, table: str, run_id: str, files: list[DataFile], replace: date | None) -> int:
        """One table's Delta commit (idempotent for the run); the version that holds it."""
        self._assert_writer()
        return self.tables.commit(table, run_id, files, replace)

    def _commit_runs(self, run_id: str, run_date: date, partition: str, versions: dict[str, int]) -> None:
        """The run's ``runs`` row, with the versions it leaves, committed last: the night's publish."""
        staged = self.staged_parts(run_id, POINTER_TABLE, partition)
        if not staged:
            raise FileNotFoundError(f"nothing staged for table 'runs' in run {run_id}")
        rows = self._read(POINTER_TABLE, staged, None).assign(table_versions=_versions_json(versions))
        for rel in staged:
            self.location.delete(rel)
        self.write_part(run_id, POINTER_TABLE, run_date, rows.drop(columns="run_id"), "all")
        files = self._move_staged(run_id, POINTER_TABLE, partition, run_date)
        self._assert_writer()
        self.tables.commit(POINTER_TABLE, run_id, files)

    def recover(self) -> None:
        """Undo what a run that died left: restore every table whose latest version moved past the
        version the latest ``runs`` row records (or past its empty first version, when none is
        recorded), and remove staged output.

        A folder with table files but no Delta log (a wrong ``--warehouse``) is refused with
        ``UnmanagedFiles``; one in the layout before Delta with ``NeedsMigration``.
        """
        self._refuse_foreign()
        self._forget()
        recorded = self.published().versions
        for table in VERSIONED:
            latest = self.tables.latest_version(table)
            if latest is None:
                continue
            target = recorded.get(table, 0)
            if latest > target and not self.tables.same_files(table, latest, target):
                self.tables.restore(table, target)
        self.location.remove_tree(STAGING)

    def _refuse_foreign(self) -> None:
        if self.location.exists(MANIFEST_FILE):
            raise NeedsMigration(
                f"{self.root} is a warehouse of the layout before Delta Lake ({MANIFEST_FILE}): "
                "run `stancewire migrate` to convert it in place"
            )
        for table in SCHEMAS:
            if self.tables.exists(table):
                continue
            found = self.location.glob(f"{table}/{PARTITION}=*/*.parquet")
            if found:
                raise UnmanagedFiles(
                    f"{self.root} holds {len(found)} table file(s) (e.g. {found[0]}) but no Delta log "
                    f"for {table}: it was not written by this version of stancewire; "
                    "use a new warehouse folder, or move these files away"
                )

    # --- time travel ------------------------------------------------------------------------------
    def rollback(self, run_id: str, *, to_run: str | None = None, to_date: date | None = None) -> RunVersions:
        """Restore every table to the state after ``to_run`` (or after the last run of ``to_date``),
        recorded as one ``runs`` row (``mode`` rollback, id ``run_id``): readers follow at once;
        the tables are then restored (``recover``). Returns the run rolled back to."""
        runs = self.run_versions()
        if to_run is not None:
            chosen = [r for r in runs if r.run_id == to_run]
        else:
            chosen = [r for r in runs if r.run_date == to_date and r.mode not in ("rollback", "migrate")]
        if not chosen:
            target = to_run if to_run is not None else f"a run dated {to_date}"
            raise UnknownRun(f"no published run matches {target} in {self.root} (see `stancewire history`)")
        target_run = chosen[-1]
        self.record_run(run_id, "rollback", f"rollback to {target_run.run_id}", target_run.versions)
        self.recover()
        return target_run

    def record_run(self, run_id: str, mode: str, inbox: str, versions: dict[str, int]) -> None:
        """Commit one ``runs`` row of a step that reads no inbox (a rollback, a migration): no
        counts, ``versions`` as its ``table_versions``, dated today."""
        now = datetime.now(UTC)
        row = {"started_at": now.replace(microsecond=0), "finished_at": now, "inbox": inbox}
        row |= {f"n_{k}": 0 for k in ("files", "skipped", "articles", "rejects", "sentences", "stances")}
        row |= {"status": "succeeded", "mode": mode, "table_versions": _versions_json(versions)}
        run_date = now.date()
        partition = _partition(run_date)
        self.write_part(run_id, POINTER_TABLE, run_date, pd.DataFrame([row]), "all")
        files = self._move_staged(run_id, POINTER_TABLE, partition, run_date)
        self._assert_writer()
        self.tables.commit(POINTER_TABLE, run_id, files)
        self._drop_staging(run_id)

    def vacuum(self, keep_days: int, dry_run: bool = True) -> dict[str, list[str]]:
        """Per table, the files no run of the last ``keep_days`` days needs (nor the published state),
        and the partial files a killed writer left (``*.parquet#1``, which Delta's vacuum does not
        see); deleted unless ``dry_run``."""
        cutoff = datetime.now(UTC).timestamp() - keep_days * 86400
        runs = self.run_versions()
        kept = [r for r in runs if r.finished_at.timestamp() >= cutoff]
        if runs:
            kept.append(runs[-1])
        found: dict[str, list[str]] = {}
        for table in SCHEMAS:
            if not self.tables.exists(table):
                continue
            keep = sorted({r.versions[table] for r in kept if table in r.versions})
            if table == POINTER_TABLE:
                keep = []  # runs is append only: its latest version is everything
            # Delta's vacuum also names files an earlier vacuum removed (its log keeps their tombstones).
            unused = [
                p
                for p in self.tables.vacuum(table, keep_days * 24, keep, True)
                if self.location.exists(f"{table}/{p}")
            ]
            if not dry_run and unused:
                self.tables.vacuum(table, keep_days * 24, keep, False)
            partial = [
                p for p in self.location.glob(f"{table}/{PARTITION}=*/*") if "#" in p.rsplit("/", 1)[-1]
            ]
            if not dry_run:
                for rel in partial:
                    self.location.delete(rel)
            names = sorted({f"{table}/{p}" for p in unused} | set(partial))
            if names:
                found[table] = sorted(names)
        return found

    # --- reading ----------------------------------------------------------------------------------
    def run_dates(self, table: str, first: date = date.min, last: date = date.max) -> list[date]:
        """The run dates from ``first`` to ``last`` with published files of ``table``, in order."""
        found = {f.run_date for f in self.published_files(table)}
        return sorted(d for d in found if first <= d <= last)

    def committed_files(self, table: str, run_date: date) -> list[str]:
        """The published files of one table and run date (paths relative to the warehouse), in order."""
        return sorted(f"{table}/{f.path}" for f in self.published_files(table) if f.run_date == run_date)

    def committed_rows(self, rel_path: str) -> int:
        """Rows of one published file (from the Delta log's statistics, else its footer)."""
        table, _, inside = rel_path.partition("/")
        for f in self.published_files(table):
            if f.path == inside and f.rows >= 0:
                return f.rows
        return self.location.parquet_rows(rel_path)

    def read_committed(self, table: str, rel_path: str, columns: list[str] | None = None) -> pd.DataFrame:
        """One published file of ``table`` (a path from ``committed_files``)."""
        return self._read(table, [rel_path], columns)

    def read_table(
        self, table: str, run_date: date | None = None, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """A published table (one run date, or all), without the ``run_date`` partition column."""
        files = [
            f"{table}/{f.path}"
            for f in self.published_files(table)
            if run_date is None or f.run_date == run_date
        ]
        return self._read(table, files, columns)

    def _read(self, table: str, files: list[str], columns: list[str] | None) -> pd.DataFrame:
        schema = SCHEMAS[table]
        names = columns or schema.names
        if not files:
            return schema.empty_table().select(names).to_pandas()
        stored = storage_schema(table)
        parts = [self.location.read_parquet(f, names, stored) for f in files]
        data = pa.concat_tables(parts)
        return data.cast(pa.schema([schema.field(n) for n in names])).to_pandas()

    # --- the DuckDB catalog (flows.catalog) -------------------------------------------------------
    def view_files(self) -> dict[str, list[str]]:
        """Every table's published files, as the URIs the views read."""
        return {t: [self.location.uri(f"{t}/{f.path}") for f in self.published_files(t)] for t in SCHEMAS}

    def refresh_catalog(self) -> None:
        """(Re)create the DuckDB file with one view per table over its published files only (a local
        warehouse; on S3 ``connect`` makes the views)."""
        self._forget()
        self.catalog.refresh(self.view_files())

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB connection whose views read the published files, and that reads files
        inside the warehouse only (``flows.catalog.Catalog.connect``)."""
        return self.catalog.connect(self.view_files)

    # --- reports and quarantine -------------------------------------------------------------------
    def write_report(self, name: str, text: str) -> Path:
        """Write (atomically) a file under ``reports/`` (on S3 also uploaded); returns its local path."""
        target = self.reports_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_text(target, text)
        if not self.location.is_local:
            self.location.write_bytes(f"reports/{name}", text.encode("utf-8"))
        return target

    def upload_reports(self, folder: str) -> None:
        """Copy ``reports/<folder>`` of an S3 warehouse's local report folder up (nothing on disk)."""
        local = self.reports_dir / folder
        if self.location.is_local or not local.exists():
            return
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            self.location.write_bytes(
                f"reports/{path.relative_to(self.reports_dir).as_posix()}", path.read_bytes()
            )

    def quarantine(self, run_date: date, name: str, data: bytes) -> str:
        """Keep a copy of a rejected inbox file; returns its path relative to the warehouse."""
        rel = f"quarantine/{_partition(run_date)}/{name}"
        self.location.write_bytes(rel, data)
        return rel

    # --- backfill progress ------------------------------------------------------------------------
    def _backfill_rel(self, first: date, last: date) -> str:
        return f"_backfill/{first.isoformat()}_{last.isoformat()}.json"

    def backfill_done(self, first: date, last: date) -> set[date]:
        """The dates an unfinished backfill of ``first..last`` has already rebuilt."""
        try:
            done = json.loads(self.location.read_bytes(self._backfill_rel(first, last)))["done"]
        except FileNotFoundError:
            return set()
        return {date.fromisoformat(d) for d in done}

    def mark_backfilled(self, first: date, last: date, day: date) -> None:
        """Record (atomically) that the backfill of ``first..last`` has rebuilt ``day``."""
        done = sorted(d.isoformat() for d in self.backfill_done(first, last) | {day})
        self.location.write_bytes(self._backfill_rel(first, last), json.dumps({"done": done}).encode())

    def finish_backfill(self, first: date, last: date) -> None:
        """Forget a completed backfill's progress, so the same range runs whole next time."""
        self.location.delete(self._backfill_rel(first, last))
        if self.location.is_local:
            with contextlib.suppress(OSError):
                (self.location.local / "_backfill").rmdir()  # only when no other backfill is under way


def _versions_json(versions: dict[str, int]) -> str:
    return json.dumps({t: versions[t] for t in sorted(versions) if t != POINTER_TABLE}, separators=(",", ":"))


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and one atomic rename: readers see the
    old file or the new one, never a half-written one."""
    import os

    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
