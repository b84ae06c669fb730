"""The import graph of `advisor.*` has no cycles (issue #11, "Proof": a test over `advisor/` imports).

Why: a cycle means neither module can be understood (or imported) without the other; it is how the catalog and the
imported CMS tables, and the evaluation and the API layer, used to be tangled.

How the graph is built (from the source with `ast`, nothing is imported):
- Nodes are the modules under advisor/ (a package is its `__init__`).
- An edge A -> B is an import that runs when A is imported: `import advisor.x.y`, `from advisor.x import y`
  (y a submodule: the edge goes to advisor.x.y as well as advisor.x), relative imports resolved, at module level
  including inside module-level `if`/`try` blocks and class bodies.
- Importing advisor.x.y first runs the `__init__` of every package above it, so A -> advisor.x is an edge too,
  unless A lives inside advisor.x (then that package is already being imported).
- Not counted in the main test: imports under `if TYPE_CHECKING:` (never run) and imports inside functions or
  methods (they run at call time, after both modules are loaded, so they cannot deadlock an import). Deferred
  imports are how the code keeps a few intentional back-references (the rule modules register themselves in the
  rulebook, the engine calls the recommender); `test_deferred_imports_are_reported` lists the cycles they would
  form, so they stay visible, and the layering test below counts them for the rules engine.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from advisor.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "advisor"
# The rules engine is pure (issue #11 item 4): it reads the catalog it is given and never reaches up into the
# layers that use it, not even with a deferred import.
RULES_MAY_NOT_IMPORT = ("advisor.answer", "advisor.api", "advisor.reader", "advisor.retrieval", "advisor.store",
                        "advisor.evaluation", "advisor.audit", "advisor.data", "advisor.cli", "advisor.services",
                        "advisor.settings")


@dataclass(frozen=True)
class Import:
    """One import statement's target module, where it is, and when it runs."""

    source: str
    target: str
    line: int
    deferred: bool  # inside a function or method
    type_only: bool  # under `if TYPE_CHECKING:`


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute module a (possibly relative) `from ... import` names."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, *([name] if name else [])])


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of an advisor module in one file, marked deferred / type-only."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def add(target: str, node: ast.stmt, deferred: bool, type_only: bool) -> None:
        if target == "advisor" or target.startswith("advisor."):
            found.append(Import(module, target, node.lineno, deferred, type_only))

    def visit(nodes: list[ast.stmt], deferred: bool, type_only: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, node, deferred, type_only)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node.level, node.module)
                add(base, node, deferred, type_only)
                for alias in node.names:
                    if f"{base}.{alias.name}" in modules:  # `from advisor.rules import rules_claim`
                        add(f"{base}.{alias.name}", node, deferred, type_only)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node.body, True, type_only)
            elif isinstance(node, ast.If):
                visit(node.body, deferred, type_only or _is_type_checking(node.test))
                visit(node.orelse, deferred, type_only)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit([n for n in inner if isinstance(n, ast.stmt)] +
                              [s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body],
                              deferred, type_only)
                for case in getattr(node, "cases", []) or []:
                    visit(case.body, deferred, type_only)

    visit(tree.body, False, False)
    return found


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def graph(include_deferred: bool) -> dict[str, dict[str, Import]]:
    """module -> {imported module: the import statement that makes the edge} (packages' __init__ included)."""
    modules = all_modules()
    edges: dict[str, dict[str, Import]] = {m: {} for m in modules}
    for module, path in modules.items():
        own = set(_ancestors(module)) | ({module} if path.name == "__init__.py" else set())
        for imp in imports_of(module, path, modules):
            if imp.type_only or (imp.deferred and not include_deferred):
                continue
            for target in [*_ancestors(imp.target), imp.target]:
                if target in modules and target not in own and target != module:
                    edges[module].setdefault(target, imp)
    return edges


def cycles(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one concrete cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def strong(v: str) -> None:  # recursion depth is bounded by the module count (~100)
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
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
                components.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return [_one_cycle(comp, edges) for comp in components]


def _one_cycle(component: list[str], edges: dict[str, dict[str, Import]]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first inside the component)."""
    start = component[0]
    members = set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges[v]):
            if w == start:
                return paths[v] + [start]
            if w in members and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return component


def describe(cycle: list[str], edges: dict[str, dict[str, Import]]) -> str:
    steps = []
    for a, b in pairwise(cycle):
        imp = edges[a][b]
        when = " (inside a function)" if imp.deferred else ""
        where = f"advisor/{Path(*a.split('.')[1:])}.py line {imp.line}"
        steps.append(f"  {a} -> {b}   [{where}: imports {imp.target}{when}]")
    return " -> ".join(cycle) + "\n" + "\n".join(steps)


# --------------------------------------------------------------------------- the graph builder itself


def test_the_parser_sees_module_level_deferred_and_type_only_imports(tmp_path: Path) -> None:
    """The builder must tell the three kinds apart, or the cycle test proves nothing."""
    src = tmp_path / "sample.py"
    src.write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import advisor.claims\n"
        "from advisor.rules import engine\n"
        "try:\n    from advisor.errors import DataError\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    from advisor.rules.context import Ctx\n"
        "def f():\n    from advisor.rules.recommend import recommend\n",
        encoding="utf-8")
    found = {(i.target, i.deferred, i.type_only) for i in imports_of("advisor.sample", src, all_modules())}
    assert ("advisor.claims", False, False) in found
    assert ("advisor.rules.engine", False, False) in found  # a submodule named in `from package import name`
    assert ("advisor.errors", False, False) in found  # inside a module-level try
    assert ("advisor.rules.context", False, True) in found
    assert ("advisor.rules.recommend", True, False) in found


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    imp = Import("a", "b", 1, False, False)
    edges = {"a": {"b": imp}, "b": {"c": imp}, "c": {"a": imp}, "d": {"a": imp}}
    assert cycles(edges) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": imp}, "b": {}}) == []


def test_the_graph_covers_every_module() -> None:
    edges = graph(include_deferred=False)
    assert len(edges) > 50 and "advisor.rules.engine" in edges and "advisor.services" in edges
    assert "advisor.rules.catalog" in edges["advisor.rules.engine"]


# --------------------------------------------------------------------------- the proofs


def test_advisor_import_graph_has_no_cycles() -> None:
    edges = graph(include_deferred=False)
    found = cycles(edges)
    if found:
        report = "\n\n".join(describe(c, edges) for c in found)
        print(report)
        pytest.fail(f"{len(found)} import cycle(s) among advisor modules:\n{report}")


def test_rules_engine_never_imports_the_layers_above_it() -> None:
    """Counting deferred imports too: the engine is pure and receives its catalog (issue #11 item 4)."""
    edges = graph(include_deferred=True)
    bad = [f"{m} -> {t} (line {imp.line}{', inside a function' if imp.deferred else ''})"
           for m, targets in edges.items() if m.startswith("advisor.rules")
           for t, imp in targets.items() if t.startswith(RULES_MAY_NOT_IMPORT)]
    assert not bad, "the rules package imports upward:\n" + "\n".join(bad)


def test_deferred_imports_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a gate: prints the cycles that function-level imports would close, so they stay deliberate."""
    edges = graph(include_deferred=True)
    found = cycles(edges)
    with capsys.disabled():
        print(f"\n{len(found)} cycle(s) closed only by imports inside functions:")
        for c in found:
            print(describe(c, edges))
    assert all(any(edges[a][b].deferred for a, b in pairwise(c)) for c in found)
