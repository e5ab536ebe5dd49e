"""The shared regexes of ``stages.patterns`` whose shape was chosen for speed: each must find what
the plain pattern it replaces finds (the stage tests check what the stages make of it)."""

from __future__ import annotations

import re

import pytest

from stages import patterns as P

# MAYBE_MOJIBAKE as first written: three plain alternatives (3x slower to search).
PLAIN_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|[\u0080-\u009f]|&(?:#\\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});"
)


@pytest.mark.parametrize(
    ("text", "found", "why"),
    [
        ("It\u00e2\u20ac\u2122s", "\u00e2\u20ac", "UTF-8 apostrophe read as cp1252"),
        ("caf\u00c3\u00a9", "\u00c3\u00a9", "UTF-8 e-acute read as Latin-1"),
        ("a\u0085b", "\u0085", "a C1 control character"),
        ("Tom &amp; Jerry", "&amp;", "a named entity"),
        ("it&#39;s &#x27;", "&#39;", "a numeric entity, the first of two"),
        ("caf\u00e9 na\u00efve", None, "accented letters alone are not mojibake"),
        ("\u00c3 alone", None, "a lead byte before a space"),
        ("Tom & Jerry", None, "a bare ampersand"),
        ("&a; &abcdefghi;", None, "names of one or of nine letters are not entities"),
        ("R&Dx; labs", "&Dx;", "an unknown name shaped like an entity: ftfy decides"),
        ("", None, "empty text"),
    ],
)
def test_maybe_mojibake_finds_what_the_plain_alternation_finds(
    text: str, found: str | None, why: str
) -> None:
    match = P.MAYBE_MOJIBAKE.search(text)
    plain = PLAIN_MOJIBAKE.search(text)
    assert (match and match.group()) == (plain and plain.group()), why
    assert (match.group() if match else None) == found, why


@pytest.mark.parametrize(
    ("words", "text", "expected"),
    [
        (["U.S.", "U.S.A.", "US"], "The U.S.A., the U.S. and the US.", ["U.S.A.", "U.S.", "US"]),
        (
            ["Russia", "Russian", "Russian Federation"],
            "Russian Federation, Russians, Russia.",
            ["Russian Federation", "Russia"],
        ),
        ([], "anything", []),
    ],
    ids=[
        "longest first, then backing off",
        "a longer word is not cut to a shorter one",
        "no words match nothing",
    ],
)
def test_trie_pattern_matches_like_a_longest_first_alternation(
    words: list[str], text: str, expected: list[str]
) -> None:
    pattern = re.compile(r"(?<![\w])" + P.trie_pattern(words) + r"(?![\w])")
    assert [m.group() for m in pattern.finditer(text)] == expected
