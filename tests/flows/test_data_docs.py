"""Data Docs offline: CDN tags point at vendored copies, and the copies are all there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.data_docs import make_offline, rewrite_page
from flows.settings import VENDOR_DIR

REWRITE_CASES = [
    # (tag in a GX page, what it becomes, why)
    (
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>',
        '<link rel="stylesheet" href="../static/vendor/bootstrap.min.css">',
        "Bootstrap's stylesheet",
    ),
    (
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>',
        '<script src="../static/vendor/jquery.min.js"></script>',
        "a script",
    ),
    (
        '<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" '
        'integrity="sha384-x" crossorigin="anonymous"></script>',
        '<script src="../static/vendor/bootstrap.min.js"></script>',
        "integrity and crossorigin go with the CDN",
    ),
    (
        '<script src="https://cdn.jsdelivr.net/npm/vega-embed@6"></script>',
        '<script src="../static/vendor/vega-bundle.js"></script>',
        "vega-embed: the bundle",
    ),
    ('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>', "", "Vega itself is in the bundle"),
    (
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css" />',
        "",
        "the dark sheet is left out",
    ),
    (
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1">',
        '<img src="../static/images/logo-long.png">',
        "GX's logo: its local copy",
    ),
    (
        '<link rel="stylesheet" href="https://example.org/other.css">',
        '<link rel="stylesheet" href="https://example.org/other.css">',
        "near-miss: an unknown address is left alone",
    ),
    (
        '<a href="https://greatexpectations.io">GX</a>',
        '<a href="https://greatexpectations.io">GX</a>',
        "near-miss: a link is not a load",
    ),
    (
        '<link rel="stylesheet" href="../static/vendor/bootstrap.min.css">',
        '<link rel="stylesheet" href="../static/vendor/bootstrap.min.css">',
        "a rewritten page stays as it is",
    ),
]


@pytest.mark.parametrize(("tag", "expected", "why"), REWRITE_CASES, ids=[c[-1] for c in REWRITE_CASES])
def test_rewrite_page(tag: str, expected: str, why: str) -> None:
    assert rewrite_page(tag, "../static") == expected, why


def test_every_rewritten_asset_is_vendored(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "validations" / "t").mkdir(parents=True)
    page = docs / "validations" / "t" / "run.html"
    urls = [
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
    ]
    scripts = [
        "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
        "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
        "https://cdn.jsdelivr.net/npm/vega-embed@6",
    ]
    page.write_text(
        "".join(f'<link rel="stylesheet" href="{u}">' for u in urls)
        + "".join(f'<script src="{u}"></script>' for u in scripts)
    )
    assert make_offline(docs, VENDOR_DIR / "data_docs", lambda: "/* vega */") == 1
    text = page.read_text()
    assert "https://" not in text
    for ref in re.findall(r'(?:href|src)="([^"]+)"', text):
        assert (page.parent / ref).resolve().is_file(), f"{ref} exists"
    assert make_offline(docs, VENDOR_DIR / "data_docs", lambda: "unused") == 0, "idempotent"


def test_no_docs_folder_is_no_work(tmp_path: Path) -> None:
    assert make_offline(tmp_path / "none", VENDOR_DIR / "data_docs", lambda: "") == 0
