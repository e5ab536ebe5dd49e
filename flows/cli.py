"""The ``stancewire`` command: ``run`` the nightly flow, ``sql`` over the warehouse.

A user mistake (missing inbox, bad date, bad SQL, no warehouse yet) is reported as
one line on stderr with a non-zero exit status, never a traceback. A ``run`` or ``backfill``
stopped by SIGTERM or SIGINT ends within seconds, with its temporary Prefect server and stage
workers, its warehouse lock released and nothing of it published (see ``StopOnSignal``), exit
status 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from flows.settings import SettingsError, load_settings
from flows.stopping import StopOnSignal

EXAMPLE_QUERY = "select source_actor, target_actor, stance, count(*) as n from stances group by all order by n desc limit 10"


# (stage, help, description, what --dataset is) of each `stancewire eval` command.
EVAL_COMMANDS = (
    (
        "cleanup",
        "score cleanup",
        "Score cleanup on a JSON-lines dataset. Rows with raw + gold_paragraphs (+ noise_lines) get paragraph "
        "precision/recall/F1 (exact match after folding whitespace) and leaked_noise; rows with gold_body + "
        "raw_html_text get token precision/recall/F1 over word 4-gram shingles, averaged over documents as "
        "scrapinghub's article-extraction-benchmark does.",
        "the JSON-lines dataset",
    ),
    (
        "sentences",
        "score sentence splitting",
        'Score sentence splitting on a JSON list of {"text", "expected": [sentences]} (the format of pySBD\'s '
        "Golden Rules). Each text goes through the pipeline's reflow and heading detection, then the splitter; "
        "prints exact matches and boundary precision/recall/F1, and with --json the failures.",
        "the JSON dataset",
    ),
    (
        "stance",
        "score stance tagging",
        'Score stance tagging on JSON lines {"sentence", "source", "target", "stance"} (source null: the '
        "sentence's own attitude toward the target), with the pipeline's tagger and the two names as actors. "
        "Prints accuracy, macro-F1 over favor/against/neutral, per-class scores and, for DSE rows "
        "(extra.label5), the 5-class macro-F1 that also scores direction.",
        "the JSON-lines dataset",
    ),
)
# (stage, help, description, default --limit) of each `stancewire bench` command.
BENCH_COMMANDS = (
    (
        "cleanup",
        "cleanup throughput (MB/s) against reading and folding whitespace",
        "Cleanup throughput on the 'text' of a JSON-lines corpus, as MB/s and as a ratio to a baseline pass "
        "that only folds whitespace, best of several runs, one core.",
        3000,
    ),
    (
        "sentences",
        "sentence splitting speed (chars/s) against pySBD and blingfire",
        "Characters per second of stancewire's splitter, pySBD and blingfire on the cleaned body paragraphs "
        "of a JSON-lines corpus, all in this process, with the ratios.",
        2000,
    ),
    (
        "stance",
        "stance tagging speed (sentences/s)",
        "Sentences per second of the stance tagger on the cleaned, split sentences of a corpus.",
        1000,
    ),
)


class UserError(Exception):
    """A mistake in how the command was called; printed as one line."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other stancewire error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"stancewire: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stancewire",
        description="Nightly news-stance pipeline: who says what about whom, as Parquet tables for DuckDB.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser(
        "run",
        help="run every stage over an inbox (one Prefect flow run)",
        description="Ingest, clean, split, tag and aggregate every file of the inbox into the warehouse, "
        "validating each table with its Great Expectations suite.",
    )
    run.add_argument(
        "--inbox", type=Path, help="folder of .txt/.jsonl/.html articles (default data/samples/)"
    )
    run.add_argument("--warehouse", type=Path, help="output folder (default data/warehouse/)")
    run.add_argument("--date", type=_date, help="run date, YYYY-MM-DD (default today)")
    run.add_argument("--chunk-size", type=int, help="articles per chunk (default 200)")
    run.add_argument(
        "--workers",
        type=int,
        help="worker processes for the stages after ingest when the inbox makes several chunks "
        "(default STANCEWIRE_WORKERS or 1; 0: the run's own process, slower and smaller; "
        "2 on two cores: faster, about 1 GB in all)",
    )
    run.add_argument(
        "--rebuild",
        action="store_true",
        help="reprocess the run date from its published articles instead of reading the inbox "
        "(e.g. after a tagger upgrade); needs --date",
    )

    backfill = sub.add_parser(
        "backfill",
        help="rebuild a range of run dates (one flow run per date, resumable)",
        description="Reprocess every run date from --from to --to (inclusive) that has published articles, "
        "one `run --rebuild` flow run per date, oldest first. A backfill that stopped part-way "
        "resumes where it stopped when run again with the same range.",
    )
    backfill.add_argument(
        "--from", dest="date_from", type=_date, required=True, help="first date, YYYY-MM-DD"
    )
    backfill.add_argument("--to", dest="date_to", type=_date, required=True, help="last date, YYYY-MM-DD")
    backfill.add_argument("--warehouse", type=Path, help="warehouse folder (default data/warehouse/)")

    sql = sub.add_parser(
        "sql",
        help="run read-only SQL against the warehouse tables (a shell without a query)",
        description="Run read-only SQL against DuckDB views of every table and the ready-made views "
        "(dyads, quotes): a query, a .sql file, or, with neither, an interactive shell. Statements "
        "that would change the warehouse are refused.",
    )
    sql.add_argument(
        "query", nargs="?", help=f'SQL or the path of a .sql file, e.g. "{EXAMPLE_QUERY}"; none: a shell'
    )
    sql.add_argument("--warehouse", type=Path, help="warehouse folder (default data/warehouse/)")
    sql.add_argument(
        "--format", choices=("table", "csv", "json", "parquet"), default="table", help="output format"
    )
    sql.add_argument("--output", type=Path, help="write the result to this file (needed for parquet)")
    report = sub.add_parser(
        "report",
        help="write a run's HTML report (inputs, rejects, validation, stance charts)",
        description="Write one self-contained HTML page for the latest run (or the latest run of --date): "
        "what came in and what was rejected, each table's rows and validation result, and the stance "
        "picture (stance over time, a source x target matrix, the strongest stances with cue words "
        "marked). The page works offline.",
    )
    report.add_argument("--date", type=_date, help="run date, YYYY-MM-DD (default: the latest run)")
    report.add_argument("--warehouse", type=Path, help="warehouse folder (default data/warehouse/)")
    evaluate = sub.add_parser(
        "eval",
        help="score a stage against gold data",
        description="Score a stage against a gold dataset and print the scores.",
    )
    stages = evaluate.add_subparsers(dest="stage", required=True, metavar="STAGE", parser_class=_Parser)
    for name, short, description, dataset in EVAL_COMMANDS:
        command = stages.add_parser(name, help=short, description=description)
        command.add_argument("--dataset", type=Path, required=True, help=dataset)
        if name == "cleanup":
            command.add_argument(
                "--html",
                action="store_true",
                help="page datasets: extract from html/<id>.html.gz beside the file",
            )
        command.add_argument("--json", action="store_true", help="print one JSON object")

    bench = sub.add_parser(
        "bench",
        help="measure a stage's throughput against a baseline",
        description="Measure throughput in this process against a baseline pass over the same data.",
    )
    bench_stages = bench.add_subparsers(dest="stage", required=True, metavar="STAGE", parser_class=_Parser)
    for name, short, description, limit in BENCH_COMMANDS:
        command = bench_stages.add_parser(name, help=short, description=description)
        command.add_argument("--corpus", type=Path, required=True, help="JSON lines with a 'text' field")
        command.add_argument("--limit", type=int, default=limit, help=f"articles to use (default {limit})")
        command.add_argument("--json", action="store_true", help="print one JSON object")

    serve = sub.add_parser(
        "serve",
        help="serve the nightly flow on a cron schedule (one machine)",
        description="Register a Prefect deployment of the nightly flow with a cron schedule and serve it: "
        "this process runs each scheduled run (and runs started by hand from the Prefect UI or "
        "`prefect deployment run 'stancewire-nightly/<name>'`) until stopped. Point PREFECT_API_URL at a "
        "running `prefect server start` to keep runs and logs (see the README).",
    )
    serve.add_argument("--cron", default="0 2 * * *", help='cron schedule (default "0 2 * * *": 02:00 daily)')
    serve.add_argument("--timezone", default="UTC", help="IANA time zone of the schedule (default UTC)")
    serve.add_argument("--name", default="nightly", help="deployment name (default nightly)")
    serve.add_argument("--inbox", type=Path, help="folder of articles (default data/samples/)")
    serve.add_argument("--warehouse", type=Path, help="output folder (default data/warehouse/)")

    train = sub.add_parser(
        "train",
        help="train a model shipped with stancewire",
        description="Train a model from a licensed dataset and save it where stancewire loads it.",
    )
    train_stages = train.add_subparsers(dest="stage", required=True, metavar="STAGE", parser_class=_Parser)
    train_stance = train_stages.add_parser(
        "stance",
        help="the target-sentiment model (NewsMTSC, MIT)",
        description="Fit the target-sentiment model on NewsMTSC-format rows (sentence, target, stance) and "
        "save it to data/models/ (or --out). Never train on data whose licence does not allow shipping.",
    )
    train_stance.add_argument("--train", type=Path, required=True, help="training rows (JSON lines)")
    train_stance.add_argument("--out", type=Path, help="output folder (default data/models/)")
    train_stance.add_argument(
        "--c", type=float, default=1.0, help="inverse regularisation strength (default 1)"
    )
    return parser


def _cmd_serve(args: argparse.Namespace) -> int:
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
        parameters={"inbox": str(settings.inbox), "warehouse": str(settings.warehouse)},
        description="stancewire: every stage over the inbox into the warehouse, once per schedule tick.",
    )
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from flows.datasets import DatasetError
    from flows.training import train_stance

    out = args.out or load_settings().models_dir
    try:
        figures = train_stance(args.train, out, c=args.c)
    except DatasetError as err:
        raise UserError(str(err)) from None
    _print_scores(figures, False)
    return 0


def _print_scores(scores: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(scores, ensure_ascii=False))
        return
    for key, value in scores.items():
        if key == "failures":
            value = len(value)
        if key == "per_class":
            for label, row in value.items():
                cells = "  ".join(
                    f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()
                )
                print(f"  {label:<26} {cells}")
            continue
        print(f"{key:<28} {value:.4f}" if isinstance(value, float) else f"{key:<28} {value}")


def _cmd_eval(args: argparse.Namespace) -> int:
    from flows.datasets import DatasetError
    from flows.evaluation import evaluate_cleanup, evaluate_sentences, evaluate_stance
    from flows.resources import load_splitter, load_tagger

    reference = load_settings().reference_dir
    try:
        if args.stage == "cleanup":
            scores: dict[str, Any] = evaluate_cleanup(args.dataset, html=args.html)
        elif args.stage == "sentences":
            scores = evaluate_sentences(args.dataset, load_splitter(reference))
        else:
            scores = evaluate_stance(args.dataset, load_tagger(reference, load_settings().models_dir))
    except DatasetError as err:
        raise UserError(str(err)) from None
    _print_scores(scores, args.json)
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from flows.datasets import DatasetError
    from flows.evaluation import benchmark_cleanup, benchmark_sentences, benchmark_stance
    from flows.resources import load_splitter, load_tagger

    if args.limit < 1:
        raise UserError("--limit must be at least 1")
    reference = load_settings().reference_dir
    try:
        if args.stage == "cleanup":
            figures = benchmark_cleanup(args.corpus, limit=args.limit)
        elif args.stage == "sentences":
            figures = benchmark_sentences(args.corpus, load_splitter(reference), limit=args.limit)
        else:
            figures = benchmark_stance(
                args.corpus,
                load_splitter(reference),
                load_tagger(reference, load_settings().models_dir),
                limit=args.limit,
            )
    except DatasetError as err:
        raise UserError(str(err)) from None
    _print_scores(figures, args.json)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings().with_overrides(
        inbox=args.inbox, warehouse=args.warehouse, chunk_size=args.chunk_size, workers=args.workers
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
            warehouse=settings.warehouse,
            run_date=args.date,  # None: today
            chunk_size=settings.chunk_size,
            rebuild=args.rebuild,
            workers=settings.workers,
        )
        counts = summary.counts
        what = "rebuilt from" if args.rebuild else f"{counts['files']} files ->"
        print(
            f"run {summary.run_id} ({summary.run_date}): {what} {counts['articles']} articles, "
            f"{counts['rejects']} rejects, {counts['sentences']} sentences, {counts['stances']} stances"
        )
        print(f"tables:   {summary.warehouse}/<table>/run_date={summary.run_date}/")
        print(f"duckdb:   {summary.catalog}")
        print(f"reports:  {summary.reports / 'data_docs' / 'index.html'}")
        print(f'example:  stancewire sql "{EXAMPLE_QUERY}"')
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from flows.report import NoRun, write_report
    from flows.storage import Warehouse

    warehouse = Warehouse(load_settings().with_overrides(warehouse=args.warehouse).warehouse)
    try:
        path = write_report(warehouse, args.date)
    except (NoRun, FileNotFoundError) as err:
        raise UserError(str(err)) from None
    print(f"report: {path}")
    return 0


def _cmd_backfill(args: argparse.Namespace) -> int:
    if args.date_from > args.date_to:
        raise UserError(f"--from {args.date_from} is after --to {args.date_to}")
    from flows.storage import Warehouse

    settings = load_settings().with_overrides(warehouse=args.warehouse)
    store = Warehouse(settings.warehouse)
    store.ensure_free()
    if not store.run_dates("articles", args.date_from, args.date_to):
        raise UserError(f"no run date from {args.date_from} to {args.date_to} has published articles")
    with StopOnSignal(store, "backfill"):
        from flows.nightly import backfill

        summary = backfill(date_from=args.date_from, date_to=args.date_to, warehouse=settings.warehouse)
        print(
            f"backfill {args.date_from}..{args.date_to}: rebuilt {len(summary.rebuilt)} run date(s)", end=""
        )
        if summary.already_done:
            print(f"; {len(summary.already_done)} done by an earlier, interrupted try", end="")
        print()
        for day in summary.rebuilt:
            print(f"  {day}")
    return 0


def _printable(table: Any) -> Any:
    """Interval columns (``finished_at - started_at``) as text: CSV and pandas cannot show them."""
    import pyarrow as pa

    for index, column in enumerate(table.schema):
        if pa.types.is_interval(column.type):
            values = table.column(index).to_pylist()
            text = pa.array([_interval_text(v) if v is not None else None for v in values], pa.string())
            table = table.set_column(index, column.name, text)
    return table


def _interval_text(value: Any) -> str:
    months, days, nanoseconds = value.months, value.days, value.nanoseconds
    seconds = nanoseconds / 1e9
    text = f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"
    prefix = f"{months} months " if months else ""
    return f"{prefix}{days} days {text}" if days else f"{prefix}{text}"


# Statement types `stancewire sql` runs; anything else (DROP, CREATE, COPY, ATTACH, SET, ...) is refused.
READ_ONLY_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA"})


def _sql_text(query: str) -> str:
    """The SQL of a query argument: the contents of a .sql file, or the argument itself."""
    if query.strip().lower().endswith(".sql"):
        path = Path(query.strip())
        try:
            return path.read_text(encoding="utf-8")
        except OSError as err:
            raise UserError(f"cannot read {path}: {err.strerror or err}") from None
    return query


def _run_sql(con: Any, text: str) -> list[Any]:
    """The arrow result of every statement of ``text``, after refusing any that is not read-only."""
    import duckdb

    try:
        statements = con.extract_statements(text)
    except duckdb.Error as err:
        raise UserError(f"SQL error: {str(err).splitlines()[0]}") from None
    if not statements:
        raise UserError("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in READ_ONLY_STATEMENTS:
            raise UserError(
                f"refused: a {kind} statement would change the warehouse; stancewire sql is read-only "
                "(write results with --format csv|json|parquet --output FILE)"
            )
    results = []
    try:
        for statement in statements:
            result = con.sql(statement.query)
            if result is not None:
                results.append(_printable(result.to_arrow_table()))
    except duckdb.Error as err:
        raise UserError(f"SQL error: {str(err).splitlines()[0]}") from None
    return results


def _write_result(table: Any, fmt: str, output: Path | None) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        assert output is not None  # _cmd_sql refuses parquet without --output before any query
        pq.write_table(table, output)
        return
    if fmt == "csv":
        pacsv.write_csv(table, sys.stdout.buffer if output is None else output)
        sys.stdout.flush()
        return
    if fmt == "json":
        text = json.dumps(table.to_pylist(), default=str, ensure_ascii=False, indent=1)
    else:
        frame = table.to_pandas()
        shown = frame.to_string(index=False, max_colwidth=80) if len(frame) else "(no rows)"
        text = f"{shown}\n({len(frame)} row{'s' if len(frame) != 1 else ''})"
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")


def _shell(con: Any, warehouse: Path) -> int:
    """A small read-only SQL shell: statements end with ';', `.tables` lists the views, `.quit` leaves."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input())
    print(
        f"stancewire sql on {warehouse} (read-only). End statements with ';'. .tables lists views, .quit leaves."
    )
    buffer: list[str] = []
    while True:
        try:
            line = input("stancewire> " if not buffer else "      ...> ")
        except EOFError:
            print()
            return 0
        if not buffer and line.strip() in (".quit", ".exit", "\\q"):
            return 0
        if not buffer and line.strip() == ".tables":
            line = "select table_name as view from information_schema.tables order by 1;"
        buffer.append(line)
        if not line.rstrip().endswith(";"):
            continue
        text, buffer = "\n".join(buffer), []
        try:
            for table in _run_sql(con, text):
                _write_result(table, "table", None)
        except UserError as err:
            print(f"stancewire: {err}", file=sys.stderr)


def _cmd_sql(args: argparse.Namespace) -> int:
    from flows.storage import Warehouse

    warehouse = Warehouse(load_settings().with_overrides(warehouse=args.warehouse).warehouse)
    if args.format == "parquet" and args.output is None:
        raise UserError("--format parquet needs --output FILE")
    text = None if args.query is None else _sql_text(args.query)
    try:
        con = warehouse.connect()
    except FileNotFoundError as err:
        raise UserError(str(err)) from None
    try:
        if text is None:
            return _shell(con, warehouse.root)
        results = _run_sql(con, text)
        if not results:
            raise UserError("the statement returned no rows to show (stancewire sql is for queries)")
        for table in results if args.output is None else results[-1:]:
            _write_result(table, args.format, args.output)
    finally:
        con.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``stancewire`` command."""
    args = _parser().parse_args(argv)
    try:
        commands = {
            "run": _cmd_run,
            "backfill": _cmd_backfill,
            "report": _cmd_report,
            "sql": _cmd_sql,
            "eval": _cmd_eval,
            "bench": _cmd_bench,
            "train": _cmd_train,
            "serve": _cmd_serve,
        }
        return commands[args.command](args)
    except (UserError, SettingsError) as err:
        print(f"stancewire: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # a failed run: one clear line, details are in the Prefect logs
        from flows.storage import WarehouseBusy
        from flows.validation import ValidationFailed

        if isinstance(err, WarehouseBusy):
            print(f"stancewire: warehouse busy: {err}", file=sys.stderr)
            return 1
        kind = "data-quality check failed" if isinstance(err, ValidationFailed) else type(err).__name__
        print(f"stancewire: run failed: {kind}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
