"""README's "How it is built" tree names every module of flows/ and stages/, and nothing that is gone."""

from __future__ import annotations

import re

from flows.settings import PROJECT_ROOT


def _tree() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it is built", 1)[1]
    return section.split("```", 2)[1]


def _listed(tree: str) -> set[str]:
    listed: set[str] = set()
    package = ""
    for line in tree.splitlines():
        top = re.match(r"^(\w+)/\s", line)
        if top:
            package = top.group(1)
            continue
        entry = re.match(r"^  ([\w/]+\.py)\s", line)
        if entry and package:
            listed.add(f"{package}/{entry.group(1)}")
    return listed


def test_the_layout_tree_lists_every_module() -> None:
    modules = {
        str(path.relative_to(PROJECT_ROOT))
        for package in ("flows", "stages")
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if path.name != "__init__.py"
    }
    listed = _listed(_tree())
    assert modules - listed == set(), "modules missing from README's layout tree"
    assert listed - modules == set(), "README's layout tree names modules that do not exist"
