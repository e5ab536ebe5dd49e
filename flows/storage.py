"""All reading and writing of tables: Parquet datasets under a warehouse folder (``Warehouse``).

Layout of a warehouse::

    <table>/run_date=YYYY-MM-DD/part-<run_id>-<chunk>.parquet   table files (hive partitions)
    _manifest.json                                     the committed files of every table
    _staging/<run_id>/<table>/run_date=.../            a run's output until it is published
    _backfill/<from>_<to>.json                         the dates a running backfill has finished
    quarantine/run_date=YYYY-MM-DD/<file>              copies of inbox files that were rejected
    reports/                                           Data Docs and other reports
    stancewire.duckdb                                  a view per table over its committed files
    .lock                                              the single writer's lock (flows.warehouse_lock)

A run writes every chunk into its staging folder; only when every stage has
passed validation are the staged files moved beside the published ones and made
visible, all tables at once, by one atomic rename of the manifest. Readers (the
DuckDB views, ``read_table``) see only the files the manifest names, so a run
killed at any moment leaves the warehouse as it was; ``recover()`` removes what it
left behind.
Its two other parts have modules of their own: the single-writer lock (``flows.warehouse_lock``)
and the DuckDB catalog over the committed files (``flows.catalog``). Nothing outside these three
modules touches these paths, so another store or engine can replace them without changing
``stages/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from flows.catalog import Catalog

# WarehouseBusy is raised by Warehouse.lock: importable from here, as callers know the Warehouse.
from flows.warehouse_lock import WarehouseBusy as WarehouseBusy
from flows.warehouse_lock import WriteLock
from stages.schemas import SCHEMAS

if TYPE_CHECKING:
    import duckdb

MANIFEST_FILE = "_manifest.json"


class SchemaError(ValueError):
    """A frame does not fit its table's declared schema."""


class UnmanagedFiles(RuntimeError):
    """Table files in a folder that has no manifest: not this warehouse's to delete."""


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
    return f"run_date={run_date.isoformat()}"


class Warehouse:
    """A warehouse folder: staged writes, atomic publish, recovery and reads of its tables, its
    reports, quarantine and backfill progress; its lock and catalog are parts of their own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.write_lock = WriteLock(root)
        self.catalog = Catalog(root)

    @property
    def catalog_path(self) -> Path:
        return self.catalog.path

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_FILE

    # --- the one writer ---------------------------------------------------------------------------
    def ensure_free(self) -> None:
        """Raise ``WarehouseBusy``, naming the holder, when a live run holds the write lock."""
        self.write_lock.ensure_free()

    def lock(self, owner: str) -> contextlib.AbstractContextManager[None]:
        """Hold the warehouse's single-writer lock for a ``with`` block; a second writer gets
        ``WarehouseBusy`` at once (``flows.warehouse_lock``)."""
        return self.write_lock.hold(owner)

    # --- the manifest: what is published ----------------------------------------------------------
    def manifest(self) -> dict[str, list[str]]:
        """The committed files of every table (paths relative to the warehouse), the one source of truth."""
        try:
            data: dict[str, list[str]] = json.loads(self.manifest_path.read_text(encoding="utf-8"))["files"]
        except FileNotFoundError:
            return {table: [] for table in SCHEMAS}
        return {table: list(data.get(table, [])) for table in SCHEMAS}

    def _commit(self, files: dict[str, list[str]]) -> None:
        # The commit: one atomic rename.
        replace_text(
            self.manifest_path, json.dumps({"files": {t: sorted(f) for t, f in files.items()}}, indent=0)
        )

    # --- writing a run ----------------------------------------------------------------------------
    def begin(self, run_id: str) -> None:
        """Prepare a run: drop what a run that died before its commit left behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.recover()

    def _staging(self, run_id: str) -> Path:
        return self.root / "_staging" / run_id

    def _part_path(self, run_id: str, table: str, run_date: date, part: str) -> Path:
        return self._staging(run_id) / table / _partition(run_date) / f"part-{run_id}-{part}.parquet"

    def write_part(self, run_id: str, table: str, run_date: date, frame: pd.DataFrame, part: str) -> int:
        """Write one chunk of ``table`` into the run's staging area; returns its row count."""
        arrow = to_arrow(table, frame, run_id)
        target = self._part_path(run_id, table, run_date, part)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        pq.write_table(arrow, tmp, compression="zstd")
        os.replace(tmp, target)
        return arrow.num_rows

    def read_part(
        self, run_id: str, table: str, run_date: date, part: str, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """One staged chunk of ``table`` (what ``write_part`` wrote under that part name)."""
        return _read_files(table, [self._part_path(run_id, table, run_date, part)], columns)

    def read_staged(self, run_id: str, table: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Every staged chunk of ``table`` for this run, in part order."""
        files = sorted((self._staging(run_id) / table).glob("run_date=*/part-*.parquet"))
        return _read_files(table, files, columns)

    def publish(
        self, run_id: str, run_date: date, tables: Iterable[str], replace: Iterable[str] = ()
    ) -> None:
        """Commit the run's staged files of ``tables``: they are moved beside the published ones, then
        made visible all at once by replacing the manifest (one atomic rename). For the tables in
        ``replace``, the run date's earlier files leave the manifest in the same commit.

        It runs in three steps, each a method of its own: ``_move_staged``, ``_commit`` (the one
        atomic rename) and ``_clean_up``. A crash before the commit leaves the warehouse as it was
        (``recover`` removes the moved files no manifest names); a crash after it only leaves
        replaced files to delete. tests/flows/test_crash_safety.py kills a run around each step.
        """
        files = self.manifest()
        partition = _partition(run_date)
        dropped: list[str] = []
        for table in replace:
            keep = [f for f in files[table] if f"/{partition}/" not in f]
            dropped += [f for f in files[table] if f not in keep]
            files[table] = keep
        self._move_staged(run_id, partition, tables, files)
        self._commit(files)
        self._clean_up(run_id, dropped, files)

    def _move_staged(
        self, run_id: str, partition: str, tables: Iterable[str], files: dict[str, list[str]]
    ) -> None:
        """Move the run's staged files of ``tables`` beside the published ones, adding them to
        ``files`` (the manifest to commit); readers do not see them until the commit."""
        for table in tables:
            staged = sorted((self._staging(run_id) / table / partition).glob("part-*.parquet"))
            if not staged:
                raise FileNotFoundError(f"nothing staged for table {table!r} in run {run_id}")
            final = self.root / table / partition
            final.mkdir(parents=True, exist_ok=True)
            for path in staged:
                os.replace(path, final / path.name)
                files[table].append(f"{table}/{partition}/{path.name}")

    def _clean_up(self, run_id: str, dropped: list[str], files: dict[str, list[str]]) -> None:
        """After the commit: delete the replaced files no longer committed, and the run's staging."""
        kept = {f for names in files.values() for f in names}
        for rel in dropped:
            if rel not in kept:  # a rerun with the same run id rewrote the same file name
                (self.root / rel).unlink(missing_ok=True)
        shutil.rmtree(self._staging(run_id), ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.root / "_staging").rmdir()  # only when no other run's staging is left

    def recover(self) -> None:
        """Remove what a run that died left: staged output, and moved files no manifest names.

        A folder with table files but no manifest at all (a warehouse written before manifests,
        or a wrong ``--warehouse``) is refused with ``UnmanagedFiles``, not emptied.
        """
        if not self.manifest_path.exists():
            found = [p for t in SCHEMAS for p in (self.root / t).glob("run_date=*/*.parquet")]
            if found:
                raise UnmanagedFiles(
                    f"{self.root} holds {len(found)} table file(s) (e.g. {found[0].relative_to(self.root)}) "
                    f"but no {MANIFEST_FILE}: it was not written by this version of stancewire; "
                    "use a new warehouse folder, or move these files away"
                )
        shutil.rmtree(self.root / "_staging", ignore_errors=True)
        committed = {f for names in self.manifest().values() for f in names}
        for table in SCHEMAS:
            for path in (self.root / table).glob("run_date=*/*.parquet"):
                if path.relative_to(self.root).as_posix() not in committed:
                    path.unlink()

    # --- reading ----------------------------------------------------------------------------------
    def run_dates(self, table: str, first: date = date.min, last: date = date.max) -> list[date]:
        """The run dates from ``first`` to ``last`` with committed files of ``table``, in order."""
        found = {
            date.fromisoformat(f.split("/")[1].removeprefix("run_date=")) for f in self.manifest()[table]
        }
        return sorted(d for d in found if first <= d <= last)

    def committed_files(self, table: str, run_date: date) -> list[str]:
        """The committed files of one table and run date (paths relative to the warehouse), in order."""
        return sorted(f for f in self.manifest()[table] if f"/{_partition(run_date)}/" in f)

    def committed_rows(self, rel_path: str) -> int:
        """Rows of one committed file (from its footer, without reading the data)."""
        return int(pq.ParquetFile(self.root / rel_path).metadata.num_rows)

    def read_committed(self, table: str, rel_path: str, columns: list[str] | None = None) -> pd.DataFrame:
        """One committed file of ``table`` (a path from ``committed_files``)."""
        return _read_files(table, [self.root / rel_path], columns)

    def read_table(
        self, table: str, run_date: date | None = None, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """A published table (one run date, or all), without the ``run_date`` partition column."""
        files = self.manifest()[table] if run_date is None else self.committed_files(table, run_date)
        return _read_files(table, [self.root / f for f in files], columns)

    # --- the DuckDB catalog (flows.catalog) -------------------------------------------------------
    def refresh_catalog(self) -> None:
        """(Re)create the DuckDB file with one view per table over its committed Parquet files only."""
        self.catalog.refresh(self.manifest())

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB connection to the catalog that reads files inside the warehouse only
        (``flows.catalog.Catalog.connect``)."""
        return self.catalog.connect()

    # --- reports and quarantine -------------------------------------------------------------------
    def write_report(self, name: str, text: str) -> Path:
        """Write (atomically) a file under ``reports/``; returns its path."""
        target = self.reports_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_text(target, text)
        return target

    def quarantine(self, run_date: date, name: str, data: bytes) -> Path:
        """Keep a copy of a rejected inbox file; returns its path."""
        target = self.root / "quarantine" / _partition(run_date) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    # --- backfill progress ------------------------------------------------------------------------
    def _backfill_path(self, first: date, last: date) -> Path:
        return self.root / "_backfill" / f"{first.isoformat()}_{last.isoformat()}.json"

    def backfill_done(self, first: date, last: date) -> set[date]:
        """The dates an unfinished backfill of ``first..last`` has already rebuilt."""
        try:
            done = json.loads(self._backfill_path(first, last).read_text(encoding="utf-8"))["done"]
        except FileNotFoundError:
            return set()
        return {date.fromisoformat(d) for d in done}

    def mark_backfilled(self, first: date, last: date, day: date) -> None:
        """Record (atomically) that the backfill of ``first..last`` has rebuilt ``day``."""
        path = self._backfill_path(first, last)
        path.parent.mkdir(parents=True, exist_ok=True)
        done = sorted(d.isoformat() for d in self.backfill_done(first, last) | {day})
        replace_text(path, json.dumps({"done": done}))

    def finish_backfill(self, first: date, last: date) -> None:
        """Forget a completed backfill's progress, so the same range runs whole next time."""
        path = self._backfill_path(first, last)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only when no other backfill is under way


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and one atomic rename: readers see the
    old file or the new one, never a half-written one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_files(table: str, files: list[Path], columns: list[str] | None) -> pd.DataFrame:
    schema = SCHEMAS[table]
    names = columns or schema.names
    if not files:
        return schema.empty_table().select(names).to_pandas()
    return pa.concat_tables([pq.read_table(f, columns=names, schema=schema) for f in files]).to_pandas()
