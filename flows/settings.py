"""Paths, settings and environment: the one module that reads ``os.environ``.

Every other module gets its paths and knobs from a ``Settings`` object. Defaults
are relative to the project root (the folder holding ``pyproject.toml``), so the
commands work from any working directory; each can be overridden by an
environment variable or by the command line.

| setting | environment variable | default |
| --- | --- | --- |
| inbox | ``STANCEWIRE_INBOX`` | ``data/samples/`` |
| warehouse: a folder or an object store prefix ``s3://bucket/prefix`` (credentials, region and endpoint from the standard ``AWS_*`` variables; ``AWS_ALLOW_HTTP=true`` for an endpoint without TLS) | ``STANCEWIRE_WAREHOUSE`` | ``data/warehouse/`` |
| reference data | ``STANCEWIRE_REFERENCE`` | ``data/reference/`` |
| trained models | ``STANCEWIRE_MODELS`` | ``data/models/`` |
| expectation suites | (fixed) | ``expectations/`` |
| inbox files per chunk | ``STANCEWIRE_CHUNK_SIZE`` | 200 |
| bytes of inbox files per chunk (one larger file is a chunk alone) | ``STANCEWIRE_CHUNK_BYTES`` | 8 MiB |
| worker processes of the embedded Dask cluster that runs the stages after ingest when a run has several chunks (0: the flow's own process; 2 on two cores is faster, larger) | ``STANCEWIRE_WORKERS`` | 1 |
| a running Dask cluster to run those stages on instead, by its scheduler's address (``tcp://host:8786``); its workers must reach the warehouse | ``STANCEWIRE_DASK_SCHEDULER`` | none: the embedded cluster |
| Data Docs | ``STANCEWIRE_DATA_DOCS`` (0/1) | 1 |
| attribution: parse sentences for who says what (0: the ``attributions`` table stays empty and no sentence is parsed, for nights too large for the parse) | ``STANCEWIRE_ATTRIBUTION`` (0/1) | 1 |
| stance tagger: ``model`` (the rules find who and whom, the sentence model, MiniLM on ONNX Runtime, reads the sign) or ``fast`` (rules and cue weights alone, for backfills over millions of articles) | ``STANCEWIRE_TAGGER`` | model |
| largest article (bytes of a file or a JSON line) | ``STANCEWIRE_MAX_ARTICLE_BYTES`` | 10 MiB |
| largest JSON-lines file, and most a ``.jsonl.gz`` may decompress to | ``STANCEWIRE_MAX_FILE_BYTES`` | 256 MiB |
| longest sentence: one without an end within this many characters is cut into pieces at word boundaries (``sentences.cut_at_limit``), so no sentence costs the tagger more than a bounded amount | ``STANCEWIRE_MAX_SENTENCE_CHARS`` | 2,000 |
| the writer's lease on S3: how long a lease lasts without renewal (renewed every quarter of it), so how long a killed run's warehouse stays busy | ``STANCEWIRE_LEASE_SECONDS`` | 60 |
| near-duplicate lookback: a night's articles are matched against the published articles of this many latest run dates up to its own (0: within the night only; each article of the window holds ~440 bytes of memory) | ``STANCEWIRE_NEAR_DUPLICATE_DAYS`` | 7 |
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Prefect and Great Expectations read these themselves; stancewire only supplies defaults
# (a user's own setting wins). See the README's "Known pitfalls".
RUNTIME_DEFAULTS: dict[str, str] = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    # pyarrow's default allocator (mimalloc) kept freed chunks resident: 30k articles, peak
    # memory of the run and its workers 1,261 -> 975 MB with the system allocator, no slower.
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}


def configure_runtime_environment() -> None:
    """Set the Prefect/GX/Arrow defaults above in this process (and so in the processes it
    starts), before Prefect is imported, and limit glibc's malloc arenas. pyarrow reads its
    allocator setting when it is imported: if it already is, its default pool is set here."""
    for key, value in RUNTIME_DEFAULTS.items():
        os.environ.setdefault(key, value)
    limit_malloc_arenas()
    if "pyarrow" in sys.modules and os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system":
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())


MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for the threads started from now on (``MALLOC_ARENA_MAX``, set
    from inside the process). glibc gives threads up to eight arenas per core, and memory freed
    in one arena is not reused by another: the flow's task threads kept about 80 MB more resident
    (10k articles: 700 -> 620 MB). A user's own ``MALLOC_ARENA_MAX`` wins. False where there is
    no glibc (nothing is changed)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    mallopt = _glibc("mallopt")
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, arenas))


def release_free_memory() -> bool:
    """Hand the free pages inside glibc's heap back to the system (``malloc_trim``), after a
    chunk's stage or validation: glibc only returns memory from the top of its heap, and the
    frames of a chunk leave free holes below live objects. About 5 ms each; peak memory of a
    30k-article run with two workers 996 -> 897 MB, no slower. False where there is no glibc."""
    trim = _glibc("malloc_trim")
    return trim is not None and bool(trim(0))


def _glibc(function: str) -> Any:
    """A function of the C library this process runs on, or None where it has none such (no glibc)."""
    import ctypes

    try:
        return getattr(ctypes.CDLL(None), function)
    except (OSError, AttributeError):
        return None


# A shorter sentence limit would cut ordinary sentences of news prose.
MIN_SENTENCE_CHARS = 200


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _flag(name: str, default: bool) -> bool:
    """A 0/1 switch (also false/no, true/yes); anything else is a ``SettingsError``."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be 0 or 1, not {value!r}")


# The stance taggers (``--tagger``): the sentence model's signs, or the rules' alone.
TAGGERS = ("model", "fast")


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _location(name: str, default: Path) -> Path | str:
    """A folder, or an object store URI (``s3://bucket/prefix``) kept as it is."""
    raw = os.environ.get(name)
    return _as_location(raw) if raw else default


def _as_location(value: object) -> Path | str:
    text = str(value)
    if "://" in text:
        return text.rstrip("/")
    return Path(text).expanduser().resolve()


def _path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know about where things are and how big a chunk is."""

    inbox: Path
    warehouse: Path | str  # a folder, or an s3:// URI
    reference_dir: Path
    models_dir: Path
    expectations_dir: Path
    chunk_size: int
    workers: int
    data_docs: bool
    max_article_bytes: int
    chunk_bytes: int = 8 * 1024 * 1024
    max_file_bytes: int = 256 * 1024 * 1024
    max_sentence_chars: int = 2000
    near_duplicate_days: int = 7
    attribution: bool = True
    tagger: str = "model"
    lease_seconds: int = 60
    dask_scheduler: str | None = None  # tcp://host:port of a running Dask cluster; None: embedded

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced (``None`` values are ignored); paths are resolved."""
        clean = {k: v for k, v in changes.items() if v is not None}
        if "warehouse" in clean:
            clean["warehouse"] = _as_location(clean["warehouse"])
        if "dask_scheduler" in clean:
            clean["dask_scheduler"] = scheduler_address(str(clean["dask_scheduler"]), "--scheduler")
        for key in ("inbox", "reference_dir", "models_dir", "expectations_dir"):
            if key in clean:
                clean[key] = Path(str(clean[key])).expanduser().resolve()
        return replace(self, **clean)  # type: ignore[arg-type]


# Third-party web assets shipped with stancewire (Data Docs styles; see data/vendor/data_docs/README.md).
VENDOR_DIR = PROJECT_ROOT / "data" / "vendor"


def load_settings() -> Settings:
    """Settings from the environment, with the defaults in the table above."""
    return Settings(
        inbox=_path("STANCEWIRE_INBOX", PROJECT_ROOT / "data" / "samples"),
        warehouse=_location("STANCEWIRE_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse"),
        reference_dir=_path("STANCEWIRE_REFERENCE", PROJECT_ROOT / "data" / "reference"),
        models_dir=_path("STANCEWIRE_MODELS", PROJECT_ROOT / "data" / "models"),
        expectations_dir=PROJECT_ROOT / "expectations",
        chunk_size=_int("STANCEWIRE_CHUNK_SIZE", 200),
        workers=_int("STANCEWIRE_WORKERS", 1, minimum=0),
        data_docs=os.environ.get("STANCEWIRE_DATA_DOCS", "1") not in ("0", "false", "no"),
        max_article_bytes=_int("STANCEWIRE_MAX_ARTICLE_BYTES", 10 * 1024 * 1024),
        chunk_bytes=_int("STANCEWIRE_CHUNK_BYTES", 8 * 1024 * 1024),
        max_file_bytes=_int("STANCEWIRE_MAX_FILE_BYTES", 256 * 1024 * 1024),
        max_sentence_chars=_int("STANCEWIRE_MAX_SENTENCE_CHARS", 2000, minimum=MIN_SENTENCE_CHARS),
        near_duplicate_days=_int("STANCEWIRE_NEAR_DUPLICATE_DAYS", 7, minimum=0),
        attribution=_flag("STANCEWIRE_ATTRIBUTION", True),
        tagger=_choice("STANCEWIRE_TAGGER", TAGGERS, "model"),
        lease_seconds=_int("STANCEWIRE_LEASE_SECONDS", 60, minimum=2),
        dask_scheduler=(
            scheduler_address(raw, "STANCEWIRE_DASK_SCHEDULER")
            if (raw := os.environ.get("STANCEWIRE_DASK_SCHEDULER", "").strip())
            else None
        ),
    )


# The protocols a Dask scheduler listens on (``distributed.comm``).
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss")


def scheduler_address(value: str, name: str) -> str:
    """``value`` as a Dask scheduler address, ``protocol://host:port`` (a bare ``host:port`` is
    TCP); a ``SettingsError`` naming ``name`` when it is none."""
    address = value.strip()
    if "://" not in address:
        address = f"tcp://{address}"
    protocol, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if protocol not in SCHEDULER_PROTOCOLS or not host or not port.isdigit():
        raise SettingsError(
            f"{name} must be a Dask scheduler address such as tcp://10.0.0.5:8786, not {value!r}"
        )
    return address
