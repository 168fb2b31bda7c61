"""Dependencies point inward: no import cycles between packages.

A package here is a second-level name (`hub.seals`, `hub.db`, `tenants.molds`,
`adapters.http`, `monitoring.quality`...), so a top-level module like `hub.errors` counts
as its own package. Imports are read from the source (ast), including imports inside
functions (which test_function_imports forbids, but a cycle must not hide there either)
and imports under `if TYPE_CHECKING:`: a type that points outward is a dependency too.

There are none: the test fails on any strongly connected group of packages, naming it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "tenants", "adapters", "monitoring")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _node(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imported(module: str, name: str) -> str:
    """`module.name` when that is a module or package of ours, else `module`."""
    base = ROOT.joinpath(*module.split("."), name)
    if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
        return f"{module}.{name}"
    return module


def import_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for top in PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            if "piccolo_migrations" in path.parts:
                continue
            here = _node(_module(path))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    # `from tenants import services` depends on tenants.services, not on
                    # the `tenants` package: an imported name may be a module.
                    names = [_imported(node.module, a.name) for a in node.names]
                else:
                    continue
                for name in names:
                    if name.split(".")[0] in PACKAGES and _node(name) != here:
                        edges[here].add(_node(name))
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """Tarjan's algorithm, iteratively; groups of more than one package."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []
    counter = 0
    nodes = set(edges) | {w for ws in edges.values() for w in ws}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    group = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.add(w)
                        if w == v:
                            break
                    if len(group) > 1:
                        groups.append(frozenset(group))
    return groups


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        frozenset({"a", "b", "c"})
    ]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_packages() -> None:
    found = sorted(sorted(group) for group in strongly_connected(import_graph()))
    assert found == [], f"import cycles between packages: {found}"
