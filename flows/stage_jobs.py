"""The per-chunk work of the later stages (cleanup, sentences, stances), in this process or in workers.

A Prefect task of the nightly flow hands a ``StageJob`` to a ``StageRunner``. The job
reads the chunk's input from the run's staging area (for a rebuild, cleanup reads a
committed ``articles`` file), calls the stage's pure function and stages its output
tables. It returns the tables it wrote with their row counts; the task then validates
those parts with their Great Expectations suites (in the flow's process, where the one
GX context and Data Docs live) before anything can be published.

The stages are pure Python, so threads share one core. A run of several chunks hands its
jobs to Dask worker processes (``flows.dask_runner``), each with its own resources, loaded
once; a run of one chunk, or ``--workers 0``, uses ``InProcess``. This module imports neither
Prefect, Great Expectations nor Dask, so a worker only loads what the stages need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import pandas as pd

from flows.resources import Resources
from flows.settings import release_free_memory
from flows.storage import Warehouse
from stages.aggregate import article_days
from stages.attribution.frames import attributions
from stages.cleanup import cleanup
from stages.ingest import language_rejects
from stages.role_book import prefer_actor
from stages.schemas import empty_frame
from stages.sentences import DEFAULT_MAX_SENTENCE_CHARS, split_sentences
from stages.stance import TAGGED_LANGUAGE, tag_sentences

CLEANUP, SENTENCES, STANCES = "cleanup", "sentences", "stances"


@dataclass(frozen=True)
class StageJob:
    """One stage of one chunk: everything a worker process needs, and nothing it cannot pickle."""

    stage: str  # CLEANUP, SENTENCES or STANCES
    warehouse: str | Path
    run_id: str
    run_date: date
    part: str
    published: str | None = None  # cleanup and stances of a rebuild: the committed articles file to read
    file_hashes: dict[str, str] | None = None  # cleanup of a nightly run: also its non_english rejects
    max_sentence_chars: int = DEFAULT_MAX_SENTENCE_CHARS  # sentences: the longest sentence made
    attribution: bool = True  # stances: also parse for attributions (False: the table stays empty)
    tagger: str = "model"  # stances: "model" (the sentence model signs the rows) or "fast" (rules alone)


@dataclass(frozen=True)
class Written:
    """One staged part a job wrote."""

    table: str
    part: str
    rows: int


def run_job(job: StageJob, resources: Resources) -> list[Written]:
    """Read the job's input, run its stage with ``resources`` and stage the output tables."""
    store = Warehouse(job.warehouse)

    def read(table: str) -> pd.DataFrame:
        return store.read_part(job.run_id, table, job.run_date, job.part)

    def write(table: str, frame: pd.DataFrame, part: str = job.part) -> Written:
        return Written(table, part, store.write_part(job.run_id, table, job.run_date, frame, part))

    def read_articles(columns: list[str] | None = None) -> pd.DataFrame:
        if job.published is None:
            return store.read_part(job.run_id, "articles", job.run_date, job.part, columns)
        return store.read_committed("articles", job.published, columns)

    if job.stage == CLEANUP:
        articles = read_articles()
        paragraphs, removed = cleanup(articles, resources.identify_language)
        written = [write("removed", removed)]
        if job.file_hashes is not None:
            rejects = language_rejects(articles, paragraphs, job.file_hashes, TAGGED_LANGUAGE)
            written.append(write("rejects", rejects, f"{job.part}-lang"))
        return [*written, write("paragraphs", paragraphs)]
    if job.stage == SENTENCES:
        paragraphs = read("paragraphs")
        return [write("sentences", split_sentences(paragraphs, resources.segmenter, job.max_sentence_chars))]
    if job.stage == STANCES:
        sentences = read("sentences")
        days = article_days(read_articles(["article_id", "published_at"]), job.run_date)
        roles = resources.role_lookup()
        model = resources.sentence_model if job.tagger == "model" else None
        stances, mentions = tag_sentences(sentences, resources.tagger, roles, days, model)
        # The gazetteer's actor first (hand lists, custom actors), the role book's role and the rest.
        resolve = prefer_actor(resources.tagger.gazetteer.actor_of, roles) if roles is not None else None
        dates = dict(zip(days["article_id"].astype(str), days["day"], strict=True))
        said = (
            attributions(sentences, read("paragraphs"), resources.parser, resolve, dates, job.run_date)
            if job.attribution
            else empty_frame("attributions")
        )
        return [write("mentions", mentions), write("stances", stances), write("attributions", said)]
    raise ValueError(f"unknown stage {job.stage!r}")


class StageRunner(Protocol):
    """Runs stage jobs, here or elsewhere; ``close`` releases what it started."""

    @property
    def slots(self) -> int:
        """Jobs it runs at once."""
        ...

    def run(self, job: StageJob) -> list[Written]: ...

    def close(self) -> None: ...


class InProcess:
    """Runs jobs in the calling thread, with resources loaded on first use."""

    slots = 1

    def __init__(self, resources: Callable[[], Resources]) -> None:
        self._resources = resources

    def run(self, job: StageJob) -> list[Written]:
        try:
            return run_job(job, self._resources())
        finally:
            release_free_memory()  # the flow's own process: the chunk's frames leave holes in its heap

    def close(self) -> None:
        pass
