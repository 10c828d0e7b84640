"""A real browser renders the report: headless Chromium makes a PNG screenshot and a PDF.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``); skipped with that reason
when /usr/bin/chromium is absent. The console log must be empty: a blocked network load or a
script would show up there as a Content-Security-Policy violation. Set
``HIPSIGHT_BROWSER_ARTIFACTS=DIR`` to keep the PNG and PDF for a human to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from hipsight.report.html import build_report

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="headless check needs Debian's chromium: apt-get install -y chromium",
)


def run_chromium(tmp_path: Path, report: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [
        str(CHROMIUM),
        *FLAGS,
        f"--user-data-dir={profile}",
        *args,
        report.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def keep(*paths: Path) -> None:
    target = os.environ.get("HIPSIGHT_BROWSER_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.copy2(path, Path(target) / path.name)


@pytest.fixture(scope="module")
def report(demo_session: Path) -> Path:
    return build_report(demo_session)


def test_screenshot_renders_without_console_errors(tmp_path: Path, report: Path) -> None:
    png = tmp_path / "report.png"
    done = run_chromium(tmp_path, report, f"--screenshot={png}", "--window-size=1280,2400")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(png) as image:
        assert image.size == (1280, 2400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 200, "the screenshot looks blank"
    keep(png)


def test_prints_to_a_multi_page_pdf(tmp_path: Path, report: Path) -> None:
    pdf = tmp_path / "report.pdf"
    done = run_chromium(tmp_path, report, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 4, f"expected one page per test plus summary and methods, got {pages}"
    keep(pdf)
