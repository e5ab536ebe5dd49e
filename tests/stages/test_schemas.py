"""Every table is declared once (stages/tables.py); its schema, checks and frames derive from that."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from stages.schemas import (
    DECLARATIONS,
    PARAGRAPH_KINDS,
    SCHEMAS,
    STANCE_LABELS,
    TABLES,
    columns,
    dtypes,
    empty_frame,
    frame,
    structural_expectations,
)


@pytest.mark.parametrize("table", TABLES)
def test_every_column_is_described(table: str) -> None:
    schema = SCHEMAS[table]
    assert (schema.metadata or {}).get(b"description"), f"{table} has no description"
    assert schema.metadata[b"stancewire.table"] == table.encode()
    undocumented = [f.name for f in schema if not (f.metadata or {}).get(b"description")]
    assert not undocumented, f"{table}: columns without a description: {undocumented}"


@pytest.mark.parametrize("table", TABLES)
def test_the_declaration_is_consistent(table: str) -> None:
    declared = DECLARATIONS[table]
    names = [c.name for c in declared.columns]
    assert len(set(names)) == len(names), "column names are unique"
    assert set(declared.key) <= set(names), "key columns are columns of the table"
    assert declared.row and declared.description
    assert "run_id" in names, "every table has run_id"
    for column in declared.columns:
        assert column.allowed is None or (column.allowed and not column.nullable), column.name


def test_the_stance_labels_and_paragraph_kinds_are_the_allowed_values() -> None:
    stance = next(c for c in DECLARATIONS["stances"].columns if c.name == "stance")
    kind = next(c for c in DECLARATIONS["paragraphs"].columns if c.name == "kind")
    assert stance.allowed == STANCE_LABELS == ("favor", "against", "neutral")
    assert kind.allowed == PARAGRAPH_KINDS == ("body", "heading")


def test_dq_results_names_every_other_table() -> None:
    table_name = DECLARATIONS["dq_results"].columns[0]
    assert table_name.allowed == tuple(t for t in TABLES if t != "dq_results")


def test_columns_leave_out_run_id_unless_asked() -> None:
    assert columns("files") == ["file_sha256", "source_path", "size_bytes", "n_articles", "n_rejects"]
    assert columns("files", with_run_id=True)[-1] == "run_id"


@pytest.mark.parametrize("table", TABLES)
def test_structural_expectations_follow_the_schema(table: str) -> None:
    schema = SCHEMAS[table]
    derived = structural_expectations(table)
    assert derived[0]["type"] == "expect_table_columns_to_match_ordered_list"
    assert derived[0]["kwargs"]["column_list"] == schema.names
    not_null = [e["kwargs"]["column"] for e in derived if e["type"] == "expect_column_values_to_not_be_null"]
    assert not_null == [f.name for f in schema if not f.nullable]
    in_set = {e["kwargs"]["column"]: e["kwargs"]["value_set"] for e in derived if "in_set" in e["type"]}
    assert in_set == {c.name: list(c.allowed) for c in DECLARATIONS[table].columns if c.allowed is not None}


@pytest.mark.parametrize("table", TABLES)
def test_an_empty_frame_has_the_declared_columns_and_converts_to_the_schema(table: str) -> None:
    empty = empty_frame(table, with_run_id=True)
    assert list(empty.columns) == SCHEMAS[table].names
    assert {c: str(t) for c, t in empty.dtypes.items()} == dtypes(table, with_run_id=True)
    assert pa.Table.from_pandas(empty, schema=SCHEMAS[table], preserve_index=False).num_rows == 0


@pytest.mark.parametrize(
    ("table", "column", "dtype"),
    [
        ("sentences", "sentence_index", "int32"),
        ("sentences", "is_heading", "bool"),
        ("paragraphs", "raw_start", "int64"),
        ("articles", "source_line", "Int64"),
        ("articles", "published_at", "datetime64[us, UTC]"),
        ("articles", "article_id", "str"),
        ("stances", "score", "float64"),
        ("stance_daily", "day", "object"),
        ("article_signatures", "minhash", "object"),
    ],
)
def test_dtypes_follow_the_pyarrow_types(table: str, column: str, dtype: str) -> None:
    assert dtypes(table)[column] == dtype


def test_frame_orders_types_and_fills_columns_from_rows_mappings_and_frames() -> None:
    rows = [{"n_rejects": 0, "file_sha256": "a" * 64, "size_bytes": 3, "n_articles": 1, "extra": "dropped"}]
    from_rows = frame("files", rows)
    assert list(from_rows.columns) == columns("files")
    assert str(from_rows["size_bytes"].dtype) == "int64"
    assert from_rows["source_path"].isna().all(), "a column absent from the rows is null"
    from_mapping = frame("files", {k: [v] for k, v in rows[0].items()})
    pd.testing.assert_frame_equal(from_mapping, from_rows)
    pd.testing.assert_frame_equal(frame("files", pd.DataFrame(rows)), from_rows)


def test_frame_of_rejects_leaves_the_quarantine_path_null() -> None:
    rejects = frame(
        "rejects", [{"source_path": "a.txt", "source_line": None, "reason": "empty", "detail": "x"}]
    )
    assert str(rejects["source_line"].dtype) == "Int64" and rejects["source_line"].isna().all()
    assert rejects["quarantined_path"].isna().all() and str(rejects["quarantined_path"].dtype) == "str"
