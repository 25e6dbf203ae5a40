"""The ``rules`` package stays pure: no database, Prefect, HTTP or template code (the layers:
docs/architecture.md).

Two checks, each also run against a deliberately spoiled copy of the package so that it is known
to fail when someone adds, say, ``import sqlalchemy`` to a rules module:

- dynamic: import every module of ``rules`` in a fresh interpreter (the test process itself has
  long since imported SQLAlchemy through conftest) and look at ``sys.modules``;
- static: parse every ``rules/**/*.py`` and look at its import statements, including imports
  inside functions, ``TYPE_CHECKING`` blocks and ``importlib.import_module("...")`` calls.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"

FORBIDDEN = frozenset(
    {
        # databases
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "psycopg",
        "psycopg2",
        # Prefect
        "prefect",
        # HTTP and web
        "httpx",
        "requests",
        "urllib3",
        "aiohttp",
        "fastapi",
        "starlette",
        # templates
        "jinja2",
        # the project's own impure packages
        "models",
        "flows",
        "notifications",
        "importer",
        "config",
        "reports",
        "web",
        "deployments",
        "demo",
        "audits",
    }
)

KNOWN_RULES_MODULES = {
    "rules.cohorts",
    "rules.due_dates",
    "rules.months",
    "rules.policy",
    "rules.working_days",
}

_IMPORT_EVERY_RULES_MODULE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    sys.path.insert(0, sys.argv[1])
    import rules
    names = sorted(m.name for m in pkgutil.walk_packages(rules.__path__, "rules."))
    for name in names:
        importlib.import_module(name)
    print(json.dumps({"file": rules.__file__, "modules": names, "loaded": sorted(sys.modules)}))
    """
)


def import_in_fresh_interpreter(root: Path) -> tuple[list[str], set[str]]:
    """Import every module of ``root/rules``; the modules found and the top-level names loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERY_RULES_MODULE, str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"importing rules failed:\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).resolve().is_relative_to(root / "rules"), report["file"]
    return report["modules"], {name.split(".")[0] for name in report["loaded"]}


def forbidden_imports(package: Path) -> list[str]:
    """Every import of a forbidden top-level name in ``package/**/*.py``, as ``file:line name``."""
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and _called_name(node.func) in {"import_module", "__import__"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]
            for name in names:
                if name.split(".")[0] in FORBIDDEN:
                    line = getattr(node, "lineno", 0)
                    found.append(f"{path.relative_to(package.parent)}:{line} {name}")
    return found


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


# --- the real package ----------------------------------------------------------------------------


def test_rules_modules_import_nothing_impure() -> None:
    modules, loaded = import_in_fresh_interpreter(ROOT)
    assert set(modules) >= KNOWN_RULES_MODULES
    assert "rules" in loaded
    assert sorted(loaded & FORBIDDEN) == []


def test_rules_source_imports_nothing_impure() -> None:
    files = sorted(RULES.rglob("*.py"))
    assert {f"rules.{path.stem}" for path in files} >= KNOWN_RULES_MODULES
    assert forbidden_imports(RULES) == []


# --- the checks catch a spoiled copy -------------------------------------------------------------


@pytest.fixture
def spoiled_root(tmp_path: Path) -> Path:
    """A copy of the real ``rules`` package, to be spoiled by a test."""
    shutil.copytree(RULES, tmp_path / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_a_clean_copy_passes_both_checks(spoiled_root: Path) -> None:
    modules, loaded = import_in_fresh_interpreter(spoiled_root)
    assert set(modules) >= KNOWN_RULES_MODULES
    assert loaded & FORBIDDEN == set()
    assert forbidden_imports(spoiled_root / "rules") == []


def test_import_sqlalchemy_in_a_rules_module_is_caught(spoiled_root: Path) -> None:
    months = spoiled_root / "rules" / "months.py"
    lines = months.read_text(encoding="utf-8").splitlines()
    months.write_text("\n".join([*lines, "import sqlalchemy", ""]), encoding="utf-8")

    _, loaded = import_in_fresh_interpreter(spoiled_root)
    assert "sqlalchemy" in loaded & FORBIDDEN
    expected = f"rules/months.py:{len(lines) + 1} sqlalchemy"
    assert forbidden_imports(spoiled_root / "rules") == [expected]


def test_an_impure_new_module_is_caught(spoiled_root: Path) -> None:
    (spoiled_root / "rules" / "spoiled_new_module.py").write_text("from prefect import flow\n")

    modules, loaded = import_in_fresh_interpreter(spoiled_root)
    assert "rules.spoiled_new_module" in modules
    assert "prefect" in loaded
    assert forbidden_imports(spoiled_root / "rules") == ["rules/spoiled_new_module.py:1 prefect"]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("import sqlmodel", "sqlmodel"),
        ("import httpx as http", "httpx"),
        ("from jinja2 import Environment", "jinja2"),
        ("from sqlalchemy.orm import Session", "sqlalchemy.orm"),
        ("import os, requests", "requests"),
        ("from models.db import make_engine", "models.db"),
        ("from config.settings import load", "config.settings"),
        ("def later():\n    import psycopg\n", "psycopg"),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import flows\n", "flows"),
        (
            "import importlib\nimportlib.import_module('notifications.email')\n",
            "notifications.email",
        ),
        ("__import__('urllib3')\n", "urllib3"),
    ],
)
def test_static_check_catches(spoiled_root: Path, source: str, name: str) -> None:
    (spoiled_root / "rules" / "spoilt.py").write_text(source + "\n")
    found = forbidden_imports(spoiled_root / "rules")
    assert len(found) == 1 and found[0].startswith("rules/spoilt.py:")
    assert found[0].endswith(f" {name}")


@pytest.mark.parametrize(
    "source",
    [
        "import holidays",
        "from dateutil.relativedelta import relativedelta",
        "from rules.months import parse_month",
        "from . import months",
        "import modelsx\nimport auditsy",  # only the exact top-level names are forbidden
    ],
)
def test_static_check_allows(spoiled_root: Path, source: str) -> None:
    (spoiled_root / "rules" / "fine.py").write_text(source + "\n")
    assert forbidden_imports(spoiled_root / "rules") == []
