"""The candidate test: which sentences are worth a parse."""

from __future__ import annotations

import pytest

from stages.attribution.cues import CUE_LEMMAS, is_candidate


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        ("Blinken said Russia must stop.", True, "an inflected cue verb"),
        ("Moscow told Kiev to back off.", True, "an irregular form (told) of a cue"),
        ("Prices rose, according to the report.", True, "according to"),
        ("“We will win.”", False, "a quotation mark alone: no statement, or a continued one"),
        ('"We will win." ― Jane Doe', True, "a quotation signed with a dash"),
        ("He announced a plan.", True, "a regular past form"),
        ("She admitted it.", True, "a doubled consonant (admit -> admitted)"),
        ("The United States and its plans.", False, "near miss: forms news uses as nouns"),
        ("The unsaid word.", False, "near miss: a cue form inside a word"),
        ("The troops crossed the border at dawn.", False, "no cue word, no quote"),
        ("", False, "empty text"),
        ("SMITH: We will see.", True, "a transcript's turn: a name in capitals and a colon"),
        ("Update: the roads are closed.", False, "near miss: a colon after a word not in capitals"),
        ("The troops crossed the 'red line' at dawn.", False, "single quotes are not quotations here"),
    ],
)
def test_is_candidate(text: str, expected: bool, reason: str) -> None:
    assert is_candidate(text) is expected, reason


def test_lexicon_is_lower_case_lemmas() -> None:
    assert all(lemma == lemma.lower() and " " not in lemma for lemma in CUE_LEMMAS)
    assert {"say", "tell", "accuse", "deny", "criticise", "criticize"} <= set(CUE_LEMMAS)
