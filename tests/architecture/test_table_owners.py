"""A package's tables are read and written by that package only (issue 16 item 2).

Another package asks the owner: a method of its service, or a small query module of the
owner (`hub.seals.queries`, `hub.signing.queries`, `tenants.queries`,
`tenants.identity.queries`, `tenants.molds.queries`, `adapters.admission.queries`) when
the caller has no service at hand. Then a column rename or an index is one package's
business, and the owner sees every query it must keep fast.

The owner of `x.y.tables` is the package `x.y`; a module belongs to the package it sits in
(`tenants.identity.services` to `tenants.identity`, which is not `tenants`). Exempt by
their nature: other `tables` modules (Piccolo foreign keys name the referenced table
class), `piccolo_app` modules (an app lists the tables its migrations create) and the
database layer `hub.db` (binds every table to the engine). Migrations are not read.
There is no allow-list: every other read has moved to its owner.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "tenants", "adapters", "monitoring")
EXEMPT_PACKAGES = ("hub.db",)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(path: Path, module: str) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _tables_imported(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from hub.seals import tables` as well as `from hub.seals.tables import Seal`
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found.update(
            n for n in names if n.split(".")[0] in PACKAGES and n.rpartition(".")[2] == "tables"
        )
    return found


def foreign_table_reads() -> set[tuple[str, str]]:
    reads: set[tuple[str, str]] = set()
    for top in PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            if "piccolo_migrations" in path.parts or path.stem in ("tables", "piccolo_app"):
                continue
            module = _module(path)
            here = _package(path, module)
            if here in EXEMPT_PACKAGES or here.startswith(tuple(p + "." for p in EXEMPT_PACKAGES)):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for tables in _tables_imported(tree):
                if tables.rpartition(".")[0] != here:
                    reads.add((module, tables))
    return reads


def test_no_package_reads_another_packages_tables() -> None:
    unexpected = sorted(foreign_table_reads())
    assert not unexpected, (
        "these modules import another package's tables; ask the owning package's service "
        "or its query module instead:\n" + "\n".join(f"  {m} -> {t}" for m, t in unexpected)
    )


def test_the_check_sees_a_foreign_read() -> None:
    tree = ast.parse("from hub.seals.tables import Seal\nfrom hub.signing import tables\n")
    assert _tables_imported(tree) == {"hub.seals.tables", "hub.signing.tables"}
