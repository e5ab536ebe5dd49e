"""Every table's schema documents itself: a description per table and per column."""

from __future__ import annotations

import pytest

from stages.schemas import SCHEMAS, TABLES


@pytest.mark.parametrize("table", TABLES)
def test_every_column_is_described(table: str) -> None:
    schema = SCHEMAS[table]
    assert (schema.metadata or {}).get(b"description"), f"{table} has no description"
    assert schema.metadata[b"stancewire.table"] == table.encode()
    undocumented = [f.name for f in schema if not (f.metadata or {}).get(b"description")]
    assert not undocumented, f"{table}: columns without a description: {undocumented}"
