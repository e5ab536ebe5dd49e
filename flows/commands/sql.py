"""``stancewire sql``: read-only SQL over the warehouse's DuckDB views, as a query, a .sql file
or an interactive shell, printed as a table or written as CSV, JSON or Parquet."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from flows.commands import UserError
from flows.settings import load_settings

EXAMPLE_QUERY = "select source_actor, target_actor, stance, count(*) as n from stances group by all order by n desc limit 10"

# Statement types `stancewire sql` runs; anything else (DROP, CREATE, COPY, ATTACH, SET, ...) is refused.
READ_ONLY_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA"})


def cmd_sql(args: argparse.Namespace) -> int:
    from flows.storage import Warehouse

    warehouse = Warehouse(load_settings().with_overrides(warehouse=args.warehouse).warehouse)
    if args.format == "parquet" and args.output is None:
        raise UserError("--format parquet needs --output FILE")
    text = None if args.query is None else sql_text(args.query)
    try:
        con = warehouse.connect()
    except FileNotFoundError as err:
        raise UserError(str(err)) from None
    try:
        if text is None:
            return shell(con, warehouse.root)
        results = run_sql(con, text)
        if not results:
            raise UserError("the statement returned no rows to show (stancewire sql is for queries)")
        for table in results if args.output is None else results[-1:]:
            write_result(table, args.format, args.output)
    finally:
        con.close()
    return 0


def sql_text(query: str) -> str:
    """The SQL of a query argument: the contents of a .sql file, or the argument itself."""
    if query.strip().lower().endswith(".sql"):
        path = Path(query.strip())
        try:
            return path.read_text(encoding="utf-8")
        except OSError as err:
            raise UserError(f"cannot read {path}: {err.strerror or err}") from None
    return query


def run_sql(con: Any, text: str) -> list[Any]:
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


def write_result(table: Any, fmt: str, output: Path | None) -> None:
    """One result as ``fmt`` (table, csv, json, parquet), to ``output`` or stdout."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        assert output is not None  # cmd_sql refuses parquet without --output before any query
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


def shell(con: Any, warehouse: str | Path) -> int:
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
            for table in run_sql(con, text):
                write_result(table, "table", None)
        except UserError as err:
            print(f"stancewire: {err}", file=sys.stderr)
