"""How the sentence model's readings become stance rows (``stages.stance.signing``).

The model here is a table of readings by target: ``sign_rows`` takes any object with
``predict``; the shipped model itself is tested in tests/flows/test_sentence_model.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from stages.stance.actors import Mention
from stages.stance.rows import StanceRow
from stages.stance.signing import holderless_targets, sign_rows


class Readings:
    """(label, score) by the target's words; records what it was asked."""

    def __init__(self, table: dict[str, tuple[str, float]]) -> None:
        self.table = table
        self.asked: list[tuple[str, tuple[int, int]]] = []

    def predict(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> list[tuple[str, float]]:
        self.asked += pairs
        return [self.table[text[a:b]] for text, (a, b) in pairs]


def _row(text: str, target: str, stance: str = "neutral") -> StanceRow:
    start = text.index(target)
    return StanceRow(
        sentence_index=0,
        speaker="Biden",
        source_actor="USA",
        target_actor="RUS",
        stance=stance,
        score={"favor": 0.5, "against": -0.5}.get(stance, 0.0),
        cue="condemned",
        is_quote=False,
        source_name="Joe Biden",
        target_name=target,
        target_start=start,
        target_end=start + len(target),
    )


TEXT = "Biden condemned Russia and thanked Poland."
SIGN_CASES = [
    (
        _row(TEXT, "Russia", "neutral"),
        ("against", -0.91),
        "against",
        -0.91,
        "a row the rules left neutral takes the model's sign and score",
    ),
    (
        _row(TEXT, "Poland", "neutral"),
        ("neutral", 0.05),
        "neutral",
        0.05,
        "... also when the model reads it neutral",
    ),
    (
        _row(TEXT, "Russia", "against"),
        ("against", -0.97),
        "against",
        -0.97,
        "a signed row the model agrees with takes its score",
    ),
    (
        _row(TEXT, "Poland", "against"),
        ("favor", 0.8),
        "against",
        -0.5,
        "near-miss: the model disagrees, the rules' verb decides",
    ),
    (
        _row(TEXT, "Russia", "against"),
        ("neutral", -0.1),
        "against",
        -0.5,
        "a signed row the model calls neutral keeps its sign",
    ),
]


@pytest.mark.parametrize(
    ("row", "reading", "stance", "score", "reason"), SIGN_CASES, ids=[c[4] for c in SIGN_CASES]
)
def test_sign_rows(
    row: StanceRow, reading: tuple[str, float], stance: str, score: float, reason: str
) -> None:
    model = Readings({row.target_name: reading})
    (signed,) = sign_rows([TEXT], [row], model)
    assert (signed.stance, signed.score) == (stance, score), reason
    assert signed.cue == "condemned", "the rules' cue words stay as the evidence"
    assert model.asked == [(TEXT, (row.target_start, row.target_end))]


def test_sign_rows_asks_once_for_all_rows_and_skips_rows_without_a_span() -> None:
    rows = [_row(TEXT, "Russia"), _row(TEXT, "Poland")]
    spanless = StanceRow(0, "Biden", "USA", "RUS", "against", -0.4, "", False, "Joe Biden", "Russia")
    model = Readings({"Russia": ("against", -0.7), "Poland": ("favor", 0.6)})
    signed = sign_rows([TEXT, TEXT, TEXT], [*rows, spanless], model)
    assert [(r.stance, r.score) for r in signed] == [("against", -0.7), ("favor", 0.6), ("against", -0.4)]
    assert len(model.asked) == 2, "the row without a target span is not read, and keeps its stance"


def test_sign_rows_empty_and_mismatched() -> None:
    assert sign_rows([], [], Readings({})) == []
    with pytest.raises(ValueError, match="one sentence per row"):
        sign_rows([TEXT], [], Readings({}))


def _mention(text: str, surface: str, actor: str, kind: str, name: str | None = None, at: int = 0) -> Mention:
    start = text.index(surface, at)
    return Mention(start, start + len(surface), surface, actor, kind, name or surface)


def test_holderless_targets_one_row_per_actor_at_its_first_mention() -> None:
    text = 'Russia\'s "brutal war" on Ukraine: Russian troops and he shelled Kyiv.'
    hits = [
        _mention(text, "Russia", "RUS", "country"),
        _mention(text, "Ukraine", "UKR", "country"),
        _mention(text, "Russian", "RUS", "demonym"),
        _mention(text, "he", "USA", "pronoun"),
        _mention(text, "Kyiv", "UKR", "capital"),
    ]
    rows = holderless_targets(7, text, hits)
    assert [(r.target_actor, r.target_name, r.target_start) for r in rows] == [
        ("RUS", "Russia", 0),
        ("UKR", "Ukraine", text.index("Ukraine")),
    ], "one row per actor, at its first mention; pronouns are no targets"
    assert all(r.source_name is None and r.source_actor is None and r.speaker is None for r in rows)
    assert all(r.sentence_index == 7 and r.stance == "neutral" and r.cue == "" for r in rows)


def test_holderless_targets_by_name_without_an_actor_and_in_quotes() -> None:
    text = 'She said "Acme Corp is a disgrace".'
    rows = holderless_targets(0, text, [_mention(text, "Acme Corp", "", "organization")])
    assert [(r.target_actor, r.target_name, r.is_quote) for r in rows] == [(None, "Acme Corp", True)]


def test_holderless_targets_empty() -> None:
    assert holderless_targets(0, "Nothing here.", []) == []
