"""split_text: raw text -> sentences as the pipeline makes them (for the splitting evaluation)."""

from __future__ import annotations

from collections.abc import Iterable

from stages.split_text import split_text


def _on_periods(text: str) -> Iterable[tuple[int, int]]:
    """A stand-in segmenter: a sentence ends after every '. '."""
    start = 0
    while (cut := text.find(". ", start)) != -1:
        yield start, cut + 1
        start = cut + 2
    yield start, len(text)


def test_paragraphs_are_segmented_and_a_heading_is_one_sentence() -> None:
    text = "A Short Heading\n\nFirst sentence here. Second one follows.\n"
    assert split_text(text, _on_periods) == ["A Short Heading", "First sentence here.", "Second one follows."]


def test_noise_lines_are_kept_and_lines_reflowed() -> None:
    text = "The talks went on all night in the capital,\nofficials said. Read more: Markets fall\n"
    sentences = split_text(text, _on_periods)
    assert sentences[0] == "The talks went on all night in the capital, officials said."
    assert any("Markets fall" in s for s in sentences), "noise is kept: the gold has it"
