"""Cleanup: noise lines removed with their kind, paragraphs reflowed, headings kept apart, offsets exact."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from stages.cleanup import clean_article, cleanup, fix_encoding, fold_whitespace, normalize

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
    ("Read more about the plan in the report, she said.", None, "'Read more' opening a real sentence"),
    ("Image 1 of 23", "credit", "gallery counter"),
    ("Copyright law was changed in 2019, lawmakers said.", None, "'Copyright' as a subject, not a notice"),
    ("The site https://example.org was down, officials said.", None, "a URL inside a sentence"),
    ("Subscribers were told on Monday.", None, "'Subscribers' is not 'Subscribe'"),
]


@pytest.mark.parametrize(("line", "kind", "why"), NOISE_CASES, ids=[c[2] for c in NOISE_CASES])
def test_noise_line_is_removed_with_its_kind(line: str, kind: str | None, why: str) -> None:
    _, removed = clean_article(line, page_dump=False)
    assert [r["kind"] for r in removed] == ([] if kind is None else [kind]), why


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
        "The minister said on Monday that the talks\nwould resume next week in Geneva.\n\nSecond para.",
        [
            ("body", "The minister said on Monday that the talks would resume next week in Geneva."),
            ("body", "Second para."),
        ],
        "hard wraps are reflowed; a blank line ends a paragraph",
    ),
    (
        "No third-party candidate has ever been elected; none since the 1850s\nhas come close to winning any state, a third-\nparty official said.",
        [
            (
                "body",
                "No third-party candidate has ever been elected; none since the 1850s has come close to winning any state, a third-party official said.",
            )
        ],
        "a word broken after its hyphen is re-joined, not spaced",
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
        "Home\nWorld\nPolitics\nBusiness",
        [("heading", "Home"), ("heading", "World"), ("heading", "Politics"), ("heading", "Business")],
        "a block of short lines is a list, not a paragraph to reflow (too few to be a page dump)",
    ),
    (
        "It ended.\n(Reporting by Jane Doe in Kyiv; Editing by\nJohn Roe)\nNext story line.",
        [("body", "It ended."), ("body", "Next story line.")],
        "a wire credit wrapped over two lines is removed whole",
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


STORY = [
    "Officials in the capital said on Tuesday that the new bridge would open to traffic next spring, "
    "two years later than planned, after a dispute over funding was settled.",
    "The project, which will link the old town to the northern districts, has cost more than twice its "
    "original budget, according to figures released by the city council this week.",
    "Residents have complained for years about the noise and dust from the building site, and many said "
    "they would believe the opening date only when they could drive across.",
]
PAGE = "\n".join(
    [
        "Example Post - News",
        "",
        "Subscribe",
        "Sign In",
        "",
        "Home",
        "World",
        "Politics",
        "Business",
        "Sport",
        "Opinion",
        "",
    ]
    + ["Bridge to open next spring", "", "By A. Reporter", ""]
    + [p + "\n" for p in STORY]
    + [
        "Most read",
        "",
        "Council election results",
        "Weather warning for Friday",
        "Top 10 restaurants",
        "",
        "We use cookies to improve your experience. By using this site you accept our cookie policy.",
        "",
        "About us",
        "Contact",
        "Terms",
        "Privacy",
    ]
)


def test_a_whole_page_dump_keeps_the_story_and_removes_the_furniture_as_boilerplate() -> None:
    paragraphs, removed = clean_article(PAGE)
    assert [p["text"] for p in paragraphs if p["kind"] == "body"] == STORY
    removed_text = {r["text"]: r["kind"] for r in removed}
    for junk in ("Home", "Politics", "Most read", "Weather warning for Friday", "Privacy"):
        assert removed_text[junk] == "boilerplate"
    assert any("cookies" in t for t in removed_text)


def test_an_article_with_a_few_subheadings_is_not_treated_as_a_page_dump(seed_bytes: bytes) -> None:
    raw = "Ukraine talks\n\n" + seed_bytes.decode() + "\n\nWhat next\n\nMore talks are planned.\n"
    paragraphs, removed = clean_article(raw)
    assert paragraphs[0]["text"] == "Ukraine talks" and paragraphs[-1]["text"] == "More talks are planned."
    assert "boilerplate" not in {r["kind"] for r in removed}


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
    paragraphs, removed = cleanup(articles, lambda text: "en")
    pd.testing.assert_frame_equal(articles, before)
    assert set(paragraphs["article_id"]) == {"a" * 16}
    assert list(paragraphs["paragraph_index"]) == list(range(28))
    assert len(removed) == 4 and removed["removed_index"].tolist() == [0, 1, 2, 3]


def test_cleanup_of_no_articles_is_empty() -> None:
    paragraphs, removed = cleanup(pd.DataFrame({"article_id": [], "raw_text": []}), lambda text: "en")
    assert paragraphs.empty and removed.empty


def test_every_paragraph_carries_its_articles_language() -> None:
    articles = pd.DataFrame(
        {
            "article_id": ["a" * 16, "b" * 16, "c" * 16],
            "raw_text": ["Hello there.", "Hallo zusammen.", "https://x.example"],
        }
    )
    seen: list[str] = []

    def identify(text: str) -> str:
        seen.append(text)
        return "de" if "Hallo" in text else "en"

    paragraphs, _ = cleanup(articles, identify)
    assert paragraphs[["article_id", "language"]].values.tolist() == [["a" * 16, "en"], ["b" * 16, "de"]]
    assert seen == ["Hello there.", "Hallo zusammen."], (
        "an article with no body text is not sent to the model"
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The minister said the talks would resume next week in Geneva.", "en"),
        ("Der Minister sagte, die Gespräche würden nächste Woche in Genf fortgesetzt.", "de"),
        ("Министр заявил, что переговоры возобновятся на следующей неделе в Женеве.", "ru"),
        ("El ministro dijo que las conversaciones se reanudarían la próxima semana en Ginebra.", "es"),
        # 20+ words: the English fast path answers for English, and a look-alike goes to the model
        (
            "The minister said on Monday that the talks with the delegation from the north would resume in "
            "Geneva next week, and that he was hopeful of a deal by the end of the year.",
            "en",
        ),
        (
            "De minister zei maandag dat de gesprekken met de delegatie uit het noorden volgende week in "
            "Genève worden hervat en dat hij hoopt op een akkoord voor het einde van het jaar.",
            "nl",
        ),
    ],
)
def test_the_default_language_identifier(text: str, language: str, resources: Any) -> None:
    assert resources.identify_language(text) == language


def test_html_text_is_never_cut_as_a_page_dump() -> None:
    menu = "\n\n".join(["Home", "World", "Politics", "Business", "Sport", "Opinion"])
    articles = pd.DataFrame({"article_id": ["a" * 16] * 2, "raw_text": [menu] * 2, "format": ["html", "txt"]})
    articles.loc[1, "article_id"] = "b" * 16
    paragraphs, removed = cleanup(articles, lambda text: "en")
    assert set(paragraphs["article_id"]) == {"a" * 16}, (
        "trafilatura already chose the article: keep its lines"
    )
    assert set(removed.loc[removed["article_id"] == "b" * 16, "kind"]) <= {"boilerplate"}
