"""The warehouse's own commands: ``history`` (runs and the table versions each left published),
``rollback`` (every table back to the state after an earlier run, in one recorded step),
``vacuum`` (files no kept run needs, and a killed writer's partial files; a dry run by default)
and ``migrate`` (a warehouse of the layout before Delta Lake, converted in place)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flows.commands import UserError
from flows.settings import load_settings

if TYPE_CHECKING:
    from flows.storage import Warehouse


def _warehouse(args: argparse.Namespace) -> Warehouse:
    from flows.storage import Warehouse

    settings = load_settings().with_overrides(warehouse=args.warehouse)
    return Warehouse(settings.warehouse, settings.lease_seconds)


def cmd_history(args: argparse.Namespace) -> int:
    warehouse = _warehouse(args)
    runs = warehouse.run_versions()
    if not runs:
        raise UserError(f"{warehouse.root} has no runs yet: run `stancewire run` first")
    published = runs[-1].run_id
    for run in runs[-args.limit :] if args.limit else runs:
        mark = "*" if run.run_id == published else " "
        versions = " ".join(f"{t}={v}" for t, v in sorted(run.versions.items()))
        print(f"{mark} {run.finished_at:%Y-%m-%d %H:%M:%S} {run.run_id} {run.mode} {run.run_date} {versions}")
    print("* the state readers see now")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    if (args.date is None) == (args.to_run is None):
        raise UserError("give one of --date D (the state after that date's last run) or --to-run RUN_ID")
    from flows.delta_tables import DeltaError
    from flows.storage import UnknownRun

    warehouse = _warehouse(args)
    now = datetime.now(UTC)
    run_id = f"rollback-{now:%Y%m%d-%H%M%S}"
    with warehouse.lock(run_id):
        try:
            target = warehouse.rollback(run_id, to_run=args.to_run, to_date=args.date)
        except (UnknownRun, DeltaError) as err:
            raise UserError(str(err)) from None
        warehouse.refresh_catalog()
    print(f"rolled back to the state after run {target.run_id} ({target.run_date}); recorded as {run_id}")
    return 0


def cmd_vacuum(args: argparse.Namespace) -> int:
    if args.keep_days < 0:
        raise UserError("--keep-days must be 0 or more")
    warehouse = _warehouse(args)
    with warehouse.lock("vacuum"):
        found = warehouse.vacuum(args.keep_days, dry_run=not args.apply)
    total = sum(len(v) for v in found.values())
    verb = "removed" if args.apply else "would remove"
    print(f"{verb} {total} file(s) no run of the last {args.keep_days} day(s) needs")
    for table, names in sorted(found.items()):
        print(f"  {table}: {len(names)}")
        for name in names[: args.show]:
            print(f"    {name}")
    if not args.apply and total:
        print("(a dry run: --apply removes them)")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from flows.migrate import NothingToMigrate, migrate

    root = load_settings().with_overrides(warehouse=args.warehouse).warehouse
    if not isinstance(root, Path):
        raise UserError("only a local folder can hold a warehouse of the layout before Delta Lake")
    try:
        done = migrate(root)
    except NothingToMigrate as err:
        raise UserError(str(err)) from None
    rows = ", ".join(f"{t} {n}" for t, n in done.rows.items() if n)
    print(f"migrated {root} to Delta Lake ({done.files} files; rows: {rows}); recorded as {done.run_id}")
    return 0
