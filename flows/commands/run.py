"""``stancewire run``, ``backfill``, ``serve`` and ``report``: the nightly flow and what it wrote.

Each checks what it can before Prefect is imported (seconds): a missing inbox, a busy
warehouse or nothing to rebuild is reported at once. A ``run`` or ``backfill`` stopped by
SIGTERM or SIGINT ends within seconds, with its temporary Prefect server and stage workers,
its warehouse lock released and nothing of it published (see ``StopOnSignal``).
"""

from __future__ import annotations

import argparse

from flows.commands import UserError
from flows.commands.sql import EXAMPLE_QUERY
from flows.settings import load_settings
from flows.stopping import StopOnSignal


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings().with_overrides(
        inbox=args.inbox,
        warehouse=args.warehouse,
        chunk_size=args.chunk_size,
        workers=args.workers,
        tagger=args.tagger,
        dask_scheduler=args.scheduler,
    )
    if not settings.inbox.is_dir():
        raise UserError(f"inbox {settings.inbox} is not a folder")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise UserError("--chunk-size must be at least 1")
    if args.workers is not None and args.workers < 0:
        raise UserError("--workers must be 0 (the run's own process) or more")
    if args.rebuild and args.date is None:
        raise UserError("--rebuild needs --date: the run date to reprocess")
    from flows.storage import Warehouse

    store = Warehouse(settings.warehouse)
    # Say so at once, before starting Prefect; the flow's own lock is what counts.
    store.ensure_free()
    if args.rebuild and not store.run_dates("articles", args.date, args.date):
        raise UserError(
            f"no articles are published for {args.date} in {settings.warehouse}: nothing to rebuild"
        )
    # From before Prefect's import (seconds) to the last line printed: the temporary Prefect
    # server outlives the flow run, until this process exits.
    with StopOnSignal(store, "run"):
        from flows.nightly import nightly  # Prefect is imported only when a run is asked for

        summary = nightly(
            inbox=settings.inbox,
            warehouse=str(settings.warehouse),
            run_date=args.date,  # None: today
            chunk_size=settings.chunk_size,
            rebuild=args.rebuild,
            workers=settings.workers,
            tagger=settings.tagger,
            scheduler=settings.dask_scheduler,
        )
        counts = summary.counts
        what = "rebuilt from" if args.rebuild else f"{counts['files']} files ->"
        print(
            f"run {summary.run_id} ({summary.run_date}): {what} {counts['articles']} articles, "
            f"{counts['rejects']} rejects, {counts['sentences']} sentences, {counts['stances']} stances"
        )
        print(f"tables:   {summary.warehouse}/<table>/run_date={summary.run_date}/")
        print(
            f"duckdb:   {summary.catalog or 'views made by stancewire sql (an S3 warehouse has no catalog file)'}"
        )
        print(f"reports:  {summary.reports / 'data_docs' / 'index.html'}")
        print(f'example:  stancewire sql "{EXAMPLE_QUERY}"')
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.date_from > args.date_to:
        raise UserError(f"--from {args.date_from} is after --to {args.date_to}")
    from flows.storage import Warehouse

    settings = load_settings().with_overrides(
        warehouse=args.warehouse, tagger=args.tagger, dask_scheduler=args.scheduler
    )
    store = Warehouse(settings.warehouse)
    store.ensure_free()
    if not store.run_dates("articles", args.date_from, args.date_to):
        raise UserError(f"no run date from {args.date_from} to {args.date_to} has published articles")
    with StopOnSignal(store, "backfill"):
        from flows.nightly import backfill

        summary = backfill(
            date_from=args.date_from,
            date_to=args.date_to,
            warehouse=str(settings.warehouse),
            tagger=args.tagger or settings.tagger,
            scheduler=settings.dask_scheduler,
        )
        print(
            f"backfill {args.date_from}..{args.date_to}: rebuilt {len(summary.rebuilt)} run date(s)", end=""
        )
        if summary.already_done:
            print(f"; {len(summary.already_done)} done by an earlier, interrupted try", end="")
        print()
        for day in summary.rebuilt:
            print(f"  {day}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    settings = load_settings().with_overrides(inbox=args.inbox, warehouse=args.warehouse)
    if not settings.inbox.is_dir():
        raise UserError(f"inbox {settings.inbox} is not a folder")
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"unknown time zone {args.timezone!r} (use an IANA name such as Europe/Berlin)"
        ) from None
    from prefect.schedules import Cron

    try:
        schedule = Cron(args.cron, timezone=args.timezone)
    except ValueError as err:
        raise UserError(str(err)) from None
    from flows.nightly import nightly

    print(f"serving stancewire-nightly/{args.name} on '{args.cron}' ({args.timezone}); Ctrl-C stops it")
    nightly.serve(
        name=args.name,
        schedules=[schedule],
        # A deployment's parameters are JSON: Prefect makes these strings Paths when a run starts.
        parameters={"inbox": str(settings.inbox), "warehouse": str(settings.warehouse)},
        description="stancewire: every stage over the inbox into the warehouse, once per schedule tick.",
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from flows.report import NoRun, write_report
    from flows.storage import Warehouse

    warehouse = Warehouse(load_settings().with_overrides(warehouse=args.warehouse).warehouse)
    try:
        path = write_report(warehouse, args.date)
    except (NoRun, FileNotFoundError) as err:
        raise UserError(str(err)) from None
    print(f"report: {path}")
    return 0
