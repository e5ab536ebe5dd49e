"""The models the stages are given, built once from ``data/reference/`` (the only place that reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


# pycountry names that are ordinary words or parts of other names in English news ("New Jersey").
AMBIGUOUS_COUNTRY_NAMES = frozenset({"Jersey", "Guernsey", "Christmas Island", "Georgia"})
CUSTOM_ACTORS = "custom_actors.csv"


def country_frame(reference_dir: Path) -> pd.DataFrame:
    """``countries.csv`` (names, capitals, demonyms) plus every other ISO 3166-1 country and
    territory known to pycountry, by its alpha-3 code and common name."""
    import pycountry

    listed = _read(reference_dir, "countries.csv")
    known = set(listed["actor_id"])
    extra = []
    for country in pycountry.countries:
        name = str(getattr(country, "common_name", None) or country.name).split(" (")[0]
        if country.alpha_3 in known or "," in name or name in AMBIGUOUS_COUNTRY_NAMES:
            continue
        extra.append(
            {"actor_id": country.alpha_3, "name": name, "aliases": "", "capitals": "", "demonyms": ""}
        )
    return pd.concat([listed, pd.DataFrame(extra, columns=listed.columns)], ignore_index=True)


def load_tagger(reference_dir: Path, models_dir: Path | None = None) -> StanceTagger:
    """The stance tagger with the actors and cues of the reference data, and the trained
    target-sentiment model from ``models_dir`` when there is one."""
    from flows.training import load_stance_model

    custom = reference_dir / CUSTOM_ACTORS
    gazetteer = Gazetteer.from_frames(
        country_frame(reference_dir),
        _read(reference_dir, "organizations.csv"),
        _read(reference_dir, "institutions.csv"),
        _read(reference_dir, "people.csv"),
        _read(reference_dir, CUSTOM_ACTORS) if custom.is_file() else None,
    )
    cues = _read(reference_dir, "cues.csv")
    sentiment = load_stance_model(models_dir) if models_dir is not None else None
    return StanceTagger(
        gazetteer, CueLexicon.from_frame(cues.assign(weight=cues["weight"].astype(float))), sentiment
    )


def load_language_model() -> Any:
    """py3langid's model (the file shipped inside the package, ~70 MB of read-only arrays)."""
    from py3langid.langid import MODEL_FILE
    from py3langid.langid import LanguageIdentifier as LangId

    return LangId.from_model_file(MODEL_FILE)


def load_models(reference_dir: Path, models_dir: Path | None = None, language_model: Any = None) -> Models:
    """The language identifier, the sentence splitter and the stance tagger (``language_model``:
    py3langid's model when already loaded, see ``load_language_model``)."""
    return Models(
        identify_language=make_language_identifier(language_model or load_language_model()),
        segmenter=load_splitter(reference_dir),
        tagger=load_tagger(reference_dir, models_dir),
    )
