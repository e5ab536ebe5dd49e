"""`stancewire report` on the sample data, opened in a real headless browser (Debian's Chromium,
installed by `./dev.sh test`): it loads with no console message and every chart renders. The
test saves a screenshot to build/report.png.

A page with a script error is opened the same way, to show the check can fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from flows.cli import main
from flows.settings import PROJECT_ROOT

pytestmark = pytest.mark.browser

SCREENSHOT = PROJECT_ROOT / "build" / "report.png"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=10000",
]


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "Debian's chromium is not installed: `./dev.sh test` installs it (apt-get install chromium)"
        )
    return found


def open_page(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Load ``page`` in headless Chromium with console logging on; a fresh profile per call."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra]
    return subprocess.run([*command, page.as_uri()], capture_output=True, text=True, timeout=120, check=False)


def console_messages(stderr: str) -> list[str]:
    """Whatever the page wrote to its console (Chromium logs each message as INFO:CONSOLE)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_the_report_loads_without_console_messages_and_its_charts_render(
    sample_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--warehouse", str(sample_warehouse)]) == 0
    page = Path(capsys.readouterr().out.strip().removeprefix("report: "))
    loaded = open_page(page, tmp_path, "--dump-dom")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert console_messages(loaded.stderr) == []
    dom = loaded.stdout
    for chart in ("timeline", "matrix"):
        drawn = re.search(
            rf'<div class="chart vega-embed[^"]*" id="{chart}"[^>]*>(.*?)</div>', dom, re.DOTALL
        )
        assert drawn is not None, f"vega-embed took over the {chart} element"
        assert "<svg" in drawn.group(1) and drawn.group(1).count("<path") >= 3, f"the {chart} chart has marks"
    assert "<mark>" in dom and "passed" in dom
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shot = open_page(page, tmp_path, f"--screenshot={SCREENSHOT}", "--window-size=1200,2600")
    assert shot.returncode == 0 and SCREENSHOT.stat().st_size > 50_000, "a screenshot with content"


def test_a_page_with_a_script_error_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><p>hi</p><script>undefinedChartLibrary();</script></body></html>")
    loaded = open_page(broken, tmp_path, "--dump-dom")
    assert any("undefinedChartLibrary is not defined" in m for m in console_messages(loaded.stderr))


def test_data_docs_load_offline_without_console_messages(sample_warehouse: Path, tmp_path: Path) -> None:
    docs = sample_warehouse / "reports" / "data_docs"
    pages = [docs / "index.html", *sorted((docs / "validations").rglob("*.html"))[:1]]
    assert len(pages) == 2
    for page in pages:
        text = page.read_text(encoding="utf-8")
        loads = re.findall(r'<(?:link|script)\b[^>]*(?:href|src)="(https?://[^"]+)"', text)
        assert loads == [], f"{page.name} still loads {loads}"
        loaded = open_page(page, tmp_path, "--dump-dom")
        assert loaded.returncode == 0 and console_messages(loaded.stderr) == [], loaded.stderr[-2000:]
        assert "bootstrap-table" in loaded.stdout or page.name == "index.html"
