"""What the tasks of one run share: its id and date, settings, source, warehouse and validator, the
stage runner of its chunks, and what it has read and validated so far. No Prefect here: the
tasks (``flows.tasks``) are given a ``RunContext`` and go through its methods."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from flows.resources import Resources
from flows.settings import Settings, release_free_memory
from flows.sources import Source
from flows.stage_jobs import StageJob, StageRunner, Written
from flows.storage import Warehouse
from flows.validation import TableValidation, Validator
from stages.schemas import TABLES

NIGHTLY, REBUILD = "nightly", "rebuild"


@dataclass
class RunContext:
    """Everything the tasks of one run share; ``validations`` collects every suite outcome."""

    run_id: str
    run_date: date
    started_at: datetime
    mode: str  # NIGHTLY or REBUILD
    settings: Settings
    source: Source
    warehouse: Warehouse
    validator: Validator
    load_resources: Callable[[], Resources]  # called once, by the first task that needs them
    processed: set[str] = field(default_factory=set)  # file hashes of earlier runs: not read again
    skipped: set[str] = field(default_factory=set)
    validations: list[TableValidation] = field(default_factory=list)
    # Every attempt writes files of its own names, so a retried run never overwrites a committed file.
    attempt: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    stages: StageRunner | None = None  # set while the chunks' later stages run (see ``running``)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checking: threading.Lock = field(default_factory=threading.Lock)
    _resources: Resources | None = None

    @property
    def resources(self) -> Resources:
        """The language identifier, splitter and tagger, loaded on first use (a run with nothing
        new never loads them)."""
        with self._lock:
            if self._resources is None:
                self._resources = self.load_resources()
            return self._resources

    def part(self, chunk: str) -> str:
        """The file-name part of one chunk in this attempt."""
        return f"{self.attempt}-{chunk}"

    def read_before(self, sha256: str | None) -> bool:
        """Whether a file of this content was read by an earlier run (or earlier in this one)."""
        return sha256 in self.processed

    def mark_read(self, sha256s: Iterable[str]) -> None:
        """Files now read: a copy later in this run is a duplicate, not a new file."""
        with self._lock:
            self.processed.update(sha256s)

    def mark_skipped(self, names: Iterable[str]) -> None:
        """Inbox files not read again (a set: a retried chunk does not count its files twice)."""
        with self._lock:
            self.skipped.update(names)

    def save(self, table: str, frame: pd.DataFrame, part: str) -> pd.DataFrame:
        """Validate ``frame`` with the table's suite (raising on failure), then stage it."""
        self._check(table, frame.assign(run_id=self.run_id))
        self.warehouse.write_part(self.run_id, table, self.run_date, frame, part)
        return frame

    @contextmanager
    def running(self, stages: StageRunner) -> Iterator[StageRunner]:
        """Run the chunks' later stages with ``stages``, closed (its workers stopped) at the end."""
        self.stages = stages
        try:
            yield stages
        finally:
            stages.close()
            self.stages = None

    def run_stage(self, stage: str, part: str, **job: Any) -> list[Written]:
        """Run one stage of one chunk (``job``: the rest of its ``StageJob``); the parts it staged."""
        if self.stages is None:
            raise RuntimeError("no stage runner: run_stage is called inside RunContext.running")
        return self.stages.run(StageJob(stage, self.warehouse.root, self.run_id, self.run_date, part, **job))

    def check_part(self, written: Written) -> None:
        """Validate one staged part with its table's suite (raising ``ValidationFailed``).

        One part at a time: GX validates one frame at a time anyway, and a part read while
        another is validated would only wait in memory."""
        with self._checking:
            self._check(
                written.table,
                self.warehouse.read_part(self.run_id, written.table, self.run_date, written.part),
            )
            release_free_memory()  # the part read back is gone: return its pages

    def validated_rows(self) -> dict[str, int]:
        """Rows of each table that passed its suite in this run."""
        with self._lock:
            return {t: sum(v.n_rows for v in self.validations if v.table == t) for t in TABLES}

    def _check(self, table: str, frame: pd.DataFrame) -> None:
        """Validate ``frame`` (with ``run_id``) and record the outcome; raise when it failed."""
        outcome = self.validator.check(table, frame)
        with self._lock:
            self.validations.append(outcome)
