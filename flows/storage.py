"""All reading and writing of tables: Parquet datasets under a warehouse folder, and the DuckDB catalog.

Layout of a warehouse::

    <table>/run_date=YYYY-MM-DD/part-<chunk>.parquet   published tables (hive partitions)
    _staging/<run_id>/<table>/run_date=.../            a run's output until it is published
    quarantine/run_date=YYYY-MM-DD/<file>              copies of inbox files that were rejected
    reports/                                           Data Docs and other reports
    stancewire.duckdb                                  a view per table over its Parquet files

A run writes every chunk into its staging folder; only when every stage has
passed validation are the staged partitions swapped into place, one rename per
table (the partition of the same run date is replaced, so a rerun never
duplicates rows). A swap interrupted by a crash is repaired by ``recover()``.
Nothing outside this module touches these paths, so another store or engine can
replace it without changing ``stages/``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stages.schemas import SCHEMAS

CATALOG_FILE = "stancewire.duckdb"
LOCK_FILE = ".lock"
_REPLACED = ".replaced-"


class SchemaError(ValueError):
    """A frame does not fit its table's declared schema."""


class WarehouseBusy(RuntimeError):
    """Another live run holds the warehouse's write lock."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Warehouse:
    """A warehouse folder: staged writes, atomic publish, reads and the DuckDB catalog."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG_FILE

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_FILE

    def lock_holder(self) -> dict[str, object] | None:
        """Who holds the write lock, if a live process on this host does (a dead holder's lock is stale)."""
        try:
            holder: dict[str, object] = json.loads(self.lock_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"owner": "unknown", "pid": -1, "host": "?", "since": "?"}  # unreadable: assume held
        if holder.get("host") == socket.gethostname() and not _pid_alive(int(str(holder.get("pid", -1)))):
            return None
        return holder

    @contextmanager
    def lock(self, owner: str) -> Iterator[None]:
        """Hold the warehouse's single-writer lock; a second writer gets ``WarehouseBusy`` at once.

        The lock is a file created exclusively, holding the owner, pid, host and start time;
        a lock left by a process that is no longer running on this host is taken over.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        record = json.dumps(
            {
                "owner": owner,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(),
            }
        )
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self.lock_holder()
                if holder is not None:
                    raise WarehouseBusy(
                        f"another run ({holder.get('owner')}, pid {holder.get('pid')} on {holder.get('host')}) "
                        f"has been writing {self.root} since {holder.get('since')}; try again when it ends"
                    ) from None
                self.lock_path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(record)
            break
        else:
            raise WarehouseBusy(f"could not take the write lock of {self.root}")
        try:
            yield
        finally:
            self.lock_path.unlink(missing_ok=True)

    def _staging(self, run_id: str) -> Path:
        return self.root / "_staging" / run_id

    # --- writing a run -------------------------------------------------------------------------
    def begin(self, run_id: str) -> None:
        """Prepare a run: repair any interrupted publish and drop staged output of an earlier try."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.recover()
        shutil.rmtree(self._staging(run_id), ignore_errors=True)

    def write_part(self, run_id: str, table: str, run_date: date, frame: pd.DataFrame, part: str) -> int:
        """Write one chunk of ``table`` into the run's staging area; returns its row count."""
        arrow = to_arrow(table, frame, run_id)
        folder = self._staging(run_id) / table / _partition(run_date)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"part-{part}.parquet"
        tmp = folder / f".part-{part}.parquet.tmp"
        pq.write_table(arrow, tmp, compression="zstd")
        os.replace(tmp, target)
        return arrow.num_rows

    def read_staged(self, run_id: str, table: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Every staged chunk of ``table`` for this run, in part order."""
        files = sorted((self._staging(run_id) / table).glob("run_date=*/part-*.parquet"))
        return _read_files(table, files, columns)

    def publish(self, run_id: str, run_date: date, tables: Iterable[str]) -> None:
        """Swap each staged table partition into place, replacing the same run date's partition."""
        for table in tables:
            staged = self._staging(run_id) / table / _partition(run_date)
            if not staged.is_dir():
                raise FileNotFoundError(f"nothing staged for table {table!r} in run {run_id}")
            final = self.root / table / _partition(run_date)
            final.parent.mkdir(parents=True, exist_ok=True)
            old = final.parent / f"{_REPLACED}{final.name}"
            if old.exists():
                shutil.rmtree(old)
            if final.exists():
                os.rename(final, old)
            os.rename(staged, final)
            shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(self._staging(run_id), ignore_errors=True)

    def recover(self) -> None:
        """Finish or undo a publish that a crash interrupted between its two renames."""
        for old in self.root.glob(f"*/{_REPLACED}run_date=*"):
            final = old.parent / old.name.removeprefix(_REPLACED)
            if final.exists():
                shutil.rmtree(old)
            else:
                os.rename(old, final)

    def quarantine(self, run_date: date, name: str, data: bytes) -> Path:
        """Keep a copy of a rejected inbox file; returns its path."""
        target = self.root / "quarantine" / _partition(run_date) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    # --- reading -------------------------------------------------------------------------------
    def tables(self) -> list[str]:
        """Tables with at least one published partition."""
        return [t for t in SCHEMAS if any((self.root / t).glob("run_date=*/*.parquet"))]

    def read_table(
        self, table: str, run_date: date | None = None, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """A published table (one run date, or all), without the ``run_date`` partition column."""
        pattern = f"{_partition(run_date)}/*.parquet" if run_date else "run_date=*/*.parquet"
        return _read_files(table, sorted((self.root / table).glob(pattern)), columns)

    def refresh_catalog(self) -> None:
        """(Re)create the DuckDB file with one view per published table over its Parquet files."""
        self.root.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(self.catalog_path)) as con:
            for table in self.tables():
                glob = str((self.root / table).resolve() / "run_date=*" / "*.parquet")
                con.execute(
                    f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({_sql_string(glob)}, "
                    "hive_partitioning = true, hive_types = {'run_date': DATE}, union_by_name = true)"
                )

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB connection to the catalog."""
        if not self.catalog_path.exists():
            raise FileNotFoundError(
                f"no warehouse catalog at {self.catalog_path}: run `stancewire run` first"
            )
        return duckdb.connect(str(self.catalog_path), read_only=True)


def _read_files(table: str, files: list[Path], columns: list[str] | None) -> pd.DataFrame:
    schema = SCHEMAS[table]
    names = columns or schema.names
    if not files:
        return schema.empty_table().select(names).to_pandas()
    return pa.concat_tables([pq.read_table(f, columns=names, schema=schema) for f in files]).to_pandas()
