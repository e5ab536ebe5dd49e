"""What is derived from the table declarations (``stages/tables.py``): the one pyarrow schema of
every table, its structural Great Expectations checks, and pandas frames of its columns.

Each table is a Parquet dataset partitioned by ``run_date`` (a hive directory
``run_date=YYYY-MM-DD``), so ``run_date`` is not a column inside the files; DuckDB
views add it back, typed as DATE. ``run_id`` is added by storage when a chunk is
written, so stage functions return every column except ``run_id``.

Each table also has exactly one Great Expectations suite: the structural checks derived here
followed by the hand-written rules of ``expectations/<table>.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from stages.tables import DECLARED, PARAGRAPH_KINDS, STANCE_LABELS, Column, Table

__all__ = [
    "DECLARATIONS",
    "PARAGRAPH_KINDS",
    "SCHEMAS",
    "STANCE_LABELS",
    "TABLES",
    "columns",
    "dtypes",
    "empty_frame",
    "frame",
    "structural_expectations",
]

DECLARATIONS: dict[str, Table] = {t.name: t for t in DECLARED}
TABLES: tuple[str, ...] = tuple(DECLARATIONS)


def _field(column: Column) -> pa.Field:
    return pa.field(
        column.name, column.type, nullable=column.nullable, metadata={"description": column.description}
    )


# What each table and column means is written into every Parquet file (field metadata
# "description", schema metadata "description" and "stancewire.table"), so any reader
# (pandas, Polars, Spark, DuckDB) gets them with the data, and into the DuckDB catalog
# as COMMENTs.
SCHEMAS: dict[str, pa.Schema] = {
    t.name: pa.schema(
        [_field(c) for c in t.columns], metadata={"stancewire.table": t.name, "description": t.description}
    )
    for t in DECLARED
}


def columns(table: str, *, with_run_id: bool = False) -> list[str]:
    """Column names of ``table`` in schema order; ``run_id`` only when asked for."""
    names = list(SCHEMAS[table].names)
    return names if with_run_id else [n for n in names if n != "run_id"]


_PANDAS_DTYPES: dict[pa.DataType, str] = {
    pa.string(): "str",
    pa.large_string(): "str",
    pa.int32(): "int32",
    pa.float64(): "float64",
    pa.bool_(): "bool",
    pa.timestamp("us", tz="UTC"): "datetime64[us, UTC]",
}


def _pandas_dtype(column: Column) -> str:
    """The pandas dtype the stages hold a column in: object for dates and lists."""
    if column.type == pa.int64():
        return "Int64" if column.nullable else "int64"
    return _PANDAS_DTYPES.get(column.type, "object")


def dtypes(table: str, *, with_run_id: bool = False) -> dict[str, str]:
    """``{column: pandas dtype}`` of ``table`` in schema order, as its stage returns it."""
    wanted = set(columns(table, with_run_id=with_run_id))
    return {c.name: _pandas_dtype(c) for c in DECLARATIONS[table].columns if c.name in wanted}


Data = pd.DataFrame | Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]


def frame(table: str, data: Data, *, with_run_id: bool = False) -> pd.DataFrame:
    """A frame of ``table``'s columns, in schema order and typed as its stage returns them, from
    a frame, a ``{column: values}`` mapping or a list of row dicts. Columns absent from ``data``
    are null; columns of ``data`` that the table lacks are dropped."""
    names = columns(table, with_run_id=with_run_id)
    if isinstance(data, pd.DataFrame):
        made = data.reindex(columns=names)
    elif isinstance(data, Mapping):
        length = max((len(v) for v in data.values()), default=0)
        made = pd.DataFrame({n: data[n] if n in data else [None] * length for n in names}, columns=names)
    else:
        made = pd.DataFrame(list(data), columns=names)
    return made.astype(dtypes(table, with_run_id=with_run_id))


def empty_frame(table: str, *, with_run_id: bool = False) -> pd.DataFrame:
    """A frame of no rows with ``table``'s columns and dtypes."""
    return frame(table, [], with_run_id=with_run_id)


def _expectation(kind: str, note: str | None = None, **kwargs: Any) -> dict[str, Any]:
    made: dict[str, Any] = {"type": kind, "kwargs": kwargs}
    if note:
        made["meta"] = {"notes": note}
    return made


def structural_expectations(table: str) -> list[dict[str, Any]]:
    """The checks of ``table``'s suite that its declaration implies, as GX 1.x suite JSON: its
    columns in order, not-null for each non-nullable column, and the allowed values of each
    column that declares them."""
    declared = DECLARATIONS[table].columns
    derived = [
        _expectation(
            "expect_table_columns_to_match_ordered_list",
            "the declared pyarrow schema, in order",
            column_list=[c.name for c in declared],
        )
    ]
    derived += [
        _expectation("expect_column_values_to_not_be_null", column=c.name) for c in declared if not c.nullable
    ]
    derived += [
        _expectation(
            "expect_column_values_to_be_in_set", c.description, column=c.name, value_set=list(c.allowed)
        )
        for c in declared
        if c.allowed is not None
    ]
    return derived
