"""Great Expectations Data Docs that work offline: CDN assets replaced by vendored copies.

GX writes pages that load Bootstrap, bootstrap-table, jQuery, Font Awesome and Vega from
CDNs, so without a network they are unstyled. After a run, ``make_offline`` copies the
vendored assets (``data/vendor/data_docs``, see its README) and a Vega bundle beside the
pages and points every page at them, by relative paths so the folder can be moved.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from flows.storage import replace_text

# CDN address (a regex) -> vendored file under static/vendor/, or None: the tag is dropped.
CDN_ASSETS: tuple[tuple[re.Pattern[str], str | None], ...] = tuple(
    (re.compile(pattern), target)
    for pattern, target in (
        (r"bootstrap-prefers-dark\.css$", None),  # dark-mode sheet: left out (see the vendor README)
        (r"font-awesome/[\d.]+/css/all\.min\.css$", "fontawesome/css/all.min.css"),
        (r"bootstrap/4\.3\.1/css/bootstrap\.min\.css$", "bootstrap.min.css"),
        (r"bootstrap/4\.3\.1/js/bootstrap\.min\.js$", "bootstrap.min.js"),
        (r"bootstrap-table@[\d.]+/dist/bootstrap-table\.min\.css$", "bootstrap-table.min.css"),
        (r"bootstrap-table@[\d.]+/dist/bootstrap-table\.min\.js$", "bootstrap-table.min.js"),
        (
            r"filter-control/bootstrap-table-filter-control(\.min)?\.css$",
            "bootstrap-table-filter-control.min.css",
        ),
        (
            r"filter-control/bootstrap-table-filter-control(\.min)?\.js$",
            "bootstrap-table-filter-control.min.js",
        ),
        (r"bootstrap-datepicker/[\d.]+/css/bootstrap-datepicker\.min\.css$", "bootstrap-datepicker.min.css"),
        (r"bootstrap-datepicker/[\d.]+/js/bootstrap-datepicker\.min\.js$", "bootstrap-datepicker.min.js"),
        (r"jquery-[\d.]+\.min\.js$", "jquery.min.js"),
        (r"popper\.js/[\d.]+/umd/popper\.min\.js$", "popper.min.js"),
        (r"/vega-embed@\d+$", "vega-bundle.js"),  # vega-embed, Vega-Lite and Vega in one bundle
        (r"/vega-lite@\d+$", None),
        (r"/vega@\d+$", None),
    )
)
_TAG = re.compile(
    r"<link\b[^>]*\bhref=\"(?P<href>https?://[^\"]+)\"[^>]*>"
    r"|<script\b[^>]*\bsrc=\"(?P<src>https?://[^\"]+)\"[^>]*>\s*</script>",
    re.IGNORECASE,
)
# GX's logos on S3 -> the copies GX itself writes under static/images/.
_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.[\w.-]+\.amazonaws\.com/[\w-]+\.png(\?[^\"')]*)?"
)
VENDOR_FOLDER = ("static", "vendor")
BUNDLE = "vega-bundle.js"


def _local(url: str) -> tuple[bool, str | None]:
    """(known, vendored file or None to drop) for a CDN address."""
    for pattern, target in CDN_ASSETS:
        if pattern.search(url):
            return True, target
    return False, None


def rewrite_page(html: str, static: str) -> str:
    """The page with every known CDN tag pointed at ``static`` (a relative URL of static/) or dropped."""

    def replace(match: re.Match[str]) -> str:
        url = match.group("href") or match.group("src")
        known, target = _local(url)
        if not known:
            return match.group(0)
        if target is None:
            return ""
        if match.group("href"):
            return f'<link rel="stylesheet" href="{static}/vendor/{target}">'
        return f'<script src="{static}/vendor/{target}"></script>'

    return _LOGO.sub(f"{static}/images/logo-long.png", _TAG.sub(replace, html))


def make_offline(docs_dir: Path, vendor_dir: Path, vega_bundle: Callable[[], str]) -> int:
    """Copy the assets beside the Data Docs in ``docs_dir`` and rewrite its pages; returns pages changed."""
    if not docs_dir.is_dir():
        return 0
    static = docs_dir.joinpath(*VENDOR_FOLDER)
    shutil.copytree(vendor_dir, static, dirs_exist_ok=True)
    if not (static / BUNDLE).is_file():
        replace_text(static / BUNDLE, vega_bundle())
    changed = 0
    for page in sorted(docs_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        relative = os.path.relpath(docs_dir / "static", page.parent).replace(os.sep, "/")
        new = rewrite_page(text, relative)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed
