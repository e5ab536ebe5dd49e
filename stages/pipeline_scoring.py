"""Scores of the whole pipeline's stance rows against event-coded sentences (PLOVER GSR style).

Each gold sentence names its source and target actors as codes (ISO 3166-1 alpha-3 for
countries, ``IGO`` for an international organisation) and the sign of the event
(cooperation: favor, conflict: against). The pipeline reads each sentence as an article of
its own; its ``stances`` rows are then scored:

- **recall**: of the sentences with a country pair (an ISO3 source code and an ISO3 target
  code that differ), the share for which some row has its source among the source codes,
  its target among the target codes and the gold sign;
- **precision**: of the non-neutral rows between two different known actors, the share whose
  pair fits the codes (``IGO`` fits any organisation) and whose sign is the gold one. A row with
  a null source or target code has no code pair to fit, and a row with one code on both sides
  (two people of one country) is not an event between two actors: both are left out of
  precision and counted apart (``uncoded_rows``, ``within_one_actor_rows``), as they are left
  out of ``stance_daily``. Recall, which asks for a source and a target code, never uses them.

Pure functions, no IO.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

ORGANISATION_CODE = "IGO"


@dataclass(frozen=True)
class EventCase:
    """One gold sentence: its source and target codes and the event's sign (favor/against)."""

    case_id: str
    source_codes: frozenset[str]
    target_codes: frozenset[str]
    stance: str
    sentence: str = ""


@dataclass(frozen=True)
class PredictedPair:
    """One stance row of the pipeline: source actor, target actor and stance."""

    source: str | None
    target: str | None
    stance: str


def has_country_pair(case: EventCase, countries: Collection[str]) -> bool:
    """Whether the case names a source country and a different target country."""
    sources = case.source_codes & set(countries)
    targets = case.target_codes & set(countries)
    return any(s != t for s in sources for t in targets)


def _fits(actor: str | None, codes: frozenset[str], organisations: Collection[str]) -> bool:
    return actor in codes or (ORGANISATION_CODE in codes and actor in organisations)


def _right(pair: PredictedPair, case: EventCase, organisations: Collection[str]) -> bool:
    return (
        pair.stance == case.stance
        and _fits(pair.source, case.source_codes, organisations)
        and _fits(pair.target, case.target_codes, organisations)
    )


def pipeline_scores(
    cases: Sequence[EventCase],
    predicted: Mapping[str, Sequence[PredictedPair]],
    *,
    countries: Collection[str],
    organisations: Collection[str],
) -> dict[str, float | int]:
    """``recall`` and ``precision`` as the module says, with their counts.

    ``predicted`` maps a case id to the rows the pipeline made of that sentence (a case with
    no entry has no rows); ``countries`` are the ISO3 codes, ``organisations`` the actor ids
    that count as international organisations.
    """
    paired = [c for c in cases if has_country_pair(c, countries)]
    found = sum(
        any(
            p.source in c.source_codes and p.target in c.target_codes and p.stance == c.stance
            for p in predicted.get(c.case_id, ())
        )
        for c in paired
    )
    every_signed = [(p, c) for c in cases for p in predicted.get(c.case_id, ()) if p.stance != "neutral"]
    uncoded = sum(p.source is None or p.target is None for p, _ in every_signed)
    within = sum(p.source is not None and p.source == p.target for p, _ in every_signed)
    signed = [
        (p, c)
        for p, c in every_signed
        if p.source is not None and p.target is not None and p.source != p.target
    ]
    right = sum(_right(p, c, organisations) for p, c in signed)
    return {
        "recall": round(found / len(paired), 4) if paired else 0.0,
        "precision": round(right / len(signed), 4) if signed else 0.0,
        "sentences": len(cases),
        "sentences_with_country_pair": len(paired),
        "found": found,
        "non_neutral_rows": len(signed),
        "right_rows": right,
        "uncoded_rows": uncoded,
        "within_one_actor_rows": within,
    }
