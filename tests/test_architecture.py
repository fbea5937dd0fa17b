"""The import graph is the architecture diagram: dependencies point one way.

    cli -> supervisor -> app -> api -> services -> chat, jobs
    chat, jobs -> llm, persona, index, extract -> book, store

``grimp`` reads every import statement of ``falsafa`` (function bodies
included) without running any code. Three checks: no module takes part in an
import cycle; no lower part reaches up, even through others; and imports sit
at the top of modules except the few listed below, none of which avoids a
cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "falsafa"

# Deferred imports and why they wait (none of them avoids a cycle).
DEFERRED = {
    # `falsafa extract FILE` runs once per book in the evaluation: it must
    # not load the server (Hypercorn, Quart, the Supabase client).
    ("cli", "falsafa.config"),
    ("cli", "falsafa.supervisor"),
    ("cli", "falsafa.extract.cli"),
    ("cli", "falsafa.persona.cli"),
    ("cli", "falsafa.devtools"),
    ("cli", "falsafa.addbook"),
    # Only the configured extractor is loaded; BookNLP is an optional extra.
    ("extract", "falsafa.extract.builtin"),
    ("extract", "falsafa.extract.booknlp"),
    ("extract.booknlp", "booknlp.booknlp"),
    # The Supabase client and its dependencies load only for those who use it.
    ("store", "supabase"),
}

# (importer, imported): the first must not depend on the second, even indirectly.
FORBIDDEN = [
    *((low, high) for low in ("chat", "jobs") for high in ("api", "services", "app", "supervisor")),
    ("chat", "jobs"),
    ("jobs", "chat"),
    ("api", "app"),
    ("api", "supervisor"),
    ("services", "api"),
    ("services", "app"),
    *(
        ("llm", other)
        for other in ("chat", "jobs", "api", "services", "persona", "index", "extract", "store")
    ),
    *(
        (pure, other)
        for pure in ("persona", "index", "extract")
        for other in ("chat", "jobs", "llm", "api", "services", "redisio", "locks")
    ),
    *(("store", other) for other in ("chat", "jobs", "llm", "persona", "index", "extract")),
]
BOOK_MAY_IMPORT: set[str] = set()  # falsafa.book is pure: nothing of ours below it


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports under ``if TYPE_CHECKING`` never run, so they cannot make an
    # import fail; the one such loop (extract.names <-> extract.name_merges,
    # for the NameCluster annotation) is left to the extraction rewrite.
    return grimp.build_graph("falsafa", cache_dir=None, exclude_type_checking_imports=True)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.find_modules_directly_imported_by(node)):
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

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


@pytest.mark.parametrize(("low", "high"), FORBIDDEN, ids=lambda x: str(x))
def test_dependencies_point_one_way(graph: grimp.ImportGraph, low: str, high: str) -> None:
    importer, imported = f"falsafa.{low}", f"falsafa.{high}"
    chain = graph.find_shortest_chain(importer=importer, imported=imported, as_packages=True)
    assert chain is None, " -> ".join(chain or ())


def test_book_imports_nothing_of_ours(graph: grimp.ImportGraph) -> None:
    ours = {
        imported
        for module in graph.find_descendants("falsafa.book") | {"falsafa.book"}
        for imported in graph.find_modules_directly_imported_by(module)
        if not imported.startswith("falsafa.book")
    }
    assert ours == BOOK_MAY_IMPORT


def _deferred_imports() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        module = module.removesuffix(".__init__").removesuffix("__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    assert inner.module is not None, (module, "relative import in a function")
                    found.add((module, inner.module))
                elif isinstance(inner, ast.Import):
                    found.update((module, alias.name) for alias in inner.names)
    return found


def test_imports_are_at_the_top_but_for_the_listed_ones() -> None:
    assert _deferred_imports() == DEFERRED
