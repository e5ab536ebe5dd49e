"""The cue lexicon (what its cues do to a stance is tested with the tagger's rules)."""

from __future__ import annotations

import pytest

from stages.stance import CueLexicon


def test_lexicon_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        CueLexicon([("warned", "adverb", -1)])
