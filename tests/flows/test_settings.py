"""Settings: defaults under the project root, environment overrides, clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_live_under_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STANCEWIRE_INBOX", "STANCEWIRE_WAREHOUSE", "STANCEWIRE_CHUNK_SIZE", "STANCEWIRE_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.inbox == PROJECT_ROOT / "data" / "samples"
    assert settings.warehouse == PROJECT_ROOT / "data" / "warehouse"
    assert settings.chunk_size == 200 and settings.workers == 1


def test_environment_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STANCEWIRE_WAREHOUSE", str(tmp_path / "wh"))
    monkeypatch.setenv("STANCEWIRE_CHUNK_SIZE", "7")
    settings = load_settings()
    assert settings.warehouse == tmp_path / "wh" and settings.chunk_size == 7
    assert settings.with_overrides(chunk_size=None, inbox=tmp_path).inbox == tmp_path


@pytest.mark.parametrize(("value", "message"), [("many", "must be an integer"), ("0", "must be at least 1")])
def test_bad_numbers_are_named(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.setenv("STANCEWIRE_CHUNK_SIZE", value)
    with pytest.raises(SettingsError, match=f"STANCEWIRE_CHUNK_SIZE {message}"):
        load_settings()


def test_nothing_else_reads_the_environment() -> None:
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("flows", "stages")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if path.name != "settings.py" and ("os.environ" in path.read_text() or "getenv" in path.read_text())
    ]
    assert offenders == []


def test_malloc_arenas_are_capped_unless_the_user_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    from flows.settings import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False, "a user's MALLOC_ARENA_MAX wins"
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    if ctypes.util.find_library("c") is None:  # pragma: no cover - no glibc here
        pytest.skip("no C library to set")
    assert limit_malloc_arenas() is True, "glibc accepts the cap"


def test_arrow_uses_the_system_allocator_after_configuration() -> None:
    import pyarrow

    from flows.settings import configure_runtime_environment

    configure_runtime_environment()  # pyarrow is imported already: its default pool is switched
    assert pyarrow.default_memory_pool().backend_name == "system"


def test_free_heap_pages_go_back_to_the_system() -> None:
    """200 MB of small blocks freed below one live block stay resident (glibc only shrinks its
    heap from the top) until ``release_free_memory`` returns them. In a fresh process, so the
    test's own heap does not blur the figures."""
    import subprocess
    import sys

    script = """
import ctypes, re
from flows.settings import release_free_memory

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]

def rss_mb():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024

blocks = [libc.malloc(100_000) for _ in range(2_000)]  # below the mmap threshold: on the heap
for block in blocks:
    ctypes.memset(block, 1, 100_000)
for block in blocks[:-1]:  # the last one keeps the top of the heap
    libc.free(block)
before = rss_mb()
print(release_free_memory(), before, rss_mb())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    released, before, after = out.stdout.split()
    assert released == "True"
    assert int(before) - int(after) > 150, f"resident {before} -> {after} MB"


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("3", 3)])
def test_workers_may_be_zero(monkeypatch: pytest.MonkeyPatch, value: str, expected: int) -> None:
    """0 runs the stages in the flow's own process; fewer is an error that names the setting."""
    monkeypatch.setenv("STANCEWIRE_WORKERS", value)
    assert load_settings().workers == expected
    monkeypatch.setenv("STANCEWIRE_WORKERS", "-1")
    with pytest.raises(SettingsError, match="STANCEWIRE_WORKERS must be at least 0"):
        load_settings()


SCHEDULERS = [
    # (STANCEWIRE_DASK_SCHEDULER, what it reads as or None for an error, why)
    ("", None, "unset: the embedded cluster"),
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786", "a scheduler's address as Dask prints it"),
    ("10.0.0.5:8786", "tcp://10.0.0.5:8786", "host:port is TCP"),
    ("tls://sched.example.org:8786", "tls://sched.example.org:8786", "TLS"),
    ("tcp://10.0.0.5", "error", "near-miss: no port"),
    ("http://10.0.0.5:8786", "error", "not a protocol Dask listens on (its dashboard is HTTP)"),
]


@pytest.mark.parametrize(("value", "expected", "why"), SCHEDULERS, ids=[c[-1] for c in SCHEDULERS])
def test_the_dask_scheduler_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str | None, why: str
) -> None:
    monkeypatch.setenv("STANCEWIRE_DASK_SCHEDULER", value)
    if expected == "error":
        with pytest.raises(SettingsError, match="STANCEWIRE_DASK_SCHEDULER must be a Dask scheduler address"):
            load_settings()
        return
    assert load_settings().dask_scheduler == (expected or None), why


INPUT_LIMITS = [
    # (variable, value, the field and what it reads as, or the error; why)
    ("STANCEWIRE_MAX_SENTENCE_CHARS", "5000", ("max_sentence_chars", 5000), "a longer sentence limit"),
    (
        "STANCEWIRE_MAX_SENTENCE_CHARS",
        "199",
        "must be at least 200",
        "near-miss: would cut ordinary sentences",
    ),
    ("STANCEWIRE_MAX_FILE_BYTES", "1048576", ("max_file_bytes", 1048576), "a smaller feed limit"),
    ("STANCEWIRE_MAX_FILE_BYTES", "0", "must be at least 1", "no file could be read"),
]


@pytest.mark.parametrize(
    ("name", "value", "expected", "why"), INPUT_LIMITS, ids=[c[-1] for c in INPUT_LIMITS]
)
def test_input_limits_are_settings(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: object, why: str
) -> None:
    monkeypatch.setenv(name, value)
    if isinstance(expected, str):
        with pytest.raises(SettingsError, match=f"{name} {expected}"):
            load_settings()
    else:
        assert isinstance(expected, tuple)
        assert getattr(load_settings(), str(expected[0])) == expected[1], why


def test_input_limits_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STANCEWIRE_MAX_SENTENCE_CHARS", raising=False)
    monkeypatch.delenv("STANCEWIRE_MAX_FILE_BYTES", raising=False)
    settings = load_settings()
    assert settings.max_sentence_chars == 2000 and settings.max_file_bytes == 256 * 1024 * 1024


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [
        (None, True, "attribution is on unless turned off"),
        ("0", False, "0 turns it off"),
        ("no", False, "so does no"),
        ("1", True, "1 keeps it on"),
        ("", True, "near miss: empty is the default"),
    ],
)
def test_attribution_switch(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool, why: str
) -> None:
    if value is None:
        monkeypatch.delenv("STANCEWIRE_ATTRIBUTION", raising=False)
    else:
        monkeypatch.setenv("STANCEWIRE_ATTRIBUTION", value)
    assert load_settings().attribution is expected, why


def test_a_bad_switch_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEWIRE_ATTRIBUTION", "maybe")
    with pytest.raises(SettingsError, match="STANCEWIRE_ATTRIBUTION must be 0 or 1"):
        load_settings()


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [
        (None, "model", "the sentence model signs stances unless told otherwise"),
        ("fast", "fast", "fast: the rules alone"),
        (" FAST ", "fast", "case and spaces do not matter"),
        ("", "model", "near miss: empty is the default"),
    ],
)
def test_tagger_choice(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str, why: str) -> None:
    if value is None:
        monkeypatch.delenv("STANCEWIRE_TAGGER", raising=False)
    else:
        monkeypatch.setenv("STANCEWIRE_TAGGER", value)
    assert load_settings().tagger == expected, why


def test_a_bad_tagger_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEWIRE_TAGGER", "bert")
    with pytest.raises(SettingsError, match="STANCEWIRE_TAGGER must be one of model, fast, not 'bert'"):
        load_settings()
