"""The package's layers (docs/architecture.md): imports point only downward, and no module imports itself back.

Every module under ``auditor/`` is read with :mod:`ast`; every import counts,
at module level and inside functions alike (``if TYPE_CHECKING:`` blocks,
which never run, are skipped). Each module belongs to the first layer in
:data:`LAYERS` whose prefix it matches. An import may point to its own layer or
a lower one, never a higher one, and the import graph may have no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "auditor"

#: Bottom to top. A module may import from its own layer and the layers before it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("auditor.errors", "auditor._version", "auditor.safetext")),
    ("inputs", ("auditor.inputs",)),
    ("model", ("auditor.model",)),
    ("analysis", ("auditor.analysis",)),
    ("figures", ("auditor.figures",)),
    ("results", ("auditor.results", "auditor.wording", "auditor.frames")),
    ("api", ("auditor.api",)),
    ("report", ("auditor.report",)),
    ("interfaces", ("auditor.cli", "auditor.scripted", "auditor.web", "auditor.__main__", "auditor")),
)


#: The one upward import allowed, and why: ``AuditResult.write_report`` (the researchers' way to write the
#: report folder from a result) delegates to the report writer. The report package never imports
#: ``auditor.results``, so this edge closes no cycle; :func:`test_no_import_cycles` still checks that.
ALLOWED_UPWARD = {("auditor.results", "auditor.report")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to docs/architecture.md")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom node, outside ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The auditor modules that ``module`` imports (a name that is a submodule counts as that module)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        for t in targets:
            while t and t not in known:   # `import auditor.model.engine.x` → the longest known module
                t = t.rpartition(".")[0]
            if t.startswith("auditor") and t != module:
                out.add(t)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {m: imports_of(m, p, known) for m, p in modules.items()}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for m, targets in sorted(graph.items()):
        for t in sorted(targets):
            if layer_of(t) > layer_of(m) and (m, t) not in ALLOWED_UPWARD:
                bad.append(f"{m} ({LAYERS[layer_of(m)][0]}) imports {t} ({LAYERS[layer_of(t)][0]})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_has_a_layer():
    for m in all_modules():
        layer_of(m)


def test_imports_point_only_downward():
    assert upward_imports(import_graph()) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("source, expected", [
    ("from ..api import audit\n", ["auditor.model.engine (model) imports auditor.api (api)"]),
    ("def f():\n    from ..report import write_outputs\n",
     ["auditor.model.engine (model) imports auditor.report (report)"]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..results import AuditResult\n", []),
])
def test_checker_sees_upward_imports_at_any_depth(tmp_path, monkeypatch, source, expected):
    # The checker itself: an upward import written at module level or inside a
    # function is reported; one under TYPE_CHECKING (never executed) is not.
    graph = import_graph()
    path = tmp_path / "engine.py"
    path.write_text(source, encoding="utf-8")
    graph["auditor.model.engine"] = imports_of("auditor.model.engine", path, set(graph))
    assert [line for line in upward_imports(graph) if line.startswith("auditor.model.engine ")] == expected


def test_checker_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
