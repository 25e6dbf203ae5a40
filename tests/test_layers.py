"""Layers only point down (docs/architecture.md), checked on the source and on spoiled copies.

    rules ← config ← models ← notifications ← (reports, importer) ← flows ← (web, deployments)
          ← demo ← audits (the CLI)

A module may import its own package and any package of a lower layer, never one of its own layer
or above; no module imports another module's private (``_name``) names; the CLI's modules import
each other without a cycle. Imports inside functions and ``TYPE_CHECKING`` blocks count too: a
lazy import of a higher layer is still a dependency on it.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS: tuple[tuple[str, ...], ...] = (
    ("rules",),
    ("config",),
    ("models",),
    ("notifications",),
    ("reports", "importer"),
    ("flows",),
    ("web", "deployments"),
    ("demo",),
    ("audits",),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """``(line, module, names)`` for every absolute import in ``path`` (names empty for
    ``import x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def sources(root: Path) -> Iterator[tuple[str, Path]]:
    for package in RANK:
        for path in sorted((root / package).rglob("*.py")):
            if "versions" not in path.relative_to(root).parts:  # generated migrations
                yield package, path


def upward_imports(root: Path) -> list[str]:
    """Every import of a package in the same layer or a higher one, as ``file:line module``."""
    found = []
    for package, path in sources(root):
        for line, module, _ in imports(path):
            target = module.split(".")[0]
            if target in RANK and target != package and RANK[target] >= RANK[package]:
                found.append(f"{path.relative_to(root)}:{line} {module}")
    return found


def private_imports(root: Path) -> list[str]:
    """Every ``from other.module import _private`` of the project's own modules."""
    found = []
    for _, path in sources(root):
        for line, module, names in imports(path):
            if module.split(".")[0] in RANK:
                found += [
                    f"{path.relative_to(root)}:{line} {module}.{name}"
                    for name in names
                    if name.startswith("_") and not name.startswith("__")
                ]
    return found


def import_cycles(root: Path, package: str) -> list[list[str]]:
    """Cycles among ``package``'s own modules (``from package import module`` counts)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((root / package).glob("*.py")):
        edges = graph.setdefault(path.stem, set())
        for _, module, names in imports(path):
            parts = module.split(".")
            if parts[0] != package:
                continue
            targets = [parts[1]] if len(parts) > 1 else names
            edges.update(target for target in targets if (root / package / f"{target}.py").exists())
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target in trail:
                cycle = trail[trail.index(target) :]
                if min(cycle) == cycle[0]:  # each cycle once, from its smallest module
                    cycles.append(cycle)
            else:
                visit(target, [*trail, target])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


# --- the real source ------------------------------------------------------------------------------


def test_every_package_is_in_a_layer() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages - {"tests", "benchmarks", "templates"} <= set(RANK)


def test_layers_only_point_down() -> None:
    assert upward_imports(ROOT) == []


def test_no_module_imports_another_modules_private_names() -> None:
    assert private_imports(ROOT) == []


def test_the_cli_modules_import_each_other_without_a_cycle() -> None:
    assert import_cycles(ROOT, "audits") == []


# --- the checks catch a spoiled copy --------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for package in RANK:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "node_modules", "static"),
        )
    return tmp_path


def spoil(path: Path, line: str) -> int:
    """Append ``line`` to ``path``; its line number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, line, ""]), encoding="utf-8")
    return len(lines) + 1


def test_a_clean_copy_passes(copy: Path) -> None:
    assert upward_imports(copy) == []
    assert private_imports(copy) == []
    assert import_cycles(copy, "audits") == []


@pytest.mark.parametrize(
    ("module", "line", "imported"),
    [
        ("flows/chase.py", "from audits.common import CommandError", "audits.common"),
        ("models/db.py", "from web.render import templates", "web.render"),
        ("models/figures.py", "import reports.html", "reports.html"),
        ("config/clock.py", "from models.db import get_engine", "models.db"),
        ("rules/months.py", "from config.settings import get_settings", "config.settings"),
        ("notifications/render.py", "from importer.cases import import_cases", "importer.cases"),
        ("flows/outbox.py", "    from demo.synthetic import make_council", "demo.synthetic"),
        ("web/app.py", "from deployments.specs import DEPLOYMENTS", "deployments.specs"),
    ],
)
def test_an_upward_or_sideways_import_is_caught(
    copy: Path, module: str, line: str, imported: str
) -> None:
    source = line if not line.startswith(" ") else "def later():\n" + line
    number = spoil(copy / module, source) + (1 if line.startswith(" ") else 0)
    assert upward_imports(copy) == [f"{module}:{number} {imported}"]


def test_a_private_import_is_caught(copy: Path) -> None:
    number = spoil(copy / "flows" / "chase.py", "from models.db import _private_helper")
    assert private_imports(copy) == [f"flows/chase.py:{number} models.db._private_helper"]


def test_a_cycle_in_the_cli_is_caught(copy: Path) -> None:
    spoil(copy / "audits" / "common.py", "from audits import commands")
    cycles = import_cycles(copy, "audits")
    assert ["commands", "common"] in cycles
    assert all("common" in cycle for cycle in cycles)
