"""Every table's suite (derived structural checks + expectations/<table>.json) passes on good data
and fails on a deliberately broken frame."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from flows.settings import PROJECT_ROOT
from flows.validation import ValidationFailed, Validator, load_suite
from stages.aggregate import aggregate_daily, article_days
from stages.attribution.frames import attributions
from stages.cleanup import cleanup
from stages.ingest import RawFile, file_ledger, ingest
from stages.near_duplicates import SignatureIndex, mark_near_duplicates, signatures
from stages.role_book import prefer_actor
from stages.schemas import DECLARATIONS, SCHEMAS, TABLES
from stages.sentences import split_sentences
from stages.stance import tag_sentences, tag_stances

RUN_ID = "20261129-abcdef12"
EXPECTATIONS = PROJECT_ROOT / "expectations"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(EXPECTATIONS)


@pytest.fixture(scope="module")
def good(seed_bytes: bytes, resources) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """Real stage output for the seed plus one bad file, and the run's bookkeeping rows."""
    now = datetime(2026, 11, 29, tzinfo=UTC)
    raw = [RawFile("seed.txt", seed_bytes), RawFile("bad.txt", b"")]
    articles, rejects = ingest(raw, ingested_at=now)
    files = file_ledger(raw, articles, rejects)
    signed = signatures(articles)
    articles = mark_near_duplicates(articles, signed, SignatureIndex())
    paragraphs, removed = cleanup(articles, resources.identify_language)
    sentences = split_sentences(paragraphs, resources.segmenter)
    stances = tag_stances(sentences, resources.tagger)
    mentions = tag_sentences(sentences, resources.tagger)[1]
    resolve = prefer_actor(resources.tagger.gazetteer.actor_of, resources.role_book.affiliation)
    said = attributions(sentences, paragraphs, resources.parser, resolve, run_date=date(2026, 11, 29))
    daily = aggregate_daily(stances, article_days(articles, date(2026, 11, 29)))
    runs = pd.DataFrame(
        [
            {
                "run_id": RUN_ID,
                "started_at": now,
                "finished_at": now,
                "inbox": "data/samples",
                "n_files": 2,
                "n_skipped": 0,
                "n_articles": 1,
                "n_rejects": 1,
                "n_sentences": len(sentences),
                "n_stances": len(stances),
                "status": "succeeded",
                "mode": "nightly",
                "table_versions": '{"articles":1}',
            }
        ]
    )
    dq = pd.DataFrame(
        [
            {
                "table_name": t,
                "n_batches": 1,
                "n_rows": 1,
                "expectations_evaluated": 10,
                "expectations_failed": 0,
                "success": True,
                "failed_expectations": "",
            }
            for t in TABLES
            if t != "dq_results"
        ]
    )
    frames = {
        "articles": articles,
        "article_signatures": signed,
        "rejects": rejects,
        "paragraphs": paragraphs,
        "removed": removed,
        "sentences": sentences,
        "stances": stances,
        "mentions": mentions,
        "attributions": said,
        "files": files,
        "stance_daily": daily,
        "runs": runs.drop(columns="run_id"),
        "dq_results": dq,
    }
    return {t: f.assign(run_id=RUN_ID)[SCHEMAS[t].names] for t, f in frames.items()}


def _set(column: str, value: object, row: int = 0) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def breaker(frame: pd.DataFrame) -> pd.DataFrame:
        values = frame[column].astype(object).tolist()
        values[row] = value
        return frame.assign(**{column: values})

    return breaker


def _columns(names: list[str]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def breaker(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[names]

    return breaker


def _duplicate_first_row(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[:1]], ignore_index=True)


BROKEN = [
    # (table, how it is broken, the expectation that must catch it)
    ("articles", _duplicate_first_row, "expect_column_values_to_be_unique"),
    ("articles", _set("article_id", "NOT-A-HASH"), "expect_column_values_to_match_regex"),
    ("articles", _set("format", "pdf"), "expect_column_values_to_be_in_set"),
    ("articles", _set("duplicate_of", "an original"), "expect_column_values_to_match_regex"),
    ("article_signatures", _duplicate_first_row, "expect_column_values_to_be_unique"),
    ("article_signatures", _set("article_id", "NOT-A-HASH"), "expect_column_values_to_match_regex"),
    ("article_signatures", _set("minhash", None), "expect_column_values_to_not_be_null"),
    ("paragraphs", _set("raw_end", -5), "expect_column_pair_values_a_to_be_greater_than_b"),
    ("paragraphs", _set("kind", "footer"), "expect_column_values_to_be_in_set"),
    ("removed", _set("kind", "mystery"), "expect_column_values_to_be_in_set"),
    ("sentences", _duplicate_first_row, "expect_compound_columns_to_be_unique"),
    ("sentences", _set("text", None), "expect_column_values_to_not_be_null"),
    ("stances", _set("stance", "maybe"), "expect_column_values_to_be_in_set"),
    ("mentions", _set("actor_id", "russia"), "expect_column_values_to_match_regex"),
    ("files", _duplicate_first_row, "expect_column_values_to_be_unique"),
    ("stances", _set("score", 2.0), "expect_column_values_to_be_between"),
    ("stance_daily", _set("n_total", 0), "expect_column_values_to_be_between"),
    ("rejects", _set("reason", "gremlins"), "expect_column_values_to_be_in_set"),
    ("runs", _duplicate_first_row, "expect_table_row_count_to_equal"),
    ("runs", _set("mode", "sometimes"), "expect_column_values_to_be_in_set"),
    ("dq_results", _set("table_name", "nonsense"), "expect_column_values_to_be_in_set"),
    ("articles", lambda f: f.drop(columns="title"), "expect_table_columns_to_match_ordered_list"),
]


def _derived_breaks() -> list[tuple[str, str, Callable[[pd.DataFrame], pd.DataFrame], str, str | None]]:
    """(table, case, breaker, expectation, column it names) for each way a frame can break what a
    table's declaration says: a missing or reordered column, a null in a non-nullable column (the
    last one, run_id aside), a value outside a column's allowed set."""
    cases: list[tuple[str, str, Callable[[pd.DataFrame], pd.DataFrame], str, str | None]] = []
    for table in TABLES:
        declared = DECLARATIONS[table].columns
        names = [c.name for c in declared]
        ordered = "expect_table_columns_to_match_ordered_list"
        cases.append((table, "missing", _columns([n for n in names if n != names[-2]]), ordered, None))
        cases.append((table, "reordered", _columns([names[1], names[0], *names[2:]]), ordered, None))
        non_null = [c.name for c in declared if not c.nullable and c.name != "run_id"][-1]
        cases.append(
            (table, f"null-{non_null}", _set(non_null, None), "expect_column_values_to_not_be_null", non_null)
        )
        for column in (c for c in declared if c.allowed is not None):
            outside = _set(column.name, "not-allowed")
            cases.append(
                (table, f"outside-{column.name}", outside, "expect_column_values_to_be_in_set", column.name)
            )
    return cases


DERIVED_BREAKS = _derived_breaks()


@pytest.mark.parametrize(
    ("table", "breaker", "expectation", "column"),
    [c[:1] + c[2:] for c in DERIVED_BREAKS],
    ids=[f"{c[0]}-{c[1]}" for c in DERIVED_BREAKS],
)
def test_suite_fails_where_a_frame_breaks_the_declaration(
    validator: Validator,
    good: dict[str, pd.DataFrame],
    table: str,
    breaker: Callable[[pd.DataFrame], pd.DataFrame],
    expectation: str,
    column: str | None,
) -> None:
    outcome = validator.validate(table, breaker(good[table]))
    named = [n for n in outcome.failed_expectations if n.startswith(expectation + "(")]
    if column is not None:
        named = [n for n in named if f"column={column!r}" in n]
    assert named, outcome.failed_expectations


@pytest.mark.parametrize("table", [t for t in TABLES if DECLARATIONS[t].key])
def test_the_suite_makes_the_declared_key_unique(table: str) -> None:
    key = list(DECLARATIONS[table].key)
    checks = [(e["type"], e["kwargs"]) for e in load_suite(EXPECTATIONS, table)["expectations"]]
    if table == "runs":
        assert ("expect_table_row_count_to_equal", {"value": 1}) in checks, "one run, one row"
    elif len(key) == 1:
        assert ("expect_column_values_to_be_unique", {"column": key[0]}) in checks
    else:
        assert ("expect_compound_columns_to_be_unique", {"column_list": key}) in checks


def test_a_suite_file_repeating_a_derived_check_is_refused(tmp_path: Path) -> None:
    suite = json.loads((EXPECTATIONS / "files.json").read_text(encoding="utf-8"))
    suite["expectations"].append(
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "run_id"}}
    )
    (tmp_path / "files.json").write_text(json.dumps(suite), encoding="utf-8")
    with pytest.raises(ValueError, match="derived from the table's declaration"):
        load_suite(tmp_path, "files")


@pytest.mark.parametrize("table", TABLES)
def test_suite_passes_on_good_data(validator: Validator, good: dict[str, pd.DataFrame], table: str) -> None:
    assert not good[table].empty or table == "rejects"
    outcome = validator.validate(table, good[table])
    assert outcome.success, outcome.failed_expectations
    assert outcome.evaluated == len(load_suite(EXPECTATIONS, table)["expectations"])


@pytest.mark.parametrize(("table", "breaker", "expectation"), BROKEN, ids=[f"{b[0]}-{b[2]}" for b in BROKEN])
def test_suite_fails_on_a_broken_frame(
    validator: Validator,
    good: dict[str, pd.DataFrame],
    table: str,
    breaker: Callable[[pd.DataFrame], pd.DataFrame],
    expectation: str,
) -> None:
    outcome = validator.validate(table, breaker(good[table]))
    assert not outcome.success
    assert any(name.startswith(expectation) for name in outcome.failed_expectations), (
        outcome.failed_expectations
    )


def test_every_table_has_exactly_one_suite_named_after_it() -> None:
    assert sorted(p.stem for p in EXPECTATIONS.glob("*.json")) == sorted(TABLES)
    for table in TABLES:
        assert load_suite(EXPECTATIONS, table)["name"] == table


def test_check_raises_with_the_table_and_expectation_named(
    validator: Validator, good: dict[str, pd.DataFrame]
) -> None:
    with pytest.raises(ValidationFailed, match=r"table 'stances' failed 1 of \d+ expectations: .*stance"):
        validator.check("stances", _set("stance", "maybe")(good["stances"]))


@pytest.mark.parametrize(
    ("column", "dtype", "expected", "why"),
    [
        (
            "a",
            "int32",
            "int64",
            "int32 read back from Parquet is widened: GX's between check is vectorised for int64",
        ),
        ("b", "int16", "int64", "any narrower integer is widened"),
        ("c", "int64", "int64", "int64 stays"),
        ("d", "float64", "float64", "floats stay"),
        ("e", "Int64", "Int64", "a nullable (extension) integer stays as it is"),
        ("f", "bool", "bool", "booleans are not integers here"),
    ],
)
def test_for_gx_widens_narrow_integer_columns_on_a_copy(
    column: str, dtype: str, expected: str, why: str
) -> None:
    from flows.validation import for_gx

    frame = pd.DataFrame({column: pd.Series([0, 1], dtype=dtype)})
    widened = for_gx(frame)
    assert str(widened[column].dtype) == expected, why
    assert str(frame[column].dtype) == dtype and widened is not frame, "the input frame is not modified"


def test_gx_does_not_keep_the_last_frame_it_validated(
    validator: Validator, good: dict[str, pd.DataFrame]
) -> None:
    import gc
    import weakref

    import flows.validation

    seen: list[weakref.ref[pd.DataFrame]] = []
    original = flows.validation.for_gx

    def spy(frame: pd.DataFrame) -> pd.DataFrame:
        copy = original(frame)
        seen.append(weakref.ref(copy))
        return copy

    flows.validation.for_gx = spy
    try:
        assert validator.validate("sentences", good["sentences"]).success
    finally:
        flows.validation.for_gx = original
    gc.collect()
    assert seen and seen[0]() is None, "the frame GX validated is released after its validation"
