"""Every example query of the README runs, through `stancewire sql`, and returns rows on the sample data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flows.cli import main
from flows.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def example_queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- example-queries:start -->")[1].split("<!-- example-queries:end -->")[0]
    return re.findall(r"```sql\n(.*?)```", block, flags=re.DOTALL)


QUERIES = example_queries()


def test_the_readme_has_five_to_ten_examples() -> None:
    assert 5 <= len(QUERIES) <= 10


@pytest.mark.parametrize("query", QUERIES, ids=[q.splitlines()[0].removeprefix("-- ") for q in QUERIES])
def test_readme_query_returns_rows(
    query: str, sample_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", query, "--warehouse", str(sample_warehouse), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows, "the example returns rows on the sample data"


def test_dropping_a_view_is_refused(sample_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "drop view stances", "--warehouse", str(sample_warehouse)]) == 2
    assert "refused" in capsys.readouterr().err
    assert main(["sql", "select count(*) from stances", "--warehouse", str(sample_warehouse)]) == 0
