"""The ``stancewire`` command: the parser and ``main``; what each command does is in ``flows.commands``.

A user mistake (missing inbox, bad date, bad SQL, no warehouse yet) is reported as
one line on stderr with a non-zero exit status, never a traceback. A ``run`` or ``backfill``
stopped by SIGTERM or SIGINT ends within seconds, with its temporary Prefect server and stage
workers, its warehouse lock released and nothing of it published (see ``StopOnSignal``), exit
status 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from flows.commands import UserError
from flows.commands.evaluate import cmd_bench, cmd_eval, cmd_train
from flows.commands.run import cmd_backfill, cmd_report, cmd_run, cmd_serve
from flows.commands.sql import EXAMPLE_QUERY, cmd_sql
from flows.commands.warehouse import cmd_history, cmd_migrate, cmd_rollback, cmd_vacuum
from flows.settings import TAGGERS, SettingsError

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
    (
        "pipeline",
        "score the whole pipeline on event-coded sentences",
        'Score the whole pipeline on PLOVER-format JSON lines {"id", "sentence", "stance", "extra": '
        '{"source_codes", "target_codes"}}: each sentence goes through the real nightly flow as an article '
        "of its own. Recall: of the sentences with an ISO3 source and a different ISO3 target, those with "
        "a stance row whose source is among the source codes, target among the target codes and sign the "
        "gold one. Precision: of the non-neutral rows between two different known actors, those whose pair "
        "fits the codes (IGO fits any organisation) and whose sign is right; rows with a null code or one code "
        "on both sides are left out of it and counted apart (uncoded_rows, within_one_actor_rows).",
        "the JSON-lines dataset",
    ),
    (
        "attribution",
        "score attribution (speaker, cue, content) on PolNeAR",
        'Score attribution on PolNeAR-format JSON lines {"id", "outlet", "date", "text", "attributions": '
        '[{"source", "cue", "content"}]}, each span {"start", "end", "text"} into text or null: each article '
        "goes through the real nightly flow and its attributions rows are read back. A prediction and a gold "
        "attribution pair when their cues overlap (one-to-one, largest overlap first): cue P/R/F1. Source: "
        "the paired speaker overlaps the gold source (P over predictions with a speaker, R over gold with a "
        "source). Content: the paired content's token F1 is at least 0.5 (P over predictions with content, "
        "R over gold with content). Rejected articles predict nothing.",
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


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other stancewire error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"stancewire: {message} (see {self.prog} --help)\n")


Subparsers = Any  # argparse's private _SubParsersAction


def _add_run(sub: Subparsers) -> None:
    run = sub.add_parser(
        "run",
        help="run every stage over an inbox (one Prefect flow run)",
        description="Ingest, clean, split, tag and aggregate every file of the inbox into the warehouse, "
        "validating each table with its Great Expectations suite.",
    )
    run.add_argument(
        "--inbox", type=Path, help="folder of .txt/.jsonl/.html articles (default data/samples/)"
    )
    run.add_argument("--warehouse", help="output folder or s3://bucket/prefix (default data/warehouse/)")
    run.add_argument("--date", type=_date, help="run date, YYYY-MM-DD (default today)")
    run.add_argument("--chunk-size", type=int, help="articles per chunk (default 200)")
    run.add_argument(
        "--workers",
        type=int,
        help="worker processes of the Dask cluster started on this machine for the stages after ingest, "
        "when the inbox makes several chunks (default STANCEWIRE_WORKERS or 1; 0: the run's own "
        "process, slower and smaller; 2 on two cores: faster, about 1 GB in all)",
    )
    _add_scheduler(run)
    _add_tagger(run)
    run.add_argument(
        "--rebuild",
        action="store_true",
        help="reprocess the run date from its published articles instead of reading the inbox "
        "(e.g. after a tagger upgrade); needs --date",
    )


def _add_scheduler(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        help="run the stages after ingest on the running Dask cluster of this scheduler, "
        "tcp://host:8786 (default STANCEWIRE_DASK_SCHEDULER; none: a cluster of --workers on this "
        "machine); its workers need stancewire installed and must reach the warehouse",
    )


def _add_tagger(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tagger",
        choices=TAGGERS,
        help="stance tagger (default STANCEWIRE_TAGGER or model): model, the rules find who and whom and "
        "the sentence model (MiniLM on ONNX Runtime) reads each stance's sign; fast, the rules' cue "
        "weights alone, several times faster, for backfills over millions of articles",
    )


def _add_backfill(sub: Subparsers) -> None:
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
    backfill.add_argument(
        "--warehouse", help="warehouse folder or s3://bucket/prefix (default data/warehouse/)"
    )
    _add_scheduler(backfill)
    _add_tagger(backfill)


def _add_sql(sub: Subparsers) -> None:
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
    sql.add_argument("--warehouse", help="warehouse folder or s3://bucket/prefix (default data/warehouse/)")
    sql.add_argument(
        "--format", choices=("table", "csv", "json", "parquet"), default="table", help="output format"
    )
    sql.add_argument("--output", type=Path, help="write the result to this file (needed for parquet)")


def _add_report(sub: Subparsers) -> None:
    report = sub.add_parser(
        "report",
        help="write a run's HTML report (inputs, rejects, validation, stance charts)",
        description="Write one self-contained HTML page for the latest run (or the latest run of --date): "
        "what came in and what was rejected, each table's rows and validation result, and the stance "
        "picture (stance over time, a source x target matrix, the strongest stances with cue words "
        "marked). The page works offline.",
    )
    report.add_argument("--date", type=_date, help="run date, YYYY-MM-DD (default: the latest run)")
    report.add_argument(
        "--warehouse", help="warehouse folder or s3://bucket/prefix (default data/warehouse/)"
    )


def _add_eval(sub: Subparsers) -> None:
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
        if name in ("stance", "pipeline"):
            _add_tagger(command)
        command.add_argument("--json", action="store_true", help="print one JSON object")


def _add_bench(sub: Subparsers) -> None:
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
        if name == "stance":
            _add_tagger(command)
        command.add_argument("--json", action="store_true", help="print one JSON object")


def _add_serve(sub: Subparsers) -> None:
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
    serve.add_argument("--warehouse", help="output folder or s3://bucket/prefix (default data/warehouse/)")


def _add_train(sub: Subparsers) -> None:
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
        "save it to data/models/ (or --out). Never train on data whose licence does not allow shipping. "
        "--model lr (default) fits the TF-IDF/VADER logistic regression of --tagger fast in seconds; "
        "--model minilm fine-tunes MiniLM-L6 (needs the train extra: torch, transformers), exports it "
        "to ONNX int8 in data/models/stance_minilm/ with a model card (~30 minutes on 2 cores).",
    )
    train_stance.add_argument("--train", type=Path, required=True, help="training rows (JSON lines)")
    train_stance.add_argument("--out", type=Path, help="output folder (default data/models/)")
    train_stance.add_argument(
        "--model", choices=("lr", "minilm"), default="lr", help="which model to train (default lr)"
    )
    train_stance.add_argument(
        "--c", type=float, default=1.0, help="lr: inverse regularisation strength (default 1)"
    )
    train_stance.add_argument(
        "--dev",
        type=Path,
        action="append",
        default=[],
        help="minilm: a NewsMTSC-format file to score the model on for its card (repeatable)",
    )
    train_stance.add_argument("--seed", type=int, default=13, help="minilm: random seed (default 13)")
    train_stance.add_argument("--epochs", type=int, default=3, help="minilm: epochs (default 3)")


WAREHOUSE_HELP = "warehouse folder or s3://bucket/prefix (default data/warehouse/)"


def _add_history(sub: Subparsers) -> None:
    history = sub.add_parser(
        "history",
        help="list the runs and the table versions each left published",
        description="List the runs, oldest first, with the Delta version of every table each left "
        "published; * marks the state readers see now.",
    )
    history.add_argument("--warehouse", help=WAREHOUSE_HELP)
    history.add_argument("--limit", type=int, default=0, help="only the latest N runs")


def _add_rollback(sub: Subparsers) -> None:
    rollback = sub.add_parser(
        "rollback",
        help="restore every table to the state after an earlier run",
        description="Restore every table to the state after a given run, in one recorded step (a "
        "runs row, mode rollback): the SQL views follow at once. Later runs stay in history, and a "
        "rollback can itself be rolled back (--to-run the run before it).",
    )
    rollback.add_argument("--date", type=_date, help="the state after this run date's last run")
    rollback.add_argument("--to-run", help="the state after this run (an id from `stancewire history`)")
    rollback.add_argument("--warehouse", help=WAREHOUSE_HELP)


def _add_vacuum(sub: Subparsers) -> None:
    vacuum = sub.add_parser(
        "vacuum",
        help="list (or, with --apply, remove) files no kept run needs",
        description="List the table files that no run of the last --keep-days days needs (nor the "
        "published state): replaced or restored-away files, files a killed run moved in but never "
        "committed, and a killed writer's partial files (*.parquet#1). A dry run unless --apply; "
        "rollback cannot go back past what a vacuum removed.",
    )
    vacuum.add_argument(
        "--keep-days", type=int, default=7, help="keep what the last N days' runs need (default 7)"
    )
    vacuum.add_argument("--apply", action="store_true", help="remove the files (default: only list them)")
    vacuum.add_argument("--show", type=int, default=10, help="file names listed per table (default 10)")
    vacuum.add_argument("--warehouse", help=WAREHOUSE_HELP)


def _add_migrate(sub: Subparsers) -> None:
    migrate = sub.add_parser(
        "migrate",
        help="convert a warehouse of the layout before Delta Lake (_manifest.json) in place",
        description="Convert a warehouse written before Delta Lake (Parquet files named by "
        "_manifest.json) into Delta tables in place, losing nothing; safe to run again if stopped.",
    )
    migrate.add_argument("--warehouse", help=WAREHOUSE_HELP)


# Each command: the function that adds its arguments, and the one that runs it (in help order).
COMMANDS: dict[str, tuple[Callable[[Subparsers], None], Callable[[argparse.Namespace], int]]] = {
    "run": (_add_run, cmd_run),
    "backfill": (_add_backfill, cmd_backfill),
    "sql": (_add_sql, cmd_sql),
    "report": (_add_report, cmd_report),
    "eval": (_add_eval, cmd_eval),
    "bench": (_add_bench, cmd_bench),
    "serve": (_add_serve, cmd_serve),
    "history": (_add_history, cmd_history),
    "rollback": (_add_rollback, cmd_rollback),
    "vacuum": (_add_vacuum, cmd_vacuum),
    "migrate": (_add_migrate, cmd_migrate),
    "train": (_add_train, cmd_train),
}


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stancewire",
        description="Nightly news-stance pipeline: who says what about whom, as Parquet tables for DuckDB.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for add_arguments, _ in COMMANDS.values():
        add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``stancewire`` command."""
    args = _parser().parse_args(argv)
    try:
        _, command = COMMANDS[args.command]
        return command(args)
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
