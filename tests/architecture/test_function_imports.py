"""Imports are at the top of the module: none inside functions in runtime code.

An import inside a function hides a dependency from the reader (and, before the cycle
check read them, hid import cycles). A project package (hub, tenants, adapters,
monitoring, piccolo_conf) is never imported there: if the module-level import would be
circular, the cycle is the thing to fix. A third-party import may stay lazy only when it
is deliberately so (a heavy dependency only some paths need), with a comment on its line
or above its group of imports that starts `# lazy:` and says why.

(The entry point `hub.cli` loads `hub.commands` with importlib, on purpose and said so
there: a bare `sealhub serve` must run before anything imports prometheus-client.)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "tenants", "adapters", "monitoring")
PROJECT = (*PACKAGES, "piccolo_conf")


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:  # a relative import is always the project's own
        return [PACKAGES[0]]
    return [node.module or ""]


def _marked_lazy(lines: list[str], lineno: int) -> bool:
    """`# lazy:` on the import's line, or on the comment line above its group of imports."""
    if "# lazy:" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and lines[above].lstrip().startswith(("from ", "import ")):
        above -= 1
    return above >= 0 and lines[above].lstrip().startswith("# lazy:")


def function_imports(source: str) -> list[tuple[int, list[str], bool]]:
    """(line, imported modules, marked lazy) of every import inside a function."""
    lines = source.splitlines()
    found: dict[int, tuple[int, list[str], bool]] = {}
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import | ast.ImportFrom):
                lazy = _marked_lazy(lines, node.lineno)
                found[node.lineno] = (node.lineno, _imported(node), lazy)
    return sorted(found.values())


def test_the_finder_finds_function_imports() -> None:
    source = (
        "import os\n"
        "def f():\n"
        "    import json\n"
        "    # lazy: a heavy optional dependency\n"
        "    import numpy\n"
        "    import scipy\n"
        "    async def g():\n"
        "        from hub.errors import NotFound\n"
    )
    assert function_imports(source) == [
        (3, ["json"], False),
        (5, ["numpy"], True),
        (6, ["scipy"], True),
        (8, ["hub.errors"], False),
    ]


def test_no_imports_inside_functions_in_runtime_code() -> None:
    offenders = []
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            for line, names, lazy in function_imports(path.read_text(encoding="utf-8")):
                project = any(n.split(".")[0] in PROJECT for n in names)
                if project or not lazy:
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {', '.join(names)}")
    assert offenders == [], "imports inside functions (hoist them):\n" + "\n".join(offenders)
