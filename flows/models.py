"""The models the stages are given, built once from ``data/reference/`` (the only place that reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stages.cleanup import LanguageIdentifier, make_language_identifier
from stages.sentences import Segmenter, SentenceRules, SentenceSplitter
from stages.stance import CueLexicon, Gazetteer, StanceTagger


@dataclass(frozen=True)
class Models:
    """What the stages are given to work with."""

    identify_language: LanguageIdentifier
    segmenter: Segmenter
    tagger: StanceTagger


def _read(reference_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(reference_dir / name, keep_default_na=False, dtype=str)


def load_splitter(reference_dir: Path) -> SentenceSplitter:
    """The sentence splitter with the rules in ``sentence_rules.csv``."""
    return SentenceSplitter(SentenceRules.from_frame(_read(reference_dir, "sentence_rules.csv")))


def load_tagger(reference_dir: Path, models_dir: Path | None = None) -> StanceTagger:
    """The stance tagger with the actors and cues of the reference data, and the trained
    target-sentiment model from ``models_dir`` when there is one."""
    from flows.training import load_stance_model

    gazetteer = Gazetteer.from_frames(
        _read(reference_dir, "countries.csv"),
        _read(reference_dir, "organizations.csv"),
        _read(reference_dir, "institutions.csv"),
        _read(reference_dir, "people.csv"),
    )
    cues = _read(reference_dir, "cues.csv")
    sentiment = load_stance_model(models_dir) if models_dir is not None else None
    return StanceTagger(
        gazetteer, CueLexicon.from_frame(cues.assign(weight=cues["weight"].astype(float))), sentiment
    )


def load_models(reference_dir: Path, models_dir: Path | None = None) -> Models:
    """The language identifier, the sentence splitter and the stance tagger."""
    return Models(
        identify_language=make_language_identifier(),
        segmenter=load_splitter(reference_dir),
        tagger=load_tagger(reference_dir, models_dir),
    )
