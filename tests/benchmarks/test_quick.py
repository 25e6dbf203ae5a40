"""Every benchmark in ``benchmarks/`` run in quick mode, as an operator runs it: so that a
benchmark broken by a change to the code it measures fails here rather than on the next
``make bench``. Quick figures say nothing about the targets; only that the benchmark works end to
end and reports its ratios."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
RATIO_LINE = re.compile(r"^ratio [^:\n]+: [^\n]*?\d+\.\d\d\b", re.MULTILINE)
#: The ratio lines each benchmark prints: decisions.py one per concurrency (1, 4, 8, 16 clients),
#: report.py figures / floor and compile / floor, export.py export / (read + write floors),
#: events.py the p95 of request-to-email against the server's event-to-flow-run floor.
RATIOS = {
    "allocation.py": 1,
    "chase.py": 1,
    "decisions.py": 4,
    "events.py": 1,
    "export.py": 1,
    "report.py": 2,
}
#: Each takes 5 to 30 s on an idle 2-core machine (events.py about 2 minutes); several times
#: that when it is busy.
TIMEOUT_S = 600


def test_every_benchmark_is_run_here() -> None:
    assert sorted(p.name for p in BENCHMARKS.glob("*.py")) == sorted(RATIOS)


@pytest.mark.bench
@pytest.mark.parametrize(
    "script",
    [
        "allocation.py",
        pytest.param("chase.py", marks=pytest.mark.prefect),
        "decisions.py",
        # audits serve with a real Prefect server: about 2 minutes on an idle 2-core machine.
        pytest.param("events.py", marks=pytest.mark.prefect),
        "export.py",
        "report.py",
    ],
)
def test_benchmark_runs_in_quick_mode(script: str, tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=benchmark_env(tmp_path),
        cwd=tmp_path,
    )
    output = (finished.stdout + finished.stderr)[-4000:]
    assert finished.returncode == 0, f"{script} --quick exited {finished.returncode}:\n{output}"
    ratios = RATIO_LINE.findall(finished.stdout)
    assert len(ratios) == RATIOS[script], f"{script} printed {ratios}:\n{finished.stdout[-4000:]}"


def benchmark_env(tmp_path: Path) -> dict[str, str]:
    """The environment an operator's shell would have: none of the tests' AUDITS_* settings
    (the benchmarks build their own databases and use the repository's programme file) but the
    session's signing key, and Prefect's ephemeral server kept in the test's own folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUDITS_", "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILE"))
    }
    prefect_home = tmp_path / "prefect"
    prefect_home.mkdir()
    env["PREFECT_HOME"] = str(prefect_home)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    if "AUDITS_SECRET_KEY" in os.environ:
        env["AUDITS_SECRET_KEY"] = os.environ["AUDITS_SECRET_KEY"]
    return env


@pytest.mark.bench
@pytest.mark.prefect
def test_the_chase_benchmark_runs_on_postgresql_too(
    postgres_server_url: str, tmp_path: Path
) -> None:
    """``--postgres``: its copies (``CREATE DATABASE ... TEMPLATE``, then ``CHECKPOINT``) and
    its measurements on the tests' server, SQLite's first, then PostgreSQL's."""
    given = make_url(postgres_server_url)
    server = URL.create(given.drivername, given.username, given.password, given.host, given.port)
    finished = subprocess.run(
        [sys.executable, str(BENCHMARKS / "chase.py"), "--quick", "--postgres"]
        + [server.render_as_string(hide_password=False)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=benchmark_env(tmp_path),
        cwd=tmp_path,
    )
    output = (finished.stdout + finished.stderr)[-4000:]
    assert finished.returncode == 0, f"chase.py --quick --postgres exited:\n{output}"
    assert "== PostgreSQL ==" in finished.stdout
    assert len(RATIO_LINE.findall(finished.stdout)) == 2, output
