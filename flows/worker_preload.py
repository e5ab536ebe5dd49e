"""Imported once by the fork server that starts stancewire's stage workers (``flows.stage_jobs``).

What this module imports and loads before the workers are forked is shared, copy-on-write,
by all of them: the stages' imports (pandas, pyarrow, ...) and py3langid's model, whose
arrays (~70 MB) are only read. Nothing here depends on settings: the reference data is
loaded by each worker when it starts, so a long-lived ``serve`` never tags with stale
gazetteers. ``gc.freeze()`` keeps the collector from touching (and so copying) these objects.
"""

from __future__ import annotations

import gc

import flows.stage_jobs  # noqa: F401  (its imports are what the workers share)
from flows.models import load_language_model

LANGUAGE_MODEL = load_language_model()
gc.freeze()
