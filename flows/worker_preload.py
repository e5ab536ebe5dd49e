"""Imported once by the fork server that starts stancewire's stage workers (``flows.stage_jobs``),
after ``flows.stage_jobs`` itself (see ``FORKSERVER_PRELOAD`` there).

What the fork server imports and loads before the workers are forked is shared, copy-on-write,
by all of them: the stages' imports (pandas, pyarrow, ...), py3langid's model, whose arrays
(~70 MB) are only read, and spaCy's parser (``load_parser``: ~90 MB with spaCy's imports), whose
weights are only read too. Nothing here depends on settings: the reference data is
loaded by each worker when it starts, so a long-lived ``serve`` never tags with stale
gazetteers. ``gc.freeze()`` keeps the collector from touching (and so copying) these objects.
This module imports nothing of ``flows.stage_jobs``: a worker asks it for the models.
"""

from __future__ import annotations

import gc
from typing import Any

from flows.resources import load_language_model, load_parser

_LANGUAGE_MODEL = load_language_model()
_PARSER = load_parser()
gc.freeze()


def language_model() -> Any:
    """py3langid's model, loaded once when the fork server imported this module."""
    return _LANGUAGE_MODEL


def parser() -> Any:
    """spaCy's parser (``flows.resources.load_parser``), loaded once when the fork server imported
    this module."""
    return _PARSER
