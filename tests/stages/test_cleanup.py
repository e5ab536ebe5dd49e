"""Cleanup: noise lines removed with their kind, paragraphs reflowed, headings kept apart, offsets exact."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from stages.cleanup import clean_article, cleanup, fix_encoding, fold_whitespace, noise_kind, normalize

NOISE_CASES = [
    # (line, expected kind or None, why)
    ("Related article: Ukraine Leader Calls for Talks", "related_link", "the seed's related-article line"),
    (" Related article: Moscow Says West Threatens", "related_link", "with the leading space scrapers leave"),
    ("READ MORE: Markets fall", "read_more", "upper-case variant"),
    ("Read also: What we know", "read_more", "another prompt"),
    ("https://www.themoscowtimes.com/2025/06/25/ukraine-leader", "url", "a bare URL"),
    ("https://a.example/x https://b.example/y", "url", "two URLs on one line"),
    ("Advertisement", "promo", "furniture"),
    ("Subscribe to our newsletter", "promo", "a subscribe prompt"),
    ("(Reporting by Jane Doe; Editing by John Roe)", "credit", "wire credit line"),
    ("Photo: AFP", "credit", "photo credit"),
    ("Copyright 2024 Example News", "credit", "copyright line"),
    ("This article was updated at 10:00.", "credit", "update note"),
    # near misses: story text that looks a little like noise must stay
    ("Related talks are planned for next week.", None, "'Related' at the start of a real sentence"),
    ("Read the full statement, the minister said.", None, "'Read' not followed by more/also"),
    ("Copyright law was changed in 2019, lawmakers said.", None, "'Copyright' as a subject, not a notice"),
    ("The site https://example.org was down, officials said.", None, "a URL inside a sentence"),
    ("Subscribers were told on Monday.", None, "'Subscribers' is not 'Subscribe'"),
]


@pytest.mark.parametrize(("line", "kind", "why"), NOISE_CASES, ids=[c[2] for c in NOISE_CASES])
def test_noise_kind(line: str, kind: str | None, why: str) -> None:
    assert noise_kind(line) == kind, why


def test_the_seed_gives_exactly_the_gold_paragraphs_and_removed_lines(
    seed_bytes: bytes, gold: dict[str, Any]
) -> None:
    paragraphs, removed = clean_article(seed_bytes.decode())
    assert [(p["kind"], p["text"]) for p in paragraphs] == [
        (p["kind"], p["text"]) for p in gold["paragraphs"]
    ]
    assert [(r["kind"], r["text"]) for r in removed] == [(r["kind"], r["text"]) for r in gold["removed"]]


def test_offsets_point_at_the_raw_bytes_each_paragraph_came_from(seed_bytes: bytes) -> None:
    raw = seed_bytes.decode()
    paragraphs, removed = clean_article(raw)
    for row in [*paragraphs, *removed]:
        assert fold_whitespace(raw[row["raw_start"] : row["raw_end"]]) == row["text"]


CASES = [
    # (raw, expected [(kind, text)], why)
    (
        "One line\nwrapped here.\n\nSecond para.",
        [("body", "One line wrapped here."), ("body", "Second para.")],
        "hard wraps are reflowed; a blank line ends a paragraph",
    ),
    (
        "Story text goes on.\nRelated article: Elsewhere\nMore story.",
        [("body", "Story text goes on."), ("body", "More story.")],
        "a noise line glued under a paragraph ends it",
    ),
    (
        "'Nightmare scenario'\n\nThe text.",
        [("heading", "'Nightmare scenario'"), ("body", "The text.")],
        "a short unpunctuated line on its own is a heading",
    ),
    (
        "Talks resume\nThe two sides met again on Monday in Geneva after a pause of\nthree weeks, officials said.",
        [
            ("heading", "Talks resume"),
            (
                "body",
                "The two sides met again on Monday in Geneva after a pause of three weeks, officials said.",
            ),
        ],
        "a heading glued to the next paragraph is not merged into it",
    ),
    (
        "He said:\n\nIt is over.",
        [("body", "He said:"), ("body", "It is over.")],
        "a line ending in a colon is not a heading",
    ),
    (
        "Caf\u00c3\u00a9 &amp; bar \u00e2\u20ac\u201c open.",
        [("body", "Caf\u00e9 & bar \u2013 open.")],
        "mojibake and entities fixed",
    ),
    ("   \n \n", [], "nothing but blank lines"),
    ("", [], "empty input"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_paragraphs(raw: str, expected: list[tuple[str, str]], why: str) -> None:
    paragraphs, _ = clean_article(raw)
    assert [(p["kind"], p["text"]) for p in paragraphs] == expected, why


def test_cleaners_are_small_and_chained() -> None:
    assert fix_encoding("It\u00e2\u20ac\u2122s") == "It\u2019s"
    assert fix_encoding("\u201cquoted\u201d") == "\u201cquoted\u201d", "curly quotes are kept, not uncurled"
    assert fold_whitespace("  a \n\t b  ") == "a b"
    assert normalize(" a&amp;b \n c ") == "a&b c"


def test_cleanup_frame_keeps_article_ids_and_does_not_touch_its_input(seed_bytes: bytes) -> None:
    articles = pd.DataFrame({"article_id": ["a" * 16, "b" * 16], "raw_text": [seed_bytes.decode(), ""]})
    before = articles.copy()
    paragraphs, removed = cleanup(articles)
    pd.testing.assert_frame_equal(articles, before)
    assert set(paragraphs["article_id"]) == {"a" * 16}
    assert list(paragraphs["paragraph_index"]) == list(range(28))
    assert len(removed) == 4 and removed["removed_index"].tolist() == [0, 1, 2, 3]


def test_cleanup_of_no_articles_is_empty() -> None:
    paragraphs, removed = cleanup(pd.DataFrame({"article_id": [], "raw_text": []}))
    assert paragraphs.empty and removed.empty
