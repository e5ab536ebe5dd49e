"""``stancewire migrate``: convert a warehouse of the layout before Delta Lake (Parquet files named
by ``_manifest.json``) into Delta tables, in place, losing nothing.

For each table, every file the manifest names is read (with the declared schema), rewritten
beside it with the storage schema (``flows.delta_tables.storage_schema``) and committed as the
table's first write, tagged ``migrate-<digest of the manifest>``; the ``runs`` rows get a null
``table_versions`` and one more row, ``mode`` migrate, records the new versions: from then on
readers see exactly what the manifest published. Only then are the manifest and the old files
removed. A migration killed half-way is simply run again: the manifest is still there, the
commits it made are found by their app transaction and not made twice, and the tables it had
not reached are done.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from flows.delta_tables import PARTITION, DataFile, storage_schema
from flows.storage import MANIFEST_FILE, POINTER_TABLE, Warehouse
from stages.schemas import SCHEMAS


class NothingToMigrate(ValueError):
    """The warehouse has no ``_manifest.json``."""


@dataclass(frozen=True)
class Migrated:
    run_id: str
    rows: dict[str, int]
    files: int


def migrate(root: Path) -> Migrated:
    """Convert the manifest warehouse at ``root`` to Delta tables (see the module's docstring)."""
    warehouse = Warehouse(root)
    if not warehouse.location.is_local:
        raise NothingToMigrate("only a local folder can hold a warehouse of the layout before Delta Lake")
    manifest_path = root / MANIFEST_FILE
    if not manifest_path.exists():
        raise NothingToMigrate(f"{root} has no {MANIFEST_FILE}: nothing to migrate")
    raw = manifest_path.read_bytes()
    files: dict[str, list[str]] = json.loads(raw)["files"]
    run_id = f"migrate-{hashlib.sha256(raw).hexdigest()[:12]}"
    rows: dict[str, int] = {}
    versions: dict[str, int] = {}
    old = [name for names in files.values() for name in names]
    with warehouse.lock(run_id):
        for table in SCHEMAS:
            if table == POINTER_TABLE:
                continue
            written = [_rewrite(warehouse, table, name) for name in sorted(files.get(table, []))]
            rows[table] = sum(f.rows for f in written)
            version = warehouse.tables.commit(table, run_id, written) if written else None
            if version is None:
                warehouse.tables.ensure(table)
                version = 0
            versions[table] = version
        if files.get(POINTER_TABLE):
            written = [_rewrite(warehouse, POINTER_TABLE, n) for n in sorted(files[POINTER_TABLE])]
            rows[POINTER_TABLE] = sum(f.rows for f in written)
            warehouse.tables.commit(POINTER_TABLE, f"{run_id}-runs", written)
        if not any(r.run_id == run_id for r in warehouse.run_versions()):
            warehouse.record_run(run_id, "migrate", f"migrated from {MANIFEST_FILE}", versions)
        manifest_path.unlink()
        for name in old:
            (root / name).unlink(missing_ok=True)
        warehouse.refresh_catalog()
    return Migrated(run_id, rows, len(old))


def _rewrite(warehouse: Warehouse, table: str, name: str) -> DataFile:
    """One manifest file, rewritten with the storage schema beside it (``…-delta.parquet``)."""
    path = warehouse.location.local / name
    inside = name.split("/", 1)[1]  # run_date=YYYY-MM-DD/part-….parquet
    run_date = date.fromisoformat(inside.split("/", 1)[0].removeprefix(f"{PARTITION}="))
    target = inside.removesuffix(".parquet") + "-delta.parquet"
    rel = f"{table}/{target}"
    if path.exists():  # a migration killed after this file was rewritten has removed nothing yet
        # Read with the declared schema: a column added since (runs.table_versions) comes back null.
        data = pq.read_table(path, schema=SCHEMAS[table])
        warehouse.location.write_parquet(rel, data.cast(storage_schema(table)))
    return DataFile(target, warehouse.location.size(rel), warehouse.location.parquet_rows(rel), run_date)
