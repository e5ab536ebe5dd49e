"""No import circle among stancewire's own modules (``flows/``, ``stages/``), counting the imports
made inside functions too: a circle hidden behind a function-level import is still one."""

from __future__ import annotations

import ast
from pathlib import Path

from flows.settings import PROJECT_ROOT

PACKAGES = ("flows", "stages")


def project_modules(root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the packages (``pkg/__init__.py`` is ``pkg``)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement brings in (``from a import b``: ``a`` and ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        anchor = anchor if is_package else anchor[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's imports of other project modules, wherever in the file they are made."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for name in _imported(node, module, is_package):
                # ``import a.b.c`` also imports a and a.b, but a package's __init__ importing its
                # own modules is not a circle through them: only the named module counts.
                if name in modules and name != module:
                    edges.add(name)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_project_has_no_import_circle() -> None:
    modules = project_modules()
    assert {"flows.cli", "stages.schemas"} <= modules.keys(), "the modules were found"
    assert cycles(import_graph(modules)) == []


def test_a_circle_behind_a_function_level_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "stages").mkdir()
    (tmp_path / "flows" / "__init__.py").write_text("")
    (tmp_path / "stages" / "__init__.py").write_text("")
    (tmp_path / "flows" / "a.py").write_text("from flows.b import thing\n")
    (tmp_path / "flows" / "b.py").write_text("def thing():\n    from flows import a\n")
    (tmp_path / "flows" / "c.py").write_text("import flows.a\n")  # imports into the circle, not part of it
    assert cycles(import_graph(project_modules(tmp_path))) == [["flows.a", "flows.b"]]
