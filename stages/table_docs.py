"""README.md's table list, rendered from the table declarations (``stages/tables.py``).

The list sits between ``<!-- tables:start -->`` and ``<!-- tables:end -->``; a test fails when
it differs from ``render_table_list()``. Rewrite it with ``python -m stages.table_docs``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from stages.tables import DECLARED, RUN_ID, Column, Table

START, END = "<!-- tables:start -->", "<!-- tables:end -->"
README = Path(__file__).resolve().parents[1] / "README.md"
REGENERATE = "python -m stages.table_docs"
MAX_LISTED_VALUES = 6  # longer enumerations (reject reasons, table names) are left to the schema


def _column(column: Column) -> str:
    allowed = column.allowed
    if allowed is None or len(allowed) > MAX_LISTED_VALUES or all(isinstance(v, bool) for v in allowed):
        return column.name
    return f"{column.name} ({'/'.join(f'`{v}`' for v in allowed)})"


def _row(table: Table) -> str:
    key = ", ".join(f"`{k}`" for k in table.key) or "none"
    listed = ", ".join(_column(c) for c in table.columns if c != RUN_ID)
    return f"| `{table.name}` | {table.description} | {table.row} | {key} | {listed} |"


def render_table_list() -> str:
    """The Markdown table of every declared table: name, description, grain, key and columns."""
    lines = [
        "| table | what it holds | one row per | key | columns |",
        "| --- | --- | --- | --- | --- |",
        *(_row(t) for t in DECLARED),
    ]
    return "\n".join(lines)


def with_table_list(text: str) -> str:
    """``text`` (README.md) with the section between the markers replaced by the rendered list."""
    head, found, rest = text.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise ValueError(f"README.md has no {START} ... {END} section")
    return f"{head}{START}\n{render_table_list()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the table list of README.md (or of the file named) in place."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else README
    text = path.read_text(encoding="utf-8")
    new = with_table_list(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
