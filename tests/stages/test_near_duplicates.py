"""Near-duplicates: the same story republished with another headline, byline or boilerplate is one story;
different stories on the same event stay two; the earliest article is the original."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from datasketch import MinHash

from flows.settings import PROJECT_ROOT
from stages.near_duplicates import (
    MIN_SHINGLES,
    NUM_PERM,
    SCHEME,
    SEED,
    THRESHOLD,
    SignatureIndex,
    mark_near_duplicates,
    shingle_hashes,
    signature,
    signatures,
    words,
)

# A wire story of ~300 words.
STORY = """GENEVA, March 3 - Russian and U.S. negotiators ended two days of talks in Geneva on Tuesday without
agreement on a new ceasefire in eastern Ukraine, but said they would meet again within a month.

Secretary of State Antony Blinken told reporters the talks had been "frank and useful" and that Washington
would keep pressing Moscow to withdraw heavy weapons from the front line near Donetsk. He said the United
States was ready to discuss a monitoring mission led by the Organization for Security and Co-operation in
Europe if both sides agreed to its terms.

Foreign Minister Sergei Lavrov said Russia wanted written guarantees that NATO would not expand further
east, a demand Western governments have repeatedly rejected. "We heard nothing new today," Lavrov said,
adding that his government would study the American proposals carefully before the next round.

Ukrainian officials, who were not at the table, said they had been briefed by both delegations in the
evening. A spokesman for the foreign ministry in Kyiv said any settlement had to restore Ukrainian control
of the border and could not be agreed over the heads of Ukrainians.

Diplomats said the two sides had narrowed their differences on prisoner exchanges and on the reopening of
crossing points for civilians, which have been closed since the autumn. Aid agencies say more than a
million people on both sides of the line depend on those crossings for pensions, food and medicine.

Markets took little notice of the talks. The rouble was steady against the dollar in Moscow trading and
European gas prices fell for a third day as mild weather reduced demand across the continent.

The next round is expected to take place in Vienna in early April, officials said, although no date has
been fixed and both sides warned that fighting could intensify before then."""

# Another story on the same event: the same names, places and some phrases, written apart.
SAME_EVENT = """Talks between Moscow and Washington in Geneva broke up on Tuesday with no ceasefire deal, and
Ukrainians said they were worried that decisions about their country were being taken without them.

In Kyiv, crowds gathered outside the foreign ministry as the talks ended. A spokesman for the foreign
ministry said Ukraine would accept no settlement agreed over the heads of Ukrainians and repeated that
control of the border must be restored first.

Antony Blinken, speaking briefly after the talks, said the United States stood with Kyiv. Sergei Lavrov
said Russia still wanted guarantees on NATO. Neither man took questions from Ukrainian journalists.

Residents of Donetsk interviewed by telephone described heavy shelling overnight near the front line and
said the crossing points for civilians remained closed, leaving older people without pensions for a
fourth month. Aid agencies appealed again for the crossings to be reopened before the spring.

Analysts in Kyiv said the Geneva meeting showed how little room there was for compromise, and that a
monitoring mission by the OSCE would only work if both armies pulled back their heavy weapons first."""

NEW_HEADLINE = "Geneva talks end without ceasefire deal, next round in April\n\n"
BYLINE = "By Jane Doe and John Roe, staff correspondents\n\n"
BOILERPLATE = "\n\nSign up for our morning briefing to get the day's top stories delivered to your inbox."
CREDIT = "\n\n(Reporting by Jane Doe in Geneva and John Roe in Moscow; Editing by Mark Smith)"


def frame(*texts: str) -> pd.DataFrame:
    ids = [f"{k:016x}" for k in range(1, len(texts) + 1)]
    return pd.DataFrame({"article_id": ids, "raw_text": list(texts), "title": ["t"] * len(texts)})


def marked(*texts: str, earlier: SignatureIndex | None = None) -> list[str | None]:
    articles = frame(*texts)
    out = mark_near_duplicates(articles, signatures(articles), earlier or SignatureIndex())
    return [None if pd.isna(v) else v for v in out["duplicate_of"]]


def rewrapped(text: str) -> str:
    """The same words, other line breaks and spaces (a no-break space too), as a re-typeset copy has."""
    return "  ".join(text.split()).replace("  the ", "\u00a0the\n")


COPIES = [
    # (what the republisher changed, the copy)
    ("a new headline line on top", NEW_HEADLINE + STORY),
    ("a byline", BYLINE + STORY),
    ("a boilerplate line at the end", STORY + BOILERPLATE),
    ('a trailing "Reporting by ..." credit', STORY + CREDIT),
    ("whitespace and line breaks only", rewrapped(STORY)),
    ("typographic quotes and dashes", STORY.replace('"', "\u201c").replace(" - ", " \u2014 ")),
    ("headline, byline, credit and boilerplate together", NEW_HEADLINE + BYLINE + STORY + CREDIT),
]


@pytest.mark.parametrize(("change", "copy"), COPIES, ids=[c[0] for c in COPIES])
def test_a_republished_copy_points_at_the_original(change: str, copy: str) -> None:
    assert marked(STORY, copy) == [None, "0000000000000001"], f"{change}: still the same story"


NEAR_MISSES = [
    # (why they are two stories, first, second)
    ("another story on the same event: same names, places and some phrases", STORY, SAME_EVENT),
    (
        "the story cut to its first two paragraphs: much less text",
        STORY,
        "\n\n".join(STORY.split("\n\n")[:2]),
    ),
    (
        "the story with a second story of the same length appended: half of it is new",
        STORY,
        STORY + "\n\n" + SAME_EVENT,
    ),
    (
        "two short briefs of the same words: too little text to tell a copy from a look-alike",
        "Qtly div eight cts vs eight cts prior. Pay June 1. Record May 15.",
        "Qtly div eight cts vs eight cts prior. Pay June 1. Record May 15 ",
    ),
]


@pytest.mark.parametrize(("why", "first", "second"), NEAR_MISSES, ids=[n[0] for n in NEAR_MISSES])
def test_near_misses_stay_two_stories(why: str, first: str, second: str) -> None:
    assert marked(first, second) == [None, None], why


def test_measured_similarities_are_far_from_the_threshold_both_ways() -> None:
    """The cases above are not decided by luck: the estimates are well clear of the threshold."""
    original = signature(STORY)
    assert original is not None
    for change, copy in COPIES:
        copied = signature(copy)
        assert copied is not None and np.mean(copied == original) >= THRESHOLD + 0.02, change
    other = signature(SAME_EVENT)
    assert other is not None and np.mean(other == original) < 0.2, "a different story shares almost nothing"


def test_a_short_text_has_no_signature_and_is_never_a_copy() -> None:
    brief = "Shares in Acme rose 3 percent on Monday after results."
    assert len(shingle_hashes(brief)) < MIN_SHINGLES and signature(brief) is None
    assert signatures(frame(brief)).empty
    assert marked(brief, brief + " ") == [None, None]


def test_empty_text_and_empty_input() -> None:
    assert words("") == [] and len(shingle_hashes("   \n ")) == 0
    empty = frame()
    out = mark_near_duplicates(empty, signatures(empty), SignatureIndex())
    assert out.empty and "duplicate_of" in out.columns
    assert list(signatures(empty).columns) == ["article_id", "minhash"]


def test_earliest_wins_within_a_night_in_input_order() -> None:
    assert marked(CREDIT.strip() + "\n\n" + STORY, STORY) == [None, "0000000000000001"], (
        "the first one ingested is the original, whichever looks cleaner"
    )
    assert marked(STORY, BYLINE + STORY, STORY + CREDIT) == [None, "0000000000000001", "0000000000000001"]


def test_a_copy_of_a_copy_points_at_the_original() -> None:
    extra1 = " ".join(f"first added sentence number {k} about the aid convoys." for k in range(5))
    extra2 = " ".join(f"second added sentence number {k} about the gas prices." for k in range(5))
    a, b = STORY, STORY + "\n\n" + extra1
    c = STORY + "\n\n" + extra1 + "\n\n" + extra2
    sa, sb, sc = signature(a), signature(b), signature(c)
    assert sa is not None and sb is not None and sc is not None
    assert np.mean(sc == sa) < THRESHOLD <= np.mean(sc == sb), "c resembles b, not a"
    assert marked(a, b, c) == [None, "0000000000000001", "0000000000000001"]


def published(*texts: str, duplicate_of: list[str | None] | None = None) -> SignatureIndex:
    """An index of earlier nights' articles, ids 00000000000000a1, ...a2 (oldest first)."""
    ids = [f"00000000000000a{k}" for k in range(1, len(texts) + 1)]
    signed = signatures(pd.DataFrame({"article_id": ids, "raw_text": list(texts)}))
    originals = pd.DataFrame({"article_id": ids, "duplicate_of": duplicate_of or [None] * len(ids)})
    return SignatureIndex.of(signed, originals)


def test_an_article_of_an_earlier_night_wins_over_tonights() -> None:
    earlier = published(STORY)
    assert marked(BYLINE + STORY, STORY + CREDIT, earlier=earlier) == ["00000000000000a1"] * 2
    assert len(earlier) == 1, "marking does not change the index; the caller adds the chunk"


def test_a_copy_of_a_published_copy_points_at_its_original() -> None:
    earlier = published(SAME_EVENT, BYLINE + STORY, duplicate_of=[None, "0123456789abcdef"])
    assert marked(STORY + CREDIT, earlier=earlier) == ["0123456789abcdef"], (
        "the published copy's original, even when it is older than the window"
    )


def test_chunks_added_to_the_index_are_found_by_later_chunks() -> None:
    index = SignatureIndex()
    for k in range(40):  # merged segments must still find every entry
        night = frame(SAME_EVENT + f" Chunk {k} " * 30)
        night["article_id"] = [f"{k:016x}"]
        signed = signatures(night)
        index.add(signed, mark_near_duplicates(night, signed, index)[["article_id", "duplicate_of"]])
    assert len(index) == 40
    assert marked(STORY + CREDIT, earlier=index) == [None]
    originals = pd.DataFrame({"article_id": ["00000000000000ff"], "duplicate_of": [None]})
    index.add(signatures(frame(STORY)).assign(article_id="00000000000000ff"), originals)
    assert marked(STORY + CREDIT, earlier=index) == ["00000000000000ff"]


def test_inputs_are_not_changed() -> None:
    articles = frame(STORY, STORY + CREDIT)
    before = articles.copy()
    signed = signatures(articles)
    out = mark_near_duplicates(articles, signed, SignatureIndex())
    pd.testing.assert_frame_equal(articles, before)
    assert out is not articles and "duplicate_of" not in articles.columns


def test_the_signature_is_datasketchs_minhash_of_the_shingles() -> None:
    """The signer skips update_batch's per-value hash call; it must give the same values."""
    reference = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=lambda v: v, scheme=SCHEME)
    reference.update_batch(shingle_hashes(STORY * 3).tolist())  # > one block of shingles
    ours = signature(STORY * 3)
    assert ours is not None and ours.dtype == np.uint32
    assert np.array_equal(ours, reference.hashvalues)


def test_the_signature_is_the_same_in_another_process() -> None:
    code = "from stages.near_duplicates import signature; import sys; print(signature(sys.stdin.read()).tolist())"
    other = subprocess.run(
        [sys.executable, "-c", code],
        input=STORY,
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    ours = signature(STORY)
    assert ours is not None and other.stdout.strip() == str(ours.tolist())
