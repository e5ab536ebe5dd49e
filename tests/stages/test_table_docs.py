"""README.md's table list is the one rendered from the table declarations."""

from __future__ import annotations

import pytest

from stages.table_docs import END, README, REGENERATE, START, render_table_list, with_table_list
from stages.tables import DECLARED


def test_the_readme_table_list_is_the_rendered_one() -> None:
    text = README.read_text(encoding="utf-8")
    assert with_table_list(text) == text, (
        f"README.md's table list ({START} ... {END}) differs from the table declarations in "
        f"stages/tables.py: run `{REGENERATE}` to rewrite it"
    )


def test_every_declared_table_is_listed_with_its_grain_and_key() -> None:
    rendered = render_table_list()
    for table in DECLARED:
        row = next(line for line in rendered.splitlines() if line.startswith(f"| `{table.name}` |"))
        assert table.row in row and table.description in row
        assert all(f"`{k}`" in row for k in table.key)


def test_short_enumerations_are_listed_long_ones_and_booleans_are_not() -> None:
    rendered = render_table_list()
    assert "kind (`body`/`heading`)" in rendered
    assert "stance (`favor`/`against`/`neutral`)" in rendered
    assert "`bad_gzip`" not in rendered, "15 reject reasons are left to the schema's description"
    assert "is_heading (" not in rendered


def test_with_table_list_replaces_only_the_marked_section() -> None:
    text = f"# Title\n\nbefore\n{START}\nstale\n{END}\nafter\n"
    new = with_table_list(text)
    assert new.startswith("# Title\n\nbefore\n") and new.endswith(f"{END}\nafter\n")
    assert "stale" not in new and render_table_list() in new
    assert with_table_list(new) == new


def test_a_readme_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="tables:start"):
        with_table_list("# no list here\n")
