"""The warehouse's tables as Delta Lake tables (delta-rs, ``deltalake``), one per table name.

Each table is ``<warehouse>/<table>/``, partitioned by ``run_date``, its files written by
stancewire itself (``flows.storage``) and committed here by their add actions: a commit names
files already in place, so publishing moves nothing through the writer. Every commit carries
the run id in its commit info (``stancewire.run_id``) and a Delta *app transaction*
``stancewire/<run_id>``: a commit retried after an error that hid its success (an S3 response
lost) finds the transaction in the log and is not made twice.

Delta has no unsigned integers and no fixed-size lists, so a table's files are written with
its *storage schema*: the declared schema with those widened (``uint32`` -> ``int64``, a
fixed-size list -> a list); readers cast back to the declared schema. Deletion vectors and
column mapping stay off (delta-rs does not write them and the tables are made without them):
the DuckDB views read a version's file list as plain Parquet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import pyarrow as pa

from flows.location import Location
from stages.schemas import SCHEMAS

PARTITION = "run_date"
APP_PREFIX = "stancewire/"
RUN_ID_KEY = "stancewire.run_id"
# Table properties: no deletion vectors, no column mapping (the file-list views need neither), and
# app transactions kept for 30 days (a retried commit comes within seconds).
CONFIGURATION = {
    "delta.enableDeletionVectors": "false",
    "delta.columnMapping.mode": "none",
    "delta.setTransactionRetentionDuration": "interval 30 days",
}
# Reader features the file-list views cannot honour.
UNSUPPORTED_READER_FEATURES = frozenset({"deletionVectors", "columnMapping"})


class DeltaError(RuntimeError):
    """A Delta table is not in a state stancewire can read or restore."""


@dataclass(frozen=True)
class DataFile:
    """One committed file of a table version: its path inside the table folder, size and rows."""

    path: str  # run_date=YYYY-MM-DD/part-….parquet
    size: int
    rows: int
    run_date: date


def _storage_type(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_fixed_size_list(kind) or pa.types.is_list(kind):
        return pa.list_(_storage_type(kind.value_type))
    if pa.types.is_unsigned_integer(kind):
        return pa.int64()
    return kind


@cache
def storage_schema(table: str) -> pa.Schema:
    """The schema a table's files are written with (what Delta can declare), descriptions kept."""
    schema = SCHEMAS[table]
    fields = [pa.field(f.name, _storage_type(f.type), f.nullable, f.metadata) for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


@cache
def delta_schema(table: str) -> pa.Schema:
    """The Delta table's schema: the storage schema and the ``run_date`` partition column."""
    plain = [pa.field(f.name, f.type, f.nullable) for f in storage_schema(table)]
    return pa.schema([*plain, pa.field(PARTITION, pa.date32(), False)])


def app_id(run_id: str) -> str:
    return f"{APP_PREFIX}{run_id}"


class DeltaTables:
    """The Delta tables under a warehouse ``Location``."""

    def __init__(self, location: Location) -> None:
        self.location = location

    def uri(self, table: str) -> str:
        return self.location.uri(table)

    def exists(self, table: str) -> bool:
        from deltalake import DeltaTable

        return bool(DeltaTable.is_deltatable(self.uri(table)))

    def open(self, table: str, version: int | None = None) -> Any:
        """The table (at ``version``, or its latest)."""
        from deltalake import DeltaTable

        return DeltaTable(self.uri(table), version=version)

    def ensure(self, table: str) -> None:
        """Create the table, empty, at version 0 if it does not exist yet."""
        if self.exists(table):
            return
        from deltalake import DeltaTable, Schema

        DeltaTable.create(
            self.uri(table),
            Schema.from_arrow(delta_schema(table)),
            partition_by=[PARTITION],
            mode="ignore",
            configuration=CONFIGURATION,
            description=(SCHEMAS[table].metadata or {}).get(b"description", b"").decode() or None,
        )

    def latest_version(self, table: str) -> int | None:
        """The table's latest version, None when it does not exist."""
        return int(self.open(table).version()) if self.exists(table) else None

    def commit(self, table: str, run_id: str, files: list[DataFile], replace: date | None = None) -> int:
        """Commit ``files`` (already in the table folder) as the run's write: appended, or with
        ``replace`` taking the place of that run date's files. Returns the version that holds it;
        a commit the log already has for this run (a retry) is not made again."""
        from deltalake import CommitProperties, Transaction
        from deltalake.transaction import AddAction

        self.ensure(table)
        dt = self.open(table)
        if dt.transaction_version(app_id(run_id)) is not None:
            return int(dt.version())
        actions = [
            AddAction(
                path=f.path,
                size=f.size,
                partition_values={PARTITION: f.run_date.isoformat()},
                modification_time=0,
                data_change=True,
                stats=json.dumps({"numRecords": f.rows}),
            )
            for f in files
        ]
        dt.create_write_transaction(
            actions,
            mode="append" if replace is None else "overwrite",
            schema=delta_schema(table),
            partition_by=[PARTITION],
            partition_filters=None if replace is None else [(PARTITION, "=", replace.isoformat())],
            commit_properties=CommitProperties(
                custom_metadata={RUN_ID_KEY: run_id},
                app_transactions=[Transaction(app_id=app_id(run_id), version=1)],
            ),
        )
        dt.update_incremental()
        return int(dt.version())

    def files(self, table: str, version: int) -> list[DataFile]:
        """The files of one version of the table, ordered by path."""
        dt = self.open(table, version)
        readers = set(dt.protocol().reader_features or [])
        if readers & UNSUPPORTED_READER_FEATURES:
            raise DeltaError(
                f"{self.uri(table)} uses {sorted(readers & UNSUPPORTED_READER_FEATURES)}: "
                "its files cannot be read as plain Parquet (turn them off and rewrite the table)"
            )
        actions = pa.table(dt.get_add_actions(flatten=True)).to_pylist()
        del dt  # delta-rs objects go before the interpreter does (delta-rs #2184)
        found = [
            DataFile(
                path=str(a["path"]),
                size=int(a["size_bytes"]),
                rows=int(a["num_records"]) if a.get("num_records") is not None else -1,
                run_date=_as_date(a[f"partition.{PARTITION}"]),
            )
            for a in actions
        ]
        return sorted(found, key=lambda f: f.path)

    def same_files(self, table: str, a: int, b: int) -> bool:
        """Whether two versions of the table hold the same files."""
        return a == b or {f.path for f in self.files(table, a)} == {f.path for f in self.files(table, b)}

    def restore(self, table: str, version: int) -> None:
        """Make the table's latest version hold the files of ``version`` (Delta RESTORE)."""
        from deltalake.exceptions import DeltaError as RawDeltaError

        dt = self.open(table)
        try:
            dt.restore(version)
        except (RawDeltaError, OSError) as err:
            raise DeltaError(
                f"cannot restore {self.uri(table)} to version {version}: {err} (were its files vacuumed?)"
            ) from None
        finally:
            del dt

    def history(self, table: str) -> list[dict[str, Any]]:
        """The table's commits, newest first (``version``, ``operation``, ``timestamp``, run id)."""
        dt = self.open(table)
        try:
            return [
                {
                    "version": int(h["version"]),
                    "operation": h.get("operation"),
                    "timestamp": h.get("timestamp"),
                    "run_id": h.get(RUN_ID_KEY),
                }
                for h in dt.history()
            ]
        finally:
            del dt

    def vacuum(self, table: str, keep_hours: int, keep_versions: list[int], dry_run: bool) -> list[str]:
        """Files of the table no version within ``keep_hours`` nor any of ``keep_versions``
        references (also files never committed: a full vacuum); deleted unless ``dry_run``."""
        dt = self.open(table)
        try:
            found = dt.vacuum(
                retention_hours=keep_hours,
                dry_run=dry_run,
                enforce_retention_duration=False,
                full=True,
                keep_versions=keep_versions or None,
            )
        finally:
            del dt
        return sorted(str(f) for f in found)


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
