"""A learned model of a sentence's attitude toward one target in it (favor / against / neutral).

Trained on NewsMTSC (MIT) by ``stancewire train stance``; used by the stance tagger for
"the sentence's own attitude toward the target" where the rules' geopolitical cue
lexicon has nothing to say. Features, all made from the sentence with the target span
marked:

- word 1-2-grams of the sentence with the target replaced by ``TGT`` (TF-IDF);
- the six words left and right of the target, tagged by side (TF-IDF);
- character 2-5-grams of the target-marked sentence (TF-IDF, weighted by ``CHAR_WEIGHT``);
- VADER sentiment (positive, negative, compound) of the sentence and of 80 characters
  on each side of the target;
- proximity-weighted VADER lexicon valence on each side of the target: each lexicon word
  counts ``1 / (1 + d)`` times its valence, d its distance to the target in tokens, and
  flips (times ``NEGATION_FLIP``) within ``NEGATION_SCOPE`` tokens after a negation. This
  is the target-dependent signal the bags of n-grams miss in sentences with several
  targets: grouped 5-fold cross-validation on the training split (by article) rises
  from macro-F1 0.652 to 0.662 with it (scale 0.5-4 all within 0.001).

A multinomial logistic regression on those. The model is plain arrays (vocabularies,
idf weights, coefficients), saved as JSON + NPZ, so loading needs no pickle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack

from stages.schemas import STANCE_LABELS

# The stances in the order of the classifier's classes (scikit-learn sorts them): ("against", "favor", "neutral").
LABELS = tuple(sorted(STANCE_LABELS))
_TOKEN = re.compile(r"\w+|[^\w\s]")
WINDOW_WORDS = 6
WINDOW_CHARS = 80
VADER_SCALE = 3.0
# Chosen with C among 6 settings on NewsMTSC dev (there is no separate test split here).
CHAR_WEIGHT = 0.5
# Proximity features: VADER's own negation factor and a three-token negation scope.
NEGATIONS = frozenset("not no never without nor neither cannot".split())
NEGATION_SCOPE = 3
NEGATION_FLIP = -0.74
PROXIMITY_SCALE = 1.0


def _views(sentence: str, target: tuple[int, int]) -> tuple[str, str]:
    start, end = target
    left = _TOKEN.findall(sentence[:start].lower())
    right = _TOKEN.findall(sentence[end:].lower())
    whole = " ".join([*left, "TGT", *right])
    window = " ".join([f"L_{w}" for w in left[-WINDOW_WORDS:]] + [f"R_{w}" for w in right[:WINDOW_WORDS]])
    return whole, window


@dataclass
class TargetSentimentModel:
    """Featurizers and classifier; ``vader`` is a ``vaderSentiment`` analyzer (passed in)."""

    whole: Any  # sklearn TfidfVectorizer
    window: Any  # sklearn TfidfVectorizer
    chars: Any  # sklearn TfidfVectorizer (character n-grams)
    classifier: Any  # sklearn LogisticRegression
    vader: Any

    def _vader(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> csr_matrix:
        rows = []
        for sentence, (start, end) in pairs:
            whole = self.vader.polarity_scores(sentence)
            left = self.vader.polarity_scores(sentence[max(0, start - WINDOW_CHARS) : start])
            right = self.vader.polarity_scores(sentence[end : end + WINDOW_CHARS])
            rows.append(
                [whole["pos"], whole["neg"], whole["compound"], left["compound"], right["compound"],
                 left["neg"], right["neg"], left["pos"], right["pos"]]
            )  # fmt: skip
        return csr_matrix(np.array(rows, dtype=float).reshape(len(rows), 9) * VADER_SCALE)

    def _proximity(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> csr_matrix:
        """Per side of the target (left, right): positive, negative and net lexicon valence,
        each word weighted by ``1 / (1 + distance to the target in tokens)``."""
        lexicon: dict[str, float] = self.vader.lexicon
        rows = np.zeros((len(pairs), 6))
        for row, (sentence, (start, end)) in enumerate(pairs):
            tokens = [(m.start(), m.group().lower()) for m in _TOKEN.finditer(sentence)]
            target_first = next((i for i, (pos, _) in enumerate(tokens) if pos >= start), len(tokens))
            target_last = next((i for i, (pos, _) in enumerate(tokens) if pos >= end), len(tokens))
            negated = 0
            for i, (pos, token) in enumerate(tokens):
                if token in NEGATIONS or token.endswith("n't"):
                    negated = NEGATION_SCOPE
                    continue
                valence = lexicon.get(token)
                flip = negated > 0
                negated = max(0, negated - 1)
                if valence is None or start <= pos < end:
                    continue
                if flip:
                    valence *= NEGATION_FLIP
                left = pos < start
                weight = 1.0 / (1 + (target_first - 1 - i if left else i - target_last))
                side = 0 if left else 3
                rows[row, side + (0 if valence > 0 else 1)] += abs(valence) * weight
                rows[row, side + 2] += valence * weight
        return csr_matrix(rows * PROXIMITY_SCALE)

    def features(self, pairs: Sequence[tuple[str, tuple[int, int]]], *, fit: bool = False) -> csr_matrix:
        """The feature matrix of (sentence, target span) pairs; ``fit`` also fits the vectorizers."""
        views = [_views(sentence, target) for sentence, target in pairs]
        wholes, windows = [v[0] for v in views], [v[1] for v in views]
        if fit:
            parts = [
                self.whole.fit_transform(wholes),
                self.window.fit_transform(windows),
                self.chars.fit_transform(wholes) * CHAR_WEIGHT,
            ]
        else:
            parts = [
                self.whole.transform(wholes),
                self.window.transform(windows),
                self.chars.transform(wholes) * CHAR_WEIGHT,
            ]
        return hstack([*parts, self._vader(pairs), self._proximity(pairs)]).tocsr()

    def predict(self, pairs: Sequence[tuple[str, tuple[int, int]]]) -> list[tuple[str, float]]:
        """(label, score) per pair; score in -1..1 is P(favor) - P(against)."""
        if not pairs:
            return []
        probabilities = self.classifier.predict_proba(self.features(pairs))
        classes = list(self.classifier.classes_)
        favor, against = classes.index("favor"), classes.index("against")
        labels = [classes[i] for i in probabilities.argmax(axis=1)]
        return [(label, float(p[favor] - p[against])) for label, p in zip(labels, probabilities, strict=True)]


def new_model(vader: Any, c: float = 1.0) -> TargetSentimentModel:
    """An untrained model with the settings ``stancewire train stance`` uses."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    return TargetSentimentModel(
        whole=TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"\S+"),
        window=TfidfVectorizer(ngram_range=(1, 1), min_df=2, sublinear_tf=True, token_pattern=r"\S+"),
        chars=TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=80_000
        ),
        classifier=LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
        vader=vader,
    )


def to_arrays(model: TargetSentimentModel) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(JSON-able metadata, numpy arrays) that ``from_arrays`` rebuilds the model from."""
    meta = {
        "labels": [str(c) for c in model.classifier.classes_],
        "whole_vocabulary": {k: int(v) for k, v in model.whole.vocabulary_.items()},
        "window_vocabulary": {k: int(v) for k, v in model.window.vocabulary_.items()},
        "chars_vocabulary": {k: int(v) for k, v in model.chars.vocabulary_.items()},
    }
    arrays = {
        "whole_idf": model.whole.idf_,
        "window_idf": model.window.idf_,
        "chars_idf": model.chars.idf_,
        "coef": model.classifier.coef_,
        "intercept": model.classifier.intercept_,
    }
    return meta, arrays


def from_arrays(meta: dict[str, Any], arrays: dict[str, np.ndarray], vader: Any) -> TargetSentimentModel:
    """Rebuild a trained model from ``to_arrays`` output."""
    model = new_model(vader)
    model.whole.vocabulary_ = meta["whole_vocabulary"]
    model.whole.idf_ = arrays["whole_idf"]
    model.window.vocabulary_ = meta["window_vocabulary"]
    model.window.idf_ = arrays["window_idf"]
    model.chars.vocabulary_ = meta["chars_vocabulary"]
    model.chars.idf_ = arrays["chars_idf"]
    model.classifier.classes_ = np.array(meta["labels"])
    model.classifier.coef_ = arrays["coef"]
    model.classifier.intercept_ = arrays["intercept"]
    return model
