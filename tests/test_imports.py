"""The package's modules import, and none imports another that imports it back (no import cycles).

Every ``import`` counts — at the top of a module, inside a function (a lazy import hides a cycle,
it does not break it) and under ``if TYPE_CHECKING:`` — so a cycle means two modules are one, or
that a piece they share wants a module of its own (STYLE.md, "Worth avoiding").
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import newsdesk

PACKAGE = Path(newsdesk.__file__).parent


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["newsdesk", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that module ``name`` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(0, node.level - 1)):
                base = base.rpartition(".")[0]
            prefix = ".".join(p for p in (base if node.level else "", node.module or "") if p)
            targets = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
        else:
            continue
        for target in targets:
            while target and target not in known:  # "newsdesk.facts.FACTS_VERSION" → newsdesk.facts
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

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
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("name", sorted(set(modules()) - {"newsdesk.__main__"}))  # __main__ runs the CLI
def test_every_module_of_the_package_imports(name):
    importlib.import_module(name)


def test_no_module_imports_one_that_imports_it_back():
    known = modules()
    graph = {name: imported(name, path, known) for name, path in known.items()}
    found = cycles(graph)
    described = ["; ".join(f"{a} → {b}" for a in c for b in sorted(graph[a]) if b in c) for c in found]
    assert found == [], "import cycles: " + " | ".join(described)


def test_the_cycle_finder_finds_a_lazy_cycle(tmp_path):
    """A check that can only pass proves nothing: two modules that import each other, one lazily, are a cycle."""
    (tmp_path / "a.py").write_text("def f():\n    from newsdesk.b import g\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from newsdesk.a import f\n", encoding="utf-8")
    known = {"newsdesk.a": tmp_path / "a.py", "newsdesk.b": tmp_path / "b.py"}
    graph = {name: imported(name, path, known) for name, path in known.items()}
    assert cycles(graph) == [["newsdesk.a", "newsdesk.b"]]
